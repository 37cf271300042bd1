"""R's conventions (issue 14) against R's survey 4.1-1, on R's api data and on the bundled example.

Reference values: ``tests/reference/r_conventions/r_conventions.json``, made by
``make_r_conventions.R`` beside it (R 4.2.2, survey 4.1-1); the suite never calls R.
Tolerance 1e-6 relative. This module tests the inference core, replicate designs,
lonely PSUs in domains, models and formulas, and the bundled api data; the
helpers at the top (reference cases, data, designs) are shared with
``test_r_conventions_estimates.py``.
"""

from __future__ import annotations

import json
from dataclasses import replace
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import trustsurvey as ts
from trustsurvey.design import DesignSpec, prepare_design
from trustsurvey.errors import DesignError, SignificanceError, TrustSurveyError
from trustsurvey.inference import likelihood_inputs, proportion_interval

RTOL = 1e-6
HERE = Path(__file__).resolve().parent
REFERENCE = HERE / "reference" / "r_conventions" / "r_conventions.json"
#: Columns of the bundled example in which 98 and 99 are not missing codes (R script: design_cols).
KP_DESIGN_COLUMNS = ("respondent_id", "design_weight", "stratum", "psu", "region", "municipality", "settlement",
                     "age")


# --------------------------------------------------------------------------- shared helpers


@lru_cache(maxsize=1)
def reference() -> dict:
    with open(REFERENCE, encoding="utf-8") as fh:
        return json.load(fh)


def cases(*calls: str) -> list[dict]:
    return [c for c in reference()["cases"] if c["call"] in calls]


def case(case_id: str) -> dict:
    return next(c for c in reference()["cases"] if c["id"] == case_id)


def params(*calls: str):
    """pytest parameters over the cases of ``calls``, named by case id."""
    return [pytest.param(c, id=c["id"]) for c in cases(*calls)]


@lru_cache(maxsize=None)
def _data(name: str) -> pd.DataFrame:
    if name == "kp_trust_2025":
        df = pd.read_csv(ts.datasets.example_path(2025))
        for col in df.columns:
            if col not in KP_DESIGN_COLUMNS and pd.api.types.is_numeric_dtype(df[col]):
                df[col] = df[col].where(~df[col].isin([98, 99]))
        return df
    df = ts.datasets.load_api(name)
    if name == "apistrat":  # the R script's by-variable with small domains: counties in four sets
        df["cname_group"] = np.array(list("ABCD"))[(pd.factorize(df["cname"], sort=True)[0] + 1) % 4]
    return df


def data_of(design: str) -> pd.DataFrame:
    """A fresh copy of the data of one of the reference designs."""
    return _data(reference()["designs"][design]["data"]).copy()


def design_kwargs(design: str) -> dict:
    spec = reference()["designs"][design]
    kw = {k: spec[k] for k in ("weights", "strata", "psu", "fpc") if k in spec}
    for k in ("psu", "fpc"):
        if isinstance(kw.get(k), list):
            kw[k] = tuple(kw[k])
    return kw


def survey_of(design: str, **options) -> ts.Survey:
    return ts.Survey(data_of(design), **design_kwargs(design), **options)


def close(got, expected, what: str) -> None:
    np.testing.assert_allclose(np.asarray(got, float), np.asarray(expected, float), rtol=RTOL, atol=0,
                               err_msg=f"{what} differs from R")


def outcome(df: pd.DataFrame, variable: str) -> np.ndarray:
    """The R script's indicators: ``I(x == "Yes")`` for the api items, ``I(trust_kp >= 4)`` (NA kept)."""
    if variable == "trust_kp":
        x = df[variable].astype(float)
        return np.where(x.isna(), np.nan, (x >= 4).astype(float))
    return (df[variable] == "Yes").to_numpy(dtype=float)


# --------------------------------------------------------------------------- proportion intervals per domain


