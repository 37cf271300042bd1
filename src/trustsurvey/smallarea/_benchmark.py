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

__all__ = ["ratio_benchmark", "benchmark_estimates"]


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


def benchmark_estimates(est, mse, weight, groups, targets, benchmark: bool, regional: bool):
    """Ratio-benchmark estimates, intervals and MSEs; the table of groups (and the national total).

    The MSE of a benchmarked estimate ``r_g est_d`` is ``r_g^2 mse_d`` plus the
    sampling variance the group's direct estimate brings in,
    ``(r_g est_d / direct_g)^2 v_g`` (the error of ``direct_g`` is passed on in
    proportion): benchmarking trades model error in the group's level for the
    direct estimate's sampling error.
    """
    factor, table = ratio_benchmark(est, weight, groups, targets)
    if not benchmark:
        factor = np.ones(len(est))
        table["factor"] = np.nan
    final = est * factor
    extra = np.zeros(len(est))
    if benchmark:
        d = np.array([targets.get(g, (np.nan, np.nan))[0] for g in groups], dtype=float)
        v = np.array([targets.get(g, (np.nan, np.nan))[1] for g in groups], dtype=float) ** 2
        with np.errstate(divide="ignore", invalid="ignore"):
            extra = np.where(np.isfinite(d) & (d != 0), (final / d) ** 2 * v, 0.0)
    mse_b = mse * factor ** 2 + extra

    def aggregate(values, members):
        ok = members & (weight > 0) & np.isfinite(values)
        return float(np.sum(weight[ok] * values[ok]) / np.sum(weight[ok])) if ok.any() else np.nan

    table["benchmarked"] = [aggregate(final, groups == g) for g in table["group"]]
    table.insert(0, "level", "region" if regional else "national")
    if regional:
        everyone = np.ones(len(est), dtype=bool)
        direct, direct_se = targets["national"]
        table.loc[len(table)] = {"level": "national", "group": "national", "direct": direct, "direct_se": direct_se,
                                 "model": aggregate(est, everyone), "factor": np.nan,
                                 "benchmarked": aggregate(final, everyone)}
    return final, mse_b, factor, table
