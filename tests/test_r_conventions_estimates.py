"""R's conventions for estimates (issue 14), end to end through the Survey, against R's survey 4.1-1.

Domain intervals (each group on its own degrees of freedom, as ``svyby`` and
``subset``), every ``svyquantile`` rule and interval, counts and shares of
categories, weighted crosstabs with their Rao-Scott tests, lonely PSUs in domains
as a Survey option, and label columns. Reference values and helpers: see
``test_r_conventions.py``. Tolerance 1e-6 relative.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import trustsurvey as ts
from trustsurvey.errors import EstimationError
from trustsurvey.labels import code_text
from trustsurvey.questionnaire.model import bundled

from test_r_conventions import RTOL, case, close, data_of, design_kwargs, outcome, params, survey_of


def _with_top(s: ts.Survey, variable: str) -> tuple[ts.Survey, str, str]:
    """The R script's indicator as a 0/1 column (NA kept) and the level of the share to read."""
    if variable == "trust_kp":
        return s.with_columns({"top": outcome(s.data, "trust_kp")}), "top", "1"
    return s, variable, "Yes"


def _nan_close(got, expected, what):
    got = np.asarray(got, float)
    expected = np.array([np.nan if e is None else e for e in np.atleast_1d(expected)], dtype=float)
    np.testing.assert_array_equal(np.isnan(got), np.isnan(expected), err_msg=f"{what}: NaN where R has NA")
    close(got[~np.isnan(got)], expected[~np.isnan(expected)], what)


# --------------------------------------------------------------------------- domain intervals


@pytest.mark.parametrize("c", params("ciprop_by"))
def test_proportion_by_is_svyby_svyciprop(c):
    """s.proportion(..., by=) gives R's svyby(~I(...), ~by, design, svyciprop, method=m) in every group."""
    a, r = c["args"], c["result"]
    s, var, level = _with_top(survey_of(c["design"]), a["variable"])
    frame = s.proportion(var, by=a["by"], ci_method=a["method"]).to_frame()
    frame = frame[frame["level"] == level]
    assert [str(g) for g in frame[a["by"]]] == r["groups"]
    for col in ("estimate", "se", "ci_low", "ci_high", "df"):
        close(frame[col], r[col], f"{c['id']} {col}")


@pytest.mark.parametrize("method", ["logit", "likelihood", "beta", "asin", "mean", "xlogit"])
def test_breakdown_intervals_are_svyby_svyciprop(method):
    """The report's table: each region's top-2 share on the region's own degrees of freedom."""
    r = case(f"kp_ciprop_{method}_trust_kp_by_region")["result"]
    t = ts.breakdown(ts.datasets.load_example(2025, raw=False), items=["trust_kp"], by=["region"],
                     metrics=["top2"], ci_method=method, min_base=0, low_base=0)
    t = t[t["by"] == "region"]
    assert t["group"].tolist() == r["groups"]
    for col in ("estimate", "se", "ci_low", "ci_high"):
        close(t[col], r[col], f"{method} {col}")


@pytest.mark.parametrize("c", params("subset_intervals"))
def test_subset_intervals(c):
    a, r = c["args"], c["result"]
    s, var, level = _with_top(survey_of(c["design"]), a["variable"])
    dom = s.subset(a["subset"])
    assert dom.degf == r["df"]
    for method in ("logit", "likelihood", "asin", "beta", "mean", "xlogit"):
        frame = dom.proportion(var, ci_method=method).to_frame()
        row = frame[frame["level"] == level]
        for col in ("estimate", "se", "ci_low", "ci_high"):
            close(row[col], r[method][col], f"{method} {col}")
    m = dom.mean(a["mean_variable"]).to_frame()
    for col in ("estimate", "se", "ci_low", "ci_high"):
        close(m[col], r["svymean"][col], f"svymean {col}")


@pytest.mark.parametrize("c", params("mean_by_domain_df"))
def test_mean_by_uses_each_domains_df(c):
    a, r = c["args"], c["result"]
    frame = survey_of(c["design"]).mean(a["variable"], by=a["by"]).to_frame()
    assert [str(g) for g in frame[a["by"]]] == r["groups"]
    for col in ("estimate", "se", "ci_low", "ci_high", "df"):
        close(frame[col], r[col], f"{c['id']} {col}")


