"""The one Excel writer of trustsurvey: every workbook (``tables.xlsx``, ``action_plan.xlsx``) goes through it.

Built on XlsxWriter. Each table becomes one sheet with

- headers in the report's language (the catalogue's column titles; unknown columns keep their name),
  bold on a shaded band, frozen, with an autofilter, repeated on every printed page;
- number formats by meaning: shares, their intervals and standard errors as percentages (``0.0%``),
  means and design effects with two decimals, counts with thousands separators, p-values
  with three decimals and ``<0.001`` below it; the ``metric`` of a row says whether it is a share;
- words instead of codes where a reader sees them: the metric's name, the flag's meaning;
  a suppressed estimate says "not shown: too few respondents" in grey italics (a suppressed
  small-area estimate "not shown: too uncertain"); low-base and unreliable estimates, and
  small-area estimates to interpret with care, are shaded; estimates that differ significantly from the rest are bold;
- column widths fitted to the content, long text wrapped with row heights that fit it (rows never
  overlap when printed);
- print setup: A4 landscape, fitted to the page width, header row repeated, page numbers.

Text is always written as text (``write_string``): a cell beginning with ``=`` is never a formula
and needs no leading apostrophe (the apostrophe escaping of :func:`~trustsurvey.report.safety.escape_formula`
is for CSV files). Text longer than Excel's 32,767 characters per cell is cut with an ellipsis;
characters XML cannot carry are dropped. The workbook is byte-identical across runs (fixed creation
date, in-memory assembly with fixed zip timestamps).
"""

from __future__ import annotations

import datetime as _dt
import math
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd

from ..errors import ReportError
from ..labels import catalogue, meaning
from ..vocabulary import PROPORTION_METRICS
from .columns import title
from .safety import check_no_microdata
from .small_area import FLAG_WORDS

__all__ = ["write_excel", "sheet_names", "Sheet", "EXCEL_MAX_CHARS", "P_FORMAT", "FIXED_DATE"]

#: Excel keeps at most this many characters in a cell.
EXCEL_MAX_CHARS = 32767
#: The number format of p-values: ``<0.001`` below a thousandth, three decimals otherwise.
P_FORMAT = '[<0.001]"<0.001";0.000'
#: The workbook's creation date (a fixed one: the same tables give the same bytes).
FIXED_DATE = _dt.datetime(2000, 1, 1)

_SHARE_COLUMNS = frozenset({"estimate", "ci_low", "ci_high", "previous", "previous_estimate", "se", "change",
                            "change_se", "national", "goal", "direct"})
_SIGNED = frozenset({"change"})
_P_COLUMNS = frozenset({"p_value", "p_adj", "change_p", "change_p_adj", "trend_p"})
_COUNT_COLUMNS = frozenset({"n_unweighted", "n_weighted", "n", "n_respondents", "n_psu", "n_strata"})
_INT_COLUMNS = frozenset({"wave", "rank", "previous_wave", "df", "iterations"})
_TWO_DECIMALS = frozenset({"deff", "statistic", "ndf", "ddf", "priority"})
_FILLS = {"low_base": "#FFF2CC", "unreliable": "#FCE4D6", "caution": "#FFF2CC"}
#: flags whose estimate is not shown (a breakdown group with too few respondents, a too uncertain small area)
_HIDDEN = frozenset({"suppressed", "suppress"})
_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_LINE_HEIGHT = 15.0  # points per line of 11-point Calibri


@dataclass(frozen=True)
class Sheet:
    """A table with how to show it.

    Attributes
    ----------
    frame : DataFrame
    wrap : list of str
        Columns whose text wraps (long text: recommendations, comments); other long text columns
        wrap too when their text is longer than ``max_width``.
    widths : mapping of column to width
        Widths (in characters) that replace the fitted ones.
    titles : bool
        Translate the headers of known columns (:func:`trustsurvey.report.columns.title`).
    percent : list of str
        Columns always shown as percentages (whatever the row's metric).
    proportion : sequence of bool, optional
        Which rows hold shares (default: from the ``metric`` column, or every row when the table
        has no ``metric`` column and all its estimates lie in [0, 1]).
    """

    frame: pd.DataFrame
    wrap: Sequence[str] = ()
    widths: Mapping[str, float] = field(default_factory=dict)
    titles: bool = True
    proportion: Sequence[bool] | None = None
    percent: Sequence[str] = ()


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


