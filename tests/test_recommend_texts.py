"""Merging findings, wording in every language, institutions, the tables for readers and the action plan."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

import trustsurvey as ts
from trustsurvey.errors import LanguageError, PlanError
from trustsurvey.labels import catalogue, to_cyrillic
from trustsurvey.questionnaire import bundled
from trustsurvey.recommend import (
    DETAIL_COLUMNS,
    EVIDENCE_COLUMNS,
    READERS_COLUMNS,
    RECOMMENDATION_COLUMNS,
    Recommendations,
    default_rules,
    make_id,
    recommend,
    resolve_rules,
)
from trustsurvey.recommend.priority import add_priority, evidence_strength, gap_points

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


# --------------------------------------------------------------------------- one finding, one recommendation
def merged_table():
    """trust_kp in community 2: below its group target and far below all respondents; plus "don't know"."""
    return table(row(estimate=0.60, se=0.01),
                 row(by="community", group="2", estimate=0.25, n=300, nw=3e4, p=1e-9, p_adj=1e-8, se=0.025),
                 row(by="community", group="1", estimate=0.65, n=700, nw=7e5, p=0.2, p_adj=0.4),
                 row(metric="dont_know", by="community", group="2", estimate=0.30, n=300, nw=3e4, se=0.02),
                 row(metric="dont_know", estimate=0.05, se=0.005))


TARGETS = [{"item": "trust_kp", "metric": "top2", "goal": 0.55, "by": "community"}]
RULES = [{"id": "target", "rule": "below_target"},
         {"id": "gap", "rule": "group_gap", "params": {"by": ["community"], "min_gap": 0.1}},
         {"id": "dk", "rule": "high_dont_know", "params": {"threshold": 0.2, "by": "all"}}]


def test_rules_firing_on_one_item_and_group_make_one_recommendation():
    plan = recommend(tables=merged_table(), targets=TARGETS, rules=RULES, wave=2025)
    assert plan.ids == ("trust_kp:community:2",)
    rec = plan[0]
    assert set(rec.rule_ids) == {"target", "gap", "dk"} and len(rec.findings) == 3
    assert sorted(rec.finding_ids) == ["below_target:trust_kp:community:2", "group_gap:trust_kp:community:2",
                                       "high_dont_know:trust_kp:community:2"]
    # the evidence of each finding, with its own test and p-value
    ev = plan.evidence_frame()
    assert list(ev.columns) == list(EVIDENCE_COLUMNS) and (ev["id"] == rec.id).all()
    got = ev.set_index("rule")
    assert got.loc["group_gap", "test"] == "group_vs_rest" and got.loc["group_gap", "p_adj"] == pytest.approx(1e-8)
    assert got.loc["below_target", "test"] == "one_sided_t" and got.loc["below_target", "p_value"] < 1e-6
    assert got.loc["high_dont_know", "metric"] == "dont_know"
    # the primary finding (highest priority) gives the numbers
    assert rec.priority == ev["priority"].max() and rec.rule == ev.loc[ev["priority"].idxmax(), "rule"]
    # one sentence carries every finding
    en = rec.text["en"]
    for words in ("below the target of 55.0%", "35.0 percentage points below the level of all respondents (60.0%)",
                  "“don't know” answers to trust_kp: 30.0%, above the threshold of 20.0%"):
        assert words in en, en
    frame = plan.to_frame()
    assert frame.loc[0, "n_findings"] == 3 and frame.loc[0, "rule_ids"].count(";") == 2


def test_no_two_recommendations_share_item_and_group():
    t = pd.concat([merged_table(), table(row(item="lpsc_aware", estimate=0.2),
                                         row(item="lpsc_aware", metric="dont_know", estimate=0.3))])
    rules = RULES + [{"id": "aware", "rule": "low_awareness", "items": ["lpsc_aware"]}]
    plan = recommend(tables=t, targets=TARGETS + [{"item": "lpsc_aware", "metric": "top2", "goal": 0.4}],
                     rules=rules, wave=2025)
    keys = [(r.item_key, r.by, r.group) for r in plan]
    assert len(keys) == len(set(keys)) == 2
    assert [r.rank for r in plan] == [1, 2] and plan[0].priority >= plan[1].priority


def test_ids_are_stable_across_runs_and_waves():
    a = recommend(tables=merged_table(), targets=TARGETS, rules=RULES, wave=2025)
    b = recommend(tables=merged_table(), targets=TARGETS, rules=RULES, wave=2025)
    pd.testing.assert_frame_equal(a.to_frame(), b.to_frame())
    # a year later, with one rule fewer firing, the same place carries the same id
    later = merged_table()
    later.loc[later["metric"] == "dont_know", "estimate"] = 0.1
    c = recommend(tables=later, targets=TARGETS, rules=RULES, wave=2026)
    assert c.ids == a.ids and len(c[0].findings) == 2
    assert make_id("trust_kp", "region", "6") == "trust_kp:region:6"


# --------------------------------------------------------------------------- polarity in words
def test_lower_is_better_reads_above_the_ceiling_and_falls_to_at_most():
    t = table(row(item="int_bribes", estimate=0.485, se=0.015), row(estimate=0.5))
    plan = recommend(tables=t, rules=[{"rule": "below_target"}], wave=2025,
                     targets=[{"item": "int_bribes", "metric": "top2", "goal": 0.35, "direction": "lower"},
                              {"item": "trust_kp", "metric": "top2", "goal": 0.7}])
    low, high = plan["int_bribes:national:all"], plan["trust_kp:national:all"]
    assert "48.5%, above the ceiling of 35.0%" in low.text["en"]
    assert "the result falls to at most 35.0% in the 2026 survey" in low.indicator["en"]
    assert "50.0%, below the target of 70.0%" in high.text["en"]
    assert "the result reaches at least 70.0% in the 2026 survey" in high.indicator["en"]
    for lang, words in {"en": r"\bbelow\b|at least", "sq": r"\bnën\b|së paku|të paktën",
                        "sr": r"\bispod\b|najmanje"}.items():
        assert not re.search(words, " ".join(low.plan_row(lang))), (lang, low.plan_row(lang))
        assert re.search(words, high.text[lang] + high.indicator[lang]), lang


def test_relation_placeholder_follows_the_direction():
    t = table(row(item="int_bribes", estimate=0.48, se=0.015), row(estimate=0.5))
    rules = [{"rule": "below_target", "text": {"en": "Act: {item_label} is {relation} the goal of {goal}.",
                                               "sq": "{relation}", "sr": "{relation}"}}]
    plan = recommend(tables=t, rules=rules, wave=2025,
                     targets=[{"item": "int_bribes", "metric": "top2", "goal": 0.35, "direction": "lower"},
                              {"item": "trust_kp", "metric": "top2", "goal": 0.7}])
    assert plan["int_bribes:national:all"].action["en"] == "Act: int_bribes is above the goal of 35.0%."
    assert plan["trust_kp:national:all"].action["sr"] == "ispod"


# --------------------------------------------------------------------------- texts that stand alone
def test_texts_name_the_item_the_group_and_the_population_in_every_language():
    q = bundled()
    t = table(row(estimate=0.60, se=0.01),
              row(by="region", group="6", estimate=0.10, n=150, nw=4e4, p=1e-8, p_adj=1e-7),
              row(by="community", group="2", estimate=0.05, n=150, nw=4e4, p=1e-8, p_adj=1e-7))
    plan = recommend(tables=t, questionnaire=q, wave=2025)
    assert plan.languages == ("sq", "sr", "en", "sr-Cyrl")
    assert {r.id for r in plan} >= {"trust_kp:region:6", "trust_kp:community:2"}
    for r in plan:
        for lang in ("sq", "sr", "en"):
            text = r.text[lang]
            assert q.label("trust_kp", lang) in text and q.population[lang] in text
            if r.by != "national":
                assert q.scale(r.by).label_of(int(r.group), lang) in text
                assert q.label(r.by, lang) in text
        assert r.text["sr-Cyrl"] == to_cyrillic(r.text["sr"])
    gap = plan["trust_kp:region:6"]
    # the questionnaire's institutions: the regional directorate of that region, in every language
    for lang in ("sq", "sr", "en"):
        assert q.scale("region").label_of(6, lang) in gap.responsible[lang]
    assert gap.deadline["en"] == "Regional plan within three months; result in the 2026 survey"
    assert gap.action["en"] == q.recommendations[2].text["en"]


def test_default_rules_name_no_items_and_no_institutions():
    rules = default_rules()
    assert {r.rule for r in rules} >= {"below_target", "decline", "group_gap", "low_awareness",
                                       "integrity_concern", "high_dont_know"}
    for r in rules:
        if r.rule in ("low_awareness", "integrity_concern"):
            assert r.items == ()
        assert not r.responsible and not r.supporting and not r.text
    t = table(row(estimate=0.60, se=0.01), row(by="region", group="6", estimate=0.30, n=150, p=1e-8, p_adj=1e-7),
              row(item="lpsc_aware", estimate=0.2), row(item="eff_dv", metric="dont_know", estimate=0.26, se=0.01))
    plan = recommend(tables=t, wave=2025)
    assert set(plan.ids) == {"trust_kp:region:6", "eff_dv:national:all"}   # awareness: no item named, none checked
    for r in plan:
        for lang in ("sq", "sr", "en"):
            assigned = catalogue(lang).pgettext("institution", "to be assigned")
            assert r.responsible[lang] == assigned and r.supporting[lang] == assigned
        assert r.deadline["en"] == "31 December 2026" and r.deadline["sq"] == "31.12.2026"
    # a plan names the items of a default rule
    aware = recommend(tables=t, wave=2025, rules={"low_awareness": {"items": ["lpsc_aware"]}})
    assert "lpsc_aware:national:all" in aware.ids


# --------------------------------------------------------------------------- the tables
def test_machine_readers_and_action_plan_tables():
    plan = recommend(tables=merged_table(), targets=TARGETS, rules=RULES, wave=2025)
    f = plan.to_frame()
    assert list(f.columns) == list(RECOMMENDATION_COLUMNS + DETAIL_COLUMNS)
    assert f["id"].tolist() == list(plan.ids) and (f["status"] == "new").all()
    readers = plan.readers_table("sq")
    assert list(readers.columns) == list(READERS_COLUMNS)
    r = readers.iloc[0]
    assert r["rank"] == 1 and r["metric"] == "top2" and r["finding"] == plan[0].text["sq"]
    assert r["ci_low"] <= r["estimate"] <= r["ci_high"] and r["estimate"] == pytest.approx(0.25)
    assert r["group"] == "2" and r["by"] == "community"          # no questionnaire: the ids are the labels
    for c in ("estimate", "ci_low", "ci_high", "n_unweighted", "p_adj"):
        assert pd.api.types.is_float_dtype(readers[c]), c
    for lang in ("sq", "sr", "en", "sr-Cyrl"):
        ap = plan.action_plan(lang)
        t = catalogue(lang)
        assert list(ap.columns) == [t.pgettext("action plan column", c) for c in (
            "Activity", "Measurement indicator", "Responsible institution", "Supporting institution",
            "Implementation deadline", "Cost", "Comments")]
        assert ap.iloc[0, 0] == plan[0].text[lang] and len(ap) == len(plan)
    assert plan.action_plan("sq").columns[1] == "Treguesi i matjes"
    assert plan.addressed_count is None and plan.monitoring_table().empty and plan.indicator().empty
    with pytest.raises(LanguageError, match="de"):
        plan.action_plan("de")


def test_recommend_refuses_a_language_the_questionnaire_does_not_declare():
    with pytest.raises(LanguageError, match="choose one of sq, sr, en, sr-Cyrl"):
        recommend(tables=merged_table(), questionnaire=bundled(), lang="de")


def test_no_recommendation_from_suppressed_rows():
    t = table(row(estimate=0.9), row(by="region", group="5", estimate=np.nan, se=np.nan, n=20, p=np.nan,
                                     p_adj=np.nan, flag="suppressed"),
              row(item="lpsc_aware", estimate=np.nan, se=np.nan, n=10, flag="suppressed"))
    plan = recommend(tables=t, targets=[{"item": "trust_kp", "metric": "top2", "goal": 0.95, "by": "region"}],
                     wave=2025, rules={"low_awareness": {"items": ["lpsc_aware"]}})
    assert all(r.group != "5" for r in plan) and all(r.item != "lpsc_aware" for r in plan)


def test_rule_overrides_and_errors():
    t = merged_table()
    base = resolve_rules(None, None, t)
    assert {r.rule for r in base} >= {"below_target", "decline", "group_gap", "high_dont_know"}
    strict = recommend(tables=t, rules={"group_gap": {"min_gap": 0.5}}, wave=2025)
    assert not any(f.rule == "group_gap" for r in strict for f in r.findings)
    only = recommend(tables=t, rules=[{"rule": "high_dont_know", "params": {"threshold": 0.25}}], wave=2025)
    assert only.ids == ()      # by default the national rows only: 5% "don't know"
    with pytest.raises(PlanError, match="unknown parameter"):
        recommend(tables=t, rules={"group_gap": {"min_gapp": 0.5}})
    with pytest.raises(PlanError, match="no rule"):
        recommend(tables=t, rules={"nonsense": {"alpha": 0.1}})
    with pytest.raises(PlanError, match="rule"):
        recommend(tables=t, rules=[{"rule": "made_up"}])


def test_public_entry_point_is_callable():
    import trustsurvey.recommend

    assert callable(ts.recommend)
    plan = ts.recommend(tables=merged_table(), targets=TARGETS, wave=2025)
    assert isinstance(plan, Recommendations) and len(plan) > 0
