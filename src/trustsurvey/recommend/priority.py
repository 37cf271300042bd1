"""The priority score of a recommendation.

.. math::

    \\text{priority} = \\text{gap (points)} \\times \\text{share affected} \\times \\text{strength of evidence}

* **gap (points)**: how far the estimate is on the unfavourable side of what
  the rule compared it with (the target, the threshold, the national figure,
  the previous wave), on a 0-100 scale: percentage points for shares
  (``100 * gap``); for means, ``100 * gap / (max - min)`` of the item's score
  range when it is known (a 1-5 scale: one scale point = 25 points), and the
  gap itself otherwise (indices are already 0-100).
* **share affected**: the weighted share of the population the row describes
  (``n_weighted`` of the group / ``n_weighted`` of the national row of the same
  item), 1 for national rows. Where the table carries no weighted base the
  unweighted share is used; where neither is known, 1.
* **strength of evidence**: ``1 - p_adj`` of the test behind the rule (the
  group-vs-rest test of the breakdown, the wave-to-wave change test, or the
  one-sided test of the estimate against the goal or threshold), using
  ``p_value`` where no adjusted value exists; 0 when the rule had no test.

A 10-point shortfall of the whole population with p close to 0 scores about
10; the same shortfall in a region of 10 % of the population scores about 1.
Scores are rounded to 4 decimals so that the order is reproducible; ties are
broken by the recommendation id.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from ..vocabulary import PROPORTION_METRICS

__all__ = ["gap_points", "evidence_strength", "add_priority", "PRIORITY_COLUMNS"]

#: columns :func:`add_priority` adds
PRIORITY_COLUMNS = ("gap_points", "strength", "priority")


def gap_points(gap, metric, item, scale_range: Mapping[str, tuple[float, float]] | None = None) -> np.ndarray:
    """The gap on a 0-100 scale (see the module docstring).

    Examples
    --------
    >>> gap_points([0.1, 0.5, 4.0], ["top2", "mean", "mean"], ["a", "b", "idx"], {"b": (1, 5)}).round(2)
    array([10. , 12.5,  4. ])
    """
    gap = np.abs(np.asarray(gap, float))
    metric = np.asarray(metric, dtype=object)
    item = np.asarray(item, dtype=object)
    ranges = dict(scale_range or {})
    width = np.array([(ranges[i][1] - ranges[i][0]) if i in ranges else np.nan for i in item], float)
    is_prop = np.isin(metric, list(PROPORTION_METRICS)) | ~np.isin(metric, ("mean",))
    with np.errstate(divide="ignore", invalid="ignore"):
        mean_pts = np.where(np.isfinite(width) & (width > 0), 100.0 * gap / width, gap)
    return np.where(is_prop, 100.0 * gap, mean_pts)


def evidence_strength(p_adj, p_value=None) -> np.ndarray:
    """``1 - p_adj`` (``1 - p_value`` where no adjusted value), clipped to [0, 1]; 0 without a test.

    Examples
    --------
    >>> evidence_strength([0.01, np.nan, np.nan], [0.001, 0.2, np.nan]).round(3)
    array([0.99, 0.8 , 0.  ])
    """
    p = np.asarray(p_adj, float)
    if p_value is not None:
        p = np.where(np.isfinite(p), p, np.asarray(p_value, float))
    return np.where(np.isfinite(p), np.clip(1.0 - p, 0.0, 1.0), 0.0)


def add_priority(candidates: pd.DataFrame, *, scale_range: Mapping[str, tuple[float, float]] | None = None
                 ) -> pd.DataFrame:
    """Candidates with ``gap_points``, ``strength`` and ``priority`` columns added.

    ``share`` missing is filled with 1 (the whole population).
    """
    out = candidates.copy()
    share = pd.to_numeric(out["share"], errors="coerce").fillna(1.0).clip(0.0, 1.0)
    out["share"] = share.to_numpy(float)
    out["gap_points"] = gap_points(out["gap"].to_numpy(float), out["metric"], out["item"], scale_range)
    out["strength"] = evidence_strength(out["p_adj"], out["p_value"])
    out["priority"] = np.round(out["gap_points"] * out["share"] * out["strength"], 4)
    return out
