"""trustsurvey: design-based analysis of public trust and satisfaction surveys.

The public API is re-exported here lazily, so that ``import trustsurvey`` is
cheap and has no side effects.
"""

from __future__ import annotations

import importlib
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

# Functions that share their module's name are bound eagerly: importing the
# submodule would otherwise shadow the lazy attribute with the module itself.
from .breakdown import breakdown, trend  # noqa: E402
from .recommend import recommend  # noqa: E402


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        module = importlib.import_module(_EXPORTS[name])
        return module if name in ("datasets", "planning") else getattr(module, name)
    raise AttributeError(f"module 'trustsurvey' has no attribute {name!r}")


def __dir__() -> list[str]:
    return __all__
