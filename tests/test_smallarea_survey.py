"""ts.small_area on the bundled example and on simulated samples with a known population truth."""

from __future__ import annotations

import importlib.util
import warnings
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import trustsurvey as ts
from trustsurvey.errors import EstimationError, TrustSurveyWarning
from trustsurvey.questionnaire import bundled
from trustsurvey.simulate import draw_sample, population_truth, simulate_population
from trustsurvey.smallarea import FLAGS, SMALL_AREA_COLUMNS, example_covariates_path

ROOT = Path(__file__).resolve().parent.parent


def _script():
    spec = importlib.util.spec_from_file_location("make_municipal_covariates",
                                                  ROOT / "examples" / "make_municipal_covariates.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@lru_cache(maxsize=1)
def example():
    return ts.datasets.load_example(2025, raw=False).weight()


@lru_cache(maxsize=None)
def example_fit(**kwargs):
    options = dict(area="municipality", region="region", covariates=example_covariates_path(), population="adults")
    options.update(kwargs)
    return ts.small_area(example(), "trust_kp", **options)


def covariates() -> pd.DataFrame:
    return pd.read_csv(example_covariates_path(), comment="#")


# ------------------------------------------------------------------ the table


def test_one_row_per_area_of_the_covariates_in_their_order():
    t = example_fit().to_frame()
    assert list(t.columns) == ["municipality", "region", *SMALL_AREA_COLUMNS]
    assert list(t["municipality"]) == list(covariates()["municipality"])
    unsampled = set(covariates()["municipality"]) - set(example().data["municipality"].dropna())
    assert set(t.loc[t["source"] == "synthetic", "municipality"]) == unsampled
    assert (t.loc[t["source"] == "synthetic", "n_unweighted"] == 0).all()
    assert t.loc[t["source"] == "synthetic", "direct"].isna().all()


def test_estimates_and_intervals_are_shares_with_the_estimate_inside():
    t = example_fit().to_frame()
    assert ((t["ci_low"] >= 0) & (t["ci_high"] <= 1)).all()
    assert ((t["ci_low"] < t["estimate"]) & (t["estimate"] < t["ci_high"])).all()
    # asymmetric near 0: the interval is shorter on the side of the bound
    low = t[t["estimate"] < 0.1]
    assert len(low) and ((low["estimate"] - low["ci_low"]) < (low["ci_high"] - low["estimate"])).all()
    np.testing.assert_allclose(t["se"], np.sqrt(t["mse"]))
    np.testing.assert_allclose(t["cv"], t["se"] / t["estimate"])


def test_benchmarked_areas_add_up_to_the_direct_regional_estimates():
    sa = example_fit()
    t = sa.to_frame()
    w = covariates().set_index("municipality")["adults"]
    t["w"] = t["municipality"].astype(int).map(w)
    agg = t.groupby(t["region"].astype(int)).apply(lambda g: np.sum(g["w"] * g["estimate"]) / g["w"].sum())
    direct = sa.benchmark[sa.benchmark["level"] == "region"].set_index("group")["direct"]
    np.testing.assert_allclose(agg.to_numpy(), direct.to_numpy(), rtol=1e-12)
    # the direct regional estimates are the Survey's own
    x = example().data["trust_kp"].to_numpy(dtype=float, na_value=np.nan)
    s2 = example().with_columns({"t2": np.where(np.isnan(x), np.nan, np.isin(x, [4, 5]).astype(float))})
    by_region = s2.mean("t2", by="region").to_frame()
    np.testing.assert_allclose(direct.to_numpy(), by_region["estimate"].to_numpy(), rtol=1e-12)
    assert (sa.benchmark["benchmarked"][:-1].to_numpy() == pytest.approx(direct.to_numpy(), rel=1e-12))


def test_without_benchmarking_the_factor_is_one_and_the_estimate_the_eblup():
    t = example_fit(benchmark=False).to_frame()
    assert (t["benchmark_factor"] == 1).all()
    np.testing.assert_array_equal(t["estimate"], t["eblup"])


def test_national_benchmark_without_regions():
    sa = ts.small_area(example(), "trust_kp", area="municipality", covariates=example_covariates_path(),
                       population="adults", formula="serb_share + urban_share")
    t = sa.to_frame()
    assert "region" not in t.columns
    w = t["municipality"].astype(int).map(covariates().set_index("municipality")["adults"])
    national = sa.benchmark.iloc[-1]
    assert list(sa.benchmark["level"]) == ["national"]
    assert np.sum(w * t["estimate"]) / w.sum() == pytest.approx(national["direct"], rel=1e-12)
    assert t["benchmark_factor"].nunique() == 1


def test_flags_follow_the_cv_thresholds():
    for caution, suppress in ((0.2, 0.3), (0.1, 0.15)):
        t = example_fit(cv_caution=caution, cv_suppress=suppress).to_frame()
        assert set(t["flag"]) <= set(FLAGS)
        expected = np.where(t["cv"] > suppress, "suppress",
                            np.where((t["cv"] > caution) | (t["source"] == "synthetic"), "caution", "publish"))
        assert list(t["flag"]) == list(expected)
    assert (example_fit(cv_caution=0.1, cv_suppress=0.15).to_frame()["flag"] == "suppress").sum() > \
        (example_fit().to_frame()["flag"] == "suppress").sum()


def test_the_model_borrows_strength_where_direct_estimates_are_weak():
    t = example_fit(benchmark=False).to_frame()
    m = t[t["source"] == "model"]
    # the EBLUP lies between the direct and the synthetic estimate on the model scale
    a, d, s = (np.arcsin(np.sqrt(m[c])) for c in ("eblup", "direct", "synthetic"))
    assert ((a - d) * (a - s) <= 1e-12).all()
    # exactly gamma * direct + (1 - gamma) * synthetic there
    np.testing.assert_allclose(a, m["gamma"] * d + (1 - m["gamma"]) * s, rtol=1e-10)
    assert (m["gamma"] > 0.1).all()
    # more shrinkage towards the regression where an area has fewer respondents
    rho = pd.Series(m["gamma"].to_numpy()).corr(pd.Series(m["n_unweighted"].to_numpy()), method="spearman")
    assert rho > 0.9  # with the GVF, gamma depends on n only


def test_diagnostics():
    d = example_fit().diagnostics.set_index("statistic")["value"]
    assert d["areas"] == 38 and d["areas_with_respondents"] == 32 and d["areas_synthetic"] == 6
    fit = example_fit().fit
    assert d["refvar"] == fit.refvar
    np.testing.assert_allclose(d["std_residual_sd"], np.std(fit.std_residual, ddof=1))
    assert d["median_rmse_ratio_model_to_direct"] < 1


def test_bootstrap_mse_is_close_to_the_delta_method_and_reproducible():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TrustSurveyWarning)
        a = example_fit(mse="bootstrap", B=400, seed=3, benchmark=False).to_frame()
        b = example_fit(mse="bootstrap", B=400, seed=3, benchmark=False).to_frame()
    analytic = example_fit(benchmark=False).to_frame()
    np.testing.assert_array_equal(a["mse"], b["mse"])
    ratio = (a["mse"] / analytic["mse"])[a["source"] == "model"]
    assert 0.8 < ratio.median() < 1.25
    np.testing.assert_array_equal(a["estimate"], analytic["estimate"])


