"""Read response data, check it against the questionnaire and return a :class:`~trustsurvey.Survey`.

>>> import trustsurvey as ts
>>> from trustsurvey.questionnaire import bundled
>>> q = bundled()
>>> s = ts.read_survey(ts.datasets.example_path(2025), q)
>>> item = q.question_ids[0]
>>> len(s.data), int((s.missing_kinds[item] == "dont_know").sum())
(1496, 36)

The work is split in modules: :mod:`~trustsurvey.io.readers` reads files
(CSV, Excel, SPSS, Stata, Parquet) without interpreting them,
:mod:`~trustsurvey.io.spec` flattens the questionnaire into the columns a wave's
file must have, :mod:`~trustsurvey.io.kobo` brings KoboToolbox / ODK export
layouts to those columns, and :mod:`~trustsurvey.io.validate` checks every
column in one vectorised pass and builds the clean analysis data.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Any, Sequence

import pandas as pd

from ..errors import DataValidationError, DesignError
from .kobo import _suffixes, harmonise
from .readers import SUPPORTED_SUFFIXES, read_columns, read_table, source_name
from .spec import ValidationSpec, questionnaire_waves, validation_spec
from .validate import PROBLEM_COLUMNS, check_responses, empty_problems

__all__ = [
    "read_survey",
    "validate_responses",
    "validate_file",
    "ValidationResult",
    "resolve_wave",
    "read_table",
    "validation_spec",
    "PROBLEM_COLUMNS",
    "SUPPORTED_SUFFIXES",
]


def _questionnaire(questionnaire: Any):
    if isinstance(questionnaire, (str, os.PathLike)):
        from ..questionnaire import Questionnaire

        return Questionnaire.from_yaml(questionnaire)
    return questionnaire


def resolve_wave(questionnaire: Any, columns: Sequence[str], wave: int | None = None) -> int | None:
    """The wave whose column names a file uses.

    An explicit ``wave`` wins. Otherwise the questionnaire's own wave, unless the
    file lacks some of its column names and another wave's names all match.

    Parameters
    ----------
    questionnaire : Questionnaire
    columns : sequence of str
        The file's column names.
    wave : int, optional

    Returns
    -------
    int or None
    """
    if wave is not None:
        return int(wave)
    default = getattr(questionnaire, "wave", None)
    present = set(columns)

    def missing(w: int | None) -> int:
        spec = validation_spec(questionnaire, w)
        return sum(c.required and c.source not in present for c in spec.columns)

    best, best_missing = default, missing(default)
    if best_missing == 0:
        return default
    for w in questionnaire_waves(questionnaire):
        if w == default:
            continue
        m = missing(w)
        if m < best_missing:
            best, best_missing = w, m
    return best


def validate_responses(
    frame: pd.DataFrame, questionnaire: Any, *, wave: int | None = None, extra: str = "error"
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Check a DataFrame of responses against a questionnaire, without raising.

    Parameters
    ----------
    frame : pandas.DataFrame
        Responses with the column names of the wave's file. Not modified.
    questionnaire : Questionnaire or path
    wave : int, optional
        Whose column names the frame uses (default: inferred, see :func:`resolve_wave`).
    extra : {"error", "ignore", "keep"}
        Columns the questionnaire does not know: report, drop, or keep unchecked.

    Returns
    -------
    clean : pandas.DataFrame
        Columns named by item id, missing codes as NA, derived variables and indices added.
    missing_kinds : pandas.DataFrame
        Why each missing answer is missing: ``dont_know``, ``refused``,
        ``not_applicable``, ``not_asked`` (categorical; NA where answered).
    problems : pandas.DataFrame
        ``row, respondent_id, column, value, problem`` (empty when valid); ``row``
        counts data rows from 1 (the first row after the header).

    Examples
    --------
    >>> import pandas as pd
    >>> from trustsurvey.datasets import example_path
    >>> from trustsurvey.questionnaire import bundled
    >>> q = bundled()
    >>> item = q.question_ids[0]
    >>> raw = pd.read_csv(example_path(2025))
    >>> raw.loc[0, item] = 7
    >>> clean, kinds, problems = validate_responses(raw, q)
    >>> problems[["row", "column", "value"]].to_dict("records") == [{"row": 1, "column": item, "value": "7"}]
    True
    """
    q = _questionnaire(questionnaire)
    spec = validation_spec(q, resolve_wave(q, [str(c) for c in frame.columns], wave))
    h = harmonise(read_table(frame), spec)
    clean, kinds, problems = check_responses(h.frame, spec, extra=extra, found=h.problems)
    return clean, kinds, _file_columns(problems, h.renamed)


