"""Ratio benchmarking of area estimates to direct estimates of larger domains (private).

Within each benchmark group ``g`` (a region, or the whole country), every area
estimate is multiplied by one factor

    r_g = direct_g / (sum_d a_d est_d / sum_d a_d)

so that the population-weighted mean of the areas' estimates equals the direct
estimate of the group (Pfeffermann and Barnard 1991; Molina and Rao 2015,
sec. 6.1.3). ``a_d`` are area population sizes. Areas with no weight (no
population figure and no respondents) take the factor of their group but do not
count towards it. The MSE is scaled by ``r_g^2`` (treating the factor as fixed).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["ratio_benchmark"]


def ratio_benchmark(estimate: np.ndarray, weight: np.ndarray, group: np.ndarray,
                    targets: dict) -> tuple[np.ndarray, pd.DataFrame]:
    """Benchmark factors per area and the table of groups.

    Parameters
    ----------
    estimate, weight, group : arrays (one value per area)
    targets : dict
        Group key -> (direct estimate, its standard error).

    Returns
    -------
    factor : ndarray
        One factor per area (1 for areas in a group without a target).
    table : pandas.DataFrame
        ``group, direct, direct_se, model, factor``: the group's direct
        estimate, the weighted mean of the area estimates before benchmarking
        and the factor.

    Examples
    --------
    >>> f, t = ratio_benchmark(np.array([0.5, 0.7, 0.6]), np.array([1.0, 3.0, 2.0]),
    ...                        np.array(["a", "a", "b"], dtype=object), {"a": (0.66, 0.02), "b": (0.6, 0.03)})
    >>> f.round(4).tolist()
    [1.0154, 1.0154, 1.0]
    >>> t["model"].round(2).tolist()
    [0.65, 0.6]
    """
    estimate = np.asarray(estimate, dtype=float)
    weight = np.asarray(weight, dtype=float)
    factor = np.ones(estimate.shape)
    rows = []
    for key in pd.unique(group):
        members = group == key
        ok = members & np.isfinite(estimate) & np.isfinite(weight) & (weight > 0)
        model = float(np.sum(weight[ok] * estimate[ok]) / np.sum(weight[ok])) if ok.any() else np.nan
        direct, direct_se = targets.get(key, (np.nan, np.nan))
        r = direct / model if np.isfinite(direct) and np.isfinite(model) and model != 0 else np.nan
        if np.isfinite(r):
            factor[members] = r
        rows.append({"group": key, "direct": direct, "direct_se": direct_se, "model": model, "factor": r})
    return factor, pd.DataFrame(rows, columns=["group", "direct", "direct_se", "model", "factor"])
