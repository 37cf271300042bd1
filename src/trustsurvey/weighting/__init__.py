"""Weighting: raking, post-stratification, calibration, trimming and nonresponse adjustment.

Every method shares one signature, ``fn(survey, targets, **options) -> Survey``
(see :mod:`~trustsurvey.weighting.registry`), and returns a *new* Survey whose
design remembers the weighting, so that standard errors account for it exactly
as R's ``survey`` package does (post-stratification and raking residuals, GREG
residuals, or re-weighted replicates), plus diagnostics in
``attrs["weighting"]`` (a :class:`WeightingResult`).

>>> import pandas as pd, trustsurvey as ts
>>> df = pd.DataFrame({"g": ["a", "b", "b"], "w": [1.0, 1.0, 1.0]})
>>> s = ts.Survey(df, weights="w").rake({"g": {"a": 0.5, "b": 0.5}}, population=100)
>>> s.weights.tolist(), s.attrs["weighting"].method
([50.0, 25.0, 25.0], 'rake')

Targets are counts or shares (``unit=``), one-way or crossed; category keys
match data values whether stored as numbers or text. Respondents with a missing
weighting variable are an error unless ``missing="impute"`` or ``"exclude"``.
"""

from __future__ import annotations

from .calibrate import CALIBRATION_METHODS, calibrate
from .diagnostics import MARGIN_COLUMNS, SUMMARY_COLUMNS, WeightingResult, weight_summary
from .nonresponse import nonresponse_adjust
from .poststratify import poststratify
from .rake import rake
from .registry import WeightingMethod, apply, available_methods, get_method, register
from .scheme import scheme_sources, scheme_targets, weight, weight_file
from .trim import trim_weights

__all__ = [
    "rake",
    "poststratify",
    "calibrate",
    "trim_weights",
    "nonresponse_adjust",
    "weight",
    "weight_file",
    "WeightingResult",
    "WeightingMethod",
    "weight_summary",
    "register",
    "get_method",
    "available_methods",
    "apply",
    "scheme_targets",
    "scheme_sources",
    "CALIBRATION_METHODS",
    "MARGIN_COLUMNS",
    "SUMMARY_COLUMNS",
]
