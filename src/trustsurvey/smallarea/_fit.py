"""Fay-Herriot fitting kernels on arrays (private): Fisher scoring, EBLUPs, analytic and bootstrap MSE.

The variance of the area effects is estimated as R's ``sae::eblupFH`` does it,
step for step, so that the numbers agree to rounding: Fisher scoring from the
median of the sampling variances, updates ``A + s/F`` until the relative change
is at most ``precision`` (R's ``PRECISION``, 1e-4) or ``maxiter`` (100) steps
were made, then the estimate is truncated at zero (``max(A, 0)``: a negative
estimate means the covariates explain all between-area variation, and every
EBLUP becomes the synthetic regression estimate). Non-convergence is an error
here, where sae returns ``convergence = FALSE``. When a step takes ``A`` below
``-min(vardir)`` the iteration has left the space where the model's covariance
is positive definite; sae carries on, and so does this code, but from there the
path can be chaotic (rounding decides where it ends), which callers report.

Every kernel works on a batch of responses at once (``y`` of shape ``(B, m)``),
so that a parametric bootstrap refits all its replicates together; each
replicate stops iterating when it converges, exactly as a single fit would.
The traces and products need only p x p matrices, never the m x m projection.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from ..errors import EstimationError

__all__ = ["METHODS", "Fit", "fit_batch", "analytic_mse", "bootstrap", "BootstrapMSE"]

#: Variance estimators of sae::eblupFH.
METHODS = ("REML", "ML", "FH")


@dataclass(frozen=True, eq=False)
class Fit:
    """The estimates of a batch of fits (first axis: the replicates)."""

    refvar: np.ndarray  # (B,)
    beta: np.ndarray  # (B, p)
    Q: np.ndarray  # (B, p, p): (X' V^-1 X)^-1, the covariance of beta
    eblup: np.ndarray  # (B, m)
    synthetic: np.ndarray  # (B, m): X beta
    iterations: np.ndarray  # (B,) int
    converged: np.ndarray  # (B,) bool
    loglik: np.ndarray  # (B,)
    left_space: np.ndarray  # (B,) bool: some step had A + min(psi) <= 0 (V not positive definite)


def _cross(w, X):
    """``X' diag(w_b) X`` for every row ``w_b`` of ``w``: shape (b, p, p)."""
    return np.matmul((w[:, :, None] * X[None, :, :]).transpose(0, 2, 1), X)


def _gls(y, X, psi, A):
    """Weights 1/(A + psi), Q = (X'V^-1X)^-1, beta, residuals, for every replicate."""
    Vi = 1.0 / (A[:, None] + psi[None, :])  # (b, m)
    Q = np.linalg.inv(_cross(Vi, X))
    beta = np.einsum("bpq,bq->bp", Q, (Vi * y) @ X)
    resid = y - beta @ X.T
    return Vi, Q, beta, resid


def _score(method: str, y, X, psi, A, m: int, p: int):
    """Score s and expected information F of the variance A (sae's formulas)."""
    Vi, Q, beta, resid = _gls(y, X, psi, A)
    if method == "FH":
        s = np.sum(resid ** 2 * Vi, axis=1) - (m - p)
        F = np.sum(Vi, axis=1)
        return s, F
    Py = Vi * resid  # P y = V^-1 (y - X beta)
    quad = np.sum(Py ** 2, axis=1)
    if method == "ML":
        return -0.5 * np.sum(Vi, axis=1) + 0.5 * quad, 0.5 * np.sum(Vi ** 2, axis=1)
    # REML: tr(P) and tr(PP) through p x p matrices
    V2 = Vi ** 2
    M2 = _cross(V2, X)
    M3 = _cross(V2 * Vi, X)
    QM2 = Q @ M2
    tr_p = np.sum(Vi, axis=1) - np.trace(QM2, axis1=1, axis2=2)
    tr_pp = (np.sum(V2, axis=1) - 2.0 * np.trace(Q @ M3, axis1=1, axis2=2)
             + np.einsum("bij,bji->b", QM2, QM2))
    return -0.5 * tr_p + 0.5 * quad, 0.5 * tr_pp


