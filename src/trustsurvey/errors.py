"""Exception hierarchy of trustsurvey.

Every error a user can cause derives from :class:`TrustSurveyError`, so the
command line can report it as a message instead of a traceback. Messages name
the file, column, row or option at fault and say how to fix it.
"""

from __future__ import annotations

__all__ = [
    "TrustSurveyError",
    "QuestionnaireError",
    "DataValidationError",
    "DesignError",
    "EstimationError",
    "WeightingError",
    "SignificanceError",
    "PlanError",
    "ReportError",
    "LanguageError",
    "TrustSurveyWarning",
]


class TrustSurveyError(Exception):
    """Base class of every error trustsurvey raises for bad input."""


class QuestionnaireError(TrustSurveyError):
    """A questionnaire definition is malformed or inconsistent.

    Parameters
    ----------
    message : str
        What is wrong.
    problems : list of str, optional
        Every problem found, each prefixed with its YAML path
        (``questions[4].scale: unknown scale 'agree7'``).
    """

    def __init__(self, message: str, problems: list[str] | None = None):
        self.problems = list(problems or [])
        if self.problems:
            message = message + "\n" + "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(message)


class DataValidationError(TrustSurveyError):
    """Response data do not conform to the questionnaire.

    Parameters
    ----------
    message : str
        A summary line.
    problems : pandas.DataFrame, optional
        One row per problem with columns ``row, respondent_id, column, value,
        problem`` (``row`` is the 1-based data row as a spreadsheet shows it,
        after the header).
    """

    def __init__(self, message: str, problems=None):
        self.problems = problems
        text = message
        if problems is not None and len(problems):
            text += "\n" + problems.to_string(index=False, max_rows=200)
        super().__init__(text)


class DesignError(TrustSurveyError):
    """A survey design is declared inconsistently with its data."""


class EstimationError(TrustSurveyError):
    """An estimate cannot be computed as asked (unknown option, empty domain, ...)."""


class WeightingError(TrustSurveyError):
    """Weighting targets or options are inconsistent, or the weighting failed."""


class SignificanceError(TrustSurveyError):
    """A test or model cannot be computed as asked."""


class PlanError(TrustSurveyError):
    """An analysis plan file is malformed."""


class ReportError(TrustSurveyError):
    """A report cannot be written (output exists, template problem, ...)."""


class LanguageError(TrustSurveyError):
    """A language is asked for that the questionnaire (or the interface) does not have."""


class TrustSurveyWarning(UserWarning):
    """Warnings about results that are computed but need care (lonely PSUs, separation, small bases)."""