def _clean(text: str) -> str:
    if not text.isprintable():
        text = _INVALID_XML.sub("", text)
    if len(text) > EXCEL_MAX_CHARS:
        text = text[: EXCEL_MAX_CHARS - 1] + "…"
    return text


def _proportion_rows(frame: pd.DataFrame, given: Sequence[bool] | None) -> np.ndarray:
    n = len(frame)
    if given is not None:
        return np.asarray(list(given), dtype=bool)
    if "metric" in frame.columns:
        return frame["metric"].astype(str).isin(list(PROPORTION_METRICS)).to_numpy()
    if "estimate" in frame.columns:
        est = pd.to_numeric(frame["estimate"], errors="coerce").dropna()
        return np.full(n, bool(len(est)) and bool(est.between(0, 1).all()))
    return np.zeros(n, dtype=bool)


def _number_format(column: str, share: bool, is_float: bool) -> str | None:
    if column in _P_COLUMNS:
        return P_FORMAT
    if column in _SHARE_COLUMNS:
        if share:
            return "+0.0%;-0.0%;0.0%" if column in _SIGNED else "0.0%"
        return "+0.00;-0.00;0.00" if column in _SIGNED else "0.00"
    if column in _COUNT_COLUMNS:
        return "#,##0"
    if column in _INT_COLUMNS:
        return "0"
    if column in _TWO_DECIMALS:
        return "0.00"
    return "0.000" if is_float else None


class _Formats:
    """XlsxWriter formats made once per workbook and per property set."""

    def __init__(self, workbook) -> None:
        self.workbook = workbook
        self.cache: dict[tuple, Any] = {}

    def get(self, num: str | None = None, *, bold: bool = False, italic: bool = False, grey: bool = False,
            fill: str | None = None, wrap: bool = False, header: bool = False):
        key = (num, bold, italic, grey, fill, wrap, header)
        if key not in self.cache:
            props: dict[str, Any] = {"valign": "top"}
            if num:
                props["num_format"] = num
            if bold or header:
                props["bold"] = True
            if italic:
                props["italic"] = True
            if grey:
                props["font_color"] = "#808080"
            if fill:
                props.update(pattern=1, bg_color=fill)
            if wrap or header:
                props["text_wrap"] = True
            if header:
                props.update(bg_color="#D9E2F3", pattern=1, bottom=1)
            self.cache[key] = self.workbook.add_format(props)
        return self.cache[key]


def _text_width(text: str) -> float:
    """Width of a text in Excel's character units (the widest line)."""
    return max((len(line) for line in text.split("\n")), default=0)


