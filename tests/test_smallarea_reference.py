"""Fay-Herriot against R's sae 1.3 (eblupFH, mseFH) and the example's direct estimates against R's survey.

Reference values: tests/reference/sae/ (make_sae_reference.R and its outputs). Tolerance 1e-6 relative.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import trustsurvey as ts
from trustsurvey.errors import EstimationError
from trustsurvey.smallarea import example_covariates_path

REF = Path(__file__).parent / "reference" / "sae"
RTOL = 1e-6


@lru_cache(maxsize=1)
def reference() -> dict:
    return json.loads((REF / "sae_fh.json").read_text(encoding="utf-8"))


@lru_cache(maxsize=None)
def _data(name: str) -> pd.DataFrame:
    return pd.read_csv(REF / name)


def close(actual, expected, rtol=RTOL, atol=0.0):
    np.testing.assert_allclose(np.asarray(actual, dtype=float), np.asarray(expected, dtype=float), rtol=rtol,
                               atol=atol)


CASES = sorted(reference()["cases"])


@pytest.mark.parametrize("name", CASES)
def test_fay_herriot_matches_sae(name):
    case = reference()["cases"][name]
    fh = ts.fay_herriot(_data(case["data"]), case["formula"], case["vardir"], case["method"])
    assert fh.iterations == case["iterations"]
    close(fh.refvar, case["refvar"], atol=1e-12)
    coef = fh.coef
    close(coef["estimate"], case["coef"]["beta"])
    close(coef["se"], case["coef"]["std_error"])
    close(coef["statistic"], case["coef"]["tvalue"])
    close(coef["p_value"], case["coef"]["pvalue"], rtol=1e-6, atol=1e-12)
    frame = fh.to_frame()
    close(frame["eblup"], case["eblup"])
    close(frame["mse"], case["mse"])
    close([fh.loglik, fh.aic, fh.bic], [case["goodness"][k] for k in ("loglike", "AIC", "BIC")])


def test_term_names_follow_r_columns():
    case = reference()["cases"]["milk_REML"]
    fh = ts.fay_herriot(_data("milk.csv"), case["formula"], "var")
    r_terms = [t.replace("as.factor(MajorArea)", "C(MajorArea)[T.") + ("]" if "Major" in t else "")
               for t in case["coef"]["term"]]
    assert list(fh.coef["term"]) == [t.replace("(Intercept)", "Intercept") for t in r_terms]


def test_milk_textbook_value():
    fh = ts.fay_herriot(_data("milk.csv"), "yi ~ C(MajorArea)", "var", "REML")
    assert round(fh.refvar, 5) == 0.01855


def test_zero_variance_estimate_gives_synthetic_eblups():
    """sae truncates a negative variance estimate at zero: all EBLUPs are then the regression fit."""
    for method in ("REML", "ML", "FH"):
        fh = ts.fay_herriot(_data("milk.csv"), "yi ~ C(MajorArea)", "var3", method)
        assert fh.refvar == 0.0
        np.testing.assert_array_equal(fh.eblup, fh.synthetic)
        assert (fh.gamma == 0).all()


def test_nonconvergence_is_an_error_where_sae_reports_it():
    """REML oscillates for 100 iterations (sae: convergence FALSE); ML reaches zero in 8 steps.

    FH is left out: its iteration there goes below -min(vardir) and turns chaotic, so where it ends
    depends on rounding (sae does not converge in 100 steps, this code stops at step 95; both agree
    to 1e-9 for the first 8 steps).
    """
    nc = reference()["nonconvergence"]
    outcome = nc["methods"]["REML"]
    assert not outcome["convergence"]
    with pytest.raises(EstimationError, match=r"did not converge in 100 iterations \(its path went below -min"):
        ts.fay_herriot(_data(nc["data"]), nc["formula"], nc["vardir"], "REML")
    outcome = nc["methods"]["ML"]
    fh = ts.fay_herriot(_data(nc["data"]), nc["formula"], nc["vardir"], "ML")
    assert outcome["convergence"] and fh.iterations == outcome["iterations"] and fh.refvar == 0


# ------------------------------------------------------------------ the bundled example


@lru_cache(maxsize=1)
def _example_design_weighted():
    return ts.datasets.load_example(2025, raw=False)


@lru_cache(maxsize=1)
def _example_small_area():
    return ts.small_area(_example_design_weighted(), "trust_kp", area="municipality", region="region",
                         covariates=example_covariates_path(), population="adults", variance="smoothed",
                         benchmark=False)


def test_example_direct_estimates_match_r_survey():
    areas = _data("example_areas.csv")
    t = _example_small_area().to_frame()
    t = t[t["n_unweighted"] > 0].reset_index(drop=True)
    assert list(t["municipality"].astype(int)) == list(areas["municipality"])
    close(t["direct"], areas["direct"])
    close(t["direct_se"], areas["se"], atol=1e-12)  # a few areas' design SEs are zero up to rounding
    assert list(t["n_unweighted"]) == list(areas["n"])
    direct = reference()["direct"]
    b = _example_small_area().benchmark
    reg = b[b["level"] == "region"]
    assert list(reg["group"].astype(int)) == list(direct["region"]["region"])
    close(reg["direct"], direct["region"]["estimate"])
    close(reg["direct_se"], direct["region"]["se"])
    nat = b[b["level"] == "national"].iloc[0]
    close([nat["direct"], nat["direct_se"]], [direct["national"]["estimate"], direct["national"]["se"]])


def test_example_model_inputs_and_fit_match_r():
    """The arcsine inputs and GVF variances (computed in R by the documented rule), and sae's fit on them."""
    areas = _data("example_areas.csv")
    fit = _example_small_area().fit
    close(fit.direct, areas["y_asin"])
    close(fit.vardir, areas["psi_asin"])
    close(_example_small_area().deff, reference()["direct"]["deff_pooled"])
    case = reference()["cases"]["example_asin_REML"]
    close(fit.refvar, case["refvar"])
    close(fit.beta, case["coef"]["beta"])
    close(fit.eblup, case["eblup"])
    close(fit.mse, case["mse"])


