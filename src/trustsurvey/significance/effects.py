"""Effect sizes: Cramér's V for a two-way table, Cohen's h for two proportions.

Effect sizes describe how strong an association or a difference is in the
population, not how precisely it is estimated, so they are computed from the
design-weighted estimates; the design effect enters the tests, not the sizes.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import SignificanceError
from .chisq import chisq
from .results import ChisqResult

__all__ = ["cramers_v", "cohens_h"]


def cramers_v(survey_or_result: Any, row: str | None = None, col: str | None = None, *,
              adjusted: bool = False) -> float:
    """Cramér's V of two categorical variables, from the Rao-Scott test's Pearson statistic.

    ``V = sqrt(X2 / (N * min(r - 1, c - 1)))`` with ``X2`` the Pearson statistic that
    R's ``svychisq`` computes on the weighted table scaled to ``N`` rows, which
    equals the plug-in estimate of the population V from the weighted cell
    proportions. ``adjusted=True`` uses the first-order Rao-Scott statistic
    ``X2 / mean(design effects)`` instead (a smaller, design-deflated value some
    reports quote).

    Parameters
    ----------
    survey_or_result : Survey or ChisqResult
        A survey (then ``row`` and ``col`` are needed) or the result of
        :func:`chisq` (any statistic).
    row, col : str, optional
    adjusted : bool

    Returns
    -------
    float in [0, 1]

    Examples
    --------
    >>> import numpy as np, pandas as pd, trustsurvey as ts
    >>> df = pd.DataFrame({"a": ["x", "x", "y", "y"] * 5, "b": ["u", "u", "v", "v"] * 5,
    ...                    "psu": np.arange(20)})
    >>> round(cramers_v(ts.Survey(df, psu="psu"), "a", "b"), 6)
    1.0
    """
    if isinstance(survey_or_result, ChisqResult):
        r = survey_or_result
    else:
        if row is None or col is None:
            raise SignificanceError("cramers_v(survey, row, col) needs both variable names")
        r = chisq(survey_or_result, row, col, statistic="F")
    if adjusted:
        if r.design_effects.size == 0:
            r = chisq_for(r, survey_or_result)
        x2 = r.rao_scott_chisq
    else:
        x2 = r.pearson
    k = min(len(r.levels[0]), len(r.levels[1])) - 1
    return float(np.sqrt(x2 / (r.n * k)))


def chisq_for(r: ChisqResult, survey: Any) -> ChisqResult:
    """The Rao-Scott version of a Wald result (needed for design effects)."""
    if isinstance(survey, ChisqResult):
        raise SignificanceError("adjusted=True needs a Rao-Scott result (statistic 'F' or 'Chisq'), "
                                "or pass the survey and the variables")
    return chisq(survey, r.row, r.col, statistic="F")


def cohens_h(p1, p2) -> np.ndarray | float:
    """Cohen's h for two proportions: ``2 asin(sqrt(p1)) - 2 asin(sqrt(p2))``.

    Vectorised; about 0.2 is small, 0.5 medium, 0.8 large (Cohen, 1988).

    >>> round(float(cohens_h(0.6, 0.4)), 4)
    0.4027
    """
    a = np.asarray(p1, dtype=float)
    b = np.asarray(p2, dtype=float)
    bad = (np.isfinite(a) & ((a < 0) | (a > 1))) | (np.isfinite(b) & ((b < 0) | (b > 1)))
    if np.any(bad):
        raise SignificanceError("Cohen's h needs proportions in [0, 1]")
    h = 2 * np.arcsin(np.sqrt(a)) - 2 * np.arcsin(np.sqrt(b))
    return float(h) if np.ndim(h) == 0 else h
