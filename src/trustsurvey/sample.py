"""A :class:`Sample`: a design, the data it describes and an optional domain — what statistics work on.

The statistical layers (estimation, significance, breakdown) take a Sample, or
anything that offers one as ``.sample`` (a :class:`~trustsurvey.Survey` does),
so that they never depend on the Survey face above them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .design import Design
from .errors import TrustSurveyError

__all__ = ["Sample", "as_sample"]


@dataclass(frozen=True, eq=False)
class Sample:
    """A design with its data and, for a subpopulation, the domain mask.

    Attributes
    ----------
    design : Design
        The prepared design (weights, strata, clusters, weighting steps).
    data : pandas.DataFrame
        One row per respondent, aligned with the design. Shared, not copied:
        read it, never modify it.
    domain : ndarray of bool or None
        The domain's rows (None: the whole sample). Rows outside the domain stay
        in the data, so that variances use the whole design.
    """

    design: Design
    data: pd.DataFrame
    domain: np.ndarray | None = None

    @property
    def mask(self) -> np.ndarray:
        """The domain as a boolean array (all True for the whole sample)."""
        if self.domain is None:
            return np.ones(len(self.data), dtype=bool)
        return np.asarray(self.domain, dtype=bool)

    @property
    def degf(self) -> float:
        """Design degrees of freedom of the domain (R's ``degf``)."""
        return float(self.design.domain_degf(self.domain))


def as_sample(obj: Any, role: str = "survey") -> Sample:
    """The :class:`Sample` of ``obj``: itself, or its ``.sample`` (a Survey's).

    Raises
    ------
    TrustSurveyError
        When ``obj`` is neither (the message names ``role``).
    """
    if isinstance(obj, Sample):
        return obj
    sample = getattr(obj, "sample", None)
    if isinstance(sample, Sample):
        return sample
    raise TrustSurveyError(f"{role} must be a trustsurvey.Survey (or a Sample), not {type(obj).__name__}")