@pytest.mark.parametrize("c", params("ciprop_by"))
def test_proportion_interval_per_domain(c):
    """svyby(~I(...), ~by, design, svyciprop, method=m): each domain's interval on its own df.

    Given R's estimates, standard errors and domain df, every method reproduces R's
    interval; ``likelihood`` needs the respondent-level sums (weights rescaled over
    the domain's rows, R's IRLS path) and ``beta`` the domain's row count, answered
    or not (R's ``nrow(design)``).
    """
    args, res = c["args"], c["result"]
    df = data_of(c["design"])
    w = df[reference()["designs"][c["design"]]["weights"]].to_numpy(float)
    codes = pd.Categorical(df[args["by"]].astype(str), categories=res["groups"]).codes
    inputs = likelihood_inputs(outcome(df, args["variable"]), w, codes, len(res["groups"]))
    lo, hi = proportion_interval(np.array(res["estimate"]), np.array(res["se"]), np.array(res["df"]), inputs.n,
                                 args["method"], likelihood=inputs, rows=np.array(res["n_rows"]))
    close(lo, res["ci_low"], f"{c['id']} ci_low")
    close(hi, res["ci_high"], f"{c['id']} ci_high")


@pytest.mark.parametrize("c", [p for p in params("ciprop_by") if p.values[0]["args"]["method"] == "likelihood"
                               and p.values[0]["design"] != "kp"])
def test_likelihood_without_inputs_where_everyone_answered(c):
    """Without respondent-level sums the interval takes the rescaled weights to average one over the
    respondents, which is R's case when every row of the domain answered."""
    res = c["result"]
    lo, hi = proportion_interval(np.array(res["estimate"]), np.array(res["se"]), np.array(res["df"]),
                                 np.array(res["n_rows"]), "likelihood")
    close(lo, res["ci_low"], "ci_low")
    close(hi, res["ci_high"], "ci_high")


def test_likelihood_at_the_edges():
    """A saturated profile (strong clustering) as R; where R's grid stops short (R: NA), a finite interval."""
    for name in ("saturated", "short_grid"):
        c = case(f"likelihood_edge_{name}")
        a, r = c["args"], c["result"]
        y = np.asarray(a["y"], float)
        inputs = likelihood_inputs(y, np.asarray(a["weights"], float))
        lo, hi = proportion_interval(r["estimate"], r["se"], r["df"], len(y), "likelihood", likelihood=inputs)
        if name == "saturated":
            close([lo, hi], [r["ci_low"], r["ci_high"]], name)
        else:
            assert r["ci_low"] is None and r["ci_high"] is None  # R: NA
            assert 0 < lo < r["estimate"] < hi < 1
            assert lo == pytest.approx(1 - hi, rel=1e-9)  # the shares 0.5, 0.52, 0.48: a symmetric profile
            wald_lo, wald_hi = proportion_interval(r["estimate"], r["se"], r["df"], len(y), "logit")
            assert wald_lo == pytest.approx(lo, rel=0.01) and wald_hi == pytest.approx(hi, rel=0.01)


def test_likelihood_inputs_shapes_and_sums():
    y = np.array([[1.0, 0.0], [0.0, np.nan], [1.0, 1.0], [np.nan, 1.0]])
    w = np.array([1.0, 3.0, 2.0, 2.0])
    inp = likelihood_inputs(y, w, np.array([0, 0, 1, 1]), 2)
    assert inp.n.shape == (2, 2)
    np.testing.assert_array_equal(inp.n, [[2, 1], [1, 2]])
    # weights rescaled to mean one over each group's rows, answered or not: group 0 has mean weight 2
    np.testing.assert_allclose(inp.sum_weights, [[2.0, 0.5], [1.0, 2.0]])
    np.testing.assert_allclose(inp.share, [[0.25, 0.0], [1.0, 1.0]])


# --------------------------------------------------------------------------- replicate designs under R's names


