"""Frozen result objects of tests and models, each with a tidy ``.to_frame()``.

Column vocabulary (shared with the rest of trustsurvey): tests report
``statistic, ndf, ddf, df, p_value, p_adj`` (``ndf``/``ddf`` for F-type
statistics, ``df`` for t and chi-square ones, NaN where a column does not
apply); models report ``term, estimate, se, ci_low, ci_high, statistic, df, p_value``
(with a ``term_label`` after ``term`` when the survey has a questionnaire).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..inference import t_interval

__all__ = ["TEST_COLUMNS", "MODEL_COLUMNS", "ChisqResult", "TTestResult", "ModelResult", "TableResult",
           "ChangeResult", "TrendResult", "GroupTestResult", "ReliabilityResult"]

#: Columns every test table ends with, in this order.
TEST_COLUMNS = ["statistic", "ndf", "ddf", "df", "p_value", "p_adj"]
#: Columns of a model's coefficient table, in this order (``term_label`` follows ``term`` when known).
MODEL_COLUMNS = ["term", "estimate", "se", "ci_low", "ci_high", "statistic", "df", "p_value"]


@dataclass(frozen=True, eq=False)
class ChisqResult:
    """A design-based test of independence of two categorical variables (R's ``svychisq``).

    Attributes
    ----------
    row, col : str
        The two variables.
    method : str
        ``"F"`` (Rao-Scott second-order, an F statistic), ``"Chisq"`` (Rao-Scott
        first-order), ``"Wald"`` or ``"adjWald"``.
    statistic : float
        As R reports it: the F statistic; for ``"Chisq"`` the *unadjusted* Pearson
        statistic of the weighted table scaled to the sample size (the p-value
        uses it divided by the mean generalised design effect, as R does).
    ndf, ddf : float
        Numerator and denominator degrees of freedom of F-type statistics (NaN for ``"Chisq"``).
    df : float
        Degrees of freedom of the chi-square reference (NaN for F-type statistics).
    p_value : float
    pearson : float
        Pearson's X^2 of the weighted table scaled to ``n`` rows (R's ``N``).
    n : int
        Rows of the design (in the domain) that R's ``N`` counts.
    design_effects : ndarray
        Eigenvalues of the generalised design-effect matrix (empty for Wald tests).
    levels : tuple of (list, list)
        Row and column levels.
    proportions : pandas.DataFrame
        Estimated population cell proportions (rows x columns).
    """

    row: str
    col: str
    method: str
    statistic: float
    ndf: float
    ddf: float
    df: float
    p_value: float
    pearson: float
    n: int
    design_effects: np.ndarray
    levels: tuple
    proportions: pd.DataFrame

    @property
    def rao_scott_chisq(self) -> float:
        """First-order Rao-Scott chi-square: Pearson's X^2 over the mean design effect."""
        if self.design_effects.size == 0:
            return float("nan")
        return float(self.pearson / np.mean(self.design_effects))

    def to_frame(self) -> pd.DataFrame:
        """One row: ``row, col, method, statistic, ndf, ddf, df, p_value, p_adj``
        (``p_adj`` equals ``p_value`` for a single test)."""
        return pd.DataFrame({"row": [self.row], "col": [self.col], "method": [self.method],
                             "statistic": [self.statistic], "ndf": [self.ndf], "ddf": [self.ddf],
                             "df": [self.df], "p_value": [self.p_value], "p_adj": [self.p_value]})

    def __repr__(self) -> str:
        dfs = f"df={self.df:g}" if self.method == "Chisq" else f"ndf={self.ndf:.4g}, ddf={self.ddf:.4g}"
        return (f"ChisqResult({self.row} x {self.col}, {self.method}: statistic={self.statistic:.6g}, "
                f"{dfs}, p_value={self.p_value:.4g})")


