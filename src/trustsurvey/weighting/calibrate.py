"""Calibration to population totals (GREG and generalised raking), as R's ``calibrate()``.

New weights are ``w * g`` with ``g = F(x' lambda)`` chosen so that the weighted
totals of the calibration variables equal the population totals:

- ``"linear"`` (GREG): ``g = 1 + x' lambda``; unbounded it has a closed form
  (R's ``regcalibrate``), with ``bounds`` it is truncated to ``[L, U]``;
- ``"raking"``: ``g = exp(x' lambda)`` (raking ratio), optionally truncated;
- ``"logit"``: ``g`` between finite ``bounds`` ``L < 1 < U`` along a logistic curve.

The iterative methods solve for ``lambda`` by Newton steps with a
Moore-Penrose inverse, and stop when every total's misfit divided by
``1 + |total|`` is below ``tol`` (R's ``grake``, ``epsilon``). Where R halves a
step only when it overflows, trustsurvey also halves steps that would worsen the
fit, so calibration far from the start (weights not yet scaled to the
population) converges where R's plain Newton steps can diverge; the solution is
the same.

Like R, when every total is more than 20 times its sample estimate (weights
that are not yet scaled to the population) the weights are first multiplied by
the mean ratio — but only without bounds: R then reads the bounds relative to the
rescaled weights, trustsurvey keeps them relative to the weights given, so that
``bounds`` always bound ``new / old weight``.

The model matrix has an intercept and treatment-coded categorical margins, as
R's ``model.matrix(~ stype + api99)``: the first categorical margin is coded by
its full set of indicators (which span the intercept), later ones drop their
first category; numeric variables enter as they are. Only the column space
matters, so the weights and variances equal R's for the same totals.

Variances (linearisation designs) record a :class:`~trustsurvey.design.GregStep`
(``X``, ``sqrt`` of the old weights, ``g``), as R's ``greg_calibration``.
Replicate designs calibrate every replicate column to the same totals.
"""

from __future__ import annotations

import warnings
from typing import Any, Callable

import numpy as np
import pandas as pd

from ..design import Design, GregStep
from ..errors import TrustSurveyWarning, WeightingError
from ._common import finish, weight_matrix
from ._margins import PreparedTargets, prepare_margins
from .diagnostics import WeightedDesign, build_result
from .registry import register

__all__ = ["calibrate", "CALIBRATION_METHODS", "model_matrix", "calibration_g"]

CALIBRATION_METHODS = ("linear", "raking", "logit")
_PRESCALE = 20.0  # R's SOMETHRESHOLD
_HALVINGS = 60


def model_matrix(prep: PreparedTargets) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """The calibration model matrix (``n x p``, zero rows outside the weighting), totals and column names."""
    n = prep.active.shape[0]
    cols: list[np.ndarray] = []
    totals: list[float] = []
    names: list[str] = []
    rows = np.arange(n)
    if not prep.margins:
        if prep.intercept is None:
            raise WeightingError(
                "calibration needs an intercept: give the population size (population=...) or at least "
                "one categorical margin, so that the weights add up to the population")
        cols.append(prep.active.astype(float))
        totals.append(prep.intercept)
        names.append("(Intercept)")
    for k, m in enumerate(prep.margins):
        block = np.zeros((n, m.n_levels))
        keep = m.codes >= 0
        block[rows[keep], m.codes[keep]] = 1.0
        first = 0 if k == 0 else 1
        for i in range(first, m.n_levels):
            cols.append(block[:, i])
            totals.append(float(m.targets[i]))
            names.append(f"{m.name}{m.levels[i]}")
    for t in prep.numeric:
        if np.all(t.values == 0) and t.target == 0:
            continue  # R drops columns that are zero in the sample and the population
        cols.append(t.values)
        totals.append(t.target)
        names.append(t.name)
    return np.column_stack(cols), np.asarray(totals, dtype=float), names


# --------------------------------------------------------------------------- calibration functions


def _calfun(method: str, L: float, U: float) -> tuple[Callable, Callable]:
    """``F(u) - 1`` and ``F'(u)`` of a calibration method, truncated to bounds ``[L, U]`` (R's cal.*)."""
    if method == "linear":
        def fm1(u):
            return np.clip(u + 1.0, L, U) - 1.0

        def df(u):
            return ((u < U - 1) & (u > L - 1)).astype(float)
    elif method == "raking":
        def fm1(u):
            return np.clip(np.exp(u), L, U) - 1.0

        def df(u):
            return np.where((u < U - 1) & (u > L - 1), np.exp(u), 0.0)
    else:
        A = (U - L) / ((U - 1.0) * (1.0 - L))

        def fm1(u):
            e = np.exp(A * u)
            return (L * (U - 1.0) + U * (1.0 - L) * e) / (U - 1.0 + (1.0 - L) * e) - 1.0

        def df(u):
            e = np.exp(A * u)
            den = U - 1.0 + (1.0 - L) * e
            return U * (1.0 - L) * e * A / den - (L * (U - 1.0) + U * (1.0 - L) * e) * ((1.0 - L) * e * A) / den ** 2
    return fm1, df