def test_a_mean_score_uses_no_transformation():
    sa = ts.small_area(example(), "trust_kp", metric="mean", area="municipality", region="region",
                       covariates=example_covariates_path(), population="adults")
    assert sa.kind == "mean" and sa.transform == "none"
    t = sa.to_frame()
    assert t["estimate"].between(1, 5).all()
    assert np.allclose(t["ci_high"] - t["estimate"], t["estimate"] - t["ci_low"])


def test_inputs_are_not_modified():
    cov = covariates()
    before = cov.copy()
    data_before = example().data
    ts.small_area(example(), "trust_kp", area="municipality", region="region", covariates=cov)
    pd.testing.assert_frame_equal(cov, before)
    pd.testing.assert_frame_equal(example().data, data_before)


# ------------------------------------------------------------------ errors


@pytest.mark.parametrize("kwargs, message", [
    ({"area": "commune"}, "area='commune' is not a column of the survey data"),
    ({"metric": "top3"}, "metric='top3' is not a net of the scale of 'trust_kp'"),
    ({"method": "reml"}, "method='reml' is not known"),
    ({"variance": "none"}, "variance='none' is not known"),
    ({"covariates": "nowhere.csv"}, "covariates file 'nowhere.csv' does not exist"),
    ({"formula": "serb_share + area_km2"}, "column(s) 'area_km2' not in the covariates file"),
    ({"population": "people"}, "population='people' is not a column of covariates file"),
    ({"cv_caution": 0.4}, "0 < cv_caution <= cv_suppress"),
    ({"covariates": 3}, "covariates must be a DataFrame or the path of a CSV file"),
])
def test_clear_errors(kwargs, message):
    options = dict(area="municipality", region="region", covariates=example_covariates_path())
    options.update(kwargs)
    with pytest.raises(EstimationError) as info:
        ts.small_area(example(), "trust_kp", **options)
    assert message in str(info.value)