@dataclass(frozen=True, eq=False)
class TTestResult:
    """A design-based two-group t-test (R's ``svyttest``).

    ``estimate`` is the mean of the second level minus the mean of the first;
    ``statistic = estimate / se`` on ``df`` degrees of freedom.
    """

    variable: str
    group: str
    levels: tuple
    estimate: float
    se: float
    statistic: float
    df: float
    p_value: float
    ci_low: float
    ci_high: float
    means: tuple = ()
    alternative: str = "two-sided"
    level: float = 0.95

    def confint(self, level: float = 0.95) -> tuple[float, float]:
        """Interval of the difference at another level."""
        lo, hi = t_interval(self.estimate, self.se, self.df, level)
        return float(lo), float(hi)

    def to_frame(self) -> pd.DataFrame:
        """One row: ``variable, by, group, reference, estimate, se, ci_low, ci_high, statistic,
        ndf, ddf, df, p_value, p_adj`` (``by`` the grouping variable, ``group`` its second
        level, ``reference`` its first; ``estimate`` = group minus reference)."""
        return pd.DataFrame({
            "variable": [self.variable], "by": [self.group], "group": [str(self.levels[1])],
            "reference": [str(self.levels[0])], "estimate": [self.estimate], "se": [self.se],
            "ci_low": [self.ci_low], "ci_high": [self.ci_high], "statistic": [self.statistic],
            "ndf": [np.nan], "ddf": [np.nan], "df": [self.df], "p_value": [self.p_value],
            "p_adj": [self.p_value]})

    def __repr__(self) -> str:
        return (f"TTestResult({self.variable} by {self.group}: {self.levels[1]} - {self.levels[0]} = "
                f"{self.estimate:.6g} (se {self.se:.4g}), t={self.statistic:.4g}, df={self.df:g}, "
                f"p_value={self.p_value:.4g})")


@dataclass(frozen=True, eq=False)
class ModelResult:
    """A survey-weighted regression (R's ``svyglm`` or, for ``family="ordinal"``, ``svyolr``).

    Attributes
    ----------
    formula, family : str
    terms : tuple of str
        Coefficient names (for ordinal models: slopes, then thresholds ``"a|b"``).
    coef : ndarray
    vcov_matrix : ndarray
        Design-based (sandwich or replicate) covariance of ``coef``.
    df : float
        Residual degrees of freedom of the design (R's ``df.residual``).
    n : int
        Respondents used (complete cases in the domain).
    converged : bool
    iterations : int
    n_slopes : int
        Number of slope coefficients (ordinal models; equals ``len(terms)`` otherwise).
    term_labels : tuple of str, optional
        The terms in words, from the survey's questionnaire (``gender: Female``);
        None without a questionnaire.

    Notes
    -----
    Intervals follow R's ``confint``: for ``svyglm`` the t quantile on the residual
    degrees of freedom (``confint.svyglm``), for ``svyolr`` the normal quantile
    (R has no ``confint`` method for it and falls back on ``confint.default``).
    """

    formula: str
    family: str
    terms: tuple
    coef: np.ndarray
    vcov_matrix: np.ndarray
    df: float
    n: int
    converged: bool = True
    iterations: int = 0
    n_slopes: int = -1
    extra: dict = field(default_factory=dict)
    term_labels: tuple | None = None

    @property
    def estimate(self) -> pd.Series:
        return pd.Series(self.coef, index=list(self.terms), name="estimate")

    @property
    def se(self) -> pd.Series:
        return pd.Series(np.sqrt(np.diag(self.vcov_matrix)), index=list(self.terms), name="se")

    @property
    def statistic(self) -> pd.Series:
        return (self.estimate / self.se).rename("statistic")

    @property
    def p_value(self) -> pd.Series:
        from ..inference import t_test

        _, p = t_test(self.coef, self.se.to_numpy(), self.df)
        return pd.Series(p, index=list(self.terms), name="p_value")

    @property
    def vcov(self) -> pd.DataFrame:
        return pd.DataFrame(self.vcov_matrix, index=list(self.terms), columns=list(self.terms))

    @property
    def ci_df(self) -> float:
        """Degrees of freedom of the intervals, as R's ``confint``: ``df`` for svyglm, infinite for svyolr."""
        return float("inf") if self.family == "ordinal" else float(self.df)

    def confint(self, level: float = 0.95) -> pd.DataFrame:
        """``term, ci_low, ci_high``: the t quantile on the model's ``df`` (R's ``confint.svyglm``;
        the normal quantile for ordinal models, as R's ``confint`` of a ``svyolr``)."""
        lo, hi = t_interval(self.coef, self.se.to_numpy(), self.ci_df, level)
        return pd.DataFrame({"term": list(self.terms), "ci_low": lo, "ci_high": hi})

    def to_frame(self, level: float = 0.95) -> pd.DataFrame:
        """One row per coefficient: ``term, [term_label,] estimate, se, ci_low, ci_high, statistic,
        df, p_value`` (``term_label`` with a questionnaire; intervals at ``level`` as :meth:`confint`)."""
        from ..inference import t_test

        se = np.sqrt(np.diag(self.vcov_matrix))
        t, p = t_test(self.coef, se, self.df)
        lo, hi = t_interval(self.coef, se, self.ci_df, level)
        cols = {"term": list(self.terms)}
        if self.term_labels is not None:
            cols["term_label"] = list(self.term_labels)
        cols.update({"estimate": self.coef, "se": se, "ci_low": lo, "ci_high": hi, "statistic": t,
                     "df": float(self.df), "p_value": p})
        return pd.DataFrame(cols)

    def __repr__(self) -> str:
        head = f"ModelResult({self.family}: {self.formula}; n={self.n}, df={self.df:g})"
        return head + "\n" + self.to_frame().to_string(index=False)


