"""Weight trimming with redistribution, as R's ``trimWeights()``.

Weights below ``lower`` are raised to it and weights above ``upper`` cut to it;
the net amount removed is shared out *equally* (added, not multiplied) among the
respondents whose weights were inside the bounds, so the sum of the weights is
unchanged. The redistribution can push some weights over a bound again: with
``strict=True`` the step is repeated until every weight is within the bounds
(R's ``strict=TRUE``).

As in R, trimming keeps the design's earlier weighting steps for linearisation
variances and records no new one. For replicate designs every replicate column
is trimmed the same way (R's own replicate method leaves the full-sample weights
untrimmed; trustsurvey trims them as well, so point estimates follow the trimmed
weights).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..design import Design
from ..errors import WeightingError
from ._common import finish
from .diagnostics import WeightedDesign, build_result
from .registry import register

__all__ = ["trim_weights", "trim_array"]

_SLACK = 1e-12  # relative overshoot of a bound tolerated after the first round (rounding)


def trim_array(W: np.ndarray, lower: float, upper: float, *, strict: bool = False,
               max_iter: int = 1000) -> tuple[np.ndarray, int, int]:
    """Trim each column of ``W`` (``n x K``; zero weights stay zero).

    Returns the trimmed weights, the number of rounds and the number of weights
    of the first column outside the bounds in the first round. After the first
    round, overshoots of a bound by less than ``1e-12`` of it count as inside
    (redistributing rounding errors would never settle). When every weight is
    outside the bounds there is no one to share the excess with: that is fine if
    clipping alone keeps the sum (the excess above ``upper`` equals the deficit
    below ``lower``), and an error otherwise.

    >>> w, rounds, n_out = trim_array(np.array([[1.0], [2.0], [3.0], [10.0]]), 0, 5)
    >>> w.ravel().round(4).tolist(), rounds, n_out
    ([2.6667, 3.6667, 4.6667, 5.0], 1, 1)
    >>> w, _, n_out = trim_array(np.array([[1.0], [1.0], [2.0], [2.0]]), 1.125, 1.875)
    >>> w.ravel().tolist(), n_out
    ([1.125, 1.125, 1.875, 1.875], 4)
    """
    W = np.array(W, dtype=float, copy=True)
    active = W != 0
    rounds = 0
    first_out = 0
    lo_slack = lower - _SLACK * abs(lower) if np.isfinite(lower) else lower
    hi_slack = upper + _SLACK * abs(upper) if np.isfinite(upper) else upper
    while True:
        if rounds == 0:  # R's exact comparison decides the first round
            outside = active & ((W < lower) | (W > upper))
        else:  # later rounds ignore overshoots at rounding level, which would never settle
            outside = active & ((W < lo_slack) | (W > hi_slack))
        if not outside.any():
            break
        if rounds == 0:
            first_out = int(outside[:, 0].sum())
        if rounds >= max_iter:
            raise WeightingError(f"trimming did not settle within {max_iter} rounds; widen the bounds")
        rounds += 1
        clipped = np.where(active, np.clip(W, lower, upper), 0.0)
        excess = (W - clipped).sum(axis=0)
        inside = active & ~outside
        n_inside = inside.sum(axis=0)
        # nobody inside to take the excess: fine only if clipping kept the sum (as R, whose share is then
        # added to no one); otherwise the sum could not be kept
        stuck = (n_inside == 0) & outside.any(axis=0) & (np.abs(excess) > _SLACK * np.abs(W).sum(axis=0))
        if np.any(stuck):
            raise WeightingError(
                f"every weight is outside [{lower:g}, {upper:g}]: nothing is left to take the trimmed "
                "weight; widen the bounds")
        share = excess / np.maximum(n_inside, 1)
        W = np.where(inside, clipped + share, clipped)
        if not strict:
            break
    return W, rounds, first_out


@register("trim", takes_targets=False, summary="trim weights to bounds, redistributing the excess (R's trimWeights)")
def trim_weights(design: Design, data: pd.DataFrame | None = None, lower: float | None = None,
                 upper: float | None = None, *, strict: bool = False,
                 max_iter: int = 1000) -> WeightedDesign:
    """Trim weights to ``[lower, upper]`` and share the excess among the others, like R's ``trimWeights``.

    Parameters
    ----------
    design : Design
        The whole sample's design (not a subset).
    data : pandas.DataFrame, optional
        Not used (trimming needs only the weights); kept for the shared signature.
    lower, upper : float, optional
        Bounds of the weights (at least one).
    strict : bool
        Repeat until no weight is outside the bounds (redistribution can push
        weights over a bound again).
    max_iter : int
        Maximum number of rounds under ``strict``.

    Returns
    -------
    WeightedDesign
        ``.design`` with the trimmed weights (their sum unchanged); ``.result`` the diagnostics
        (``details["n_trimmed"]``).

    Raises
    ------
    WeightingError
        No bound given, ``lower >= upper``, or ``strict`` bounds that no set of
        weights with the same sum can satisfy.

    Examples
    --------
    >>> import pandas as pd, trustsurvey as ts
    >>> s = ts.Survey(pd.DataFrame({"w": [1.0, 2.0, 3.0, 10.0]}), weights="w")
    >>> trim_weights(s.design, upper=5).design.weights.round(4).tolist()
    [2.6667, 3.6667, 4.6667, 5.0]
    """
    lo = -np.inf if lower is None else float(lower)
    hi = np.inf if upper is None else float(upper)
    if lower is None and upper is None:
        raise WeightingError("trim_weights() needs lower= and/or upper= (bounds of the weights)")
    if not lo < hi:
        raise WeightingError(f"trim_weights(): lower={lower!r} must be below upper={upper!r}")
    W = design.weights[:, None] if design.repweights is None else np.column_stack([design.weights, design.repweights])
    if strict:
        n_pos = (W != 0).sum(axis=0)
        tot = W.sum(axis=0)
        if np.any(tot > n_pos * hi * (1 + 1e-12)) or np.any(tot < n_pos * lo * (1 - 1e-12)):
            j = int(np.flatnonzero((tot > n_pos * hi * (1 + 1e-12)) | (tot < n_pos * lo * (1 - 1e-12)))[0])
            what = "the full-sample weights" if j == 0 else f"replicate column {j}"
            raise WeightingError(
                f"strict trimming to [{lo:g}, {hi:g}] is impossible for {what}: {int(n_pos[j])} weights "
                f"must add up to {tot[j]:,.6g}, i.e. average {tot[j] / n_pos[j]:.6g}; widen the bounds")
    trimmed, rounds, n_out = trim_array(W, lo, hi, strict=strict, max_iter=max_iter)
    weights = trimmed[:, 0]
    result = build_result("trim", design.weights, weights, iterations=max(rounds, 1), converged=True,
                          details={"lower": lo, "upper": hi, "strict": strict, "n_trimmed": n_out})
    return finish(design, weights, trimmed[:, 1:] if design.is_replicate else None, (), result)
