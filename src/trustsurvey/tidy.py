"""Engine output -> tidy table: the one place where a grid of estimates becomes rows.

The estimation engine returns arrays shaped ``(rows, columns)``: one row per
group (or pair of groups, or wave), one column per variable (or item x metric x
level). :func:`grid_frame` lays such a grid out as a tidy table, one row per
cell, row-major (all columns of the first group, then the second ...), with the
row keys and column keys repeated alongside. Estimates, breakdowns, comparisons
and changes all go through it.
"""

from __future__ import annotations

from typing import Any, Mapping

import numpy as np
import pandas as pd

__all__ = ["grid_frame"]


def grid_frame(rows: pd.DataFrame | None, columns: pd.DataFrame, values: Mapping[str, Any],
               order: list[str] | None = None) -> pd.DataFrame:
    """A ``(G, K)`` grid of values as a tidy table of ``G * K`` rows.

    Parameters
    ----------
    rows : pandas.DataFrame or None
        The ``G`` row keys (e.g. the groups, one column per by-variable); None or
        an empty-column frame: one row key-less row per grid row.
    columns : pandas.DataFrame
        The ``K`` column keys (e.g. ``variable``, ``level``).
    values : mapping of str to array-like or scalar
        Each value a ``(G, K)`` array (or anything of ``G * K`` elements in
        row-major order), a length-``G`` array given as ``(G, 1)``, or a scalar
        repeated on every row.
    order : list of str, optional
        Columns of the result, in this order (default: row keys, column keys, values).

    Returns
    -------
    pandas.DataFrame

    Examples
    --------
    >>> rows = pd.DataFrame({"g": ["a", "b"]})
    >>> cols = pd.DataFrame({"variable": ["x", "y", "z"]})
    >>> t = grid_frame(rows, cols, {"estimate": np.arange(6.0).reshape(2, 3), "df": 9})
    >>> t.values.tolist()
    [['a', 'x', 0.0, 9], ['a', 'y', 1.0, 9], ['a', 'z', 2.0, 9], ['b', 'x', 3.0, 9], ['b', 'y', 4.0, 9], ['b', 'z', 5.0, 9]]
    """
    K = len(columns)
    G = None
    for v in values.values():
        if np.ndim(v) == 2:
            G = np.shape(v)[0]
            break
    if G is None:
        G = 1 if rows is None or rows.shape[1] == 0 and len(rows) == 0 else len(rows)
    if rows is not None and rows.shape[1]:
        out = rows.iloc[np.repeat(np.arange(G), K)].reset_index(drop=True)
    else:
        out = pd.DataFrame(index=range(G * K))
    tiled = np.tile(np.arange(K), G)
    for c in columns.columns:
        out[c] = columns[c].to_numpy()[tiled]
    for name, v in values.items():
        if np.ndim(v) == 0:
            out[name] = v
            continue
        arr = np.asarray(v)
        if arr.ndim == 2 and arr.shape == (G, 1) and K != 1:
            arr = np.repeat(arr, K, axis=1)
        out[name] = arr.reshape(-1)
    return out if order is None else out[order]
