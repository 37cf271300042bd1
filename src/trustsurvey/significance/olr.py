"""Proportional-odds (ordinal logistic) regression for Likert outcomes, as R's ``svyolr``.

The model is ``P(Y <= j) = logistic(zeta_j - x' beta)`` for the ordered levels
``j = 1 .. q`` of the outcome (R's and MASS's sign convention: a positive slope
moves respondents towards the higher categories). It is fitted by maximising the
weighted log-likelihood (sampling weights) with R's BFGS from R's starting
values, thresholds parametrised as ``zeta_1, log(zeta_2 - zeta_1), ...`` during
the fit, exactly as ``svyolr`` does, so the estimates stop where R's do.

Standard errors are design-based: linearisation with the influence values
``score_i H^-1`` (``H`` the numerical Hessian R's ``optim`` reports, mapped back
to the threshold scale) through the variance kernels; replicate designs refit
the model with every replicate's weights. Degrees of freedom: the design's minus
the number of slopes (R's ``df.residual``).
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd

from .. import _variance as V
from ..errors import SignificanceError, TrustSurveyWarning
from ._common import parts
from ._formula import model_frame
from ._optim import bfgs, optim_hessian
from .glm import irls, term_labels
from .results import ModelResult

__all__ = ["olr"]

_BOUND = 100.0  # R's +/-100 stand-ins for the infinite outer thresholds


def _plogis(x):
    return 1.0 / (1.0 + np.exp(-x))


def _dlogis(x):
    e = np.exp(-np.abs(x))
    return e / (1.0 + e) ** 2


class _Likelihood:
    """Weighted ordinal-logistic log-likelihood and its score, R's ``fmin``/``gmini``."""

    def __init__(self, x: np.ndarray, y: np.ndarray, wt: np.ndarray, q: int):
        self.x, self.y, self.wt, self.q = x, y, wt, q  # y coded 1 .. q + 1
        self.pc = x.shape[1]
        cols = np.arange(1, q + 1)[None, :]
        self.Y1 = (cols == y[:, None]).astype(float)
        self.Y2 = (cols == (y - 1)[:, None]).astype(float)

    def _parts(self, par):
        pc, q = self.pc, self.q
        theta = par[pc:pc + q]
        gamm = np.concatenate([[-_BOUND], np.cumsum(np.concatenate([theta[:1], np.exp(theta[1:])])), [_BOUND]])
        eta = self.x @ par[:pc] if pc else np.zeros(self.y.size)
        upper = gamm[self.y] - eta
        lower = gamm[self.y - 1] - eta
        return theta, upper, lower

    def fmin(self, par) -> float:
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            _, upper, lower = self._parts(par)
            pr = _plogis(upper) - _plogis(lower)
            if np.all(pr > 0):
                return float(-np.sum(self.wt * np.log(pr)))
        return np.inf

    def scores(self, par, logdiff: bool) -> np.ndarray:
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            return self._scores(par, logdiff)

    def _scores(self, par, logdiff: bool) -> np.ndarray:
        theta, upper, lower = self._parts(par)
        pr = _plogis(upper) - _plogis(lower)
        p1, p2 = _dlogis(upper), _dlogis(lower)
        g1 = self.x * (self.wt * (p1 - p2) / pr)[:, None]
        xx = self.Y1 * p1[:, None] - self.Y2 * p2[:, None]
        g2 = -xx * (self.wt / pr)[:, None]
        if logdiff:
            g2 = g2 @ _jacobian(theta)
        out = np.hstack([g1, g2])
        return out if np.all(pr > 0) else out + np.nan

    def gmin(self, par) -> np.ndarray:
        return self.scores(par, logdiff=True).sum(axis=0)


def _jacobian(theta: np.ndarray) -> np.ndarray:
    k = theta.size
    mat = np.zeros((k, k))
    mat[:, 0] = 1.0
    et = np.exp(theta)
    for i in range(1, k):
        mat[i:, i] = et[i]
    return mat


def _start(x: np.ndarray, y: np.ndarray, wt: np.ndarray, q: int) -> np.ndarray:
    """R's svyolr starting values: a logistic fit of ``y > q1``, thresholds spaced on the logit scale."""
    n_lev = q + 1
    q1 = n_lev // 2
    y1 = (y > q1).astype(float)
    X = np.column_stack([np.ones(y.size), x])
    fit = irls(X, y1, wt / wt.mean(), "binomial")
    if not fit.converged:
        raise SignificanceError("attempt to find suitable starting values for the ordinal model failed")
    coefs = fit.coef
    spacing = np.log((np.arange(1, q + 1) / (q + 1)) / (1 - np.arange(1, q + 1) / (q + 1)))
    spacing = spacing / 1.7  # as svyolr does for its default ("logistic") method
    gammas = -coefs[0] + spacing - spacing[q1 - 1]
    thetas = np.concatenate([gammas[:1], np.log(np.diff(gammas))])
    return np.concatenate([coefs[1:], thetas])


