"""Bad weighting input: every case is a WeightingError whose message names the problem and the fix."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import trustsurvey as ts
from trustsurvey.errors import WeightingError


@pytest.fixture
def small() -> ts.Survey:
    df = pd.DataFrame({"sex": ["m", "m", "f", "f", "f"], "age": [1, 2, 1, 2, 2],
                       "x": [1.0, 2.0, 3.0, 4.0, 5.0], "w": [1.0, 2.0, 1.0, 1.0, 2.0]})
    return ts.Survey(df, weights="w")


def test_target_category_absent_from_the_data(small):
    with pytest.raises(WeightingError, match=r"margin 'age'.*no respondent in category/cell '3'.*collapse"):
        small.rake({"sex": {"m": 50, "f": 50}, "age": {1: 40, 2: 40, 3: 20}})


def test_sample_category_without_target(small):
    with pytest.raises(WeightingError, match=r"margin 'sex'.*no population target: 'f' \(3 respondent"):
        small.rake({"sex": {"m": 100}})


def test_margin_totals_disagree_and_say_by_how_much(small):
    with pytest.raises(WeightingError, match=r"totals disagree: 'sex' sums to 100 and 'age' to 101 "
                                             r"\(a difference of 1, 0.99\d*%\)"):
        small.rake({"sex": {"m": 50, "f": 50}, "age": {1: 50, 2: 51}})


def test_missing_weighting_variable_is_an_error_by_default(small):
    df = small.data
    df.loc[[1, 3], "sex"] = None
    s = ts.Survey(df, weights="w")
    with pytest.raises(WeightingError, match=r"2 respondent\(s\) have no value.*'sex': 2 \(rows \[2, 4\]\)"
                                             r".*missing='exclude'.*missing='impute'"):
        s.rake({"sex": {"m": 50, "f": 50}})
    with pytest.raises(WeightingError, match="missing='ignore' is not known"):
        s.rake({"sex": {"m": 50, "f": 50}}, missing="ignore")


def test_contradictory_margins_are_reported():
    # a and b always agree in the sample, so a: 50/50 and b: 80/20 cannot both be met; the
    # table stops changing after two sweeps (R would call that converged)
    df = pd.DataFrame({"a": [0, 0, 1, 1], "b": ["x", "x", "y", "y"], "w": [1.0] * 4})
    s = ts.Survey(df, weights="w")
    with pytest.raises(WeightingError, match=r"cannot all be met.*margin 'a' category '0' reaches 80 "
                                             r"against a target of 50.*collapse"):
        s.rake({"a": {0: 50, 1: 50}, "b": {"x": 80, "y": 20}})


def test_non_convergence_reports_history_and_failing_margin():
    # a structural zero: the (a=1, b=y) cell is empty, so the fit only approaches the targets slowly
    df = pd.DataFrame({"a": [0, 0, 1, 0], "b": ["x", "y", "x", "y"], "w": [1.0] * 4})
    s = ts.Survey(df, weights="w")
    with pytest.raises(WeightingError, match=r"did not converge in 5 sweeps.*last sweeps was [0-9.e+-]+, "
                                             r".*Margin '(a|b)' fits worst: category .* reaches"):
        s.rake({"a": {0: 50, 1: 50}, "b": {"x": 50, "y": 50}}, max_iter=5)


def test_calibration_non_convergence(small):
    with pytest.raises(WeightingError, match=r"calibration \(logit\) did not converge.*misfit.*bounds"):
        small.calibrate({"sex": {"m": 90, "f": 10}}, method="logit", bounds=(0.9, 1.1), population=None)


def test_empty_poststratification_cell_is_named(small):
    cells = {("sex", "age"): {("m", 1): 10, ("m", 2): 10, ("f", 1): 10, ("f", 2): 10, ("f", 3): 5}}
    with pytest.raises(WeightingError, match=r"empty cell.*'f:3'.*collapse it.*partial=True"):
        small.poststratify(cells)
    from trustsurvey.errors import TrustSurveyWarning

    with pytest.warns(TrustSurveyWarning, match="dropped"):
        ps = small.poststratify(cells, partial=True)
    assert ps.weights.sum() == pytest.approx(40)


def test_unknown_variable_lists_the_columns(small):
    with pytest.raises(WeightingError, match=r"'Sex' is not in the data \(did you mean 'sex'\?\).*age"):
        small.rake({"Sex": {"m": 1, "f": 1}})


def test_weighting_a_subset_is_refused(small):
    with pytest.raises(WeightingError, match="subset.*weight first"):
        small.subset(small.data["sex"] == "f").rake({"age": {1: 1, 2: 1}})


@pytest.mark.parametrize("targets,pattern", [
    ({"sex": {"m": 50, "f": 49.5}}, None),  # plain counts are fine
    ({"sex": {"m": 55.0, "f": 45.0}}, None),
])
def test_counts_are_accepted(small, targets, pattern):
    assert small.rake(targets).attrs["weighting"].converged


def test_shares_that_do_not_sum_to_one(small):
    with pytest.raises(WeightingError, match=r"shares sum to 100, not 1 \(percentages\? divide them by 100\)"):
        small.rake({"sex": {"m": 50, "f": 50}}, unit="share")
    with pytest.raises(WeightingError, match="unit='percent' is not known"):
        small.rake({"sex": {"m": 50, "f": 50}}, unit="percent")


@pytest.mark.parametrize("targets,pattern", [
    ({"sex": {"m": -5, "f": 50}}, "finite and >= 0"),
    ({"sex": {"m": "many", "f": 50}}, "not a number"),
    ({"sex": {"m": 0, "f": 50}}, "target of 0"),
    ({"age": {1: 10, "1": 10, 2: 5}}, "are the same value"),
    ({"sex": 5.0}, "only calibrate"),
    ({("sex", "age"): {"m": 3}}, "key crossed margins by tuples"),
    ([{"sex": "m"}], "must hold DataFrames"),
    ("sex", "targets must be a mapping"),
    ({}, "no targets given"),
    ([pd.DataFrame({"sex": ["m", "f"], "what": ["a", "b"]})], "column of counts"),
])
def test_bad_targets(small, targets, pattern):
    with pytest.raises(WeightingError, match=pattern):
        small.rake(targets)


def test_poststratify_takes_one_table(small):
    with pytest.raises(WeightingError, match="one table of cells.*use rake"):
        small.poststratify({"sex": {"m": 50, "f": 50}, "age": {1: 50, 2: 50}})


@pytest.mark.parametrize("kwargs,pattern", [
    (dict(method="gauss"), "method='gauss' is not known"),
    (dict(method="logit"), "needs finite bounds"),
    (dict(method="raking", bounds=(2, 3)), "must contain 1"),
    (dict(method="raking", bounds=(3, 2)), "lower bound must be below"),
])
def test_bad_calibration_options(small, kwargs, pattern):
    with pytest.raises(WeightingError, match=pattern):
        small.calibrate({"sex": {"m": 5, "f": 5}}, **kwargs)


def test_calibration_needs_an_intercept_and_independent_totals(small):
    with pytest.raises(WeightingError, match="needs an intercept"):
        small.calibrate({"x": 40.0})
    df = small.data.assign(y=lambda d: 2 * d["x"])
    with pytest.raises(WeightingError, match="collinear"):
        ts.Survey(df, weights="w").calibrate({"sex": {"m": 5, "f": 5}, "x": 30.0, "y": 60.0})
    with pytest.raises(WeightingError, match="intercept total 11 disagrees"):
        small.calibrate({"(Intercept)": 11.0, "sex": {"m": 5, "f": 5}})
    with pytest.raises(WeightingError, match="given twice"):
        small.calibrate({"age": {1: 5, 2: 5}, ("age",): 3.0})


def test_population_disagreeing_with_counts(small):
    with pytest.raises(WeightingError, match="population=200 disagrees with the total of margin 'sex'"):
        small.rake({"sex": {"m": 50, "f": 50}}, population=200)


@pytest.mark.parametrize("kwargs,pattern", [
    (dict(), "needs lower= and/or upper="),
    (dict(lower=5, upper=2), "must be below"),
    (dict(lower=0.1, upper=0.5, strict=True), "impossible.*average 1.4"),
])
def test_bad_trimming(small, kwargs, pattern):
    with pytest.raises(WeightingError, match=pattern):
        small.trim_weights(**kwargs)


def test_bad_nonresponse_input(small):
    df = small.data.assign(r=[1, 0, 1, 0, 0], bad=[1, 2, 1, 0, 0])
    s = ts.Survey(df, weights="w")
    with pytest.raises(WeightingError, match=r"class\(es\) 'f:2', 'm:2' of sex:age .*no respondent.*collapse"):
        s.nonresponse_adjust("r", classes=["sex", "age"])
    with pytest.raises(WeightingError, match=r"1/True .* found \['2'\]"):
        s.nonresponse_adjust("bad")
    with pytest.raises(WeightingError, match="'nope' is not in the data"):
        s.nonresponse_adjust("r", classes="nope")


def test_bad_method_options(small):
    with pytest.raises(WeightingError, match="max_iter=0 must be at least 1"):
        small.rake({"sex": {"m": 1, "f": 1}}, max_iter=0)
    with pytest.raises(WeightingError, match="population=-1 must be a positive number"):
        small.rake({"sex": {"m": 0.5, "f": 0.5}}, population=-1)
    with pytest.raises(WeightingError, match="given twice"):
        small.rake([pd.DataFrame({"sex": ["m", "f"], "Freq": [1, 1]}),
                    pd.DataFrame({"sex": ["m", "f"], "Freq": [1, 1]})])


def test_errors_never_change_the_input(small):
    before = small.weights.copy()
    with pytest.raises(WeightingError):
        small.rake({"sex": {"m": 100}})
    assert small.weights.equals(before)
    assert np.all(small.design.weights == before.to_numpy())
