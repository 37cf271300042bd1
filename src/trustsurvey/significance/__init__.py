"""Significance tests and survey models matching R's ``survey`` package.

Rao-Scott and Wald tests of independence (:func:`chisq`), design-based t-tests
(:func:`ttest`), comparisons of the groups of a demographic with multiplicity
control (:func:`compare_groups`, :func:`group_vs_rest`, :func:`wald_groups`,
:func:`adjust_pvalues`), change between independent annual waves
(:func:`change`, :func:`trend_test`), effect sizes (:func:`cramers_v`,
:func:`cohens_h`), reliability (:func:`cronbach_alpha`) and survey-weighted
regression models (:func:`glm`: gaussian, binomial, and ordinal as ``svyolr``).

Every statistic goes through :mod:`trustsurvey.inference`; every variance comes
from the kernels of :mod:`trustsurvey._variance` via the estimation engine.
"""

from __future__ import annotations

from ..multiplicity import ADJUST_METHODS, adjust_pvalues
from .change import change, trend_test
from .chisq import chisq
from .compare import compare_groups, group_vs_rest, wald_groups
from .effects import cohens_h, cramers_v
from .glm import glm
from .olr import olr
from .reliability import cronbach_alpha
from .results import (MODEL_COLUMNS, TEST_COLUMNS, ChangeResult, ChisqResult, GroupTestResult,
                      ModelResult, ReliabilityResult, TableResult, TrendResult, TTestResult)
from .ttest import ttest

__all__ = [
    "chisq", "ttest", "glm", "olr", "change", "trend_test", "compare_groups", "group_vs_rest",
    "wald_groups", "adjust_pvalues", "cramers_v", "cohens_h", "cronbach_alpha",
    "ChisqResult", "TTestResult", "ModelResult", "TableResult", "ChangeResult", "TrendResult",
    "GroupTestResult", "ReliabilityResult", "TEST_COLUMNS", "MODEL_COLUMNS", "ADJUST_METHODS",
]
