"""Tests of the bundled example survey (trustsurvey.datasets) and its regeneration."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyreadstat
import pytest

from trustsurvey.datasets import EXAMPLE_WAVES, example_path, load_example
from trustsurvey.errors import TrustSurveyError
from trustsurvey.simulate import SOURCE_COLUMNS, simulate_survey
from trustsurvey.simulate._export import csv_bytes, write_sav

REPO_DATA = Path(__file__).resolve().parent.parent / "examples" / "data"


@pytest.fixture(scope="module")
def regenerated():
    return {wave: simulate_survey(wave) for wave in EXAMPLE_WAVES}


def test_example_paths_exist():
    for wave in EXAMPLE_WAVES:
        for fmt in ("csv", "sav"):
            path = example_path(wave, fmt)
            assert path.is_file() and path.name == f"kp_trust_{wave}.{fmt}"


def test_bad_arguments():
    with pytest.raises(TrustSurveyError, match=r"wave=2019.*\[2024, 2025\]"):
        example_path(2019)
    with pytest.raises(TrustSurveyError, match="fmt='xlsx'"):
        example_path(2025, "xlsx")


def test_validated_example_is_a_survey():
    import trustsurvey as ts

    s = load_example(2025, raw=False)
    assert isinstance(s, ts.Survey)
    assert s.questionnaire.survey_id == "kp_trust"
    assert len(s.data) == len(load_example(2025))
    assert s.data["trust_kp"].max() <= 5  # 98/99 are missing, not values
    assert (s.missing_kinds["trust_kp"] == "dont_know").any()


def test_shipped_csv_is_a_fresh_regeneration(regenerated):
    for wave, frame in regenerated.items():
        assert csv_bytes(frame) == example_path(wave, "csv").read_bytes(), wave


def test_repository_copies_equal_package_copies():
    for wave in EXAMPLE_WAVES:
        for fmt in ("csv", "sav"):
            repo = REPO_DATA / f"kp_trust_{wave}.{fmt}"
            assert repo.read_bytes() == example_path(wave, fmt).read_bytes()


def test_shipped_sav_is_reproducible(regenerated, tmp_path):
    frames = regenerated
    for wave, frame in frames.items():
        out = write_sav(frame, tmp_path / f"kp_trust_{wave}.sav", wave=wave, source_columns=SOURCE_COLUMNS[wave])
        assert out.read_bytes() == example_path(wave, "sav").read_bytes(), wave


def test_load_example_dtypes_and_names():
    d24, d25 = load_example(2024), load_example(2025)
    assert "trust_local_station" in d24 and "trust_station" not in d24
    assert "trust_station" in d25 and "trust_local_station" not in d25
    for d in (d24, d25):
        assert 1400 <= len(d) <= 1600
        assert d.shape[1] == 45
        assert d["contact_satisfaction"].dtype == "Int64"
        assert d["trust_kp"].dtype == np.int64
        assert d["design_weight"].dtype == np.float64
        assert pd.api.types.is_string_dtype(d["comment_open"].dtype)
        assert d["comment_open"].isna().any() and d["comment_open"].notna().any()
    assert d24["respondent_id"].min() == 240001 and d25["respondent_id"].min() == 250001


def test_load_example_equals_the_simulated_frame(regenerated):
    frames = regenerated
    for wave, frame in frames.items():
        pd.testing.assert_frame_equal(load_example(wave), frame, check_dtype=True)


def test_sav_has_labels_and_user_missing_codes():
    csv = load_example(2025)
    sav, meta = pyreadstat.read_sav(example_path(2025, "sav"), user_missing=True)
    assert list(sav.columns) == list(csv.columns)
    assert meta.column_names_to_labels["trust_kp"] == "How much do you trust the Kosovo Police?"
    labels = meta.variable_value_labels["trust_kp"]
    assert labels[1] == "No trust at all" and labels[5] == "Full trust" and labels[98] == "Don't know"
    assert meta.variable_value_labels["region"][6] == "Mitrovica North"
    assert {m["lo"] for m in meta.missing_ranges["trust_kp"]} == {98, 99}
    numeric = [c for c in csv.columns if c != "comment_open"]
    np.testing.assert_allclose(
        sav[numeric].to_numpy(dtype=float),
        csv[numeric].astype("Float64").to_numpy(dtype=float, na_value=np.nan),
    )
    assert (sav["comment_open"].replace("", np.nan).fillna("") == csv["comment_open"].fillna("")).all()
    # read without user_missing, 98/99 become missing as SPSS treats them
    plain, _ = pyreadstat.read_sav(example_path(2025, "sav"))
    assert plain["trust_kp"].isna().sum() == (csv["trust_kp"] >= 98).sum()


def test_sav_of_2024_labels_the_renamed_column():
    _, meta = pyreadstat.read_sav(example_path(2024, "sav"), metadataonly=True)
    assert meta.column_names_to_labels["trust_local_station"].startswith("How much do you trust the police station")
