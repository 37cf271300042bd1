"""Invariants and properties of design-based estimates: cross-route checks on small random designs.

Each property holds exactly (up to rounding) for every design, so the tests
draw small stratified cluster samples from a seed (hypothesis picks the seeds)
and compare two routes to the same number: a domain mean via ``subset``, via
``by=`` and via ``ratio``; one call with several variables and separate calls;
crossed by-variables and subsets; scaled weights and permuted rows.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import trustsurvey as ts

SETTINGS = settings(max_examples=20, deadline=None)
FEW = settings(max_examples=10, deadline=None)  # properties that make many estimation calls
seeds = st.integers(min_value=0, max_value=2**31 - 1)


def make_sample(seed: int, *, n_strata: tuple[int, int] = (1, 3), psus: tuple[int, int] = (2, 4),
                size: tuple[int, int] = (1, 6)) -> pd.DataFrame:
    """A small stratified cluster sample with numeric, binary, categorical and partly missing columns.

    Columns: ``stratum, psu`` (ids unique across strata), ``w`` (weights),
    ``y`` (complete), ``y2`` (about 20% missing), ``d`` (0/1, both values
    present), ``cat`` (text, levels a/b/c, a few missing), ``g1`` (2 levels),
    ``g2`` (3 levels).
    """
    rng = np.random.default_rng(seed)
    strata, psu = [], []
    next_psu = 0
    for h in range(int(rng.integers(n_strata[0], n_strata[1] + 1))):
        for _ in range(int(rng.integers(psus[0], psus[1] + 1))):
            k = int(rng.integers(size[0], size[1] + 1))
            strata += [h] * k
            psu += [next_psu] * k
            next_psu += 1
    n = len(strata)
    df = pd.DataFrame({"stratum": strata, "psu": psu})
    df["w"] = rng.uniform(0.5, 5.0, n)
    psu_effect = rng.normal(0, 1, next_psu)[df["psu"]]
    df["y"] = 10 + psu_effect + rng.normal(0, 2, n)
    y2 = 3 + 0.5 * psu_effect + rng.normal(0, 1, n)
    y2[rng.random(n) < 0.2] = np.nan
    y2[0] = 1.0  # never entirely missing
    df["y2"] = y2
    d = (rng.random(n) < 0.5).astype(int)
    d[0], d[-1] = 1, 0
    df["d"] = d
    cat = rng.choice(np.array(["a", "b", "c"], dtype=object), n).astype(object)
    cat[rng.random(n) < 0.1] = None
    cat[0] = "a"
    df["cat"] = pd.array(cat, dtype="str")
    g1 = rng.choice(np.array(["m", "f"], dtype=object), n)
    g1[0], g1[-1] = "m", "f"  # both levels present
    df["g1"] = pd.array(g1, dtype="str")
    df["g2"] = rng.integers(1, 4, n)
    return df


def design(df: pd.DataFrame, **kw) -> ts.Survey:
    return ts.Survey(df, weights="w", strata="stratum", psu="psu", **kw)


def frame_close(a: pd.DataFrame, b: pd.DataFrame, cols=("estimate", "se"), rtol=1e-9) -> None:
    for c in cols:
        np.testing.assert_allclose(a[c].to_numpy(float), b[c].to_numpy(float), rtol=rtol, atol=1e-12,
                                   err_msg=c)


# --------------------------------------------------------------------------- domains: three routes


@FEW
@given(seed=seeds)
def test_domain_mean_subset_by_and_ratio_agree(seed):
    df = make_sample(seed)
    s = design(df)
    via_subset = s.subset(df["d"].to_numpy() == 1).mean("y").to_frame()
    via_by = s.mean("y", by="d").to_frame()
    via_by = via_by[via_by["d"] == 1]
    s2 = s.with_columns({"yd": df["y"] * df["d"]})
    via_ratio = s2.ratio("yd", "d").to_frame()
    frame_close(via_subset, via_by)
    frame_close(via_subset, via_ratio)


def test_domain_mean_routes_on_api_data(survey):
    """The same three routes on R's api data (clus1, stype == 'H')."""
    s = survey("clus1")
    data = s.data
    h = (data["stype"] == "H").astype(float)
    a = s.subset("stype == 'H'").mean("api00").to_frame()
    b = s.mean("api00", by="stype").to_frame().query("stype == 'H'")
    c = s.with_columns({"yH": data["api00"] * h, "H": h}).ratio("yH", "H").to_frame()
    frame_close(a, b)
    frame_close(a, c)
    np.testing.assert_allclose(a["se"], 38.0202493594075, rtol=1e-6)  # R: svymean on subset()


