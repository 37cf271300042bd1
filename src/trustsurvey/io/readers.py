"""Read response files into a pandas DataFrame, never touching the file.

Supported formats, chosen by the file's extension:

=========  ==========================================================
``.csv``   UTF-8 (a byte-order mark is accepted); ``,``, ``;``, tab or ``|`` separated
          (the separator the header line holds most often; see :func:`sniff_separator`)
``.tsv``   UTF-8, tab separated
``.xlsx``  Excel workbook (first sheet unless ``sheet=`` names one)
``.sav``   SPSS (user-missing values are kept as their codes)
``.zsav``  compressed SPSS
``.por``   SPSS portable
``.dta``   Stata (extended missing values ``.a``-``.z`` are kept as their letter)
``.parquet`` Apache Parquet
=========  ==========================================================

Values are read as they are stored: codes stay codes (value labels are not
applied), so the questionnaire can check them. Open-text columns named in
``text_columns`` are read as text, so that ``"007"`` stays ``"007"``.
"""

from __future__ import annotations

import csv
import os
import re
from pathlib import Path
from typing import Iterable

import pandas as pd

from ..errors import DataValidationError

__all__ = ["read_table", "read_columns", "sheet_names", "sniff_separator", "SUPPORTED_SUFFIXES", "source_name"]

SUPPORTED_SUFFIXES = (".csv", ".tsv", ".txt", ".xlsx", ".xlsm", ".sav", ".zsav", ".por", ".dta", ".parquet", ".pq")
_STAT = (".sav", ".zsav", ".por", ".dta")

# The strings pandas treats as missing by default, minus the ones that are plausible
# open-text answers. Blank cells are always missing.
_NA_STRINGS = ["", "NA", "N/A", "n/a", "NaN", "nan", "NULL", "null", "#N/A", "-nan", "-NaN", "<NA>"]


def source_name(source: object) -> str:
    """How a data source is named in messages: the file name, or ``'data frame'``.

    >>> source_name("examples/data/kp_trust_2025.csv")
    'kp_trust_2025.csv'
    """
    if isinstance(source, (str, os.PathLike)):
        return Path(source).name
    return "data frame"


def _path(source: str | os.PathLike) -> Path:
    path = Path(source)
    if not path.exists():
        raise DataValidationError(f"data file not found: {path}")
    if path.is_dir():
        raise DataValidationError(f"{path} is a directory; give the path of a data file")
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise DataValidationError(
            f"{path.name}: unsupported file type {suffix or '(no extension)'!r}; "
            f"use one of {', '.join(SUPPORTED_SUFFIXES)}"
        )
    return path


#: Separators a ``.csv``/``.txt`` file may use, in order of preference when the header line ties.
CSV_SEPARATORS = (",", ";", "\t", "|")


def sniff_separator(header_line: str) -> str:
    r"""The separator of a CSV header line: the candidate it holds most often, outside quotes.

    Commas win ties and a line without any candidate (one column) is comma separated.

    Examples
    --------
    >>> sniff_separator("respondent_id|region|q1")
    '|'
    >>> sniff_separator('id;"last, first";q1'), sniff_separator("id\tq1"), sniff_separator("id")
    (';', '\t', ',')
    >>> sniff_separator('id,"a;b;c",q1')
    ','
    """
    bare = re.sub(r'"[^"]*"?', "", header_line)
    counts = [(bare.count(sep), -i, sep) for i, sep in enumerate(CSV_SEPARATORS)]
    best = max(counts)
    return best[2] if best[0] > 0 else ","


def _csv_separator(path: Path) -> str:
    if path.suffix.lower() == ".tsv":
        return "\t"
    with open(path, "rb") as handle:
        head = handle.readline(65536)
    return sniff_separator(head.decode("utf-8-sig", errors="replace"))


def _separator_name(sep: str) -> str:
    return {"\t": "tabs", ",": "commas", ";": "semicolons", "|": "pipes"}.get(sep, repr(sep))


def _parser_message(path: Path, sep: str, exc: Exception) -> str:
    """A CSV parse failure in words: the file, the separator found and the row that does not fit."""
    head = (f"{path.name}: cannot be read as CSV separated by {_separator_name(sep)} "
            f"(the separator {sep!r} found in its header line)")
    fields = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", str(exc))
    if fields:
        want, line, saw = fields.groups()
        return (f"{head}: line {line} has {saw} fields but the header has {want}; check that every row uses "
                f"the same separator and that text holding {sep!r} is quoted, or save the file again as CSV")
    detail = re.sub(r"^.*C error:\s*", "", str(exc).strip().splitlines()[-1]) if str(exc).strip() else ""
    return (f"{head}: {detail or type(exc).__name__}; check the separator and the quoting "
            "(text holding the separator or a line break must be in double quotes), or save the file again as CSV")


