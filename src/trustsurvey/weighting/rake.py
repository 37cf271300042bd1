"""Raking (iterative proportional fitting) to population margins, as R's ``rake()``.

Each sweep post-stratifies the weights to every margin in turn. Because every
post-stratification multiplies all respondents of a category by the same
factor, respondents who share a category on *every* margin always share the
same factor: the iteration runs on the table of crossed cells (at most a few
hundred cells) and the factors are mapped back to respondents once. Raking a
million respondents therefore costs a few passes over the data.

Convergence follows R: after each sweep the weighted table of crossed cells is
compared with the one before; the raking stops when no cell total moved by more
than ``tol`` (``tol < 1``: a fraction of the sum of the weights, as R's
``epsilon``). Unlike R, failing to converge is an error, not a warning.

Variances (linearisation designs) follow R's ``svyrecvar`` for raked designs:
the post-stratifications of the final sweep, in margin order, each with the
weights right after it, are applied as projections ten times over. Replicate
designs re-rake every replicate column to the same targets in the same sweeps.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..design import Design, PostStratStep
from ..errors import WeightingError
from ._common import cell_totals, cross_cells, finish, level_totals, safe_ratio, weight_matrix
from ._margins import prepare_margins
from .diagnostics import WeightedDesign, build_result
from .registry import register

__all__ = ["rake", "RAKE_VARIANCE_ITERATIONS"]

#: how many times R's svyrecvar iterates the raking projections
RAKE_VARIANCE_ITERATIONS = 10
#: tolerances below this fraction of the total are raised to it (changes at rounding level)
_ROUNDING = 32 * np.finfo(float).eps


@register("rake", summary="iterative proportional fitting to one-way or crossed margins (R's rake)")
def rake(design: Design, data: pd.DataFrame, margins: Any, *, unit: str = "auto",
         population: float | None = None, max_iter: int = 100, tol: float = 1e-10,
         missing: str = "error") -> WeightedDesign:
    """Rake the weights to population margins (iterative proportional fitting).

    Parameters
    ----------
    design : Design
        The whole sample's design (not a subset: weighting applies to the whole sample).
    data : pandas.DataFrame
        The respondents' data, aligned with the design (read, never modified).
    margins : mapping, DataFrame or list of DataFrames
        Population counts (or shares) per category of every margin:
        ``{"stype": {"E": 4421, "H": 755, "M": 1018}, "sch_wide": {"No": 1072, "Yes": 5122}}``;
        a crossed margin is keyed by a tuple of variables with tuple categories,
        or given as a DataFrame with one column per variable and a ``Freq`` column.
    unit : {"auto", "count", "share"}
        Counts, or shares of the population (``"auto"``: a margin summing to 1 is shares).
    population : float, optional
        Population size that shares are multiplied by (default: the sum of the weights).
    max_iter : int
        Maximum number of sweeps over all margins.
    tol : float
        Convergence tolerance on the change of the crossed cell totals between
        sweeps; below 1 it is a fraction of the sum of the weights (R's ``epsilon``),
        at least ``7e-15`` of the population (rounding).
    missing : {"error", "impute", "exclude"}
        Respondents with a missing weighting variable: fail (default), give them
        the most common category, or set their weight to 0.

    Returns
    -------
    WeightedDesign
        ``.design``: the re-weighted design, which remembers the step for variance
        estimation; ``.result``: the diagnostics (:class:`WeightingResult`).

    Raises
    ------
    WeightingError
        Unknown variables, categories without targets or targets without
        respondents, margins whose totals disagree, missing weighting variables
        (under ``missing="error"``), or no convergence within ``max_iter`` sweeps.

    Examples
    --------
    >>> import pandas as pd, trustsurvey as ts
    >>> df = pd.DataFrame({"sex": ["m", "m", "f", "f"], "age": ["y", "o", "y", "o"], "w": [1.0] * 4})
    >>> r = rake(ts.Survey(df, weights="w").design, df, {"sex": {"m": 40, "f": 60}, "age": {"y": 50, "o": 50}})
    >>> r.design.weights.round(4).tolist()
    [20.0, 20.0, 30.0, 30.0]
    >>> r.result.converged
    True

    The Survey face does the same and keeps the diagnostics: ``Survey.rake(margins)``.
    """
    if int(max_iter) < 1:
        raise WeightingError(f"max_iter={max_iter!r} must be at least 1")
    if not (tol > 0):
        raise WeightingError(f"tol={tol!r} must be positive")
    w0 = design.weights
    prep = prepare_margins(data, w0, margins, unit=unit, population=population, missing=missing)
    ms = prep.margins
    active = prep.active
    W = weight_matrix(design, active)
    cell, n_cells, cell_levels = cross_cells(ms, active)
    Wc = cell_totals(cell, n_cells, W)
    f = np.ones_like(Wc)
    total = float(W[:, 0].sum())
    scale = max(total, max(float(m.targets.sum()) for m in ms))
    eps = max(tol * total if tol < 1 else float(tol), _ROUNDING * scale)
    old = Wc[:, 0].copy()
    history: list[float] = []
    snapshots: list[np.ndarray] = []
    converged = False
    for _ in range(int(max_iter)):
        snapshots = []
        for m, lev in zip(ms, cell_levels):
            totals = level_totals(lev, m.n_levels, Wc * f)
            f *= safe_ratio(m.targets[:, None], totals)[lev]
            snapshots.append(f[:, 0].copy())
        new = Wc[:, 0] * f[:, 0]
        delta = float(np.max(np.abs(new - old)))
        history.append(delta)
        if delta < eps:
            converged = True
            break
        old = new
    worst = _worst_margin(ms, cell_levels, Wc[:, 0] * f[:, 0])
    if not converged:
        _fail(worst, history, max_iter, eps)
    if worst[0] * worst[5] > max(10 * eps, 1e-9 * scale):
        raise WeightingError(
            f"the margins cannot all be met by raking this sample: the sweeps stopped changing after "
            f"{len(history)} sweeps, but margin {worst[1]!r} category {worst[2]!r} reaches {worst[3]:,.6g} "
            f"against a target of {worst[4]:,.6g}. Some categories of different margins never occur "
            "together in the sample (or only together), so the targets contradict each other; collapse "
            "categories or check the targets")

    inactive = cell < 0
    cidx = np.maximum(cell, 0)
    W_new = np.where(inactive[:, None], 0.0, W * f[cidx])
    weights = W_new[:, 0]
    repweights = W_new[:, 1:] if design.is_replicate else None
    steps = []
    if not design.is_replicate:
        sweep = []
        for m, snap in zip(ms, snapshots):
            cells = np.where(inactive, m.n_levels, m.codes)
            psw = np.where(inactive, 1.0, w0 * snap[cidx])
            sweep.append(PostStratStep(cells=cells, weights=psw))
        steps = sweep * RAKE_VARIANCE_ITERATIONS
    result = build_result("rake", np.where(active, w0, 0.0), weights, margins=ms, iterations=len(history),
                          converged=True, history=history, n_excluded=prep.n_excluded,
                          n_imputed=prep.n_imputed, details={"tol": eps, "max_iter": int(max_iter)})
    return finish(design, weights, repweights, steps, result)


def _worst_margin(ms, cell_levels, cell_w: np.ndarray) -> tuple:
    """``(relative error, margin, category, reached, target, margin total)`` of the worst-fitting category."""
    errors = []
    for m, lev in zip(ms, cell_levels):
        tot = np.bincount(lev, weights=cell_w, minlength=m.n_levels)
        total = float(m.targets.sum())
        rel = np.abs(tot - m.targets) / total
        i = int(np.argmax(rel))
        errors.append((float(rel[i]), m.name, m.levels[i], float(tot[i]), float(m.targets[i]), total))
    return max(errors)


def _fail(worst: tuple, history: list[float], max_iter: int, eps: float) -> None:
    tail = ", ".join(f"{h:.3g}" for h in history[-6:])
    raise WeightingError(
        f"raking did not converge in {max_iter} sweeps (tolerance {eps:.3g}); the largest change of a "
        f"cell total in the last sweeps was {tail}. Margin {worst[1]!r} fits worst: category "
        f"{worst[2]!r} reaches {worst[3]:,.6g} against a target of {worst[4]:,.6g} "
        f"({100 * worst[0]:.3g}% of the population). Raise max_iter, or check that the margins are "
        "compatible (a category combination with no respondents can make them impossible to meet; "
        "collapse sparse categories)")
