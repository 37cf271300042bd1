"""What a weighting step did: convergence, the spread of the weights and how well the margins fit.

Every weighting method returns a :class:`WeightedDesign`: the new design and a
:class:`WeightingResult`. The Survey face keeps the result in
``attrs["weighting"]`` and the results of all weighting steps applied so far, in
order, in ``attrs["weighting_steps"]``.

The Kish design effect due to unequal weighting is ``n * sum(w^2) / sum(w)^2``
(``1 + CV^2`` of the weights) and the effective sample size is
``sum(w)^2 / sum(w^2)``; both use the respondents that take part in the
weighting (positive weights).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

import numpy as np
import pandas as pd

from ..design import Design
from ._margins import Margin, NumericTotal

__all__ = ["WeightedDesign", "WeightingResult", "MARGIN_COLUMNS", "SUMMARY_COLUMNS", "weight_summary", "margin_table"]

#: columns of :meth:`WeightingResult.to_frame`, in order
MARGIN_COLUMNS = ("margin", "level", "n_unweighted", "share_before", "share_after", "share_target",
                  "total_before", "total_after", "total_target", "error")
#: columns of :meth:`WeightingResult.summary_frame`, in order
SUMMARY_COLUMNS = ("method", "n", "n_excluded", "n_imputed", "iterations", "converged",
                   "max_margin_error", "weight_sum", "weight_min", "weight_max", "weight_ratio",
                   "kish_deff", "effective_n")


@dataclass(frozen=True, eq=False)
class WeightingResult:
    """Diagnostics of one weighting step (frozen; ``.to_frame()`` gives the margins table).

    Attributes
    ----------
    method : str
        ``"rake"``, ``"poststratify"``, ``"calibrate (linear)"``, ``"trim"``, ...
    n : int
        Respondents taking part (non-zero weight after the step).
    n_excluded, n_imputed : int
        Respondents the missing policy set to weight 0 / gave an imputed category.
    iterations : int
        Sweeps (raking), Newton steps (calibration) or trimming rounds; 1 for one-step methods.
    converged : bool
    max_margin_error : float
        Largest absolute difference between a category's weighted share and its
        target share, over every margin (numeric totals: relative error of the total).
    weight_sum, weight_min, weight_max, weight_ratio : float
        Sum, extremes and max/min ratio of the new non-zero weights.
    kish_deff, effective_n : float
        Kish's design effect due to weighting and the effective sample size.
    history : tuple of float
        Convergence measure after each iteration (raking: largest change of a cell
        total; calibration: largest relative misfit).
    details : dict
        Method-specific settings (tolerance, bounds, number trimmed, ...).
    """

    method: str
    n: int
    n_excluded: int
    n_imputed: int
    iterations: int
    converged: bool
    max_margin_error: float
    weight_sum: float
    weight_min: float
    weight_max: float
    weight_ratio: float
    kish_deff: float
    effective_n: float
    history: tuple[float, ...] = ()
    details: dict = field(default_factory=dict)
    margins: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=list(MARGIN_COLUMNS)))

    def to_frame(self) -> pd.DataFrame:
        """The margins table: one row per category of every margin.

        Returns
        -------
        pandas.DataFrame
            Columns ``margin, level, n_unweighted, share_before, share_after,
            share_target, total_before, total_after, total_target, error``
            (``error`` = ``share_after - share_target``; numeric totals have an
            empty level, no shares and ``error`` = relative error of the total).
        """
        return self.margins.copy()

    def summary_frame(self) -> pd.DataFrame:
        """One row: ``method, n, n_excluded, n_imputed, iterations, converged, max_margin_error,
        weight_sum, weight_min, weight_max, weight_ratio, kish_deff, effective_n``."""
        return pd.DataFrame([{c: getattr(self, c) for c in SUMMARY_COLUMNS}], columns=list(SUMMARY_COLUMNS))

    def __str__(self) -> str:
        conv = "converged" if self.converged else "NOT converged"
        lines = [
            f"Weighting: {self.method} — {self.n} respondents, {self.iterations} iteration(s), {conv}",
            f"  weights: sum {self.weight_sum:,.6g}, min {self.weight_min:.6g}, max {self.weight_max:.6g}, "
            f"max/min {self.weight_ratio:.4g}",
            f"  Kish design effect {self.kish_deff:.4f}, effective n {self.effective_n:,.1f}",
        ]
        if self.n_excluded or self.n_imputed:
            lines.append(f"  missing weighting variables: {self.n_excluded} excluded, {self.n_imputed} imputed")
        if len(self.margins):
            lines.append(f"  largest margin error {self.max_margin_error:.3g}")
            with pd.option_context("display.width", 120, "display.max_rows", 500):
                lines.append(self.margins.to_string(index=False, float_format=lambda x: f"{x:.6g}"))
        return "\n".join(lines)

    def __repr__(self) -> str:
        return (f"<WeightingResult {self.method}: n={self.n}, iterations={self.iterations}, "
                f"converged={self.converged}, kish_deff={self.kish_deff:.4f}>")


def weight_summary(weights: np.ndarray) -> dict[str, float]:
    """Sum, min, max, ratio, Kish deff and effective n of the non-zero weights.

    >>> d = weight_summary(np.array([1.0, 1.0, 2.0, 0.0]))
    >>> round(d["kish_deff"], 4), round(d["effective_n"], 4), d["weight_ratio"]
    (1.125, 2.6667, 2.0)
    """
    w = np.asarray(weights, dtype=float)
    pos = w[w != 0]
    if pos.size == 0:
        return dict(n=0, weight_sum=0.0, weight_min=np.nan, weight_max=np.nan, weight_ratio=np.nan,
                    kish_deff=np.nan, effective_n=0.0)
    s1, s2 = float(pos.sum()), float(np.dot(pos, pos))
    return dict(n=int(pos.size), weight_sum=s1, weight_min=float(pos.min()), weight_max=float(pos.max()),
                weight_ratio=float(pos.max() / pos.min()), kish_deff=pos.size * s2 / s1 ** 2,
                effective_n=s1 ** 2 / s2)


def margin_table(margins: Sequence[Margin], numeric: Sequence[NumericTotal], before: np.ndarray,
                 after: np.ndarray) -> tuple[pd.DataFrame, float]:
    """The margins table and the largest margin error for weights ``before`` and ``after``."""
    rows = []
    worst = 0.0
    for m in margins:
        keep = m.codes >= 0
        n_u = np.bincount(m.codes[keep], minlength=m.n_levels)
        tb, ta = m.totals(before), m.totals(after)
        tt = m.targets
        sb = tb / tb.sum() if tb.sum() > 0 else np.full(m.n_levels, np.nan)
        sa = ta / ta.sum() if ta.sum() > 0 else np.full(m.n_levels, np.nan)
        st = tt / tt.sum()
        err = np.abs(ta - tt) / tt.sum()
        worst = max(worst, float(err.max()) if err.size else 0.0)
        for i in range(m.n_levels):
            rows.append((m.name, m.levels[i], int(n_u[i]), sb[i], sa[i], st[i], tb[i], ta[i], tt[i],
                         sa[i] - st[i]))
    for t in numeric:
        tb, ta = float(before @ t.values), float(after @ t.values)
        rel = abs(ta - t.target) / max(abs(t.target), 1.0)
        worst = max(worst, rel)
        rows.append((t.name, "", int(np.count_nonzero(after)), np.nan, np.nan, np.nan, tb, ta, t.target,
                     (ta - t.target) / max(abs(t.target), 1.0)))
    frame = pd.DataFrame(rows, columns=list(MARGIN_COLUMNS))
    frame["n_unweighted"] = frame["n_unweighted"].astype("int64")
    return frame, worst


@dataclass(frozen=True, eq=False)
class WeightedDesign:
    """What a weighting method returns: the re-weighted design and the step's diagnostics.

    Attributes
    ----------
    design : Design
        The new design; it remembers the weighting step, so that variances
        account for it exactly as R's ``survey`` package does.
    result : WeightingResult
        Convergence, weight spread and margin fit of the step.
    """

    design: Design
    result: "WeightingResult"


def build_result(method: str, before: np.ndarray, after: np.ndarray, *, margins: Sequence[Margin] = (),
                 numeric: Sequence[NumericTotal] = (), iterations: int = 1, converged: bool = True,
                 history: Sequence[float] = (), n_excluded: int = 0, n_imputed: int = 0,
                 details: dict | None = None) -> WeightingResult:
    """Assemble a :class:`WeightingResult` from the weights before and after a step."""
    table, worst = margin_table(margins, numeric, before, after)
    summary = weight_summary(after)
    return WeightingResult(method=method, n_excluded=n_excluded, n_imputed=n_imputed, iterations=iterations,
                           converged=converged, max_margin_error=worst, history=tuple(float(h) for h in history),
                           details=dict(details or {}), margins=table, **summary)
