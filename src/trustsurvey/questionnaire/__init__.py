"""The questionnaire layer: a frozen model of a survey instrument, YAML loading, schema checks,
and import from XLSForm (through pyxform) and SPSS/Stata (through pyreadstat).

Examples
--------
>>> from trustsurvey.questionnaire import Questionnaire, bundled, lint
>>> q = bundled()                      # the bundled example questionnaire, shipped with the package
>>> idx = q.index(q.index_ids[0])
>>> all(q.has_variable(i) for i in idx.items)
True
>>> lint(q)
[]
"""

from __future__ import annotations

from .expressions import Expression, parse_expression
from .indices import Index
from .model import REQUIRED_LANGUAGES, Questionnaire, bundled
from .scales import MISSING_KINDS, SELECTED_SCALE, Code, MissingCode, Scale
from .schema import lint, lint_file, validate
from .sections import DesignSpec, PopulationTotal, RecommendationRule, Target, Weighting, WeightingVariable
from .variables import Derived, Option, Question

__all__ = [
    "Questionnaire",
    "Scale",
    "Code",
    "MissingCode",
    "Question",
    "Option",
    "Derived",
    "Index",
    "DesignSpec",
    "Weighting",
    "WeightingVariable",
    "PopulationTotal",
    "Target",
    "RecommendationRule",
    "Expression",
    "parse_expression",
    "validate",
    "lint",
    "lint_file",
    "import_xlsform",
    "import_spss",
    "import_stata",
    "bundled",
    "MISSING_KINDS",
    "SELECTED_SCALE",
    "REQUIRED_LANGUAGES",
]


def import_xlsform(path, **kwargs) -> Questionnaire:
    """Import an XLSForm (.xlsx or .xls, via pyxform) as a questionnaire skeleton; see :func:`.xlsform.import_xlsform`."""
    from .xlsform import import_xlsform as _imp

    return _imp(path, **kwargs)


def import_spss(path, **kwargs) -> Questionnaire:
    """Import an SPSS (.sav, .zsav, .por) or Stata (.dta) file as a questionnaire skeleton; see :func:`.spss.import_spss`."""
    from .spss import import_spss as _imp

    return _imp(path, **kwargs)


def import_stata(path, **kwargs) -> Questionnaire:
    """Import a Stata .dta file as a questionnaire skeleton (the same as :func:`import_spss`)."""
    from .spss import import_spss as _imp

    return _imp(path, **kwargs)
