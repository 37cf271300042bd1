"""trustsurvey: design-based analysis of public trust and satisfaction surveys.

The public API is re-exported here lazily, so that ``import trustsurvey`` is
cheap (it imports neither numpy nor pandas) and has no side effects.
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import Any

__version__ = "0.1.0"

_EXPORTS = {
    "Survey": "trustsurvey.survey",
    "Estimate": "trustsurvey.estimation",
    "Questionnaire": "trustsurvey.questionnaire",
    "read_survey": "trustsurvey.io",
    "breakdown": "trustsurvey.breakdown",
    "trend": "trustsurvey.breakdown",
    "change": "trustsurvey.significance",
    "recommend": "trustsurvey.recommend",
    "datasets": "trustsurvey.datasets",
    "fay_herriot": "trustsurvey.smallarea",
    "small_area": "trustsurvey.smallarea",
    "planning": "trustsurvey.planning",
    "TrustSurveyError": "trustsurvey.errors",
    "QuestionnaireError": "trustsurvey.errors",
    "DataValidationError": "trustsurvey.errors",
    "DesignError": "trustsurvey.errors",
    "EstimationError": "trustsurvey.errors",
    "WeightingError": "trustsurvey.errors",
    "SignificanceError": "trustsurvey.errors",
}

__all__ = sorted(_EXPORTS) + ["__version__"]

#: public functions that share their module's name (``trustsurvey.breakdown`` is both)
_SHADOWED = ("breakdown", "recommend")


class _Package(types.ModuleType):
    """The package's module type: importing ``trustsurvey.breakdown`` (the module) never hides
    ``trustsurvey.breakdown`` (the function), so both can stay lazy."""

    def __setattr__(self, name: str, value: Any) -> None:
        if name in _SHADOWED and isinstance(value, types.ModuleType):
            return  # the import system binding the submodule: keep the public function
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        module = importlib.import_module(_EXPORTS[name])
        value = module if name in ("datasets", "planning") else getattr(module, name)
        if name in _SHADOWED:
            globals()[name] = value  # bind the function once (the module is in sys.modules)
        return value
    raise AttributeError(f"module 'trustsurvey' has no attribute {name!r}")


def __dir__() -> list[str]:
    return __all__