def calibration_g(X: np.ndarray, w: np.ndarray, totals: np.ndarray, method: str, bounds: tuple[float, float],
                  max_iter: int, tol: float) -> tuple[np.ndarray, int, list[float], bool]:
    """The g-weights calibrating ``w`` to ``totals``: ``(g, iterations, history, converged)``.

    ``history`` holds the largest ``|misfit| / (1 + |total|)`` after each step.
    """
    L, U = bounds
    sample = X.T @ w
    if method == "linear" and not np.isfinite(L) and not np.isfinite(U):
        T = (X * w[:, None]).T @ X
        try:
            lam = np.linalg.solve(T, totals - sample)
        except np.linalg.LinAlgError:
            raise WeightingError(
                "the calibration totals are collinear in the sample (a category or variable is "
                "constant, or two margins describe the same split); drop the redundant total") from None
        g = 1.0 + X @ lam
        misfit = np.abs(totals - X.T @ (w * g)) / (1.0 + np.abs(totals))
        return g, 1, [float(misfit.max())], True
    fm1, df = _calfun(method, L, U)
    scale = None
    with np.errstate(divide="ignore", invalid="ignore"):
        scales = totals / sample
    if not np.isfinite(L) and not np.isfinite(U) and np.all(np.isfinite(scales)) and scales.min() > _PRESCALE:
        scale = float(np.mean(scales))
        w = w * scale
        sample = sample * scale
    denom = 1.0 + np.abs(totals)
    eta = np.zeros(X.shape[1])
    xeta = X @ eta
    misfit = totals - sample - X.T @ (w * fm1(xeta))
    size = float(np.linalg.norm(misfit / denom))
    history: list[float] = []
    it = 1
    converged = False
    with np.errstate(over="ignore", invalid="ignore"):
        while True:
            J = (X * (w * df(xeta))[:, None]).T @ X
            deta = np.linalg.pinv(J, rcond=256 * np.finfo(float).eps) @ misfit
            for _ in range(_HALVINGS):  # Newton step, halved until finite and not worse
                new_xeta = xeta + X @ deta
                new_fm, new_df = fm1(new_xeta), df(new_xeta)
                if np.all(np.isfinite(new_fm)) and np.all(np.isfinite(new_df)):
                    new_misfit = totals - sample - X.T @ (w * new_fm)
                    new_size = float(np.linalg.norm(new_misfit / denom))
                    if new_size <= size:
                        break
                deta = deta / 2.0
            else:
                break  # no step improves the fit: stuck (reported as not converged)
            eta, xeta, misfit, size = eta + deta, new_xeta, new_misfit, new_size
            rel = np.abs(misfit) / denom
            history.append(float(np.max(rel)))
            if np.all(rel < tol):
                converged = True
                break
            it += 1
            if it > max_iter:
                break
        g = 1.0 + fm1(xeta)
    if scale is not None:
        g = g * scale
    return g, it, history, converged


# --------------------------------------------------------------------------- public function


