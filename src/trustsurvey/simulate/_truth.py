"""Population truth: the finite-population values that survey estimates target."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd

from trustsurvey.simulate._frame import age_group

#: Items :func:`population_truth` reports by default.
TRUTH_ITEMS = (
    "trust_kp", "trust_station", "satisfaction_neighbourhood", "safe_night", "pf_fair",
    "pf_equal", "eff_dv", "int_bribes", "contact_12m", "contact_satisfaction", "app_aware",
)
_FOUR_POINT = {"safe_night", "report_crime", "cooperate"}
_YES_NO = {"contact_12m", "lpsc_aware", "lpsc_participate", "mcsc_aware", "app_aware", "app_used"}


def population_truth(
    wave: int = 2025,
    *,
    seed: int | None = None,
    items: tuple[str, ...] | list[str] | None = None,
    by: str | list[str] | None = None,
    population: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """True population values of a few items, to check estimates against.

    All statistics are over the adults who gave a valid answer (codes other
    than 98 and 99, among those asked), except ``dont_know``.

    Parameters
    ----------
    wave : int
        2024 or 2025.
    seed : int, optional
        Population seed (default :data:`trustsurvey.simulate.DEFAULT_SEED`,
        the seed of the shipped example).
    items : sequence of str, optional
        Item ids (default :data:`TRUTH_ITEMS`).
    by : str or list of str, optional
        Population columns to break down by (``age_group`` is derived from age).
    population : pandas.DataFrame, optional
        A population already simulated (skips the simulation and the cache).

    Returns
    -------
    pandas.DataFrame
        Columns ``<by columns...>, variable, statistic, value, n_valid``.
        ``statistic`` is ``top2`` (share of codes 4-5 of a five-point scale,
        3-4 of a four-point scale; for yes/no items the share saying yes,
        whatever the item's direction), ``mean`` (mean code; for yes/no the
        share of yes) and ``dont_know`` (share of 98 among those asked).

    Examples
    --------
    >>> from trustsurvey.simulate import simulate_population
    >>> pop = simulate_population(1, 2025, scale=0.05)
    >>> t = population_truth(population=pop, items=["trust_kp"])
    >>> t["statistic"].tolist()
    ['top2', 'mean', 'dont_know']
    >>> bool(0.55 < t["value"].iloc[0] < 0.75)
    True
    """
    items = tuple(items) if items is not None else TRUTH_ITEMS
    by_t = (by,) if isinstance(by, str) else tuple(by or ())
    if population is None:
        from trustsurvey.simulate import DEFAULT_SEED

        return _cached_truth(int(wave), DEFAULT_SEED if seed is None else int(seed), items, by_t).copy()
    return _truth(population, items, by_t)


@lru_cache(maxsize=8)
def _cached_truth(wave: int, seed: int, items: tuple[str, ...], by: tuple[str, ...]) -> pd.DataFrame:
    from trustsurvey.simulate import simulate_population

    return _truth(simulate_population(seed, wave), items, by)


def _truth(population: pd.DataFrame, items: tuple[str, ...], by: tuple[str, ...]) -> pd.DataFrame:
    keys = {}
    for b in by:
        keys[b] = age_group(population["age"].to_numpy()) if b == "age_group" else population[b].to_numpy()
    frames = []
    for item in items:
        col = population[item]
        asked = col.notna().to_numpy()
        code = col.fillna(0).to_numpy().astype(np.int64)
        valid = asked & (code != 98) & (code != 99)
        if item in _YES_NO:
            top = code == 1
            score = (code == 1).astype(float)
        else:
            top = code >= (3 if item in _FOUR_POINT else 4)
            score = code.astype(float)
        data = pd.DataFrame(
            {
                "valid": valid,
                "asked": asked,
                "top": top & valid,
                "score": np.where(valid, score, 0.0),
                "dk": asked & (code == 98),
                **keys,
            }
        )
        g = data.groupby(list(by), sort=True) if by else data.assign(_all=0).groupby("_all")
        s = g[["valid", "asked", "top", "score", "dk"]].sum()
        stats = pd.DataFrame(
            {
                "top2": s["top"] / s["valid"],
                "mean": s["score"] / s["valid"],
                "dont_know": s["dk"] / s["asked"],
            }
        )
        long = stats.stack().rename("value").reset_index()
        long = long.rename(columns={long.columns[-2]: "statistic"})
        long["n_valid"] = np.where(
            long["statistic"] == "dont_know",
            np.repeat(s["asked"].to_numpy(), 3),
            np.repeat(s["valid"].to_numpy(), 3),
        )
        long.insert(len(by), "variable", item)
        frames.append(long.drop(columns="_all", errors="ignore"))
    out = pd.concat(frames, ignore_index=True)
    return out[[*by, "variable", "statistic", "value", "n_valid"]]


def population_margins(population: pd.DataFrame) -> dict[str, dict[int, int]]:
    """Adult counts by region, settlement, gender and age group.

    The weighting margins of the data dictionary, for raking a simulated
    sample to its own population.

    Parameters
    ----------
    population : pandas.DataFrame
        From :func:`trustsurvey.simulate.simulate_population`.

    Returns
    -------
    dict
        ``{"region": {1: count, ...}, "settlement": {...}, "gender": {...},
        "age_group": {1: count, ..., 6: count}}``.

    Examples
    --------
    >>> from trustsurvey.simulate import simulate_population
    >>> pop = simulate_population(1, 2025, scale=0.05)
    >>> m = population_margins(pop)
    >>> sorted(m), sum(m["gender"].values()) == len(pop)
    (['age_group', 'gender', 'region', 'settlement'], True)
    """
    out = {}
    for var in ("region", "settlement", "gender", "age_group"):
        values = age_group(population["age"].to_numpy()) if var == "age_group" else population[var].to_numpy()
        codes, counts = np.unique(values, return_counts=True)
        out[var] = {int(c): int(n) for c, n in zip(codes, counts)}
    return out