def _zeta(par: np.ndarray, pc: int) -> np.ndarray:
    theta = par[pc:]
    return np.cumsum(np.concatenate([theta[:1], np.exp(theta[1:])]))


def olr(survey: Any, formula: str, *, lang: str = "en") -> ModelResult:
    """Proportional-odds regression with design-based standard errors, like R's ``svyolr``.

    Parameters
    ----------
    survey : Survey
    formula : str
        ``"outcome ~ x1 + C(x2)"``; the outcome must be an ordered
        :class:`pandas.Categorical` with at least three levels observed (levels
        with no respondents are dropped, with a warning).

    Returns
    -------
    ModelResult
        ``family="ordinal"``; terms are the slopes, then the thresholds named
        ``"low|high"`` for each pair of adjacent levels; ``df`` is the design's
        degrees of freedom minus the number of slopes.

    Examples
    --------
    >>> import numpy as np, pandas as pd, trustsurvey as ts
    >>> rng = np.random.default_rng(5)
    >>> x = rng.normal(size=90)
    >>> y = pd.Categorical(np.digitize(x + rng.logistic(size=90), [-1, 0, 1]), ordered=True)
    >>> df = pd.DataFrame({"y": y, "x": x, "psu": np.repeat(np.arange(30), 3)})
    >>> m = ts.Survey(df, psu="psu").glm("y ~ x", family="ordinal")
    >>> m.terms, m.n_slopes, m.df
    (('x', '0|1', '1|2', '2|3'), 1, 28.0)
    """
    data, design, in_dom = parts(survey)
    frame = model_frame(formula, data, in_dom)
    yser = frame.y
    if not isinstance(yser.dtype, pd.CategoricalDtype) or not yser.cat.ordered:
        raise SignificanceError(
            f"the outcome {frame.response!r} of an ordinal model must be an ordered Categorical "
            f"(got dtype {yser.dtype}); e.g. pd.Categorical(values, categories=[...], ordered=True)")
    cats = list(yser.cat.categories)
    used = [c for c in cats if (yser == c).any()]
    if len(used) < len(cats):
        warnings.warn(f"levels {[c for c in cats if c not in used]} of {frame.response!r} have no "
                      "respondents in the model and were dropped", TrustSurveyWarning, stacklevel=3)
    if len(used) < 3:
        raise SignificanceError(f"the outcome {frame.response!r} has {len(used)} observed level(s); an "
                                "ordinal model needs at least three (use family='binomial' for two)")
    y = np.searchsorted(np.arange(len(used)), [used.index(v) for v in yser]) + 1
    y = np.asarray(y, dtype=np.int64)
    q = len(used) - 1
    X, names = frame.X, frame.names
    if "Intercept" in names:
        j = names.index("Intercept")
        X = np.delete(X, j, axis=1)
        names = names[:j] + names[j + 1:]
    else:
        warnings.warn("an ordinal model needs an intercept; it is assumed", TrustSurveyWarning, stacklevel=3)
    rows = frame.rows
    wt = design.weights[rows]
    pc = X.shape[1]
    lik = _Likelihood(X, y, wt, q)
    start = _start(X, y, wt, q)
    res = bfgs(lik.fmin, lik.gmin, start)
    if not res.converged:
        warnings.warn(f"ordinal model {formula!r} did not converge in 100 BFGS iterations",
                      TrustSurveyWarning, stacklevel=3)
    par = res.par
    zeta = _zeta(par, pc)
    coef = np.concatenate([par[:pc], zeta])
    thr_names = [f"{a}|{b}" for a, b in zip(map(str, used[:-1]), map(str, used[1:]))]
    mask = np.zeros(design.n, dtype=bool)
    mask[rows] = True
    df = float(design.domain_degf(mask)) - pc
    if design.is_replicate:
        reps = np.empty((design.n_replicates, pc + q))
        for r in range(design.n_replicates):
            rl = _Likelihood(X, y, design.repweights[rows, r], q)
            rr = bfgs(rl.fmin, rl.gmin, par)
            reps[r] = np.concatenate([rr.par[:pc], _zeta(rr.par, pc)])
        F = V.replicate_factor(design, coef, reps)
    else:
        H = optim_hessian(lik.gmin, par)
        vc = np.linalg.pinv(H)
        A = np.eye(pc + q)
        A[pc:, pc:] = _jacobian(par[pc:])
        Vm = A @ vc @ A.T
        infl = lik.scores(par, logdiff=False) @ Vm
        z = np.zeros((design.n, pc + q))
        z[rows] = infl
        F = V.taylor_factor_from_units(design, z)
    vcov = F.T @ F
    return ModelResult(formula=formula, family="ordinal", terms=tuple(names + thr_names), coef=coef,
                       vcov_matrix=vcov, df=df, n=int(rows.size), converged=res.converged,
                       iterations=res.gr_count, n_slopes=pc,
                       extra={"levels": tuple(used), "loglik": -res.value},
                       term_labels=term_labels(survey, names + thr_names, response=frame.response, lang=lang))