@pytest.mark.parametrize("call", ["mean", "total", "proportion"])
def test_a_domain_is_the_same_by_subset_and_by_group(call):
    """Issue 14's criterion: a domain's interval is the same by subset() and by by=."""
    s = ts.datasets.load_example(2025, raw=False)
    kw = {"ci_method": "beta"} if call == "proportion" else {}
    by = getattr(s, call)("trust_kp", by="region", **kw).to_frame()
    for region in (1, 6):
        one = getattr(s.subset(f"region == {region}"), call)("trust_kp", **kw).to_frame()
        part = by[by["region"] == region]
        for col in ("estimate", "se", "ci_low", "ci_high", "df"):
            np.testing.assert_allclose(part[col].to_numpy(float), one[col].to_numpy(float), rtol=1e-12,
                                       err_msg=f"{call} region {region} {col}")


def test_confint_at_another_level_keeps_each_domains_method():
    s = survey_of("kp").with_columns({"top": outcome(data_of("kp"), "trust_kp")})
    for method in ("likelihood", "beta"):
        est = s.proportion("top", by="region", ci_method=method)
        again = s.proportion("top", by="region", ci_method=method, conf_level=0.9).to_frame()
        ci = est.confint(0.9)
        np.testing.assert_allclose(ci["ci_low"], again["ci_low"], rtol=1e-12)
        np.testing.assert_allclose(ci["ci_high"], again["ci_high"], rtol=1e-12)


# --------------------------------------------------------------------------- quantiles


def _quantile_survey(c) -> ts.Survey:
    rep = c["args"].get("replicate")
    s = survey_of(c["design"])
    return s.to_replicate(rep) if rep else s


@pytest.mark.parametrize("c", [p for p in params("quantile") if "error" not in p.values[0]["result"]])
def test_svyquantile(c):
    a, r = c["args"], c["result"]
    s = _quantile_survey(c)
    kw = {} if "interval_type" not in a else {"interval_type": a["interval_type"]}
    frame = s.quantile(a["variable"], a["probs"], qrule=a["qrule"], **kw).to_frame()
    close(frame["estimate"], r["estimate"], "quantile")
    if a.get("replicate") and a["interval_type"] in ("beta", "xlogit", "asin"):
        # R's svyquantile for replicate designs calls woodruffCI without the interval type: R's
        # numbers are its "mean" interval (checked here); trustsurvey does what was asked
        mean = case(c["id"].rsplit("_", 1)[0] + "_mean")["result"]
        assert r["ci_low"] == mean["ci_low"] and r["ci_high"] == mean["ci_high"]
        ours_mean = s.quantile(a["variable"], a["probs"], qrule=a["qrule"]).to_frame()
        same = [np.allclose(frame[e], ours_mean[e], equal_nan=True) for e in ("ci_low", "ci_high")]
        assert not all(same) or a["qrule"] == "shahvaish"  # a step rule can read both at the same values
        return
    if "ci_low" in r:
        _nan_close(frame["ci_low"], r["ci_low"], "ci_low")
        _nan_close(frame["ci_high"], r["ci_high"], "ci_high")
        _nan_close(frame["se"], r["se"], "se")
        assert (frame["df"] == r["df"]).all()


@pytest.mark.parametrize("c", params("quantile_by"))
def test_svyquantile_by_group(c):
    a, r = c["args"], c["result"]
    frame = survey_of(c["design"]).quantile(a["variable"], a["probs"], by=a["by"], qrule=a["qrule"]).to_frame()
    assert frame[a["by"]].tolist() == r["groups"]
    for col in ("estimate", "se", "ci_low", "ci_high"):
        _nan_close(frame[col], r[col], col)


def test_quantile_options_are_checked():
    s = survey_of("clus1")
    with pytest.raises(EstimationError, match="qrule='hf10'.*math, school, shahvaish, hf1"):
        s.quantile("api00", 0.5, qrule="hf10")
    with pytest.raises(EstimationError, match="needs replicate weights"):
        s.quantile("api00", 0.5, interval_type="quantile")
    with pytest.raises(EstimationError, match="linearisation designs"):
        s.to_replicate("jk1").quantile("api00", 0.5, interval_type="score")
    hf7 = s.quantile("api00", 0.5, qrule="hyndman7").to_frame()["estimate"]
    assert float(hf7.iloc[0]) == float(s.quantile("api00", 0.5, qrule="hf7").to_frame()["estimate"].iloc[0])


