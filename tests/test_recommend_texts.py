"""Priority formula, wording (sq/sr/en), institutions, deadlines and the Recommendation objects."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import trustsurvey as ts
from trustsurvey.errors import PlanError, ReportError
from trustsurvey.questionnaire import bundled
from trustsurvey.recommend import (DETAIL_COLUMNS, RECOMMENDATION_COLUMNS, Recommendations, make_id, recommend,
                                   resolve_rules)
from trustsurvey.recommend.priority import add_priority, evidence_strength, gap_points
from trustsurvey.recommend.texts import (PLAN_HEADERS, Labeller, fill, format_p, format_points, format_value,
                                         responsible_institution)

BD_COLUMNS = ["item", "item_label", "metric", "level", "level_label", "by", "group", "group_label", "estimate",
              "se", "ci_low", "ci_high", "n_unweighted", "n_weighted", "deff", "p_value", "p_adj", "flag"]


def row(item="trust_kp", metric="top2", by="national", group="all", estimate=0.6, se=0.02, n=1000, nw=None,
        p=np.nan, p_adj=np.nan, flag="", level=""):
    return {"item": item, "item_label": item, "metric": metric, "level": level, "level_label": "", "by": by,
            "group": group, "group_label": group, "estimate": estimate, "se": se, "ci_low": estimate - 2 * se,
            "ci_high": estimate + 2 * se, "n_unweighted": n, "n_weighted": float(n * 1000 if nw is None else nw),
            "deff": 1.5, "p_value": p, "p_adj": p_adj, "flag": flag}


def table(*rows):
    return pd.DataFrame(list(rows), columns=BD_COLUMNS)


# --------------------------------------------------------------------------- priority
def test_priority_formula():
    cands = pd.DataFrame({
        "item": ["a", "a", "b", "idx"], "metric": ["top2", "top2", "mean", "mean"],
        "gap": [0.10, 0.10, 0.5, 8.0], "share": [1.0, 0.1, np.nan, 0.5],
        "p_value": [1e-9, 0.01, 0.02, 0.3], "p_adj": [1e-8, 0.04, np.nan, 0.6]})
    out = add_priority(cands, scale_range={"b": (1.0, 5.0)})
    assert out["gap_points"].tolist() == pytest.approx([10.0, 10.0, 12.5, 8.0])
    assert out["strength"].tolist() == pytest.approx([1 - 1e-8, 0.96, 0.98, 0.4])
    assert out["share"].tolist() == pytest.approx([1.0, 0.1, 1.0, 0.5])   # unknown share counts as everyone
    assert out["priority"].tolist() == pytest.approx([10.0, 0.96, 12.25, 1.6], abs=1e-4)


def test_priority_components_bounds():
    assert evidence_strength([2.0, -1.0, np.nan]).tolist() == [0.0, 1.0, 0.0]
    assert gap_points([-0.1], ["bottom2"], ["x"]).tolist() == pytest.approx([10.0])


# --------------------------------------------------------------------------- formatting
def test_formatting_per_language():
    assert format_value(0.4531, "top2", "en") == "45.3%"
    assert format_value(0.4531, "top2", "sr") == "45,3%"
    assert format_value(61.19, "mean", "sq") == "61,2"
    assert format_value(np.nan, "top2") == "–"
    assert format_points(-0.052, "top2", "sq") == "5,2 pikë përqindjeje"
    assert format_points(-0.052, "top2", "en", signed=True) == "-5.2 percentage points"
    assert format_points(0.4, "mean", "sr") == "0,4 poena"
    assert format_p(0.0004) == "p < 0.001" and format_p(0.25, "sr") == "p = 0,250"


def test_safe_template_filling():
    assert fill("{item_label} {unknown} {gap}", {"item_label": "Trust", "gap": "5"}) == "Trust {unknown} 5"
    assert fill("{0} {}", {}) == "{0} {}"          # positional fields cannot be filled: left as written
    assert fill("{item_label.__class__}", {"item_label": "x"}) == "{item_label.__class__}"
    assert fill("{item_label[0]} {goal:>6}", {"item_label": "x", "goal": "70%"}) == "{item_label[0]}    70%"
    assert fill("{{literal}} {gap", {"gap": "1"}) == "{{literal}} {gap"


def test_institutions():
    assert responsible_institution("region", "2", "sq") == "Drejtoria Rajonale e Policisë Prizren"
    assert responsible_institution("region", "2", "sr") == "Regionalna policijska uprava Prizren"
    assert responsible_institution("region", "2", "en") == "Regional Police Directorate Prizren"
    assert responsible_institution("municipality", "601", "en") == "Regional Police Directorate Mitrovica North"
    assert responsible_institution("national", "all", "en") == (
        "General Police Directorate; Directorate of Community Policing and Prevention")
    assert responsible_institution("gender", "2", "sq").startswith("Drejtoria e Përgjithshme e Policisë")


def test_labeller_uses_the_questionnaire_in_every_language():
    lab = Labeller(bundled())
    assert lab.group("region", "3", "sr") == "Peć" and lab.group("region", "3", "sq") == "Pejë"
    assert lab.group("national", "all", "sq") == "Kosova"
    assert lab.item("trust_kp", "sq") == "Besimi në Policinë e Kosovës"
    assert lab.item("trust_kp", "en") != lab.item("trust_kp", "sr")
    # without a questionnaire: the table's labels, then the ids
    t = table(row(item="x"))
    t.loc[0, "item_label"] = "Trust X"
    assert Labeller(None, t).item("x", "sq") == "Trust X" and Labeller().item("y", "en") == "y"


# --------------------------------------------------------------------------- recommend on tables
def plan_table():
    return table(row(estimate=0.60, se=0.01),
                 row(by="region", group="6", estimate=0.30, n=150, nw=4e4, p=1e-8, p_adj=1e-7),
                 row(by="region", group="1", estimate=0.62, n=400, nw=4e5, p=0.3, p_adj=0.9),
                 row(by="region", group="5", estimate=np.nan, se=np.nan, n=20, flag="suppressed"),
                 row(item="lpsc_aware", estimate=0.29, se=0.012),
                 row(item="eff_dv", metric="dont_know", estimate=0.26, se=0.01))


def test_recommend_on_tables_words_every_language():
    targets = [{"item": "trust_kp", "metric": "top2", "goal": 0.70}]
    plan = recommend(tables=plan_table(), targets=targets, wave=2025)
    assert set(plan.ids) == {"below_target:trust_kp:national:all", "group_gap:trust_kp:region:6",
                             "low_awareness:lpsc_aware:national:all", "high_dont_know:eff_dv:national:all"}
    pr = [r.priority for r in plan]
    assert pr == sorted(pr, reverse=True)
    gap = plan["group_gap:trust_kp:region:6"]
    assert gap.responsible["en"] == "Regional Police Directorate Mitrovica North"
    assert gap.responsible["sq"] == "Drejtoria Rajonale e Policisë Mitrovicë Veri"
    assert gap.responsible["sr"] == "Regionalna policijska uprava Severna Mitrovica"
    assert gap.deadline["en"] == "31 December 2026" and gap.deadline["sq"] == "31.12.2026"
    assert gap.share == pytest.approx(0.04)
    nat = plan["below_target:trust_kp:national:all"]
    assert "General Police Directorate" in nat.responsible["en"]
    assert "Drejtoria e Policisë në Bashkësi dhe Preventivë" in nat.responsible["sq"]
    for r in plan:
        texts = [r.text[lang] for lang in ("sq", "sr", "en")]
        assert len(set(texts)) == 3 and all(texts) and not any("{" in t for t in texts)
        assert r.indicator["en"] and r.supporting["sr"] and r.cost["sq"] == "Buxhetuar"
        assert r.id in r.comments["en"] and r.status == "new"
    assert "70,0%" in nat.text["sq"] and "70.0%" in nat.text["en"]
    assert "the whole confidence interval is below the goal" in nat.comments["en"]


def test_relation_field_follows_the_direction():
    t = table(row(item="int_bribes", estimate=0.48, se=0.015), row(estimate=0.5))
    rules = [{"rule": "below_target", "text": {"en": "{item_label} is {relation} the target of {goal}",
                                               "sq": "{relation}", "sr": "{relation}"}}]
    plan = recommend(tables=t, rules=rules, wave=2025,
                     targets=[{"item": "int_bribes", "metric": "top2", "goal": 0.35, "direction": "lower"},
                              {"item": "trust_kp", "metric": "top2", "goal": 0.7}])
    assert plan["below_target:int_bribes:national:all"].text["en"] == "int_bribes is above the target of 35.0%"
    assert plan["below_target:trust_kp:national:all"].text["sr"] == "ispod"


def test_frames_and_action_plan_columns():
    plan = recommend(tables=plan_table(), targets=[{"item": "trust_kp", "metric": "top2", "goal": 0.70}], wave=2025)
    f = plan.to_frame()
    assert list(f.columns) == list(RECOMMENDATION_COLUMNS + DETAIL_COLUMNS)
    assert f["id"].tolist() == list(plan.ids) and (f["status"] == "new").all()
    assert f.loc[f["id"] == "group_gap:trust_kp:region:6", "group_label"].item() == "Mitrovica North"
    assert plan.to_frame("sr").loc[f["id"] == "group_gap:trust_kp:region:6", "group_label"].item() \
        == "Severna Mitrovica"
    for lang in ("sq", "sr", "en"):
        ap = plan.action_plan(lang)
        assert list(ap.columns) == list(PLAN_HEADERS[lang]) and len(ap) == len(plan)
        assert ap.iloc[0, 0] == plan[0].text[lang]
    assert plan.action_plan("sq").columns[1] == "Treguesi i matjes"
    assert plan.action_plan("sr").columns[4] == "Rok za sprovođenje"
    assert plan.addressed_count is None
    with pytest.raises(ReportError, match="language"):
        plan.action_plan("de")


def test_ids_are_stable_across_runs_and_waves():
    a = recommend(tables=plan_table(), wave=2025)
    b = recommend(tables=plan_table(), wave=2025)
    pd.testing.assert_frame_equal(a.to_frame(), b.to_frame())
    # a year later the same finding carries the same id
    later = plan_table()
    later["estimate"] = later["estimate"] * 0.98
    c = recommend(tables=later, wave=2026)
    assert set(a.ids) == set(c.ids)
    assert make_id("below_target", "trust_kp", "region", "6") == "below_target:trust_kp:region:6"


def test_no_recommendation_from_suppressed_rows():
    t = table(row(estimate=0.9), row(by="region", group="5", estimate=np.nan, se=np.nan, n=20, p=np.nan,
                                     p_adj=np.nan, flag="suppressed"),
              row(item="lpsc_aware", estimate=np.nan, se=np.nan, n=10, flag="suppressed"))
    plan = recommend(tables=t, targets=[{"item": "trust_kp", "metric": "top2", "goal": 0.95, "by": "region"}],
                     wave=2025)
    assert all(r.group != "5" for r in plan) and all(r.item != "lpsc_aware" for r in plan)


def test_rule_overrides_and_errors():
    t = plan_table()
    q = None
    base = resolve_rules(None, q, t)
    assert {r.rule for r in base} >= {"below_target", "decline", "group_gap", "low_awareness",
                                      "integrity_concern", "high_dont_know"}
    strict = recommend(tables=t, rules={"group_gap": {"min_gap": 0.5}}, wave=2025)
    assert not any(r.rule == "group_gap" for r in strict)
    only = recommend(tables=t, rules=[{"rule": "low_awareness", "items": ["lpsc_aware"],
                                       "params": {"threshold": 0.3}}], wave=2025)
    assert only.ids == ("low_awareness:lpsc_aware:national:all",)
    with pytest.raises(PlanError, match="unknown parameter"):
        recommend(tables=t, rules={"group_gap": {"min_gapp": 0.5}})
    with pytest.raises(PlanError, match="no rule"):
        recommend(tables=t, rules={"nonsense": {"alpha": 0.1}})
    with pytest.raises(PlanError, match="rule"):
        recommend(tables=t, rules=[{"rule": "made_up"}])


def test_questionnaire_rules_and_templates():
    q = bundled()
    t = plan_table()
    t.loc[t["item"] == "lpsc_aware", "estimate"] = 0.2
    plan = recommend(tables=t, questionnaire=q, wave=2025)
    aware = plan["low_awareness:lpsc_aware:national:all"]
    # the questionnaire's own template and institutions
    assert aware.text["en"].startswith(q.label("lpsc_aware", "en") + ": only 20.0%")
    assert aware.rule_id == "low_awareness"
    # the region row of the questionnaire's regional_gap rule names that region's directorate
    gap = plan["group_gap:trust_kp:region:6"]
    assert gap.rule_id == "regional_gap" and "Mitrovica North" in gap.responsible["en"]


def test_public_entry_point_is_callable():
    import trustsurvey.recommend  # noqa: F401 -- importing the package must not shadow the function

    assert callable(ts.recommend)
    plan = ts.recommend(tables=plan_table(), wave=2025)
    assert isinstance(plan, Recommendations) and len(plan) > 0
