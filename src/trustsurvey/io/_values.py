"""Reading the cells of one column: coded answers (codes, choice names or labels), numbers, dates and times.

Each function looks at a column once and at each *distinct* value once, so
the cost does not grow with the number of respondents beyond one pass.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..questionnaire._codes import canonical_code
from .spec import ColumnSpec

__all__ = ["numbers", "coded_values", "date_values", "is_blank_text"]


def numbers(series: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(values, blank, not_numeric)`` of a column; whitespace-only cells count as blank."""
    if pd.api.types.is_bool_dtype(series) or pd.api.types.is_numeric_dtype(series):
        values = series.to_numpy(dtype=float, na_value=np.nan)
        blank = np.isnan(values)
        return values, blank, np.zeros(len(values), dtype=bool)
    values = pd.to_numeric(series, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    isna = series.isna().to_numpy()
    leftover = np.flatnonzero(np.isnan(values) & ~isna)
    blank = isna.copy()
    if len(leftover):
        cells = series.to_numpy(dtype=object)[leftover]
        empty = np.array([isinstance(c, str) and c.strip() == "" for c in cells], dtype=bool)
        blank[leftover[empty]] = True
    not_numeric = np.isnan(values) & ~blank
    return values, blank, not_numeric


def coded_values(series: pd.Series, col: ColumnSpec) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(values, blank, unmatched)`` of a coded or option column.

    A cell may hold the code in any form (``1``, ``1.0``, ``"1"``), its choice
    name (``yes``) or its label in any language (``Yes``, ``Po``); ``values``
    holds the code as a number (for a text-coded scale, its position in
    ``col.code_list``). ``unmatched`` marks cells that match no code, name or
    label. Numbers that are not codes pass through (they are reported later
    as codes outside the scale).

    Examples
    --------
    >>> from trustsurvey.io.spec import ColumnSpec
    >>> col = ColumnSpec("q", "q", "coded", valid_codes=(1.0, 2.0), lookup={"1": 1, "2": 2, "yes": 1, "no": 2})
    >>> v, blank, unmatched = coded_values(pd.Series(["yes", "2", 1.0, " ", "maybe", None]), col)
    >>> v.tolist()[:3], blank.tolist(), unmatched.tolist()
    ([1.0, 2.0, 1.0], [False, False, False, True, False, True], [False, False, False, False, True, False])
    """
    numeric_dtype = pd.api.types.is_bool_dtype(series) or pd.api.types.is_numeric_dtype(series)
    if col.code_list is None and (numeric_dtype or not col.lookup):
        values, blank, not_numeric = numbers(series)
        return values, blank, not_numeric
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    mapped = np.full(len(uniques) + 1, np.nan)  # last slot: NA cells
    blank_u = np.zeros(len(uniques) + 1, dtype=bool)
    blank_u[-1] = True
    lookup = col.lookup or {}
    for j, u in enumerate(uniques):
        c = canonical_code(u)
        if c is None:
            blank_u[j] = True
            continue
        if col.code_list is None and isinstance(c, (int, float)):
            mapped[j] = float(c)
            continue
        hit = lookup.get(str(c).strip().casefold())
        if hit is not None:
            mapped[j] = float(hit)
    idx = np.where(codes < 0, len(uniques), codes)
    values = mapped[idx]
    blank = blank_u[idx]
    unmatched = ~blank & np.isnan(values)
    return values, blank, unmatched


def is_blank_text(series: pd.Series) -> np.ndarray:
    """Cells that are missing or only whitespace."""
    blank = series.isna().to_numpy().copy()
    if series.dtype == object or pd.api.types.is_string_dtype(series):
        text = series.astype("str")
        blank |= (text.str.strip() == "").fillna(True).to_numpy(dtype=bool)
    return blank


def date_values(series: pd.Series, kind: str) -> tuple[pd.Series, np.ndarray, np.ndarray]:
    """``(parsed, blank, bad)`` of a date (``datetime64``) or time-of-day (``timedelta64``) column.

    Dates may be stored as dates (SPSS, Stata, Excel) or written as text
    (``2025-03-01``, ``2025-03-01T10:30:00.000+01:00``); times as times or
    ``HH:MM[:SS]`` texts.

    Examples
    --------
    >>> p, blank, bad = date_values(pd.Series(["2025-03-01", "", "not a date"]), "date")
    >>> p.dt.day.tolist()[:1], blank.tolist(), bad.tolist()
    ([1.0], [False, True, False], [False, False, True])
    >>> date_values(pd.Series(["09:30", "17:05:10"]), "time")[0].dt.total_seconds().tolist()
    [34200.0, 61510.0]
    """
    blank = is_blank_text(series)
    kept = series.where(~pd.Series(blank, index=series.index))
    if kind == "date":
        if pd.api.types.is_datetime64_any_dtype(series):
            parsed = pd.Series(series)
        else:
            try:
                parsed = pd.to_datetime(kept, errors="coerce", format="mixed")
            except (ValueError, TypeError):  # offsets that differ from row to row
                parsed = pd.to_datetime(kept, errors="coerce", format="mixed", utc=True)
            if getattr(parsed.dt, "tz", None) is not None:
                parsed = parsed.dt.tz_convert("UTC").dt.tz_localize(None)
    else:
        if pd.api.types.is_timedelta64_dtype(series):
            parsed = pd.Series(series)
        elif pd.api.types.is_datetime64_any_dtype(series):
            parsed = series - series.dt.normalize()
        else:
            text = kept.map(lambda v: v if isinstance(v, str) else (None if v is None or v is pd.NA else str(v)),
                            na_action="ignore").astype(object)
            text = text.map(lambda t: t.strip() + (":00" if t.strip().count(":") == 1 else ""), na_action="ignore")
            parsed = pd.to_timedelta(text, errors="coerce")
    bad = ~blank & parsed.isna().to_numpy()
    return parsed, blank, bad
