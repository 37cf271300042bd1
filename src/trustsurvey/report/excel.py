"""The Excel workbook of a report: one formatted sheet per table.

Every sheet has a bold header row, frozen panes under it, an autofilter and
column widths fitted to the content. In tables with a ``metric`` column, the
estimates of proportions (``top2``, ``share``, ...) are formatted as percentages
and means as numbers; p-values get four decimals. Suppressed estimates (too few
respondents) show the words "not shown: too few respondents" in grey italics
instead of a blank; low-base and unreliable estimates are shaded. Text cells
that a spreadsheet would run as formulas are escaped (leading single quote).
The workbook is written by :mod:`trustsurvey.report._xlsx` (fast, and the same
tables give the same bytes); any reader (openpyxl, Excel, LibreOffice) opens it.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd

from ..errors import ReportError
from ..labels import catalogue
from ..vocabulary import PROPORTION_METRICS
from ._xlsx import Sheet, Style, write_workbook
from .safety import check_no_microdata, escape_formula

__all__ = ["write_excel", "sheet_names"]

_ESTIMATE_COLUMNS = ("estimate", "se", "ci_low", "ci_high", "previous", "change", "change_se")
_P_COLUMNS = frozenset({"p_value", "p_adj", "change_p", "change_p_adj", "trend_p"})
_INT_COLUMNS = frozenset({"n_unweighted", "wave", "n", "n_respondents", "n_psu", "n_strata"})
_FILLS = {"low_base": "FFF2CC", "unreliable": "FCE4D6"}
_SUPPRESSED = Style(font="grey_italic")


def sheet_names(names: Sequence[str]) -> list[str]:
    """Valid, unique Excel sheet names (at most 31 characters, no ``[]:*?/\\``).

    Examples
    --------
    >>> sheet_names(["breakdown", "a/b", "x" * 40, "breakdown"])
    ['breakdown', 'a_b', 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx', 'breakdown~2']
    """
    out: list[str] = []
    seen: set[str] = set()
    for name in names:
        base = re.sub(r"[\[\]:*?/\\]", "_", str(name)).strip("'") or "sheet"
        base = base[:31]
        candidate, k = base, 2
        while candidate.lower() in seen:
            suffix = f"~{k}"
            candidate = base[: 31 - len(suffix)] + suffix
            k += 1
        seen.add(candidate.lower())
        out.append(candidate)
    return out


def _value(v: Any) -> Any:
    if v is None or v is pd.NA or v is pd.NaT:
        return None
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if isinstance(v, (int, np.integer)):
        return int(v)
    if isinstance(v, (float, np.floating)):
        return float(v) if math.isfinite(v) else None
    if isinstance(v, (pd.Timestamp, np.datetime64)):
        return pd.Timestamp(v).to_pydatetime()
    return escape_formula(str(v))


def _column_values(col: pd.Series) -> list:
    """The cell values of a column (fast paths for plain float, integer and text columns)."""
    dtype = col.dtype
    if pd.api.types.is_bool_dtype(dtype) and not col.isna().any():
        return [bool(v) for v in col.to_numpy(bool)]
    if pd.api.types.is_integer_dtype(dtype) and not col.isna().any():
        return col.to_numpy("int64").tolist()
    if pd.api.types.is_float_dtype(dtype):
        arr = col.to_numpy(float, na_value=np.nan)
        out = arr.tolist()
        for i in np.flatnonzero(~np.isfinite(arr)):
            out[i] = None
        return out
    if pd.api.types.is_string_dtype(dtype):
        return [None if not isinstance(v, str) else escape_formula(v) for v in col.tolist()]
    return [_value(v) for v in col.tolist()]


def _number_format(column: str, is_proportion: bool, is_float: bool) -> str | None:
    if column in _P_COLUMNS:
        return "0.0000"
    if column in _ESTIMATE_COLUMNS:
        return "0.0%" if is_proportion else "0.00"
    if column in _INT_COLUMNS:
        return "0"
    if column == "n_weighted":
        return "#,##0"
    if column == "deff":
        return "0.00"
    return "0.000" if is_float else None


def _column_formats(name: str, col: pd.Series, proportion: np.ndarray, percent_columns: frozenset[str]) -> list:
    """The number format of every cell of a column (None: General)."""
    is_float = pd.api.types.is_float_dtype(col.dtype)
    if name in percent_columns:
        return ["0.0%"] * len(col)
    if name in _ESTIMATE_COLUMNS:
        return np.where(proportion, "0.0%", "0.00").tolist()
    return [_number_format(name, False, is_float)] * len(col)


def _sheet(sheet_name: str, frame: pd.DataFrame, lang: str, percent_columns: frozenset[str],
           alpha: float = 0.05) -> Sheet:
    """A table as a worksheet: values, cell styles and column widths.

    Estimates whose adjusted p-value is below ``alpha`` are bold (significantly different
    from the rest of the population); low-base and unreliable ones shaded; suppressed ones
    say so in grey italics.
    """
    t = catalogue(lang)
    columns = [str(c) for c in frame.columns]
    n = len(frame)
    metric = frame["metric"].astype(str).to_numpy() if "metric" in frame.columns else np.full(n, "")
    proportion = np.isin(metric, list(PROPORTION_METRICS))
    flags = (frame["flag"].astype(object).where(frame["flag"].notna(), "").astype(str).to_numpy()
             if "flag" in frame.columns else np.full(n, ""))
    suppressed = set(np.flatnonzero(flags == "suppressed").tolist())
    marked = {i: f for i, f in enumerate(flags) if f in _FILLS}
    p_adj = (pd.to_numeric(frame["p_adj"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
             if "p_adj" in frame.columns else np.full(n, np.nan))
    significant = set(np.flatnonzero(p_adj < alpha).tolist())  # bold: differs from the rest
    cols = []
    widths = []
    for j, name in enumerate(columns):
        values = _column_values(frame.iloc[:, j])
        formats = _column_formats(name, frame.iloc[:, j], proportion, percent_columns)
        flagged = name in _ESTIMATE_COLUMNS[:4]
        styles: dict[str | None, Style] = {}
        shaded: dict[tuple, Style] = {}
        cells = []
        for i, (v, fmt) in enumerate(zip(values, formats)):
            if flagged and v is None and i in suppressed:
                cells.append((t("not shown: too few respondents") if name == "estimate" else "—", _SUPPRESSED))
            elif isinstance(v, (int, float)) and not isinstance(v, bool):
                if flagged and i in marked:
                    key = (fmt, marked[i])
                    if key not in shaded:
                        shaded[key] = Style(fmt, "italic", _FILLS[marked[i]])
                    cells.append((v, shaded[key]))
                elif name == "estimate" and i in significant:
                    cells.append((v, styles.setdefault(("bold", fmt), Style(fmt, "bold"))))
                elif fmt:
                    cells.append((v, styles.setdefault(fmt, Style(fmt))))
                else:
                    cells.append((v, None))
            else:
                cells.append((v, None))
        cols.append(cells)
        sample = [c[0] for c in cells[:500] if c[0] is not None]
        longest = max((8 if isinstance(v, float) else len(str(v)) for v in sample), default=0)
        widths.append(max(8, min(max(len(name), longest) + 2, 62)))
    rows = list(zip(*cols)) if cols else []
    return Sheet(name=sheet_name, header=[escape_formula(c) for c in columns], rows=rows, widths=widths)


def write_excel(tables: Mapping[str, pd.DataFrame], path: str | Path, *, lang: str = "en",
                percent_columns: Sequence[str] = (), alpha: float = 0.05) -> Path:
    """Write tables to one formatted ``.xlsx`` workbook, one sheet each, in the given order.

    Parameters
    ----------
    tables : mapping of sheet name to DataFrame
        Aggregate tables (a table with respondent ids or open answers is refused).
        Names are made valid sheet names (31 characters, no ``[]:*?/\\``).
    path : str or pathlib.Path
    lang : str
        Language of the words written into suppressed cells.
    percent_columns : list of str
        Further columns (in any sheet) holding proportions to show as percent.
    alpha : float
        Estimates with ``p_adj`` below it are bold (significant differences marked).

    Returns
    -------
    pathlib.Path
    """
    if not isinstance(tables, Mapping) or not tables:
        raise ReportError("write_excel needs a non-empty mapping of sheet name to DataFrame")
    for name, frame in tables.items():
        if not isinstance(frame, pd.DataFrame):
            raise ReportError(f"table {name!r} is a {type(frame).__name__}, not a pandas DataFrame")
        check_no_microdata(frame, str(name))
    sheets = [_sheet(sheet, frame, lang, frozenset(percent_columns), alpha)
              for sheet, frame in zip(sheet_names(list(tables)), tables.values())]
    path = Path(path)
    try:
        write_workbook(sheets, path)
    except OSError as exc:
        raise ReportError(f"cannot write the workbook {str(path)!r}: {exc.strerror}") from exc
    return path
