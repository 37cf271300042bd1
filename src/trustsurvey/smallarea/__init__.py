"""Small-area estimation: area-level (Fay-Herriot) models over direct survey estimates.

- :func:`fay_herriot`: the Fay-Herriot model on a table of areas, as R's
  ``sae::eblupFH`` / ``sae::mseFH`` (REML, ML and FH variance estimators).
- :func:`small_area`: from a :class:`~trustsurvey.Survey` to model-based
  estimates for every area (municipality, police station area, ...): direct
  estimates and their design variances, smoothed variances for small areas,
  the arcsine model for shares, benchmarking to the direct regional and
  national estimates, synthetic estimates for areas without respondents, and a
  publish / caution / suppress flag.
"""

from __future__ import annotations

from .area import FLAGS, LOCAL_COLUMNS, SMALL_AREA_COLUMNS, SmallAreaResult, example_covariates_path, small_area
from .fayherriot import AREA_COLUMNS, COEF_COLUMNS, FayHerriotResult, fay_herriot

__all__ = ["fay_herriot", "FayHerriotResult", "small_area", "SmallAreaResult", "example_covariates_path",
           "COEF_COLUMNS", "AREA_COLUMNS", "SMALL_AREA_COLUMNS", "LOCAL_COLUMNS", "FLAGS"]