# --------------------------------------------------------------------------- categories: counts and shares


def _categorical_survey(design: str, variable: str) -> ts.Survey:
    """The categories as R's factor(): text columns as they are; the example's codes known from its
    questionnaire (no pandas Categorical needed)."""
    if design == "kp":
        return ts.Survey(data_of("kp"), **design_kwargs("kp"), questionnaire=bundled())
    return survey_of(design)


@pytest.mark.parametrize("c", params("categorical"))
def test_counts_and_shares_of_categories(c):
    """svytotal(~factor(x)) and svymean(~factor(x)): every category's weighted count and share."""
    a, r = c["args"], c["result"]
    s = _categorical_survey(c["design"], a["variable"])
    tot = s.total(a["variable"]).to_frame()
    assert tot["level"].tolist() == r["levels"]
    share = s.mean(a["variable"]) if c["design"] != "kp" else s.proportion(a["variable"], ci_method="mean")
    share = share.to_frame()
    for frame, res, what in ((tot, r["total"], "count"), (share, r["share"], "share")):
        for col in ("estimate", "ci_low", "ci_high"):
            close(frame[col], res[col], f"{what} {col}")
        # apistrat's strata are its school types: their shares are known (R: SE 0, deff NaN or 0)
        np.testing.assert_allclose(frame["se"], res["se"], rtol=RTOL, atol=1e-9 * frame["estimate"].abs().max(),
                                   err_msg=f"{what} se differs from R")
        if not np.allclose(res["se"], 0):
            _nan_close(frame["deff"], res["deff"], f"{what} deff")
    assert (tot["df"] == r["df"]).all()
    assert (tot["n_unweighted"] == sum(r["n_unweighted"])).all()  # the base: respondents with an answer


def test_categorical_as_pandas_categorical():
    """A pandas Categorical of numeric codes is a factor too (no questionnaire)."""
    r = case("kp_categorical_region")["result"]
    s = survey_of("kp")
    s = s.with_columns({"region": pd.Categorical(s.data["region"])})
    close(s.total("region").to_frame()["estimate"], r["total"]["estimate"], "count")
    assert len(survey_of("kp").total("region").to_frame()) == 1  # plain numbers: their total


@pytest.mark.parametrize("c", params("svytable"))
def test_svytable_is_the_weighted_count(c):
    a, r = c["args"], c["result"]
    s = _categorical_survey(c["design"], a["row"])
    expected = np.asarray(r["table"], float)
    if a.get("col") is None:
        got = s.total(a["row"]).to_frame()["estimate"].to_numpy()
        close(got, expected.ravel(), "svytable")
    else:
        t = s.crosstab(a["row"], a["col"]).to_frame()
        wide = t.pivot(index=a["row"], columns=a["col"], values="count")
        close(wide.to_numpy(), expected, "svytable")


# --------------------------------------------------------------------------- crosstabs


def _crosstab_survey(design: str, row: str) -> ts.Survey:
    return _categorical_survey(design, row)