def test_errors_on_the_covariate_rows():
    cov = covariates()
    with pytest.raises(EstimationError, match=r"no row for municipality 101"):
        ts.small_area(example(), "trust_kp", area="municipality", covariates=cov[cov["municipality"] != 101])
    with pytest.raises(EstimationError, match=r"area\(s\) 102 appear more than once"):
        ts.small_area(example(), "trust_kp", area="municipality", covariates=pd.concat([cov, cov.iloc[[1]]]))
    wrong = cov.assign(region=np.where(cov["municipality"] == 101, 2, cov["region"]))
    with pytest.raises(EstimationError, match=r"area 101 is in region 2, but its respondents are in region 1"):
        ts.small_area(example(), "trust_kp", area="municipality", region="region", covariates=wrong)
    with pytest.raises(EstimationError, match=r"add a 'region' column"):
        ts.small_area(example(), "trust_kp", area="municipality", region="region",
                      covariates=cov.drop(columns="region"))
    with pytest.raises(EstimationError, match=r"has missing values \(rows 3\)"):
        ts.small_area(example(), "trust_kp", area="municipality",
                      covariates=cov.assign(urban_share=np.where(cov.index == 3, np.nan, cov["urban_share"])))


# ------------------------------------------------------------------ the example's covariates


def test_covariate_file_is_what_its_script_makes_and_says_it_is_simulated():
    text = example_covariates_path().read_text(encoding="utf-8")
    assert text.startswith("# SIMULATED census figures")
    script = _script()
    # the script's function on a small population gives the file's layout
    small = script.municipal_covariates(simulate_population(1, 2025, scale=0.05))
    assert list(small.columns) == list(covariates().columns)
    assert len(small) == len(covariates())


# ------------------------------------------------------------------ simulated truth


@lru_cache(maxsize=1)
def _simulation():
    pop = simulate_population(7, 2025, scale=0.25)
    cov = _script().municipal_covariates(pop)
    truth = population_truth(population=pop, items=["trust_kp"], by="municipality")
    truth = truth[truth["statistic"] == "top2"].set_index("municipality")["value"]
    return pop, cov, truth


def test_model_estimates_are_closer_to_the_truth_than_direct_ones():
    """On 8 samples of a simulated population: average squared error across municipalities."""
    pop, cov, truth = _simulation()
    q = bundled()
    direct_err, model_err, synth_err, region_err, inside = [], [], [], [], []
    for seed in range(8):
        s = ts.read_survey(draw_sample(pop, 100 + seed), q)
        with warnings.catch_warnings():  # a refvar of zero in some samples; an estimate benchmarked to 1
            warnings.simplefilter("ignore", TrustSurveyWarning)
            sa = ts.small_area(s, "trust_kp", area="municipality", region="region", covariates=cov,
                               population="adults")
        t = sa.to_frame()
        t["truth"] = t["municipality"].astype(int).map(truth).to_numpy()
        m = t[t["source"] == "model"]
        direct_err.append(np.mean((m["direct"] - m["truth"]) ** 2))
        model_err.append(np.mean((m["estimate"] - m["truth"]) ** 2))
        syn = t[t["source"] == "synthetic"]
        if len(syn):
            regional = sa.benchmark.set_index("group")["direct"]
            synth_err.append(np.mean((syn["estimate"] - syn["truth"]) ** 2))
            region_err.append(np.mean((syn["region"].astype(str).map(regional) - syn["truth"]) ** 2))
        inside.extend(((t["ci_low"] <= t["truth"]) & (t["truth"] <= t["ci_high"])).tolist())
    direct_err, model_err = np.array(direct_err), np.array(model_err)
    assert (model_err < direct_err).sum() >= 7
    assert model_err.mean() < 0.7 * direct_err.mean()
    # without respondents, the synthetic estimate beats the region's direct estimate
    assert len(synth_err) >= 6 and np.mean(synth_err) < 0.5 * np.mean(region_err)
    # the 95% intervals hold the truth about as often as they should
    assert 0.88 < np.mean(inside) < 0.99


def test_bias_corrected_back_transformation():
    sa = example_fit(back_transform="bias_corrected", benchmark=False)
    t = sa.to_frame()
    m = t["source"] == "model"
    theta, mse = sa.fit.eblup, sa.fit.mse
    np.testing.assert_allclose(t.loc[m, "estimate"], 0.5 * (1 - np.cos(2 * theta) * np.exp(-2 * mse)), rtol=1e-12)
    naive = example_fit(benchmark=False).to_frame()
    # E[sin^2] pulls estimates towards one half
    assert (np.abs(t["estimate"] - 0.5) < np.abs(naive["estimate"] - 0.5)).all()
