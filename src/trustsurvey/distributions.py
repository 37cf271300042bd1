"""The distribution functions the statistics need, taken from :mod:`scipy.special`.

These are the functions :mod:`scipy.stats` evaluates inside its distributions
(``t``: ``stdtr``/``stdtrit``; normal: ``ndtr``/``ndtri``; ``F``: ``fdtrc``;
chi-squared: ``chdtrc``; beta: ``betaincinv``, the same Boost inverse), with the
limits and invalid arguments :mod:`scipy.stats` handles around them: a
probability of 0 or 1 gives the end of the support, a non-positive degree of
freedom or a probability outside [0, 1] gives NaN, and a statistic at or below
the support's start has an upper tail of 1 (at infinity, 0). So the numbers are
those of :mod:`scipy.stats`, bit for bit (``tests/test_distributions.py``),
while importing :mod:`scipy.special` takes about a third of the time of
importing :mod:`scipy.stats`, which every command that computes would otherwise
pay before it starts.

Every function broadcasts its arguments and returns a NumPy scalar for scalar
arguments, as :mod:`scipy.stats` does.

Examples
--------
>>> round(float(t_ppf(0.975, 10)), 6), round(float(norm_ppf(0.975)), 6)
(2.228139, 1.959964)
>>> float(t_ppf(0.0, 5)), float(t_isf(0.0, 5))
(-inf, inf)
>>> round(float(chi2_sf(3.84, 1)), 4), float(f_sf(-1.0, 2, 30))
(0.05, 1.0)
"""

from __future__ import annotations

import numpy as np
from scipy import special

__all__ = ["t_ppf", "t_isf", "t_sf", "t_cdf", "norm_cdf", "norm_ppf", "norm_isf", "f_sf", "chi2_sf",
           "beta_ppf"]


def _out(values: np.ndarray):
    """A 0-d result as a NumPy scalar, as :mod:`scipy.stats` returns it."""
    return values[()] if values.ndim == 0 else values


def _quantile(q, positive, values):
    """``values`` where ``q`` is a probability and the parameters are valid, else NaN."""
    return np.where((q >= 0) & (q <= 1) & positive, values, np.nan)


def t_ppf(q, df):
    """Quantile of Student's t with ``df`` degrees of freedom (``df=inf``: the normal).

    Parameters
    ----------
    q : array_like
        Probabilities.
    df : array_like
        Degrees of freedom (positive; ``inf`` allowed).

    Returns
    -------
    numpy.ndarray or numpy.float64
    """
    q, df = np.broadcast_arrays(np.asarray(q, float), np.asarray(df, float))
    with np.errstate(invalid="ignore"):
        values = np.where(q == 0, -np.inf, np.where(q == 1, np.inf, special.stdtrit(df, q)))
        return _out(_quantile(q, df > 0, values))


def t_isf(q, df):
    """Upper-tail quantile of Student's t: the ``x`` with ``P(T > x) = q``."""
    return -t_ppf(q, df)


def t_sf(x, df):
    """Upper tail ``P(T > x)`` of Student's t with ``df`` degrees of freedom."""
    x, df = np.broadcast_arrays(np.asarray(x, float), np.asarray(df, float))
    with np.errstate(invalid="ignore"):
        return _out(np.where(df > 0, special.stdtr(df, -x), np.nan))


def t_cdf(x, df):
    """Lower tail ``P(T <= x)`` of Student's t with ``df`` degrees of freedom."""
    x, df = np.broadcast_arrays(np.asarray(x, float), np.asarray(df, float))
    with np.errstate(invalid="ignore"):
        return _out(np.where(df > 0, special.stdtr(df, x), np.nan))


def norm_cdf(x):
    """The standard normal distribution function."""
    return _out(np.asarray(special.ndtr(np.asarray(x, float))))


def norm_ppf(q):
    """The standard normal quantile."""
    q = np.asarray(q, float)
    with np.errstate(invalid="ignore"):
        return _out(_quantile(q, True, special.ndtri(q)))


def norm_isf(q):
    """The standard normal upper-tail quantile."""
    return -norm_ppf(q)


def f_sf(x, dfn, dfd):
    """Upper tail of the F distribution with ``dfn`` and ``dfd`` degrees of freedom."""
    x, dfn, dfd = np.broadcast_arrays(np.asarray(x, float), np.asarray(dfn, float), np.asarray(dfd, float))
    with np.errstate(invalid="ignore"):
        values = np.where(x <= 0, 1.0, np.where(x == np.inf, 0.0, special.fdtrc(dfn, dfd, np.maximum(x, 0))))
        return _out(np.where((dfn > 0) & (dfd > 0), values, np.nan))


def chi2_sf(x, df):
    """Upper tail of the chi-squared distribution with ``df`` degrees of freedom."""
    x, df = np.broadcast_arrays(np.asarray(x, float), np.asarray(df, float))
    with np.errstate(invalid="ignore"):
        values = np.where(x <= 0, 1.0, np.where(x == np.inf, 0.0, special.chdtrc(df, np.maximum(x, 0))))
        return _out(np.where(df > 0, values, np.nan))


def beta_ppf(q, a, b):
    """Quantile of the beta distribution with shapes ``a`` and ``b`` (Clopper-Pearson limits)."""
    q, a, b = np.broadcast_arrays(np.asarray(q, float), np.asarray(a, float), np.asarray(b, float))
    with np.errstate(invalid="ignore"):
        values = np.where(q == 0, 0.0, np.where(q == 1, 1.0, special.betaincinv(a, b, q)))
        return _out(_quantile(q, (a > 0) & (b > 0), values))
