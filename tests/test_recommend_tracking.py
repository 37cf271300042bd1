"""Tracking last year's plan (statuses on crafted cases) and the exports, re-read from disk."""

from __future__ import annotations

import csv

import numpy as np
import openpyxl
import pandas as pd
import pytest

from trustsurvey.errors import ReportError
from trustsurvey.recommend import DETAIL_COLUMNS, RECOMMENDATION_COLUMNS, read_plan, recommend, track
from trustsurvey.recommend.texts import PLAN_HEADERS
from trustsurvey.recommend.tracking import TRACKING_COLUMNS

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


def trend_of(before: pd.DataFrame, after: pd.DataFrame, p: dict[str, float]) -> pd.DataFrame:
    """A trend table of two waves; change_p per item from ``p``."""
    b = before.assign(wave=2024, change=np.nan, change_p=np.nan, change_p_adj=np.nan)
    a = after.assign(wave=2025)
    a["change"] = a["estimate"].to_numpy() - before["estimate"].to_numpy()
    a["change_p"] = a["item"].map(p).astype(float)
    a["change_p_adj"] = a["change_p"]
    return pd.concat([b, a], ignore_index=True)


# --------------------------------------------------------------------------- tracking
def crafted():
    """Last year's plan (one recommendation per item) and this year's tables producing each status."""
    items = {  # item: (last year, this year, change p, goal, direction)
        "reached": (0.50, 0.71, 0.001, 0.70, "higher"),
        "improved": (0.50, 0.58, 0.01, 0.70, "higher"),
        "progress": (0.50, 0.53, 0.30, 0.70, "higher"),
        "same": (0.50, 0.49, 0.60, 0.70, "higher"),
        "worse": (0.50, 0.40, 0.001, 0.70, "higher"),
        "lower_ok": (0.45, 0.33, 0.001, 0.35, "lower"),
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


def test_tracking_statuses_on_crafted_cases():
    plan, before, after, p = crafted()
    out = track(plan, after, trend_of(before, after, p), wave=2025)
    assert list(out.columns) == list(TRACKING_COLUMNS)
    got = dict(zip(out["item"], out["status"]))
    assert got == {"reached": "addressed", "improved": "addressed", "progress": "in progress",
                   "same": "not addressed", "worse": "worsened", "lower_ok": "addressed",
                   "lower_worse": "worsened", "gone": "no data"}
    r = out.set_index("item").loc["improved"]
    assert r["previous"] == pytest.approx(0.50) and r["estimate"] == pytest.approx(0.58)
    assert r["change"] == pytest.approx(0.08) and r["change_p"] == pytest.approx(0.01)
    assert int(r["wave"]) == 2025 and int(r["previous_wave"]) == 2024


def test_tracking_without_trend_never_claims_significance():
    plan, before, after, p = crafted()
    got = dict(zip(plan["item"], track(plan, after)["status"]))
    assert got["reached"] == got["lower_ok"] == "addressed"        # the goal needs no test
    assert got["improved"] == got["progress"] == "in progress"
    assert got["worse"] == "not addressed" and got["gone"] == "no data"


def test_tracked_plan_reports_addressed_count():
    plan, before, after, p = crafted()
    recs = recommend(tables=after, trend=trend_of(before, after, p), previous_plan=plan, rules=[], wave=2025)
    assert len(recs) == 0 and recs.addressed_count == 3
    assert recs.status_counts() == {"addressed": 3, "in progress": 1, "not addressed": 1, "worsened": 2,
                                    "no data": 1}
    ind = recs.indicators("en")
    assert ind.loc[ind["Indicator"] == "Number of recommendations addressed", "Value"].item() == 3
    assert recs.indicators("sq").columns.tolist() == ["Treguesi", "Vlera"]


def test_read_plan_errors_and_defaults(tmp_path):
    with pytest.raises(ReportError, match="not found"):
        read_plan(tmp_path / "missing.csv")
    with pytest.raises(ReportError, match="column"):
        read_plan(pd.DataFrame({"id": ["x"]}))
    # a plan with only the promised evidence columns still tracks (metric and direction from the rule)
    bare = pd.DataFrame({c: [v] for c, v in zip(
        RECOMMENDATION_COLUMNS, ["high_dont_know:eff_dv:national:all", 3.0, "high_dont_know", "eff_dv", "national",
                                 "all", 0.25, 0.23, 0.27, np.nan, np.nan, 0.0, 0.0, 1300, "new", "text"])})
    p = read_plan(bare)
    assert p.loc[0, "metric"] == "dont_know" and p.loc[0, "direction"] == "lower"
    now = table(row(item="eff_dv", metric="dont_know", estimate=0.18))
    assert track(bare, now)["status"].tolist() == ["in progress"]


# --------------------------------------------------------------------------- export
def plan_2025():
    t = table(row(estimate=0.60, se=0.01),
              row(by="region", group="6", estimate=0.30, n=150, nw=4e4, p=1e-8, p_adj=1e-7),
              row(item="lpsc_aware", estimate=0.29, se=0.012),
              row(item="eff_dv", metric="dont_know", estimate=0.26, se=0.01))
    return t, recommend(tables=t, targets=[{"item": "trust_kp", "metric": "top2", "goal": 0.7}], wave=2025)


@pytest.mark.parametrize("lang", ["sq", "sr", "en"])
def test_exports_reread(tmp_path, lang):
    _, plan = plan_2025()
    paths = plan.export(tmp_path, lang=lang)
    assert sorted(paths) == ["action_plan.csv", "action_plan.xlsx", "recommendations.csv"]
    wb = openpyxl.load_workbook(paths["action_plan.xlsx"])
    ws = wb.worksheets[0]
    header = [c.value for c in ws[1]]
    assert header == list(PLAN_HEADERS[lang])
    assert ws.max_row == len(plan) + 1
    assert [ws.cell(i + 2, 1).value for i in range(len(plan))] == [r.text[lang] for r in plan]
    with open(paths["action_plan.csv"], encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == list(PLAN_HEADERS[lang]) and len(rows) == len(plan) + 1
    assert rows[1][0] == plan[0].text[lang]
    with open(paths["recommendations.csv"], encoding="utf-8", newline="") as fh:
        rec = list(csv.DictReader(fh))
    assert list(rec[0]) == list(RECOMMENDATION_COLUMNS + DETAIL_COLUMNS)
    assert [r["id"] for r in rec] == list(plan.ids)
    assert rec[0]["text"] == plan[0].text[lang]


def test_export_is_deterministic_and_does_not_overwrite(tmp_path):
    _, plan = plan_2025()
    a, b = tmp_path / "a", tmp_path / "b"
    pa, pb = plan.export(a, lang="sq"), plan.export(b, lang="sq")
    for name in ("action_plan.csv", "recommendations.csv"):
        assert pa[name].read_bytes() == pb[name].read_bytes()
    assert pa["recommendations.csv"].read_bytes().decode("utf-8")   # valid UTF-8, no BOM
    assert not pa["recommendations.csv"].read_bytes().startswith(b"\xef\xbb\xbf")
    before = pa["action_plan.csv"].read_bytes()
    with pytest.raises(ReportError, match="already exist"):
        plan.export(a, lang="en")
    assert pa["action_plan.csv"].read_bytes() == before
    plan.export(a, lang="en", overwrite=True)
    assert pa["action_plan.csv"].read_bytes() != before


def test_formula_text_is_escaped(tmp_path):
    t, _ = plan_2025()
    evil = [{"id": "aware", "rule": "low_awareness", "items": ["lpsc_aware"], "params": {"threshold": 0.5},
             "text": {"en": "=HYPERLINK(\"http://x\",\"{item_label}\")", "sq": "+1", "sr": "@SUM(A1)"}}]
    plan = recommend(tables=t, rules=evil, wave=2025)
    paths = plan.export(tmp_path, lang="en")
    with open(paths["recommendations.csv"], encoding="utf-8", newline="") as fh:
        rec = list(csv.DictReader(fh))
    assert rec[0]["text"].startswith("'=HYPERLINK")
    ws = openpyxl.load_workbook(paths["action_plan.xlsx"]).worksheets[0]
    assert ws.cell(2, 1).data_type == "s" and ws.cell(2, 1).value.startswith("=HYPERLINK")
    # reading the plan back strips the protection
    assert read_plan(paths["recommendations.csv"]).loc[0, "text"].startswith("=HYPERLINK")


def test_round_trip_tracking_from_exported_plan(tmp_path):
    t, plan = plan_2025()
    plan.export(tmp_path / "2025", lang="en")
    nxt = t.copy()
    nxt.loc[(nxt["by"] == "region") & (nxt["group"] == "6"), ["estimate", "p_adj"]] = [0.55, 0.3]   # gap closed
    nxt.loc[nxt["item"] == "lpsc_aware", "estimate"] = 0.30                                         # still low
    recs = recommend(tables=nxt, previous_plan=tmp_path / "2025" / "recommendations.csv",
                     targets=[{"item": "trust_kp", "metric": "top2", "goal": 0.7}], wave=2026)
    status = dict(zip(recs.tracking["id"], recs.tracking["status"]))
    assert status["group_gap:trust_kp:region:6"] == "addressed"
    assert status["low_awareness:lpsc_aware:national:all"] == "in progress"
    # a recommendation that recurs carries its tracking status; a new one is "new"
    assert recs["low_awareness:lpsc_aware:national:all"].status == "in progress"
    assert "group_gap:trust_kp:region:6" not in recs.ids
    out = recs.export(tmp_path / "2026", lang="sr")
    assert "tracking.csv" in out
    wb = openpyxl.load_workbook(out["action_plan.xlsx"])
    assert wb.sheetnames == ["Akcioni plan", "Indikatori", "Preporuke", "Praćenje"]


def test_group_gap_tracking_judges_the_gap():
    # last year: national 0.60, region 6 at 0.30 (gap 0.30, allowed gap 0.10 -> goal 0.50)
    plan = pd.DataFrame({
        "id": [f"group_gap:{i}:region:6" for i in ("closed", "narrowed", "widened", "fell")],
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
    # "widened": the group improved a little, the country much more: the gap grew
    assert dict(zip(out["item"], out["status"])) == {"closed": "addressed", "narrowed": "in progress",
                                                      "widened": "not addressed", "fell": "worsened"}
