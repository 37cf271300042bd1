"""Helpers shared by the weighting methods: weight columns, the crossed cell table, the new Design."""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

from .._variance import aggregate
from ..design import Design
from ._margins import Margin
from .diagnostics import WeightedDesign, WeightingResult

__all__ = ["weight_matrix", "cross_cells", "cell_totals", "level_totals", "safe_ratio",
           "finish"]

_DENSE_CELLS = 20_000_000


def weight_matrix(d: Design, active: np.ndarray) -> np.ndarray:
    """Main weights and replicate weights as columns (``n x (1 + R)``), zero outside ``active``."""
    w = d.weights[:, None] if d.repweights is None else np.column_stack([d.weights, d.repweights])
    return np.where(active[:, None], w, 0.0)


def cross_cells(margins: Sequence[Margin], active: np.ndarray) -> tuple[np.ndarray, int, list[np.ndarray]]:
    """Cross the margins' categories: a cell per row (``-1`` inactive), the number of
    non-empty cells and, per margin, the category of every cell."""
    n = active.shape[0]
    radix = [m.n_levels for m in margins]
    size = 1
    for r in radix:
        size *= r
    if size <= _DENSE_CELLS:
        joint = np.zeros(n, dtype=np.int64)
        for m in margins:
            joint *= m.n_levels
            joint += np.maximum(m.codes, 0)
        counts = np.bincount(joint[active], minlength=size)
        present = np.flatnonzero(counts)
        index = np.full(size, -1, dtype=np.int64)
        index[present] = np.arange(present.size)
        cell = np.where(active, index[joint], -1)
        levels = []
        rest = present.copy()
        for r in reversed(radix):
            levels.append(rest % r)
            rest //= r
        levels.reverse()
        return cell, int(present.size), levels
    stacked = np.column_stack([m.codes for m in margins])
    uniq, inverse = np.unique(stacked[active], axis=0, return_inverse=True)
    cell = np.full(n, -1, dtype=np.int64)
    cell[active] = inverse.ravel()
    return cell, int(uniq.shape[0]), [uniq[:, j] for j in range(len(margins))]


def cell_totals(cell: np.ndarray, n_cells: int, W: np.ndarray) -> np.ndarray:
    """Totals of the weight columns ``W`` (``n x K``) in each cell (``n_cells x K``)."""
    keep = cell >= 0
    if W.shape[1] == 1:
        return np.bincount(cell[keep], weights=W[keep, 0], minlength=n_cells)[:, None]
    return aggregate(cell, n_cells, W)


def level_totals(levels: np.ndarray, n_levels: int, values: np.ndarray) -> np.ndarray:
    """Sum the rows of ``values`` (``C x K``) by category ``levels`` (``C``)."""
    out = np.zeros((n_levels, values.shape[1]))
    np.add.at(out, levels, values)
    return out


def safe_ratio(target: np.ndarray, total: np.ndarray) -> np.ndarray:
    """``target / total``, with 0 where the total is 0 (no weight to scale)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(total > 0, target / np.where(total > 0, total, 1.0), 0.0)


def finish(design: Design, weights: np.ndarray, repweights: np.ndarray | None, steps: Sequence,
           result: WeightingResult) -> WeightedDesign:
    """The re-weighted design (with its variance steps) and the step's diagnostics."""
    if design.is_replicate or not steps:
        design = design.reweighted(weights, repweights=repweights)
    else:
        for step in steps:
            design = design.reweighted(weights, step=step)
    return WeightedDesign(design=design, result=result)
