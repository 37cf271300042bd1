"""The questionnaire-driven weighting scheme and weight_file on the bundled Kosovo example."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

import trustsurvey as ts
from trustsurvey.errors import WeightingError
from trustsurvey.questionnaire import bundled
from trustsurvey.io.weighted import weight_file
from trustsurvey.weighting import scheme_targets


@pytest.fixture(scope="module")
def questionnaire():
    return bundled()


@pytest.fixture(scope="module")
def example(questionnaire):
    return ts.read_survey(ts.datasets.example_path(2025), questionnaire)


@pytest.fixture(scope="module")
def weighted(example):
    return example.weight()


def test_scheme_targets_are_counts_of_the_population_total(questionnaire):
    targets, unit, population = scheme_targets(questionnaire.weighting)
    assert unit == "count" and population == questionnaire.weighting.total.value
    assert set(targets) == set(questionnaire.weighting.variables)
    for counts in targets.values():
        assert sum(counts.values()) == pytest.approx(population)


def test_weighted_margins_equal_the_questionnaire_targets(weighted, questionnaire):
    section = questionnaire.weighting
    total = section.total.value
    assert weighted.weights.sum() == pytest.approx(total, rel=1e-9)
    data = weighted.data
    for name, var in section.variables.items():
        shares = {k: v / sum(var.targets.values()) for k, v in var.targets.items()}
        got = weighted.weights.groupby(data[name].astype("int64").to_numpy()).sum() / total
        for code, share in shares.items():
            assert got[code] == pytest.approx(share, abs=1e-9)
    diag = weighted.attrs["weighting"]
    assert diag.method == questionnaire.weighting.method and diag.converged


def test_sources_travel_with_the_survey(weighted, questionnaire):
    sources = weighted.attrs["weighting_sources"]
    assert sources[0]["variable"] == "(population total)"
    assert sources[0]["value"] == questionnaire.weighting.total.value
    assert {s["variable"] for s in sources[1:]} == set(questionnaire.weighting.variables)
    assert all(s["source"] for s in sources) and all(isinstance(s["estimate"], bool) for s in sources)
    assert weighted.attrs["weighting_population"] == questionnaire.weighting.population
    # later steps keep the citation and add to the history
    trimmed = weighted.trim_weights(upper=float(weighted.weights.quantile(0.99)))
    assert trimmed.attrs["weighting_sources"] == sources
    assert [d.method for d in trimmed.attrs["weighting_steps"]] == ["rake", "trim"]


def test_weighting_changes_estimates_and_ses(example, weighted):
    before = example.mean("trust_kp").to_frame()
    after = weighted.mean("trust_kp").to_frame()
    assert not np.isclose(before["estimate"][0], after["estimate"][0])
    assert after["se"][0] > 0 and np.isfinite(after["se"][0])


def test_calibration_scheme_meets_the_same_margins(example, weighted):
    cal = example.weight(method="calibrate")
    data = cal.data
    for name in ("region", "gender", "age_group", "settlement"):
        a = cal.weights.groupby(data[name].to_numpy()).sum()
        b = weighted.weights.groupby(data[name].to_numpy()).sum()
        np.testing.assert_allclose(a.to_numpy(), b.to_numpy(), rtol=1e-7)
    assert cal.attrs["weighting"].method == "calibrate (linear)"


def test_trim_option(example):
    out = example.weight(trim={"upper": 1500.0, "strict": True})
    assert out.weights.max() <= 1500.0 + 1e-9
    assert out.attrs["weighting"].method == "trim"


def test_scheme_errors(example, questionnaire):
    ps = dataclasses.replace(questionnaire, weighting=dataclasses.replace(questionnaire.weighting,
                                                                         method="poststratify"))
    with pytest.raises(WeightingError, match="poststratify but the section lists 4 variables.*use method: rake"):
        example.weight(questionnaire=ps)
    none = dataclasses.replace(questionnaire, weighting=None)
    with pytest.raises(WeightingError, match="no weighting section"):
        example.weight(questionnaire=none)
    bare = ts.Survey(example.data, weights="design_weight")
    with pytest.raises(WeightingError, match="no questionnaire"):
        bare.weight()
    with pytest.raises(WeightingError, match="cannot be driven by a questionnaire"):
        example.weight(method="trim")


# --------------------------------------------------------------------------- files


def test_weight_file_writes_the_data_as_stored_plus_weights(tmp_path, questionnaire, weighted):
    src = ts.datasets.example_path(2025)
    out = tmp_path / "weighted.csv"
    diag = weight_file(questionnaire, src, out)
    assert diag.converged and diag.method == "rake"
    written = pd.read_csv(out, dtype=str, keep_default_na=False)
    original = pd.read_csv(src, dtype=str, keep_default_na=False)
    assert list(written.columns) == list(original.columns) + ["weight"]
    # 98/99 and blanks unchanged; only text a spreadsheet would run as a formula gets a leading quote
    risky = original.apply(lambda c: c.str.startswith(("=", "+", "@", "\t", "\r")) | c.str.match(r"-(?!\d+(\.\d+)?$)"))
    assert risky.to_numpy().sum() >= 1  # the example data have such an open answer
    pd.testing.assert_frame_equal(written[original.columns], original.mask(risky, "'" + original))
    np.testing.assert_allclose(written["weight"].astype(float), weighted.weights, rtol=1e-12)


def test_weight_file_never_overwrites(tmp_path, questionnaire):
    src = ts.datasets.example_path(2025)
    out = tmp_path / "w.csv"
    out.write_text("keep me")
    with pytest.raises(WeightingError, match="already exists.*force"):
        weight_file(questionnaire, src, out)
    assert out.read_text() == "keep me"
    weight_file(questionnaire, src, out, force=True)
    assert out.read_text().startswith("respondent_id")
    copy = tmp_path / "input.csv"
    copy.write_bytes(src.read_bytes())
    with pytest.raises(WeightingError, match="is the input file"):
        weight_file(questionnaire, copy, copy, force=True)
    with pytest.raises(WeightingError, match="ending in .csv, .xlsx, .parquet"):
        weight_file(questionnaire, src, tmp_path / "w.txt")
    with pytest.raises(WeightingError, match="already has a column 'design_weight'"):
        weight_file(questionnaire, src, tmp_path / "x.csv", weight_column="design_weight")
    assert not (tmp_path / "x.csv").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["input.csv", "w.csv"]  # no temporary files left
