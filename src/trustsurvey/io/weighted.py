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

__all__ = ["weight_file", "WRITABLE_SUFFIXES"]

#: output formats :func:`weight_file` writes
WRITABLE_SUFFIXES = (".csv", ".xlsx", ".parquet")


def _write(frame: pd.DataFrame, path: Path) -> None:
    suffix = path.suffix.lower()
    fd, tmp = tempfile.mkstemp(prefix=".weighting-", suffix=suffix, dir=path.parent)
    os.close(fd)
    try:
        if suffix == ".csv":
            frame.to_csv(tmp, index=False, na_rep="")
        elif suffix == ".xlsx":
            frame.to_excel(tmp, index=False)
        else:
            frame.to_parquet(tmp, index=False)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def weight_file(questionnaire: Any, data_path: str | os.PathLike, out_path: str | os.PathLike, *,
                weight_column: str = "weight", force: bool = False, **options: Any) -> Any:
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
        Where to write: ``.csv``, ``.xlsx`` or ``.parquet``.
    weight_column : str
        Name of the new column (must not exist in the data).
    force : bool
        Replace an existing ``out_path``.
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
    survey = read_survey(src, questionnaire)
    weighted = survey.weight(**options)
    text_cols = read_columns(src) if src.suffix.lower() in (".csv", ".tsv", ".txt", ".xlsx", ".xlsm") else ()
    raw = read_table(src, text_columns=text_cols)
    if weight_column in raw.columns:
        raise WeightingError(f"{src} already has a column {weight_column!r}; choose another name "
                             "(weight_column=, --weight-column)")
    if len(raw) != len(weighted.data):
        raise WeightingError(f"{src}: {len(raw)} rows in the file but {len(weighted.data)} respondents "
                             "after validation; cannot align the weights")
    raw[weight_column] = np.asarray(weighted.weights, dtype=float)
    _write(raw, out)
    return weighted.attrs["weighting"]