@dataclass(frozen=True, eq=False)
class TableResult:
    """A table of tests; single-row tables expose their columns as scalars (``r.p_value``)."""

    table: pd.DataFrame

    def _col(self, name: str) -> Any:
        v = self.table[name].to_numpy()
        return v[0].item() if len(v) == 1 and hasattr(v[0], "item") else (v[0] if len(v) == 1 else v)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_") or name == "table":
            raise AttributeError(name)
        if name in self.table.columns:
            return self._col(name)
        raise AttributeError(f"{type(self).__name__} has no attribute {name!r}")

    def to_frame(self) -> pd.DataFrame:
        """The tidy table (a copy)."""
        return self.table.copy()

    def __len__(self) -> int:
        return len(self.table)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({len(self.table)} row(s))\n" + self.table.to_string(
            index=False, max_rows=40)


class ChangeResult(TableResult):
    """Change between two independent waves: later minus earlier (see :func:`change`)."""


class TrendResult(TableResult):
    """Linear trend across three or more waves (see :func:`trend_test`)."""


class GroupTestResult(TableResult):
    """Wald tests of equal means or shares across the groups of a demographic (see :func:`wald_groups`)."""


@dataclass(frozen=True, eq=False)
class ReliabilityResult:
    """Cronbach's alpha of a set of items (see :func:`cronbach_alpha`).

    Attributes
    ----------
    items : tuple of str
    alpha : float
        Unweighted alpha of the complete cases (pingouin).
    ci_low, ci_high : float
        pingouin's 95% interval of the unweighted alpha.
    alpha_weighted : float
        Alpha from the design-weighted covariance matrix (as R's ``svycralpha``).
    n : int
        Complete cases used.
    """

    items: tuple
    alpha: float
    ci_low: float
    ci_high: float
    alpha_weighted: float
    n: int
    name: str = ""

    def to_frame(self) -> pd.DataFrame:
        """One row: ``index, n_items, n_unweighted, alpha, ci_low, ci_high, alpha_weighted``."""
        return pd.DataFrame({"index": [self.name], "n_items": [len(self.items)], "n_unweighted": [self.n],
                             "alpha": [self.alpha], "ci_low": [self.ci_low], "ci_high": [self.ci_high],
                             "alpha_weighted": [self.alpha_weighted]})
