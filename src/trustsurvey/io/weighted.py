"""Weighted data files: read a response file, weight it by its questionnaire's scheme, write it back.

This is the file side of weighting (the statistics live in
:mod:`trustsurvey.weighting`, which never reads or writes files): the output
holds the input's columns *as stored* (codes such as 98/99 unchanged) plus one
weight column. The input is never overwritten, an existing output only when
asked, and the output is written to a temporary file first, so a failure leaves
nothing half-written.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import WeightingError

__all__ = ["weight_file", "numbers_as_numbers", "WRITABLE_SUFFIXES"]

#: output formats :func:`weight_file` writes (SPSS and Stata with variable and value labels)
WRITABLE_SUFFIXES = (".csv", ".xlsx", ".parquet", ".sav", ".zsav", ".dta")


def numbers_as_numbers(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` where each text column holding only plain numbers (or blanks) is numeric.

    Codes with leading zeros (``"007"``) and long identifiers stay text.

    >>> numbers_as_numbers(pd.DataFrame({"q": ["-2", "98", None], "id": ["007", "12", "3"]})).dtypes.tolist()
    [dtype('float64'), <StringDtype(na_value=nan)>]
    """
    from ..spreadsheet import is_plain_number

    out = frame.copy()
    for col in out.columns:
        s = out[col]
        if not (s.dtype == object or pd.api.types.is_string_dtype(s.dtype)):
            continue
        present = s.dropna()
        present = present[present.astype(str) != ""]
        if len(present) and bool(is_plain_number(present).all()):
            out[col] = pd.to_numeric(s.where(s.astype(str) != ""), errors="coerce")
    return out


def _write_xlsx(frame: pd.DataFrame, path: str) -> None:
    """Write data to Excel: numbers as numbers, every text cell as text (never a formula or a link)."""
    options = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}
    with pd.ExcelWriter(path, engine="xlsxwriter", engine_kwargs={"options": options}) as writer:
        numbers_as_numbers(frame).to_excel(writer, index=False)


def _write(frame: pd.DataFrame, path: Path, stat: dict | None = None) -> None:
    suffix = path.suffix.lower()
    fd, tmp = tempfile.mkstemp(prefix=".weighting-", suffix=suffix, dir=path.parent)
    os.close(fd)
    try:
        if suffix == ".csv":
            from ..spreadsheet import escape_frame

            escape_frame(frame, keep_numbers=True).to_csv(tmp, index=False, na_rep="")
        elif suffix == ".xlsx":
            _write_xlsx(frame, tmp)
        elif suffix in (".sav", ".zsav", ".dta"):
            from ._statwrite import write_stat

            write_stat(frame, Path(tmp), stat["labels"], stat["weight_column"], stat["weight_label"])
        else:
            frame.to_parquet(tmp, index=False)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def weight_file(questionnaire: Any, data_path: str | os.PathLike, out_path: str | os.PathLike, *,
                weight_column: str = "weight", force: bool = False, sheet: str | int | None = None,
                extra: str = "error", **options: Any) -> Any:
    """Weight a response file by its questionnaire's scheme and write it with a new weight column.

    The responses are read and validated with :func:`trustsurvey.read_survey`;
    the output holds the input's columns *as stored* (codes such as 98/99
    unchanged) plus ``weight_column``. The input is never overwritten and an
    existing output only with ``force=True``; the output is written to a
    temporary file first, so a failure leaves nothing half-written.

    Parameters
    ----------
    questionnaire : Questionnaire or path to its YAML file
    data_path : path
        The responses (``.csv``, ``.xlsx``, ``.sav``, ``.dta``, ``.parquet``).
    out_path : path
        Where to write: ``.csv``, ``.xlsx``, ``.parquet``, or SPSS ``.sav``/``.zsav``
        or Stata ``.dta`` with variable and value labels (the input's own labels
        when it is an SPSS or Stata file, else the questionnaire's; names that
        are not valid SPSS or Stata names are made valid, the old name kept as
        the variable label). In ``.csv`` a text cell a spreadsheet would run as a
        formula (``=``, ``+``, ``-``, ``@``, tab, carriage return) is written with a
        leading ``'`` (:func:`trustsurvey.spreadsheet.escape_frame`, plain numbers such as ``-2`` kept); ``.xlsx`` writes every text cell as
        text and columns of plain numbers as numbers (:func:`numbers_as_numbers`).
    weight_column : str
        Name of the new column (must not exist in the data).
    force : bool
        Replace an existing ``out_path``.
    sheet : str or int, optional
        Excel input only: the sheet to read (default: the first).
    extra : {"error", "ignore", "keep"}
        Columns the questionnaire does not know: an error listing them (default), or
        accepted (``"ignore"`` and ``"keep"`` alike: they take no part in the weighting
        and are copied to the output as stored, like every other column).
    **options
        Passed to :meth:`trustsurvey.Survey.weight` (``missing=``, ``trim=``, ...).

    Returns
    -------
    WeightingResult
        The diagnostics of the last weighting step (print it, or ``.to_frame()``).

    Raises
    ------
    WeightingError
        Output equal to the input, output exists without ``force``, unsupported
        output format, the weight column exists, or the weighting fails.
    DataValidationError
        The responses do not match the questionnaire.
    """
    from . import read_survey, read_table
    from .readers import read_columns

    src, out = Path(data_path), Path(out_path)
    if out.suffix.lower() not in WRITABLE_SUFFIXES:
        raise WeightingError(f"cannot write {out}: give an output file ending in "
                             f"{', '.join(WRITABLE_SUFFIXES)}")
    if out.exists() and src.exists() and out.resolve() == src.resolve():
        raise WeightingError(f"the output {out} is the input file; the input is never overwritten — "
                             "choose another output name")
    if out.exists() and not force:
        raise WeightingError(f"{out} already exists; choose another name or pass force=True (--force) "
                             "to replace it")
    if not out.parent.exists():
        raise WeightingError(f"the output folder {out.parent} does not exist")
    if extra not in ("error", "ignore", "keep"):
        raise WeightingError(f"extra={extra!r} is not an option; use 'error', 'ignore' or 'keep'")
    survey = read_survey(src, questionnaire, sheet=sheet, extra=extra)
    weighted = survey.weight(**options)
    text_cols = read_columns(src, sheet=sheet) if src.suffix.lower() in (".csv", ".tsv", ".txt", ".xlsx", ".xlsm") \
        else ()
    raw = read_table(src, sheet=sheet, text_columns=text_cols)
    if weight_column in raw.columns:
        raise WeightingError(f"{src} already has a column {weight_column!r}; choose another name "
                             "(weight_column=, --weight-column)")
    if len(raw) != len(weighted.data):
        raise WeightingError(f"{src}: {len(raw)} rows in the file but {len(weighted.data)} respondents "
                             "after validation; cannot align the weights")
    raw[weight_column] = np.asarray(weighted.weights, dtype=float)
    stat = None
    if out.suffix.lower() in (".sav", ".zsav", ".dta"):
        from ..questionnaire import Questionnaire
        from ._statwrite import stat_labels

        q = questionnaire if not isinstance(questionnaire, (str, os.PathLike)) else Questionnaire.from_yaml(questionnaire)
        result = weighted.attrs["weighting"]
        method = getattr(result, "method", None) or "weighting"
        stat = {"labels": stat_labels(q, src, list(raw.columns), weighted.attrs.get("wave")),
                "weight_column": weight_column, "weight_label": f"Weight ({method}, trustsurvey)"}
    _write(raw, out, stat)
    return weighted.attrs["weighting"]