def test_jk1_on_a_stratified_design_is_refused():
    assert case("strat_jk1_refused")["result"]["error"] == "Can't use JK1 for a stratified design"
    with pytest.raises(DesignError, match=r"jk1.*stratified.*to_replicate\('jkn'\)"):
        survey_of("strat").to_replicate("jk1")


@pytest.mark.parametrize("method", ["jkn", "brr"])
def test_jkn_and_brr_need_strata(method):
    assert "unstratified" in case(f"clus1_{method}_refused")["result"]["error"]
    with pytest.raises(DesignError, match="needs a stratified design.*jk1"):
        survey_of("clus1").to_replicate(method)


def test_r_spellings_of_replicate_types():
    s = survey_of("kp")
    assert s.to_replicate("JKn").design.spec.replicate_method == "jkn"
    df = pd.read_csv(HERE / "reference" / "data" / "nhanes2brr.csv")
    rep = ts.Survey(df, weights="finalwgt", replicate_weights="brr_*", replicate_method="BRR")
    assert rep.design.spec.replicate_method == "brr" and rep.design.scale == pytest.approx(1 / 32)


def test_jkn_on_the_bundled_example():
    r = case("kp_jkn_mean_age")["result"]
    rep = survey_of("kp").to_replicate("jkn")
    frame = rep.mean("age").to_frame()
    close(frame["estimate"], r["estimate"], "mean")
    close(frame["se"], r["se"], "se")
    assert rep.design.degf == r["degf"] and rep.design.scale == r["scale"]
    np.testing.assert_allclose(np.sort(rep.design.rscales), np.sort(r["rscales"]), rtol=1e-12)


def _per_psu(survey: ts.Survey, mult: np.ndarray) -> np.ndarray:
    """Replicate multipliers of each first-stage cluster (clusters in code order)."""
    st = survey.design.stages[0]
    first = np.unique(st.clusters, return_index=True)[1]
    return mult[first]



def _assert_bootstrap_draws(lin, per_psu, kind: str) -> None:
    """R's draws per stratum and replicate: n_h draws (bootstrap) or n_h - 1 draws times n_h / (n_h - 1)
    (subbootstrap); either way the stratum's multipliers sum to n_h and the draws are whole numbers."""
    st = lin.design.stages[0]
    sums = pd.DataFrame(per_psu).groupby(st.cluster_stratum).sum().to_numpy()
    np.testing.assert_allclose(sums, st.n_clusters[:, None].repeat(per_psu.shape[1], axis=1), rtol=1e-12)
    n_h = st.n_clusters[st.cluster_stratum][:, None]
    counts = per_psu if kind == "bootstrap" else per_psu * (n_h - 1) / n_h
    np.testing.assert_allclose(counts, np.round(counts), atol=1e-9)


@pytest.mark.parametrize("c", params("as_svrepdesign"))
def test_bootstraps_with_r_replicate_weights(c):
    """Given R's replicate multipliers, the variance (R's scale and rscales) gives R's standard errors;
    and those multipliers have the structure our bootstraps draw."""
    a, r = c["args"], c["result"]
    lin = survey_of(c["design"])
    psu_col = design_kwargs(c["design"]).get("psu")
    df = lin.data
    # apistrat has no PSU column: every school is its own PSU, numbered by row as R does
    ids = df[psu_col] if psu_col else pd.Series(np.arange(len(df)) + 1)
    mult_by_psu = pd.DataFrame(r["multipliers"], index=pd.Index(r["psu"]))
    mult = mult_by_psu.loc[ids.to_numpy()].to_numpy()
    w = lin.weights.to_numpy()
    cols = [f"rep_{i}" for i in range(mult.shape[1])]
    given = ts.Survey(df.join(pd.DataFrame(w[:, None] * mult, columns=cols)),
                      weights=design_kwargs(c["design"])["weights"], replicate_weights=cols,
                      replicate_method=a["type"], scale=r["scale"])
    close(given.mean(a["mean_variable"]).to_frame()["se"], r["se_mean"], "se of the mean")
    close(given.total(a["total_variable"]).to_frame()["se"], r["se_total"], "se of the total")
    assert given.design.degf == r["degf"]
    _assert_bootstrap_draws(lin, _per_psu(lin, mult), a["type"])  # the structure of R's draws