def _csv_header(path: Path, sep: str) -> list[str]:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return [c.strip() for c in next(csv.reader(handle, delimiter=sep), [])]


def _read_csv(path: Path, *, nrows: int | None, text_columns: Iterable[str]) -> pd.DataFrame:
    sep = _csv_separator(path)
    try:
        _check_header(_csv_header(path, sep), path.name)
        header = pd.read_csv(path, sep=sep, nrows=0, encoding="utf-8-sig").columns
        text = set(text_columns)
        na_values = {c: ([""] if c in text else _NA_STRINGS) for c in header}
        return pd.read_csv(
            path,
            sep=sep,
            nrows=nrows,
            encoding="utf-8-sig",
            dtype={c: "str" for c in header if c in text},
            keep_default_na=False,
            na_values=na_values,
            skipinitialspace=False,
            low_memory=False,
        )
    except UnicodeDecodeError as exc:
        raise DataValidationError(
            f"{path.name}: not valid UTF-8 text (byte {exc.start}); save the file as "
            "'CSV UTF-8' (Excel) or re-encode it as UTF-8"
        ) from None
    except pd.errors.EmptyDataError:
        raise DataValidationError(f"{path.name}: the file is empty; it needs a header row and data rows") from None
    except (pd.errors.ParserError, csv.Error) as exc:
        raise DataValidationError(_parser_message(path, sep, exc)) from None


def _read_excel(path: Path, *, sheet: str | int | None, nrows: int | None, text_columns: Iterable[str]) -> pd.DataFrame:
    try:
        return pd.read_excel(
            path,
            sheet_name=0 if sheet is None else sheet,
            nrows=nrows,
            engine="openpyxl",
            dtype={c: "str" for c in text_columns},
        )
    except ValueError as exc:
        if "not found" in str(exc).lower() or "worksheet" in str(exc).lower():
            raise DataValidationError(f"{path.name}: no sheet {sheet!r}; {exc}") from None
        raise DataValidationError(f"{path.name}: cannot be read as an Excel workbook: {exc}") from None
    except IndexError:
        raise DataValidationError(f"{path.name}: no sheet number {sheet!r}") from None
    except Exception as exc:  # zipfile.BadZipFile, openpyxl's InvalidFileException, ...
        raise DataValidationError(f"{path.name}: cannot be read as an Excel workbook ({exc})") from None


def _stat_kind(path: Path) -> str:
    return "a Stata" if path.suffix.lower() == ".dta" else "an SPSS"


def _read_stat(path: Path, *, nrows: int | None) -> pd.DataFrame:
    import pyreadstat

    limit = 0 if nrows is None else max(int(nrows), 1)
    try:
        if path.suffix.lower() == ".dta":
            frame, _ = pyreadstat.read_dta(str(path), apply_value_formats=False, user_missing=True, row_limit=limit)
        elif path.suffix.lower() == ".por":
            frame, _ = pyreadstat.read_por(str(path), apply_value_formats=False, row_limit=limit)
        else:
            frame, _ = pyreadstat.read_sav(str(path), apply_value_formats=False, user_missing=True, row_limit=limit)
    except Exception as exc:  # pyreadstat.ReadstatError and friends
        raise DataValidationError(f"{path.name}: cannot be read as {_stat_kind(path)} file ({exc})") from None
    return frame if nrows != 0 else frame.iloc[:0]


def _read_parquet(path: Path, *, nrows: int | None) -> pd.DataFrame:
    try:
        frame = pd.read_parquet(path)
    except Exception as exc:  # pyarrow.ArrowInvalid and friends
        raise DataValidationError(f"{path.name}: cannot be read as a Parquet file ({exc})") from None
    return frame if nrows is None else frame.iloc[:nrows]


