"""Spreadsheet-safe text: cells that a spreadsheet would run as a formula are neutralised.

A text cell beginning with ``=``, ``+``, ``-``, ``@`` (or a tab or carriage
return) is written with a leading single quote, so that Excel or LibreOffice
shows it as text instead of evaluating it (open-text answers come from the
public). Numbers are never touched. Every CSV and Excel writer of trustsurvey
goes through here.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

__all__ = ["escape_formula", "escape_frame", "FORMULA_STARTS"]

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def escape_formula(value: Any) -> Any:
    """``value`` with a leading ``'`` if it is text a spreadsheet would run as a formula.

    Examples
    --------
    >>> escape_formula('=HYPERLINK("http://x")')
    '\\'=HYPERLINK("http://x")'
    >>> escape_formula("-5 points"), escape_formula(-5), escape_formula("Çelës")
    ("'-5 points", -5, 'Çelës')
    """
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def escape_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` with every text cell and column name passed through :func:`escape_formula`.

    Examples
    --------
    >>> escape_frame(pd.DataFrame({"a": ["@x", "y"], "b": [-1.0, 2.0]}))["a"].tolist()
    ["'@x", 'y']
    """
    out = frame.copy()
    for col in out.columns:
        s = out[col]
        if s.dtype == object or pd.api.types.is_string_dtype(s.dtype):
            out[col] = s.map(escape_formula, na_action="ignore")
    out.columns = [escape_formula(c) if isinstance(c, str) else c for c in out.columns]
    return out
