"""Monitoring last year's plan: statuses on crafted cases, the tests that decide them, the 2.2.2 indicator."""

from __future__ import annotations

import csv

import numpy as np
import pandas as pd
import pytest

from trustsurvey.errors import ReportError
from trustsurvey.labels import catalogue
from trustsurvey.labels.numbers import format_p
from trustsurvey.recommend import (
    INDICATOR_COLUMNS,
    MONITORING_COLUMNS,
    MONITORING_STATUSES,
    RECOMMENDATION_COLUMNS,
    read_plan,
    recommend,
    track,
)
from trustsurvey.recommend.tracking import TRACKING_COLUMNS
from trustsurvey.report import write_action_plan

BD_COLUMNS = ["item", "item_label", "metric", "level", "level_label", "by", "group", "group_label", "estimate",
              "se", "ci_low", "ci_high", "n_unweighted", "n_weighted", "deff", "p_value", "p_adj", "flag"]


def row(item="trust_kp", metric="top2", by="national", group="all", estimate=0.6, se=0.02, n=1000, nw=None,
        p=np.nan, p_adj=np.nan, flag=""):
    return {"item": item, "item_label": item, "metric": metric, "level": "", "level_label": "", "by": by,
            "group": group, "group_label": group, "estimate": estimate, "se": se, "ci_low": estimate - 2 * se,
            "ci_high": estimate + 2 * se, "n_unweighted": n, "n_weighted": float(n * 1000 if nw is None else nw),
            "deff": 1.5, "p_value": p, "p_adj": p_adj, "flag": flag}


def table(*rows):
    return pd.DataFrame(list(rows), columns=BD_COLUMNS)


def trend_of(before: pd.DataFrame, after: pd.DataFrame, p: dict[str, float], df: float | None = None) -> pd.DataFrame:
    """A trend table of two waves; change_p per item from ``p`` (change_df if given)."""
    b = before.assign(wave=2024, change=np.nan, change_p=np.nan, change_p_adj=np.nan)
    a = after.assign(wave=2025)
    a["change"] = a["estimate"].to_numpy() - before["estimate"].to_numpy()
    a["change_p"] = a["item"].map(p).astype(float)
    a["change_p_adj"] = np.minimum(1.0, 3 * a["change_p"])
    out = pd.concat([b, a], ignore_index=True)
    if df is not None:
        out["change_df"] = df
    return out


# --------------------------------------------------------------------------- statuses
def crafted():
    """Last year's plan (one recommendation per item) and this year's tables producing each status."""
    items = {  # item: (last year, this year, change p, goal, direction)
        "reached": (0.50, 0.71, 0.001, 0.70, "higher"),
        "exactly": (0.50, 0.75, 0.001, 0.75, "higher"),       # reaching the goal exactly meets it
        "improved": (0.50, 0.58, 0.01, 0.70, "higher"),
        "progress": (0.50, 0.53, 0.30, 0.70, "higher"),
        "same": (0.50, 0.49, 0.60, 0.70, "higher"),
        "worse": (0.50, 0.40, 0.001, 0.70, "higher"),
        "at_alpha": (0.50, 0.60, 0.05, 0.70, "higher"),      # p exactly alpha: not significant
        "lower_ok": (0.45, 0.33, 0.001, 0.35, "lower"),
        "lower_better": (0.45, 0.38, 0.001, 0.35, "lower"),
        "lower_worse": (0.45, 0.52, 0.01, 0.35, "lower"),
        "gone": (0.50, np.nan, np.nan, 0.70, "higher"),
    }
    plan = pd.DataFrame({
        "id": [f"below_target:{i}:national:all" for i in items], "priority": 1.0, "rule": "below_target",
        "item": list(items), "by": "national", "group": "all", "estimate": [v[0] for v in items.values()],
        "metric": "top2", "level": "", "goal": [v[3] for v in items.values()],
        "direction": [v[4] for v in items.values()], "wave": 2024, "text": "x"})
    before = table(*[row(item=i, estimate=v[0]) for i, v in items.items()])
    after = table(*[row(item=i, estimate=v[1], flag="suppressed" if np.isnan(v[1]) else "", n=10 if np.isnan(v[1])
                        else 1000) for i, v in items.items()])
    return plan, before, after, {i: v[2] for i, v in items.items()}


EXPECTED = {"reached": "target_met", "exactly": "target_met", "improved": "improved", "progress": "no_change",
            "same": "no_change", "worse": "worsened", "at_alpha": "no_change", "lower_ok": "target_met",
            "lower_better": "improved", "lower_worse": "worsened", "gone": "not_measurable"}


