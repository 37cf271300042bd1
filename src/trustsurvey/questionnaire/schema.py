"""Schema checks of the questionnaire YAML layout and the lint of a loaded questionnaire.

Every problem is a string prefixed with its YAML path, e.g.
``questions[4].scale: unknown scale 'agree7' (scales: trust5, agree5, ...)``.

* :func:`validate` checks a plain dict (the parsed YAML): structure, types,
  unique ids and codes, and every cross-reference (scales, routing, nets,
  indices, derived variables, weighting codes, targets, rules). A dict that
  passes can be built into a :class:`~trustsurvey.questionnaire.Questionnaire`.
* :func:`lint` checks a loaded questionnaire more strictly: on top of the
  above, every label in every language of ``languages`` and no language left
  marked ``untranslated``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..errors import QuestionnaireError
from ._checks import kind as _kind
from ._schema_refs import ReferenceChecks
from ._schema_vars import VariableChecks

if TYPE_CHECKING:  # pragma: no cover
    from .model import Questionnaire

__all__ = ["validate", "lint", "lint_file"]

_TOP_KEYS = (
    "survey_id", "wave", "version", "title", "population", "languages", "untranslated", "notes", "scales", "questions",
    "demographics", "derived", "indices", "design", "weighting", "targets", "recommendations",
)


def validate(d: Any) -> list[str]:
    """Check a questionnaire dict (parsed YAML); return every problem with its YAML path.

    Examples
    --------
    >>> validate({"survey_id": "x", "wave": 2025, "version": "1", "languages": ["sq", "sr", "en"],
    ...           "scales": {}, "questions": [{"id": "q1", "type": "single", "scale": "agree7",
    ...                                        "text": {"en": "Q1"}}]})
    ["questions[0].scale: unknown scale 'agree7' (scales: none defined)"]
    """
    return _Validator(strict=False).run(d)


def lint(q: Questionnaire) -> list[str]:
    """Check a questionnaire: the schema rules plus complete translations.

    Returns
    -------
    list of str
        Problems, each prefixed with its YAML path; empty when the questionnaire is clean.

    Examples
    --------
    >>> from trustsurvey.questionnaire import bundled
    >>> lint(bundled())
    []
    """
    return _Validator(strict=True).run(q.to_dict())


def lint_file(path) -> list[str]:
    """Load a questionnaire YAML file and lint it; load errors are returned as problems too.

    Each problem ends with its line in the file, e.g.
    ``questions[2].text: missing 'sr' label (line 181)``.
    """
    from ._yaml import locate
    from .model import Questionnaire

    try:
        q = Questionnaire.from_yaml(path)
    except QuestionnaireError as exc:
        return list(exc.problems) or [str(exc)]
    return locate(path, lint(q))


class _Validator(VariableChecks, ReferenceChecks):
    def run(self, d: Any) -> list[str]:
        if not isinstance(d, Mapping):
            return [f"<root>: a questionnaire must be a mapping of sections, found {_kind(d)}"]
        self.d = d
        self.keys(d, "", _TOP_KEYS, required=("survey_id", "wave", "version", "languages", "scales", "questions"))
        self.header(d)
        self.scales(d.get("scales"))
        self.questions(d.get("questions"), "questions")
        self.questions(d.get("demographics"), "demographics")
        self.derived(d.get("derived"))
        self.indices(d.get("indices"))
        self.routing()
        self.columns()
        self.design(d.get("design"))
        self.weighting(d.get("weighting"))
        self.targets(d.get("targets"))
        self.recommendations(d.get("recommendations"))
        return self.problems

