"""Multiplicity control: p-value adjustment within blocks of tests, vectorised.

Adjusted p-values are never below the raw ones. The methods reproduce
``statsmodels.stats.multitest.multipletests`` (``holm``, ``bonferroni``,
``fdr_bh``) block by block, without a Python loop over blocks.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .errors import SignificanceError

__all__ = ["adjust_blocks", "ADJUST_METHODS"]

ADJUST_METHODS = ("holm", "bonferroni", "fdr_bh", "none")


def adjust_blocks(p, blocks: pd.DataFrame | np.ndarray | None = None, method: str = "holm") -> np.ndarray:
    """Adjust p-values for multiple testing within each block.

    Parameters
    ----------
    p : array-like
        Raw p-values (NaN: no test; left NaN).
    blocks : DataFrame or array, optional
        Block keys, one row per p-value (tests are adjusted among rows with equal
        keys); None: one block.
    method : {"holm", "bonferroni", "fdr_bh", "none"}

    Examples
    --------
    >>> adjust_blocks([0.01, 0.04, 0.03, 0.5], np.array([1, 1, 1, 2])).round(3).tolist()
    [0.03, 0.06, 0.06, 0.5]
    """
    if method not in ADJUST_METHODS:
        raise SignificanceError(f"adjust={method!r} is not known; choose one of {', '.join(ADJUST_METHODS)}")
    p = np.asarray(p, dtype=float)
    out = np.full(p.shape, np.nan)
    if method == "none":
        return p.copy()
    if blocks is None:
        codes = np.zeros(p.size, dtype=np.int64)
    elif isinstance(blocks, pd.DataFrame):
        codes = blocks.astype(str).groupby(list(blocks.columns), sort=False).ngroup().to_numpy()
    else:
        codes = pd.factorize(np.asarray(blocks))[0]
    ok = np.isfinite(p)
    idx = np.flatnonzero(ok)
    if idx.size == 0:
        return out
    b, pv = codes[idx], p[idx]
    order = np.lexsort((pv, b))
    b_s, p_s = b[order], pv[order]
    frame = pd.DataFrame({"b": b_s})
    m = frame.groupby("b")["b"].transform("size").to_numpy()
    rank = frame.groupby("b").cumcount().to_numpy()  # 0-based rank within block
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
