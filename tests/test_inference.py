"""The one inference core: t intervals and tests, and proportion intervals.

Outside oracles: scipy's t distribution; statsmodels' ``proportion_confint``
(Clopper-Pearson, Wilson, normal) for simple random samples, where a design's
effective sample size equals ``n``. R's svyciprop values for complex designs are
checked in test_estimation_reference.py.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from statsmodels.stats.proportion import proportion_confint

from trustsurvey.errors import EstimationError
from trustsurvey.inference import (ALTERNATIVES, CI_METHODS, proportion_interval, t_critical, t_interval,
                                   t_test)


# --------------------------------------------------------------------------- t


@pytest.mark.parametrize("df", [1, 5, 31, 197, 1e6])
@pytest.mark.parametrize("level", [0.8, 0.9, 0.95, 0.99])
def test_t_critical_matches_scipy(level, df):
    assert float(t_critical(level, df)) == pytest.approx(stats.t.ppf(0.5 + level / 2, df), rel=1e-12)


@pytest.mark.parametrize("df", [np.inf, None])
def test_t_critical_infinite_df_is_normal(df):
    assert float(t_critical(0.95, df)) == pytest.approx(stats.norm.ppf(0.975), rel=1e-12)


def test_t_critical_zero_df_is_nan():
    """A domain with no degrees of freedom has no interval (not a normal one)."""
    assert np.isnan(t_critical(0.95, 0))
    lo, hi = t_interval(1.0, 0.1, 0)
    assert np.isnan(lo) and np.isnan(hi)


@pytest.mark.parametrize("level", [0.0, 1.0, -0.5, 95])
def test_bad_level(level):
    with pytest.raises(EstimationError, match="confidence level"):
        t_critical(level, 10)


def test_t_interval_vectorised_and_symmetric():
    est = np.array([1.0, 2.0, 3.0])
    se = np.array([0.1, 0.2, 0.3])
    df = np.array([5, 10, np.inf])
    lo, hi = t_interval(est, se, df, 0.9)
    q = stats.t.ppf(0.95, df)
    np.testing.assert_allclose(lo, est - q * se, rtol=1e-12)
    np.testing.assert_allclose(hi, est + q * se, rtol=1e-12)


def test_t_interval_reproduces_r_confint(reference):
    """confint(svymean, df = degf) for clus1's api00 mean, from the reference file."""
    case = next(c for c in reference["cases"] if c["id"] == "clus1_mean_api00")["result"]
    lo, hi = t_interval(case["estimate"], case["se"], case["df"])
    assert float(lo) == pytest.approx(case["ci_low"], rel=1e-9)
    assert float(hi) == pytest.approx(case["ci_high"], rel=1e-9)


@settings(max_examples=50, deadline=None)
@given(t=st.floats(-6, 6), df=st.floats(1, 500), null=st.floats(-2, 2))
def test_t_test_alternatives(t, df, null):
    est, se = null + t * 0.7, 0.7
    stat, p2 = t_test(est, se, df, null=null)
    _, pl = t_test(est, se, df, null=null, alternative="less")
    _, pg = t_test(est, se, df, null=null, alternative="greater")
    assert float(stat) == pytest.approx(t, abs=1e-9)
    assert float(pl + pg) == pytest.approx(1.0, abs=1e-12)
    assert float(p2) == pytest.approx(2 * min(float(pl), float(pg)), rel=1e-9, abs=1e-300)
    assert float(pg) == pytest.approx(stats.t.sf(t, df), rel=1e-6, abs=1e-12)


def test_t_test_matches_scipy_one_sample():
    x = np.array([2.1, 3.4, 1.9, 5.6, 4.4, 3.3, 2.8])
    se = x.std(ddof=1) / np.sqrt(x.size)
    ours = t_test(x.mean(), se, x.size - 1, null=3.0)
    ref = stats.ttest_1samp(x, 3.0)
    assert float(ours[0]) == pytest.approx(ref.statistic, rel=1e-12)
    assert float(ours[1]) == pytest.approx(ref.pvalue, rel=1e-10)


def test_t_test_interval_duality():
    """The null at an interval's end has two-sided p-value 1 - level."""
    lo, hi = t_interval(5.0, 1.3, 12, 0.9)
    for end in (lo, hi):
        assert float(t_test(5.0, 1.3, 12, null=float(end))[1]) == pytest.approx(0.1, rel=1e-9)


def test_unknown_alternative():
    with pytest.raises(EstimationError, match=r"alternative='two_sided'.*two-sided, less, greater"):
        t_test(1.0, 1.0, 10, alternative="two_sided")
    assert ALTERNATIVES == ("two-sided", "less", "greater")


