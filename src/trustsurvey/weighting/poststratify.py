"""Post-stratification to known population cell counts, as R's ``postStratify()``.

The weights in each cell (a category of one variable, or a combination of
several crossed variables) are multiplied by ``population count / weighted
sample count``, so weighted cell totals equal the population counts exactly.

Variances (linearisation designs) follow R (survey >= 3.32): within each cell,
the influence values lose ``new weight x (cell total of z) / (population count)``,
i.e. their regression on the cell indicators weighted by the old weights. When
the old weights are constant within every cell this equals the unweighted
within-cell mean removal of a :class:`~trustsurvey.design.PostStratStep`, which
is what is recorded; otherwise the same projection is recorded as a
:class:`~trustsurvey.design.GregStep` on the cell indicators. Replicate designs
post-stratify every replicate column to the same counts.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..design import Design, GregStep, PostStratStep
from ..errors import WeightingError
from ._common import finish, safe_ratio, weight_matrix
from ._margins import prepare_margins
from .diagnostics import WeightedDesign, build_result
from .registry import register

__all__ = ["poststratify"]


@register("poststratify", summary="post-stratification to population cell counts (R's postStratify)")
def poststratify(design: Design, data: pd.DataFrame, cells: Any, *, unit: str = "auto",
                 population: float | None = None, partial: bool = False,
                 missing: str = "error") -> WeightedDesign:
    """Post-stratify the weights to population counts of cells.

    Parameters
    ----------
    design : Design
        The whole sample's design (not a subset: weighting applies to the whole sample).
    data : pandas.DataFrame
        The respondents' data, aligned with the design (read, never modified).
    cells : mapping or DataFrame
        One table of cells: ``{"stype": {"E": 4421, "H": 755, "M": 1018}}``, a
        crossed table keyed by a tuple of variables
        (``{("region", "gender"): {(1, 1): 1200, ...}}``) or a DataFrame with one
        column per variable and a ``Freq`` column (as R takes it).
    unit : {"auto", "count", "share"}
        Counts or shares of the population (``"auto"``: values summing to 1 are shares).
    population : float, optional
        Population size that shares are multiplied by (default: the sum of the weights).
    partial : bool
        Drop population cells without respondents (with a warning) instead of failing, as R's ``partial=TRUE``.
    missing : {"error", "impute", "exclude"}
        Respondents with a missing cell variable: fail, impute the most common category, or weight 0.

    Returns
    -------
    WeightedDesign
        ``.design``: the re-weighted design, which remembers the step for variance
        estimation; ``.result``: the diagnostics (:class:`WeightingResult`).

    Raises
    ------
    WeightingError
        An empty cell (population count but no respondent: collapse cells, or
        ``partial=True``), respondents in a cell with no population count,
        several margins (use :func:`rake`), missing cell variables.

    Examples
    --------
    >>> import pandas as pd, trustsurvey as ts
    >>> df = pd.DataFrame({"g": [1, 1, 2, 2, 2], "w": [2.0, 2.0, 1.0, 1.0, 2.0]})
    >>> ps = poststratify(ts.Survey(df, weights="w").design, df, {"g": {"1": 100, "2": 300}})
    >>> ps.design.weights.tolist()
    [50.0, 50.0, 75.0, 75.0, 150.0]
    """
    w0 = design.weights
    prep = prepare_margins(data, w0, cells, unit=unit, population=population, missing=missing,
                           partial=partial)
    if len(prep.margins) != 1:
        names = ", ".join(repr(m.name) for m in prep.margins)
        raise WeightingError(
            f"poststratify() takes one table of cells, got {len(prep.margins)} margins ({names}); cross "
            "the variables into one table (key it by a tuple of variables), or use rake() to match "
            "several margins at once")
    m = prep.margins[0]
    active = prep.active
    W = weight_matrix(design, active)
    totals = m.totals(W)
    factor = safe_ratio(m.targets[:, None], totals)
    inactive = ~active
    codes = np.maximum(m.codes, 0)
    W_new = np.where(inactive[:, None], 0.0, W * factor[codes])
    weights = W_new[:, 0]
    steps = []
    if not design.is_replicate:
        steps = [_step(m.codes, m.n_levels, w0, weights, active)]
    result = build_result("poststratify", np.where(active, w0, 0.0), weights, margins=prep.margins,
                          n_excluded=prep.n_excluded, n_imputed=prep.n_imputed,
                          details={"cells": m.n_levels, "partial": partial})
    return finish(design, weights, W_new[:, 1:] if design.is_replicate else None, steps, result)


def _step(codes: np.ndarray, n_levels: int, old: np.ndarray, new: np.ndarray, active: np.ndarray):
    """The variance step: R's old-weight-weighted projection on the cell indicators."""
    inactive = ~active
    keep = codes >= 0
    lo = np.full(n_levels, np.inf)
    hi = np.full(n_levels, -np.inf)
    np.minimum.at(lo, codes[keep], old[keep])
    np.maximum.at(hi, codes[keep], old[keep])
    if np.all(hi - lo <= 1e-12 * np.maximum(np.abs(hi), 1.0)):
        return PostStratStep(cells=np.where(inactive, n_levels, codes), weights=np.where(inactive, 1.0, new))
    X = np.zeros((codes.shape[0], n_levels))
    X[np.flatnonzero(keep), codes[keep]] = 1.0
    w_half = np.where(inactive, 1.0, np.sqrt(np.where(inactive, 1.0, old)))
    g = np.where(inactive, 1.0, new / np.where(inactive, 1.0, old))
    return GregStep(X=X, w_half=w_half, g=g)