def read_table(
    source: str | os.PathLike | pd.DataFrame,
    *,
    sheet: str | int | None = None,
    text_columns: Iterable[str] = (),
    nrows: int | None = None,
) -> pd.DataFrame:
    """Read a response file (or copy a DataFrame) without interpreting its values.

    Parameters
    ----------
    source : path or pandas.DataFrame
        A ``.csv``/``.tsv``, ``.xlsx``, ``.sav``/``.zsav``/``.por``, ``.dta`` or ``.parquet`` file,
        or a DataFrame (which is copied, never modified).
    sheet : str or int, optional
        Excel only: the sheet to read (default: the first).
    text_columns : iterable of str
        Source columns holding open text: read as text, with only blank cells missing.
    nrows : int, optional
        Read only this many data rows (``0``: only the header).

    Returns
    -------
    pandas.DataFrame
        The file's columns as stored, with a fresh ``RangeIndex``.

    Raises
    ------
    DataValidationError
        If the file does not exist, has an unsupported extension or cannot be parsed.

    Examples
    --------
    >>> import pandas as pd
    >>> raw = pd.DataFrame({"respondent_id": [1, 2], "q1": [4, 98]})
    >>> read_table(raw).equals(raw)
    True
    """
    if isinstance(source, pd.DataFrame):
        frame = source.copy(deep=True)
        if nrows is not None:
            frame = frame.iloc[:nrows]
    elif isinstance(source, (str, os.PathLike)):
        path = _path(source)
        suffix = path.suffix.lower()
        if suffix in (".csv", ".tsv", ".txt"):
            frame = _read_csv(path, nrows=nrows, text_columns=text_columns)
        elif suffix in (".xlsx", ".xlsm"):
            frame = _read_excel(path, sheet=sheet, nrows=nrows, text_columns=text_columns)
        elif suffix in _STAT:
            frame = _read_stat(path, nrows=nrows)
        else:
            frame = _read_parquet(path, nrows=nrows)
    else:
        raise DataValidationError(
            f"cannot read responses from a {type(source).__name__}; give a file path or a pandas DataFrame"
        )
    frame.columns = [str(c).strip() for c in frame.columns]
    _check_header(list(frame.columns), source_name(source))
    return frame.reset_index(drop=True)


def _check_header(columns: list[str], name: str) -> None:
    index = pd.Index(columns)
    if index.has_duplicates:
        names = sorted(set(index[index.duplicated()]))
        raise DataValidationError(
            f"{name}: the header repeats column name(s) {', '.join(map(repr, names))}; "
            "every column needs a unique name"
        )
    if "" in set(columns):
        raise DataValidationError(
            f"{name}: column {columns.index('') + 1} of the header has no name; name it or delete the column"
        )


def read_columns(source: str | os.PathLike | pd.DataFrame, *, sheet: str | int | None = None) -> list[str]:
    """The column names of a response file (reading as little of it as the format allows).

    >>> import pandas as pd
    >>> read_columns(pd.DataFrame({"a": [1], "b": [2]}))
    ['a', 'b']
    """
    if isinstance(source, pd.DataFrame):
        return [str(c).strip() for c in source.columns]
    path = _path(source)
    if path.suffix.lower() in _STAT:
        import pyreadstat

        reader = {".dta": pyreadstat.read_dta, ".por": pyreadstat.read_por}.get(path.suffix.lower(), pyreadstat.read_sav)
        try:
            _, meta = reader(str(path), metadataonly=True)
        except Exception as exc:  # pyreadstat.ReadstatError and friends
            raise DataValidationError(f"{path.name}: cannot be read as {_stat_kind(path)} file ({exc})") from None
        return [str(c).strip() for c in meta.column_names]
    if path.suffix.lower() in (".parquet", ".pq"):
        try:
            import pyarrow.parquet as pq

            return [str(c).strip() for c in pq.read_schema(path).names if not str(c).startswith("__index_level")]
        except Exception as exc:
            raise DataValidationError(f"{path.name}: cannot be read as a Parquet file ({exc})") from None
    return list(read_table(path, sheet=sheet, nrows=0).columns)


def sheet_names(source: str | os.PathLike | pd.DataFrame) -> list[str]:
    """The sheet names of an Excel workbook, in order; ``[]`` for any other source.

    >>> import pandas as pd
    >>> sheet_names(pd.DataFrame({"a": [1]}))
    []
    """
    if not isinstance(source, (str, os.PathLike)):
        return []
    path = _path(source)
    if path.suffix.lower() not in (".xlsx", ".xlsm"):
        return []
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(path, read_only=True)
    except Exception as exc:  # zipfile.BadZipFile, openpyxl's InvalidFileException, ...
        raise DataValidationError(f"{path.name}: cannot be read as an Excel workbook ({exc})") from None
    try:
        return list(workbook.sheetnames)
    finally:
        workbook.close()