def test_domain_keeps_whole_design_for_variance(survey):
    """A subset is a domain, not a new sample: dropping the other rows gives another (wrong) SE."""
    s = survey("clus1")
    data = s.data
    dom = s.subset("stype == 'H'").mean("api00").to_frame()
    import trustsurvey as ts

    dropped = ts.Survey(data[data["stype"] == "H"], weights="pw", psu="dnum", fpc="fpc")
    naive = dropped.mean("api00").to_frame()
    assert dom["estimate"].iloc[0] == pytest.approx(naive["estimate"].iloc[0], rel=1e-12)
    assert abs(dom["se"].iloc[0] - naive["se"].iloc[0]) > 1e-3 * dom["se"].iloc[0]
    assert dom["df"].iloc[0] == s.subset("stype == 'H'").degf


# --------------------------------------------------------------------------- level shares


@SETTINGS
@given(seed=seeds)
@example(seed=981)  # a group of d with no valid answer of cat: its shares and covariances are NaN
def test_level_shares_sum_to_one_and_binary_ses_match(seed):
    df = make_sample(seed)
    s = design(df)
    est = s.proportion(["cat", "g1"], by="d")
    t = est.to_frame()
    answered = t[t["n_unweighted"] > 0]  # a group with no valid answer has NaN shares
    sums = answered.groupby(["d", "variable"])["estimate"].sum()
    np.testing.assert_allclose(sums.to_numpy(), 1.0, rtol=1e-12)
    assert t.loc[t["n_unweighted"] == 0, "estimate"].isna().all()
    g1 = t[t["variable"] == "g1"]
    for _, grp in g1.groupby("d"):
        assert len(grp) == 2
        assert grp["se"].iloc[0] == pytest.approx(grp["se"].iloc[1], rel=1e-9, abs=1e-14)
    # the shares of one variable in one group have covariances summing to zero; a group with no valid
    # answer has no shares, so its covariances are NaN (by design: nothing was estimated)
    v = est.vcov.to_numpy()
    for (_, _), idx in t.groupby(["d", "variable"]).groups.items():
        pos = t.index.get_indexer(idx)
        block = v[np.ix_(pos, pos)]
        if (t["n_unweighted"].to_numpy()[pos] == 0).all():
            assert np.isnan(block).all()
        else:
            np.testing.assert_allclose(block.sum(axis=1), 0.0, atol=1e-12)


def test_mean_of_text_variable_equals_proportion(survey):
    s = survey("clus1")
    frame_close(s.mean("stype").to_frame(), s.proportion("stype").to_frame(), rtol=1e-12)


# --------------------------------------------------------------------------- intervals


@SETTINGS
@given(seed=seeds)
def test_logit_intervals_inside_unit_interval_and_asymmetric(seed):
    df = make_sample(seed)
    t = design(df).proportion(["cat", "g1", "d"], ci_method="logit").to_frame()
    t = t[(t["estimate"] > 0) & (t["estimate"] < 1) & (t["se"] > 0)]
    assert len(t)
    p, lo, hi = t["estimate"], t["ci_low"], t["ci_high"]
    assert ((lo > 0) & (lo < p) & (p < hi) & (hi < 1)).all()
    below = (p < 0.5 - 1e-9).to_numpy()
    above = (p > 0.5 + 1e-9).to_numpy()
    # the interval stretches towards 1/2: longer arm on the side of 0.5
    assert ((hi - p) > (p - lo)).to_numpy()[below].all()
    assert ((hi - p) < (p - lo)).to_numpy()[above].all()