def _file_columns(problems: pd.DataFrame, renamed: dict) -> pd.DataFrame:
    """Name each problem's column as the file does (``group/question``, not ``question``)."""
    back = {v: k for k, v in renamed.items()}
    if not back or problems.empty:
        return problems
    out = problems.copy()
    out["column"] = out["column"].map(lambda c: back.get(c, c)).astype(problems["column"].dtype)
    return out


@dataclass(frozen=True, eq=False)
class ValidationResult:
    """What :func:`validate_file` found: the clean data, the missing kinds and the problems.

    Attributes
    ----------
    source : str
        The file name (or ``"data frame"``).
    wave : int or None
        The wave whose column names were used.
    data, missing_kinds, problems : pandas.DataFrame
        As returned by :func:`validate_responses`.
    spec : ValidationSpec
        The expected columns.
    survey : Survey or None
        The Survey built from the clean data when no problem was found.
    set_aside : pandas.DataFrame
        Columns read but not checked (export metadata such as ``_uuid``, form
        fields the questionnaire does not analyse), as read.
    set_aside_reasons : dict
        ``{column: why it was set aside}``.
    renamed : dict
        ``{column in the file: expected column}`` for export headers such as
        ``group/question`` and ``question/choice``.
    """

    source: str
    wave: int | None
    data: pd.DataFrame
    missing_kinds: pd.DataFrame
    problems: pd.DataFrame
    spec: ValidationSpec
    survey: Any = None
    set_aside: Any = None
    set_aside_reasons: Any = None
    renamed: Any = None

    @property
    def ok(self) -> bool:
        """Whether no problem was found."""
        return len(self.problems) == 0

    @property
    def n_items(self) -> int:
        """Number of question columns (items, options and demographics; not design columns)."""
        return sum(c.role != "design" for c in self.spec.columns)

    def summary(self) -> str:
        """A one-line summary (``kp_trust_2025.csv: 1500 respondents, ...``)."""
        wave = f"wave {self.wave}" if self.wave is not None else "no wave"
        head = f"{self.source}: {len(self.data)} respondents, {self.n_items} item columns, {wave}"
        if self.set_aside_reasons:
            head += f", {len(self.set_aside_reasons)} column(s) set aside"
        if self.ok:
            return head + ": valid"
        counts = self.problems["column"].value_counts(sort=False)
        cols = ", ".join(f"{c} ({n})" for c, n in counts.items())
        return f"{head}: {len(self.problems)} problem(s) in {len(counts)} column(s): {cols}"

    def to_frame(self) -> pd.DataFrame:
        """The problem table."""
        return self.problems

    def raise_for_problems(self) -> None:
        """Raise :class:`DataValidationError` listing every problem, if there is any."""
        if not self.ok:
            raise DataValidationError(self.summary(), problems=self.problems)


def validate_file(
    source: str | os.PathLike | pd.DataFrame,
    questionnaire: Any,
    *,
    wave: int | None = None,
    sheet: str | int | None = None,
    extra: str = "error",
) -> ValidationResult:
    """Read a response file and check it against the questionnaire, without raising for bad data.

    Parameters are those of :func:`read_survey`.

    Returns
    -------
    ValidationResult

    Raises
    ------
    DataValidationError
        Only when the file cannot be read at all (missing, unsupported, unparseable).
    """
    q = _questionnaire(questionnaire)
    columns = read_columns(source, sheet=sheet)
    wave = resolve_wave(q, columns, wave)
    spec = validation_spec(q, wave)
    text_sources = {c.source for c in spec.columns if c.kind == "text"}
    text_columns = [c for c in columns if c in text_sources or any(x in text_sources for x in _suffixes(c))]
    raw = read_table(source, sheet=sheet, text_columns=text_columns)
    h = harmonise(raw, spec)
    clean, kinds, problems = check_responses(h.frame, spec, extra=extra, found=h.problems)
    problems = _file_columns(problems, h.renamed)
    survey = None
    if problems.empty:
        # the declared design must also work on these data (e.g. no stratum with a single PSU)
        try:
            survey = _survey(clean, q, kinds, wave)
        except DesignError as exc:
            problems = _design_problem(spec, str(exc))
    return ValidationResult(source_name(source), wave, clean, kinds, problems, spec, survey,
                            h.set_aside, dict(h.reasons), dict(h.renamed))


