"""The result of an estimation: a frozen :class:`Estimate` with a tidy ``.to_frame()``."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .errors import EstimationError
from .inference import proportion_interval, t_interval
from .vocabulary import ESTIMATE_COLUMNS

__all__ = ["Estimate", "ESTIMATE_COLUMNS"]


@dataclass(frozen=True, eq=False)
class Estimate:
    """Estimates with their design-based variance, as R's ``svystat`` objects.

    Attributes
    ----------
    kind : str
        ``mean``, ``total``, ``proportion``, ``ratio`` or ``quantile``.
    by : tuple of str
        The by-columns (empty for a whole-sample estimate).
    table : pandas.DataFrame
        The tidy table (see :meth:`to_frame`).
    factor : ndarray or None
        Variance factor ``F`` with ``vcov = F.T @ F`` (rows of ``table`` are its
        columns); None where no covariance is defined (quantiles).
    ci_method : str
        How ``ci_low``/``ci_high`` were computed (``t`` or a proportion method).
    conf_level : float
        Confidence level of the stored interval.
    interval_inputs : dict
        What :meth:`confint` needs beyond the table for some proportion methods, one
        value per row: ``rows`` (the domain's rows, for ``beta``) and ``likelihood``
        (:class:`~trustsurvey.inference.LikelihoodInputs`).
    """

    kind: str
    by: tuple
    table: pd.DataFrame
    factor: np.ndarray | None
    ci_method: str = "t"
    conf_level: float = 0.95
    interval_inputs: dict = field(default_factory=dict)

    def to_frame(self) -> pd.DataFrame:
        """The tidy table: ``<by...>, variable, level, estimate, se, ci_low, ci_high, df, deff,
        n_unweighted, n_weighted``.

        ``level`` is empty for numeric variables; ``df`` is the design's degrees
        of freedom used for the interval; ``deff`` is the design effect against
        simple random sampling without replacement of the same size (R's
        ``deff=TRUE``); ``n_unweighted`` and ``n_weighted`` count the respondents
        with a valid answer in the group (the base).
        """
        return self.table.copy()

    @property
    def estimates(self) -> np.ndarray:
        return self.table["estimate"].to_numpy(dtype=float)

    @property
    def se(self) -> np.ndarray:
        return self.table["se"].to_numpy(dtype=float)

    def _labels(self) -> list[str]:
        parts = []
        for _, row in self.table.iterrows():
            name = str(row["variable"])
            if row["level"] not in ("", None) and not pd.isna(row["level"]):
                name += f"={row['level']}"
            if self.by:
                name = ":".join(str(row[b]) for b in self.by) + ":" + name
            parts.append(name)
        return parts

    @property
    def vcov(self) -> pd.DataFrame:
        """The covariance matrix of all estimates, labelled ``group:variable=level``."""
        if self.factor is None:
            raise AttributeError(f"no covariance matrix for {self.kind} estimates")
        v = self.factor.T @ self.factor
        missing = ~np.isfinite(self.table["se"].to_numpy(dtype=float))
        v[missing, :] = np.nan
        v[:, missing] = np.nan
        labels = self._labels()
        return pd.DataFrame(v, index=labels, columns=labels)

    def confint(self, conf_level: float = 0.95) -> pd.DataFrame:
        """Confidence intervals at another level (same method and degrees of freedom).

        Returns a frame with the by-columns, ``variable``, ``level``, ``ci_low``, ``ci_high``.
        """
        t = self.table
        if self.kind == "quantile":
            if abs(conf_level - self.conf_level) > 1e-12:
                raise EstimationError(f"quantile intervals are Woodruff intervals at the confidence level they "
                                      f"were estimated with ({self.conf_level}); call "
                                      f"quantile(..., conf_level={conf_level}) instead")
            return t[list(self.by) + ["variable", "level", "ci_low", "ci_high"]].copy()
        if self.ci_method == "t" or self.kind != "proportion":
            lo, hi = t_interval(t["estimate"], t["se"], t["df"], conf_level)
        else:
            lo, hi = proportion_interval(t["estimate"], t["se"], t["df"], t["n_unweighted"],
                                         self.ci_method, conf_level,
                                         likelihood=self.interval_inputs.get("likelihood"),
                                         rows=self.interval_inputs.get("rows"))
        out = t[list(self.by) + ["variable", "level"]].copy()
        out["ci_low"] = lo
        out["ci_high"] = hi
        return out

    def __repr__(self) -> str:
        head = f"Estimate({self.kind}, {len(self.table)} row(s)" + (f", by {', '.join(self.by)}" if self.by else "") + ")"
        cols = list(self.by) + ["variable", "level", "estimate", "se", "ci_low", "ci_high"]
        return head + "\n" + self.table[cols].to_string(index=False, max_rows=40)

    def _repr_html_(self) -> str:
        return self.table.to_html(index=False, float_format=lambda x: f"{x:.4g}", max_rows=60)