def test_tracking_statuses_on_crafted_cases():
    plan, before, after, p = crafted()
    out = track(plan, after, trend_of(before, after, p, df=2940), wave=2025)
    assert list(out.columns) == list(TRACKING_COLUMNS)
    assert dict(zip(out["item"], out["status"])) == EXPECTED
    got = out.set_index("item")
    r = got.loc["improved"]
    assert r["id"] == "improved:national:all"       # old rule-based ids are read as item:by:group
    assert r["previous"] == pytest.approx(0.50) and r["estimate"] == pytest.approx(0.58)
    assert r["change"] == pytest.approx(0.08) and r["change_df"] == 2940
    assert int(r["wave"]) == 2025 and int(r["previous_wave"]) == 2024
    # the test that decided each status, and that test's own p-value (the trend table's change_p)
    assert got.loc["improved", "test"] == "change_t" and got.loc["improved", "p_value"] == pytest.approx(0.01)
    assert got.loc["progress", "test"] == "change_t" and got.loc["progress", "p_value"] == pytest.approx(0.30)
    assert got.loc["reached", "test"] == "goal" and np.isnan(got.loc["reached", "p_value"])
    assert got.loc["gone", "test"] == "" and got.loc["gone", "reason"] == "suppressed"


def test_an_item_no_longer_in_the_tables_is_not_measurable():
    plan, before, after, p = crafted()
    dropped = after[after["item"] != "same"]
    out = track(plan, dropped, trend_of(before, after, p)).set_index("item")
    assert out.loc["same", "status"] == "not_measurable" and out.loc["same", "reason"] == "missing"


def test_tracking_without_trend_never_claims_significance():
    plan, _, after, _ = crafted()
    out = track(plan, after)
    got = dict(zip(out["item"], out["status"]))
    assert got["reached"] == got["lower_ok"] == "target_met"       # the goal needs no test
    assert {got[i] for i in ("improved", "progress", "worse", "lower_worse")} == {"no_change"}
    assert got["gone"] == "not_measurable"
    assert set(out.loc[out["status"] == "no_change", "test"]) == {"none"}


def test_group_gap_tracking_judges_the_gap():
    # last year: national 0.60, region 6 at 0.30 (gap 0.30, allowed gap 0.10 -> goal 0.50)
    plan = pd.DataFrame({
        "id": [f"{i}:region:6" for i in ("closed", "narrowed", "widened", "fell")],
        "rule": "group_gap", "item": ["closed", "narrowed", "widened", "fell"], "by": "region", "group": "6",
        "estimate": 0.30, "metric": "top2", "level": "", "goal": 0.50, "direction": "higher", "national": 0.60,
        "gap": 0.30, "text": ""})
    now = {"closed": (0.75, 0.68), "narrowed": (0.60, 0.36), "widened": (0.80, 0.35), "fell": (0.60, 0.20)}
    after = table(*[r for i, (nat, grp) in now.items()
                    for r in (row(item=i, estimate=nat), row(item=i, by="region", group="6", estimate=grp))])
    before = table(*[r for i in now for r in (row(item=i, estimate=0.60),
                                              row(item=i, by="region", group="6", estimate=0.30))])
    out = track(plan, after, trend_of(before, after, {"closed": 0.01, "narrowed": 0.2, "widened": 0.3,
                                                      "fell": 0.01}))
    # "closed": the group rose to 0.68 but the country to 0.75: within the allowed 10 points
    # "widened": the group improved a little (not significantly), the country much more
    assert dict(zip(out["item"], out["status"])) == {"closed": "target_met", "narrowed": "no_change",
                                                      "widened": "no_change", "fell": "worsened"}
    assert out["threshold"].tolist() == pytest.approx([0.10] * 4)


def test_read_plan_maps_old_ids_and_reports_errors(tmp_path):
    with pytest.raises(ReportError, match="not found"):
        read_plan(tmp_path / "missing.csv")
    with pytest.raises(ReportError, match="column"):
        read_plan(pd.DataFrame({"id": ["x"]}))
    old = pd.DataFrame({"id": ["below_target:a:region:6", "group_gap:a:region:6", "high_dont_know:b:national:all"],
                        "rule": ["below_target", "group_gap", "high_dont_know"], "item": ["a", "a", "b"],
                        "by": ["region", "region", "national"], "group": ["6", "6", "all"],
                        "estimate": ["0.3", "0.3", "0.25"]})
    p = read_plan(old)
    assert p["id"].tolist() == ["a:region:6", "b:national:all"]          # one per item and group: the first
    assert p["plan_id"].tolist() == ["below_target:a:region:6", "high_dont_know:b:national:all"]
    assert p.loc[1, "metric"] == "dont_know" and p.loc[1, "direction"] == "lower"   # from the rule
    legacy = read_plan(old.assign(goal=["0.5", "0.4", "0.2"]))
    assert legacy["threshold"].tolist()[1] == 0.2                   # a level rule's threshold: its goal
    now = table(row(item="b", metric="dont_know", estimate=0.18))
    assert track(old.iloc[[2]], now)["status"].tolist() == ["no_change"]


# --------------------------------------------------------------------------- monitoring and the indicator
def monitored():
    plan, before, after, p = crafted()
    trend = trend_of(before, after, p, df=2940)
    recs = recommend(tables=after, trend=trend, previous_plan=plan, rules=[], wave=2025)
    return recs, trend