@pytest.mark.parametrize("c", params("as_svrepdesign"))
def test_our_bootstraps_have_r_scale_and_structure(c):
    a, r = c["args"], c["result"]
    lin = survey_of(c["design"])
    rep = lin.to_replicate(a["type"], replicates=a["replicates"], seed=7).design
    assert rep.scale == pytest.approx(r["scale"], rel=1e-12)  # R: n'/((n'-1)(R-1)) or 1/(R-1)
    np.testing.assert_array_equal(rep.rscales, r["rscales"])
    assert rep.degf == r["degf"] and not rep.mse
    per_psu = _per_psu(lin, rep.repweights / lin.weights.to_numpy()[:, None])
    _assert_bootstrap_draws(lin, per_psu, a["type"])


@pytest.mark.parametrize("method, variance", [("bootstrap", "cd"), ("subbootstrap", "rw")])
def test_bootstrap_multiplier_moments(method, variance):
    """Canty-Davison: multinomial(n, 1/n) counts, variance (n - 1)/n; with an FPC, draws without
    replacement from N units (variance shrinks by (N - n)/(N - 1)). Rao-Wu: variance 1."""
    df = pd.DataFrame({"h": np.repeat([1, 2], [5, 8]), "psu": np.arange(13), "w": 1.0,
                       "N": np.repeat([12.0, 1e12], [5, 8])})
    for fpc in (None, "N"):
        s = ts.Survey(df, weights="w", strata="h", psu="psu", fpc=fpc)
        mult = s.to_replicate(method, replicates=4000, seed=11).design.repweights
        for rows, n, N in ((slice(0, 5), 5, 12.0), (slice(5, 13), 8, 1e12)):
            got = mult[rows].var(axis=1, ddof=1).mean()
            if variance == "rw":
                want = 1.0
            else:
                want = (n - 1) / n * ((N - n) / (N - 1) if fpc else 1.0)
            np.testing.assert_allclose(mult[rows].mean(), 1.0, atol=0.02)
            assert got == pytest.approx(want, rel=0.05)


def test_given_bootstrap_weights_default_scale():
    """svrepdesign(type="bootstrap") with given weights: scale 1/(R - 1)."""
    r = case("strat_given_bootstrap_weights")["result"]
    rw = np.asarray(r["repweights"])
    df = data_of("strat")
    cols = [f"b{i}" for i in range(rw.shape[1])]
    s = ts.Survey(df.join(pd.DataFrame(rw, columns=cols)), weights="pw", replicate_weights=cols,
                  replicate_method="bootstrap")
    assert s.design.scale == pytest.approx(r["scale"], rel=1e-12)
    close(s.mean("api00").to_frame()["se"], r["se"], "se")


# --------------------------------------------------------------------------- lonely PSUs in domains


@pytest.mark.parametrize("c", params("lonely_domain"))
def test_lonely_psus_in_domains(c):
    """options(survey.lonely.psu=..., survey.adjust.domain.lonely=...) on a subset: means and totals."""
    a = c["args"]
    base = survey_of(c["design"])
    for key, r in c["result"].items():
        lonely = key.removesuffix("_domain")
        domain_lonely = key.endswith("_domain")
        if domain_lonely and lonely not in ("adjust", "average"):
            with pytest.raises(DesignError, match="adjust_domain_lonely"):
                prepare_design(base.data, replace(base.design.spec, lonely_psu=lonely, adjust_domain_lonely=True))
            continue
        spec = replace(base.design.spec, lonely_psu=lonely, adjust_domain_lonely=domain_lonely)
        s = base.with_design(prepare_design(base.data, spec)).subset(a["subset"])
        for fn, se in (("mean", "se_mean"), ("total", "se_total")):
            frame = getattr(s, fn)(a["variable"]).to_frame()
            close(frame["estimate"], r[fn], f"{key} {fn}")
            if r[se] is None:  # R: NA (an undefined stratum at the second stage under "average")
                assert np.isnan(frame["se"]).all(), f"{key} {se}: R gives NA"
            else:
                close(frame["se"], r[se], f"{key} {se}")