def test_example_back_transformation_and_delta_mse():
    fit = _example_small_area().fit
    t = _example_small_area().to_frame()
    t = t[t["n_unweighted"] > 0]
    close(t["eblup"], np.sin(fit.eblup) ** 2)
    close(t["mse"], np.sin(2 * fit.eblup) ** 2 * fit.mse)


# ------------------------------------------------------------------ bootstrap MSE


def test_bootstrap_mse_approximates_the_analytic_one():
    milk = _data("milk.csv")
    analytic = ts.fay_herriot(milk, "yi ~ C(MajorArea)", "var")
    boot = ts.fay_herriot(milk, "yi ~ C(MajorArea)", "var", mse="bootstrap", B=1000, seed=1)
    assert boot.mse_method == "bootstrap" and analytic.mse_method == "prasad-rao"
    ratio = boot.mse / analytic.mse
    assert 0.9 < np.mean(ratio) < 1.1
    assert np.all((ratio > 0.7) & (ratio < 1.4))
    np.testing.assert_array_equal(boot.eblup, analytic.eblup)


def test_bootstrap_is_reproducible_with_a_seed():
    milk = _data("milk.csv")
    a = ts.fay_herriot(milk, "yi ~ ni", "var", mse="bootstrap", B=50, seed=7)
    b = ts.fay_herriot(milk, "yi ~ ni", "var", mse="bootstrap", B=50, seed=7)
    c = ts.fay_herriot(milk, "yi ~ ni", "var", mse="bootstrap", B=50, seed=8)
    np.testing.assert_array_equal(a.mse, b.mse)
    assert not np.allclose(a.mse, c.mse)