def test_indicator_counts_by_status_with_their_rules():
    recs, _ = monitored()
    assert len(recs) == 0 and recs.addressed_count == 5          # 3 targets met + 2 improved significantly
    assert recs.status_counts() == {"target_met": 3, "improved": 2, "no_change": 3, "worsened": 2,
                                    "not_measurable": 1}
    for lang in ("sq", "sr", "en", "sr-Cyrl"):
        ind = recs.indicator(lang)
        assert list(ind.columns) == list(INDICATOR_COLUMNS)
        assert ind["status"].tolist() == list(MONITORING_STATUSES)
        assert ind["count"].sum() == 11 and ind["rule"].str.len().min() > 40
        t = catalogue(lang)
        assert ind["status_label"].tolist() == [t.pgettext("status", s) for s in (
            "target met", "improved significantly", "no significant change", "worsened significantly",
            "not measurable")]
    assert "5%" in recs.indicator("en").set_index("status").loc["improved", "rule"]
    summary = recs.indicators("en")
    assert summary.iloc[3, 1] == 5 and summary.columns.tolist() == ["Indicator", "Value"]


def test_monitoring_table_names_the_test_and_its_own_p_value():
    recs, trend = monitored()
    mon = recs.monitoring_table("en")
    assert list(mon.columns) == list(MONITORING_COLUMNS) and len(mon) == 11
    got = mon.assign(item_id=[i.split(":")[0] for i in mon["id"]]).set_index("item_id")
    now = trend[trend["wave"] == 2025].set_index("item")
    for item, status in EXPECTED.items():
        r = got.loc[item]
        assert r["status"] == status
        if status in ("improved", "no_change", "worsened"):
            # one comparison, one p-value: the trend table's change_p, in the column and in the comment
            assert r["test"] == "t test of the change 2024→2025, 2,940 df"
            assert r["p_value"] == now.loc[item, "change_p"]
            assert f"({r['test']}, {format_p(now.loc[item, 'change_p'], 'en')})" in r["comment"]
            assert r["change"] == pytest.approx(now.loc[item, "change"])
    assert got.loc["reached", "test"] == "estimate compared with the goal (no test)"
    assert got.loc["lower_ok", "comment"].startswith("Target met: 33.0% is within the ceiling of 35.0%")
    assert "goal not reached (at most 35.0%)" in got.loc["lower_worse", "comment"]
    assert got.loc["gone", "comment"] == "Not measurable: this year's estimate is suppressed (too few respondents)."
    assert got.loc["improved", "finding"] == "All respondents — improved: 50.0%, below the target of 70.0%."
    sq = recs.monitoring_table("sq").set_index("id")
    assert sq.loc["improved:national:all", "test"] == "testi t i ndryshimit 2024→2025, 2\u00a0940 shkallë lirie"
    assert "p = 0,010" in sq.loc["improved:national:all", "comment"]


# --------------------------------------------------------------------------- a plan round trip
def plan_2025():
    t = table(row(estimate=0.60, se=0.01),
              row(by="region", group="6", estimate=0.30, n=150, nw=4e4, p=1e-8, p_adj=1e-7),
              row(item="lpsc_aware", estimate=0.29, se=0.012),
              row(item="eff_dv", metric="dont_know", estimate=0.26, se=0.01))
    return t, recommend(tables=t, targets=[{"item": "trust_kp", "metric": "top2", "goal": 0.7}], wave=2025,
                        rules={"low_awareness": {"items": ["lpsc_aware"]}})


def test_round_trip_tracking_from_the_written_plan(tmp_path):
    t, plan = plan_2025()
    paths = write_action_plan(plan, tmp_path / "2025", lang="en")
    with open(paths["recommendations.csv"], encoding="utf-8", newline="") as fh:
        rec = list(csv.DictReader(fh))
    assert list(rec[0])[:len(RECOMMENDATION_COLUMNS)] == list(RECOMMENDATION_COLUMNS)
    assert [r["id"] for r in rec] == list(plan.ids)
    nxt = t.copy()
    nxt.loc[(nxt["by"] == "region") & (nxt["group"] == "6"), ["estimate", "p_adj"]] = [0.55, 0.3]   # gap closed
    nxt.loc[nxt["item"] == "lpsc_aware", "estimate"] = 0.30                                         # still low
    recs = recommend(tables=nxt, previous_plan=paths["recommendations.csv"], wave=2026,
                     targets=[{"item": "trust_kp", "metric": "top2", "goal": 0.7}],
                     rules={"low_awareness": {"items": ["lpsc_aware"]}})
    status = dict(zip(recs.tracking["id"], recs.tracking["status"]))
    assert status["trust_kp:region:6"] == "target_met"
    assert status["lpsc_aware:national:all"] == "no_change"     # no trend table: no test, no claim
    # a recommendation that recurs carries its monitoring status; a new one is "new"
    assert recs["lpsc_aware:national:all"].status == "no_change"
    assert "trust_kp:region:6" not in recs.ids
    assert "no significant change" in recs["lpsc_aware:national:all"].comments["en"]
    # the pipeline hands last year's machine table over directly
    again = recommend(tables=nxt, previous_plan=plan.to_frame(), wave=2026,
                      targets=[{"item": "trust_kp", "metric": "top2", "goal": 0.7}],
                      rules={"low_awareness": {"items": ["lpsc_aware"]}})
    pd.testing.assert_frame_equal(again.tracking, recs.tracking)
