"""ts.planning against PracTools 1.7.5 (nPropMoe, strAlloc, nProp2sam) and its own invariants.

Reference values: tests/reference/practools/ (make_practools_reference.R and practools.json); 1e-6 relative.
"""

from __future__ import annotations

import json
import math
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import trustsurvey as ts
from trustsurvey.errors import EstimationError

REF = Path(__file__).parent / "reference" / "practools" / "practools.json"
RTOL = 1e-6


@lru_cache(maxsize=1)
def reference() -> dict:
    return json.loads(REF.read_text(encoding="utf-8"))


def _N(case):
    return case["N"] if isinstance(case["N"], (int, float)) else None


def test_sample_size_matches_nPropMoe():
    cases = reference()["nPropMoe"]
    assert len(cases) == 300
    ours = [ts.planning.sample_size(c["e"], p=c["pU"], N=_N(c), conf=1 - c["alpha"]) for c in cases]
    np.testing.assert_allclose(ours, [c["n"] for c in cases], rtol=RTOL)


def test_sample_size_design_effect_and_response_rate():
    base = ts.planning.sample_size(0.03, p=0.4)
    assert ts.planning.sample_size(0.03, p=0.4, deff=1.8) == pytest.approx(1.8 * base, rel=1e-12)
    assert ts.planning.sample_size(0.03, p=0.4, deff=1.8, response_rate=0.6) == pytest.approx(3 * base, rel=1e-12)
    # with a population: SRSWOR variance times deff gives the target margin of error
    n = ts.planning.sample_size(0.03, p=0.4, deff=1.8, N=20_000)
    z = 1.959963984540054
    assert z * math.sqrt(1.8 * 0.24 / n * (20_000 - n) / 19_999) == pytest.approx(0.03, rel=1e-10)
    assert ts.planning.margin_of_error(n, p=0.4, deff=1.8, N=20_000) == pytest.approx(0.03, rel=1e-10)


@pytest.mark.parametrize("i", range(6))
def test_allocate_matches_strAlloc(i):
    case = reference()["strAlloc"][i]
    prop = ts.planning.allocate(case["n"], case["Nh"], method="proportional")
    np.testing.assert_allclose(prop.nh, case["prop"], rtol=RTOL)
    ney = ts.planning.allocate(case["n"], case["Nh"], case["Sh"], method="neyman")
    if all(n <= N for n, N in zip(case["neyman"], case["Nh"])):
        np.testing.assert_allclose(ney.nh, case["neyman"], rtol=RTOL)
        assert ney.se == pytest.approx(case["neyman_se"], rel=RTOL)
        assert not any(ney.fixed)
    else:  # PracTools warns "nh is larger than Nh"; here such a stratum is taken whole, the rest re-allocated
        over = np.array(case["neyman"]) > np.array(case["Nh"])
        np.testing.assert_allclose(ney.nh[over], np.array(case["Nh"])[over])
        assert list(ney.fixed[over]) == ["all"] * int(over.sum())
        rest = ~over
        expected = np.array(case["neyman"])[rest] / np.sum(np.array(case["neyman"])[rest]) * (
            case["n"] - np.sum(np.array(case["Nh"])[over]))
        np.testing.assert_allclose(ney.nh[rest], expected, rtol=RTOL)
    assert ney.nh.sum() == pytest.approx(case["n"], rel=1e-12)


def test_power_and_equal_allocation():
    Nh = pd.Series({"a": 10_000, "b": 40_000, "c": 250_000})
    for q in (0.0, 0.3, 0.5, 1.0):
        a = ts.planning.allocate(900, Nh, method="power", power=q)
        np.testing.assert_allclose(a.nh, 900 * Nh ** q / np.sum(Nh ** q))
    np.testing.assert_allclose(ts.planning.allocate(900, Nh, method="power", power=1).nh,
                               ts.planning.allocate(900, Nh).nh)
    np.testing.assert_allclose(ts.planning.allocate(900, Nh, method="equal").nh, [300, 300, 300])
    Sh = [0.5, 0.3, 0.45]
    np.testing.assert_allclose(ts.planning.allocate(900, Nh, Sh, method="power", power=1).nh,
                               ts.planning.allocate(900, Nh, Sh, method="neyman").nh)