@pytest.mark.parametrize("method", ["logit", "beta", "xlogit", "mean", "asin", "wilson"])
def test_proportion_intervals_contain_the_estimate(survey, method):
    t = survey("nhanes").proportion(["highbp", "race"], ci_method=method).to_frame()
    assert ((t["ci_low"] < t["estimate"]) & (t["estimate"] < t["ci_high"])).all()
    if method != "mean":
        assert ((t["ci_low"] >= 0) & (t["ci_high"] <= 1)).all()


@pytest.mark.parametrize("kind", ["mean", "total", "proportion", "ratio"])
def test_confint_narrower_at_lower_level(survey, kind):
    s = survey("clus1")
    est = {"mean": lambda: s.mean(["api00", "stype"]),
           "total": lambda: s.total("enroll", by="stype"),
           "proportion": lambda: s.proportion("sch_wide", ci_method="beta"),
           "ratio": lambda: s.ratio("api00", "api99")}[kind]()
    c90, c95, c99 = est.confint(0.90), est.confint(0.95), est.confint(0.99)
    w90, w95, w99 = (c["ci_high"] - c["ci_low"] for c in (c90, c95, c99))
    assert (w90 < w95).all() and (w95 < w99).all()
    t = est.to_frame()
    # confint at the stored level reproduces the stored interval
    np.testing.assert_allclose(c95["ci_low"], t["ci_low"], rtol=1e-12)
    np.testing.assert_allclose(c95["ci_high"], t["ci_high"], rtol=1e-12)


# --------------------------------------------------------------------------- invariance


@SETTINGS
@given(seed=seeds, c=st.floats(min_value=1e-3, max_value=1e4))
def test_scaling_weights(seed, c):
    df = make_sample(seed)
    s1, s2 = design(df), design(df.assign(w=df["w"] * c))
    vars_ = ["y", "y2", "cat"]
    frame_close(s1.mean(vars_, by="g1").to_frame(), s2.mean(vars_, by="g1").to_frame(), rtol=1e-8)
    frame_close(s1.ratio("y2", "y").to_frame(), s2.ratio("y2", "y").to_frame(), rtol=1e-8)
    t1, t2 = s1.total(vars_, by="g1").to_frame(), s2.total(vars_, by="g1").to_frame()
    np.testing.assert_allclose(t2["estimate"], c * t1["estimate"], rtol=1e-8)
    np.testing.assert_allclose(t2["se"], c * t1["se"], rtol=1e-8)
    np.testing.assert_allclose(t2["n_weighted"], c * t1["n_weighted"], rtol=1e-8)


@FEW
@given(seed=seeds, perm_seed=seeds)
def test_permuting_rows_changes_nothing(seed, perm_seed):
    df = make_sample(seed)
    perm = np.random.default_rng(perm_seed).permutation(len(df))
    s1, s2 = design(df), design(df.iloc[perm])
    cols = ("estimate", "se", "ci_low", "ci_high", "df", "deff", "n_unweighted", "n_weighted")
    for call in (lambda s: s.mean(["y", "y2", "cat"], by=["g1", "g2"]),
                 lambda s: s.total(["y", "cat"], by="d"),
                 lambda s: s.proportion("cat"),
                 lambda s: s.ratio("y2", "y", by="g1")):
        a, b = call(s1).to_frame(), call(s2).to_frame()
        pd.testing.assert_frame_equal(a.drop(columns=list(cols)), b.drop(columns=list(cols)))
        frame_close(a, b, cols=[c for c in cols if c != "deff"], rtol=1e-9)
        # deff of a cell whose values are all equal is 0/0 or x/0, which rounding turns into 0, NaN, inf
        # or 1e15 depending on row order: see test_deff_of_degenerate_cell_does_not_depend_on_row_order
        defined = (a["se"] > 1e-9 * np.maximum(1.0, a["estimate"].abs())) & (a["deff"] < 1e6)
        frame_close(a[defined.to_numpy()], b[defined.to_numpy()], cols=["deff"], rtol=1e-9)
    # a domain given as a mask follows the rows
    mask = df["d"].to_numpy() == 1
    frame_close(s1.subset(mask).mean("y2").to_frame(), s2.subset(mask[perm]).mean("y2").to_frame())


