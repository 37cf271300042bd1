"""Population truth: the finite-population values that survey estimates target."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from trustsurvey.errors import DesignError
from trustsurvey.simulate._spec import SimulationSpec, age_group, resolve_spec


def population_truth(
    wave: int | None = None,
    *,
    seed: int | None = None,
    items: tuple[str, ...] | list[str] | None = None,
    by: str | list[str] | None = None,
    population: pd.DataFrame | None = None,
    spec: SimulationSpec | str | Path | None = None,
) -> pd.DataFrame:
    """True population values of a few items, to check estimates against.

    All statistics are over the adults who gave a valid answer (codes other
    than the spec's don't-know and refusal codes, among those asked), except
    ``dont_know``.

    Parameters
    ----------
    wave : int, optional
        One of the spec's waves (default the last).
    seed : int, optional
        Population seed (default the spec's seed, the seed of the shipped example).
    items : sequence of str, optional
        Item ids (default the spec's ``truth.items``).
    by : str or list of str, optional
        Population columns to break down by (the age group is derived from age).
    population : pandas.DataFrame, optional
        A population already simulated (skips the simulation and the cache).
    spec : SimulationSpec, str or Path, optional
        The simulation spec (default the bundled example's).

    Returns
    -------
    pandas.DataFrame
        Columns ``<by columns...>, variable, statistic, value, n_valid``.
        ``statistic`` is ``top2`` (share of the top two codes of an ordinal
        scale, e.g. 4-5 of a five-point scale; for yes/no items the share saying yes,
        whatever the item's direction), ``mean`` (mean code; for yes/no the
        share of yes) and ``dont_know`` (share of don't know among those asked).

    Examples
    --------
    >>> from trustsurvey.simulate import default_spec, simulate_population
    >>> spec = default_spec()
    >>> pop = simulate_population(1, 2025, scale=0.05)
    >>> t = population_truth(population=pop, items=[spec.truth_items[0]])
    >>> t["statistic"].tolist()
    ['top2', 'mean', 'dont_know']
    >>> bool(0.55 < t["value"].iloc[0] < 0.75)
    True
    """
    spec = resolve_spec(spec)
    items = tuple(items) if items is not None else spec.truth_items
    by_t = (by,) if isinstance(by, str) else tuple(by or ())
    if population is None:
        wave = spec.waves[-1] if wave is None else int(wave)
        return _cached_truth(spec, wave, spec.seed if seed is None else int(seed), items, by_t).copy()
    return _truth(spec, population, items, by_t)


@lru_cache(maxsize=8)
def _cached_truth(spec: SimulationSpec, wave: int, seed: int, items: tuple[str, ...],
                  by: tuple[str, ...]) -> pd.DataFrame:
    from trustsurvey.simulate import simulate_population

    return _truth(spec, simulate_population(seed, wave, spec=spec), items, by)


def _column(spec: SimulationSpec, population: pd.DataFrame, name: str) -> np.ndarray:
    """A population column, or the age group derived from age."""
    if name == spec.columns["age_group"] and name not in population:
        return age_group(population[spec.columns["age"]].to_numpy(), spec)
    return population[name].to_numpy()


def _truth(spec: SimulationSpec, population: pd.DataFrame, items: tuple[str, ...],
           by: tuple[str, ...]) -> pd.DataFrame:
    keys = {b: _column(spec, population, b) for b in by}
    scales = {item.id: item for item in spec.items}
    dont_know, refused = spec.missing_codes
    frames = []
    for item in items:
        if item not in scales:
            raise DesignError(f"population_truth: {item!r} is not an item of the spec {spec.source}")
        col = population[item]
        asked = col.notna().to_numpy()
        code = col.fillna(0).to_numpy().astype(np.int64)
        valid = asked & (code != dont_know) & (code != refused)
        if scales[item].yes_no:
            top = code == 1
            score = (code == 1).astype(float)
        else:
            top = code >= scales[item].cuts.size
            score = code.astype(float)
        data = pd.DataFrame(
            {
                "valid": valid,
                "asked": asked,
                "top": top & valid,
                "score": np.where(valid, score, 0.0),
                "dk": asked & (code == dont_know),
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


def population_margins(
    population: pd.DataFrame, spec: SimulationSpec | str | Path | None = None
) -> dict[str, dict[int, int]]:
    """Adult counts by each weighting margin of the spec (``truth.margins``).

    The weighting margins of the data dictionary, for raking a simulated
    sample to its own population.

    Parameters
    ----------
    population : pandas.DataFrame
        From :func:`trustsurvey.simulate.simulate_population`.
    spec : SimulationSpec, str or Path, optional
        The simulation spec (default the bundled example's).

    Returns
    -------
    dict
        ``{margin: {code: count, ...}, ...}``; the age group is derived from age.

    Examples
    --------
    >>> from trustsurvey.simulate import default_spec, simulate_population
    >>> pop = simulate_population(1, 2025, scale=0.05)
    >>> m = population_margins(pop)
    >>> len(m) == len(default_spec().margins), all(sum(c.values()) == len(pop) for c in m.values())
    (True, True)
    """
    spec = resolve_spec(spec)
    out = {}
    for var in spec.margins:
        values = _column(spec, population, var)
        codes, counts = np.unique(values, return_counts=True)
        out[var] = {int(c): int(n) for c, n in zip(codes, counts)}
    return out
