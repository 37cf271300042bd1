"""The Fay-Herriot area-level model, as R's ``sae::eblupFH`` and ``sae::mseFH``.

The model (Fay and Herriot 1979) for areas ``d = 1..m``::

    direct_d = theta_d + e_d,   e_d ~ N(0, vardir_d)   (sampling error, variance known)
    theta_d  = x_d' beta + u_d, u_d ~ N(0, A)           (area effect, A = refvar)

The EBLUP of ``theta_d`` is ``gamma_d direct_d + (1 - gamma_d) x_d' beta`` with
shrinkage ``gamma_d = A / (A + vardir_d)``: areas with precise direct estimates
keep them, noisy ones borrow strength from the regression.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import EstimationError, TrustSurveyWarning
from ._fit import METHODS, analytic_mse, bootstrap, fit_batch
from ._formula import design_matrix, parse_formula

__all__ = ["fay_herriot", "FayHerriotResult", "COEF_COLUMNS", "AREA_COLUMNS", "MSE_METHODS"]

#: Columns of :attr:`FayHerriotResult.coef`.
COEF_COLUMNS = ["term", "estimate", "se", "statistic", "p_value", "ci_low", "ci_high"]
#: Columns of :meth:`FayHerriotResult.to_frame` (after the area column, if any).
AREA_COLUMNS = ["direct", "vardir", "eblup", "mse", "gamma", "cv", "synthetic", "std_residual"]
#: How the MSE is estimated.
MSE_METHODS = ("analytic", "bootstrap")
_MSE_NAMES = {"REML": "prasad-rao", "ML": "datta-lahiri", "FH": "datta-lahiri"}


@dataclass(frozen=True, eq=False)
class FayHerriotResult:
    """A fitted Fay-Herriot model (frozen).

    Attributes
    ----------
    method : str
        ``REML``, ``ML`` or ``FH``.
    formula : str
    refvar : float
        Estimated variance of the area effects (``A``; 0 when the estimate was negative).
    terms : tuple of str
        Names of the model matrix columns (``Intercept``, ``x``, ``C(g)[T.b]``).
    beta, vcov : ndarray
        Regression coefficients and their covariance ``(X' V^-1 X)^-1``.
    direct, vardir, eblup, synthetic, mse : ndarray
        Per area, in input order.
    mse_method : str
        ``prasad-rao`` (REML), ``datta-lahiri`` (ML, FH) or ``bootstrap``.
    iterations : int
        Fisher-scoring steps.
    loglik, aic, bic : float
        As sae's ``goodness`` (AIC and BIC count ``p + 1`` parameters).
    area : str or None
        Name of the area column; ``areas`` holds its values.
    level : float
        Confidence level of the coefficient intervals.
    bootstrap_replicates : int
        Replicates used for a bootstrap MSE (0 for the analytic MSE).
    """

    method: str
    formula: str
    refvar: float
    terms: tuple
    beta: np.ndarray
    vcov: np.ndarray
    direct: np.ndarray
    vardir: np.ndarray
    eblup: np.ndarray
    synthetic: np.ndarray
    mse: np.ndarray
    mse_method: str
    iterations: int
    loglik: float
    aic: float
    bic: float
    area: str | None = None
    areas: np.ndarray | None = None
    level: float = 0.95
    bootstrap_replicates: int = 0

    @property
    def gamma(self) -> np.ndarray:
        """Shrinkage factors ``A / (A + vardir)``: the weight of the direct estimate in the EBLUP."""
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(self.refvar + self.vardir > 0, self.refvar / (self.refvar + self.vardir), 1.0)

    @property
    def std_residual(self) -> np.ndarray:
        """Standardised residuals ``(direct - x' beta) / sqrt(A + vardir)`` (about N(0, 1) if the model holds)."""
        with np.errstate(divide="ignore", invalid="ignore"):
            return (self.direct - self.synthetic) / np.sqrt(self.refvar + self.vardir)

    @property
    def coef(self) -> pd.DataFrame:
        """Coefficient table: ``term, estimate, se, statistic, p_value, ci_low, ci_high``.

        z statistics and normal p-values and intervals, as sae reports them.
        """
        from ..inference import t_interval, t_test

        se = np.sqrt(np.diag(self.vcov))
        stat, p = t_test(self.beta, se, np.inf)
        lo, hi = t_interval(self.beta, se, np.inf, self.level)
        return pd.DataFrame({"term": list(self.terms), "estimate": self.beta, "se": se, "statistic": stat,
                             "p_value": p, "ci_low": lo, "ci_high": hi}, columns=COEF_COLUMNS)

    def to_frame(self) -> pd.DataFrame:
        """One row per area, in input order.

        Returns
        -------
        pandas.DataFrame
            ``[<area>,] direct, vardir, eblup, mse, gamma, cv, synthetic,
            std_residual``: the direct estimate and its sampling variance, the
            EBLUP and its MSE, the shrinkage factor, the coefficient of
            variation ``sqrt(mse) / |eblup|``, the regression-synthetic
            estimate ``x' beta`` and the standardised residual.
        """
        with np.errstate(divide="ignore", invalid="ignore"):
            cv = np.sqrt(self.mse) / np.abs(self.eblup)
        out = pd.DataFrame({"direct": self.direct, "vardir": self.vardir, "eblup": self.eblup, "mse": self.mse,
                            "gamma": self.gamma, "cv": cv, "synthetic": self.synthetic,
                            "std_residual": self.std_residual}, columns=AREA_COLUMNS)
        if self.area is not None:
            out.insert(0, self.area, self.areas)
        return out

    def __repr__(self) -> str:
        return (f"<FayHerriotResult {self.method}: {self.formula}; {len(self.direct)} areas, "
                f"refvar={self.refvar:.6g}, {self.iterations} iterations>")


def _check_choice(value, choices, name):
    if value not in choices:
        raise EstimationError(f"{name}={value!r} is not known; choose one of {', '.join(map(repr, choices))}")


def fay_herriot(data: pd.DataFrame, formula: str, vardir: str, method: str = "REML", *,
                area: str | None = None, mse: str = "analytic", B: int = 200, seed: int | None = None,
                level: float = 0.95, maxiter: int = 100, precision: float = 1e-4) -> FayHerriotResult:
    """Fit the Fay-Herriot area-level model, as R's ``sae::eblupFH`` and ``sae::mseFH``.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per area: the direct estimate, its sampling variance and the
        covariates. Not modified.
    formula : str
        ``"direct ~ x1 + x2 + C(group)"``: response, numeric covariates,
        ``C()`` for categorical ones (treatment-coded against the first level);
        ``- 1`` drops the intercept. Parsed, never evaluated.
    vardir : str
        Column of the sampling variances of the direct estimates (known, as the
        model assumes; zero is allowed, negative is not).
    method : {"REML", "ML", "FH"}
        Estimator of the area-effect variance: restricted or full maximum
        likelihood, or Fay and Herriot's moment estimator. All use sae's
        Fisher scoring (start at the median of ``vardir``; stop when the
        relative change is at most ``precision``) and truncate a negative
        estimate at zero, as sae does: all EBLUPs are then synthetic.
    area : str, optional
        Column of area ids, copied into :meth:`~FayHerriotResult.to_frame`.
    mse : {"analytic", "bootstrap"}
        ``analytic``: sae's ``mseFH`` (Prasad-Rao for REML, Datta-Lahiri for ML
        and FH). ``bootstrap``: a parametric bootstrap with ``B`` replicates
        (see :func:`trustsurvey.smallarea._fit.bootstrap`), reproducible with ``seed``.
    level : float
        Confidence level of the coefficient intervals (normal, as sae's z tests).
    maxiter, precision : int, float
        sae's ``MAXITER`` and ``PRECISION``.

    Returns
    -------
    FayHerriotResult
        ``.refvar``, ``.coef`` (``term, estimate, se, statistic, p_value, ci_low,
        ci_high``) and ``.to_frame()`` (``direct, vardir, eblup, mse, gamma, cv,
        synthetic, std_residual`` per area in input order).

    Raises
    ------
    EstimationError
        A column is missing or has missing values, a variance is negative, the
        covariates are collinear, there are no more areas than coefficients, or
        the iteration did not converge.

    Examples
    --------
    Six areas, a direct estimate and its sampling variance each, one covariate:

    >>> import pandas as pd, trustsurvey as ts
    >>> areas = pd.DataFrame({"area": list("abcdef"), "y": [0.62, 0.74, 0.51, 0.83, 0.40, 0.66],
    ...                       "var": [0.002, 0.004, 0.003, 0.005, 0.006, 0.002],
    ...                       "urban": [0.8, 0.3, 0.6, 0.1, 0.9, 0.5]})
    >>> fh = ts.fay_herriot(areas, "y ~ urban", vardir="var", area="area")
    >>> round(fh.refvar, 5), fh.iterations
    (0.00378, 5)
    >>> fh.coef[["term", "estimate", "se"]].round(3)
            term  estimate     se
    0  Intercept     0.861  0.081
    1      urban    -0.428  0.135
    >>> fh.to_frame()[["area", "direct", "eblup", "gamma"]].round(3).head(2)
      area  direct  eblup  gamma
    0    a    0.62  0.585  0.654
    1    b    0.74  0.736  0.486
    """
    _check_choice(method, METHODS, "method")
    _check_choice(mse, MSE_METHODS, "mse")
    if not isinstance(data, pd.DataFrame):
        raise EstimationError(f"data must be a pandas DataFrame with one row per area, not {type(data).__name__}")
    if not isinstance(vardir, str):
        raise EstimationError("vardir must be the name of the column of sampling variances")
    f = parse_formula(formula)
    if f.response not in data.columns:
        raise EstimationError(f"response {f.response!r} of formula {formula!r} is not a column of the data; "
                              f"available: {', '.join(map(str, list(data.columns)[:40]))}")
    for col, what in ((vardir, "vardir"), (area, "area")):
        if col is not None and col not in data.columns:
            raise EstimationError(f"{what}={col!r} is not a column of the data; "
                                  f"available: {', '.join(map(str, list(data.columns)[:40]))}")
    y = _numeric(data, f.response, "response")
    psi = _numeric(data, vardir, "vardir")
    if (psi < 0).any():
        rows = [str(x) for x in data.index[psi < 0][:10]]
        raise EstimationError(f"vardir column {vardir!r} has negative variances (rows {', '.join(rows)}); "
                              "sampling variances must be zero or positive")
    X, names = design_matrix(f, data)
    return _fit_model(y, X, psi, names, method, formula=formula, area=area,
                      areas=None if area is None else data[area].to_numpy(), mse=mse, B=B, seed=seed,
                      level=level, maxiter=maxiter, precision=precision)


def _numeric(data: pd.DataFrame, col: str, what: str) -> np.ndarray:
    values = data[col]
    if not (pd.api.types.is_numeric_dtype(values.dtype) or pd.api.types.is_bool_dtype(values.dtype)):
        raise EstimationError(f"{what} column {col!r} is not numeric")
    arr = values.to_numpy(dtype=float, na_value=np.nan)
    if not np.isfinite(arr).all():
        rows = [str(x) for x in data.index[~np.isfinite(arr)][:10]]
        raise EstimationError(f"{what} column {col!r} has missing or infinite values (rows {', '.join(rows)}); "
                              "every area needs one")
    return arr


def check_design(X: np.ndarray, names, m: int) -> None:
    """Errors for too few areas or collinear covariates."""
    p = X.shape[1]
    if m <= p:
        raise EstimationError(f"the model has {p} coefficients ({', '.join(names)}) but only {m} areas; "
                              "use fewer covariates")
    if np.linalg.matrix_rank(X) < p:
        raise EstimationError(f"the covariates are collinear ({', '.join(names)}): some column is a "
                              "combination of others (a constant column beside the intercept, or a category "
                              "that is the sum of others); drop one")


def _fit_model(y, X, psi, names, method, *, formula, area, areas, mse, B, seed, level, maxiter,
               precision) -> FayHerriotResult:
    """Fit and MSE on arrays (the public function and :func:`small_area` both come here)."""
    m = len(y)
    check_design(X, names, m)
    fit = fit_batch(y[None, :], X, psi, method, maxiter=maxiter, precision=precision)
    if not fit.converged[0]:
        where = (" (its path went below -min(vardir), where the model's covariance is not positive definite: "
                 "the covariates may explain all between-area variation)") if fit.left_space[0] else ""
        raise EstimationError(f"the {method} estimate of the area-effect variance did not converge in {maxiter} "
                              f"iterations{where}; sae reports convergence = FALSE here. Try method='FH', "
                              "fewer covariates, or more iterations (maxiter=)")
    if fit.left_space[0] and fit.refvar[0] > 0:
        import warnings

        warnings.warn(f"the {method} iteration passed through area-effect variances below -min(vardir) (sae's "
                      "carries on, and so did this fit) before it converged: the estimate may depend on that "
                      "path; compare with method='FH' or 'ML'", TrustSurveyWarning, stacklevel=3)
    A = float(fit.refvar[0])
    Q = fit.Q[0]
    beta = fit.beta[0]
    if mse == "analytic":
        mse_values = analytic_mse(X, psi, A, Q, method)
        mse_name, used = _MSE_NAMES[method], 0
    else:
        if int(B) < 2:
            raise EstimationError(f"B={B!r}: a bootstrap needs at least 2 replicates (200 or more is usual)")
        boot = bootstrap(X, psi, A, beta, method, int(B), np.random.default_rng(seed), maxiter=maxiter,
                         precision=precision)
        mse_values, failed = boot.mse, boot.failed
        warn_failed(failed, B)
        mse_name, used = "bootstrap", int(B) - failed
    p = X.shape[1]
    loglik = float(fit.loglik[0])
    return FayHerriotResult(
        method=method, formula=formula, refvar=A, terms=tuple(names), beta=beta, vcov=Q, direct=y, vardir=psi,
        eblup=fit.eblup[0], synthetic=fit.synthetic[0], mse=mse_values, mse_method=mse_name,
        iterations=int(fit.iterations[0]), loglik=loglik, aic=-2 * loglik + 2 * (p + 1),
        bic=-2 * loglik + (p + 1) * np.log(m), area=area, areas=areas, level=level, bootstrap_replicates=used)


def warn_failed(failed: int, B: int) -> None:
    """Warn that some bootstrap replicates did not converge."""
    if failed:
        import warnings

        warnings.warn(f"{failed} of {B} bootstrap fits did not converge and were left out",
                      TrustSurveyWarning, stacklevel=4)
