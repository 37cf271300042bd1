"""The local rule: a small area whose model estimate is publishable and clearly worse than the country.

:func:`local_gap` works on the tidy table of small-area estimates
(:meth:`trustsurvey.SmallAreaResult.tidy`, one row per area: ``item, metric,
level, by`` (the area column), ``group`` (the area), ``estimate, se, ci_low,
ci_high``, ``n_unweighted, n_weighted``, ``flag`` (``publish``, ``caution``,
``suppress``) and ``national``, the direct national estimate the areas were
benchmarked to). Like every rule it is a pure function that returns candidate
rows (:data:`~trustsurvey.recommend.rules.CANDIDATE_COLUMNS`); it computes no
variance, and the polarity of each row comes from the meaning layer.

Only a model estimate flagged ``publish`` can name an area: an estimate the
report does not publish (``caution`` is published with a warning, but is not
firm enough to assign work to one police station; ``suppress`` is not shown)
never triggers a recommendation.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..errors import PlanError, TrustSurveyError
from ..inference import t_test
from ..multiplicity import adjust_pvalues
from .rules import _by_mask, _check, _frame, _items_mask, _num, _polarity_of, _select_metric

__all__ = ["local_gap", "LOCAL_REQUIRED", "LOCAL_RULES", "PUBLISH"]

#: columns the local rule needs
LOCAL_REQUIRED = ("item", "metric", "level", "by", "group", "estimate", "se", "ci_low", "ci_high", "n_unweighted",
                  "flag", "national")
#: the flag of a small-area estimate that may be published without a warning
PUBLISH = "publish"


def local_gap(table: pd.DataFrame, *, by="all", min_gap: float = 0.10, metric: str = "top2",
              min_base: int | None = None, items=None, polarity: Any = None) -> pd.DataFrame:
    """Areas whose publishable model estimate lies, interval and all, on the unfavourable side of the country.

    An area's row triggers when

    * its model estimate is flagged ``publish`` (a ``caution`` or ``suppress``
      flag never names an area),
    * it is on the unfavourable side of the national estimate of the same item
      and metric by at least ``min_gap`` (``gap = polarity x (national -
      estimate)``), and
    * its whole confidence interval lies on that side of the national
      estimate (``ci_high < national`` where higher is better, ``ci_low >
      national`` where lower is better).

    Rows without a direction (polarity 0) never trigger. ``p_value`` is the
    one-sided normal test that the model estimate is on the unfavourable side
    of the national level (its ``se`` is the root mean squared error), and
    ``p_adj`` its Holm adjustment over every area the rule checked; they rank
    the recommendations (the rule itself decides by the interval).

    Parameters
    ----------
    table : pandas.DataFrame
        Small-area estimates in the tidy layout (:data:`LOCAL_REQUIRED`).
    by : str, list of str or "all"
        Area columns to check (``municipality``); every one by default.
    min_gap : float
        Minimum distance from the national estimate (0.10 = 10 points for shares).
    metric : str
        The metric checked.
    min_base : int, optional
        Minimum number of respondents in the area (the model estimate needs none;
        a plan may ask for some).
    items : sequence of str, optional
        Restrict to these items.
    polarity : Meaning or array, optional
        See :func:`~trustsurvey.recommend.rules.row_polarity` (an array: one
        value per row of ``table``).

    Returns
    -------
    pandas.DataFrame
        Candidates with ``national``, ``gap``, ``goal = national - min_gap``
        (``+`` for lower-is-better rows), ``threshold = min_gap``, ``share``
        (the area's weighted share of the respondents) and ``basis =
        "interval"``.

    Examples
    --------
    >>> t = pd.DataFrame({"item": "q1", "metric": "top2", "level": "", "by": "district",
    ...     "group": ["11", "12", "13"], "estimate": [0.50, 0.52, 0.55], "se": [0.04, 0.09, 0.03],
    ...     "ci_low": [0.42, 0.35, 0.49], "ci_high": [0.58, 0.69, 0.61], "n_unweighted": [80, 20, 120],
    ...     "n_weighted": [8e4, 2e4, 1.2e5], "flag": ["publish", "caution", "publish"], "national": 0.66})
    >>> local_gap(t)[["group", "estimate", "gap", "basis"]].round(2)
      group  estimate  gap     basis
    0    11      0.50  0.16  interval
    1    13      0.55  0.11  interval
    """
    if min_gap < 0:
        raise PlanError(f"rule local_gap: min_gap must be at least 0, got {min_gap!r}")
    if isinstance(table, pd.DataFrame):
        missing = [c for c in LOCAL_REQUIRED if c not in table.columns]
        if missing:
            raise TrustSurveyError(f"the small-area table lacks column(s) {', '.join(missing)}; pass the tidy "
                                   "table of ts.small_area (SmallAreaResult.tidy(), several concatenated)")
    t = _check(table, LOCAL_REQUIRED, "small_area")
    if polarity is not None and not hasattr(polarity, "polarities"):
        t["_pol"] = np.asarray(polarity, dtype=int)
    est, nat = _num(t, "estimate"), _num(t, "national")
    lo, hi, se = _num(t, "ci_low"), _num(t, "ci_high"), _num(t, "se")
    n = _num(t, "n_unweighted")
    ok = np.isfinite(est) & (t["flag"].to_numpy() == PUBLISH) & np.isfinite(nat)
    if min_base:
        ok = ok & (np.nan_to_num(n, nan=0.0) >= float(min_base))
    ok = ok & _items_mask(t, items) & _select_metric(t, metric) & _by_mask(t, by, national=False)
    pol = t["_pol"].to_numpy(int) if "_pol" in t.columns else _polarity_of(t, polarity)
    gap = pol * (nat - est)
    outside = np.where(pol > 0, hi < nat, np.where(pol < 0, lo > nat, False))
    keep = ok & (pol != 0) & (gap >= min_gap) & (gap > 0) & outside
    # the one-sided test ranks the findings: Holm over the areas the rule checked
    checked = ok & (pol != 0)
    p = np.full(len(t), np.nan)
    p_adj = np.full(len(t), np.nan)
    if checked.any():
        _, pc = t_test(-gap[checked], se[checked], np.inf, null=0.0, alternative="less")
        p[checked] = pc
        p_adj[checked] = adjust_pvalues(pc, "holm")
    w = _num(t, "n_weighted") if "n_weighted" in t.columns else np.full(len(t), np.nan)
    key = t["item"] + "\x1f" + t["metric"] + "\x1f" + t["by"]
    total = pd.Series(np.nan_to_num(w, nan=0.0)).groupby(key.to_numpy()).transform("sum").to_numpy(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(total > 0, w / total, np.nan)
    t = t.assign(gap=gap, goal=nat - pol * float(min_gap), direction=np.where(pol >= 0, "higher", "lower"),
                 threshold=float(min_gap), basis="interval", p_value=p, p_adj=p_adj, share=share)
    return _frame(t.loc[keep], "local_gap")


#: rule type -> (function, input table); the local table is the small-area estimates' tidy table
LOCAL_RULES = {"local_gap": (local_gap, "local")}
