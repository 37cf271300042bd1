"""The Excel workbook of a report: one formatted sheet per table.

Every sheet has a bold header row, frozen panes under it, an autofilter and
column widths fitted to the content. In tables with a ``metric`` column, the
estimates of proportions (``top2``, ``share``, ...) are formatted as percentages
and means as numbers; p-values get four decimals. Suppressed estimates (too few
respondents) show the words "not shown: too few respondents" in grey italics
instead of a blank; low-base and unreliable estimates are shaded. Text cells
that a spreadsheet would run as formulas are escaped (leading single quote).
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd

from ..errors import ReportError
from .i18n import strings
from .safety import check_no_microdata, escape_formula

__all__ = ["write_excel", "sheet_names"]

PROPORTION_METRICS = frozenset({"top2", "bottom2", "share", "dont_know", "option_share"})
_ESTIMATE_COLUMNS = ("estimate", "se", "ci_low", "ci_high", "previous", "change", "change_se")
_P_COLUMNS = frozenset({"p_value", "p_adj", "change_p", "change_p_adj", "trend_p"})
_INT_COLUMNS = frozenset({"n_unweighted", "wave", "n", "n_respondents", "n_psu", "n_strata"})
_LOW_FILL = "FFF2CC"
_UNRELIABLE_FILL = "FCE4D6"
_HEADER_FILL = "D9E2F3"


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


def _write_sheet(ws, frame: pd.DataFrame, lang: str, percent_columns: frozenset[str]) -> None:
    """Write one table into a write-only worksheet (widths, panes and filter first, then rows)."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    s = strings(lang)
    columns = [str(c) for c in frame.columns]
    n = len(frame)
    metric = frame["metric"].astype(str).to_numpy() if "metric" in frame.columns else np.full(n, "")
    proportion = np.isin(metric, list(PROPORTION_METRICS))
    flags = (frame["flag"].astype(object).where(frame["flag"].notna(), "").astype(str).to_numpy()
             if "flag" in frame.columns else np.full(n, ""))
    values = [[_value(v) for v in frame.iloc[:, j].tolist()] for j in range(len(columns))]
    formats = [_column_formats(name, frame.iloc[:, j], proportion, percent_columns)
               for j, name in enumerate(columns)]
    flagged = [name in _ESTIMATE_COLUMNS[:4] for name in columns]
    for j, name in enumerate(columns):
        if flagged[j]:
            for i in np.flatnonzero(flags == "suppressed"):
                if values[j][i] is None:
                    values[j][i] = s["suppressed"] if name == "estimate" else "—"

    # column widths from the header and the first 500 values
    for j, name in enumerate(columns):
        sample = [v for v in values[j][:500] if v is not None]
        longest = max((8 if isinstance(v, float) else len(str(v)) for v in sample), default=0)
        ws.column_dimensions[get_column_letter(j + 1)].width = max(8, min(max(len(name), longest) + 2, 62))
    ws.freeze_panes = "A2"
    if n and columns:
        ws.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{n + 1}"

    bold = Font(bold=True)
    header_fill = PatternFill("solid", fgColor=_HEADER_FILL)
    wrap = Alignment(vertical="top", wrap_text=True)
    header = []
    for name in columns:
        cell = WriteOnlyCell(ws, value=escape_formula(name))
        cell.font, cell.fill, cell.alignment = bold, header_fill, wrap
        header.append(cell)
    ws.append(header)
    grey_italic = Font(italic=True, color="808080")
    italic = Font(italic=True)
    fills = {"low_base": PatternFill("solid", fgColor=_LOW_FILL),
             "unreliable": PatternFill("solid", fgColor=_UNRELIABLE_FILL)}
    for i in range(n):
        fl = flags[i]
        row = []
        for j in range(len(columns)):
            value = values[j][i]
            fmt = formats[j][i]
            special = flagged[j] and (fl in fills or fl == "suppressed")
            if value is None or (not special and (fmt is None or isinstance(value, (str, bool)))):
                row.append(value)
                continue
            cell = WriteOnlyCell(ws, value=value)
            if isinstance(value, str):
                cell.font = grey_italic
            else:
                if fmt and not isinstance(value, bool):
                    cell.number_format = fmt
                if special and fl in fills:
                    cell.fill = fills[fl]
                    cell.font = italic
            row.append(cell)
        ws.append(row)


def write_excel(tables: Mapping[str, pd.DataFrame], path: str | Path, *, lang: str = "en",
                percent_columns: Sequence[str] = ()) -> Path:
    """Write tables to one formatted ``.xlsx`` workbook, one sheet each, in the given order.

    Parameters
    ----------
    tables : mapping of sheet name to DataFrame
        Aggregate tables (a table with respondent ids or open answers is refused).
        Names are made valid sheet names (31 characters, no ``[]:*?/\\``).
    path : str or pathlib.Path
    lang : {"sq", "sr", "en"}
        Language of the words written into suppressed cells.
    percent_columns : list of str
        Further columns (in any sheet) holding proportions to show as percent.

    Returns
    -------
    pathlib.Path
    """
    from openpyxl import Workbook

    strings(lang)
    if not isinstance(tables, Mapping) or not tables:
        raise ReportError("write_excel needs a non-empty mapping of sheet name to DataFrame")
    for name, frame in tables.items():
        if not isinstance(frame, pd.DataFrame):
            raise ReportError(f"table {name!r} is a {type(frame).__name__}, not a pandas DataFrame")
        check_no_microdata(frame, str(name))
    wb = Workbook(write_only=True)
    wb.properties.creator = "trustsurvey"
    for sheet, frame in zip(sheet_names(list(tables)), tables.values()):
        _write_sheet(wb.create_sheet(sheet), frame, lang, frozenset(percent_columns))
    path = Path(path)
    try:
        wb.save(path)
    except OSError as exc:
        raise ReportError(f"cannot write the workbook {str(path)!r}: {exc.strerror}") from exc
    return path
