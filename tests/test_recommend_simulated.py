"""End to end on simulated surveys: no differences -> (almost) no recommendations; planted gaps are found.

The null surveys keep the example waves' design and demographics but replace
every answer by a row drawn at random (with replacement) from one pool of
2025 answers: no group differs from the population and nothing changes
between the waves, except by sampling error.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import trustsurvey as ts
from trustsurvey.questionnaire import bundled
from trustsurvey.simulate import ITEMS, SOURCE_COLUMNS
from trustsurvey.simulate._answers import CONCERNS
from trustsurvey.report import write_action_plan

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")

BLOCK = list(ITEMS) + list(CONCERNS) + ["comment_open"]


@pytest.fixture(scope="module")
def q():
    return bundled()


@pytest.fixture(scope="module")
def pool():
    return ts.datasets.load_example(2025)[BLOCK].reset_index(drop=True)


def null_frame(pool: pd.DataFrame, wave: int, seed: int) -> pd.DataFrame:
    df = ts.datasets.load_example(wave).reset_index(drop=True)
    idx = np.random.default_rng(seed).integers(0, len(pool), len(df))
    answers = pool.iloc[idx].reset_index(drop=True).rename(columns=SOURCE_COLUMNS[wave])
    for c in answers.columns:
        df[c] = answers[c].to_numpy()
    return df


DIFFERENCE_RULES = ("decline", "group_gap")


@pytest.mark.parametrize("seed", [11, 12])
def test_no_differences_no_change_gives_almost_no_recommendations(q, pool, seed):
    s24 = ts.read_survey(null_frame(pool, 2024, 2 * seed), q, wave=2024)
    s25 = ts.read_survey(null_frame(pool, 2025, 2 * seed + 1), q, wave=2025)
    plan = ts.recommend(s25, previous=s24)
    evidence = plan.evidence_frame()
    found = evidence[evidence["rule"].isin(DIFFERENCE_RULES)]
    assert len(found) <= 1, found[["id", "estimate", "national", "previous", "p_adj"]]
    # the level rules still report levels: the questionnaire's targets are missed in the pool too
    assert (evidence["rule"] == "low_awareness").sum() == 3
    assert plan.wave == 2025 and plan.previous_wave == 2024


def test_planted_gap_and_decline_are_found(q, pool):
    f24 = null_frame(pool, 2024, 101)
    f25 = null_frame(pool, 2025, 102)
    rng = np.random.default_rng(7)
    # trust in the police much lower in the Peja region (3)
    peja = (f25["region"] == 3).to_numpy() & (rng.random(len(f25)) < 0.6)
    f25.loc[peja, "trust_kp"] = 1
    # feeling safe at night falls everywhere
    safe = f25["safe_night"].isin([3, 4]).to_numpy() & (rng.random(len(f25)) < 0.3)
    f25.loc[safe, "safe_night"] = 2
    s24 = ts.read_survey(f24, q, wave=2024)
    s25 = ts.read_survey(f25, q, wave=2025)
    plan = ts.recommend(s25, previous=s24, lang="sq")
    findings = set(plan.evidence_frame()["finding_id"])
    assert "group_gap:trust_kp:region:3" in findings
    assert "decline:safe_night:national:all" in findings
    gap = plan["trust_kp:region:3"]
    f = next(f for f in gap.findings if f.rule == "group_gap")
    assert f.gap >= 0.10 and f.p_adj < 0.05 and gap.flag != "suppressed"
    assert gap.responsible["sq"] == "Drejtoria Rajonale e Policisë Pejë"
    dec = plan["safe_night:national:all"]
    f = next(f for f in dec.findings if f.rule == "decline")
    assert f.change <= -0.05 and f.previous == pytest.approx(dec.estimate - f.change)
    # nothing else about differences beyond what the plants imply (indices contain the planted items)
    other = [i for i in findings if i.split(":")[0] in DIFFERENCE_RULES
             and not (":region:3" in i or i.startswith("decline:safe_night") or "index" in i)]
    assert len(other) <= 1, other
    # the same run again gives the same plan
    again = ts.recommend(s25, previous=s24, lang="sq")
    pd.testing.assert_frame_equal(plan.to_frame(), again.to_frame())


def test_example_waves_end_to_end(tmp_path):
    s24 = ts.datasets.load_example(2024, raw=False)
    s25 = ts.datasets.load_example(2025, raw=False)
    plan24 = ts.recommend(s24, wave=2024)
    paths = write_action_plan(plan24, tmp_path / "2024")
    plan25 = ts.recommend(s25, previous=s24, previous_plan=paths["recommendations.csv"])
    assert plan25.wave == 2025 and len(plan25) > 0
    assert plan25.tracking is not None and len(plan25.tracking) == len(plan24)
    assert plan25.addressed_count == int(plan25.tracking["status"].isin(["target_met", "improved"]).sum())
    # ids recur across the two waves for findings present in both
    assert set(plan24.ids) & set(plan25.ids)
    for r in plan25:
        assert r.flag != "suppressed" and np.isfinite(r.estimate) and r.gap > 0
        if r.id in set(plan24.ids):
            assert r.status != "new"
