"""The distribution functions from scipy.special give what scipy.stats gives, bit for bit, edges included."""

from __future__ import annotations

import numpy as np
from hypothesis import given, strategies as st
from scipy import stats

from trustsurvey import distributions as d

prob = st.one_of(st.sampled_from([0.0, 1.0, 1e-300, 1 - 1e-16, 0.5, -0.1, 1.1, float("nan")]),
                 st.floats(0, 1))
dof = st.one_of(st.sampled_from([float("inf"), 0.0, -1.0, 1.0, 1e-3, 1e6, float("nan")]),
                st.floats(1e-2, 1e5))
stat = st.one_of(st.sampled_from([0.0, -1.0, float("inf"), -float("inf"), float("nan")]), st.floats(-50, 50))
shape = st.one_of(st.sampled_from([0.0, -1.0, 1e-3, float("nan")]), st.floats(1e-2, 5e3))


def same(ours, theirs):
    ours, theirs = np.asarray(ours), np.asarray(theirs)
    assert ours.shape == theirs.shape
    np.testing.assert_array_equal(ours, theirs)


@given(prob, dof)
def test_t_quantiles(q, df):
    same(d.t_ppf(q, df), stats.t.ppf(q, df))
    same(d.t_isf(q, df), stats.t.isf(q, df))


@given(stat, dof)
def test_t_tails(x, df):
    same(d.t_sf(x, df), stats.t.sf(x, df))
    same(d.t_cdf(x, df), stats.t.cdf(x, df))


@given(prob, stat)
def test_normal(q, x):
    same(d.norm_ppf(q), stats.norm.ppf(q))
    same(d.norm_isf(q), stats.norm.isf(q))
    same(d.norm_cdf(x), stats.norm.cdf(x))


@given(stat, dof, dof)
def test_f_and_chi2_tails(x, dfn, dfd):
    same(d.f_sf(x, dfn, dfd), stats.f.sf(x, dfn, dfd))
    same(d.chi2_sf(x, dfn), stats.chi2.sf(x, dfn))


@given(prob, shape, shape)
def test_beta_quantile(q, a, b):
    same(d.beta_ppf(q, a, b), stats.beta.ppf(q, a, b))


def test_arrays_broadcast_like_scipy_stats():
    q = np.array([[0.025], [0.5], [0.975]])
    df = np.array([1.0, 7.0, np.inf])
    same(d.t_ppf(q, df), stats.t.ppf(q, df))
    same(d.beta_ppf(q, df[:2] + 1, 3.0)[..., :2], stats.beta.ppf(q, df[:2] + 1, 3.0))
    assert isinstance(d.t_ppf(0.975, 3), np.floating)