def _design_spelling(message: str) -> str:
    """A design message in the questionnaire's spelling: ``lonely_psu: adjust`` in its design section.

    The design layer speaks Python (``lonely_psu='adjust'``); a file's reader fixes the questionnaire.

    >>> _design_spelling("stratum [12] has only one PSU; pass lonely_psu='adjust' (centre), 'average' or 'remove'")
    "stratum [12] has only one PSU; set `lonely_psu: adjust` (centre), `average` or `remove` in the questionnaire's design section"
    """
    python = re.search(r"(?:pass )?lonely_psu=(['\"])(\w+)\1", message)
    if python is None:
        return message
    head, tail = message[:python.start()], message[python.end():]
    options = re.match(r"((?:\s*\([^)]*\))?(?:,? (?:or )?'\w+')*)(.*)", tail, re.S)
    listed = re.sub(r"'(\w+)'", r"`\1`", options.group(1))
    return (f"{head}set `lonely_psu: {python.group(2)}`{listed} in the questionnaire's design section"
            f"{options.group(2)}")


def _design_problem(spec: ValidationSpec, message: str) -> pd.DataFrame:
    """A one-row problem table for a design the data do not fit, on the strata (or PSU, weight) column."""
    name = next((n for n in (spec.strata, *spec.psu, spec.weight) if n is not None), None)
    column = next((c.source for c in spec.columns if c.name == name), "design")
    row = {"row": pd.NA, "respondent_id": pd.NA, "column": column, "value": pd.NA,
           "problem": f"the questionnaire's design does not fit the data: {_design_spelling(message)}"}
    return pd.concat([empty_problems(), pd.DataFrame([row])], ignore_index=True).astype(
        empty_problems().dtypes.to_dict())


def read_survey(
    path_or_frame: str | os.PathLike | pd.DataFrame,
    questionnaire: Any,
    *,
    wave: int | None = None,
    sheet: str | int | None = None,
    extra: str = "error",
):
    """Read responses, validate them against the questionnaire and return a Survey.

    Parameters
    ----------
    path_or_frame : path or pandas.DataFrame
        A ``.csv`` (UTF-8), ``.xlsx``, ``.sav``/``.zsav``/``.por``, ``.dta`` or
        ``.parquet`` file, or a DataFrame. The file is only read and a DataFrame
        is copied: the input is never modified. Coded answers may be written as
        codes (``1``, ``1.0``, ``"1"``), choice names (``yes``) or labels in any
        of the questionnaire's languages. KoboToolbox / ODK export layouts are
        read as they come (:mod:`trustsurvey.io.kobo`): ``group/question``
        headers, ``question/choice`` 0/1 columns or space-separated choices, and
        metadata columns (``_uuid``, ``start``, ...) set aside and listed.
    questionnaire : Questionnaire or path to its YAML file
    wave : int, optional
        Whose source column names the file uses (default: the questionnaire's
        wave, or another wave whose column names the file matches).
    sheet : str or int, optional
        Excel only: the sheet to read (default: the first).
    extra : {"error", "ignore", "keep"}
        Columns the questionnaire does not know: report them as problems
        (default), drop them, or keep them unchecked.

    Returns
    -------
    Survey
        The clean data (columns named by item id; coded answers ``Int64``, numbers
        ``float``, open text ``str``; missing codes NA), the questionnaire's design
        (weights, strata, PSUs, FPC), the questionnaire itself and the
        ``missing_kinds`` of every missing answer.

    Raises
    ------
    DataValidationError
        Listing every problem found (``.problems``: a DataFrame with columns
        ``row, respondent_id, column, value, problem``), or when the file cannot
        be read.

    Examples
    --------
    >>> import trustsurvey as ts
    >>> from trustsurvey.questionnaire import bundled
    >>> s = ts.read_survey(ts.datasets.example_path(2025), bundled())
    >>> s
    <Survey: 1496 respondents; design with 16 strata (stratum), 120 PSUs (psu); df=104>
    >>> routed = next(iter(bundled().routing))
    >>> s.data[routed].dtype, s.missing_kinds[routed].cat.categories.tolist()
    (Int64Dtype(), ['dont_know', 'refused', 'not_applicable', 'not_asked'])
    """
    q = _questionnaire(questionnaire)
    result = validate_file(path_or_frame, q, wave=wave, sheet=sheet, extra=extra)
    result.raise_for_problems()
    return result.survey


def _survey(data: pd.DataFrame, questionnaire: Any, missing_kinds: pd.DataFrame, wave: int | None = None):
    from ..survey import Survey

    design = getattr(questionnaire, "design", None)
    kwargs = design.survey_kwargs() if design is not None else {}
    s = Survey(data, **kwargs, questionnaire=questionnaire, missing_kinds=missing_kinds)
    return s if wave is None else s.with_design(s.design, wave=int(wave))