def test_minimum_per_stratum_and_take_all():
    Nh = {"a": 300, "b": 40_000, "c": 250_000}
    a = ts.planning.allocate(1000, Nh, min_per_stratum=100)
    assert a.nh[0] == 100 and list(a.fixed) == ["minimum", "", ""]
    np.testing.assert_allclose(a.nh[1:], 900 * np.array([40_000, 250_000]) / 290_000)
    b = ts.planning.allocate(1000, {"a": 50, "b": 40_000, "c": 250_000}, min_per_stratum=100)
    assert b.nh[0] == 50 and b.fixed[0] == "all"
    r = a.rounded()
    assert r.sum() == 1000 and list(r.index) == ["a", "b", "c"] and r["a"] == 100
    assert ts.planning.allocate(1000.2, Nh).rounded().sum() == 1001
    frame = a.to_frame()
    assert list(frame.columns) == ts.planning.ALLOCATION_COLUMNS
    np.testing.assert_allclose(frame["share_of_sample"].sum(), 1.0)


def test_allocation_design_effect_of_kish():
    Nh = np.array([10_000, 40_000, 250_000])
    assert ts.planning.allocate(900, Nh).allocation_deff == pytest.approx(1.0)
    a = ts.planning.allocate(900, Nh, method="equal")
    W = Nh / Nh.sum()
    assert a.allocation_deff == pytest.approx(np.sum(W ** 2 / (1 / 3)))


def _change_args(c):
    alt = "two-sided" if c["alt"] == "two.sided" else "greater"
    return dict(power=c["power"], alpha=c["sig_level"], overlap=c["g"], rho=c["rho"], ratio=c["r"],
                alternative=alt)


def test_n_for_change_matches_nProp2sam():
    cases = reference()["nProp2sam"]
    assert len(cases) > 100
    ours = np.array([ts.planning.n_for_change(c["px"], c["py"], **_change_args(c)) for c in cases])
    np.testing.assert_allclose(ours, [c["n1_unrounded"] for c in cases], rtol=RTOL)
    # PracTools rounds up
    assert [math.ceil(x - 1e-9) for x in ours] == [c["n1"] for c in cases]
    # and the second wave has n1 / r
    np.testing.assert_allclose(ours / np.array([c["r"] for c in cases]), [c["n2_unrounded"] for c in cases],
                               rtol=RTOL)


def test_one_sided_in_either_direction_and_deff():
    a = ts.planning.n_for_change(0.6, 0.65, alternative="less")
    assert a == ts.planning.n_for_change(0.6, 0.65, alternative="greater")
    assert a < ts.planning.n_for_change(0.6, 0.65)
    assert ts.planning.n_for_change(0.6, 0.65, deff=2) == pytest.approx(2 * ts.planning.n_for_change(0.6, 0.65))


@pytest.mark.parametrize("p, kwargs", [(0.6, {}), (0.3, {"overlap": 0.5, "rho": 0.4}), (0.8, {"deff": 1.9}),
                                       (0.5, {"alternative": "less", "power": 0.9})])
def test_min_detectable_change_inverts_n_for_change(p, kwargs):
    n = 1200
    up = ts.planning.min_detectable_change(n, p, direction="up", **kwargs)
    down = ts.planning.min_detectable_change(n, p, direction="down", **kwargs)
    assert ts.planning.n_for_change(p, p + up, **kwargs) == pytest.approx(n, rel=1e-9)
    assert ts.planning.n_for_change(p, p - down, **kwargs) == pytest.approx(n, rel=1e-9)
    assert ts.planning.min_detectable_change(n, p, **kwargs) == max(up, down)
    if p != 0.5:  # the change towards 50% is the harder one
        assert ts.planning.min_detectable_change(n, p, **kwargs) == (down if p > 0.5 else up)
    # more interviews, smaller detectable changes
    assert ts.planning.min_detectable_change(4 * n, p, **kwargs) < max(up, down)


def test_min_detectable_change_beyond_reach_is_nan():
    assert math.isnan(ts.planning.min_detectable_change(5, 0.97, direction="up"))


