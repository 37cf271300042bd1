"""Adjusting p-values for multiple comparisons, within families of tests.

Holm (default), Bonferroni and Benjamini-Hochberg are computed for all families
at once (:func:`trustsurvey.multiplicity.adjust_blocks`, which reproduces
``statsmodels.stats.multitest.multipletests``); any other method statsmodels
knows (``"sidak"``, ``"holm-sidak"``, ``"hommel"``, ``"fdr_by"``, ...) is applied
family by family with statsmodels itself. Adjusted p-values are never below the
raw ones; NaN p-values (no test) stay NaN and do not count in their family.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

from ..errors import SignificanceError
from ..multiplicity import adjust_blocks

__all__ = ["adjust_pvalues", "ADJUST_METHODS"]

_ALIASES = {"bh": "fdr_bh", "fdr": "fdr_bh", "benjamini-hochberg": "fdr_bh", "by": "fdr_by"}
_FAST = ("holm", "bonferroni", "fdr_bh", "none")
_STATSMODELS = ("sidak", "holm-sidak", "simes-hochberg", "hommel", "fdr_by", "fdr_tsbh", "fdr_tsbky")
#: Methods accepted by :func:`adjust_pvalues` (``"bh"`` is an alias of ``"fdr_bh"``).
ADJUST_METHODS = _FAST + _STATSMODELS


def _method(method: str) -> str:
    m = _ALIASES.get(str(method).lower(), str(method).lower())
    if m not in ADJUST_METHODS:
        raise SignificanceError(f"adjust={method!r} is not known; choose one of "
                                f"{', '.join(ADJUST_METHODS)} (or 'bh')")
    return m


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
    """
    m = _method(method)
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
    if isinstance(by, pd.DataFrame) and len(by) != pv.size or \
            (by is not None and not isinstance(by, pd.DataFrame) and len(np.asarray(by)) != pv.size):
        raise SignificanceError("by= must give one family key per p-value")
    if m in _FAST:
        return adjust_blocks(pv, by, method=m)
    from statsmodels.stats.multitest import multipletests

    if by is None:
        codes = np.zeros(pv.size, dtype=np.int64)
    elif isinstance(by, pd.DataFrame):
        codes = by.astype(str).groupby(list(by.columns), sort=False).ngroup().to_numpy()
    else:
        codes = pd.factorize(np.asarray(by))[0]
    out = np.full(pv.size, np.nan)
    ok = np.isfinite(pv)
    order = np.argsort(codes, kind="stable")
    bounds = np.flatnonzero(np.diff(codes[order])) + 1
    for idx in np.split(order, bounds):
        idx = idx[ok[idx]]
        if idx.size:
            out[idx] = np.maximum(multipletests(pv[idx], method=m)[1], pv[idx])
    return out