@pytest.mark.parametrize("c", params("crosstab"))
def test_crosstab(c):
    a, r = c["args"], c["result"]
    s = _crosstab_survey(c["design"], a["row"])
    nr, nc = len(r["rows"]), len(r["cols"])
    # R orders cells with the row level varying fastest; ours: row-major (row slowest)
    to_ours = np.arange(nr * nc).reshape(nc, nr).T.ravel()
    for percent, key in (("cell", "cell_share"), ("row", "row_share"), ("col", "col_share")):
        ct = s.crosstab(a["row"], a["col"], percent=percent)
        t = ct.to_frame()
        assert [code_text(v) for v in t[a["row"]].unique()] == r["rows"]
        assert [code_text(v) for v in t[a["col"]].unique()] == r["cols"]
        close(t["count"], np.asarray(r["cell_count"]["estimate"])[to_ours], "count")
        close(t["count_se"], np.asarray(r["cell_count"]["se"])[to_ours], "count se")
        if percent == "row":  # R: svyby(~col, ~row): for each column level, every row level
            order = to_ours
            dfs = np.repeat(r["row_share"]["domain_df"], nc)
        elif percent == "col":  # R: svyby(~row, ~col): for each row level, every column level
            order = np.arange(nr * nc)
            dfs = np.tile(r["col_share"]["domain_df"], nr)
        else:
            order, dfs = to_ours, np.full(nr * nc, r["df"])
        close(t["estimate"], np.asarray(r[key]["estimate"])[order], f"{percent} share")
        close(t["se"], np.asarray(r[key]["se"])[order], f"{percent} share se")
        close(t["df"], dfs, f"{percent} df")
        for st in ("F", "Chisq"):
            test = s.crosstab(a["row"], a["col"], percent=percent, statistic=st).test
            close(test.statistic, r[f"chisq_{st}"]["statistic"], f"svychisq {st}")
            close(test.p_value, r[f"chisq_{st}"]["p_value"], f"svychisq {st} p")
    wide = s.crosstab(a["row"], a["col"], percent="cell").to_banner(labels=False)
    np.testing.assert_allclose(wide.loc["All", "All"], 100.0, rtol=1e-12)


def test_crosstab_banner_and_labels():
    s = ts.datasets.load_example(2025, raw=False)
    ct = s.crosstab("trust_kp", "gender")
    t = ct.to_frame()
    assert list(t.columns[:4]) == ["trust_kp", "trust_kp_label", "gender", "gender_label"]
    banner = ct.to_banner()
    q = s.questionnaire
    assert list(banner.columns) == [q.value_label("gender", 1), q.value_label("gender", 2)]
    np.testing.assert_allclose(banner.drop(index="n").sum(axis=0), 100.0, rtol=1e-12)
    assert banner.loc["n"].tolist() == t.groupby("gender")["n_unweighted"].first().tolist()
    with pytest.raises(EstimationError, match="percent='rows'"):
        s.crosstab("trust_kp", "gender", percent="rows")


# --------------------------------------------------------------------------- lonely PSUs as a Survey option


def test_survey_adjust_domain_lonely():
    r = case("kp_lonely_domain_municipality_104")["result"]
    s = survey_of("kp", lonely_psu="adjust", adjust_domain_lonely=True).subset("municipality == 104")
    close(s.mean("age").to_frame()["se"], r["adjust_domain"]["se_mean"], "se")
    plain = survey_of("kp", lonely_psu="adjust").subset("municipality == 104")
    close(plain.mean("age").to_frame()["se"], r["adjust"]["se_mean"], "se")


# --------------------------------------------------------------------------- labels


def test_label_columns_with_a_questionnaire():
    s = ts.datasets.load_example(2025, raw=False)
    q = s.questionnaire
    t = s.proportion("trust_kp", by="region").to_frame()
    assert list(t.columns[:6]) == ["region", "region_label", "variable", "variable_label", "level", "level_label"]
    assert t["region_label"].iloc[0] == q.value_label("region", 1)
    assert t["variable_label"].iloc[0] == q.label("trust_kp")
    assert t["level_label"].iloc[0] == q.value_label("trust_kp", 1)
    sq = s.mean("trust_kp", lang="sq").to_frame()
    assert sq["variable_label"].iloc[0] == q.label("trust_kp", "sq") and sq["level_label"].iloc[0] == ""
    assert "variable_label" not in survey_of("clus1").mean("api00").to_frame().columns


@pytest.mark.parametrize("c", params("quantile_ties"))
def test_quantile_rules_at_ties(c):
    """Where p * total equals a cumulative weight up to rounding, R's sums (in extended precision)
    decide which side the rules read; trustsurvey sums the same way."""
    from trustsurvey.quantiles import weighted_quantile

    a, r = c["args"], c["result"]
    x = np.asarray(a["x"], float)
    w = np.full(x.size, a["weight"])
    probs = np.arange(1, 6) / 6  # R's (1:5)/6 to the last bit (the JSON keeps 15 digits)
    np.testing.assert_allclose(probs, a["probs"], rtol=1e-14)
    for rule in ("math", "school", "hf4"):
        close(weighted_quantile(x, w, probs, rule), r[rule], f"{rule} at ties")
