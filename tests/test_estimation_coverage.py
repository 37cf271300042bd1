"""Coverage: 95% intervals cover the population value in about 95% of repeated samples.

Two seeded simulations of modest size:

- the example simulator's Kosovo population (:mod:`trustsurvey.simulate`):
  stratified two-stage PPS samples with their design weights, analysed as
  with-replacement PSUs (no FPC), as the shipped example data are. Its
  samples carry some age/gender nonresponse that design weights do not undo,
  so estimates are slightly biased; coverage stays near 95%.
- a small synthetic clustered population drawn inline, sampled by stratified
  two-stage simple random sampling with both FPCs: there the design is
  exactly the one analysed.

To stay fast, the repeated samples are stacked into one data set (each sample
with its own strata and PSUs) and estimated in one call with ``by="sample"``:
a by-group is a domain, and since no other sample shares its strata, each
group's estimate and standard error are exactly those of its sample analysed
alone (checked on the first samples). Intervals then use each sample's own
degrees of freedom, as an analysis of that sample would.

With 150 samples the number of covering intervals is binomial; 0.88-0.99
leaves about four standard deviations below 0.95 (the runs are seeded, so
the test is deterministic).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

import trustsurvey as ts
from trustsurvey.inference import proportion_interval, t_interval

N_SAMPLES = 150
LOW, HIGH = 0.88, 0.99


def per_sample_df(stacked: pd.DataFrame, psu: str) -> np.ndarray:
    """Design degrees of freedom of each sample: PSUs minus strata."""
    g = stacked.groupby("sample")
    return (g[psu].nunique() - g["stratum"].nunique()).to_numpy(dtype=float)


def covers(lo, hi, truth) -> np.ndarray:
    return (np.asarray(lo) <= truth) & (truth <= np.asarray(hi))


def check_stacking(stacked: pd.DataFrame, stacked_frame: pd.DataFrame, variables, make_survey, n=3) -> None:
    """The by-sample estimates equal each sample analysed on its own."""
    for k in range(n):
        alone = make_survey(stacked[stacked["sample"] == k]).mean(variables).to_frame()
        mine = stacked_frame[stacked_frame["sample"] == k]
        np.testing.assert_allclose(mine["estimate"].to_numpy(), alone["estimate"].to_numpy(), rtol=1e-10)
        np.testing.assert_allclose(mine["se"].to_numpy(), alone["se"].to_numpy(), rtol=1e-8)


# --------------------------------------------------------------------------- the example simulator


def test_coverage_on_simulated_kosovo_population():
    from trustsurvey import simulate

    pop = simulate.simulate_population(3, 2025, scale=0.1)
    truth = simulate.population_truth(population=pop, items=["trust_kp", "app_aware"])
    truth = truth.set_index(["variable", "statistic"])["value"]
    parts = []
    for k in range(N_SAMPLES):
        smp = simulate.draw_sample(pop, 1000 + k, n_psu=48, min_psu_region=4)
        trust = smp["trust_kp"].where(smp["trust_kp"] < 98).astype(float)  # 98/99: don't know, refused
        aware = smp["app_aware"].where(smp["app_aware"] < 98)
        parts.append(pd.DataFrame({
            "sample": k, "stratum": k * 100 + smp["stratum"], "psu": smp["psu"] + k * 10**7,
            "w": smp["design_weight"], "trust": trust,
            "top2": (trust >= 4).astype(float).where(trust.notna()),
            "aware": aware.map({1: "yes", 2: "no"}),
        }))
    stacked = pd.concat(parts, ignore_index=True)

    def make(d):
        return ts.Survey(d, weights="w", strata="stratum", psu="psu")

    s = make(stacked)
    df = per_sample_df(stacked, "psu")
    means = s.mean(["trust", "top2"], by="sample").to_frame()
    check_stacking(stacked, means, ["trust", "top2"], make)
    shares = s.proportion("aware", by="sample").to_frame()
    yes = shares[shares["level"] == "yes"]

    coverage = {}
    for var, target in [("trust", truth["trust_kp", "mean"]), ("top2", truth["trust_kp", "top2"])]:
        m = means[means["variable"] == var]
        coverage[var] = covers(*t_interval(m["estimate"], m["se"], df), target).mean()
    target = truth["app_aware", "top2"]
    for method in ("logit", "beta", "mean"):
        lo, hi = proportion_interval(yes["estimate"], yes["se"], df, yes["n_unweighted"], method)
        coverage[f"aware_{method}"] = covers(lo, hi, target).mean()
    values = np.array(list(coverage.values()))
    assert ((LOW <= values) & (values <= HIGH)).all(), coverage


# --------------------------------------------------------------------------- a two-stage design with FPCs


def _population(rng: np.random.Generator, n_strata: int = 4, clusters: int = 40) -> pd.DataFrame:
    """Strata of clusters of 20-60 people, sorted by cluster; y has stratum and cluster effects, b is 0/1."""
    sizes = rng.integers(20, 61, n_strata * clusters)
    cluster = np.repeat(np.arange(sizes.size), sizes)
    stratum = cluster // clusters
    effect = rng.normal(0, 1.5, sizes.size)[cluster]
    y = 20 + 2 * stratum + effect + rng.gamma(2.0, 2.0, cluster.size)
    b = (rng.random(cluster.size) < 1 / (1 + np.exp(1.6 - 0.5 * effect))).astype(float)
    return pd.DataFrame({"stratum": stratum, "cluster": cluster, "y": y, "b": b})


def _two_stage_sample(pop: pd.DataFrame, rng: np.random.Generator, n_clusters: int = 5,
                      take: int = 8) -> pd.DataFrame:
    """SRS of clusters within strata, then SRS of people within clusters, with both stages' FPCs."""
    cluster = pop["cluster"].to_numpy()
    sizes = np.bincount(cluster)
    starts = np.r_[0, np.cumsum(sizes)[:-1]]
    per_stratum = pop.groupby("stratum")["cluster"].nunique().to_numpy()
    first = np.r_[0, np.cumsum(per_stratum)[:-1]]
    # clusters: n_clusters distinct ones per stratum (argsort of uniforms = a random permutation)
    chosen = np.concatenate([f + np.argsort(rng.random(k))[:n_clusters] for f, k in zip(first, per_stratum)])
    # people: the first `take` of a random order of each chosen cluster's members
    beyond = np.arange(sizes.max()) >= sizes[chosen, None]
    rank = np.argsort(rng.random((chosen.size, sizes.max())) + beyond, axis=1)[:, :take]
    out = pop.iloc[(starts[chosen, None] + rank).ravel()].reset_index(drop=True)
    out["N1"] = per_stratum[out["stratum"].to_numpy()].astype(float)
    out["N2"] = sizes[out["cluster"].to_numpy()].astype(float)
    out["w"] = out["N1"] / n_clusters * out["N2"] / take
    return out


