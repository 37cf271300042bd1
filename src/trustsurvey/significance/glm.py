"""Survey-weighted generalised linear models, as R's ``svyglm``.

The coefficients solve the weighted score equations (iteratively reweighted
least squares exactly as R's ``glm.fit``: same starting values, same
convergence rule), with the sampling weights scaled to mean one. Standard
errors are design-based:

- linearisation: the sandwich ``A^-1 B A^-1`` where ``B`` is the design-based
  variance of the total of the score contributions ``x_i w_i (y_i - mu_i)`` (for
  the canonical links); the influence values ``score_i A^-1`` go through
  :func:`trustsurvey._variance.taylor_factor_from_units`, which handles strata,
  PSUs, FPCs, stages and weighting steps (R's ``svy.varcoef``);
- replicate designs: the model is refitted with every replicate's weights (from
  the full-sample coefficients) and the spread of the replicate coefficients
  gives the variance (R's ``svyglm.svyrep.design``).

Residual degrees of freedom are the design's minus the number of coefficients
plus one (R's ``df.residual``); every t statistic and p-value uses them.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .. import _variance as V
from ..errors import SignificanceError, TrustSurveyWarning
from ._common import level_text, matches, parts
from ._formula import model_frame
from .results import ModelResult

__all__ = ["glm", "FAMILIES", "irls", "term_labels"]

FAMILIES = ("gaussian", "binomial", "ordinal")
_EPS = np.finfo(float).eps
_THRESH = 30.0


# --------------------------------------------------------------------------- families (as R's C code)


def _logit_linkinv(eta):
    tmp = np.where(eta < -_THRESH, _EPS, np.where(eta > _THRESH, 1 / _EPS, np.exp(np.clip(eta, -40, 40))))
    return tmp / (1 + tmp)


def _logit_mu_eta(eta):
    e = np.exp(np.clip(eta, -40, 40))
    return np.where((eta > _THRESH) | (eta < -_THRESH), _EPS, e / (1 + e) ** 2)


def _ylogy(y, mu):
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(y > 0, y * np.log(y / mu), 0.0)


@dataclass(frozen=True)
class _Family:
    name: str

    def linkinv(self, eta):
        return eta if self.name == "gaussian" else _logit_linkinv(eta)

    def linkfun(self, mu):
        return mu if self.name == "gaussian" else np.log(mu / (1 - mu))

    def mu_eta(self, eta):
        return np.ones_like(eta) if self.name == "gaussian" else _logit_mu_eta(eta)

    def variance(self, mu):
        return np.ones_like(mu) if self.name == "gaussian" else mu * (1 - mu)

    def dev(self, y, mu, w):
        if self.name == "gaussian":
            return float(np.sum(w * (y - mu) ** 2))
        return float(np.sum(2 * w * (_ylogy(y, mu) + _ylogy(1 - y, 1 - mu))))

    def mustart(self, y, w):
        return y.copy() if self.name == "gaussian" else (w * y + 0.5) / (w + 1)

    def valid_mu(self, mu):
        return bool(np.all(np.isfinite(mu))) if self.name == "gaussian" else \
            bool(np.all(np.isfinite(mu)) and np.all((mu > 0) & (mu < 1)))


@dataclass(frozen=True, eq=False)
class IrlsFit:
    coef: np.ndarray
    mu: np.ndarray
    eta: np.ndarray
    working_weights: np.ndarray  # w^2 of the last iteration (R's glm.object$weights)
    converged: bool
    iterations: int
    deviance: float


def irls(X: np.ndarray, y: np.ndarray, w: np.ndarray, family: str, *, start: np.ndarray | None = None,
         maxit: int = 25, epsilon: float = 1e-8) -> IrlsFit:
    """Iteratively reweighted least squares as R's ``glm.fit`` (gaussian identity or binomial logit).

    >>> X = np.column_stack([np.ones(4), [0.0, 1, 2, 3]])
    >>> irls(X, np.array([1.0, 3, 5, 7]), np.ones(4), "gaussian").coef.round(6).tolist()
    [1.0, 2.0]
    """
    fam = _Family(family)
    if start is None:
        mu = fam.mustart(y, w)
        eta = fam.linkfun(mu)
    else:
        eta = X @ start
    mu = fam.linkinv(eta)
    devold = fam.dev(y, mu, w)
    coef = start if start is not None else np.zeros(X.shape[1])
    conv = False
    ww = np.zeros_like(y)
    it = 0
    dev = devold
    for it in range(1, maxit + 1):
        mu_eta = fam.mu_eta(eta)
        good = (w > 0) & (mu_eta != 0)
        z = eta[good] + (y[good] - mu[good]) / mu_eta[good]
        sw = np.sqrt(w[good] * mu_eta[good] ** 2 / fam.variance(mu[good]))
        new, *_ = np.linalg.lstsq(X[good] * sw[:, None], z * sw, rcond=None)
        eta_new = X @ new
        mu_new = fam.linkinv(eta_new)
        dev = fam.dev(y, mu_new, w)
        halvings = 0
        while (not np.isfinite(dev) or not fam.valid_mu(mu_new)) and halvings < 30:
            new = (new + coef) / 2
            eta_new = X @ new
            mu_new = fam.linkinv(eta_new)
            dev = fam.dev(y, mu_new, w)
            halvings += 1
        ww = np.zeros_like(y)
        ww[good] = sw**2
        coef, eta, mu = new, eta_new, mu_new
        if abs(dev - devold) / (abs(dev) + 0.1) < epsilon:
            conv = True
            break
        devold = dev
    return IrlsFit(coef=coef, mu=mu, eta=eta, working_weights=ww, converged=conv, iterations=it,
                   deviance=dev)


# --------------------------------------------------------------------------- inputs


def _response(frame, family: str, outcome_level: Any) -> tuple[np.ndarray, Any]:
    y = frame.y
    name = frame.response
    if family == "gaussian":
        if not (pd.api.types.is_numeric_dtype(y) or pd.api.types.is_bool_dtype(y)):
            raise SignificanceError(f"response {name!r} is not numeric; family='gaussian' needs numbers "
                                    "(family='binomial' for a two-level outcome)")
        return y.to_numpy(dtype=float), None
    numeric = pd.api.types.is_numeric_dtype(y) or pd.api.types.is_bool_dtype(y)
    if outcome_level is not None:
        hit = matches(y, outcome_level)
        if not np.any(hit == 1):
            raise SignificanceError(f"outcome_level={outcome_level!r} never occurs in {name!r}; levels: "
                                    f"{sorted({level_text(v) for v in y.tolist()})}")
        return hit, outcome_level
    if numeric and not isinstance(y.dtype, pd.CategoricalDtype):
        vals = y.to_numpy(dtype=float)
        if np.any((vals < 0) | (vals > 1)):
            raise SignificanceError(
                f"response {name!r} has values outside [0, 1]; family='binomial' needs a 0/1 outcome "
                "(or pass outcome_level= to model one value against the others)")
        return vals, 1
    levels = list(y.cat.categories) if isinstance(y.dtype, pd.CategoricalDtype) else sorted(
        pd.unique(y).tolist(), key=str)
    levels = [v for v in levels if (y == v).any()]
    if len(levels) != 2:
        raise SignificanceError(
            f"response {name!r} has {len(levels)} levels ({[level_text(v) for v in levels]}); "
            "family='binomial' needs two, or outcome_level= naming the outcome modelled")
    return (y.to_numpy(dtype=object) == levels[1]).astype(float), levels[1]


def _drop_aliased(X: np.ndarray, names: list, w: np.ndarray, formula: str) -> tuple[np.ndarray, list]:
    """Drop columns that are linear combinations of earlier ones (R gives them NA), with a warning."""
    Xw = X * np.sqrt(w)[:, None]
    keep: list[int] = []
    for j in range(X.shape[1]):
        col = Xw[:, j]
        norm = np.linalg.norm(col)
        if norm == 0:
            continue
        if keep:
            coef, *_ = np.linalg.lstsq(Xw[:, keep], col, rcond=None)
            if np.linalg.norm(col - Xw[:, keep] @ coef) < 1e-7 * norm:
                continue
        keep.append(j)
    if len(keep) < X.shape[1]:
        dropped = [names[j] for j in range(X.shape[1]) if j not in keep]
        warnings.warn(f"model {formula!r}: term(s) {dropped} are aliased with earlier terms or have no "
                      "respondents among the complete cases and were dropped (R reports them as NA)",
                      TrustSurveyWarning, stacklevel=4)
    return X[:, keep], [names[j] for j in keep]


def _separation(X, y, names, fit, formula, response) -> None:
    """Warn about (quasi-)complete separation: the outcome is constant within a level of a
    categorical term (so its coefficient is infinite), or fitted probabilities reach 0 or 1."""
    eps = 10 * _EPS
    extreme = (fit.mu > 1 - eps) | (fit.mu < eps)
    culprits = []
    dummies: dict[str, list[int]] = {}
    for j, name in enumerate(names):
        col = X[:, j]
        if name == "Intercept" or not np.all(np.isin(col, (0.0, 1.0))):
            continue
        if "[" in name:
            dummies.setdefault(name.split("[")[0], []).append(j)
        ys = y[col == 1]
        if ys.size and (np.all(ys == 0) or np.all(ys == 1)):
            culprits.append(name)
    for term, cols in dummies.items():  # the reference level: every dummy of the term is 0
        ys = y[(X[:, cols] == 0).all(axis=1)]
        if ys.size and (np.all(ys == 0) or np.all(ys == 1)):
            culprits.append(f"the reference level of {term}")
    if not culprits and not extreme.any() and fit.converged:
        return
    where = f"the outcome is constant within {culprits}" if culprits else \
        f"{int(extreme.sum())} fitted probabilities are numerically 0 or 1"
    warnings.warn(
        f"perfect or quasi-complete separation in the logistic model {formula!r} of {response!r}: "
        f"{where}{'' if fit.converged else '; the fit did not converge'}. The coefficients of the "
        "separating terms are infinite in truth and their estimates and standard errors are not "
        "meaningful: merge or drop those levels or terms", TrustSurveyWarning, stacklevel=4)


# --------------------------------------------------------------------------- terms in words

_PIECE = re.compile(r"^(?:C\((?P<cvar>[A-Za-z_][A-Za-z0-9_]*)(?:,.*)?\)|(?P<var>[A-Za-z_][A-Za-z0-9_]*))"
                    r"(?:\[(?:T\.)?(?P<level>.*)\])?$")


def _code(level: str) -> Any:
    try:
        value = float(level)
    except ValueError:
        return level
    return int(value) if value.is_integer() else value


def _piece_label(piece: str, q: Any, lang: str) -> str:
    m = _PIECE.match(piece)
    var = None if m is None else (m.group("cvar") or m.group("var"))
    if var is None or not q.has_variable(var):
        return piece
    name = q.label(var, lang)
    level = m.group("level")
    if level is None:
        return name
    try:
        value = q.value_label(var, _code(level), lang)
    except Exception:  # a level the questionnaire does not know: keep the code
        value = level
    return f"{name}: {value}"


def term_labels(survey: Any, terms, *, response: str | None = None, lang: str = "en") -> tuple | None:
    """Model terms in words from the survey's questionnaire (``C(gender)[T.2]`` -> ``Gender: Female``).

    Interactions join their parts with `` x ``; an ordinal model's thresholds
    (``"1|2"``) read as the response's value labels. None without a questionnaire.

    >>> term_labels(object(), ["Intercept"]) is None
    True
    """
    q = getattr(survey, "questionnaire", None)
    if q is None or not hasattr(q, "has_variable"):
        return None
    out = []
    for term in terms:
        if term == "Intercept":
            out.append(term)
        elif response is not None and "|" in term and q.has_variable(response):
            out.append("|".join(_piece_label(f"{response}[{part}]", q, lang).split(": ", 1)[-1]
                                for part in term.split("|")))
        else:
            out.append(" x ".join(_piece_label(part, q, lang) for part in term.split(":")))
    return tuple(out)


# --------------------------------------------------------------------------- the model


def glm(survey: Any, formula: str, family: str = "gaussian", *, outcome_level: Any = None,
        maxit: int = 25, epsilon: float = 1e-8, lang: str = "en") -> ModelResult:
    """Survey-weighted regression with design-based standard errors, like R's ``svyglm``.

    Parameters
    ----------
    survey : Survey
        Domains are respected (the model is fitted in the domain, variances use
        the whole design).
    formula : str
        ``"y ~ x1 + x2 + C(region)"`` (patsy syntax; ``C(var)`` for categorical terms,
        treatment coding against the first level; ``C(var, Treatment("b"))`` for
        another reference). Rows missing any model variable are left out.
    family : {"gaussian", "binomial", "ordinal"}
        ``gaussian``: linear regression (identity link); ``binomial``: logistic
        regression (R's ``quasibinomial``: same estimates and design-based SEs);
        ``ordinal``: proportional-odds model for an ordered Categorical outcome,
        as R's ``svyolr`` (see :func:`trustsurvey.significance.olr.olr`).
    outcome_level : optional
        For ``binomial``: the value of the response modelled as 1 (the others are
        0). Default: a 0/1 or boolean response as is; a two-level text or
        Categorical response models its second level, as R does.
    maxit, epsilon
        IRLS iterations and convergence tolerance (R's ``glm.control``).
    lang : str
        Language of the term labels (with a questionnaire).

    Returns
    -------
    ModelResult
        ``.to_frame()``: ``term, estimate, se, ci_low, ci_high, statistic, df, p_value``
        (intervals on the residual df, as R's ``confint.svyglm``), and with a
        questionnaire a ``term_label`` after ``term`` (``Gender: Female``); ``.vcov``,
        ``.confint(level)``. Intercept and dummy names are patsy's (``Intercept``,
        ``C(stype)[T.H]``).

    Warns
    -----
    TrustSurveyWarning
        Perfect separation in a logistic model (naming the terms within whose
        levels the outcome is constant), no convergence, aliased terms dropped,
        no residual degrees of freedom left.

    Examples
    --------
    >>> import numpy as np, pandas as pd, trustsurvey as ts
    >>> rng = np.random.default_rng(3)
    >>> df = pd.DataFrame({"x": rng.normal(size=60), "psu": np.repeat(np.arange(20), 3)})
    >>> df["y"] = 1 + 2 * df["x"] + rng.normal(size=60)
    >>> m = ts.Survey(df, psu="psu").glm("y ~ x")
    >>> m.to_frame()["term"].tolist(), m.df
    (['Intercept', 'x'], 18.0)
    """
    if family not in FAMILIES:
        raise SignificanceError(f"family={family!r} is not known; choose one of {', '.join(FAMILIES)}")
    if family == "ordinal":
        from .olr import olr

        return olr(survey, formula, lang=lang)
    data, design, in_dom = parts(survey)
    frame = model_frame(formula, data, in_dom)
    y, level = _response(frame, family, outcome_level)
    rows = frame.rows
    w_raw = design.weights[rows]
    w = w_raw / w_raw.mean()
    X, names = _drop_aliased(frame.X, frame.names, w, formula)
    p = X.shape[1]
    fit = irls(X, y, w, family, maxit=maxit, epsilon=epsilon)
    if family == "binomial":
        _separation(X, y, names, fit, formula, frame.response)
    elif not fit.converged:
        warnings.warn(f"model {formula!r} did not converge in {maxit} iterations", TrustSurveyWarning,
                      stacklevel=3)
    used = np.zeros(design.n, dtype=bool)
    used[rows] = True
    df = float(design.domain_degf(used)) + 1.0 - p
    if not df > 0:
        warnings.warn(
            f"model {formula!r} has {p} coefficients but the design has only {df + p - 1:g} degrees of "
            "freedom among the respondents used: no residual degrees of freedom, so no tests "
            "(p-values NaN); use fewer terms", TrustSurveyWarning, stacklevel=3)
    if design.is_replicate:
        reps = np.empty((design.n_replicates, p))
        for r in range(design.n_replicates):
            wr = design.repweights[rows, r]
            reps[r] = irls(X, y, wr / wr.sum(), family, start=fit.coef, maxit=maxit, epsilon=epsilon).coef
        F = V.replicate_factor(design, fit.coef, reps)
    else:
        ww = fit.working_weights
        A = (X * ww[:, None]).T @ X
        Ainv = np.linalg.inv(A)
        resid = (y - fit.mu) / _Family(family).mu_eta(fit.eta)
        score = X * (resid * ww)[:, None]
        z = np.zeros((design.n, p))
        z[rows] = score @ Ainv
        F = V.taylor_factor_from_units(design, z)
    vcov = F.T @ F
    return ModelResult(formula=formula, family=family, terms=tuple(names), coef=fit.coef, vcov_matrix=vcov,
                       df=df, n=int(rows.size), converged=fit.converged, iterations=fit.iterations,
                       n_slopes=p, extra={"outcome_level": level, "deviance": fit.deviance},
                       term_labels=term_labels(survey, names, lang=lang))
