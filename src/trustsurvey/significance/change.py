"""Change between independent annual samples, and linear trends across waves.

Each annual wave is its own probability sample, so estimates of different waves
are independent: the variance of a difference is the sum of the two design-based
variances, and a t reference uses the combined degrees of freedom (the sum of
the waves' design degrees of freedom; ``df_method="satterthwaite"`` gives the
Welch-Satterthwaite value instead). Groups are matched across waves by their
values (as text, so ``1`` and ``1.0`` match).
"""

from __future__ import annotations

import warnings
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd

from ..errors import SignificanceError, TrustSurveyWarning
from ..estimation import batch_estimates, variable_matrix
from ..inference import t_interval, t_test
from ..multiplicity import adjust_pvalues
from ..sample import as_sample
from ..tidy import grid_frame
from ._common import as_list, check_columns, domain_group_codes, level_text, matches, parts
from .results import ChangeResult, TrendResult

__all__ = ["change", "trend_test", "wave_estimates", "difference_test", "series_slope", "CHANGE_COLUMNS",
           "TREND_COLUMNS", "DF_METHODS"]

#: Columns of a change table after its by-columns.
CHANGE_COLUMNS = ["variable", "level", "earlier", "later", "estimate", "se", "ci_low", "ci_high",
                  "statistic", "df", "p_value", "p_adj"]
#: Columns of a trend table after its by-columns.
TREND_COLUMNS = ["variable", "level", "n_waves", "first_wave", "last_wave", "estimate", "se", "ci_low",
                 "ci_high", "statistic", "df", "p_value", "p_adj"]
#: how the degrees of freedom of a change are combined from the two waves'
DF_METHODS = ("sum", "satterthwaite")


def wave_estimates(survey: Any, variable: str, by: str | Sequence[str] | None = None,
                   level: Any = None) -> pd.DataFrame:
    """Means (numeric), level shares (text/categorical) or the share of ``level``, by groups, in one wave.

    Returns a frame with the by-columns (as text), ``variable, level, estimate, se, df,
    n_unweighted``.
    """
    data, design, _ = parts(survey)
    by = as_list(by)
    check_columns(data, [variable] + by, "variable(s)")
    if level is not None:
        hit = matches(data[variable], level)
        if not np.nansum(hit):
            warnings.warn(f"level {level!r} of {variable!r} never occurs in this wave", TrustSurveyWarning,
                          stacklevel=3)
        values, meta = hit[:, None], [(variable, level_text(level))]
    else:
        values, meta = variable_matrix(data, [variable])
    domain = as_sample(survey).domain
    codes, groups = domain_group_codes(data, by, domain)
    G = len(groups)
    res = batch_estimates(design, values, codes, G, deff=False)
    keys = pd.DataFrame({b: [level_text(v) for v in groups[b].tolist()] for b in by})
    meta_frame = pd.DataFrame({"variable": [m[0] for m in meta], "level": [m[1] for m in meta]})
    return grid_frame(keys, meta_frame, {
        "estimate": res.theta, "se": res.se, "df": float(design.domain_degf(domain)),
        "n_unweighted": res.n_unweighted.astype(np.int64)},
        order=by + ["variable", "level", "estimate", "se", "df", "n_unweighted"])


def _combined_df(df1, df2, v1, v2, method: str):
    if method == "sum":
        return df1 + df2
    with np.errstate(divide="ignore", invalid="ignore"):
        return (v1 + v2) ** 2 / (v1**2 / df1 + v2**2 / df2)


def difference_test(earlier, earlier_se, earlier_df, later, later_se, later_df, *, df_method: str = "sum",
                    alternative: str = "two-sided") -> dict[str, np.ndarray]:
    """The change between two independent waves (later minus earlier) and its t test, vectorised.

    The standard error is ``sqrt(se_earlier^2 + se_later^2)`` (independent
    samples); the t reference has the sum of the two waves' degrees of freedom
    (``df_method="sum"``) or the Welch-Satterthwaite value (``"satterthwaite"``).

    Returns
    -------
    dict
        ``estimate, se, df, statistic, p_value`` arrays.

    Examples
    --------
    >>> r = difference_test(0.50, 0.02, 40, 0.55, 0.02, 40)
    >>> round(float(r["estimate"]), 3), round(float(r["se"]), 5), float(r["df"])
    (0.05, 0.02828, 80.0)
    """
    if df_method not in DF_METHODS:
        raise SignificanceError(f"df_method={df_method!r} is not known; choose one of {', '.join(DF_METHODS)}")
    a, b = np.asarray(earlier, dtype=float), np.asarray(later, dtype=float)
    va = np.asarray(earlier_se, dtype=float) ** 2
    vb = np.asarray(later_se, dtype=float) ** 2
    diff = b - a
    se = np.sqrt(va + vb)
    df = _combined_df(np.asarray(earlier_df, dtype=float), np.asarray(later_df, dtype=float), va, vb, df_method)
    t, p = t_test(diff, se, df, alternative=alternative)
    return {"estimate": diff, "se": se, "df": df, "statistic": np.asarray(t), "p_value": np.asarray(p)}


