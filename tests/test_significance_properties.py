"""Properties of the significance layer: nominal error rates, multiplicity, cross-route identities.

- Under no real difference (group labels permuted at random, or whole PSUs
  labelled at random), design-based tests reject at about the nominal 5%.
- Adjusted p-values are never below the raw ones and equal statsmodels' values.
- The same quantity computed two ways agrees: a two-group pairwise comparison and
  the t-test; group-vs-rest with two groups and the pairwise difference; the
  k-group Wald test and the Wald test of the regression's group coefficients;
  a regression on one categorical term and the group means; change() and the two
  waves' estimates; Cramér's V and scipy's on an unweighted sample; weighted and
  unweighted alpha under equal weights; replicate and linearised SEs.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from statsmodels.stats.multitest import multipletests

import trustsurvey as ts
from trustsurvey.significance import (adjust_pvalues, change, chisq, cohens_h, compare_groups, cramers_v,
                                      cronbach_alpha, glm, group_vs_rest, trend_test, ttest, wald_groups)


def clustered(seed: int, n_strata: int = 4, psus: int = 10, size: int = 8, icc_sd: float = 1.0) -> pd.DataFrame:
    """A stratified cluster sample with a strongly clustered outcome and no group effect."""
    rng = np.random.default_rng(seed)
    n_psu = n_strata * psus
    psu = np.repeat(np.arange(n_psu), size)
    n = psu.size
    df = pd.DataFrame({"stratum": psu // psus, "psu": psu})
    df["w"] = rng.uniform(1, 4, n)
    df["y"] = rng.normal(0, icc_sd, n_psu)[psu] + rng.normal(0, 1, n)
    df["yes"] = (df["y"] + rng.normal(0, 1, n) > 0).astype(int)
    df["cat"] = pd.array(np.array(["a", "b", "c"], dtype=object)[
        np.digitize(df["y"] + rng.normal(0, 1, n), [-0.5, 0.5])], dtype="str")
    return df


# --------------------------------------------------------------------------- nominal rejection rates


def _rate(pvalues) -> float:
    return float(np.mean(np.asarray(pvalues) < 0.05))


def test_ttest_rejects_at_nominal_rate_under_permuted_labels():
    base = clustered(11)
    rng = np.random.default_rng(12)
    labels = {f"g{r}": rng.permutation(np.repeat(["m", "f"], len(base) // 2)) for r in range(400)}
    s = ts.Survey(base.assign(**labels), weights="w", strata="stratum", psu="psu")
    p = [ttest(s, "y", f"g{r}").p_value for r in range(400)]
    # 400 tests at 5%: a 99.9% binomial range is about 2% - 9%
    assert 0.02 <= _rate(p) <= 0.09


def test_design_based_tests_hold_their_level_when_whole_psus_are_labelled():
    """Labels constant within PSUs: naive tests would over-reject badly, design-based ones do not."""
    base = clustered(21, icc_sd=1.5)
    rng = np.random.default_rng(22)
    n_psu = base["psu"].max() + 1
    labels = {}
    for r in range(300):
        per_psu = np.empty(n_psu, dtype=object)
        for h in range(4):  # half the PSUs of each stratum
            ids = np.arange(h * 10, h * 10 + 10)
            per_psu[ids] = rng.permutation(np.repeat(["m", "f"], 5))
        labels[f"g{r}"] = per_psu[base["psu"]]
    s = ts.Survey(base.assign(**labels), weights="w", strata="stratum", psu="psu")
    p_design = [ttest(s, "y", f"g{r}").p_value for r in range(300)]
    p_naive = [stats.ttest_ind(base["y"][labels[f"g{r}"] == "m"], base["y"][labels[f"g{r}"] == "f"]).pvalue
               for r in range(300)]
    assert 0.015 <= _rate(p_design) <= 0.10
    assert _rate(p_naive) > 0.25  # the clustering is real: ignoring it is badly anti-conservative
    p_chisq = [chisq(s, "yes", f"g{r}").p_value for r in range(0, 300, 2)]
    assert 0.01 <= _rate(p_chisq) <= 0.11


def test_group_vs_rest_and_pairwise_hold_their_level():
    base = clustered(31)
    rng = np.random.default_rng(32)
    labels = {f"g{r}": rng.choice(np.array(["a", "b", "c", "d"], dtype=object), len(base)) for r in range(100)}
    s = ts.Survey(base.assign(**labels), weights="w", strata="stratum", psu="psu")
    by = list(labels)
    rest = group_vs_rest(s, ["y", "yes"], by)
    pairs = compare_groups(s, ["y", "yes"], by)
    assert 0.02 <= _rate(rest["p_value"]) <= 0.09
    assert 0.02 <= _rate(pairs["p_value"]) <= 0.09
    # familywise: Holm-adjusted p below 5% in at most about 5% of the families
    fam = pairs.groupby(["by", "variable"])["p_adj"].min()
    assert _rate(fam) <= 0.10
    w = wald_groups(s, "y", by).to_frame()
    assert 0.0 <= _rate(w["p_value"]) <= 0.12


# --------------------------------------------------------------------------- multiplicity

p_lists = st.lists(st.floats(min_value=0.0, max_value=1.0, allow_nan=False), min_size=1, max_size=30)
methods = st.sampled_from(["holm", "bonferroni", "fdr_bh", "bh", "sidak", "holm-sidak", "hommel", "fdr_by"])


@pytest.mark.filterwarnings("ignore:divide by zero:RuntimeWarning")  # statsmodels' sidak at p = 1
@settings(max_examples=40, deadline=None)
@given(p=p_lists, method=methods, n_fam=st.integers(1, 4), seed=st.integers(0, 1000))
def test_adjusted_pvalues_never_below_raw(p, method, n_fam, seed):
    fam = np.random.default_rng(seed).integers(0, n_fam, len(p))
    adj = adjust_pvalues(p, method, by=fam)
    assert np.all(adj >= np.asarray(p) - 1e-15)
    assert np.all(adj <= 1.0 + 1e-15)


# statsmodels' multipletests runs the garbage collector on every call: keep these examples few
@settings(max_examples=25, deadline=None)
@given(p=p_lists, method=st.sampled_from(["holm", "bonferroni", "fdr_bh", "hommel"]))
def test_adjustment_equals_statsmodels(p, method):
    np.testing.assert_allclose(adjust_pvalues(p, method), multipletests(p, method=method)[1], rtol=1e-12,
                               atol=1e-15)


@settings(max_examples=6, deadline=None)
@given(p=p_lists, seed=st.integers(0, 1000))
def test_adjustment_within_families_equals_statsmodels_per_family(p, seed):
    fam = np.random.default_rng(seed).integers(0, 3, len(p))
    adj = adjust_pvalues(p, "holm", by=fam)
    pv = np.asarray(p)
    for f in np.unique(fam):
        np.testing.assert_allclose(adj[fam == f], multipletests(pv[fam == f], method="holm")[1], atol=1e-15)


def test_adjust_frame_and_nan():
    frame = pd.DataFrame({"item": ["a", "a", "b", "b"], "p_value": [0.01, 0.04, np.nan, 0.2]})
    out = adjust_pvalues(frame, "bonferroni", by=["item"])
    assert out["p_adj"].tolist()[:2] == [0.02, 0.08]
    assert np.isnan(out["p_adj"][2]) and out["p_adj"][3] == 0.2  # NaN: no test, not counted


# --------------------------------------------------------------------------- cross-route identities


@pytest.fixture(scope="module")
def sample():
    df = clustered(41)
    rng = np.random.default_rng(42)
    df["g2"] = rng.choice(np.array(["m", "f"], dtype=object), len(df))
    df["g3"] = rng.choice(np.array(["x", "y", "z"], dtype=object), len(df))
    df.loc[rng.random(len(df)) < 0.1, "y"] = np.nan
    return ts.Survey(df, weights="w", strata="stratum", psu="psu")


def test_pairwise_two_groups_equals_ttest(sample):
    t = ttest(sample, "y", "g2")
    row = compare_groups(sample, "y", "g2").iloc[0]
    assert (row["group"], row["reference"]) == ("m", "f") == (t.levels[1], t.levels[0])
    np.testing.assert_allclose([row["difference"], row["se"]], [t.estimate, t.se], rtol=1e-12)
    assert row["df"] == sample.degf and t.df == sample.degf - 1  # svycontrast vs svyttest conventions


def test_group_vs_rest_two_groups_is_the_pairwise_difference(sample):
    rest = group_vs_rest(sample, ["y", "cat"], "g2")
    pair = compare_groups(sample, ["y", "cat"], "g2")
    m = rest[rest["group"] == "m"].reset_index(drop=True)
    np.testing.assert_allclose(m["difference"], pair["difference"], rtol=1e-10)
    np.testing.assert_allclose(m["se"], pair["se"], rtol=1e-10)
    np.testing.assert_allclose(rest["p_adj"], rest["p_value"])  # two groups: one test, no multiplicity


def test_group_vs_rest_matches_ttest_on_indicator(sample):
    """Group x against the rest is svyttest(y ~ I(g3 == "x")) (same difference and SE)."""
    rest = group_vs_rest(sample, "y", "g3")
    d = sample.data
    s2 = sample.with_columns({"is_x": np.where(d["g3"] == "x", "x", "rest")})
    t = ttest(s2, "y", "is_x", levels=("rest", "x"))
    row = rest[rest["group"] == "x"].iloc[0]
    np.testing.assert_allclose([row["difference"], row["se"]], [t.estimate, t.se], rtol=1e-10)


def test_wald_groups_equals_regression_wald(sample):
    w = wald_groups(sample, "y", "g3")
    m = glm(sample, "y ~ C(g3)")
    b, V = m.coef[1:], m.vcov_matrix[1:, 1:]
    np.testing.assert_allclose(w.statistic, b @ np.linalg.solve(V, b) / 2, rtol=1e-10)
    assert (w.ndf, w.ddf) == (2.0, m.df)  # regTermTest's denominator df = df.residual


def test_regression_on_groups_reproduces_group_means(sample):
    m = glm(sample, "y ~ C(g3)")
    means = sample.mean("y", by="g3").to_frame()
    est = means["estimate"].to_numpy()
    np.testing.assert_allclose(m.coef, [est[0], est[1] - est[0], est[2] - est[0]], rtol=1e-10)


def test_logistic_intercept_only_is_the_logit_of_the_share(sample):
    m = glm(sample, "yes ~ 1", family="binomial")
    p = sample.mean("yes").to_frame()
    np.testing.assert_allclose(1 / (1 + np.exp(-m.coef[0])), p["estimate"][0], rtol=1e-9)
    # delta method: se(logit p) = se(p) / (p (1 - p))
    pe, se = p["estimate"][0], p["se"][0]
    np.testing.assert_allclose(m.se.iloc[0], se / (pe * (1 - pe)), rtol=1e-6)


def test_domain_is_respected(sample):
    d = sample.data
    dom = sample.subset(d["stratum"].to_numpy() < 3)
    t = ttest(dom, "y", "g2")
    g2 = d["g2"].to_numpy(object)
    est = [dom.subset(g2 == g).mean("y").to_frame()["estimate"][0] for g in ("f", "m")]
    np.testing.assert_allclose(t.estimate, est[1] - est[0], rtol=1e-12)
    rest = group_vs_rest(dom, "y", "g2")
    np.testing.assert_allclose(rest["estimate"], est, rtol=1e-12)
    np.testing.assert_allclose(rest["se"].iloc[1], t.se, rtol=1e-10)
    m = glm(dom, "y ~ C(g2)")
    np.testing.assert_allclose(m.coef[1], t.estimate, rtol=1e-10)  # C(g2)[T.m]: m minus f
    np.testing.assert_allclose(m.se.iloc[1], t.se, rtol=1e-10)
    assert m.n == int((d["stratum"] < 3).sum() - d.loc[d["stratum"] < 3, "y"].isna().sum())


def test_replicate_designs_agree_with_linearisation(sample):
    rep = sample.to_replicate("jkn")
    t_lin, t_rep = ttest(sample, "y", "g2"), ttest(rep, "y", "g2")
    np.testing.assert_allclose(t_rep.estimate, t_lin.estimate, rtol=1e-12)
    assert abs(t_rep.se / t_lin.se - 1) < 0.05
    m_lin, m_rep = glm(sample, "yes ~ y + C(g3)", family="binomial"), glm(rep, "yes ~ y + C(g3)",
                                                                          family="binomial")
    np.testing.assert_allclose(m_rep.coef, m_lin.coef, rtol=1e-12)
    np.testing.assert_allclose(m_rep.se, m_lin.se, rtol=0.1)
    c_lin, c_rep = chisq(sample, "cat", "g3"), chisq(rep, "cat", "g3")
    assert abs(c_rep.statistic / c_lin.statistic - 1) < 0.1


def test_ordinal_replicate_and_linearised_agree(sample):
    d = sample.data
    s = sample.with_columns({"ord": pd.Categorical(d["cat"].to_numpy(object), categories=["a", "b", "c"],
                                                   ordered=True)})
    lin = glm(s, "ord ~ y + C(g2)", family="ordinal")
    rep = glm(s.to_replicate("jkn"), "ord ~ y + C(g2)", family="ordinal")
    np.testing.assert_allclose(rep.coef, lin.coef, rtol=1e-12)
    np.testing.assert_allclose(rep.se, lin.se, rtol=0.15)
    assert lin.terms[-2:] == ("a|b", "b|c") and lin.coef[0] > 0  # y pushes towards higher categories


def test_change_combines_two_independent_waves(sample):
    later = ts.Survey(clustered(43).assign(g2=lambda f: np.where(f["psu"] % 2 == 0, "m", "f")),
                      weights="w", strata="stratum", psu="psu")
    c = change(sample, later, "y", by="g2")
    a = sample.mean("y", by="g2").to_frame()
    b = later.mean("y", by="g2").to_frame()
    frame = c.to_frame()
    assert frame["g2"].tolist() == ["f", "m"]
    np.testing.assert_allclose(frame["estimate"], b["estimate"] - a["estimate"], rtol=1e-12)
    np.testing.assert_allclose(frame["se"], np.hypot(a["se"], b["se"]), rtol=1e-12)
    np.testing.assert_allclose(frame["df"], sample.degf + later.degf)
    assert (frame["p_adj"] >= frame["p_value"]).all()
    one = change(sample, later, "cat", level="a")
    assert one.level == "a" and np.isscalar(one.p_value)


def test_trend_of_a_straight_line_is_its_slope():
    waves = {}
    for i, year in enumerate([2021, 2022, 2024]):
        df = clustered(50 + i)
        df["y"] = df["y"] - df["y"].mean() + 0.25 * i * (1 if year < 2024 else 1.5)  # +0.25 per year
        waves[year] = ts.Survey(df, weights="w", strata="stratum", psu="psu")
    means = np.array([waves[y].mean("y").to_frame()["estimate"][0] for y in sorted(waves)])
    r_ols = trend_test(waves, "y", method="ols")
    np.testing.assert_allclose(r_ols.estimate, np.polyfit([2021, 2022, 2024], means, 1)[0], rtol=1e-10)
    r_wls = trend_test(waves, "y")
    assert r_wls.n_waves == 3 and r_wls.df == sum(w.degf for w in waves.values())


def test_cramers_v_equals_scipy_on_an_equal_weight_sample(sample):
    d = sample.data
    s = ts.Survey(d.assign(one=1.0), weights="one", strata="stratum", psu="psu")
    counts = pd.crosstab(d["cat"], d["g3"]).to_numpy()
    assert cramers_v(s, "cat", "g3") == pytest.approx(stats.contingency.association(counts, method="cramer"),
                                                        rel=1e-10)
    r = chisq(sample, "cat", "g3", statistic="Chisq")
    assert 0 <= cramers_v(sample, "cat", "g3", adjusted=True) <= 1
    assert cramers_v(r) == pytest.approx(cramers_v(sample, "cat", "g3"), rel=1e-12)


@settings(max_examples=30, deadline=None)
@given(p1=st.floats(0, 1), p2=st.floats(0, 1))
def test_cohens_h_is_antisymmetric(p1, p2):
    assert cohens_h(p1, p2) == pytest.approx(-cohens_h(p2, p1), abs=1e-12)
    assert cohens_h(p1, p1) == 0
    assert abs(cohens_h(p1, p2)) <= np.pi + 1e-12


def test_weighted_alpha_equals_unweighted_under_equal_weights():
    rng = np.random.default_rng(60)
    f = rng.normal(size=200)
    df = pd.DataFrame({f"q{i}": np.round(f + rng.normal(size=200)) for i in range(4)})
    df.loc[3, "q1"] = np.nan
    r = cronbach_alpha(ts.Survey(df), ["q0", "q1", "q2", "q3"], name="idx")
    assert r.alpha == pytest.approx(r.alpha_weighted, rel=1e-10)
    assert r.n == 199 and r.ci_low < r.alpha < r.ci_high
    assert r.to_frame().columns.tolist() == ["index", "n_items", "n_unweighted", "alpha", "ci_low",
                                             "ci_high", "alpha_weighted"]


@settings(max_examples=8, deadline=None)
@given(seed=st.integers(0, 10_000), scale=st.floats(0.01, 100))
def test_tests_are_symmetric_and_ignore_the_scale_of_the_weights(seed, scale):
    df = clustered(seed, n_strata=2, psus=6, size=5)
    df["g3"] = np.random.default_rng(seed).choice(np.array(["x", "y", "z"], dtype=object), len(df))
    s = ts.Survey(df, weights="w", strata="stratum", psu="psu")
    s2 = ts.Survey(df.assign(w=df["w"] * scale), weights="w", strata="stratum", psu="psu")
    for stat in ("F", "Chisq", "Wald"):
        a, b, c = chisq(s, "cat", "g3", statistic=stat), chisq(s, "g3", "cat", statistic=stat), \
            chisq(s2, "cat", "g3", statistic=stat)
        np.testing.assert_allclose([b.statistic, c.statistic], a.statistic, rtol=1e-9)
        np.testing.assert_allclose([b.p_value, c.p_value], a.p_value, rtol=1e-9, atol=1e-14)
    m, m2 = glm(s, "yes ~ y + C(g3)", family="binomial"), glm(s2, "yes ~ y + C(g3)", family="binomial")
    np.testing.assert_allclose(m2.coef, m.coef, rtol=1e-7)
    np.testing.assert_allclose(m2.se, m.se, rtol=1e-7)