def test_two_stage_sampler_draws_what_it_says():
    rng = np.random.default_rng(1)
    pop = _population(rng)
    smp = _two_stage_sample(pop, rng)
    assert (smp.groupby("cluster").size() == 8).all()
    assert (smp.groupby("stratum")["cluster"].nunique() == 5).all()
    assert not smp.duplicated(["cluster", "y"]).any()
    # weights add up to about the population size
    assert abs(smp["w"].sum() / len(pop) - 1) < 0.3


def test_coverage_on_two_stage_srs_with_fpc():
    rng = np.random.default_rng(4242)
    pop = _population(rng)
    truth = {"y": pop["y"].mean(), "b": pop["b"].mean()}
    total_y = pop["y"].sum()
    parts = []
    for k in range(N_SAMPLES):
        smp = _two_stage_sample(pop, rng)
        smp["sample"] = k
        smp["stratum"] += 100 * k
        smp["cluster"] += 10**6 * k
        parts.append(smp)
    stacked = pd.concat(parts, ignore_index=True)
    stacked["id"] = np.arange(len(stacked))
    stacked["bl"] = np.where(stacked["b"] == 1, "yes", "no")

    def make(d):
        return ts.Survey(d, strata="stratum", psu=("cluster", "id"), fpc=("N1", "N2"))  # weights from FPCs

    s = make(stacked)
    np.testing.assert_allclose(s.weights, stacked["w"], rtol=1e-12)
    df = per_sample_df(stacked, "cluster")
    means = s.mean("y", by="sample").to_frame()
    check_stacking(stacked, means, ["y"], make)
    totals = s.total("y", by="sample").to_frame()
    yes = s.proportion("bl", by="sample").to_frame().query("level == 'yes'")
    coverage = {
        "mean": covers(*t_interval(means["estimate"], means["se"], df), truth["y"]).mean(),
        "total": covers(*t_interval(totals["estimate"], totals["se"], df), total_y).mean(),
        "share_logit": covers(*proportion_interval(yes["estimate"], yes["se"], df, yes["n_unweighted"],
                                                   "logit"), truth["b"]).mean(),
    }
    values = np.array(list(coverage.values()))
    assert ((LOW <= values) & (values <= HIGH)).all(), coverage
