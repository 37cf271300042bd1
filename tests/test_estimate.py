"""The Estimate result object: the contract's columns, vcov, confint, repr."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

import trustsurvey as ts
from trustsurvey.estimate import ESTIMATE_COLUMNS, Estimate

CONTRACT = ["variable", "level", "estimate", "se", "ci_low", "ci_high", "df", "deff", "n_unweighted",
            "n_weighted"]


def test_column_vocabulary_is_the_contract():
    assert ESTIMATE_COLUMNS == CONTRACT


@pytest.mark.parametrize("call, by", [
    (lambda s: s.mean("api00"), []),
    (lambda s: s.mean(["api00", "stype"], by="sch_wide"), ["sch_wide"]),
    (lambda s: s.total("enroll", by=["stype", "sch_wide"]), ["stype", "sch_wide"]),
    (lambda s: s.proportion("sch_wide", by="stype", ci_method="beta"), ["stype"]),
    (lambda s: s.ratio("api00", "api99", by="stype"), ["stype"]),
    (lambda s: s.quantile("api00", 0.5, by="stype"), ["stype"]),  # nearer the ends: NaN in small groups, as R
], ids=["mean", "mean_by", "total_by2", "proportion", "ratio", "quantile"])
def test_to_frame_columns_and_types(survey, call, by):
    est = call(survey("clus1"))
    t = est.to_frame()
    assert list(t.columns) == by + CONTRACT
    assert tuple(est.by) == tuple(by)
    assert t.index.equals(pd.RangeIndex(len(t)))
    assert t["n_unweighted"].dtype == np.int64
    for c in ["estimate", "se", "ci_low", "ci_high", "df", "deff", "n_weighted"]:
        assert pd.api.types.is_float_dtype(t[c]), c
    assert not t[["estimate", "se", "ci_low", "ci_high", "df"]].isna().any().any()
    assert (t["ci_low"] <= t["estimate"]).all() and (t["estimate"] <= t["ci_high"]).all()


def test_level_is_empty_for_numeric_and_names_levels_for_factors(survey):
    t = survey("clus1").mean(["api00", "stype"]).to_frame()
    assert t["level"].tolist() == ["", "E", "H", "M"]
    assert t["variable"].tolist() == ["api00", "stype", "stype", "stype"]


def test_numeric_coded_levels_print_as_codes(survey):
    """A 0/1 item read as float (because of missing values) has levels '0' and '1', not '0.0'."""
    s = survey("nhanes")
    t = s.proportion("highlead").to_frame()  # has missing values, so pandas reads it as float
    assert s.data["highlead"].dtype == float and s.data["highlead"].isna().any()
    assert t["level"].tolist() == ["0", "1"]


def test_by_columns_keep_their_type(survey, data):
    t = survey("nhanes").mean("zinc", by="region").to_frame()
    assert t["region"].tolist() == [1, 2, 3, 4]
    assert pd.api.types.is_integer_dtype(t["region"])
    df = data("apiclus1.csv")
    df["stype"] = pd.Categorical(df["stype"], categories=["M", "H", "E"], ordered=True)
    c = ts.Survey(df, weights="pw", psu="dnum", fpc="fpc")
    t = c.mean("api00", by="stype").to_frame()
    assert isinstance(t["stype"].dtype, pd.CategoricalDtype)
    assert t["stype"].astype(str).tolist() == ["M", "H", "E"]  # the categories' order, not alphabetical
    assert c.mean("stype").to_frame()["level"].tolist() == ["M", "H", "E"]


def test_with_columns_keeps_categorical_dtype(survey):
    c = survey("clus1")
    cat = pd.Categorical(c.data["stype"], categories=["M", "H", "E"], ordered=True)
    s = c.with_columns({"stype2": pd.Series(cat)})
    assert isinstance(s.data["stype2"].dtype, pd.CategoricalDtype)
    assert s.mean("api00", by="stype2").to_frame()["stype2"].astype(str).tolist() == ["M", "H", "E"]


def test_counts(survey):
    s = survey("nhanes")
    t = s.mean("highlead", by="race").to_frame()
    data = s.data
    valid = data["highlead"].notna()
    expected_n = data[valid].groupby("race").size().to_numpy()
    expected_w = data[valid].groupby("race")["finalwgt"].sum().to_numpy()
    np.testing.assert_array_equal(t["n_unweighted"].to_numpy(), expected_n)
    np.testing.assert_allclose(t["n_weighted"].to_numpy(), expected_w, rtol=1e-12)


def test_df_is_each_domains(survey):
    """A group's df is its domain's (R's degf of the subset design), the same by by= and by subset()."""
    s = survey("nhanes")
    by = s.mean("zinc", by="race").to_frame()
    for race, df in zip(by["race"], by["df"]):
        assert df == s.subset(f"race == {race}").degf
    dom = s.subset("race == 3")
    assert (dom.mean("zinc").to_frame()["df"] == dom.degf).all()
    assert dom.degf < s.degf


def test_to_frame_is_a_copy(survey):
    est = survey("clus1").mean("api00")
    t = est.to_frame()
    t.loc[0, "estimate"] = -1.0
    assert est.to_frame().loc[0, "estimate"] != -1.0


def test_estimate_is_frozen(survey):
    est = survey("clus1").mean("api00")
    with pytest.raises(dataclasses.FrozenInstanceError):
        est.kind = "total"


def test_estimates_and_se_properties(survey):
    est = survey("clus1").mean(["api00", "api99"])
    t = est.to_frame()
    np.testing.assert_array_equal(est.estimates, t["estimate"].to_numpy())
    np.testing.assert_array_equal(est.se, t["se"].to_numpy())


def test_vcov_labels_and_covariance(survey):
    est = survey("clus1").mean(["api00", "stype"], by="sch_wide")
    v = est.vcov
    assert v.index.tolist()[:4] == ["No:api00", "No:stype=E", "No:stype=H", "No:stype=M"]
    assert v.columns.equals(v.index)
    # api00 and api99 are strongly correlated: the covariance of their means is large and positive
    v2 = survey("clus1").mean(["api00", "api99"]).vcov.to_numpy()
    corr = v2[0, 1] / np.sqrt(v2[0, 0] * v2[1, 1])
    assert 0.9 < corr < 1


def test_vcov_of_difference_matches_direct_estimate(survey):
    """Var(mean(a) - mean(b)) from vcov equals the SE of the mean of a - b (same rows, no missing)."""
    s = survey("clus1")
    v = s.mean(["api00", "api99"]).vcov.to_numpy()
    var_diff = v[0, 0] + v[1, 1] - 2 * v[0, 1]
    direct = s.with_columns({"d": s.data["api00"] - s.data["api99"]}).mean("d").se[0]
    assert np.sqrt(var_diff) == pytest.approx(direct, rel=1e-10)


def test_quantile_has_no_vcov(survey):
    est = survey("clus1").quantile("api00", 0.5)
    with pytest.raises(AttributeError, match="quantile"):
        est.vcov


def test_confint_frame(survey):
    est = survey("clus1").mean("api00", by="stype")
    c = est.confint(0.9)
    assert list(c.columns) == ["stype", "variable", "level", "ci_low", "ci_high"]
    t = est.to_frame()
    from scipy import stats

    half = stats.t.ppf(0.95, t["df"]) * t["se"]
    np.testing.assert_allclose(c["ci_low"], t["estimate"] - half, rtol=1e-12)
    np.testing.assert_allclose(c["ci_high"], t["estimate"] + half, rtol=1e-12)


def test_confint_of_proportion_keeps_its_method(survey):
    est = survey("clus1").proportion("sch_wide", ci_method="beta")
    t = est.to_frame()
    c = est.confint(0.95)
    np.testing.assert_allclose(c["ci_low"], t["ci_low"], rtol=1e-12)
    # R's svyciprop(method = "beta") for sch_wide == "Yes" (reference case clus1_ciprop_beta)
    assert c["ci_low"].iloc[1] == pytest.approx(0.823702210847501, rel=1e-6)
    assert est.ci_method == "beta" and est.conf_level == 0.95


def test_level_argument_sets_stored_interval(survey):
    s = survey("clus1")
    a = s.mean("api00", conf_level=0.9).to_frame()
    b = s.mean("api00").confint(0.9)
    np.testing.assert_allclose(a["ci_low"], b["ci_low"], rtol=1e-12)


def test_repr_and_html(survey):
    est = survey("clus1").mean("api00", by="stype")
    text = repr(est)
    assert text.startswith("Estimate(mean, 3 row(s), by stype)")
    assert "api00" in text and "618.57" in text
    html = est._repr_html_()
    assert html.lstrip().startswith("<table") and "n_unweighted" in html


def test_kind(survey):
    s = survey("clus1")
    assert s.mean("api00").kind == "mean"
    assert s.total("api00").kind == "total"
    assert s.proportion("stype").kind == "proportion"
    assert s.ratio("api00", "api99").kind == "ratio"
    assert s.quantile("api00").kind == "quantile"
    assert isinstance(s.mean("api00"), Estimate)


def test_confint_of_quantile_is_woodruff(survey, reference):
    case = next(c for c in reference["cases"] if c["id"] == "clus1_quantiles_api00")["result"]
    est = survey("clus1").quantile("api00", [0.25, 0.5, 0.75])
    c = est.confint(0.95)
    np.testing.assert_allclose(c["ci_low"], case["ci_low"], rtol=1e-6)
    np.testing.assert_allclose(c["ci_high"], case["ci_high"], rtol=1e-6)
    with pytest.raises(ts.EstimationError, match="conf_level=0.9"):
        est.confint(0.9)
