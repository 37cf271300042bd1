"""Weighting: raking, post-stratification, calibration, trimming and nonresponse adjustment.

Every method works on a design and its data, with one signature,
``fn(design, data, targets, **options) -> WeightedDesign`` (see
:mod:`~trustsurvey.weighting.registry`), and returns a *new* design that
remembers the weighting, so that standard errors account for it exactly as R's
``survey`` package does (post-stratification and raking residuals, GREG
residuals, or re-weighted replicates), with the step's diagnostics (a
:class:`WeightingResult`). ``Survey.rake()``, ``.poststratify()``,
``.calibrate()``, ``.trim_weights()``, ``.nonresponse_adjust()`` and ``.weight()``
are the face: they return a new Survey and keep the diagnostics in
``attrs["weighting"]``.

>>> import pandas as pd, trustsurvey as ts
>>> df = pd.DataFrame({"g": ["a", "b", "b"], "w": [1.0, 1.0, 1.0]})
>>> r = rake(ts.Survey(df, weights="w").design, df, {"g": {"a": 0.5, "b": 0.5}}, population=100)
>>> r.design.weights.tolist(), r.result.method
([50.0, 25.0, 25.0], 'rake')

Targets are counts or shares (``unit=``), one-way or crossed; category keys
match data values whether stored as numbers or text. Respondents with a missing
weighting variable are an error unless ``missing="impute"`` or ``"exclude"``.
"""

from __future__ import annotations

from .calibrate import CALIBRATION_METHODS, calibrate
from .diagnostics import MARGIN_COLUMNS, SUMMARY_COLUMNS, WeightedDesign, WeightingResult, weight_summary
from .nonresponse import nonresponse_adjust
from .poststratify import poststratify
from .rake import rake
from .registry import WeightingMethod, apply, available_methods, get_method, register
from .scheme import SCHEME_METHODS, SchemeResult, apply_scheme, scheme_sources, scheme_targets
from .trim import trim_weights

__all__ = [
    "rake",
    "poststratify",
    "calibrate",
    "trim_weights",
    "nonresponse_adjust",
    "apply_scheme",
    "SchemeResult",
    "SCHEME_METHODS",
    "WeightedDesign",
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
