"""Demographics and enumeration areas of the simulated adult population.

The spec's sub-area table gives the adults of every sub-area x settlement
cell; each cell is cut into enumeration areas (the PSUs), and the spec's
``people`` formulas draw everyone's demographics in order. Everything is
vectorised over persons; the only Python loop runs over the cells to cut
them into enumeration areas.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from trustsurvey.simulate._formula import run_program
from trustsurvey.simulate._functions import common_functions, quick_normals
from trustsurvey.simulate._spec import PSU_FACTOR, STRATUM_FACTOR, SUBAREA_FACTOR, SimulationSpec

def _cells(spec: SimulationSpec, scale: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sub-area code, settlement and adult count of each populated cell."""
    adults = np.rint(spec.subarea_population * spec.adult_share * scale).astype(np.int64)
    urban = np.rint(adults * spec.urban_share).astype(np.int64)
    counts = np.column_stack([urban, adults - urban]).ravel()
    sub = np.repeat(spec.subarea_codes, 2)
    settlement = np.tile(np.array([1, 2], dtype=np.int8), spec.subarea_codes.size)
    keep = counts > 0
    return sub[keep], settlement[keep], counts[keep]


def _enumeration_areas(rng: np.random.Generator, counts: np.ndarray, spec: SimulationSpec) -> list[np.ndarray]:
    """Cut each cell's adults into areas of about the spec's mean PSU size."""
    lo, hi = spec.psu_size_range
    sizes = []
    for n in counts:
        k = max(1, int(round(n / spec.psu_mean_size)))
        w = rng.uniform(lo, hi, k)
        edges = np.rint(n * np.concatenate([[0.0], np.cumsum(w) / w.sum()])).astype(np.int64)
        sizes.append(np.diff(edges))
    return sizes


def pick(rng: np.random.Generator, cum: np.ndarray) -> np.ndarray:
    """Row-wise categorical draw (codes 1..k) from cumulative probabilities."""
    u = rng.random(cum.shape[0], dtype=np.float32)
    return (u[:, None] > cum[:, :-1]).sum(axis=1).astype(np.int8) + 1


def _draw_functions(rng: np.random.Generator, n: int, ea_row: np.ndarray, ea_index: np.ndarray,
                    spec: SimulationSpec) -> dict[str, Callable[..., Any]]:
    """The random functions of the ``people`` formulas, bound to the population stream."""

    def shape(rows: int | None) -> int | tuple[int, int]:
        return n if rows is None else (int(rows), n)

    def categorical(*probabilities: np.ndarray) -> np.ndarray:
        running = probabilities[0]
        cols = [running]
        for p in probabilities[1:]:
            running = running + p
            cols.append(running)
        cols.append(np.ones(n))
        return pick(rng, np.column_stack(cols).astype(np.float32))

    def composition(concentration: float, floor: float) -> np.ndarray:
        alpha = concentration * spec.composition[ea_row] + floor
        mix = rng.gamma(alpha)
        mix /= mix.sum(axis=1, keepdims=True)
        cum = np.cumsum(mix, axis=1).astype(np.float32)
        return pick(rng, cum[ea_index])

    return {
        "uniform": lambda: rng.random(n),
        "uniform32": lambda rows=None: rng.random(shape(rows), dtype=np.float32),
        "normal32": lambda: rng.standard_normal(n, dtype=np.float32),
        "quick_normal": lambda rows=None: quick_normals(rng, shape(rows)),
        "choice": lambda values, p: rng.choice(values, size=n, p=p),
        "categorical": categorical,
        "composition": composition,
    }


def build_people(rng: np.random.Generator, spec: SimulationSpec, scale: float = 1.0) -> dict[str, np.ndarray]:
    """Draw the adult population's demographics.

    Parameters
    ----------
    rng : numpy.random.Generator
        The demographic stream (the same for every wave).
    spec : SimulationSpec
        The survey's spec.
    scale : float
        Fraction of the real population size to draw.

    Returns
    -------
    dict of numpy arrays, one entry per person and column
        The area, sub-area, settlement, stratum and PSU columns, then the
        spec's ``people.columns`` and ``people.truth``.
    """
    cols = spec.columns
    design = spec.design_columns
    sub_cell, settle_cell, counts = _cells(spec, scale)
    ea_sizes = _enumeration_areas(rng, counts, spec)
    n_ea = np.array([s.size for s in ea_sizes])
    sizes = np.concatenate(ea_sizes)
    ea_sub = np.repeat(sub_cell, n_ea)
    ea_settlement = np.repeat(settle_cell, n_ea)
    # PSU ids: sub-area * 1000 + running number within the sub-area.
    first = np.r_[True, ea_sub[1:] != ea_sub[:-1]]
    start = np.flatnonzero(first)
    running = np.arange(sizes.size) - np.repeat(start, np.diff(np.r_[start, sizes.size])) + 1
    ea_id = ea_sub.astype(np.int32) * PSU_FACTOR + running.astype(np.int32)

    n = int(sizes.sum())
    ea_index = np.repeat(np.arange(sizes.size), sizes)
    subarea = ea_sub[ea_index].astype(np.int16)
    area = (subarea // SUBAREA_FACTOR).astype(np.int8)
    settlement = ea_settlement[ea_index].astype(np.int8)
    psu = ea_id[ea_index]

    ea_row = np.searchsorted(spec.subarea_codes, ea_sub)
    functions = {**common_functions(), **_draw_functions(rng, n, ea_row, ea_index, spec)}
    env: dict[str, Any] = {
        cols["area"]: area,
        cols["subarea"]: subarea,
        cols["settlement"]: settlement,
        "ages": spec.ages,
        "age_probabilities": spec.age_probabilities,
    }
    run_program(spec.people, env, functions)
    out = {
        cols["area"]: area,
        cols["subarea"]: subarea,
        cols["settlement"]: settlement,
        design["stratum"]: (area.astype(np.int16) * STRATUM_FACTOR + settlement).astype(np.int8),
        design["psu"]: psu,
    }
    for name in spec.people_columns + spec.truth_columns:
        out[name] = np.asarray(env[name])
    return out
