"""Replicate-weight designs: given replicate weights (R's svrepdesign) and built ones (as.svrepdesign).

For a total (a linear statistic) several replicate methods reproduce the
linearisation variance exactly, which the tests use as an oracle:

- JKn on any design without FPC (each stratum's replicates sum to zero
  deviation);
- BRR on a design with two PSUs per stratum (Hadamard columns are orthogonal
  and sum to zero);
- JK1 on an unstratified design (with the FPC factor ``1 - n/N`` when given);
- Fay's method with ``rho`` for totals equals BRR (the deviations shrink by
  ``1 - rho`` and the scale grows by ``1 / (1 - rho)^2``).

For means they agree closely; the bootstrap agrees up to its Monte Carlo error.
R reference values for replicate designs are in test_estimation_reference.py.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import trustsurvey as ts
from trustsurvey.design import PostStratStep
from trustsurvey.errors import DesignError
from trustsurvey.replicates import hadamard


def two_psu_sample(seed: int = 7, n_strata: int = 16, per_psu: tuple[int, int] = (5, 12)) -> pd.DataFrame:
    """A stratified sample with exactly two PSUs per stratum, a numeric y and a 0/1 item."""
    rng = np.random.default_rng(seed)
    rows = []
    for h in range(n_strata):
        for j in range(2):
            k = int(rng.integers(*per_psu))
            effect = rng.normal(0, 1)
            for _ in range(k):
                rows.append((h, 2 * h + j, rng.uniform(1, 4), 50 + 3 * h + 4 * effect + rng.normal(0, 5)))
    df = pd.DataFrame(rows, columns=["stratum", "psu", "w", "y"])
    df["yes"] = (df["y"] > df["y"].median()).astype(float)
    df["g"] = np.where(np.arange(len(df)) % 3 == 0, "a", "b")
    return df


@pytest.fixture(scope="module")
def two_psu():
    return ts.Survey(two_psu_sample(), weights="w", strata="stratum", psu="psu")


def se_of(s, call="total", var="y", **kw):
    return getattr(s, call)(var, **kw).to_frame()["se"].to_numpy()


# --------------------------------------------------------------------------- exact agreements for totals


@pytest.mark.parametrize("method", ["jkn", "brr"])
def test_total_equals_linearisation(two_psu, method):
    rep = two_psu.to_replicate(method)
    np.testing.assert_allclose(se_of(rep, var=["y", "yes"], by="g"),
                               se_of(two_psu, var=["y", "yes"], by="g"), rtol=1e-9)
    np.testing.assert_allclose(rep.total("y").estimates, two_psu.total("y").estimates, rtol=1e-12)


@pytest.mark.parametrize("fpc", [False, True])
def test_jk1_total_equals_linearisation_unstratified(survey, fpc):
    lin = survey("clus1" if fpc else "clus1_wr")
    rep = lin.to_replicate("jk1")
    np.testing.assert_allclose(se_of(rep, var=["enroll", "api00"]), se_of(lin, var=["enroll", "api00"]),
                               rtol=1e-9)


def test_jkn_total_equals_linearisation_nhanes(survey):
    lin = survey("nhanes")
    rep = lin.to_replicate("jkn")
    np.testing.assert_allclose(se_of(rep, var="zinc", by="region"), se_of(lin, var="zinc", by="region"),
                               rtol=1e-9)


# --------------------------------------------------------------------------- close agreements for means


@pytest.mark.parametrize("method, rtol", [("jkn", 0.01), ("brr", 0.08), ("jk1", 0.10), ("bootstrap", 0.15),
                                          ("subbootstrap", 0.15)])
def test_mean_se_close_to_linearisation(two_psu, method, rtol):
    kw = {"replicates": 400} if "bootstrap" in method else {}
    lin = two_psu
    if method == "jk1":  # JK1 is for unstratified designs: compare with the same PSUs unstratified
        lin = ts.Survey(two_psu.data, weights="w", psu="psu")
    rep = lin.to_replicate(method, **kw)
    lin_se = se_of(lin, "mean", ["y", "yes"], by="g")
    rep_se = se_of(rep, "mean", ["y", "yes"], by="g")
    np.testing.assert_allclose(rep_se, lin_se, rtol=rtol)
    np.testing.assert_allclose(rep.mean(["y", "yes"], by="g").estimates,
                               two_psu.mean(["y", "yes"], by="g").estimates, rtol=1e-12)


def test_replicate_domain_subset_equals_by(survey):
    rep = survey("clus1").to_replicate("jk1")
    by = rep.mean("api00", by="stype").to_frame().query("stype == 'M'")
    sub = rep.subset("stype == 'M'").mean("api00").to_frame()
    np.testing.assert_allclose(by["estimate"].to_numpy(), sub["estimate"].to_numpy(), rtol=1e-12)
    np.testing.assert_allclose(by["se"].to_numpy(), sub["se"].to_numpy(), rtol=1e-10)


# --------------------------------------------------------------------------- the replicate weights themselves


def test_jk1_weights(survey):
    lin = survey("clus1")
    d = lin.to_replicate("jk1").design
    w = lin.weights.to_numpy()
    psu = lin.data["dnum"].to_numpy()
    C = len(np.unique(psu))
    assert d.repweights.shape == (len(w), C)
    for r, p in enumerate(np.unique(psu)):
        col = d.repweights[:, r]
        np.testing.assert_allclose(col[psu == p], 0.0)
        np.testing.assert_allclose(col[psu != p], w[psu != p] * C / (C - 1))
    assert d.scale == pytest.approx((C - 1) / C * (1 - C / 757))  # with clus1's FPC
    assert d.degf == C - 1 == lin.degf


def test_jkn_weights_and_rscales(survey):
    lin = survey("nhanes")
    d = lin.to_replicate("jkn").design
    assert d.n_replicates == 62
    np.testing.assert_allclose(d.rscales, 0.5)
    assert d.scale == 1.0 and not d.mse
    # each replicate zeroes one PSU, doubles its stratum partner, leaves the rest
    ratio = d.repweights / lin.weights.to_numpy()[:, None]
    assert set(np.round(np.unique(ratio), 12)) == {0.0, 1.0, 2.0}
    assert ((ratio == 0).sum(axis=1) == 1).all()
    assert d.degf == lin.degf == 31


def test_brr_weights_are_balanced(two_psu):
    d = two_psu.to_replicate("brr").design
    H = 16
    R = d.n_replicates
    assert R == 32  # the smallest Sylvester Hadamard order above the number of strata
    mult = d.repweights / two_psu.weights.to_numpy()[:, None]
    assert set(np.unique(mult)) == {0.0, 2.0}
    psu = two_psu.data["psu"].to_numpy()
    per_psu = pd.DataFrame(mult).groupby(psu).first().to_numpy()  # (32 PSUs, R)
    # within a stratum exactly one of the two PSUs is in each half-sample
    np.testing.assert_array_equal(per_psu[0::2] + per_psu[1::2], 2.0)
    # each PSU is in half of the replicates, and the strata's patterns are orthogonal
    np.testing.assert_array_equal(per_psu.sum(axis=1), R)
    signs = per_psu[0::2] - 1.0  # +1 / -1 per stratum and replicate
    np.testing.assert_allclose(signs @ signs.T, R * np.eye(H))
    assert d.scale == pytest.approx(1 / R)
    assert d.degf == H == two_psu.degf


@pytest.mark.parametrize("size", [1, 2, 3, 5, 8, 31, 64])
def test_hadamard(size):
    h = hadamard(size)
    m = h.shape[0]
    assert m >= size and (m & (m - 1)) == 0 and m < 2 * max(size, 1)
    assert set(np.unique(h)) <= {-1, 1}
    np.testing.assert_array_equal(h @ h.T, m * np.eye(m))


@pytest.mark.parametrize("method", ["bootstrap", "subbootstrap"])
def test_bootstrap_is_seeded(survey, method):
    lin = survey("clus1")
    a = lin.to_replicate(method, replicates=50, seed=1).design.repweights
    b = lin.to_replicate(method, replicates=50, seed=1).design.repweights
    c = lin.to_replicate(method, replicates=50, seed=2).design.repweights
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    assert a.shape == (len(lin.data), 50)
    # Canty-Davison: 15 draws; Rao-Wu: 14 draws times 15 / 14; either way the 15 PSUs' multipliers sum to 15
    mult = a / lin.weights.to_numpy()[:, None]
    per_psu = pd.DataFrame(mult).groupby(lin.data["dnum"].to_numpy()).first().to_numpy()
    np.testing.assert_allclose(per_psu.sum(axis=0), 15.0)


def test_fay_totals_equal_brr(data):
    df = data("nhanes2brr.csv")
    rho = 0.3
    brr_cols = [f"brr_{i}" for i in range(1, 33)]
    fay = df[brr_cols].to_numpy() * (1 - rho) + rho * df["finalwgt"].to_numpy()[:, None]
    fay_df = df.drop(columns=brr_cols).join(pd.DataFrame(fay, columns=[f"fay_{i}" for i in range(1, 33)]))
    s_brr = ts.Survey(df, weights="finalwgt", replicate_weights="brr_*", replicate_method="brr", mse=True)
    s_fay = ts.Survey(fay_df, weights="finalwgt", replicate_weights="fay_*", replicate_method="fay",
                      fay_rho=rho, mse=True)
    assert s_fay.design.scale == pytest.approx(1 / (32 * (1 - rho) ** 2))
    np.testing.assert_allclose(se_of(s_fay, var=["height", "weight"]), se_of(s_brr, var=["height", "weight"]),
                               rtol=1e-9)
    np.testing.assert_allclose(se_of(s_fay, "mean", ["height", "weight"]),
                               se_of(s_brr, "mean", ["height", "weight"]), rtol=0.01)


def test_mse_false_centres_on_replicate_mean(survey, data):
    """mse=False (R's default) centres on the mean of the replicates: never a larger variance."""
    df = data("nhanes2jk.csv")
    kw = dict(weights="finalwgt", replicate_weights="jkw_*", replicate_method="jkn", rscales=0.5, scale=1)
    se_mse = ts.Survey(df, mse=True, **kw).mean(["height", "weight"]).se
    se_mean = ts.Survey(df, mse=False, **kw).mean(["height", "weight"]).se
    assert (se_mean <= se_mse + 1e-15).all()
    np.testing.assert_allclose(se_mean, se_mse, rtol=1e-3)


# --------------------------------------------------------------------------- refusals


def test_brr_needs_two_psus_per_stratum(survey):
    with pytest.raises(DesignError, match="exactly two PSUs"):
        survey("strat").to_replicate("brr")


@pytest.mark.parametrize("method", ["jkn", "subbootstrap"])
def test_needs_two_psus_in_every_stratum(method):
    df = pd.DataFrame({"st": [1, 1, 2], "psu": [1, 2, 3], "w": 1.0, "y": [1.0, 2.0, 3.0]})
    s = ts.Survey(df, weights="w", strata="st", psu="psu", lonely_psu="remove")
    with pytest.raises(DesignError, match="two PSUs"):
        s.to_replicate(method)


def test_replicate_of_replicate_design(survey):
    with pytest.raises(DesignError, match="already uses replicate weights"):
        survey("nh_brr").to_replicate("jk1")


def test_replicates_must_precede_weighting(survey):
    lin = survey("clus1")
    cells = pd.factorize(lin.data["stype"])[0]
    weighted = lin.with_design(lin.design.reweighted(lin.weights.to_numpy() * 1.1,
                                                     step=PostStratStep(cells, lin.weights.to_numpy() * 1.1)))
    with pytest.raises(DesignError, match="before weighting"):
        weighted.to_replicate("jk1")


@pytest.mark.parametrize("name", ["nh_brr", "nh_jk"])
def test_replicate_vcov(survey, name):
    est = survey(name).mean(["height", "weight"])
    v = est.vcov.to_numpy()
    np.testing.assert_allclose(np.diag(v), est.se ** 2, rtol=1e-12)
    corr = v[0, 1] / np.sqrt(v[0, 0] * v[1, 1])
    assert 0 < corr < 1  # taller people weigh more
    # the variance of a difference from vcov equals the SE of the mean of the difference (no missing values)
    s = survey(name)
    diff = s.with_columns({"d": s.data["height"] - s.data["weight"]}).mean("d").se[0]
    assert np.sqrt(v[0, 0] + v[1, 1] - 2 * v[0, 1]) == pytest.approx(diff, rel=1e-9)
