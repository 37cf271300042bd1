"""Multiplicity control: the one place where p-values are adjusted, within families of tests, vectorised.

Holm (default), Bonferroni and Benjamini-Hochberg are computed for all families
at once, without a Python loop over families, and reproduce
``statsmodels.stats.multitest.multipletests``; any other method statsmodels
knows (``"sidak"``, ``"holm-sidak"``, ``"hommel"``, ``"fdr_by"``, ...) is applied
family by family with statsmodels itself. Every function of the package that
adjusts p-values (breakdowns, comparisons, changes, recommendation rules) comes
here, so every method works everywhere.

Adjusted p-values are never below the raw ones; NaN p-values (no test) stay NaN
and do not count in their family.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

from .errors import SignificanceError

__all__ = ["adjust_pvalues", "adjust_versus_rest", "ADJUST_METHODS", "method_name"]

_ALIASES = {"bh": "fdr_bh", "fdr": "fdr_bh", "benjamini-hochberg": "fdr_bh", "by": "fdr_by"}
_FAST = ("holm", "bonferroni", "fdr_bh", "none")
_STATSMODELS = ("sidak", "holm-sidak", "simes-hochberg", "hommel", "fdr_by", "fdr_tsbh", "fdr_tsbky")
#: the adjustment methods (``"bh"`` is an alias of ``"fdr_bh"``)
ADJUST_METHODS = _FAST + _STATSMODELS


def method_name(method: str) -> str:
    """The canonical name of an adjustment method (``"bh"`` -> ``"fdr_bh"``).

    Raises
    ------
    SignificanceError
        For an unknown method; the message lists the known ones.

    >>> method_name("BH"), method_name("holm")
    ('fdr_bh', 'holm')
    """
    m = _ALIASES.get(str(method).lower(), str(method).lower())
    if m not in ADJUST_METHODS:
        raise SignificanceError(f"adjust={method!r} is not known; choose one of {', '.join(ADJUST_METHODS)} "
                                "(or 'bh')")
    return m


def _family_codes(by, n: int) -> np.ndarray:
    if by is None:
        return np.zeros(n, dtype=np.int64)
    if isinstance(by, pd.DataFrame):
        if len(by) != n:
            raise SignificanceError("by= must give one family key per p-value")
        return by.astype(str).groupby(list(by.columns), sort=False).ngroup().to_numpy()
    arr = np.asarray(by)
    if len(arr) != n:
        raise SignificanceError("by= must give one family key per p-value")
    return pd.factorize(arr)[0]


def _fast(p: np.ndarray, codes: np.ndarray, method: str) -> np.ndarray:
    out = np.full(p.shape, np.nan)
    if method == "none":
        return p.copy()
    idx = np.flatnonzero(np.isfinite(p))
    if idx.size == 0:
        return out
    b, pv = codes[idx], p[idx]
    order = np.lexsort((pv, b))
    b_s, p_s = b[order], pv[order]
    frame = pd.DataFrame({"b": b_s})
    m = frame.groupby("b")["b"].transform("size").to_numpy()
    rank = frame.groupby("b").cumcount().to_numpy()  # 0-based rank within the family
    if method == "bonferroni":
        adj = np.minimum(p_s * m, 1.0)
    elif method == "holm":
        raw = np.minimum((m - rank) * p_s, 1.0)
        adj = pd.Series(raw).groupby(b_s).cummax().to_numpy()
    else:  # fdr_bh: step-up, reverse cumulative minimum
        raw = p_s * m / (rank + 1)
        rev = pd.Series(raw[::-1]).groupby(b_s[::-1]).cummin().to_numpy()[::-1]
        adj = np.minimum(rev, 1.0)
    res = np.empty_like(adj)
    res[order] = adj
    out[idx] = np.maximum(res, pv)
    return out


def adjust_pvalues(p, method: str = "holm", by: Sequence[str] | pd.DataFrame | np.ndarray | None = None):
    """Adjust p-values for multiple testing, within each family of tests.

    Parameters
    ----------
    p : array-like or pandas.DataFrame
        Raw p-values; or a tidy frame with a ``p_value`` column (then ``by`` names
        its columns that define the families, and a copy with ``p_adj`` is returned).
    method : str
        ``"holm"`` (default), ``"bonferroni"``, ``"fdr_bh"`` (alias ``"bh"``),
        ``"none"``, or another statsmodels ``multipletests`` method.
    by : list of str, DataFrame or array, optional
        Family keys: tests with equal keys are adjusted together; default one family.

    Returns
    -------
    ndarray, or DataFrame with ``p_adj`` when ``p`` is a frame.

    Examples
    --------
    >>> adjust_pvalues([0.01, 0.02, 0.03]).round(3).tolist()
    [0.03, 0.04, 0.04]
    >>> adjust_pvalues([0.01, 0.04, 0.5, 0.02], "bonferroni", by=np.array([1, 1, 2, 2])).round(2).tolist()
    [0.02, 0.08, 1.0, 0.04]
    >>> adjust_pvalues([0.01, 0.04, 0.03, 0.5], "bh", by=np.array([1, 1, 1, 2])).round(3).tolist()
    [0.03, 0.04, 0.04, 0.5]
    """
    m = method_name(method)
    if isinstance(p, pd.DataFrame):
        if "p_value" not in p.columns:
            raise SignificanceError("the frame has no 'p_value' column to adjust")
        keys = None
        if by is not None:
            cols = [by] if isinstance(by, str) else list(by)
            missing = [c for c in cols if c not in p.columns]
            if missing:
                raise SignificanceError(f"family column(s) {missing} not in the frame; columns: "
                                        f"{list(p.columns)}")
            keys = p[cols]
        out = p.copy()
        out["p_adj"] = adjust_pvalues(p["p_value"].to_numpy(dtype=float), m, keys)
        return out
    pv = np.asarray(p, dtype=float).reshape(-1)
    bad = np.isfinite(pv) & ((pv < 0) | (pv > 1))
    if bad.any():
        raise SignificanceError(f"p-values must lie in [0, 1]; got {pv[bad][:5].tolist()}")
    codes = _family_codes(by, pv.size)
    if m in _FAST:
        return _fast(pv, codes, m)
    from statsmodels.stats.multitest import multipletests

    out = np.full(pv.size, np.nan)
    ok = np.isfinite(pv)
    order = np.argsort(codes, kind="stable")
    bounds = np.flatnonzero(np.diff(codes[order])) + 1
    for idx in np.split(order, bounds):
        idx = idx[ok[idx]]
        if idx.size:
            out[idx] = np.maximum(multipletests(pv[idx], method=m)[1], pv[idx])
    return out


def adjust_versus_rest(p, method: str, by, two_groups) -> np.ndarray:
    """Adjust the p-values of "group against the rest" tests within families.

    With two groups, "a against the rest" and "b against the rest" are one and
    the same test, so there is nothing to adjust: those p-values are kept as they
    are. Other families are adjusted by ``method``.

    Parameters
    ----------
    p : array-like
        Raw p-values.
    method : str
        As :func:`adjust_pvalues`.
    by : DataFrame or array
        Family keys.
    two_groups : array of bool
        Rows whose demographic has exactly two groups.

    >>> adjust_versus_rest([0.01, 0.01, 0.02, 0.03], "holm", np.array([1, 1, 2, 2]),
    ...                    np.array([True, True, False, False])).round(3).tolist()
    [0.01, 0.01, 0.04, 0.04]
    """
    pv = np.asarray(p, dtype=float).reshape(-1)
    adj = adjust_pvalues(pv, method, by)
    return np.where(np.asarray(two_groups, dtype=bool), pv, adj)