# --------------------------------------------------------------------------- one call = many calls


@SETTINGS
@given(seed=seeds)
def test_several_variables_equal_separate_calls(seed):
    df = make_sample(seed)
    s = design(df)
    joint = s.mean(["y", "y2", "cat"], by="g2").to_frame()
    parts = pd.concat([s.mean(v, by="g2").to_frame() for v in ["y", "y2", "cat"]])
    parts = parts.sort_values(["g2"], kind="stable").reset_index(drop=True)
    pd.testing.assert_frame_equal(joint[["g2", "variable", "level"]], parts[["g2", "variable", "level"]])
    frame_close(joint, parts, cols=("estimate", "se", "ci_low", "ci_high", "deff", "n_unweighted",
                                    "n_weighted"))


@FEW
@given(seed=seeds)
def test_crossed_by_equals_subsetting_each_combination(seed):
    df = make_sample(seed)
    s = design(df)
    crossed = s.mean(["y", "y2"], by=["g1", "g2"]).to_frame()
    assert crossed[["g1", "g2"]].drop_duplicates().shape[0] == len(crossed) // 2
    for (a, b), grp in crossed.groupby(["g1", "g2"], sort=False):
        mask = (df["g1"] == a).to_numpy() & (df["g2"] == b).to_numpy()
        sub = s.subset(mask).mean(["y", "y2"]).to_frame()
        frame_close(grp.reset_index(drop=True), sub, cols=("estimate", "se", "n_unweighted", "n_weighted"))
    # every combination present in the data is there, none absent
    present = df[["g1", "g2"]].drop_duplicates().shape[0]
    assert crossed[["g1", "g2"]].drop_duplicates().shape[0] == present


@SETTINGS
@given(seed=seeds)
def test_vcov_diagonal_is_se_squared(seed):
    df = make_sample(seed)
    s = design(df)
    for est in (s.mean(["y", "y2", "cat"], by="g1"), s.total("y", by=["g1", "g2"]),
                s.proportion("cat", by="d"), s.ratio(["y2", "y"], "y")):
        v = est.vcov
        t = est.to_frame()
        assert v.shape == (len(t), len(t))
        ok = np.isfinite(t["se"].to_numpy())  # an empty cell has se NaN (see test_vcov_of_empty_cell_is_nan)
        np.testing.assert_allclose(np.diag(v.to_numpy())[ok], t["se"].to_numpy()[ok] ** 2, rtol=1e-10,
                                   atol=1e-300)
        vv = v.to_numpy()[np.ix_(ok, ok)]
        np.testing.assert_allclose(vv, vv.T, rtol=1e-12, atol=1e-300)
        assert np.linalg.eigvalsh(vv).min() > -1e-8 * max(1.0, np.abs(vv).max())
        assert v.index.is_unique


def test_vcov_of_empty_cell_is_nan():
    df = pd.DataFrame({"psu": [1, 2, 3, 4], "w": 1.0, "g": ["a", "a", "b", "b"],
                       "y": [1.0, 2.0, np.nan, np.nan]})
    est = ts.Survey(df, weights="w", psu="psu").mean("y", by="g")
    t = est.to_frame()
    assert np.isnan(t["se"].iloc[1]) and np.isnan(t["estimate"].iloc[1])
    v = est.vcov.to_numpy()
    assert np.isnan(v[1, 1])


def test_deff_of_degenerate_cell_does_not_depend_on_row_order():
    df = make_sample(2069)
    perm = np.random.default_rng(0).permutation(len(df))
    for frame in (df, df.iloc[perm]):
        t = design(frame).mean(["y", "cat"], by=["g1", "g2"]).to_frame()
        cell = t[(t["g1"] == "m") & (t["g2"] == 1) & (t["level"] == "c")].iloc[0]
        assert cell["estimate"] == 1.0
        assert np.isnan(cell["deff"])
    df = make_sample(510691698)
    perm = np.random.default_rng(392371585).permutation(len(df))
    for frame in (df, df.iloc[perm]):
        t = design(frame).total(["y", "cat"], by="d").to_frame()
        cell = t[(t["d"] == 1) & (t["level"] == "a")].iloc[0]
        assert cell["se"] > 0
        assert cell["deff"] == np.inf


