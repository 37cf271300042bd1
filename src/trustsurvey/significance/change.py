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
from ._common import as_list, check_columns, domain_group_codes, level_text, matches, parts
from .adjust import adjust_pvalues
from .results import ChangeResult, TrendResult

__all__ = ["change", "trend_test", "wave_estimates", "CHANGE_COLUMNS", "TREND_COLUMNS"]

#: Columns of a change table after its by-columns.
CHANGE_COLUMNS = ["variable", "level", "earlier", "later", "estimate", "se", "ci_low", "ci_high",
                  "statistic", "df", "p_value", "p_adj"]
#: Columns of a trend table after its by-columns.
TREND_COLUMNS = ["variable", "level", "n_waves", "first_wave", "last_wave", "estimate", "se", "ci_low",
                 "ci_high", "statistic", "df", "p_value", "p_adj"]
_DF_METHODS = ("sum", "satterthwaite")


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
    codes, groups = domain_group_codes(data, by, survey.domain)
    G, K = len(groups), values.shape[1]
    res = batch_estimates(design, values, codes, G, deff=False)
    out = groups.loc[np.repeat(np.arange(G), K)].reset_index(drop=True) if by else pd.DataFrame(index=range(K))
    for b in by:
        out[b] = [level_text(v) for v in out[b].tolist()]
    out["variable"] = [m[0] for m in meta] * G
    out["level"] = [m[1] for m in meta] * G
    out["estimate"] = res.theta.reshape(-1)
    out["se"] = res.se.reshape(-1)
    out["df"] = float(design.domain_degf(survey.domain))
    out["n_unweighted"] = res.n_unweighted.reshape(-1).astype(np.int64)
    return out[by + ["variable", "level", "estimate", "se", "df", "n_unweighted"]]


def _combined_df(df1, df2, v1, v2, method: str):
    if method == "sum":
        return df1 + df2
    with np.errstate(divide="ignore", invalid="ignore"):
        return (v1 + v2) ** 2 / (v1**2 / df1 + v2**2 / df2)


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
    if df_method not in _DF_METHODS:
        raise SignificanceError(f"df_method={df_method!r} is not known; choose one of {', '.join(_DF_METHODS)}")
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
    diff = (m["estimate_b"] - m["estimate_a"]).to_numpy(float)
    va, vb = m["se_a"].to_numpy(float) ** 2, m["se_b"].to_numpy(float) ** 2
    se = np.sqrt(va + vb)
    df = _combined_df(m["df_a"].to_numpy(float), m["df_b"].to_numpy(float), va, vb, df_method)
    t, p = t_test(diff, se, df, alternative=alternative)
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
    k = np.bincount(g, minlength=S).astype(float)
    df = np.bincount(g, long["df"].to_numpy(float), S)
    with np.errstate(divide="ignore", invalid="ignore"):
        w = 1.0 / v if method == "wls" else np.ones_like(v)
        sw = np.bincount(g, w, S)
        xm = np.bincount(g, w * x, S) / sw
        dx = x - xm[g]
        sxx = np.bincount(g, w * dx**2, S)
        slope = np.bincount(g, w * dx * y, S) / sxx
        if method == "wls":
            se = np.sqrt(1.0 / sxx)
        else:
            c = dx / sxx[g]
            se = np.sqrt(np.bincount(g, c**2 * v, S))
    few = k < 3
    slope, se = np.where(few, np.nan, slope), np.where(few, np.nan, se)
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