def _lines(text: str, width: float) -> int:
    """Lines a wrapped text takes in a column ``width`` characters wide (words are not split)."""
    usable = max(width - 1.0, 4.0) * 1.1  # Calibri's letters are narrower than the width unit's '0'
    total = 0
    for para in text.split("\n"):
        line, n = 0.0, 1
        for word in para.split(" "):
            w = len(word)
            if line and line + 1 + w > usable:
                n += 1 + int(w // usable)
                line = w % usable
            else:
                line += (1 if line else 0) + w
        total += n
    return total


def _write_sheet(ws, spec: Sheet, lang: str, formats: _Formats, alpha: float) -> None:
    frame = spec.frame
    t = catalogue(lang)
    columns = [str(c) for c in frame.columns]
    n = len(frame)
    share = _proportion_rows(frame, spec.proportion)
    flags = (frame["flag"].astype(object).where(frame["flag"].notna(), "").astype(str).to_numpy()
             if "flag" in frame.columns else np.full(n, ""))
    p_adj = (pd.to_numeric(frame["p_adj"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
             if "p_adj" in frame.columns else np.full(n, np.nan))
    significant = p_adj < alpha
    words = {"suppressed": t("not shown: too few respondents"), "low_base": t("low base"),
             "unreliable": t("unreliable"), **{k: t(v) for k, v in FLAG_WORDS.items()}}
    m = meaning(None, lang)
    headers = [title(c, lang) if spec.titles else c for c in columns]
    percent = set(spec.percent)
    wrap_cols = set(spec.wrap)
    widths: list[float] = []
    heights = np.ones(n + 1)
    cells_by_column = []
    for j, name in enumerate(columns):
        col = frame.iloc[:, j]
        is_float = pd.api.types.is_float_dtype(col.dtype)
        values = col.tolist()
        if name == "metric":
            values = [v if _missing(v) else m.metric(str(v)) for v in values]
        elif name == "flag":
            values = ["" if _missing(v) else words.get(str(v), str(v)) for v in values]
        cells_by_column.append((name, values, is_float))
        texts = [v for v in values[:2000] if isinstance(v, str)]
        longest = max((_text_width(v) for v in texts), default=0)
        numeric = max((8 for v in values[:1] if isinstance(v, (int, float, np.number))), default=0)
        width = max(min(max(len(headers[j]) * 0.9, longest, numeric) + 2, 60), 7)
        if name in spec.widths:
            width = float(spec.widths[name])
        if longest > 60 and name not in wrap_cols:
            wrap_cols.add(name)
        if name in wrap_cols:
            width = min(width, float(spec.widths.get(name, 50)))
        widths.append(width)
    header_format = formats.get(header=True)
    for j, (h, w) in enumerate(zip(headers, widths)):
        ws.write_string(0, j, _clean(h), header_format)
        heights[0] = max(heights[0], _lines(h, w))
    suppressed_format = formats.get(italic=True, grey=True)
    for j, (name, values, is_float) in enumerate(cells_by_column):
        wrap = name in wrap_cols
        marked = name in ("estimate", "ci_low", "ci_high", "se")
        text_format = formats.get(wrap=wrap)
        plain = {s: formats.get("0.0%" if name in percent else _number_format(name, s, is_float))
                 for s in (False, True)}
        write_number, write_string = ws.write_number, ws.write_string
        for i, v in enumerate(values):
            r = i + 1
            if type(v) is float:  # the common case first
                if v != v or v in (math.inf, -math.inf):
                    if marked and flags[i] in _HIDDEN:
                        write_string(r, j, words[flags[i]] if name == "estimate" else "—", suppressed_format)
                    continue
                if marked and (flags[i] in _FILLS or (name == "estimate" and significant[i])):
                    write_number(r, j, v, _marked_format(formats, name, percent, bool(share[i]), is_float,
                                                         flags[i], bool(significant[i])))
                else:
                    write_number(r, j, v, plain[bool(share[i])])
            elif type(v) is str:
                if not v:
                    continue
                text = _clean(v)
                write_string(r, j, text, text_format)
                if wrap:
                    heights[r] = max(heights[r], _lines(text, widths[j]))
            elif _missing(v):
                if marked and flags[i] in _HIDDEN:
                    write_string(r, j, words[flags[i]] if name == "estimate" else "—", suppressed_format)
            elif isinstance(v, (bool, np.bool_)):
                ws.write_boolean(r, j, bool(v))
            elif isinstance(v, (int, float, np.integer, np.floating)):
                if math.isfinite(float(v)):
                    write_number(r, j, float(v), plain[bool(share[i])])
            elif isinstance(v, (pd.Timestamp, _dt.datetime, _dt.date, np.datetime64)):
                ws.write_datetime(r, j, pd.Timestamp(v).to_pydatetime(), formats.get("yyyy-mm-dd"))
            else:
                text = _clean(str(v))
                write_string(r, j, text, text_format)
                if wrap:
                    heights[r] = max(heights[r], _lines(text, widths[j]))
    for j, w in enumerate(widths):
        ws.set_column(j, j, w)
    for r in np.flatnonzero(heights > 1):
        ws.set_row(int(r), min(409.0, _LINE_HEIGHT * float(heights[r])))
    ws.freeze_panes(1, 0)
    if columns:
        ws.autofilter(0, 0, max(n, 1), len(columns) - 1)
    ws.set_landscape()
    ws.set_paper(9)  # A4
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(0)
    ws.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
    ws.set_footer("&L&A&R&P / &N")


def _marked_format(formats: _Formats, name: str, percent: set, share: bool, is_float: bool, flag: str,
                   significant: bool):
    """Shaded italics for a low base or an unreliable estimate; bold for a significant difference."""
    code = "0.0%" if name in percent else _number_format(name, share, is_float)
    fill = _FILLS.get(flag)
    if fill:
        return formats.get(code, italic=True, fill=fill)
    return formats.get(code, bold=significant)


def _missing(v: Any) -> bool:
    return v is None or v is pd.NA or v is pd.NaT or (isinstance(v, (float, np.floating)) and v != v)


def write_excel(tables: Mapping[str, pd.DataFrame | Sheet], path: str | Path, *, lang: str = "en",
                percent_columns: Sequence[str] = (), alpha: float = 0.05, titles: bool = True) -> Path:
    """Write tables to one formatted ``.xlsx`` workbook, one sheet each, in the given order.

    Parameters
    ----------
    tables : mapping of sheet name to DataFrame or :class:`Sheet`
        Aggregate tables (a table with respondent ids or open answers is refused). Names are
        made valid sheet names (31 characters, no ``[]:*?/\\``).
    path : str or pathlib.Path
    lang : str
        Language of the headers and of the words written into cells (metric names, flags).
    percent_columns : list of str
        Further columns (in any sheet) holding proportions to show as percentages.
    alpha : float
        Estimates with ``p_adj`` below it are bold (significant differences marked).
    titles : bool
        Translate the headers of known columns (for plain DataFrames; a Sheet says its own).

    Returns
    -------
    pathlib.Path

    Examples
    --------
    >>> import tempfile, pathlib, openpyxl
    >>> t = pd.DataFrame({"metric": ["top2", "mean"], "estimate": [0.634, 3.2], "p_adj": [0.0004, 0.2]})
    >>> out = write_excel({"table": t}, pathlib.Path(tempfile.mkdtemp()) / "t.xlsx", lang="sq")
    >>> ws = openpyxl.load_workbook(out)["table"]
    >>> [c.value for c in ws[1]], ws["B2"].number_format, ws["B3"].number_format, ws["C2"].number_format
    (['Masa', 'Vlerësimi', 'p e korrigjuar'], '0.0%', '0.00', '[<0.001]"<0.001";0.000')
    """
    import xlsxwriter

    if not isinstance(tables, Mapping) or not tables:
        raise ReportError("write_excel needs a non-empty mapping of sheet name to DataFrame")
    specs = []
    for name, table in tables.items():
        if isinstance(table, pd.DataFrame):
            table = Sheet(table, titles=titles)
        if not isinstance(table, Sheet) or not isinstance(table.frame, pd.DataFrame):
            raise ReportError(f"table {name!r} is a {type(table).__name__}, not a pandas DataFrame")
        check_no_microdata(table.frame, str(name))
        if percent_columns:
            table = replace(table, percent=tuple(table.percent) + tuple(percent_columns))
        specs.append(table)
    path = Path(path)
    workbook = xlsxwriter.Workbook(str(path), {"in_memory": True, "strings_to_formulas": False,
                                               "strings_to_numbers": False, "strings_to_urls": False})
    workbook.set_properties({"created": FIXED_DATE, "author": "trustsurvey"})
    formats = _Formats(workbook)
    for sheet, spec in zip(sheet_names(list(tables)), specs):
        _write_sheet(workbook.add_worksheet(sheet), spec, lang, formats, alpha)
    try:
        workbook.close()
    except OSError as exc:
        raise ReportError(f"cannot write the workbook {str(path)!r}: {exc.strerror}") from exc
    return path