def test_domain_lonely_option_changes_the_variance():
    """The option is not a no-op on these domains (the tests above would pass trivially otherwise)."""
    for c in cases("lonely_domain"):
        r = c["result"]
        assert r["adjust_domain"]["se_total"] != pytest.approx(r["adjust"]["se_total"], rel=1e-6), c["id"]


def test_average_counts_the_strata_of_the_domain():
    """lonely_psu="average": R scales by (strata in the domain) / (estimable strata in the domain)."""
    c = case("kp_municipality_strata_average")
    s = ts.Survey(data_of("kp"), weights="design_weight", strata="municipality", psu="psu", lonely_psu="average")
    for key, r in c["result"].items():
        if key == "lonely_strata":
            continue
        dom = s if r["subset"] == "TRUE" else s.subset(r["subset"])
        close(dom.mean("age").to_frame()["se"], r["se"], key)


def test_adjust_domain_lonely_is_a_linearisation_option():
    spec = DesignSpec(weights="pw", strata="stype", fpc=("fpc",), lonely_psu="fail", adjust_domain_lonely=True)
    with pytest.raises(DesignError, match="lonely_psu='adjust'"):
        prepare_design(data_of("strat"), spec)


# --------------------------------------------------------------------------- models: intervals, formulas, labels


def _top(s: ts.Survey) -> ts.Survey:
    return s.with_columns({"top": outcome(s.data, "trust_kp")})


def _r_term(term: str) -> str:
    """Our (patsy) term name in R's spelling."""
    if term == "Intercept":
        return "(Intercept)"
    if term.startswith("C(") and "[T." in term:
        var, lev = term[2:].split(")[T.")
        lev = lev[:-1]
        lev = str(int(float(lev))) if lev.replace(".", "", 1).isdigit() else lev
        return f"factor({var}){lev}"
    return term


@pytest.mark.parametrize("c", params("svyglm_confint"))
def test_glm_confint_on_the_residual_df(c):
    a, r = c["args"], c["result"]
    s = survey_of(c["design"])
    if c["design"] == "kp":
        s = _top(s)
    family = "gaussian" if a["family"] == "gaussian" else "binomial"
    m = s.glm(a["formula"], family=family, outcome_level=a.get("outcome_level"))
    frame = m.to_frame()
    assert list(frame.columns) == ["term", "estimate", "se", "ci_low", "ci_high", "statistic", "df", "p_value"]
    names = [_r_term(t).replace("factor(stype)", "stype") for t in frame["term"]]
    assert names == r["names"]
    for col in ("estimate", "se", "ci_low", "ci_high", "statistic", "p_value"):
        close(frame[col], r[col], f"{c['id']} {col}")
    assert (frame["df"] == r["df"]).all()
    close(m.confint(0.95)[["ci_low", "ci_high"]].to_numpy(), frame[["ci_low", "ci_high"]].to_numpy(), "confint")


def test_ordinal_confint_is_normal():
    """R's confint of a svyolr is confint.default: the normal quantile."""
    r = case("clus1_svyolr_mealcat_confint")["result"]
    s = survey_of("clus1")
    cat = pd.cut(s.data["meals"], [0, 25, 50, 75, 100], right=True)
    cat = cat.cat.rename_categories(["(0,25]", "(25,50]", "(50,75]", "(75,100]"]).cat.as_ordered()
    m = s.with_columns({"mealcat": cat.array}).glm("mealcat ~ avg_ed + mobility + C(stype)", family="ordinal")
    frame = m.to_frame()
    close(frame["estimate"], r["estimate"], "coef")
    close(frame["ci_low"], r["ci_low"], "ci_low")
    close(frame["ci_high"], r["ci_high"], "ci_high")


