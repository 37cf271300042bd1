"""Survey designs: preparation, options with R's meanings, and bad input.

Lonely PSUs are checked against variances computed by hand on a tiny design,
with the meanings of R's ``options(survey.lonely.psu=)`` in survey 4.1-1
(``onestrat``/``onestage`` in R/survey.R):

- ``remove`` and ``certainty``: a stratum with a single PSU contributes nothing
  (its PSU total is centred on itself);
- ``adjust``: the single PSU's total is not centred (R 4.1 centres it at zero,
  which for a mean's influence values is their grand mean) and scaled by the
  stratum's ``1 - n/N`` only;
- ``average``: the variance of the other strata is multiplied by
  ``n_strata / n_strata_with_two_or_more_PSUs``.

A stratum whose FPC says its single PSU is the whole population (``N_h = 1``) is
a certainty stratum, not a lonely one: it contributes nothing under every option,
including ``fail``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import trustsurvey as ts
from trustsurvey.errors import DesignError, EstimationError, TrustSurveyError


# --------------------------------------------------------------------------- a tiny design, by hand


def tiny() -> pd.DataFrame:
    """Strata A (PSUs 1, 2), B (PSUs 3, 4, 5) and C (PSU 6 alone)."""
    return pd.DataFrame({
        "stratum": list("AAAA") + list("BBBBBB") + list("CC"),
        "psu": [1, 1, 2, 2, 3, 3, 4, 5, 5, 5, 6, 6],
        "w": [2.0, 3.0, 2.5, 1.0, 4.0, 4.0, 2.0, 1.5, 3.0, 2.0, 5.0, 6.0],
        "y": [3.0, 5.0, 4.0, 8.0, 1.0, 2.0, 6.0, 3.0, 7.0, 2.0, 9.0, 4.0],
        # population numbers of PSUs per stratum
        "N": [10.0] * 4 + [12.0] * 6 + [4.0] * 2,
    })


def psu_totals(df: pd.DataFrame, z: np.ndarray) -> pd.DataFrame:
    t = pd.DataFrame({"stratum": df["stratum"], "psu": df["psu"], "z": z, "N": df["N"]})
    return t.groupby(["stratum", "psu"], as_index=False).agg(z=("z", "sum"), N=("N", "first"))


def by_hand(df: pd.DataFrame, statistic: str, option: str, fpc: bool) -> tuple[float, float]:
    """Estimate and SE of the mean or total of y, written out stratum by stratum."""
    w, y = df["w"].to_numpy(), df["y"].to_numpy()
    W = w.sum()
    if statistic == "mean":
        est = (w * y).sum() / W
        z = w * (y - est) / W
    else:
        est = (w * y).sum()
        z = w * y
    totals = psu_totals(df, z)
    var, n_ok, n_strata = 0.0, 0, 0
    for _, grp in totals.groupby("stratum"):
        n_strata += 1
        n_h = len(grp)
        f = 1 - n_h / grp["N"].iloc[0] if fpc else 1.0
        if n_h > 1:
            n_ok += 1
            var += f * n_h / (n_h - 1) * ((grp["z"] - grp["z"].mean()) ** 2).sum()
        elif option == "adjust":
            var += f * (grp["z"].iloc[0] - 0.0) ** 2
    if option == "average":
        var *= n_strata / n_ok
    return est, float(np.sqrt(var))


@pytest.mark.parametrize("fpc", [False, True], ids=["no_fpc", "fpc"])
@pytest.mark.parametrize("option", ["adjust", "average", "remove", "certainty"])
@pytest.mark.parametrize("statistic", ["mean", "total"])
def test_lonely_psu_options_by_hand(statistic, option, fpc):
    df = tiny()
    s = ts.Survey(df, weights="w", strata="stratum", psu="psu", fpc="N" if fpc else None, lonely_psu=option)
    got = getattr(s, statistic)("y").to_frame().iloc[0]
    est, se = by_hand(df, statistic, option, fpc)
    assert got["estimate"] == pytest.approx(est, rel=1e-12)
    assert got["se"] == pytest.approx(se, rel=1e-10)
    assert got["df"] == 6 - 3


def test_lonely_psu_options_order_as_expected():
    """remove = certainty < adjust and average on the tiny design (C's PSU is far from the rest)."""
    df = tiny()
    se = {opt: ts.Survey(df, weights="w", strata="stratum", psu="psu", lonely_psu=opt).mean("y").se[0]
          for opt in ("remove", "certainty", "adjust", "average")}
    assert se["remove"] == pytest.approx(se["certainty"], rel=1e-14)
    assert se["remove"] < se["adjust"] and se["remove"] < se["average"]


def test_lonely_psu_average_without_any_estimable_stratum():
    df = pd.DataFrame({"st": [1, 1, 2, 2, 3], "psu": [1, 1, 2, 2, 3], "w": 1.0, "y": [1.0, 2, 3, 4, 6]})
    got = ts.Survey(df, weights="w", strata="st", psu="psu", lonely_psu="average").mean("y").to_frame()
    assert np.isnan(got["se"].iloc[0])


def test_lonely_psu_fail_names_the_stratum():
    with pytest.raises(DesignError, match=r"'C'") as err:
        ts.Survey(tiny(), weights="w", strata="stratum", psu="psu")
    msg = str(err.value)
    assert "lonely_psu" in msg and "adjust" in msg  # says how to fix it


def test_lonely_psu_fail_without_strata():
    df = tiny().assign(psu=1)
    with pytest.raises(DesignError, match="one PSU"):
        ts.Survey(df, weights="w", psu="psu")


def test_certainty_stratum_is_not_lonely():
    """N_h = 1: the PSU was taken with certainty; no variance from it, and no error under 'fail'."""
    df = tiny()
    df.loc[df["stratum"] == "C", "N"] = 1.0
    s = ts.Survey(df, weights="w", strata="stratum", psu="psu", fpc="N")
    got = s.mean("y").to_frame().iloc[0]
    _, se = by_hand(df, "mean", "remove", fpc=True)
    assert got["se"] == pytest.approx(se, rel=1e-10)


def test_unknown_lonely_psu_option_lists_choices():
    with pytest.raises(DesignError, match="lonely_psu='drop'.*fail.*remove.*adjust.*average.*certainty"):
        ts.Survey(tiny(), weights="w", strata="stratum", psu="psu", lonely_psu="drop")


# --------------------------------------------------------------------------- preparation


def test_weights_derived_from_fpc_as_r_does(survey):
    s = survey("srs")
    data = s.data
    np.testing.assert_allclose(s.weights.to_numpy(), data["fpc"] / len(data), rtol=1e-12)
    assert s.weights.index.equals(data.index)


def test_two_stage_weights_derived_from_both_fpcs(data):
    df = data("apiclus2.csv")
    s = ts.Survey(df, psu=("dnum", "snum"), fpc=("fpc1", "fpc2"))
    n1 = df["dnum"].nunique()
    n2 = df.groupby("dnum")["snum"].transform("nunique")
    np.testing.assert_allclose(s.weights, df["fpc1"] / n1 * df["fpc2"] / n2, rtol=1e-12)
    # R's pw column is the same weight
    np.testing.assert_allclose(s.weights, df["pw"], rtol=1e-6)


def test_no_weights_no_fpc_means_weight_one(data):
    s = ts.Survey(data("apisrs.csv"))
    assert (s.weights == 1.0).all()
    assert s.degf == len(s.data) - 1


def test_fpc_as_fractions_equals_fpc_as_counts(data):
    df = data("apistrat.csv")
    df["frac"] = df.groupby("stype")["stype"].transform("size") / df["fpc"]
    a = ts.Survey(df, weights="pw", strata="stype", fpc="fpc").mean(["api00", "enroll"]).to_frame()
    b = ts.Survey(df, weights="pw", strata="stype", fpc="frac").mean(["api00", "enroll"]).to_frame()
    np.testing.assert_allclose(a["se"], b["se"], rtol=1e-10)


def test_fpc_lowers_the_variance(survey):
    with_fpc = survey("clus1").mean("api00").se[0]
    without = survey("clus1_wr").mean("api00").se[0]
    assert with_fpc < without
    # clus1: 15 of 757 districts sampled, the FPC factor on the variance is 1 - 15/757
    assert (with_fpc / without) ** 2 == pytest.approx(1 - 15 / 757, rel=1e-10)


def test_nest_equals_relabelled_psus(data):
    df = data("nhanes2.csv")
    a = ts.Survey(df, weights="finalwgt", strata="stratid", psu="psuid", nest=True)
    df2 = df.assign(psu2=df["stratid"] * 10 + df["psuid"])
    b = ts.Survey(df2, weights="finalwgt", strata="stratid", psu="psu2")
    fa, fb = a.mean(["zinc", "highbp"]).to_frame(), b.mean(["zinc", "highbp"]).to_frame()
    np.testing.assert_allclose(fa["se"], fb["se"], rtol=1e-12)
    assert a.degf == b.degf == 62 - 31


@pytest.mark.parametrize("name, degf", [("srs", 199), ("strat", 197), ("clus1", 14), ("clus2", 39),
                                        ("nhanes", 31), ("nh_brr", 31), ("nh_jk", 31)])
def test_design_degrees_of_freedom(survey, reference, name, degf):
    assert survey(name).degf == degf


def test_subset_degrees_of_freedom(survey):
    s = survey("nhanes").subset("region == 1")
    data = s.data[s.data["region"] == 1]
    psus = data.groupby(["stratid", "psuid"]).ngroups
    assert s.degf == psus - data["stratid"].nunique()


def test_survey_does_not_modify_callers_frame(data):
    df = data("apiclus1.csv")
    before = df.copy()
    s = ts.Survey(df, weights="pw", psu="dnum", fpc="fpc")
    s.with_columns({"x": np.arange(len(df))}).subset("stype == 'H'").mean("api00")
    pd.testing.assert_frame_equal(df, before)
    mine = s.data  # a copy
    mine.loc[0, "api00"] = -1
    assert s.data.loc[0, "api00"] == before.loc[0, "api00"]


def test_non_default_index_is_ignored(data):
    df = data("apiclus1.csv")
    a = ts.Survey(df, weights="pw", psu="dnum", fpc="fpc").mean("api00").to_frame()
    b = ts.Survey(df.set_index(df.index * 3 + 7), weights="pw", psu="dnum", fpc="fpc").mean("api00").to_frame()
    pd.testing.assert_frame_equal(a, b)


def test_repr_mentions_design(survey):
    assert repr(survey("nhanes")) == ("<Survey: 10337 respondents; design with 31 strata (stratid), "
                                      "62 PSUs (psuid); df=31>")
    assert "domain of 200" in repr(survey("nhanes").subset("race == 3"))
    assert "brr replicate design with 32 replicates" in repr(survey("nh_brr"))


# --------------------------------------------------------------------------- bad input: columns


@pytest.mark.parametrize("role, kwargs", [
    ("weights", {"weights": "pwx"}),
    ("strata", {"weights": "pw", "strata": "stypex"}),
    ("PSU", {"weights": "pw", "psu": "dnumx"}),
    ("FPC", {"weights": "pw", "psu": "dnum", "fpc": "fpcx"}),
    ("cluster", {"weights": "pw", "psu": ("dnum", "snumx")}),
])
def test_unknown_design_column(data, role, kwargs):
    bad = [v for v in kwargs.values() if isinstance(v, str) and v.endswith("x")]
    bad += [v for t in kwargs.values() if isinstance(t, tuple) for v in t if v.endswith("x")]
    with pytest.raises(DesignError, match=rf"{role}.*'{bad[0]}'.*not in the data") as err:
        ts.Survey(data("apiclus1.csv"), **kwargs)
    assert "available columns" in str(err.value)


def test_unknown_column_suggests_case_fix(data):
    with pytest.raises(DesignError, match="did you mean 'pw'"):
        ts.Survey(data("apiclus1.csv"), weights="PW")


@pytest.mark.parametrize("call", [
    lambda s: s.mean("api000"), lambda s: s.total(["api00", "nope"]), lambda s: s.proportion("nope"),
    lambda s: s.ratio("api00", "nope"), lambda s: s.quantile("nope"), lambda s: s.mean("api00", by="nope"),
    lambda s: s.mean("api00", by=["stype", "nope"]),
], ids=["mean", "total", "proportion", "ratio", "quantile", "by", "by2"])
def test_unknown_variable(survey, call):
    with pytest.raises(EstimationError, match="nope|api000") as err:
        call(survey("clus1"))
    assert "available columns" in str(err.value)


@pytest.mark.parametrize("value", [np.nan, 0.0, -1.0, np.inf, -np.inf], ids=["nan", "zero", "negative",
                                                                         "inf", "-inf"])
def test_bad_weights_name_column_and_row(data, value):
    df = data("apiclus1.csv")
    df.loc[4, "pw"] = value
    with pytest.raises(DesignError, match=r"weights column 'pw'.*rows \[5\]"):
        ts.Survey(df, weights="pw", psu="dnum")


def test_text_weights_rejected(data):
    with pytest.raises(DesignError, match="'stype'"):
        ts.Survey(data("apiclus1.csv"), weights="stype")


@pytest.mark.parametrize("column, role", [("dnum", "PSU"), ("stype", "strata")])
def test_missing_design_values(data, column, role):
    df = data("apiclus1.csv")
    df[column] = df[column].astype(object)
    df.loc[2, column] = None
    with pytest.raises(DesignError, match=rf"{role} column '{column}' has missing values \(rows \[3\]\)"):
        ts.Survey(df, weights="pw", psu="dnum", strata="stype", nest=True)


def test_psus_in_two_strata_without_nest(data):
    df = data("nhanes2.csv")
    with pytest.raises(DesignError, match=r"column 'psuid'.*more than one stratum.*nest=True"):
        ts.Survey(df, weights="finalwgt", strata="stratid", psu="psuid")


def test_psus_in_two_strata_message_shows_plain_value(data):
    df = data("nhanes2.csv")
    with pytest.raises(DesignError) as err:
        ts.Survey(df, weights="finalwgt", strata="stratid", psu="psuid")
    assert "np.int64" not in str(err.value)


def test_fpc_smaller_than_sample(data):
    df = data("apistrat.csv")
    df.loc[df["stype"] == "H", "fpc"] = 10  # 50 high schools sampled
    with pytest.raises(DesignError, match=r"FPC column 'fpc'.*population size \(10\).*sampled units \(50\)"):
        ts.Survey(df, weights="pw", strata="stype", fpc="fpc")


def test_fpc_varying_within_stratum(data):
    df = data("apistrat.csv")
    df.loc[0, "fpc"] += 1
    with pytest.raises(DesignError, match="FPC column 'fpc' varies within a stratum"):
        ts.Survey(df, weights="pw", strata="stype", fpc="fpc")


@pytest.mark.parametrize("value", [0.0, -5.0])
def test_fpc_not_positive(data, value):
    df = data("apistrat.csv")
    df["fpc"] = value
    with pytest.raises(DesignError, match="FPC column 'fpc'"):
        ts.Survey(df, weights="pw", strata="stype", fpc="fpc")


def test_more_fpcs_than_stages(data):
    with pytest.raises(DesignError, match="fpc= names 2 columns"):
        ts.Survey(data("apiclus2.csv"), weights="pw", psu="dnum", fpc=("fpc1", "fpc2"))


def test_empty_data():
    with pytest.raises(DesignError, match="no rows"):
        ts.Survey(pd.DataFrame({"w": pd.Series([], dtype=float)}), weights="w")


def test_data_must_be_a_frame():
    with pytest.raises(DesignError, match="DataFrame"):
        ts.Survey({"w": [1.0]})


# --------------------------------------------------------------------------- bad input: replicate designs


def test_replicate_pattern_matches_nothing(data):
    with pytest.raises(DesignError, match=r"replicate_weights='rep_\*' matches no column"):
        ts.Survey(data("nhanes2brr.csv"), weights="finalwgt", replicate_weights="rep_*", replicate_method="brr")


def test_replicate_columns_missing(data):
    with pytest.raises(DesignError, match="brr_99"):
        ts.Survey(data("nhanes2brr.csv"), weights="finalwgt", replicate_weights=["brr_1", "brr_99"],
                  replicate_method="brr")


def test_replicate_method_required_and_known(data):
    df = data("nhanes2brr.csv")
    with pytest.raises(DesignError, match="replicate_method="):
        ts.Survey(df, weights="finalwgt", replicate_weights="brr_*")
    with pytest.raises(DesignError, match=r"replicate_method='sdr'.*brr, fay, jk1, jkn, bootstrap"):
        ts.Survey(df, weights="finalwgt", replicate_weights="brr_*", replicate_method="sdr")


def test_jkn_needs_rscales(data):
    df = data("nhanes2jk.csv")
    with pytest.raises(DesignError, match="rscales"):
        ts.Survey(df, weights="finalwgt", replicate_weights="jkw_*", replicate_method="jkn")
    with pytest.raises(DesignError, match="rscales has 3 values for 62"):
        ts.Survey(df, weights="finalwgt", replicate_weights="jkw_*", replicate_method="jkn",
                  rscales=[0.5, 0.5, 0.5])


def test_replicate_weights_not_finite(data):
    df = data("nhanes2brr.csv")
    df.loc[3, "brr_2"] = np.nan
    with pytest.raises(DesignError, match="replicate weights"):
        ts.Survey(df, weights="finalwgt", replicate_weights="brr_*", replicate_method="brr")


def test_replicate_columns_sorted_numerically(survey):
    cols = survey("nh_jk").design.spec.replicate_weights
    assert cols[:3] == ("jkw_1", "jkw_2", "jkw_3") and cols[-1] == "jkw_62"


# --------------------------------------------------------------------------- bad input: estimation options


def test_by_variable_all_missing(survey):
    s = survey("clus1")
    s = s.with_columns({"empty": np.full(len(s.data), np.nan)})
    with pytest.raises(EstimationError, match="by-variable 'empty' is missing for every respondent"):
        s.mean("api00", by="empty")


def test_unknown_ci_method(survey):
    with pytest.raises(EstimationError, match=r"ci_method='exact'.*logit, beta, xlogit, mean, asin, wilson"):
        survey("clus1").proportion("sch_wide", ci_method="exact")


def test_unknown_replicate_method(survey):
    with pytest.raises(DesignError, match="'jk2'.*jk1, jkn, bootstrap or brr"):
        survey("clus1").to_replicate("jk2")


def test_non_numeric_variable_in_total_of_numbers(survey):
    s = survey("clus1")
    s = s.with_columns({"mixed": ["1", "x"] + ["2"] * (len(s.data) - 2)})
    with pytest.raises(EstimationError, match=r"'mixed' is not numeric \(row 2: 'x'\)"):
        s.ratio("mixed", "api00")


@pytest.mark.parametrize("call, pattern", [
    (lambda s: s.mean("api00", conf_level=1.5), "confidence level"),
    (lambda s: s.quantile("api00", [0.5, 1.2]), "quantile probabilities"),
    (lambda s: s.mean([]), "at least one variable"),
    (lambda s: s.ratio(["api00", "api99"], ["enroll", "api99", "meals"]), "one denominator per numerator"),
    (lambda s: s.subset(np.zeros(183, dtype=bool)), "subset is empty"),
    (lambda s: s.subset(np.ones(5, dtype=bool)), "5 values for 183"),
])
def test_bad_estimation_options(survey, call, pattern):
    with pytest.raises(EstimationError, match=pattern):
        call(survey("clus1"))


def test_every_error_is_a_trustsurvey_error():
    assert issubclass(DesignError, TrustSurveyError) and issubclass(EstimationError, TrustSurveyError)


def test_two_stage_without_fpc_is_ultimate_cluster(data):
    """Without FPCs only the first stage counts (PSUs with replacement), as in R."""
    df = data("apiclus2.csv")
    two = ts.Survey(df, weights="pw", psu=("dnum", "snum")).mean(["api00", "enroll"]).to_frame()
    one = ts.Survey(df, weights="pw", psu="dnum").mean(["api00", "enroll"]).to_frame()
    np.testing.assert_allclose(two["se"], one["se"], rtol=1e-12)


def test_second_stage_adds_variance_with_fpc(survey, data):
    """With both FPCs, R's clus2 SE (reference) exceeds the first-stage-only SE with the stage-1 FPC."""
    df = data("apiclus2.csv")
    first_only = ts.Survey(df, weights="pw", psu="dnum", fpc="fpc1").mean("api00").se[0]
    both = survey("clus2").mean("api00").se[0]
    assert both == pytest.approx(30.0990273768366, rel=1e-6)
    assert both > first_only
