"""Quasi-Newton minimisation and numerical Hessians with R's ``optim`` conventions (private).

:func:`bfgs` follows the variable-metric algorithm R's ``optim(method="BFGS")``
uses (Nash's ``vmmin``: backtracking line search with step reduction 0.2 and
acceptance 1e-4, a positive-definite inverse-Hessian update, restarts on
failure, stop when the relative decrease is below ``reltol``), so that a model
R fits with ``optim`` stops at the same point. :func:`optim_hessian` is R's
``optimHess``: central differences of the gradient with step ``ndeps = 1e-3``,
symmetrised.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

__all__ = ["bfgs", "optim_hessian", "BfgsResult"]

_STEPREDN = 0.2
_ACCTOL = 0.0001
_RELTEST = 10.0


@dataclass(frozen=True, eq=False)
class BfgsResult:
    par: np.ndarray
    value: float
    fn_count: int
    gr_count: int
    converged: bool


def bfgs(fn: Callable[[np.ndarray], float], gr: Callable[[np.ndarray], np.ndarray], start: np.ndarray, *,
         maxit: int = 100, reltol: float = float(np.sqrt(np.finfo(float).eps)),
         abstol: float = -np.inf) -> BfgsResult:
    """Minimise ``fn`` from ``start`` as R's ``optim(method = "BFGS")`` does.

    >>> r = bfgs(lambda b: float(((b - 3) ** 2).sum()), lambda b: 2 * (b - 3), np.zeros(2))
    >>> r.par.round(6).tolist(), r.converged
    ([3.0, 3.0], True)
    """
    b = np.array(start, dtype=float)
    n = b.size
    f = fn(b)
    if not np.isfinite(f):
        raise FloatingPointError("initial value in 'vmmin' is not finite")
    fmin = f
    funcount = gradcount = 1
    g = gr(b)
    it = 1
    ilast = gradcount
    B = np.eye(n)
    t = np.zeros(n)
    while True:
        if ilast == gradcount:
            B = np.eye(n)
        X = b.copy()
        c = g.copy()
        t = -B @ g
        gradproj = float(t @ g)
        count = 0
        if gradproj < 0.0:
            steplength = 1.0
            accpoint = False
            while True:
                b = X + steplength * t
                count = int(np.sum(_RELTEST + X == _RELTEST + b))
                if count < n:
                    f = fn(b)
                    funcount += 1
                    accpoint = bool(np.isfinite(f)) and f <= fmin + gradproj * steplength * _ACCTOL
                    if not accpoint:
                        steplength *= _STEPREDN
                if count == n or accpoint:
                    break
            enough = (f > abstol) and abs(f - fmin) > reltol * (abs(fmin) + reltol)
            if not enough:
                count = n
                fmin = f
            if count < n:
                fmin = f
                g = gr(b)
                gradcount += 1
                it += 1
                t = steplength * t
                c = g - c
                D1 = float(t @ c)
                if D1 > 0:
                    Xv = B @ c
                    D2 = 1.0 + float(Xv @ c) / D1
                    B = B + (D2 * np.outer(t, t) - np.outer(Xv, t) - np.outer(t, Xv)) / D1
                else:
                    ilast = gradcount
            else:
                if ilast < gradcount:
                    count = 0
                    ilast = gradcount
        else:
            count = 0
            if ilast == gradcount:
                count = n
            else:
                ilast = gradcount
        if it >= maxit:
            break
        if gradcount - ilast > 2 * n:
            ilast = gradcount
        if not (count != n or ilast != gradcount):
            break
    return BfgsResult(par=b, value=float(fmin), fn_count=funcount, gr_count=gradcount, converged=it < maxit)


def optim_hessian(gr: Callable[[np.ndarray], np.ndarray], par: np.ndarray, ndeps: float = 1e-3) -> np.ndarray:
    """Numerical Hessian from central differences of the gradient, as R's ``optimHess``.

    >>> optim_hessian(lambda b: np.array([2 * b[0], 6 * b[1]]), np.array([1.0, 1.0])).round(6).tolist()
    [[2.0, 0.0], [0.0, 6.0]]
    """
    dpar = np.array(par, dtype=float)
    k = dpar.size
    H = np.empty((k, k))
    for i in range(k):
        dpar[i] = dpar[i] + ndeps
        d1 = gr(dpar)
        dpar[i] = dpar[i] - 2 * ndeps
        d2 = gr(dpar)
        H[i] = (d1 - d2) / (2 * ndeps)
        dpar[i] = dpar[i] + ndeps
    return 0.5 * (H + H.T)
