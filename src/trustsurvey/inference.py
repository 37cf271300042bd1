"""One inference core: (estimate, se, df) -> statistic, p-value, confidence interval.

Every test and interval in trustsurvey goes through these helpers, so that
degrees of freedom, alternatives and levels mean the same everywhere.
``df=inf`` (or ``None``) uses the normal distribution.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from .errors import EstimationError

__all__ = ["t_critical", "t_interval", "t_test", "ALTERNATIVES", "proportion_interval", "CI_METHODS"]

ALTERNATIVES = ("two-sided", "less", "greater")
CI_METHODS = ("logit", "beta", "xlogit", "mean", "asin", "wilson")


def _df(df) -> np.ndarray:
    d = np.asarray(np.inf if df is None else df, dtype=float)
    return np.where(d > 0, d, np.nan)


def t_critical(level: float, df) -> np.ndarray:
    """Two-sided critical value of the t distribution (normal when ``df`` is infinite).

    >>> round(float(t_critical(0.95, np.inf)), 4)
    1.96
    """
    if not 0 < level < 1:
        raise EstimationError(f"confidence level must be between 0 and 1, got {level!r}")
    return stats.t.ppf(0.5 + level / 2, _df(df))


def t_interval(estimate, se, df, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Symmetric interval ``estimate +/- t(df) * se``.

    >>> lo, hi = t_interval(10.0, 1.0, np.inf)
    >>> round(float(lo), 3), round(float(hi), 3)
    (8.04, 11.96)
    """
    q = t_critical(level, df)
    est = np.asarray(estimate, float)
    half = q * np.asarray(se, float)
    return est - half, est + half


def t_test(estimate, se, df, null: float = 0.0, alternative: str = "two-sided"):
    """t statistic and p-value of ``estimate`` against ``null``.

    Parameters
    ----------
    alternative : {"two-sided", "less", "greater"}
        As scipy spells it.

    Returns
    -------
    statistic, p_value : ndarray

    >>> t, p = t_test(2.0, 1.0, np.inf)
    >>> round(float(t), 2), round(float(p), 4)
    (2.0, 0.0455)
    """
    if alternative not in ALTERNATIVES:
        raise EstimationError(f"alternative={alternative!r} is not known; choose one of {', '.join(ALTERNATIVES)}")
    with np.errstate(divide="ignore", invalid="ignore"):
        t = (np.asarray(estimate, float) - null) / np.asarray(se, float)
    d = _df(df)
    if alternative == "two-sided":
        p = 2 * stats.t.sf(np.abs(t), d)
    elif alternative == "greater":
        p = stats.t.sf(t, d)
    else:
        p = stats.t.cdf(t, d)
    return t, p


def proportion_interval(p, se, df, n, method: str = "logit", level: float = 0.95):
    """Confidence interval of a proportion estimated from a complex sample.

    The methods reproduce R's ``svyciprop``: ``logit`` and ``xlogit`` (interval
    on the logit scale, back-transformed), ``mean`` (Wald, ``p +/- t se``), ``asin``
    (arcsine square-root scale), ``beta`` (Korn-Graubard: a Clopper-Pearson interval
    on the effective sample size ``p(1-p)/var``, corrected by
    ``(t(n-1)/t(df))^2``); ``wilson`` (not in R) is the Wilson score interval on
    the effective sample size with the t quantile. Where the estimate is 0 or 1 (no
    variance), every method falls back to the Clopper-Pearson interval on the
    unweighted count ``n``, as Stata does.

    Parameters
    ----------
    p, se : array-like
        Estimates and standard errors.
    df : array-like or float
        Design degrees of freedom.
    n : array-like
        Unweighted number of respondents in the base (``beta`` and the fallback).
    method : {"logit", "beta", "xlogit", "mean", "asin", "wilson"}

    >>> lo, hi = proportion_interval(0.5, 0.05, np.inf, 100, "mean")
    >>> round(float(lo), 3), round(float(hi), 3)
    (0.402, 0.598)
    """
    if method not in CI_METHODS:
        raise EstimationError(f"ci_method={method!r} is not known; choose one of {', '.join(CI_METHODS)}")
    p = np.asarray(p, float)
    se = np.asarray(se, float)
    n = np.asarray(n, float)
    alpha = 1 - level
    q = t_critical(level, df)
    with np.errstate(divide="ignore", invalid="ignore"):
        if method in ("logit", "xlogit"):
            eta = np.log(p / (1 - p))
            s = se / (p * (1 - p))
            lo, hi = 1 / (1 + np.exp(-(eta - q * s))), 1 / (1 + np.exp(-(eta + q * s)))
        elif method == "mean":
            lo, hi = p - q * se, p + q * se
        elif method == "asin":
            eta = np.arcsin(np.sqrt(p))
            s = se / (2 * np.sqrt(p * (1 - p)))
            lo = np.sin(np.clip(eta - q * s, 0, np.pi / 2)) ** 2
            hi = np.sin(np.clip(eta + q * s, 0, np.pi / 2)) ** 2
        elif method == "beta":
            n_eff = p * (1 - p) / se**2
            n_eff = n_eff * (stats.t.ppf(alpha / 2, n - 1) / stats.t.ppf(alpha / 2, _df(df))) ** 2
            lo = stats.beta.ppf(alpha / 2, n_eff * p, n_eff * (1 - p) + 1)
            hi = stats.beta.ppf(1 - alpha / 2, n_eff * p + 1, n_eff * (1 - p))
        else:  # wilson
            n_eff = p * (1 - p) / se**2
            z2 = q**2
            centre = (p + z2 / (2 * n_eff)) / (1 + z2 / n_eff)
            half = q * np.sqrt(p * (1 - p) / n_eff + z2 / (4 * n_eff**2)) / (1 + z2 / n_eff)
            lo, hi = centre - half, centre + half
        edge = ((p <= 0) | (p >= 1) | (se <= 0)) & (n > 0)
        if np.any(edge):
            x = p * n
            cp_lo = np.where(x > 0, stats.beta.ppf(alpha / 2, x, n - x + 1), 0.0)
            cp_hi = np.where(x < n, stats.beta.ppf(1 - alpha / 2, x + 1, n - x), 1.0)
            lo = np.where(edge, cp_lo, lo)
            hi = np.where(edge, cp_hi, hi)
    return np.asarray(lo, float), np.asarray(hi, float)
