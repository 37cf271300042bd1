"""The recommendations of the bundled example (two waves): polarity in words, one recommendation per item and
group, texts that stand alone in every language, one p-value per comparison."""

from __future__ import annotations

import re

import numpy as np
import pytest

import trustsurvey as ts
from trustsurvey.labels import Meaning, to_cyrillic
from trustsurvey.labels.numbers import format_number, format_p

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")

#: words that must never describe a "lower is better" row, per language
WRONG_WAY = {"en": r"\bbelow\b|\bat least\b", "sq": r"\bnën\b|\bsë paku\b|\btë paktën\b",
             "sr": r"\bispod\b|\bnajmanje\b", "sr-Cyrl": r"испод|најмање"}


@pytest.fixture(scope="module")
def waves():
    s24 = ts.datasets.load_example(2024, raw=False)
    s25 = ts.datasets.load_example(2025, raw=False)
    p24 = ts.recommend(s24, wave=2024)
    p25 = ts.recommend(s25, previous=s24, previous_plan=p24.to_frame())
    trend = ts.trend({2024: s24, 2025: s25})
    return s24, s25, p24, p25, trend


def test_lower_is_better_rows_never_read_below_or_at_least(waves):
    _, s25, p24, p25, _ = waves
    q = s25.questionnaire
    low_items = {i for i in q.question_ids if Meaning(q).favourable(i) == "low"}
    checked = 0
    for plan in (p24, p25):
        for r in plan:
            if {f.direction for f in r.findings} != {"lower"}:
                continue
            checked += 1
            for lang, words in WRONG_WAY.items():
                row = " ".join(r.plan_row(lang))
                assert not re.search(words, row), (r.id, lang, row)
            assert "above the ceiling of" in r.text["en"] or "above the threshold of" in r.text["en"]
            assert "the result falls to at most" in r.indicator["en"]
    # the example's negatively worded items are among them
    lowered = {r.item_key for plan in (p24, p25) for r in plan if r.direction == "lower"}
    assert checked >= 2 and low_items & lowered == low_items & {r.item_key for p in (p24, p25) for r in p}


def test_no_two_recommendations_share_item_and_group(waves):
    _, _, p24, p25, _ = waves
    for plan in (p24, p25):
        keys = [(r.item_key, r.by, r.group) for r in plan]
        assert len(keys) == len(set(keys)) == len(plan)
        assert [r.rank for r in plan] == list(range(1, len(plan) + 1))
    assert any(len(r.findings) > 1 for r in p25)        # merged findings exist in the example


def test_texts_name_item_group_and_population_in_every_language(waves):
    _, s25, _, p25, _ = waves
    q = s25.questionnaire
    for r in p25:
        for lang in ("sq", "sr", "en"):
            m = Meaning(q, lang)
            text = r.text[lang]
            assert m.item(r.item_key) in text and q.population[lang] in text, (r.id, lang)
            if r.by != "national":
                assert m.group(r.by, r.group) in text and m.demographic(r.by) in text, (r.id, lang)
        assert r.text["sr-Cyrl"] == to_cyrillic(r.text["sr"])
        assert r.indicator["sr-Cyrl"] == to_cyrillic(r.indicator["sr"])


def test_one_comparison_has_one_p_value_everywhere(waves):
    s24, s25, _, p25, trend = waves
    now = trend[trend["wave"] == 2025].set_index(["item", "metric", "level", "by", "group"])
    quoted = 0
    for r in p25:
        key = (r.item, r.metric, r.level, r.by, r.group)
        if key not in now.index or not np.isfinite(now.loc[key, "change_p"]):
            continue
        p = format_p(now.loc[key, "change_p"], "en")
        assert r.change_p == now.loc[key, "change_p"]
        assert f"(t test of the change: {p})" in r.comments["en"] or f"2024→2025: {p}" in r.comments["en"], r.id
        quoted += 1
    assert quoted > 10
    mon = p25.monitoring_table("en")
    df = format_number(s24.degf + s25.degf, 0, "en")
    tested = mon[mon["status"].isin(["improved", "no_change", "worsened"])]
    assert len(tested) > 10
    plan = p25.previous_plan.set_index("id")
    for r in tested.itertuples():
        pr = plan.loc[r.id]
        want = now.loc[(pr["item"], pr["metric"], pr["level"], pr["by"], pr["group"]), "change_p"]
        assert r.p_value == want and r.test == f"t test of the change 2024→2025, {df} df"
        assert f", {format_p(want, 'en')})" in r.comment


def test_monitoring_counts_every_recommendation_of_last_year(waves):
    _, _, p24, p25, _ = waves
    assert len(p25.tracking) == len(p24)
    ind = p25.indicator("sq")
    assert int(ind["count"].sum()) == len(p24)
    assert p25.addressed_count == int(ind.set_index("status").loc[["target_met", "improved"], "count"].sum())
    # a recommendation that recurs carries last year's status
    for r in p25:
        if r.id in set(p24.ids):
            assert r.status != "new"
