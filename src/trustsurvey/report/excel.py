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


def _write_sheet(ws, frame: pd.DataFrame, lang: str, percent_columns: frozenset[str]) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    s = strings(lang)
    columns = [str(c) for c in frame.columns]
    bold = Font(bold=True)
    header_fill = PatternFill("solid", fgColor=_HEADER_FILL)
    for j, name in enumerate(columns, start=1):
        cell = ws.cell(row=1, column=j, value=escape_formula(name))
        cell.font = bold
        cell.fill = header_fill
        cell.alignment = Alignment(vertical="top", wrap_text=True)
    n = len(frame)
    metric = frame["metric"].astype(str).to_numpy() if "metric" in frame.columns else np.full(n, "")
    proportion = np.isin(metric, list(PROPORTION_METRICS))
    flags = (frame["flag"].astype(object).where(frame["flag"].notna(), "").astype(str).to_numpy()
             if "flag" in frame.columns else np.full(n, ""))
    grey_italic = Font(italic=True, color="808080")
    italic = Font(italic=True)
    fills = {"low_base": PatternFill("solid", fgColor=_LOW_FILL),
             "unreliable": PatternFill("solid", fgColor=_UNRELIABLE_FILL)}
    widths = [len(c) for c in columns]
    for j, name in enumerate(columns, start=1):
        col = frame.iloc[:, j - 1]
        is_float = pd.api.types.is_float_dtype(col.dtype)
        values = col.tolist()
        flagged_column = name in _ESTIMATE_COLUMNS[:4]
        for i, v in enumerate(values):
            value = _value(v)
            fl = flags[i]
            if value is None and fl == "suppressed" and flagged_column:
                value = s["suppressed"] if name == "estimate" else "—"
            cell = ws.cell(row=i + 2, column=j, value=value)
            if isinstance(value, str) and flagged_column:
                cell.font = grey_italic
                continue
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                fmt = "0.0%" if name in percent_columns else _number_format(name, bool(proportion[i]), is_float)
                if fmt:
                    cell.number_format = fmt
                if flagged_column and fl in fills:
                    cell.fill = fills[fl]
                    cell.font = italic
            if value is not None and i < 500:
                widths[j - 1] = max(widths[j - 1], min(len(str(v)) if not isinstance(value, float) else 8, 60))
    ws.freeze_panes = "A2"
    if n and columns:
        ws.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{n + 1}"
    for j, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(j)].width = max(8, min(w + 2, 62))


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
    wb = Workbook()
    wb.remove(wb.active)
    wb.properties.creator = "trustsurvey"
    for sheet, frame in zip(sheet_names(list(tables)), tables.values()):
        _write_sheet(wb.create_sheet(sheet), frame, lang, frozenset(percent_columns))
    path = Path(path)
    try:
        wb.save(path)
    except OSError as exc:
        raise ReportError(f"cannot write the workbook {str(path)!r}: {exc.strerror}") from exc
    return path