def fit_batch(y: np.ndarray, X: np.ndarray, psi: np.ndarray, method: str = "REML", *, maxiter: int = 100,
              precision: float = 1e-4) -> Fit:
    """Fit the Fay-Herriot model to each row of ``y`` (shape ``(B, m)``).

    Examples
    --------
    >>> y = np.array([[1.0, 2.0, 1.5, 3.0, 2.5]])
    >>> X = np.column_stack([np.ones(5), [0.0, 1, 1, 2, 2]])
    >>> f = fit_batch(y, X, np.full(5, 0.1))
    >>> bool(f.converged[0]), f.eblup.shape
    (True, (1, 5))
    """
    y = np.atleast_2d(np.asarray(y, dtype=float))
    B, m = y.shape
    p = X.shape[1]
    A = np.full(B, float(np.median(psi)))
    active = np.ones(B, dtype=bool)
    iterations = np.zeros(B, dtype=np.int64)
    diff = np.full(B, np.inf)
    left_space = np.zeros(B, dtype=bool)
    floor = -float(np.min(psi))
    k = 0
    while active.any() and k < maxiter:
        k += 1
        idx = np.nonzero(active)[0]
        a = A[idx]
        with np.errstate(divide="ignore", invalid="ignore"):
            s, F = _score(method, y[idx], X, psi, a, m, p)
            new = a + s / F
            d = np.abs((new - a) / a)
        d = np.where(a == 0, np.where(new == 0, 0.0, np.inf), d)
        if not np.isfinite(new).all():
            raise EstimationError(f"the {method} iteration for the area-effect variance broke down (a variance "
                                  "of zero in the denominator); check that the sampling variances are positive")
        A[idx] = new
        left_space[idx] |= new <= floor
        diff[idx] = d
        iterations[idx] = k
        active[idx] = d > precision
    converged = ~((iterations >= maxiter) & (diff >= precision))
    A = np.maximum(A, 0.0)
    Vi, Q, beta, resid = _gls(y, X, psi, A)
    synthetic = beta @ X.T
    eblup = synthetic + A[:, None] * Vi * resid
    loglik = -0.5 * np.sum(np.log(2 * np.pi / Vi) + resid ** 2 * Vi, axis=1)
    return Fit(refvar=A, beta=beta, Q=Q, eblup=eblup, synthetic=synthetic, iterations=iterations,
               converged=converged, loglik=loglik, left_space=left_space)


def analytic_mse(X: np.ndarray, psi: np.ndarray, A: float, Q: np.ndarray, method: str) -> np.ndarray:
    """MSE of the EBLUPs as R's ``sae::mseFH``: Prasad-Rao (REML), Datta-Lahiri (ML, FH).

    ``g1 + g2 + 2 g3`` with ``g1 = psi (1 - B)``, ``g2 = B^2 x' Q x`` and
    ``g3 = B^2 Var(A) / (A + psi)`` where ``B = psi / (A + psi)``; for ML and FH
    minus ``b B^2`` with ``b`` the first-order bias of the variance estimator.
    """
    m = X.shape[0]
    Vi = 1.0 / (A + psi)
    Bd = psi * Vi
    sum_v2 = np.sum(Vi ** 2)
    g1 = psi * (1.0 - Bd)
    g2 = Bd ** 2 * np.einsum("mp,pq,mq->m", X, Q, X)
    if method == "FH":
        sum_v = np.sum(Vi)
        var_a = 2.0 * m / sum_v ** 2
        bias = 2.0 * (m * sum_v2 - sum_v ** 2) / sum_v ** 3
    else:
        var_a = 2.0 / sum_v2
        bias = 0.0
        if method == "ML":
            bias = -np.trace(Q @ ((Vi ** 2)[:, None] * X).T @ X) / sum_v2
    g3 = Bd ** 2 * var_a / (A + psi)
    return g1 + g2 + 2.0 * g3 - bias * Bd ** 2


class BootstrapMSE(NamedTuple):
    """Bootstrap MSEs: of the (transformed) EBLUPs, of the synthetic predictions of new areas, and both
    on the model scale; and the number of replicates left out because their fit did not converge."""

    mse: np.ndarray
    mse_new: np.ndarray | None
    mse_model: np.ndarray
    mse_new_model: np.ndarray | None
    failed: int


def bootstrap(X: np.ndarray, psi: np.ndarray, A: float, beta: np.ndarray, method: str, B: int,
              rng: np.random.Generator, *, X_new: np.ndarray | None = None, transform=None,
              maxiter: int = 100, precision: float = 1e-4) -> BootstrapMSE:
    """Parametric bootstrap MSE (Gonzalez-Manteiga et al. 2008; Molina and Rao 2015, sec. 6.2.4).

    Draws ``theta* = X beta + u*`` with ``u* ~ N(0, A)`` and ``y* = theta* + e*``
    with ``e* ~ N(0, psi)``, refits the model (same method) to every ``y*`` and
    averages ``(g(eblup*) - g(theta*))^2`` where ``g`` is ``transform``
    (identity by default). For areas without data (rows of ``X_new``) the
    prediction is the synthetic ``x beta*`` and the target ``x beta + u*``.
    Replicates whose fit does not converge are left out (and counted).
    """
    g = (lambda x: x) if transform is None else transform
    m = X.shape[0]
    u = np.sqrt(A) * rng.standard_normal((B, m))
    e = np.sqrt(psi)[None, :] * rng.standard_normal((B, m))
    theta = (X @ beta)[None, :] + u
    fit = fit_batch(theta + e, X, psi, method, maxiter=maxiter, precision=precision)
    ok = fit.converged
    if not ok.any():
        raise EstimationError("no bootstrap replicate converged; use mse='analytic'")

    def mse_of(pred, target):
        model = np.mean((pred[ok] - target[ok]) ** 2, axis=0)
        return (model if transform is None else np.mean((g(pred[ok]) - g(target[ok])) ** 2, axis=0)), model

    mse, mse_model = mse_of(fit.eblup, theta)
    mse_new = mse_new_model = None
    if X_new is not None and len(X_new):
        target = (X_new @ beta)[None, :] + np.sqrt(A) * rng.standard_normal((B, X_new.shape[0]))
        mse_new, mse_new_model = mse_of(fit.beta @ X_new.T, target)
    return BootstrapMSE(mse, mse_new, mse_model, mse_new_model, int((~ok).sum()))
