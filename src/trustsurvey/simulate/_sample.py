"""A stratified two-stage sample of the simulated population.

Strata are area x settlement. Within a stratum, enumeration areas (PSUs) are
drawn by systematic sampling with probability proportional to their number of
adults, after sorting them by sub-area (implicit stratification). Each
selected PSU has an interview quota (the spec's ``take`` range). Field teams
visit randomly ordered adults of the PSU and replace anyone who is not
reached or refuses by the next one (substitution, as in random-walk
face-to-face surveys) until the quota is filled; response depends on the
spec's response rates by gender and age group.

The design weight is the inverse of the respondent's inclusion probability,
``1 / (pi_psu * m_i / M_i)`` with ``pi_psu = n_h M_i / M_h``, so it equals
``M_h / (n_h m_i)``: the weights of a stratum add up to its adult population.
They are not adjusted for the nonresponse skew; weighting to population
margins does that later.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from trustsurvey.errors import DesignError
from trustsurvey.simulate._spec import STRATUM_FACTOR, SimulationSpec, age_group


def allocate_psus(stratum_sizes: pd.Series, n_psu: int, min_psu_region: int,
                  min_psu_stratum: int = 2) -> pd.Series:
    """Number of PSUs per stratum.

    Areas (regions) get PSUs in proportion to their adult population, with at
    least ``min_psu_region`` each; within an area, the urban and rural strata share
    them in proportion to size, with at least ``min_psu_stratum`` each (two
    PSUs per stratum are needed to estimate variances). Rounding is by largest
    remainder, so the total is exactly ``n_psu``.

    Parameters
    ----------
    stratum_sizes : pandas.Series
        Adults per stratum, indexed by stratum code (area * 10 + settlement).
    n_psu : int
        Total number of PSUs.
    min_psu_region : int
        Minimum number of PSUs per area.
    min_psu_stratum : int
        Minimum number of PSUs per stratum.

    Returns
    -------
    pandas.Series
        PSUs per stratum, same index.

    Examples
    --------
    >>> sizes = pd.Series({11: 100_000, 12: 50_000, 61: 20_000, 62: 8_000})
    >>> allocate_psus(sizes, 30, 10).to_dict()
    {11: 13, 12: 7, 61: 7, 62: 3}
    """
    area = stratum_sizes.index.to_numpy() // STRATUM_FACTOR
    area_sizes = stratum_sizes.groupby(area).sum()
    n_areas = area_sizes.size
    if n_psu < n_areas * max(min_psu_region, 2 * min_psu_stratum):
        raise DesignError(
            f"n_psu={n_psu} cannot give each of the {n_areas} areas "
            f"{max(min_psu_region, 2 * min_psu_stratum)} PSUs: raise n_psu or lower min_psu_region"
        )
    alloc = _proportional(area_sizes.to_numpy(float), n_psu, min_psu_region)
    out = np.zeros(stratum_sizes.size, dtype=np.int64)
    sizes = stratum_sizes.to_numpy(float)
    for a, total in zip(area_sizes.index, alloc):
        sel = np.flatnonzero(area == a)
        out[sel] = _proportional(sizes[sel], int(total), min_psu_stratum)
    return pd.Series(out, index=stratum_sizes.index)


def _proportional(sizes: np.ndarray, total: int, minimum: int) -> np.ndarray:
    """Largest-remainder allocation of ``total`` in proportion to ``sizes`` with a floor."""
    fixed = np.zeros(sizes.size, dtype=bool)
    alloc = np.zeros(sizes.size, dtype=np.int64)
    while True:
        free = total - minimum * fixed.sum()
        share = np.where(fixed, 0.0, sizes) / sizes[~fixed].sum() * free
        low = ~fixed & (share < minimum)
        if not low.any():
            break
        fixed |= low
    alloc[fixed] = minimum
    base = np.floor(share).astype(np.int64)
    alloc[~fixed] = base[~fixed]
    remainder = total - alloc.sum()
    order = np.argsort(-(share - base) * ~fixed, kind="stable")
    alloc[order[:remainder]] += 1
    return alloc


def select_sample(
    population: pd.DataFrame,
    rng: np.random.Generator,
    spec: SimulationSpec,
    *,
    n_psu: int,
    min_psu_region: int,
    take: tuple[int, int],
) -> tuple[np.ndarray, np.ndarray]:
    """Row positions of the respondents and their design weights.

    Parameters
    ----------
    population : pandas.DataFrame
        From :func:`trustsurvey.simulate.simulate_population` (rows grouped by
        PSU, as it returns them).
    rng : numpy.random.Generator
        The sampling stream.
    spec : SimulationSpec
        The survey's spec (column names and response rates).
    n_psu, min_psu_region, take
        Number of PSUs, minimum PSUs per area, and the range of the
        interview quota per PSU (inclusive).

    Returns
    -------
    positions : numpy.ndarray
        Row positions in ``population``, ordered by stratum, PSU and interview order.
    weights : numpy.ndarray
        Design weights of those rows.
    """
    lo, hi = take
    if not 1 <= lo <= hi:
        raise DesignError(f"take={take!r}: give (minimum, maximum) interviews per PSU with 1 <= minimum <= maximum")
    psu = population[spec.design_columns["psu"]].to_numpy()
    stratum = population[spec.design_columns["stratum"]].to_numpy()
    change = np.flatnonzero(np.r_[True, psu[1:] != psu[:-1]])
    psu_first = change
    psu_size = np.diff(np.r_[change, psu.size])
    psu_stratum = stratum[psu_first]
    if np.unique(psu[psu_first]).size != psu_first.size:
        raise DesignError("population rows must be grouped by psu (as simulate_population returns them)")

    # Order PSUs by stratum, keeping the sub-area order inside (implicit stratification).
    order = np.lexsort((psu[psu_first], psu_stratum))
    sizes = psu_size[order].astype(float)
    strata, start_idx, n_in = np.unique(psu_stratum[order], return_index=True, return_counts=True)
    stratum_total = np.add.reduceat(sizes, start_idx)
    alloc = allocate_psus(pd.Series(stratum_total, index=strata), n_psu, min_psu_region).to_numpy()
    if (alloc > n_in).any():
        raise DesignError("more PSUs allocated to a stratum than it has: lower n_psu")

    # Systematic PPS in every stratum at once, on the global cumulated sizes.
    cum = np.cumsum(sizes)
    offset = np.r_[0.0, cum[start_idx[1:] - 1]]
    interval = stratum_total / alloc
    start = rng.random(strata.size) * interval
    h = np.repeat(np.arange(strata.size), alloc)
    k = np.arange(h.size) - np.repeat(np.r_[0, np.cumsum(alloc)[:-1]], alloc)
    points = offset[h] + start[h] + k * interval[h]
    chosen = np.searchsorted(cum, points, side="right")
    if np.unique(chosen).size != chosen.size:
        raise DesignError("a PSU larger than the sampling interval was hit twice: lower n_psu")
    prob_psu = alloc[h] * sizes[chosen] / stratum_total[h]

    sel_first = psu_first[order][chosen]
    sel_size = psu_size[order][chosen]
    quota = rng.integers(lo, hi + 1, chosen.size)

    # Every adult of the selected PSUs, in a random visiting order.
    rows = np.repeat(sel_first - np.r_[0, np.cumsum(sel_size)[:-1]], sel_size) + np.arange(sel_size.sum())
    group = np.repeat(np.arange(chosen.size), sel_size)
    g = population[spec.response_by].to_numpy()[rows].astype(np.int64) - 1
    a = age_group(population[spec.columns["age"]].to_numpy()[rows], spec).astype(np.int64) - 1
    responds = rng.random(rows.size) < spec.response_rates[g, a]
    visit = rng.random(rows.size)
    rows, group, visit = rows[responds], group[responds], visit[responds]
    o = np.lexsort((visit, group))
    rows, group = rows[o], group[o]
    rank = np.arange(group.size) - np.searchsorted(group, group, side="left")
    keep = rank < quota[group]
    rows, group = rows[keep], group[keep]
    completed = np.bincount(group, minlength=chosen.size)
    if (completed < quota).any():
        raise DesignError("a selected PSU has too few respondents to fill its quota")
    weight = (1.0 / prob_psu[group]) * (sel_size[group] / completed[group])
    return rows, weight