def test_formula_cannot_run_code(tmp_path):
    target = tmp_path / "pwned"
    s = survey_of("clus1")
    attacks = [f"api00 ~ ell + __import__('os').system('touch {target}')",
               f"api00 ~ ell + C(__import__('os').system('touch {target}'))",
               f"api00 ~ ell + I(open('{target}', 'w').write('x'))",
               "api00 ~ ell + ell.__class__.__mro__", "api00 ~ ell + [c for c in ell]",
               "api00 ~ ell + np.random.seed(1)"]
    for formula in attacks:
        with pytest.raises(SignificanceError, match="is not allowed"):
            s.glm(formula)
    assert not target.exists()
    with pytest.raises(SignificanceError, match="names 'nope', which is not in the data"):
        s.glm("api00 ~ nope")


def test_formula_allowed_functions_give_the_same_model():
    s = survey_of("clus1")
    d = s.data
    a = s.glm("api00 ~ np.log(enroll) + sqrt(meals) + I(ell ** 2) + C(stype, Treatment('H'))")
    b = s.with_columns({"le": np.log(d["enroll"]), "sm": np.sqrt(d["meals"]), "e2": d["ell"] ** 2,
                        "e": (d["stype"] == "E").astype(float), "m": (d["stype"] == "M").astype(float)}
                       ).glm("api00 ~ le + sm + e2 + e + m")
    np.testing.assert_allclose(a.coef, b.coef, rtol=1e-10)
    np.testing.assert_allclose(a.se.to_numpy(), b.se.to_numpy(), rtol=1e-10)
    assert s.with_columns({"my col": d["ell"]}).glm("api00 ~ Q('my col')").terms[1] == "Q('my col')"


def test_model_terms_read_as_labels():
    s = _top(ts.datasets.load_example(2025, raw=False))
    frame = s.glm("top ~ C(gender) + age + C(region)", family="binomial").to_frame()
    assert list(frame.columns[:2]) == ["term", "term_label"]
    labels = dict(zip(frame["term"], frame["term_label"]))
    q = s.questionnaire
    assert labels["age"] == q.label("age")
    female = next(t for t in labels if t.startswith("C(gender)"))
    assert labels[female] == f"{q.label('gender')}: {q.value_label('gender', 2)}"
    assert "term_label" not in survey_of("clus1").glm("api00 ~ ell").to_frame().columns


# --------------------------------------------------------------------------- R's api data


@pytest.mark.parametrize("name", ["apisrs", "apistrat", "apiclus1", "apiclus2"])
def test_api_data_are_rs(name):
    """The shipped files hold R's numbers to the last bit (17 digits); the reference copies the older
    R tests use were written with 15."""
    shipped = ts.datasets.load_api(name)
    pd.testing.assert_frame_equal(shipped, pd.read_csv(HERE / "reference" / "data" / f"{name}.csv"),
                                  check_exact=False, rtol=1e-13)
    if "pw" in shipped and name == "apistrat":
        assert shipped["pw"].iloc[0] == 44.209999084472656  # R: sprintf("%.17g", apistrat$pw[1])


def test_api_population_and_errors():
    pop = ts.datasets.load_api("apipop")
    assert pop.shape == (6194, 37) and pop["stype"].value_counts().to_dict() == {"E": 4421, "M": 1018, "H": 755}
    with pytest.raises(TrustSurveyError, match="apistrat"):
        ts.datasets.load_api("api")
    assert (HERE.parent / "src" / "trustsurvey" / "data" / "api" / "PROVENANCE.md").read_text().count("GPL") >= 2