def test_ratio_with_shared_denominator_equals_separate_calls(survey):
    s = survey("clus1")
    joint = s.ratio(["api00", "api99"], "enroll").to_frame()
    parts = pd.concat([s.ratio(v, "enroll").to_frame() for v in ["api00", "api99"]], ignore_index=True)
    assert joint["variable"].tolist() == ["api00/enroll", "api99/enroll"]
    frame_close(joint, parts, cols=("estimate", "se", "ci_low", "ci_high"))


# --------------------------------------------------------------------------- missing values


@SETTINGS
@given(seed=seeds)
def test_missing_values_dropped_per_variable(seed):
    df = make_sample(seed)
    s = design(df)
    joint = s.mean(["y", "y2"]).to_frame().set_index("variable")
    # y (complete) is not affected by y2's missing values: listwise deletion would change it
    alone = s.mean("y").to_frame().iloc[0]
    assert joint.loc["y", "estimate"] == pytest.approx(alone["estimate"], rel=1e-12)
    assert joint.loc["y", "se"] == pytest.approx(alone["se"], rel=1e-12)
    assert joint.loc["y", "n_unweighted"] == len(df)
    # y2's estimate is the domain estimate over its valid answers (R: na.rm = TRUE)
    valid = df["y2"].notna().to_numpy()
    dom = s.subset(valid).mean("y2").to_frame().iloc[0]
    assert joint.loc["y2", "estimate"] == pytest.approx(dom["estimate"], rel=1e-12)
    assert joint.loc["y2", "se"] == pytest.approx(dom["se"], rel=1e-9)
    assert joint.loc["y2", "n_unweighted"] == valid.sum()
    assert joint.loc["y2", "n_weighted"] == pytest.approx(df.loc[valid, "w"].sum(), rel=1e-12)


def test_missing_in_categorical_is_not_a_level(survey):
    s = survey("clus1")
    data = s.data
    t = s.with_columns({"sw": data["sch_wide"].where(data["dnum"] != 795)}).proportion("sw").to_frame()
    assert t["level"].tolist() == ["No", "Yes"]
    assert t["estimate"].sum() == pytest.approx(1.0)
    assert t["n_unweighted"].iloc[0] == (data["dnum"] != 795).sum()


def test_missing_by_value_belongs_to_no_group(survey):
    s = survey("clus1")
    data = s.data
    by = data["stype"].where(data["snum"] % 7 != 0)
    t = s.with_columns({"stype2": by}).mean("api00", by="stype2").to_frame()
    assert t["stype2"].tolist() == ["E", "H", "M"]
    assert t["n_unweighted"].sum() == by.notna().sum()


def nullable_sample() -> pd.DataFrame:
    df = make_sample(11)
    y = df["g2"].astype("Int64").astype(object)
    y[::4] = pd.NA  # the simulator and the SPSS reader give routed items as nullable Int64
    df["yi"] = pd.array(y, dtype="Int64")
    df["yf"] = df["yi"].astype("float64")
    df["bi"] = pd.array(np.where(df["yi"].isna(), None, df["yi"] == 1), dtype="boolean")
    df["bf"] = df["bi"].astype("float64")
    return df


def test_nullable_dtypes_equal_float_columns():
    df = nullable_sample()
    s = design(df)
    for a, b in (("yi", "yf"), ("bi", "bf")):
        frame_close(s.mean(a, by="g1").to_frame(), s.mean(b, by="g1").to_frame(), rtol=1e-12)
        frame_close(s.total(a).to_frame(), s.total(b).to_frame(), rtol=1e-12)
    frame_close(s.mean("y", by="bi").to_frame(), s.mean("y", by="bf").to_frame(), rtol=1e-12)