@pytest.mark.parametrize("call, message", [
    (lambda: ts.planning.sample_size(3), "moe=3 must lie in (0, 1)"),
    (lambda: ts.planning.sample_size(0.03, p=1), "p=1 must lie in (0, 1)"),
    (lambda: ts.planning.sample_size(0.03, response_rate=0), "response_rate=0 must lie in (0, 1]"),
    (lambda: ts.planning.sample_size(0.03, N=1), "N=1 must lie in (1, inf)"),
    (lambda: ts.planning.sample_size("a"), "moe='a' is not a number"),
    (lambda: ts.planning.allocate(100, [10, 20], method="optimal"), "method='optimal' is not known"),
    (lambda: ts.planning.allocate(100, [10, 20], method="neyman"), "Neyman allocation needs Sh"),
    (lambda: ts.planning.allocate(100, [10, 20]), "at most the population (30)"),
    (lambda: ts.planning.allocate(10, [10, 20], min_per_stratum=8), "needs 16 interviews, more than n=10"),
    (lambda: ts.planning.allocate(10, [10, -20]), "must be positive numbers"),
    (lambda: ts.planning.allocate(10, {"a": 10, "b": 20}, {"a": 0.5}), "Sh has no value for stratum(s) ['b']"),
    (lambda: ts.planning.n_for_change(0.6, 0.6), "no change to detect"),
    (lambda: ts.planning.n_for_change(0.2, 0.9, rho=1.0), "rho=1.0 is impossible"),
    (lambda: ts.planning.n_for_change(0.6, 0.65, alternative="two.sided"), "alternative='two.sided' is not known"),
    (lambda: ts.planning.min_detectable_change(100, 0.5, direction="both"), "direction='both' is not known"),
])
def test_errors(call, message):
    with pytest.raises(EstimationError) as info:
        call()
    assert message in str(info.value)


# ------------------------------------------------------------------ the next wave from the last


@lru_cache(maxsize=1)
def wave_2025():
    return ts.datasets.load_example(2025, raw=False).weight()


def test_design_effects_are_the_surveys_own():
    d = ts.planning.design_effects(wave_2025(), ["trust_kp", "pf_index"])
    assert list(d["metric"]) == ["top2", "mean"]
    s = wave_2025()
    x = s.data["trust_kp"].to_numpy(dtype=float, na_value=np.nan)
    top2 = np.where(np.isnan(x), np.nan, np.isin(x, [4, 5]).astype(float))
    direct = s.with_columns({"t": top2}).mean("t").to_frame().iloc[0]
    assert d.loc[0, "deff"] == pytest.approx(direct["deff"], rel=1e-12)
    assert d.loc[0, "estimate"] == pytest.approx(direct["estimate"], rel=1e-12)
    assert d.loc[1, "deff"] == pytest.approx(s.mean("pf_index").to_frame()["deff"].iloc[0], rel=1e-12)


def test_next_wave_sizes_allocation_and_margins():
    s = wave_2025()
    plan = ts.planning.next_wave(s, 0.03, items=["trust_kp", "safe_night"], by="region", cost_per_interview=10,
                                 budget=10_000)
    deffs = ts.planning.design_effects(s, ["trust_kp", "safe_night"])
    assert plan.deff == pytest.approx(deffs["deff"].mean())
    N = float(s.weights.sum())
    assert plan.n == pytest.approx(ts.planning.sample_size(0.03, deff=plan.deff, N=N))
    t = plan.to_frame()
    strata = t[t["region"] != "total"]
    pops = s.data.assign(w=s.weights).groupby("region")["w"].sum()
    np.testing.assert_allclose(strata["population"], pops.to_numpy())
    np.testing.assert_allclose(strata["n"], plan.n * pops.to_numpy() / pops.sum())
    assert strata["n_rounded"].sum() == math.ceil(plan.n) == t["n_rounded"].iloc[-1]
    assert plan.moe_national == pytest.approx(0.03, rel=1e-5)
    assert plan.cost == 10 * math.ceil(plan.n)
    assert plan.n_budget == 1000
    assert plan.moe_budget == pytest.approx(ts.planning.margin_of_error(1000, deff=plan.deff, N=N))
    # a compromise allocation costs national precision
    power = ts.planning.next_wave(s, 0.03, items=["trust_kp"], by="region", method="power")
    assert power.moe_national > 0.03
    assert power.moe_national == pytest.approx(0.03 * math.sqrt(power.allocation.allocation_deff), rel=2e-3)


def test_next_wave_within_a_second_variable():
    plan = ts.planning.next_wave(wave_2025(), 0.03, items=["trust_kp"], by=["region", "settlement"])
    t = plan.to_frame()
    assert list(t.columns[:2]) == ["region", "settlement"]
    cells = t[t["region"] != "total"]
    by_region = cells.groupby("region")["n"].sum()
    np.testing.assert_allclose(by_region.to_numpy(), plan.allocation.nh)
