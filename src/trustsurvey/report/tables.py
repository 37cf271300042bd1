"""Deterministic CSV files: the same table gives the same bytes, on every run and machine.

Rows are sorted (by every column, numbers as numbers), floats are written with
one fixed format (``%.12g``: twelve significant digits, no ``-0``), missing
values are empty, text is UTF-8 with ``\\n`` line endings (also inside cells) and formula-escaped
(:func:`trustsurvey.report.safety.escape_formula`).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import pandas as pd

from ..errors import ReportError
from .safety import check_no_microdata, escape_formula

__all__ = ["write_csv", "csv_text", "sort_rows", "FLOAT_FORMAT"]

FLOAT_FORMAT = "%.12g"


def _format_float(v: float, float_format: str) -> str:
    if v != v:  # NaN
        return ""
    return float_format % (v + 0.0)  # + 0.0 turns -0.0 into 0.0


def _cell(v: Any, float_format: str) -> str:
    if v is None or v is pd.NA or v is pd.NaT:
        return ""
    if isinstance(v, (bool, np.bool_)):
        return "true" if v else "false"
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    if isinstance(v, (float, np.floating)):
        return _format_float(float(v), float_format)
    if isinstance(v, (pd.Timestamp, np.datetime64)):
        return pd.Timestamp(v).isoformat()
    # one line-ending convention inside cells too: a lone carriage return would split the row for some readers
    return str(escape_formula(str(v).replace("\r\n", "\n").replace("\r", "\n")))


def _column_text(s: pd.Series, float_format: str) -> list[str]:
    if pd.api.types.is_bool_dtype(s.dtype) and not s.isna().any():
        return ["true" if v else "false" for v in s.to_numpy(bool)]
    if pd.api.types.is_integer_dtype(s.dtype) and not s.isna().any():
        return [str(v) for v in s.to_numpy("int64")]
    if pd.api.types.is_float_dtype(s.dtype):
        values = (s.to_numpy(float, na_value=np.nan) + 0.0).tolist()  # + 0.0 turns -0.0 into 0.0
        return [float_format % v if v == v else "" for v in values]
    if _all_text(s):  # labels and codes repeat: each distinct text is written once
        codes, uniques = pd.factorize(s)
        texts = [_cell(v, float_format) for v in uniques.tolist()] + [""]  # code -1: missing
        return [texts[c] for c in codes.tolist()]
    return [_cell(v, float_format) for v in s.tolist()]


def _all_text(s: pd.Series) -> bool:
    """Every non-missing value of ``s`` is a ``str`` (so that equal values mean equal cells)."""
    if isinstance(s.dtype, pd.StringDtype):
        return True
    return s.dtype == object and pd.api.types.infer_dtype(s, skipna=True) in ("string", "empty")


def sort_rows(frame: pd.DataFrame, by: Sequence[str] | None = None) -> pd.DataFrame:
    """``frame`` sorted by ``by`` (every column by default): numbers numerically, the rest as text.

    Missing numbers sort last, missing text as empty text; ties keep their order (the sort is
    stable).

    Examples
    --------
    >>> sort_rows(pd.DataFrame({"g": ["b", "a", "a"], "x": [1.0, 10.0, 2.0]}))["x"].tolist()
    [2.0, 10.0, 1.0]
    """
    cols = list(frame.columns) if by is None else list(by)
    missing = [c for c in cols if c not in frame.columns]
    if missing:
        raise ReportError(f"cannot sort by column(s) {', '.join(map(str, missing))}: not in the table")
    if not cols or frame.empty:
        return frame.reset_index(drop=True)

    def key(s: pd.Series) -> pd.Series:
        if pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype):
            return s
        if _all_text(s):
            return s.astype(object).where(s.notna(), "")
        return s.map(lambda v: "" if v is None or (not isinstance(v, str) and pd.isna(v)) else str(v))

    return frame.sort_values(cols, key=key, kind="mergesort", na_position="last").reset_index(drop=True)


def csv_text(frame: pd.DataFrame, *, float_format: str = FLOAT_FORMAT,
             sort: bool | Sequence[str] = True) -> str:
    """The deterministic CSV text of ``frame`` (see :func:`write_csv`).

    Examples
    --------
    >>> print(csv_text(pd.DataFrame({"item": ["=1+1", "trust"], "estimate": [0.5, -0.0]})), end="")
    item,estimate
    '=1+1,0.5
    trust,0
    """
    if not isinstance(frame, pd.DataFrame):
        raise ReportError(f"write_csv needs a pandas DataFrame, got {type(frame).__name__}")
    if sort is True:
        frame = sort_rows(frame)
    elif sort:
        frame = sort_rows(frame, sort)
    columns = [_column_text(frame.iloc[:, j], float_format) for j in range(frame.shape[1])]
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow([_cell(c, float_format) for c in frame.columns])
    writer.writerows(zip(*columns))
    return buf.getvalue()


def write_csv(frame: pd.DataFrame, path: str | Path, *, float_format: str = FLOAT_FORMAT,
              sort: bool | Sequence[str] = True, bom: bool = False, name: str | None = None) -> Path:
    """Write ``frame`` as a deterministic UTF-8 CSV file.

    Parameters
    ----------
    frame : pandas.DataFrame
        An aggregate table (a table with respondent ids or open answers is refused).
    path : str or pathlib.Path
    float_format : str
        printf format of floats; missing values are written as empty cells.
    sort : bool or list of str
        ``True``: sort rows by every column; a list: by these columns; ``False``:
        keep the order (use it for tables whose order is the content, like an
        action plan ranked by priority).
    bom : bool
        Start with a UTF-8 byte-order mark (Excel then reads ë, č, š correctly
        when the file is double-clicked).
    name : str, optional
        Name of the table in error messages (the file name by default).

    Returns
    -------
    pathlib.Path
    """
    path = Path(path)
    if isinstance(frame, pd.DataFrame):
        check_no_microdata(frame, name or path.name)
    data = csv_text(frame, float_format=float_format, sort=sort).encode("utf-8")
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)
    return path