@register("calibrate", summary="calibration to totals: linear (GREG), raking or logit, with bounds")
def calibrate(design: Design, data: pd.DataFrame, totals: Any, *, method: str = "linear",
              bounds: tuple[float, float] | None = None, population: float | None = None,
              unit: str = "auto", max_iter: int = 50, tol: float = 1e-7,
              missing: str = "error") -> WeightedDesign:
    """Calibrate the weights to population totals, like R's ``calibrate()``.

    Parameters
    ----------
    design : Design
        The whole sample's design (not a subset: weighting applies to the whole sample).
    data : pandas.DataFrame
        The respondents' data, aligned with the design (read, never modified).
    totals : mapping
        Categorical margins as counts (or shares) by category and numeric
        variables as their population total:
        ``{"stype": {"E": 4421, "H": 755, "M": 1018}, "api99": 3914069}``;
        crossed margins and DataFrames as for :func:`rake`. ``"(Intercept)"``
        may give the population size.
    method : {"linear", "raking", "logit"}
        The calibration function (R's ``calfun``).
    bounds : (float, float), optional
        Lower and upper bound of ``g = new / old weight``; ``"logit"`` needs
        finite bounds with ``L < 1 < U``.
    population : float, optional
        Population size: the intercept's total when no categorical margin is
        given, and what shares are multiplied by.
    unit : {"auto", "count", "share"}
        Whether categorical margins are counts or shares.
    max_iter, tol : int, float
        Newton iterations and convergence tolerance of the iterative methods (R's
        ``maxit``, ``epsilon``).
    missing : {"error", "impute", "exclude"}
        Respondents with a missing calibration variable.

    Returns
    -------
    WeightedDesign
        ``.design``: the re-weighted design, which remembers the step for variance
        estimation; ``.result``: the diagnostics (:class:`WeightingResult`).

    Raises
    ------
    WeightingError
        Bad targets (see :func:`rake`), collinear totals, logit without finite
        bounds, or no convergence (with the misfit history and the worst total).

    Examples
    --------
    >>> import pandas as pd, trustsurvey as ts
    >>> df = pd.DataFrame({"g": ["a", "a", "b", "b"], "x": [1.0, 2.0, 3.0, 5.0], "w": [1.0] * 4})
    >>> c = calibrate(ts.Survey(df, weights="w").design, df, {"g": {"a": 10, "b": 10}, "x": 60})
    >>> round(float((c.design.weights * df["x"]).sum()), 6), round(float(c.design.weights.sum()), 6)
    (60.0, 20.0)
    """
    if method not in CALIBRATION_METHODS:
        raise WeightingError(f"method={method!r} is not known; choose one of {', '.join(CALIBRATION_METHODS)}")
    L, U = (-np.inf, np.inf) if bounds is None else (float(bounds[0]), float(bounds[1]))
    if not L < U:
        raise WeightingError(f"bounds={bounds!r}: the lower bound must be below the upper bound")
    if method == "logit" and not (np.isfinite(L) and np.isfinite(U) and L < 1 < U):
        raise WeightingError(f"method='logit' needs finite bounds=(L, U) with L < 1 < U, got {bounds!r}")
    if (np.isfinite(L) and L > 1) or (np.isfinite(U) and U < 1):
        raise WeightingError(f"bounds={bounds!r} must contain 1 (g = 1 leaves a weight unchanged)")
    w0 = design.weights
    prep = prepare_margins(data, w0, totals, unit=unit, population=population, missing=missing,
                           allow_numeric=True)
    X, T, names = model_matrix(prep)
    active = prep.active
    W = weight_matrix(design, active)
    g, iterations, history, converged = calibration_g(X, W[:, 0], T, method, (L, U), int(max_iter), tol)
    if not converged:
        misfit = np.abs(T - X.T @ (W[:, 0] * g)) / (1.0 + np.abs(T))
        worst = int(np.nanargmax(np.where(np.isfinite(misfit), misfit, np.inf)))
        tail = ", ".join(f"{h:.3g}" for h in history[-6:])
        raise WeightingError(
            f"calibration ({method}) did not converge in {max_iter} iterations (tolerance {tol:g}); the "
            f"largest relative misfit in the last iterations was {tail}. Total {names[worst]!r} fits "
            f"worst (misfit {misfit[worst]:.3g}). The bounds {(L, U)} may be too tight for these totals: "
            "widen them, raise max_iter, or collapse sparse categories")
    g = np.where(active, g, 1.0)
    weights = W[:, 0] * g
    repweights = None
    if design.is_replicate:
        repweights = np.empty_like(W[:, 1:])
        failed = 0
        for r in range(repweights.shape[1]):
            gr, _, _, ok = calibration_g(X, W[:, 1 + r], T, method, (L, U), int(max_iter), tol)
            failed += not ok
            repweights[:, r] = W[:, 1 + r] * gr
        if failed:
            warnings.warn(f"calibration did not converge for {failed} replicate weight column(s); their "
                          "last iterate is used (as R does)", TrustSurveyWarning, stacklevel=2)
    if np.any(weights[active] <= 0):
        warnings.warn(f"calibration gave {int(np.sum(weights[active] <= 0))} zero or negative weight(s); "
                      "use bounds= or method='raking'/'logit' to keep weights positive",
                      TrustSurveyWarning, stacklevel=2)
    steps = []
    if not design.is_replicate:
        w_half = np.where(active, np.sqrt(np.where(active, w0, 1.0)), 1.0)
        steps = [GregStep(X=X, w_half=w_half, g=g)]
    result = build_result(f"calibrate ({method})", np.where(active, w0, 0.0), weights, margins=prep.margins,
                          numeric=prep.numeric, iterations=iterations, converged=True, history=history,
                          n_excluded=prep.n_excluded, n_imputed=prep.n_imputed,
                          details={"method": method, "bounds": (L, U), "tol": tol, "columns": tuple(names)})
    return finish(design, weights, repweights, steps, result)
