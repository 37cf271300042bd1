"""The small formula parser of the area-level models, fay_herriot's checks and its invariants."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import trustsurvey as ts
from trustsurvey.errors import EstimationError, TrustSurveyWarning
from trustsurvey.smallarea._formula import design_matrix, parse_formula

MILK = Path(__file__).parent / "reference" / "sae" / "milk.csv"


def milk() -> pd.DataFrame:
    return pd.read_csv(MILK)


def test_parse_terms_intercept_and_backticks():
    f = parse_formula("y ~ a + C(g) + `odd name` - 1")
    assert f.response == "y" and not f.intercept
    assert [(t.column, t.categorical) for t in f.terms] == [("a", False), ("g", True), ("odd name", False)]
    assert parse_formula("y ~ 0 + a").intercept is False
    assert parse_formula("y ~ 1 + a").intercept is True
    assert parse_formula("a + b", response=False).columns == ["a", "b"]


@pytest.mark.parametrize("text, message", [
    ("y = a + b", "cannot read '= a + b'"),
    ("y ~ a + log(b)", "log() is not supported"),
    ("y ~ a + __import__('os')", "cannot read \"'os')\""),
    ("y ~ a + __import__(os)", "__import__() is not supported"),
    ("y ~ a + b - a", "terms cannot be removed"),
    ("y ~ a +", "ends with an operator"),
    ("y ~ a + a", "names column 'a' twice"),
    ("~ a", "must have one response column"),
    ("y ~ a ~ b", "must have one response column"),
    ("y ~ 2", "only 1 (intercept) or 0"),
    ("y ~ y", "the response 'y' is also a covariate"),
    ("y ~ C(a", "write a categorical term as C(column)"),
    ("", "non-empty string"),
])
def test_formula_errors(text, message):
    with pytest.raises(EstimationError) as info:
        parse_formula(text)
    assert message in str(info.value)


def test_categorical_coding_as_r():
    df = pd.DataFrame({"g": [3, 1, 2, 3, 10], "h": ["b", "a", "b", "c", "a"]})
    X, names = design_matrix(parse_formula("~ C(g) + C(h)", response=False), df)
    assert names == ["Intercept", "C(g)[T.2]", "C(g)[T.3]", "C(g)[T.10]", "C(h)[T.b]", "C(h)[T.c]"]
    np.testing.assert_array_equal(X[:, 3], [0, 0, 0, 0, 1])
    X, names = design_matrix(parse_formula("~ C(h) + C(g) - 1", response=False), df)
    assert names[:3] == ["C(h)[a]", "C(h)[b]", "C(h)[c]"] and names[3] == "C(g)[T.2]"


def test_no_intercept_is_a_reparametrisation():
    with_int = ts.fay_herriot(milk(), "yi ~ C(MajorArea)", "var")
    without = ts.fay_herriot(milk(), "yi ~ C(MajorArea) - 1", "var")
    assert without.refvar == pytest.approx(with_int.refvar, rel=1e-10)
    np.testing.assert_allclose(without.eblup, with_int.eblup, rtol=1e-10)
    np.testing.assert_allclose(without.mse, with_int.mse, rtol=1e-10)
    # first level's mean = intercept, others = intercept + contrast
    b = with_int.beta
    np.testing.assert_allclose(without.beta, np.r_[b[0], b[0] + b[1:]], rtol=1e-10)


@pytest.mark.parametrize("change, message", [
    (lambda d: d.assign(var=-d["var"]), "negative variances (rows 0, 1"),
    (lambda d: d.assign(yi=np.where(d.index == 4, np.nan, d["yi"])), "missing or infinite values (rows 4)"),
    (lambda d: d.assign(ni=d["ni"].astype(str)), "write C(ni) to use it as categorical"),
    (lambda d: d.assign(twice=2 * d["ni"]), "collinear"),
    (lambda d: d.head(2), "2 coefficients (Intercept, ni) but only 2 areas"),
])
def test_fay_herriot_errors(change, message):
    formula = "yi ~ ni + twice" if "twice" in change(milk()).columns else "yi ~ ni"
    with pytest.raises(EstimationError) as info:
        ts.fay_herriot(change(milk()), formula, "var")
    assert message in str(info.value)


@pytest.mark.parametrize("kwargs, message", [
    ({"method": "EB"}, "method='EB' is not known; choose one of 'REML', 'ML', 'FH'"),
    ({"mse": "jackknife"}, "mse='jackknife' is not known"),
    ({"vardir": "variance"}, "vardir='variance' is not a column"),
    ({"formula": "milk ~ ni"}, "response 'milk' of formula"),
    ({"formula": "yi ~ region"}, "column(s) 'region' not in the data"),
    ({"area": "id"}, "area='id' is not a column"),
    ({"mse": "bootstrap", "B": 1}, "at least 2 replicates"),
])
def test_fay_herriot_option_errors(kwargs, message):
    options = {"formula": "yi ~ ni", "vardir": "var", **kwargs}
    with pytest.raises(EstimationError) as info:
        ts.fay_herriot(milk(), **options)
    assert message in str(info.value)


def test_input_not_modified_and_area_order_kept():
    df = milk().sample(frac=1.0, random_state=3)
    before = df.copy()
    fh = ts.fay_herriot(df, "yi ~ C(MajorArea)", "var", area="SmallArea")
    pd.testing.assert_frame_equal(df, before)
    out = fh.to_frame()
    assert list(out["SmallArea"]) == list(df["SmallArea"])
    ref = ts.fay_herriot(milk(), "yi ~ C(MajorArea)", "var", area="SmallArea").to_frame().set_index("SmallArea")
    np.testing.assert_allclose(out.set_index("SmallArea").loc[ref.index, "eblup"], ref["eblup"], rtol=1e-10)


def test_zero_sampling_variance_keeps_the_direct_estimate():
    df = milk()
    df.loc[5, "var"] = 0.0
    fh = ts.fay_herriot(df, "yi ~ C(MajorArea)", "var")
    assert fh.gamma[5] == 1.0 and fh.eblup[5] == pytest.approx(df.loc[5, "yi"], rel=1e-12)
    assert fh.mse[5] >= 0


@settings(max_examples=40, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.floats(-2, 2), st.floats(0.01, 1.0), st.floats(-1, 1)), min_size=6, max_size=25),
       st.sampled_from(["REML", "ML", "FH"]))
def test_eblup_is_a_convex_combination(rows, method):
    df = pd.DataFrame(rows, columns=["y", "v", "x"])
    assume(df["x"].std() > 0.05 and df["y"].std() > 0.05)
    try:
        with warnings.catch_warnings():  # a path through negative variances is reported, not a failure here
            warnings.simplefilter("ignore", TrustSurveyWarning)
            fh = ts.fay_herriot(df, "y ~ x", "v", method)
    except EstimationError as exc:  # iterations that oscillate or break down are errors (sae: no convergence)
        assume("did not converge" not in str(exc) and "broke down" not in str(exc))
        raise
    g = fh.gamma
    assert ((g >= 0) & (g <= 1)).all() and fh.refvar >= 0
    np.testing.assert_allclose(fh.eblup, g * fh.direct + (1 - g) * fh.synthetic, rtol=1e-9, atol=1e-12)
    if method == "REML":  # g1 + g2 + 2 g3 (ML and FH subtract a bias term)
        assert (fh.mse > 0).all()