def series_slope(codes: np.ndarray, n_series: int, x, y, variance, *, method: str = "wls"
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The linear slope of each series of wave estimates on the year, vectorised over series.

    ``method="wls"``: weighted least squares with weights ``1 / variance`` (slope
    variance ``1 / sum(w (x - xbar_w)^2)``); ``"ols"``: the ordinary least-squares
    slope, a fixed linear contrast ``sum c_t theta_t`` with variance
    ``sum c_t^2 variance_t``. Points without a finite estimate or a positive
    finite variance (for wls) do not count.

    Parameters
    ----------
    codes : array of int
        The series of each point (``0 .. n_series - 1``).
    x, y, variance : array-like
        Year, estimate and its sampling variance of each point.

    Returns
    -------
    slope, se, n_points : ndarray
        Per series; slope and se are NaN for series with fewer than three points.

    Examples
    --------
    >>> slope, se, k = series_slope(np.zeros(3, int), 1, [2023, 2024, 2025], [0.5, 0.6, 0.7], [1e-4] * 3)
    >>> round(float(slope[0]), 6), int(k[0])
    (0.1, 3)
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    v = np.asarray(variance, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        w = 1.0 / v if method == "wls" else np.ones_like(v)
        ok = np.isfinite(y) & np.isfinite(w) & np.isfinite(v)
        w = np.where(ok, w, 0.0)
        y0 = np.where(ok, y, 0.0)
        v0 = np.where(ok, v, 0.0)
        k = np.bincount(codes, ok.astype(float), n_series)
        sw = np.bincount(codes, w, n_series)
        xm = np.bincount(codes, w * x, n_series) / sw
        dx = np.where(ok, x - xm[codes], 0.0)
        sxx = np.bincount(codes, w * dx**2, n_series)
        slope = np.bincount(codes, w * dx * y0, n_series) / sxx
        if method == "wls":
            se = np.sqrt(1.0 / sxx)
        else:
            c = dx / sxx[codes]
            se = np.sqrt(np.bincount(codes, c**2 * v0, n_series))
    few = k < 3
    return np.where(few, np.nan, slope), np.where(few, np.nan, se), k


def change(earlier: Any, later: Any, variable: str, by: str | Sequence[str] | None = None,
           level: Any = None, *, adjust: str = "holm", df_method: str = "sum",
           alternative: str = "two-sided", conf_level: float = 0.95) -> ChangeResult:
    """Change between two independent annual samples: later minus earlier.

    Parameters
    ----------
    earlier, later : Survey
        The two waves (domains are respected in each).
    variable : str
        Numeric (means) or text/categorical (the share of every level) variable present in both.
    by : str or list of str, optional
        Groups compared wave to wave (matched by value).
    level : optional
        Only the share of this value of ``variable`` (e.g. ``5`` on a 1-5 scale).
    adjust : str
        Multiplicity adjustment across the groups of each variable/level
        (``holm`` default, ``bonferroni``, ``fdr_bh``/``bh``, ``none``).
    df_method : {"sum", "satterthwaite"}
        Degrees of freedom of the t reference: the sum of the two waves' design
        degrees of freedom (default), or Welch-Satterthwaite.
    alternative : {"two-sided", "less", "greater"}
    conf_level : float
        Level of ``ci_low``/``ci_high``.

    Returns
    -------
    ChangeResult
        ``estimate`` (later minus earlier), ``se = sqrt(se_earlier^2 + se_later^2)``,
        ``statistic``, ``df``, ``p_value`` (scalars for a single row); ``.to_frame()``
        columns: by-columns, ``variable, level, earlier, later, estimate, se, ci_low,
        ci_high, statistic, df, p_value, p_adj``.

    Examples
    --------
    >>> import numpy as np, pandas as pd, trustsurvey as ts
    >>> rng = np.random.default_rng(7)
    >>> def wave(shift):
    ...     d = pd.DataFrame({"y": rng.normal(shift, 1, 60), "psu": np.repeat(np.arange(20), 3)})
    ...     return ts.Survey(d, psu="psu")
    >>> c = ts.change(wave(0.0), wave(1.0), "y")
    >>> c.df, bool(c.estimate > 0)
    (38.0, True)
    """
    by = as_list(by)
    a = wave_estimates(earlier, variable, by, level)
    b = wave_estimates(later, variable, by, level)
    keys = by + ["variable", "level"]
    m = a.merge(b, on=keys, how="outer", suffixes=("_a", "_b"), sort=False)
    lonely = (m["n_unweighted_a"].isna() | m["n_unweighted_b"].isna()).to_numpy()
    if lonely.any():
        shown = m.loc[lonely, keys].astype(str).agg(" ".join, axis=1).tolist()[:10]
        warnings.warn(f"change of {variable!r}: {int(lonely.sum())} group(s)/level(s) occur in one wave only "
                      f"({shown}); their change is NaN", TrustSurveyWarning, stacklevel=2)
    d = difference_test(m["estimate_a"], m["se_a"], m["df_a"], m["estimate_b"], m["se_b"], m["df_b"],
                        df_method=df_method, alternative=alternative)
    diff, se, df, t, p = d["estimate"], d["se"], d["df"], d["statistic"], d["p_value"]
    lo, hi = t_interval(diff, se, df, conf_level)
    out = m[keys].copy()
    out["earlier"] = m["estimate_a"].to_numpy(float)
    out["later"] = m["estimate_b"].to_numpy(float)
    out["estimate"] = diff
    out["se"] = se
    out["ci_low"], out["ci_high"] = lo, hi
    out["statistic"], out["df"], out["p_value"] = t, df, p
    out["p_adj"] = adjust_pvalues(p, adjust, out[["variable", "level"]]) if by else p
    return ChangeResult(table=out[by + CHANGE_COLUMNS].reset_index(drop=True))


def trend_test(waves: Mapping[int, Any], variable: str, by: str | Sequence[str] | None = None,
               level: Any = None, *, method: str = "wls", adjust: str = "holm",
               alternative: str = "two-sided", conf_level: float = 0.95) -> TrendResult:
    """Linear trend of an estimate across three or more independent waves.

    The slope (change per year) of the wave estimates on the year is estimated
    either by weighted least squares with weights ``1 / se^2`` (``method="wls"``,
    default: slope variance ``1 / sum(w (x - xbar_w)^2)``), or as the ordinary
    least-squares slope, a fixed linear contrast ``sum c_t theta_t`` with variance
    ``sum c_t^2 se_t^2`` (``method="ols"``). Waves are independent samples; the t
    reference uses the sum of the waves' design degrees of freedom.

    Parameters
    ----------
    waves : mapping of year -> Survey
        At least three waves.
    variable, by, level
        As for :func:`change`.
    method : {"wls", "ols"}
    adjust, alternative, conf_level
        As for :func:`change`.

    Returns
    -------
    TrendResult
        ``.to_frame()`` columns: by-columns, ``variable, level, n_waves, first_wave,
        last_wave, estimate, se, ci_low, ci_high, statistic, df, p_value, p_adj``
        (``estimate`` is the slope per year; NaN for series with fewer than three waves).

    Examples
    --------
    >>> import numpy as np, pandas as pd, trustsurvey as ts
    >>> rng = np.random.default_rng(8)
    >>> def wave(mu):
    ...     d = pd.DataFrame({"y": rng.normal(mu, 1, 60), "psu": np.repeat(np.arange(20), 3)})
    ...     return ts.Survey(d, psu="psu")
    >>> r = trend_test({2023: wave(0), 2024: wave(0.5), 2025: wave(1)}, "y")
    >>> r.n_waves, r.df, bool(r.estimate > 0)
    (3, 57.0, True)
    """
    if method not in ("wls", "ols"):
        raise SignificanceError(f"method={method!r} is not known; choose 'wls' or 'ols'")
    if not isinstance(waves, Mapping) or len(waves) < 3:
        raise SignificanceError("trend_test needs a mapping {year: Survey} with at least three waves "
                                "(use change() for two)")
    by = as_list(by)
    keys = by + ["variable", "level"]
    tables = []
    for year in sorted(waves):
        t = wave_estimates(waves[year], variable, by, level)
        t["wave"] = float(year)
        tables.append(t)
    long = pd.concat(tables, ignore_index=True)
    long = long[np.isfinite(long["estimate"].to_numpy(float)) & np.isfinite(long["se"].to_numpy(float))]
    g, uniq = pd.factorize(pd.MultiIndex.from_frame(long[keys].astype(str)), sort=False)
    S = len(uniq)
    x = long["wave"].to_numpy(float)
    y = long["estimate"].to_numpy(float)
    v = long["se"].to_numpy(float) ** 2
    df = np.bincount(g, long["df"].to_numpy(float), S)
    slope, se, k = series_slope(g, S, x, y, v, method=method)
    t, p = t_test(slope, se, df, alternative=alternative)
    lo, hi = t_interval(slope, se, df, conf_level)
    first = long.groupby(g)["wave"].min().reindex(range(S)).to_numpy()
    last = long.groupby(g)["wave"].max().reindex(range(S)).to_numpy()
    out = long.groupby(g)[keys].first().reindex(range(S)).reset_index(drop=True)
    out["n_waves"] = k.astype(np.int64)
    out["first_wave"] = first.astype(np.int64)
    out["last_wave"] = last.astype(np.int64)
    out["estimate"], out["se"], out["ci_low"], out["ci_high"] = slope, se, lo, hi
    out["statistic"], out["df"], out["p_value"] = t, df, p
    out["p_adj"] = adjust_pvalues(p, adjust, out[["variable", "level"]]) if by else p
    return TrendResult(table=out[by + TREND_COLUMNS])
