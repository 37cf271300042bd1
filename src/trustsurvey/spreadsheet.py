"""Spreadsheet-safe text: cells that a spreadsheet would run as a formula are neutralised.

A text cell beginning with ``=``, ``+``, ``-``, ``@`` (or a tab or carriage
return) is written with a leading single quote, so that Excel or LibreOffice
shows it as text instead of evaluating it (open-text answers come from the
public). Numbers are never touched; with ``keep_numbers=True`` neither is
text that is a plain number such as ``"-2"`` (data read as text), which a
spreadsheet reads as the number it is. Every CSV and Excel writer of
trustsurvey goes through here.
"""

from __future__ import annotations

from typing import Any

import re

import pandas as pd

__all__ = ["escape_formula", "escape_frame", "is_plain_number", "FORMULA_STARTS"]

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

#: A plain decimal number written as text: no leading zeros (``"007"`` is a code), at most 15 digits.
_PLAIN_NUMBER = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?")


def is_plain_number(values: pd.Series) -> pd.Series:
    """Which text values are plain decimal numbers (``"-2"``, ``"98"``, ``"0.5"``; not ``"007"`` or ``"1e3"``).

    >>> is_plain_number(pd.Series(["-2", "007", "1.5", "-2+3", "1234567890123456"])).tolist()
    [True, False, True, False, False]
    """
    text = values.astype(str)
    return text.str.fullmatch(_PLAIN_NUMBER.pattern) & (text.str.count(r"\d") <= 15)


def _plain(value: str) -> bool:
    return _PLAIN_NUMBER.fullmatch(value) is not None and sum(c.isdigit() for c in value) <= 15


def escape_formula(value: Any, *, keep_numbers: bool = False) -> Any:
    """``value`` with a leading ``'`` if it is text a spreadsheet would run as a formula.

    Examples
    --------
    >>> escape_formula('=HYPERLINK("http://x")')
    '\\'=HYPERLINK("http://x")'
    >>> escape_formula("-5 points"), escape_formula(-5), escape_formula("Çelës")
    ("'-5 points", -5, 'Çelës')
    >>> escape_formula("-2"), escape_formula("-2", keep_numbers=True)
    ("'-2", '-2')
    """
    if isinstance(value, str) and value.startswith(FORMULA_STARTS) and not (keep_numbers and _plain(value)):
        return "'" + value
    return value


def escape_frame(frame: pd.DataFrame, *, keep_numbers: bool = False) -> pd.DataFrame:
    """A copy of ``frame`` with every text cell and column name passed through :func:`escape_formula`.

    Examples
    --------
    >>> escape_frame(pd.DataFrame({"a": ["@x", "y"], "b": [-1.0, 2.0]}))["a"].tolist()
    ["'@x", 'y']

    Data read as text keep their plain numbers (``keep_numbers=True``), numeric columns and blanks:

    >>> raw = pd.DataFrame({"comment": ["=1+1", "-2+3", "@SUM(A1)", "fine", None],
    ...                     "code": ["-2", "1", "3", "4", "5"], "w": [-1.5, 2.0, 1.0, 1.0, 1.0]})
    >>> out = escape_frame(raw, keep_numbers=True)
    >>> out["comment"].tolist(), out["code"].tolist(), out["w"].tolist()
    (["'=1+1", "'-2+3", "'@SUM(A1)", 'fine', nan], ['-2', '1', '3', '4', '5'], [-1.5, 2.0, 1.0, 1.0, 1.0])
    """
    out = frame.copy()
    for col in out.columns:
        s = out[col]
        if s.dtype == object or pd.api.types.is_string_dtype(s.dtype):
            out[col] = s.map(lambda v: escape_formula(v, keep_numbers=keep_numbers), na_action="ignore")
    out.columns = [escape_formula(c, keep_numbers=keep_numbers) if isinstance(c, str) else c for c in out.columns]
    return out