# --------------------------------------------------------------------------- proportions: outside oracles


def srs_se(p, n):
    return np.sqrt(p * (1 - p) / n)


@pytest.mark.parametrize("k, n", [(1, 10), (7, 40), (20, 50), (95, 100), (333, 1000)])
def test_beta_on_srs_is_clopper_pearson(k, n):
    """Korn-Graubard with n_eff = n and df = n - 1 reduces to the exact interval."""
    p = k / n
    lo, hi = proportion_interval(p, srs_se(p, n), n - 1, n, "beta")
    ref = proportion_confint(k, n, alpha=0.05, method="beta")
    np.testing.assert_allclose([lo, hi], ref, rtol=1e-9)


@pytest.mark.parametrize("k, n", [(1, 10), (7, 40), (20, 50), (95, 100)])
def test_wilson_on_srs_with_infinite_df(k, n):
    p = k / n
    lo, hi = proportion_interval(p, srs_se(p, n), np.inf, n, "wilson")
    np.testing.assert_allclose([lo, hi], proportion_confint(k, n, alpha=0.05, method="wilson"), rtol=1e-9)


@pytest.mark.parametrize("k, n", [(7, 40), (20, 50)])
def test_mean_method_is_wald(k, n):
    p = k / n
    lo, hi = proportion_interval(p, srs_se(p, n), np.inf, n, "mean")
    np.testing.assert_allclose([lo, hi], proportion_confint(k, n, alpha=0.05, method="normal"), rtol=1e-9)


def test_logit_and_asin_formulas():
    p, se, df = 0.2, 0.03, 20
    q = stats.t.ppf(0.975, df)
    lo, hi = proportion_interval(p, se, df, 100, "logit")
    eta, s = np.log(p / (1 - p)), se / (p * (1 - p))
    np.testing.assert_allclose([lo, hi], 1 / (1 + np.exp(-np.array([eta - q * s, eta + q * s]))), rtol=1e-12)
    lo, hi = proportion_interval(p, se, df, 100, "asin")
    a, s = np.arcsin(np.sqrt(p)), se / (2 * np.sqrt(p * (1 - p)))
    np.testing.assert_allclose([lo, hi], np.sin([a - q * s, a + q * s]) ** 2, rtol=1e-12)
    np.testing.assert_allclose(proportion_interval(p, se, df, 100, "xlogit"),
                               proportion_interval(p, se, df, 100, "logit"), rtol=1e-12)


@pytest.mark.parametrize("method", CI_METHODS)
@pytest.mark.parametrize("p", [0.0, 1.0])
def test_degenerate_share_falls_back_to_clopper_pearson(method, p):
    n = 25
    lo, hi = proportion_interval(p, 0.0, 10, n, method)
    ref = proportion_confint(int(p * n), n, alpha=0.05, method="beta")
    np.testing.assert_allclose([lo, hi], ref, rtol=1e-9, atol=1e-15)


# --------------------------------------------------------------------------- proportions: properties


@settings(max_examples=60, deadline=None)
@given(p=st.floats(0.005, 0.995), rel_se=st.floats(0.05, 3.0), df=st.floats(2, 1000),
       n=st.integers(30, 5000), method=st.sampled_from(CI_METHODS))
def test_proportion_interval_properties(p, rel_se, df, n, method):
    se = rel_se * srs_se(p, n)  # a design effect between 0.0025 and 9
    lo90, hi90 = proportion_interval(p, se, df, n, method, 0.90)
    lo, hi = proportion_interval(p, se, df, n, method, 0.95)
    assert lo <= p <= hi
    assert lo <= lo90 <= hi90 <= hi
    assert hi - lo > hi90 - lo90
    if method != "mean":
        assert 0 <= lo and hi <= 1


def test_proportion_interval_vectorised():
    p = np.array([0.1, 0.5, 0.9])
    se = np.array([0.02, 0.05, 0.02])
    lo, hi = proportion_interval(p, se, 30, np.array([100, 100, 100]), "logit")
    assert lo.shape == hi.shape == (3,)
    # symmetric shares give mirrored intervals
    assert lo[0] == pytest.approx(1 - hi[2], rel=1e-12) and hi[0] == pytest.approx(1 - lo[2], rel=1e-12)
    assert lo[1] == pytest.approx(1 - hi[1], rel=1e-12)


def test_unknown_proportion_method():
    with pytest.raises(EstimationError, match=r"ci_method='exact'.*logit, beta, xlogit, mean, asin, wilson"):
        proportion_interval(0.5, 0.1, 10, 20, "exact")