def test_proportion_of_nullable_integer_column():
    df = nullable_sample()
    s = design(df)
    a = s.proportion("yi").to_frame()
    b = s.proportion("yf").to_frame()
    assert a["level"].tolist() == b["level"].tolist() == ["1", "2", "3"]
    frame_close(a, b, rtol=1e-12)
    assert s.proportion("bi").to_frame()["level"].tolist() == ["False", "True"]


# --------------------------------------------------------------------------- more cross-routes


def test_quantile_by_equals_quantile_on_subset(survey):
    s = survey("clus1")
    by = s.quantile("api00", [0.25, 0.5], by="stype").to_frame()
    for level, grp in by.groupby("stype"):
        sub = s.subset(s.data["stype"].to_numpy() == level).quantile("api00", [0.25, 0.5]).to_frame()
        frame_close(grp.reset_index(drop=True), sub, cols=("estimate", "se", "ci_low", "ci_high", "df"))


@SETTINGS
@given(seed=seeds)
def test_nested_subsets(seed):
    df = make_sample(seed)
    s = design(df)
    d = df["d"].to_numpy() == 1
    m = (df["g1"] == "m").to_numpy()
    frame_close(s.subset(d).subset(m).mean(["y", "y2"]).to_frame(), s.subset(d & m).mean(["y", "y2"]).to_frame())


def test_by_within_a_subset(survey):
    s = survey("clus1")
    data = s.data
    h = (data["stype"] == "H").to_numpy()
    within = s.subset(h).mean("api00", by="sch_wide").to_frame()
    assert within["sch_wide"].tolist() == ["No", "Yes"]
    for level, row in within.set_index("sch_wide").iterrows():
        alone = s.subset(h & (data["sch_wide"] == level).to_numpy()).mean("api00").to_frame().iloc[0]
        assert row["estimate"] == pytest.approx(alone["estimate"], rel=1e-12)
        assert row["se"] == pytest.approx(alone["se"], rel=1e-10)


def test_level_totals_add_up_to_the_weighted_base(survey):
    s = survey("clus1")
    t = s.total("stype", by="sch_wide").to_frame()
    sums = t.groupby("sch_wide")["estimate"].sum()
    np.testing.assert_allclose(sums.to_numpy(), t.groupby("sch_wide")["n_weighted"].first().to_numpy(),
                               rtol=1e-12)
    # and the total of a 0/1 indicator equals its level total
    data = s.data
    ind = s.with_columns({"is_h": (data["stype"] == "H").astype(float)}).total("is_h").to_frame()
    assert ind["estimate"].iloc[0] == pytest.approx(s.total("stype").to_frame()["estimate"].iloc[1], rel=1e-12)
    assert ind["se"].iloc[0] == pytest.approx(s.total("stype").to_frame()["se"].iloc[1], rel=1e-12)


def test_total_equals_mean_times_estimated_population_for_complete_variable(survey):
    """For a variable without missing values, total = mean x sum of weights (same rows)."""
    s = survey("strat")
    mean = s.mean("api00").to_frame().iloc[0]
    total = s.total("api00").to_frame().iloc[0]
    assert total["estimate"] == pytest.approx(mean["estimate"] * s.weights.sum(), rel=1e-12)


def test_domain_deff_by_hand(survey):
    """deff of a domain mean: its variance over the SRS-without-replacement variance of the domain,
    as R's svymean(deff = TRUE) on subset(): s^2 / n * (N - n) / N over the domain's rows."""
    s = survey("clus1")
    data = s.data
    h = (data["stype"] == "H").to_numpy()
    got = s.subset(h).mean("api00").to_frame().iloc[0]
    y, w = data.loc[h, "api00"].to_numpy(), data.loc[h, "pw"].to_numpy()
    n, N = h.sum(), w.sum()
    ybar = (w * y).sum() / N
    s2 = (w * (y - ybar) ** 2).sum() / N * n / (n - 1)
    vsrs = s2 / n * (N - n) / N
    assert got["deff"] == pytest.approx(got["se"] ** 2 / vsrs, rel=1e-10)
    # and via by= the same
    by = s.mean("api00", by="stype").to_frame().query("stype == 'H'").iloc[0]
    assert by["deff"] == pytest.approx(got["deff"], rel=1e-10)
