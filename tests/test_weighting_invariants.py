"""Weighting invariants: margins hit their targets, weights stay positive and within bounds,
cross-route agreement (rake = poststratify = raking calibration where they coincide),
idempotence, input forms, replicate designs, diagnostics."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

import trustsurvey as ts
from trustsurvey.errors import TrustSurveyWarning
from trustsurvey.weighting import (MARGIN_COLUMNS, SUMMARY_COLUMNS, WeightingResult, apply,
                                   available_methods, get_method)

POP_TYPES = {"stype": {"E": 4421, "H": 755, "M": 1018}}
POP_SW = {"sch_wide": {"No": 1072, "Yes": 5122}}


def weighted_totals(s: ts.Survey, var: str) -> pd.Series:
    return s.weights.groupby(s.data[var].to_numpy()).sum()


# --------------------------------------------------------------------------- random small surveys


@st.composite
def small_survey(draw):
    """A sample where every crossed cell of two factors is populated, with random weights and targets."""
    la = draw(st.integers(2, 4))
    lb = draw(st.integers(2, 3))
    extra = draw(st.integers(0, 30))
    a = [i for i in range(la) for _ in range(lb)]
    b = [j for _ in range(la) for j in range(lb)]
    a += draw(st.lists(st.integers(0, la - 1), min_size=extra, max_size=extra))
    b += draw(st.lists(st.integers(0, lb - 1), min_size=extra, max_size=extra))
    n = len(a)
    w = draw(st.lists(st.floats(0.5, 20), min_size=n, max_size=n))
    share_a = np.array(draw(st.lists(st.floats(0.05, 1), min_size=la, max_size=la)))
    share_b = np.array(draw(st.lists(st.floats(0.05, 1), min_size=lb, max_size=lb)))
    total = draw(st.floats(100, 1e6))
    df = pd.DataFrame({"a": a, "b": [f"b{j}" for j in b], "w": w})
    ta = {i: float(x) for i, x in enumerate(share_a / share_a.sum() * total)}
    tb = {f"b{j}": float(x) for j, x in enumerate(share_b / share_b.sum() * total)}
    return ts.Survey(df, weights="w"), {"a": ta, "b": tb}


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_survey())
def test_raked_margins_equal_targets(case):
    s, margins = case
    r = s.rake(margins, tol=1e-12, max_iter=1000)
    assert (r.weights > 0).all()
    for var, targets in margins.items():
        got = weighted_totals(r, var)
        for k, v in targets.items():
            assert got[k] == pytest.approx(v, rel=1e-8)
    diag = r.attrs["weighting"]
    assert diag.converged and diag.max_margin_error < 1e-8


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_survey())
def test_raking_calibrated_weights_changes_nothing(case):
    s, margins = case
    once = s.rake(margins, tol=1e-13, max_iter=2000)
    twice = once.rake(margins, tol=1e-9)
    np.testing.assert_allclose(twice.weights, once.weights, rtol=1e-9)
    assert twice.attrs["weighting"].iterations == 1


@st.composite
def feasible_calibration(draw):
    """A small survey with margins that weights well within [0.5, 2] times the design weights meet.

    The margins are the totals of ``w * g`` for ``g = f_a x f_b`` with factors in [0.85, 1.18], so
    ``g`` lies in [0.72, 1.39]: every bounded calibration below has a solution inside the bounds.
    (Closer to the bounds, R's truncated raking can stall on a feasible problem: with factors in
    [0.75, 1.35] about 1 draw in 400 does, as in R.)
    """
    s, margins = draw(small_survey())
    fa = {k: draw(st.floats(0.85, 1.18)) for k in margins["a"]}
    fb = {k: draw(st.floats(0.85, 1.18)) for k in margins["b"]}
    d = s.data
    g = d["a"].map(fa).to_numpy() * d["b"].map(fb).to_numpy()
    w = s.weights.to_numpy() * g
    targets = {v: {k: float(x) for k, x in pd.Series(w).groupby(d[v].to_numpy()).sum().items()} for v in ("a", "b")}
    return s, targets


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(feasible_calibration(), st.sampled_from([(0.5, 2.0), (0.2, 5.0)]))
def test_bounded_calibration_stays_within_bounds(case, bounds):
    s, margins = case
    for method in ("raking", "logit", "linear"):
        c = s.calibrate(margins, method=method, bounds=bounds, max_iter=200)
        g = c.weights.to_numpy() / s.weights.to_numpy()
        assert g.min() >= bounds[0] - 1e-9 and g.max() <= bounds[1] + 1e-9
        for var, targets in margins.items():
            got = weighted_totals(c, var)
            for k, v in targets.items():
                assert got[k] == pytest.approx(v, rel=1e-6)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_survey())
def test_raking_calibration_equals_rake(case):
    """Calibration with the raking function on categorical margins is iterative proportional fitting."""
    s, margins = case
    r = s.rake(margins, tol=1e-13, max_iter=5000)
    c = s.calibrate(margins, method="raking", tol=1e-12, max_iter=200)
    np.testing.assert_allclose(c.weights, r.weights, rtol=1e-6)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_survey())
def test_poststratified_cells_equal_population_counts(case):
    s, margins = case
    cells = {("a", "b"): {(i, j): 10.0 + 3 * i + 7 * int(j[1]) for i in margins["a"] for j in margins["b"]}}
    ps = s.poststratify(cells)
    got = ps.weights.groupby([ps.data["a"].to_numpy(), ps.data["b"].to_numpy()]).sum()
    for key, v in cells[("a", "b")].items():
        assert got[key] == pytest.approx(v, rel=1e-12)


# --------------------------------------------------------------------------- cross-route checks on api data


def test_one_margin_rake_equals_poststratify(survey):
    s = survey("clus1")
    r = s.rake(POP_TYPES)
    p = s.poststratify(POP_TYPES)
    np.testing.assert_allclose(r.weights, p.weights, rtol=1e-12)
    np.testing.assert_allclose(r.mean("api00").to_frame()["se"], p.mean("api00").to_frame()["se"], rtol=1e-10)


def test_crossed_margin_rake_equals_poststratify_on_the_cross(survey):
    s = survey("clus1")
    table = s.data.assign(_w=s.weights).groupby(["stype", "sch_wide"])["_w"].sum() * 1.3
    cross = {("stype", "sch_wide"): {k: float(v) for k, v in table.items()}}
    frame = table.rename("Freq").reset_index()
    r = s.rake(cross)
    p = s.poststratify(frame)
    np.testing.assert_allclose(r.weights, p.weights, rtol=1e-12)
    np.testing.assert_allclose(r.weights, s.weights * 1.3, rtol=1e-12)


def test_linear_calibration_on_one_factor_equals_poststratify(survey):
    s = survey("clus1")
    c = s.calibrate(POP_TYPES)
    p = s.poststratify(POP_TYPES)
    np.testing.assert_allclose(c.weights, p.weights, rtol=1e-12)
    np.testing.assert_allclose(c.mean("api00").to_frame()["se"], p.mean("api00").to_frame()["se"], rtol=1e-9)


def test_input_forms_agree(survey):
    s = survey("clus1")
    ref = s.rake({**POP_TYPES, **POP_SW}).weights
    frames = [pd.DataFrame({"stype": ["E", "H", "M"], "Freq": [4421, 755, 1018]}),
              pd.DataFrame({"sch_wide": ["No", "Yes"], "Freq": [1072, 5122]})]
    series = {"stype": pd.Series({"E": 4421, "H": 755, "M": 1018}),
              "sch_wide": pd.Series({"No": 1072, "Yes": 5122})}
    shares = {"stype": {k: v / 6194 for k, v in POP_TYPES["stype"].items()},
              "sch_wide": {k: v / 6194 for k, v in POP_SW["sch_wide"].items()}}
    np.testing.assert_allclose(s.rake(frames).weights, ref, rtol=1e-12)
    np.testing.assert_allclose(s.rake(series).weights, ref, rtol=1e-12)
    np.testing.assert_allclose(s.rake(shares, population=6194).weights, ref, rtol=1e-10)
    # shares without a population: scaled to the current sum of the weights
    np.testing.assert_allclose(s.rake(shares).weights.sum(), s.weights.sum(), rtol=1e-12)


@pytest.mark.parametrize("keys", [{1: 60, 2: 40}, {"1": 60, "2": 40}, {1.0: 60, 2.0: 40}, {" 1": 60, "2 ": 40}])
@pytest.mark.parametrize("values", [[1, 1, 2], ["1", "1", "2"], [1.0, 1.0, 2.0]])
def test_category_keys_match_across_types(keys, values):
    s = ts.Survey(pd.DataFrame({"g": values, "w": [1.0, 1.0, 1.0]}), weights="w")
    assert s.poststratify({"g": keys}).weights.tolist() == [30.0, 30.0, 40.0]


def test_calibration_to_numeric_and_categorical_totals(survey):
    s = survey("strat")
    totals = {"stype": {"E": 4421, "H": 755, "M": 1018}, "api99": 3914069, "enroll": 3_800_000}
    for method in ("linear", "raking"):
        c = s.calibrate(totals, method=method)
        d = c.data
        assert float((c.weights * d["api99"]).sum()) == pytest.approx(3914069, rel=1e-7)
        assert float((c.weights * d["enroll"]).sum()) == pytest.approx(3_800_000, rel=1e-7)
        assert weighted_totals(c, "stype")["H"] == pytest.approx(755, rel=1e-7)


def test_calibration_with_population_only():
    df = pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0], "w": [1.0, 1.0, 1.0, 1.0]})
    c = ts.Survey(df, weights="w").calibrate({"x": 30.0}, population=10)
    assert c.weights.sum() == pytest.approx(10)
    assert (c.weights * df["x"]).sum() == pytest.approx(30)


def test_missing_policies(survey):
    base = survey("clus1").data
    base.loc[[3, 10], "sch_wide"] = np.nan
    s = ts.Survey(base, weights="pw", psu="dnum", fpc="fpc")
    with pytest.warns(TrustSurveyWarning, match="weight 0"):
        ex = s.rake({**POP_TYPES, **POP_SW}, missing="exclude")
    assert ex.weights[[3, 10]].tolist() == [0.0, 0.0]
    assert weighted_totals(ex, "sch_wide")["Yes"] == pytest.approx(5122, rel=1e-9)
    assert ex.attrs["weighting"].n_excluded == 2
    assert np.isfinite(ex.mean("api00").to_frame()["se"][0])
    with pytest.warns(TrustSurveyWarning, match="imputed"):
        im = s.rake({**POP_TYPES, **POP_SW}, missing="impute")
    assert (im.weights > 0).all() and im.attrs["weighting"].n_imputed == 2
    assert im.weights.sum() == pytest.approx(6194, rel=1e-9)


# --------------------------------------------------------------------------- trimming, nonresponse


def test_trim_strict_keeps_every_weight_within_bounds(survey):
    s = survey("strat")
    t = s.trim_weights(lower=20, upper=40, strict=True)
    w = t.weights
    assert w.min() >= 20 - 1e-9 and w.max() <= 40 + 1e-9
    assert w.sum() == pytest.approx(s.weights.sum(), rel=1e-12)
    loose = s.trim_weights(lower=20, upper=40)
    assert loose.attrs["weighting"].iterations == 1
    assert loose.attrs["weighting"].details["n_trimmed"] == int(((s.weights < 20) | (s.weights > 40)).sum())


def test_trim_keeps_the_calibration_in_the_variance(survey):
    """As R: trimming changes the weights but keeps earlier weighting steps."""
    s = survey("clus1").calibrate({"stype": {"E": 4421, "H": 755, "M": 1018}, "api99": 3914069})
    t = s.trim_weights(lower=20, upper=45)
    assert len(t.design.calibration) == len(s.design.calibration) == 1
    assert len(t.attrs["weighting_steps"]) == 2


def test_nonresponse_adjustment_keeps_class_totals():
    rng = np.random.default_rng(3)
    n = 200
    df = pd.DataFrame({"c": rng.integers(0, 4, n), "r": rng.random(n) < 0.7, "w": rng.uniform(1, 5, n),
                       "psu": np.arange(n)})
    s = ts.Survey(df, weights="w", psu="psu")
    adj = s.nonresponse_adjust("r", classes="c")
    before = df.groupby("c")["w"].sum()
    after = adj.weights.groupby(df["c"]).sum()
    np.testing.assert_allclose(after.to_numpy(), before.to_numpy(), rtol=1e-12)
    assert (adj.weights[~df["r"]] == 0).all()
    # replicate designs adjust each replicate column
    rep = s.to_replicate("jk1").nonresponse_adjust("r", classes="c")
    assert np.all(rep.design.repweights[~df["r"].to_numpy()] == 0)


# --------------------------------------------------------------------------- replicate designs


def test_raked_replicate_design_gives_sensible_ses(survey):
    lin = survey("clus1").rake({**POP_TYPES, **POP_SW})
    rep = survey("clus1").to_replicate("jk1").rake({**POP_TYPES, **POP_SW})
    np.testing.assert_allclose(rep.weights, lin.weights, rtol=1e-10)
    # every replicate column is raked to the targets too
    d = rep.data
    rw = rep.design.repweights
    for k, v in POP_TYPES["stype"].items():
        np.testing.assert_allclose(rw[(d["stype"] == k).to_numpy()].sum(axis=0), v, rtol=1e-6)
    for var in ("api00", "enroll"):
        se_lin = float(lin.mean(var).to_frame()["se"][0])
        se_rep = float(rep.mean(var).to_frame()["se"][0])
        assert se_rep != pytest.approx(se_lin, rel=1e-6)
        assert 0.6 < se_rep / se_lin < 1.6


@pytest.mark.parametrize("fn,args", [("poststratify", (POP_TYPES,)), ("calibrate", ({**POP_TYPES, "api99": 3914069},))])
def test_replicate_columns_reweighted_to_the_same_targets(survey, fn, args):
    rep = getattr(survey("clus1").to_replicate("jk1"), fn)(*args)
    d = rep.data
    for k, v in POP_TYPES["stype"].items():
        np.testing.assert_allclose(rep.design.repweights[(d["stype"] == k).to_numpy()].sum(axis=0), v, rtol=1e-8)
    se = float(rep.mean("api00").to_frame()["se"][0])
    assert np.isfinite(se) and se > 0


# --------------------------------------------------------------------------- diagnostics and registry


def test_diagnostics_object(survey):
    s = survey("clus1").rake({**POP_TYPES, **POP_SW})
    diag = s.attrs["weighting"]
    assert isinstance(diag, WeightingResult)
    frame = diag.to_frame()
    assert tuple(frame.columns) == MARGIN_COLUMNS
    assert len(frame) == 5 and frame["n_unweighted"].sum() == 2 * 183
    np.testing.assert_allclose(frame["share_after"], frame["share_target"], atol=1e-12)
    summary = diag.summary_frame()
    assert tuple(summary.columns) == SUMMARY_COLUMNS and len(summary) == 1
    w = s.weights.to_numpy()
    assert diag.kish_deff == pytest.approx(len(w) * (w ** 2).sum() / w.sum() ** 2)
    assert diag.effective_n == pytest.approx(w.sum() ** 2 / (w ** 2).sum())
    assert diag.weight_ratio == pytest.approx(w.max() / w.min())
    assert "Kish design effect" in str(diag) and "rake" in repr(diag)
    frame.loc[0, "level"] = "changed"
    assert diag.to_frame().loc[0, "level"] == "E"  # the result is not mutated through its frame


def test_registry():
    assert set(available_methods()) >= {"rake", "poststratify", "calibrate", "trim", "nonresponse"}
    assert get_method("rake").takes_targets and not get_method("trim").takes_targets
    s = ts.Survey(pd.DataFrame({"w": [1.0, 2.0, 9.0]}), weights="w")
    assert apply("trim", s.design, s.data, upper=5).design.weights.max() == pytest.approx(5)
    with pytest.raises(ts.WeightingError, match="choose one of"):
        get_method("ipf")
    with pytest.raises(ts.WeightingError, match="takes no targets"):
        apply("trim", s.design, s.data, {"x": {}}, upper=5)


def test_survey_methods_delegate(survey):
    s = survey("clus1")
    assert s.rake(POP_TYPES).attrs["weighting"].method == "rake"
    assert s.poststratify(POP_TYPES).attrs["weighting"].method == "poststratify"
    assert s.calibrate(POP_TYPES, method="raking").attrs["weighting"].method == "calibrate (raking)"
    assert s.trim_weights(upper=40).attrs["weighting"].method == "trim"


@pytest.mark.parametrize("replicate", [None, "jk1"])
@pytest.mark.parametrize("how", ["rake", "poststratify", "calibrate_linear", "calibrate_raking"])
def test_calibrated_totals_have_zero_standard_error(survey, replicate, how):
    """A total the weights are calibrated to is known: its SE vanishes, by linearisation and by replicates."""
    s = survey("clus1")
    if replicate:
        s = s.to_replicate(replicate)
    margins = {**POP_TYPES, **POP_SW}
    if how == "rake":
        out = s.rake(margins, tol=1e-13)
    elif how == "poststratify":
        out = s.poststratify(POP_TYPES)
    else:
        out = s.calibrate(margins, method=how.split("_")[1], tol=1e-12)
    t = out.total("stype").to_frame()
    np.testing.assert_allclose(t["estimate"], [4421, 755, 1018], rtol=1e-9)
    assert t["se"].max() < 1e-6 * 6194
    other = out.total("enroll").to_frame()["se"][0]
    assert other > 1000  # a total that is not calibrated keeps its uncertainty


def test_brr_design_poststratified(data):
    df = data("nhanes2brr.csv").assign(tall=lambda d: np.where(d["height"] > 170, "yes", "no"))
    s = ts.Survey(df, weights="finalwgt", replicate_weights="brr_*", replicate_method="brr", mse=True)
    ps = s.poststratify({"tall": {"yes": 7_000_000, "no": 9_000_000}})
    t = ps.total("tall").to_frame()
    np.testing.assert_allclose(t["estimate"], [9_000_000, 7_000_000], rtol=1e-12)
    assert t["se"].max() < 1e-3
    se = ps.mean("weight").to_frame()["se"][0]
    assert 0 < se < 5


def _clipping_keeps_the_sum(w, lower, upper) -> bool:
    """Some weight lies within the bounds (to take the excess), or clipping alone keeps the sum."""
    clipped = np.clip(w, lower, upper)
    return bool(((w >= lower) & (w <= upper)).any()) or abs((w - clipped).sum()) <= 1e-12 * w.sum()


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(0.1, 100), min_size=3, max_size=40), st.floats(0.0, 0.45), st.floats(0.55, 1.0))
@example(w=[1.0, 1.0, 2.0, 2.0], q_lo=0.375, q_hi=0.625)  # no weight inside the bounds; clipping keeps the sum
def test_trimming_keeps_the_sum_and_strict_keeps_the_bounds(w, q_lo, q_hi):
    w = np.array(w)
    lower, upper = float(np.quantile(w, q_lo)), float(np.quantile(w, q_hi))
    assume(lower < w.mean() < upper)
    assume(_clipping_keeps_the_sum(w, lower, upper))
    s = ts.Survey(pd.DataFrame({"w": w}), weights="w")
    loose = s.trim_weights(lower=lower, upper=upper).weights.to_numpy()
    assert loose.sum() == pytest.approx(w.sum(), rel=1e-12)
    strict = s.trim_weights(lower=lower, upper=upper, strict=True).weights.to_numpy()
    assert strict.sum() == pytest.approx(w.sum(), rel=1e-12)
    assert strict.min() >= lower * (1 - 1e-12) and strict.max() <= upper * (1 + 1e-12)


def test_trimming_with_every_weight_outside_the_bounds():
    """Nobody inside to take the excess: by hand, [1, 1, 2, 2] to [1.125, 1.875] is clipped and keeps its
    sum (R's trimWeights gives the same); [1, 1, 3] to [1.2, 2.5] would lose 0.1 of the sum: an error."""
    s = ts.Survey(pd.DataFrame({"w": [1.0, 1.0, 2.0, 2.0]}), weights="w")
    assert s.trim_weights(lower=1.125, upper=1.875).weights.tolist() == [1.125, 1.125, 1.875, 1.875]
    assert s.trim_weights(lower=1.125, upper=1.875, strict=True).weights.tolist() == [1.125, 1.125, 1.875, 1.875]
    s = ts.Survey(pd.DataFrame({"w": [1.0, 1.0, 3.0]}), weights="w")
    with pytest.raises(ts.WeightingError, match=r"every weight is outside \[1.2, 2.5\].*widen the bounds"):
        s.trim_weights(lower=1.2, upper=2.5)
