"""Output safety shared by every writer: spreadsheet-formula escaping and the microdata guard.

A text cell beginning with ``=``, ``+``, ``-`` or ``@`` is read by spreadsheet
programs as a formula (CSV/formula injection; open-text answers can start with
anything). :func:`escape_formula` prefixes such text with a single quote, the
spreadsheet convention for "this is text". Tab and carriage return, which some
programs also treat as formula starters, are escaped too. Numbers are never
touched.

Reports publish aggregates only: :func:`check_no_microdata` refuses a table that
carries respondent identifiers or open-text answers.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from ..errors import ReportError
from ..spreadsheet import FORMULA_STARTS, escape_formula, escape_frame

__all__ = ["FORMULA_STARTS", "escape_formula", "escape_frame", "check_no_microdata", "MICRODATA_COLUMNS"]

#: Columns that only respondent-level data have (a respondent id, KoboToolbox/ODK submission metadata).
MICRODATA_COLUMNS = frozenset({"respondent_id", "_uuid", "_id", "_index", "_submission_time", "meta/instanceID",
                               "instanceID"})


def check_no_microdata(frame: pd.DataFrame, name: str) -> None:
    """Raise ReportError if table ``name`` looks like respondent-level data.

    Examples
    --------
    >>> check_no_microdata(pd.DataFrame({"respondent_id": [1]}), "sheet1")
    Traceback (most recent call last):
    ...
    trustsurvey.errors.ReportError: table 'sheet1' has respondent-level column(s) respondent_id; ...
    """
    bad = sorted(MICRODATA_COLUMNS.intersection(map(str, frame.columns)))
    if bad:
        raise ReportError(f"table {name!r} has respondent-level column(s) {', '.join(bad)}; reports publish "
                          "aggregates only: drop these columns or publish a breakdown table instead")
