"""Recommendation rules on hand-built tidy tables (the ts.breakdown / ts.trend layouts).

Expectations are independent of the code under test: R's pnorm/pt/p.adjust
(tests/reference/recommend/threshold_tests.R and .json), boundary cases built
from exactly representable numbers, and the statement of each rule.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from trustsurvey.errors import PlanError, TrustSurveyError
from trustsurvey.labels import Meaning
from trustsurvey.questionnaire import bundled
from trustsurvey.recommend import rules as R
from trustsurvey.recommend.rules import CANDIDATE_COLUMNS

REF = json.loads((Path(__file__).parent / "reference" / "recommend" / "threshold_tests.json").read_text())

BD_COLUMNS = ["item", "item_label", "metric", "level", "level_label", "by", "group", "group_label", "estimate",
              "se", "ci_low", "ci_high", "n_unweighted", "n_weighted", "deff", "p_value", "p_adj", "flag"]


def row(item="trust_kp", metric="top2", by="national", group="all", estimate=0.6, se=0.02, n=1000, nw=None,
        p=np.nan, p_adj=np.nan, flag="", level=""):
    lo, hi = (estimate - 1.96 * se, estimate + 1.96 * se) if np.isfinite(estimate) else (np.nan, np.nan)
    return {"item": item, "item_label": item, "metric": metric, "level": level, "level_label": "", "by": by,
            "group": group, "group_label": group, "estimate": estimate, "se": se, "ci_low": lo, "ci_high": hi,
            "n_unweighted": n, "n_weighted": float(n * 1000 if nw is None else nw), "deff": 1.5, "p_value": p,
            "p_adj": p_adj, "flag": flag}


def table(*rows):
    return pd.DataFrame(list(rows), columns=BD_COLUMNS)


def trend_rows(item="trust_kp", metric="top2", by="national", group="all", before=0.6, after=0.5, p=0.001,
               p_adj=None, n=1000, flag="", flag_before=""):
    base = {"item": item, "item_label": item, "metric": metric, "level": "", "level_label": "", "by": by,
            "group": group, "group_label": group, "se": 0.02, "ci_low": np.nan, "ci_high": np.nan,
            "n_unweighted": n, "change_se": 0.03, "trend_slope": np.nan, "trend_p": np.nan}
    return [
        {**base, "wave": 2024, "estimate": before, "change": np.nan, "change_p": np.nan, "change_p_adj": np.nan,
         "flag": flag_before},
        {**base, "wave": 2025, "estimate": after, "change": after - before, "change_p": p,
         "change_p_adj": p if p_adj is None else p_adj, "flag": flag},
    ]


def trend_table(*series):
    return pd.DataFrame([r for s in series for r in s])


LOW = Meaning(bundled(), "en")   # the bundled questionnaire: int_bribes is favourable when low


# --------------------------------------------------------------------------- the test against a goal
def test_threshold_test_is_one_sided_and_holm_adjusted_as_in_r():
    ref = REF["at_least"]
    rows = [row(item=f"a{i}", estimate=e, se=s) for i, (e, s) in enumerate(zip(ref["estimate"], ref["se"]))]
    out = R.low_awareness(table(*rows), threshold=ref["goal"], metric="top2").set_index("item")
    items = [f"a{i}" for i in range(3)]
    assert out.loc[items, "p_value"].to_numpy() == pytest.approx(ref["p_normal"], rel=1e-6)
    assert out.loc[items, "p_adj"].to_numpy() == pytest.approx(ref["p_normal_holm"], rel=1e-6)
    # the design's degrees of freedom, when the table carries them: the t reference
    with_df = table(*rows).assign(df=10.0)
    out = R.below_target(with_df, [{"item": i, "metric": "top2", "goal": ref["goal"]} for i in items]).set_index("item")
    assert out.loc[items, "p_value"].to_numpy() == pytest.approx(ref["p_t10"], rel=1e-6)
    assert out.loc[items, "p_adj"].to_numpy() == pytest.approx(ref["p_t10_holm"], rel=1e-6)


def test_threshold_test_against_a_ceiling_is_one_sided_and_holm_adjusted():
    ref = REF["at_most"]
    t = table(*[row(item=f"c{i}", estimate=e, se=s) for i, (e, s) in enumerate(zip(ref["estimate"], ref["se"]))])
    out = R.integrity_concern(t, threshold=ref["threshold"], alpha=None).set_index("item")
    assert out.loc[["c0", "c1"], "p_value"].to_numpy() == pytest.approx(ref["p_normal"], rel=1e-6)
    assert out.loc[["c0", "c1"], "p_adj"].to_numpy() == pytest.approx(ref["p_normal_holm"], rel=1e-6)
    # significant at 5% after Holm: only the first (0.0027); the second (0.067) is not
    assert R.integrity_concern(t, threshold=ref["threshold"], alpha=0.05)["item"].tolist() == ["c0"]


def test_holm_decides_which_misses_are_significant():
    # one-sided p 0.03 and 0.04 (z = -1.8808, -1.7507): each below 5% alone, not after Holm (0.06, 0.06)
    t = table(row(item="a", estimate=0.5 - 1.880793608151251 * 0.02), row(item="b", estimate=0.5 - 1.750686071252170 * 0.02))
    assert R.low_awareness(t, threshold=0.5, metric="top2", alpha=0.05).empty
    assert sorted(R.low_awareness(t, threshold=0.5, metric="top2", alpha=None)["item"]) == ["a", "b"]


def test_zero_standard_error_gives_the_exact_p_value():
    # every respondent answered alike: the side of the goal is certain
    t = table(row(item="low", estimate=0.2, se=0.0), row(item="high", estimate=0.45, se=0.0),
              row(item="other", estimate=0.3, se=0.02))
    below = R.low_awareness(t, threshold=0.5, metric="top2", alpha=0.05).set_index("item")
    assert below.loc["low", "p_value"] == 0.0 and below.loc["high", "p_value"] == 0.0
    above = R.integrity_concern(t, threshold=0.35, alpha=0.05)
    assert above["item"].tolist() == ["high"] and above.iloc[0]["p_value"] == 0.0
    # on the favourable side the p-value is 1 (and nothing is recommended)
    goals = [{"item": "low", "metric": "top2", "goal": 0.1}, {"item": "high", "metric": "top2", "goal": 0.5}]
    out = R.below_target(t, goals, significant_only=True)
    assert out["item"].tolist() == ["high"] and out.iloc[0]["p_value"] == 0.0


# --------------------------------------------------------------------------- below_target
def test_below_target_basis_interval_versus_estimate():
    t = table(row(estimate=0.60, se=0.01), row(item="trust_station", estimate=0.64, se=0.02))
    goals = [{"item": "trust_kp", "metric": "top2", "goal": 0.70}, {"item": "trust_station", "metric": "top2", "goal": 0.65}]
    out = R.below_target(t, goals)
    assert list(out.columns) == list(CANDIDATE_COLUMNS)
    got = out.set_index("item")
    assert got.loc["trust_kp", "basis"] == "interval"        # 0.58-0.62 entirely below 0.70
    assert got.loc["trust_station", "basis"] == "estimate"   # 0.60-0.68 contains 0.65
    assert got.loc["trust_kp", "gap"] == pytest.approx(0.10)
    assert R.below_target(t, goals, significant_only=True)["item"].tolist() == ["trust_kp"]


def test_below_target_lower_direction_and_direction_from_polarity():
    t = table(row(estimate=0.72), row(item="int_bribes", estimate=0.48, se=0.015))
    out = R.below_target(t, [{"item": "trust_kp", "metric": "top2", "goal": 0.70},
                             {"item": "int_bribes", "metric": "top2", "goal": 0.35, "direction": "lower"}])
    assert out["item"].tolist() == ["int_bribes"]
    r = out.iloc[0]
    assert r["direction"] == "lower" and r["gap"] == pytest.approx(0.13) and r["basis"] == "interval"
    # a target that does not say its direction takes the item's polarity from the meaning layer
    frame = R.targets_frame([{"item": "int_bribes", "metric": "top2", "goal": 0.35},
                             {"item": "trust_kp", "metric": "top2", "goal": 0.7}], LOW)
    assert frame["direction"].tolist() == ["lower", "higher"]


def test_below_target_by_groups_and_suppression():
    t = table(row(estimate=0.72), row(by="community", group="1", estimate=0.75),
              row(by="community", group="2", estimate=0.20, se=0.04, n=120),
              row(by="community", group="5", estimate=np.nan, se=np.nan, n=12, flag="suppressed"),
              row(by="region", group="6", estimate=0.10, n=200))
    target = [{"item": "trust_kp", "metric": "top2", "goal": 0.55, "by": "community"}]
    out = R.below_target(t, target)
    assert out[["by", "group"]].values.tolist() == [["community", "2"]]   # not region 6: target is by community
    assert out.iloc[0]["share"] == pytest.approx(120 / 1000)
    assert R.below_target(t, target, min_base=150).empty


def test_below_target_metric_aliases():
    t = table(row(item="lpsc_aware", estimate=0.29), row(item="app_aware", metric="share", level="1", estimate=0.2),
              row(item="app_aware", metric="share", level="2", estimate=0.8),
              row(item="pf_index", metric="mean", estimate=58.0, se=1.0))
    out = R.below_target(t, [{"item": "lpsc_aware", "metric": "yes", "goal": 0.4},
                             {"item": "app_aware", "metric": "yes", "goal": 0.3},
                             {"item": "pf_index", "metric": "index_mean", "goal": 65}])
    got = out.set_index("item")
    assert got.loc["app_aware", "metric"] == "share" and got.loc["app_aware", "level"] == "1"
    assert got.loc["pf_index", "gap"] == pytest.approx(7.0)
    assert len(out) == 3


# --------------------------------------------------------------------------- boundaries
def test_min_base_counts_a_row_with_exactly_that_many_respondents():
    t = table(row(item="a", estimate=0.25, n=100), row(item="b", estimate=0.25, n=99))
    assert R.low_awareness(t, threshold=0.5, metric="top2", min_base=100)["item"].tolist() == ["a"]
    tr = trend_table(trend_rows("a", before=0.75, after=0.5, n=100), trend_rows("b", before=0.75, after=0.5, n=99))
    assert R.decline(tr, min_change=0.125, min_base=100)["item"].tolist() == ["a"]


def test_decline_of_exactly_min_change_counts():
    # 0.75 -> 0.5 is a fall of exactly 0.25 (binary fractions: no rounding)
    tr = trend_table(trend_rows("a", before=0.75, after=0.5), trend_rows("b", before=0.75, after=0.625))
    assert R.decline(tr, min_change=0.25)["item"].tolist() == ["a"]
    assert R.decline(tr, min_change=0.125)["item"].tolist() == ["a", "b"]
    # a p-value of exactly alpha is not significant
    assert R.decline(trend_table(trend_rows("a", before=0.75, after=0.5, p=0.05)), min_change=0.25).empty


def test_group_gap_of_exactly_min_gap_counts():
    t = table(row(estimate=0.75), row(by="region", group="1", estimate=0.5, p=1e-4, p_adj=1e-4),
              row(by="region", group="2", estimate=0.625, p=1e-4, p_adj=1e-4))
    assert R.group_gap(t, min_gap=0.25)["group"].tolist() == ["1"]
    assert sorted(R.group_gap(t, min_gap=0.125)["group"]) == ["1", "2"]


# --------------------------------------------------------------------------- decline
def test_decline_needs_significance_size_and_direction():
    tr = trend_table(
        trend_rows("trust_kp", before=0.60, after=0.50, p=0.001),         # fell 10 points, significant
        trend_rows("trust_station", before=0.60, after=0.57, p=0.001),    # fell 3 points only
        trend_rows("safe_night", before=0.80, after=0.70, p=0.20),        # not significant
        trend_rows("report_crime", before=0.60, after=0.70, p=0.001),     # improved
        trend_rows("int_bribes", before=0.40, after=0.50, p=0.001),       # favourable when low: a rise is bad
        trend_rows("cooperate", metric="bottom2", before=0.10, after=0.20, p=0.001),  # bottom2 rose: bad
    )
    out = R.decline(tr, min_change=0.05, alpha=0.05, metric="top2", polarity=LOW)
    assert sorted(out["item"]) == ["int_bribes", "trust_kp"]
    r = out.set_index("item").loc["trust_kp"]
    assert r["previous"] == pytest.approx(0.60) and r["change"] == pytest.approx(-0.10)
    assert r["gap"] == pytest.approx(0.10) and r["goal"] == pytest.approx(0.60) and r["basis"] == "test"
    assert out.set_index("item").loc["int_bribes", "direction"] == "lower"
    bottom = R.decline(tr, metric="bottom2")
    assert bottom["item"].tolist() == ["cooperate"] and bottom.iloc[0]["direction"] == "lower"
    # the same polarities given as an array, one per row of the trend table
    pol = np.where(tr["item"] == "int_bribes", -1, 1)
    assert sorted(R.decline(tr, metric="top2", polarity=pol)["item"]) == ["int_bribes", "trust_kp"]


def test_dont_know_is_unfavourable_whatever_the_item():
    # "don't know" rising is bad on an item favourable when high and on one favourable when low
    tr = trend_table(trend_rows("int_bribes", metric="dont_know", before=0.05, after=0.15),
                     trend_rows("trust_kp", metric="dont_know", before=0.05, after=0.15),
                     trend_rows("safe_night", metric="dont_know", before=0.15, after=0.05))
    for polarity in (LOW, None):
        out = R.decline(tr, metric="dont_know", polarity=polarity)
        assert sorted(out["item"]) == ["int_bribes", "trust_kp"], polarity
        assert set(out["direction"]) == {"lower"}
    t = table(row(item="int_bribes", metric="dont_know", estimate=0.10),
              row(item="int_bribes", metric="dont_know", by="region", group="1", estimate=0.30, p=1e-5, p_adj=1e-5),
              row(item="int_bribes", metric="dont_know", by="region", group="2", estimate=0.01, p=1e-5, p_adj=1e-5))
    assert R.group_gap(t, metric="dont_know", polarity=LOW)["group"].tolist() == ["1"]


def test_decline_uses_adjusted_p_and_national_rows_by_default():
    tr = trend_table(trend_rows(p=0.01, p_adj=0.2),
                     trend_rows(by="region", group="3", before=0.7, after=0.5, p=1e-4, n=200))
    assert R.decline(tr).empty                       # national p_adj 0.2; region rows not asked for
    assert R.decline(tr, adjusted=False)["by"].tolist() == ["national"]
    assert R.decline(tr, by=["region"])["group"].tolist() == ["3"]


def test_decline_ignores_suppressed_waves():
    tr = trend_table(trend_rows(after=np.nan, flag="suppressed", p=np.nan),
                     trend_rows(item="trust_station", flag_before="suppressed"))
    assert R.decline(tr).empty


# --------------------------------------------------------------------------- group_gap
def test_group_gap():
    t = table(row(estimate=0.60),
              row(by="region", group="1", estimate=0.65, p=0.01, p_adj=0.04),     # above the national figure
              row(by="region", group="6", estimate=0.30, n=150, p=1e-8, p_adj=1e-7),
              row(by="region", group="3", estimate=0.45, n=150, p=0.03, p_adj=0.2),  # not significant
              row(by="region", group="4", estimate=0.55, n=400, p=0.001, p_adj=0.004),  # gap 5 < 10
              row(by="region", group="7", estimate=np.nan, se=np.nan, n=20, flag="suppressed"),
              row(by="gender", group="2", estimate=0.45, p=1e-4, p_adj=1e-4))
    out = R.group_gap(t, by=["region"], min_gap=0.10)
    assert out[["by", "group"]].values.tolist() == [["region", "6"]]
    r = out.iloc[0]
    assert r["national"] == pytest.approx(0.6) and r["gap"] == pytest.approx(0.3)
    assert r["goal"] == pytest.approx(0.5) and r["p_adj"] == pytest.approx(1e-7)
    assert r["share"] == pytest.approx(150 / 1000)
    assert sorted(R.group_gap(t, by="all")["group"]) == ["2", "6"]


def test_group_gap_polarity_from_the_meaning_layer():
    t = table(row(item="int_bribes", estimate=0.45), row(item="int_bribes", by="region", group="5",
                                                         estimate=0.62, n=200, p=1e-5, p_adj=1e-4),
              row(item="int_bribes", by="region", group="2", estimate=0.30, n=200, p=1e-5, p_adj=1e-4))
    out = R.group_gap(t, polarity=LOW)
    assert out["group"].tolist() == ["5"] and out.iloc[0]["direction"] == "lower"
    # without a questionnaire higher is better: the low group is the one flagged
    assert R.group_gap(t)["group"].tolist() == ["2"]
    with pytest.raises(TrustSurveyError, match="one polarity per row"):
        R.group_gap(t, polarity=[1, -1])


# --------------------------------------------------------------------------- threshold rules
def test_threshold_rules():
    t = table(row(item="lpsc_aware", estimate=0.29, se=0.012), row(item="app_aware", estimate=0.48, se=0.02),
              row(item="mcsc_aware", estimate=0.60),
              row(item="int_bribes", estimate=0.33, se=0.02), row(item="int_political", estimate=0.73),
              row(item="trust_kp", metric="dont_know", estimate=0.05),
              row(item="eff_dv", metric="dont_know", estimate=0.24, se=0.01))
    aware = R.low_awareness(t, threshold=0.5, items=["lpsc_aware", "app_aware", "mcsc_aware"])
    assert dict(zip(aware["item"], aware["basis"])) == {"lpsc_aware": "interval", "app_aware": "estimate"}
    assert R.low_awareness(t, threshold=0.5, items=["lpsc_aware", "app_aware"], alpha=0.05)["item"].tolist() \
        == ["lpsc_aware"]
    integ = R.integrity_concern(t, threshold=0.3, items=["int_bribes", "int_political"])
    assert integ["item"].tolist() == ["int_political"]          # 0.33 is not significantly above 0.30
    assert sorted(R.integrity_concern(t, threshold=0.3, items=["int_bribes", "int_political"], alpha=None)["item"]) \
        == ["int_bribes", "int_political"]
    dk = R.high_dont_know(t, threshold=0.2)
    assert dk["item"].tolist() == ["eff_dv"] and dk.iloc[0]["gap"] == pytest.approx(0.04)
    assert R.low_awareness(t, threshold=0.5, items=()).empty    # a rule naming no items checks none


def test_option_rows_are_selected_by_option_id():
    t = table(row(item="concerns", metric="option_share", level="concern_corruption", estimate=0.41),
              row(item="concerns", metric="option_share", level="concern_theft", estimate=0.45))
    out = R.integrity_concern(t, threshold=0.3, items=["concern_corruption"], metric="option_share")
    assert out[["item", "level"]].values.tolist() == [["concerns", "concern_corruption"]]


# --------------------------------------------------------------------------- errors
def test_bad_tables_and_parameters():
    with pytest.raises(TrustSurveyError, match="lacks column"):
        R.group_gap(pd.DataFrame({"item": ["a"]}))
    with pytest.raises(TrustSurveyError, match="DataFrame"):
        R.high_dont_know([1, 2])
    with pytest.raises(PlanError, match="alpha"):
        R.group_gap(table(row()), alpha=5)
    with pytest.raises(PlanError, match="direction"):
        R.below_target(table(row()), [{"item": "trust_kp", "metric": "top2", "goal": 0.7, "direction": "up"}])
    with pytest.raises(PlanError, match="min_change"):
        R.decline(trend_table(trend_rows()), min_change=-1)


def test_rules_return_empty_frames_with_the_fixed_columns():
    t = table(row(estimate=0.9))
    for out in (R.below_target(t, []), R.group_gap(t), R.low_awareness(t, threshold=0.1),
                R.high_dont_know(t), R.decline(trend_table(trend_rows(after=0.7)))):
        assert out.empty and list(out.columns) == list(CANDIDATE_COLUMNS)


# --------------------------------------------------------------------------- property: evidence satisfies the rule
def satisfies(r, *, min_gap, min_change, alpha, threshold, goal) -> bool:
    """Independent statement of each rule on one emitted row."""
    if r["flag"] == "suppressed" or not np.isfinite(r["estimate"]):
        return False
    sign = 1 if r["direction"] == "higher" else -1
    if r["rule"] == "group_gap":
        return sign * (r["national"] - r["estimate"]) >= min_gap - 1e-12 and r["p_adj"] < alpha and r["by"] != "national"
    if r["rule"] == "decline":
        return -sign * r["change"] >= min_change - 1e-12 and r["p_adj"] < alpha
    if r["rule"] == "below_target":
        return sign * (r["estimate"] - goal) < 0 and r["goal"] == goal
    if r["rule"] == "low_awareness":
        return r["estimate"] < threshold
    if r["rule"] in ("integrity_concern", "high_dont_know"):
        return r["estimate"] > threshold and (r["rule"] == "high_dont_know" or r["p_adj"] < alpha)
    return False


groups_strategy = st.lists(
    st.tuples(st.floats(0.0, 1.0), st.floats(0.001, 0.08), st.integers(5, 600), st.floats(0, 1),
              st.booleans()),
    min_size=1, max_size=8)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(national=st.floats(0.05, 0.95), groups=groups_strategy, min_gap=st.floats(0.0, 0.3),
       threshold=st.floats(0.05, 0.95), goal=st.floats(0.05, 0.95), reverse=st.booleans(),
       before=st.floats(0.0, 1.0), p_change=st.floats(0.0, 1.0))
def test_every_candidate_satisfies_its_rule(national, groups, min_gap, threshold, goal, reverse, before, p_change):
    assume(any(not suppress and n >= 30 for _, _, n, _, suppress in groups))   # at least one usable group
    rows = [row(item="x", estimate=national, n=2000)]
    for k, (est, se, n, p, suppress) in enumerate(groups):
        flag = "suppressed" if suppress or n < 30 else ("low_base" if n < 100 else "")
        e = np.nan if flag == "suppressed" else est
        rows.append(row(item="x", by="region", group=str(k + 1), estimate=e, se=se, n=n, p=p, p_adj=min(1, 2 * p),
                        flag=flag))
        rows.append(row(item="x", metric="dont_know", by="region", group=str(k + 1), estimate=e, se=se, n=n,
                        flag=flag))
    t = table(*rows)
    s = -1 if reverse else 1
    pol_t = np.where(t["metric"] == "dont_know", -1, s)
    alpha = 0.05
    tr = trend_table(trend_rows("x", before=before, after=national, p=p_change))
    cands = pd.concat([
        R.group_gap(t, min_gap=min_gap, alpha=alpha, polarity=pol_t),
        R.below_target(t, [{"item": "x", "metric": "top2", "goal": goal, "by": "region",
                            "direction": "lower" if reverse else "higher"}]),
        R.low_awareness(t, threshold=threshold, by="all"),
        R.integrity_concern(t, threshold=threshold, by="all", alpha=alpha),
        R.high_dont_know(t, threshold=threshold, by="all"),
        R.decline(tr, min_change=min_gap, alpha=alpha, polarity=np.full(len(tr), s)),
    ], ignore_index=True)
    assert (cands["gap"] > 0).all()
    assert (cands["flag"] != "suppressed").all()
    for r in cands.to_dict("records"):
        assert satisfies(r, min_gap=min_gap, min_change=min_gap, alpha=alpha, threshold=threshold, goal=goal), r
    # and nothing that satisfies group_gap was missed
    usable = t[(t["by"] == "region") & (t["metric"] == "top2") & (t["flag"] != "suppressed")]
    expected = usable[(s * (national - usable["estimate"]) >= min_gap) & (s * (national - usable["estimate"]) > 0)
                      & (usable["p_adj"] < alpha)]
    found = cands[cands["rule"] == "group_gap"]
    assert sorted(found["group"]) == sorted(expected["group"])
