"""read_survey on the bundled example survey and questionnaire (real files, both waves, CSV and SPSS)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import trustsurvey as ts
from trustsurvey.datasets import example_path
from trustsurvey.errors import DataValidationError
from trustsurvey.io import read_survey, validate_file
from trustsurvey.questionnaire import Questionnaire

ROOT = Path(__file__).resolve().parent.parent
QUESTIONNAIRE = ROOT / "questionnaires" / "kosovo_police_trust.yaml"
EXAMPLE_2025 = ROOT / "examples" / "data" / "kp_trust_2025.csv"


@pytest.fixture(scope="module")
def q() -> Questionnaire:
    return Questionnaire.from_yaml(QUESTIONNAIRE)


@pytest.fixture(scope="module")
def raw_2025() -> pd.DataFrame:
    return pd.read_csv(EXAMPLE_2025, dtype={"comment_open": "str"})


@pytest.fixture(scope="module")
def s2025(q):
    return read_survey(EXAMPLE_2025, q)


def test_shipped_example_is_the_package_copy():
    assert EXAMPLE_2025.read_bytes() == example_path(2025).read_bytes()


def test_example_2025_reads_into_a_survey(s2025, raw_2025, q):
    assert isinstance(s2025, ts.Survey) and len(s2025.data) == len(raw_2025)
    np.testing.assert_allclose(s2025.weights.to_numpy(), raw_2025["design_weight"].to_numpy())
    spec = s2025.design.spec
    assert (spec.weights, spec.strata, spec.psu) == ("design_weight", "stratum", ("psu",))
    assert s2025.design.degf == raw_2025["psu"].nunique() - raw_2025["stratum"].nunique()
    # every item, option and demographic, plus derived variables and indices
    for column in q.column_map(2025).values():
        assert column in s2025.data.columns
    for name in ("age_group", "trust_index", "pf_index"):
        assert name in s2025.data.columns


def test_dont_know_becomes_na_with_its_kind(s2025, raw_2025):
    dk = (raw_2025["trust_kp"] == 98).to_numpy()
    assert dk.sum() > 0
    assert s2025.data["trust_kp"][dk].isna().all()
    assert (s2025.missing_kinds["trust_kp"][dk] == "dont_know").all()
    assert (s2025.missing_kinds["trust_kp"] == "refused").sum() == (raw_2025["trust_kp"] == 99).sum()
    answered = raw_2025["trust_kp"].between(1, 5).to_numpy()
    assert s2025.missing_kinds["trust_kp"][answered].isna().all()
    assert (s2025.data["trust_kp"][answered].to_numpy() == raw_2025["trust_kp"][answered].to_numpy()).all()


def test_routing_not_asked(s2025, raw_2025):
    not_asked = (raw_2025["contact_12m"] != 1).to_numpy()
    kinds = s2025.missing_kinds["contact_satisfaction"]
    assert (kinds[not_asked] == "not_asked").all()
    assert not (kinds[~not_asked] == "not_asked").any()


def test_estimates_on_the_validated_survey(s2025, raw_2025):
    est = s2025.mean("trust_kp").to_frame()
    answered = raw_2025["trust_kp"].between(1, 5)
    w = raw_2025["design_weight"][answered]
    expected = float((raw_2025["trust_kp"][answered] * w).sum() / w.sum())
    assert est["estimate"].iloc[0] == pytest.approx(expected, rel=1e-12)


def test_2024_file_with_its_own_column_names(q):
    result = validate_file(ROOT / "examples" / "data" / "kp_trust_2024.csv", q)
    assert result.ok and result.wave == 2024
    assert "trust_station" in result.data.columns and "trust_local_station" not in result.data.columns


@pytest.mark.parametrize("wave", [2024, 2025])
def test_spss_file_matches_the_csv(q, wave):
    csv = read_survey(example_path(wave, "csv"), q)
    sav_path = example_path(wave, "sav")
    before = hashlib.sha256(sav_path.read_bytes()).hexdigest()
    sav = read_survey(sav_path, q)
    assert hashlib.sha256(sav_path.read_bytes()).hexdigest() == before
    for col in csv.data.columns:
        if col == "comment_open":
            assert csv.data[col].fillna("").tolist() == sav.data[col].fillna("").tolist()
        else:
            np.testing.assert_allclose(csv.data[col].to_numpy(dtype=float, na_value=np.nan),
                                       sav.data[col].to_numpy(dtype=float, na_value=np.nan), err_msg=col)
    pd.testing.assert_frame_equal(csv.missing_kinds, sav.missing_kinds)


def test_acceptance_three_problems(q, raw_2025, tmp_path):
    bad = raw_2025.copy()
    bad.loc[10, "trust_kp"] = 6
    bad.loc[20, "respondent_id"] = bad.loc[5, "respondent_id"]
    bad.loc[30, "design_weight"] = -bad.loc[30, "design_weight"]
    path = tmp_path / "kp_trust_2025_bad.csv"
    bad.to_csv(path, index=False)
    with pytest.raises(DataValidationError) as info:
        read_survey(path, q)
    problems = info.value.problems
    assert problems[["row", "column"]].values.tolist() == [
        [11, "trust_kp"], [21, "respondent_id"], [31, "design_weight"]]
    assert problems["value"].iloc[0] == "6"
    assert problems["respondent_id"].iloc[1] == str(raw_2025.loc[5, "respondent_id"])
