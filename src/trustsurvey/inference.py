"""One inference core: (estimate, se, df) -> statistic, p-value, confidence interval.

Every test and interval in trustsurvey goes through these helpers, so that
degrees of freedom, alternatives and levels mean the same everywhere.
``df=inf`` (or ``None``) uses the normal distribution.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .distributions import beta_ppf, norm_cdf, norm_isf, norm_ppf, t_cdf, t_isf, t_ppf, t_sf
from .errors import EstimationError

__all__ = ["t_critical", "t_interval", "t_test", "ALTERNATIVES", "proportion_interval", "CI_METHODS",
           "LikelihoodInputs", "likelihood_inputs", "flat_inputs"]

ALTERNATIVES = ("two-sided", "less", "greater")
CI_METHODS = ("logit", "beta", "xlogit", "mean", "asin", "wilson", "likelihood")


def _df(df) -> np.ndarray:
    d = np.asarray(np.inf if df is None else df, dtype=float)
    return np.where(d > 0, d, np.nan)


def t_critical(level: float, df) -> np.ndarray:
    """Two-sided critical value of the t distribution (normal when ``df`` is infinite).

    >>> round(float(t_critical(0.95, np.inf)), 4)
    1.96
    """
    if not 0 < level < 1:
        raise EstimationError(f"confidence level must be between 0 and 1, got {level!r}")
    return t_ppf(0.5 + level / 2, _df(df))


def t_interval(estimate, se, df, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Symmetric interval ``estimate +/- t(df) * se``.

    >>> lo, hi = t_interval(10.0, 1.0, np.inf)
    >>> round(float(lo), 3), round(float(hi), 3)
    (8.04, 11.96)
    """
    q = t_critical(level, df)
    est = np.asarray(estimate, float)
    half = q * np.asarray(se, float)
    return est - half, est + half


def t_test(estimate, se, df, null: float = 0.0, alternative: str = "two-sided"):
    """t statistic and p-value of ``estimate`` against ``null``.

    Parameters
    ----------
    alternative : {"two-sided", "less", "greater"}
        As scipy spells it.

    Returns
    -------
    statistic, p_value : ndarray

    >>> t, p = t_test(2.0, 1.0, np.inf)
    >>> round(float(t), 2), round(float(p), 4)
    (2.0, 0.0455)
    """
    if alternative not in ALTERNATIVES:
        raise EstimationError(f"alternative={alternative!r} is not known; choose one of {', '.join(ALTERNATIVES)}")
    with np.errstate(divide="ignore", invalid="ignore"):
        t = (np.asarray(estimate, float) - null) / np.asarray(se, float)
    d = _df(df)
    if alternative == "two-sided":
        p = 2 * t_sf(np.abs(t), d)
    elif alternative == "greater":
        p = t_sf(t, d)
    else:
        p = t_cdf(t, d)
    return t, p


def proportion_interval(p, se, df, n, method: str = "logit", level: float = 0.95, *,
                        likelihood: "LikelihoodInputs | None" = None, rows=None):
    """Confidence interval of a proportion estimated from a complex sample.

    The methods reproduce R's ``svyciprop``: ``logit`` and ``xlogit`` (interval
    on the logit scale, back-transformed), ``mean`` (Wald, ``p +/- t se``), ``asin``
    (arcsine square-root scale), ``beta`` (Korn-Graubard: a Clopper-Pearson interval
    on the effective sample size ``p(1-p)/var``, corrected by
    ``(t(n-1)/t(df))^2``), ``likelihood`` (a profile-likelihood interval of the
    binomial likelihood scaled by the design effect, see below); ``wilson`` (not in
    R) is the Wilson score interval on the effective sample size with the t
    quantile. Where the estimate is 0 or 1 (no variance), every method falls back to
    the Clopper-Pearson interval on the unweighted count ``n``, as Stata does.

    ``likelihood`` follows R's ``confint.svyglm(method="likelihood")`` on the model
    ``y ~ 1``: the binomial deviance (sampling weights rescaled to mean one) is
    profiled over the logit of the share, and the interval's ends are where its
    signed root reaches ``t(df) * sqrt(lambda)``, ``lambda`` being the ratio of the
    design-based to the model-based variance of the logit (a design effect). As R
    does, the profile is evaluated on a grid of at most nine steps each side of the
    estimate, interpolated by a cubic spline (Forsythe, Malcolm and Moler's end
    conditions) and inverted linearly; with ``likelihood=`` (from
    :func:`likelihood_inputs`) the numbers equal R's to about 1e-8, including R's
    weight rescaling when some respondents of the base did not answer and the
    model-based variance from R's IRLS iterations. Without it the rescaled weights
    are taken to average one over the respondents (no missing answers) and the
    model-based variance is taken at the estimate; the interval then differs from
    R's by up to about 1e-3 relative when many respondents of the base did not
    answer. Where R's nine profile steps stop short of the cutoff (R returns NA),
    the profile is continued until it reaches it; where it never does (it levels off
    beyond a logit of 30, with a handful of respondents in the base), the interval
    extends to 0 or 1.

    Parameters
    ----------
    p, se : array-like
        Estimates and standard errors.
    df : array-like or float
        Design degrees of freedom (of each domain, for domain estimates).
    n : array-like
        Unweighted number of respondents with an answer in the base (``likelihood``
        without ``likelihood=``, and the Clopper-Pearson fallback).
    method : {"logit", "beta", "xlogit", "mean", "asin", "wilson", "likelihood"}
    level : float
    likelihood : LikelihoodInputs, optional
        Respondent-level sums for ``likelihood`` (ignored by the other methods).
    rows : array-like, optional
        ``beta`` only: the rows of the domain, answered or not (R's
        ``nrow(design)`` in the ``t(n - 1)`` correction); default ``n``.

    Returns
    -------
    ci_low, ci_high : ndarray

    Examples
    --------
    >>> lo, hi = proportion_interval(0.5, 0.05, np.inf, 100, "mean")
    >>> round(float(lo), 3), round(float(hi), 3)
    (0.402, 0.598)
    >>> lo, hi = proportion_interval(0.2, 0.04, 30, 100, "likelihood")
    >>> round(float(lo), 3), round(float(hi), 3)
    (0.127, 0.29)
    """
    if method not in CI_METHODS:
        raise EstimationError(f"ci_method={method!r} is not known; choose one of {', '.join(CI_METHODS)}")
    p = np.asarray(p, float)
    se = np.asarray(se, float)
    n = np.asarray(n, float)
    alpha = 1 - level
    q = t_critical(level, df)
    with np.errstate(divide="ignore", invalid="ignore"):
        if method in ("logit", "xlogit"):
            eta = np.log(p / (1 - p))
            s = se / (p * (1 - p))
            lo, hi = 1 / (1 + np.exp(-(eta - q * s))), 1 / (1 + np.exp(-(eta + q * s)))
        elif method == "mean":
            lo, hi = p - q * se, p + q * se
        elif method == "asin":
            eta = np.arcsin(np.sqrt(p))
            s = se / (2 * np.sqrt(p * (1 - p)))
            lo = np.sin(np.clip(eta - q * s, 0, np.pi / 2)) ** 2
            hi = np.sin(np.clip(eta + q * s, 0, np.pi / 2)) ** 2
        elif method == "beta":
            n_eff = p * (1 - p) / se**2
            n_rows = n if rows is None else np.asarray(rows, float)
            n_eff = n_eff * (t_ppf(alpha / 2, n_rows - 1) / t_ppf(alpha / 2, _df(df))) ** 2
            lo = beta_ppf(alpha / 2, n_eff * p, n_eff * (1 - p) + 1)
            hi = beta_ppf(1 - alpha / 2, n_eff * p + 1, n_eff * (1 - p))
        elif method == "likelihood":
            lo, hi = _likelihood_interval(p, se, df, n, level, likelihood)
        else:  # wilson
            n_eff = p * (1 - p) / se**2
            z2 = q**2
            centre = (p + z2 / (2 * n_eff)) / (1 + z2 / n_eff)
            half = q * np.sqrt(p * (1 - p) / n_eff + z2 / (4 * n_eff**2)) / (1 + z2 / n_eff)
            lo, hi = centre - half, centre + half
        edge = ((p <= 0) | (p >= 1) | (se <= 0)) & (n > 0)
        if np.any(edge):
            x = p * n
            cp_lo = np.where(x > 0, beta_ppf(alpha / 2, x, n - x + 1), 0.0)
            cp_hi = np.where(x < n, beta_ppf(1 - alpha / 2, x + 1, n - x), 1.0)
            lo = np.where(edge, cp_lo, lo)
            hi = np.where(edge, cp_hi, hi)
    return np.asarray(lo, float), np.asarray(hi, float)


# --------------------------------------------------------------------------- the likelihood interval


@dataclass(frozen=True, eq=False)
class LikelihoodInputs:
    """Respondent-level sums behind R's ``svyciprop(method="likelihood")``, one per base.

    R fits ``svyglm(y ~ 1, family=quasibinomial)`` on the domain's design: the
    sampling weights are rescaled to mean one over the domain's rows (answered or
    not), the model is fitted by IRLS from ``glm``'s starting values, and the
    model-based variance of the logit comes from the last IRLS iteration. Build
    one with :func:`likelihood_inputs`; every array has the shape of the estimates.

    Attributes
    ----------
    n : ndarray
        Respondents with an answer (rows of R's model frame).
    sum_weights : ndarray
        Sum of the rescaled weights over them (``n`` without missing answers).
    share : ndarray
        Weighted share of the outcome among them.
    start_information, start_score, start_deviance : ndarray
        Sums over them at ``glm``'s starting values ``m = (w y + 1/2) / (w + 1)``:
        ``w m (1 - m)``, ``w (m (1 - m) logit(m) + y - m)`` and the binomial deviance.
    """

    n: np.ndarray
    sum_weights: np.ndarray
    share: np.ndarray
    start_information: np.ndarray
    start_score: np.ndarray
    start_deviance: np.ndarray


def likelihood_inputs(y, weights, codes=None, n_groups: int | None = None) -> LikelihoodInputs:
    """The sums :func:`proportion_interval` needs to reproduce R's likelihood interval digit for digit.

    Parameters
    ----------
    y : array-like, shape (n,) or (n, K)
        The outcome indicator (0/1) of every row, NaN where the respondent did not
        answer; several columns (levels, items) at once.
    weights : array-like, shape (n,)
        Sampling weights.
    codes : array-like of int, shape (n,), optional
        The base (domain, group) of each row, ``0 .. n_groups - 1``; ``-1``: in
        none. Default: every row in one base.
    n_groups : int, optional
        Number of bases (default ``codes.max() + 1``).

    Returns
    -------
    LikelihoodInputs
        Arrays of shape ``(n_groups,)`` for a 1-D ``y``, ``(n_groups, K)`` otherwise.

    Examples
    --------
    >>> y = np.array([1.0, 0, 1, np.nan, 1, 0])
    >>> inp = likelihood_inputs(y, np.array([1.0, 2, 1, 2, 1, 1]))
    >>> inp.n.tolist(), inp.share.round(4).tolist()
    ([5.0], [0.5])
    """
    y = np.asarray(y, dtype=float)
    one_d = y.ndim == 1
    Y = y.reshape(y.shape[0], -1)
    w = np.asarray(weights, dtype=float)
    codes = np.zeros(Y.shape[0], dtype=np.int64) if codes is None else np.asarray(codes, dtype=np.int64)
    G = int(codes.max()) + 1 if n_groups is None else int(n_groups)
    inset = codes >= 0
    rows_per = np.bincount(codes[inset], minlength=G).astype(float)
    weight_per = np.bincount(codes[inset], weights=w[inset], minlength=G)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean_w = weight_per / rows_per
        wr = np.where(inset, w / mean_w[np.where(inset, codes, 0)], 0.0)[:, None]  # rescaled weights
        valid = ~np.isnan(Y) & inset[:, None]
        yv = np.where(valid, Y, 0.0)
        m = (wr * yv + 0.5) / (wr + 1)
        dev = 2 * wr * (_xlogy(yv, yv / m) + _xlogy(1 - yv, (1 - yv) / (1 - m)))
        parts = {
            "n": valid.astype(float),
            "sum_weights": np.where(valid, wr, 0.0),
            "wy": np.where(valid, wr * yv, 0.0),
            "start_information": np.where(valid, wr * m * (1 - m), 0.0),
            "start_score": np.where(valid, wr * (m * (1 - m) * np.log(m / (1 - m)) + yv - m), 0.0),
            "start_deviance": np.where(valid, dev, 0.0),
        }
    target = np.where(inset, codes, G)
    sums = {k: np.stack([np.bincount(target, weights=v[:, j], minlength=G + 1)[:G] for j in range(v.shape[1])],
                        axis=1) for k, v in parts.items()}
    with np.errstate(divide="ignore", invalid="ignore"):
        share = sums.pop("wy") / sums["sum_weights"]
    out = {k: (v[:, 0] if one_d else v) for k, v in {**sums, "share": share}.items()}
    return LikelihoodInputs(**out)


def flat_inputs(inputs: LikelihoodInputs) -> LikelihoodInputs:
    """The same sums with every array flattened (row-major), to go with a tidy table's rows."""
    return LikelihoodInputs(**{k: np.asarray(getattr(inputs, k)).reshape(-1)
                               for k in LikelihoodInputs.__dataclass_fields__})


def _xlogy(x, y):
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(x > 0, x * np.log(y), 0.0)


def _expit(b):
    return 1 / (1 + np.exp(-b))


_EPS = np.finfo(float).eps


def _logit_linkinv(eta):
    """R's binomial ``linkinv``: beyond |eta| = 30 the odds are held at eps or 1/eps."""
    with np.errstate(over="ignore"):
        odds = np.where(eta < -30, _EPS, np.where(eta > 30, 1 / _EPS, np.exp(np.clip(eta, -30, 30))))
    return odds / (1 + odds)


def _irls_intercept(inp: LikelihoodInputs, maxit: int = 25, epsilon: float = 1e-8):
    """R's ``glm.fit`` for ``y ~ 1`` (binomial, logit) from the start sums: the logit, the
    model-based variance of the last iteration, and the deviance, for every base at once."""
    S, p = inp.sum_weights, inp.share
    with np.errstate(divide="ignore", invalid="ignore"):
        b = inp.start_score / inp.start_information
        naive = 1 / inp.start_information
        devold = inp.start_deviance
        active = np.isfinite(b)
        dev = np.full_like(b, np.nan)
        for _ in range(maxit):
            mu = _expit(b)
            dev = np.where(active, -2 * S * (_xlogy(p, mu) + _xlogy(1 - p, 1 - mu)), dev)
            done = np.abs(dev - devold) / (np.abs(dev) + 0.1) < epsilon
            active = active & ~done
            if not active.any():
                break
            devold = np.where(active, dev, devold)
            naive = np.where(active, 1 / (S * mu * (1 - mu)), naive)
            b = np.where(active, b + (p - mu) / (mu * (1 - mu)), b)
    return b, naive, dev


def _fmm_spline(x: np.ndarray, y: np.ndarray, xout: np.ndarray) -> np.ndarray:
    """The interpolating cubic spline with Forsythe, Malcolm and Moler's end conditions, at ``xout``.

    The third derivative at each end equals that of the cubic through the four
    points nearest to it (with three points: the parabola through them). This is
    the spline R's ``spline(method="fmm")`` evaluates.
    """
    k = x.size
    h = np.diff(x)
    if k == 2:
        return y[0] + (y[1] - y[0]) / h[0] * (xout - x[0])
    slope = np.diff(y) / h
    A = np.zeros((k, k))
    rhs = np.zeros(k)
    i = np.arange(1, k - 1)
    A[i, i - 1], A[i, i], A[i, i + 1] = h[:-1], 2 * (h[:-1] + h[1:]), h[1:]
    rhs[i] = 6 * (slope[1:] - slope[:-1])
    A[0, :2] = (-1.0, 1.0)  # M_2 - M_1 = h_1 * (third derivative at the left end)
    A[-1, -2:] = (-1.0, 1.0)
    if k > 3:
        rhs[0] = 6 * h[0] * _third_divided_difference(x[:4], y[:4])
        rhs[-1] = 6 * h[-1] * _third_divided_difference(x[-4:], y[-4:])
    M = np.linalg.solve(A, rhs)  # second derivatives at the knots
    j = np.clip(np.searchsorted(x, xout, side="right") - 1, 0, k - 2)
    x0, x1, hh = x[j], x[j + 1], h[j]
    return ((M[j] * (x1 - xout) ** 3 + M[j + 1] * (xout - x0) ** 3) / (6 * hh)
            + (y[j] / hh - M[j] * hh / 6) * (x1 - xout) + (y[j + 1] / hh - M[j + 1] * hh / 6) * (xout - x0))


def _third_divided_difference(x, y) -> float:
    d = np.asarray(y, float)
    for order in range(1, 4):
        d = (d[1:] - d[:-1]) / (x[order:] - x[:-order])
    return float(d[0])


def _likelihood_interval(p, se, df, n, level, inputs: "LikelihoodInputs | None"):
    """Profile-likelihood interval of every share (R's ``confint.svyglm(method="likelihood")``)."""
    p, se, n, dfs = np.broadcast_arrays(p, se, n, _df(df))
    shape = p.shape

    def fit(a):
        a = np.asarray(a, float)
        return a.reshape(shape) if a.size == p.size else np.broadcast_to(a, shape)

    if inputs is None:  # rescaled weights average one over the respondents; variance at the estimate
        S, share, m_obs = n.astype(float), p, n.astype(float)
        with np.errstate(divide="ignore", invalid="ignore"):
            b0, naive = np.log(p / (1 - p)), 1 / (n * p * (1 - p))
    else:
        S, share, m_obs = fit(inputs.sum_weights), fit(inputs.share), fit(inputs.n)
        b0, naive, _ = (fit(a) for a in _irls_intercept(inputs))
    lo = np.full(shape, np.nan)
    hi = np.full(shape, np.nan)
    for idx in np.ndindex(shape):
        lo[idx], hi[idx] = _profile_one(float(share[idx]), float(se[idx]), float(dfs[idx]), float(m_obs[idx]),
                                        float(S[idx]), float(b0[idx]), float(naive[idx]), level)
    return lo, hi


def _profile_one(p, se, df, n, S, b0, naive, level):
    if not (0 < p < 1 and se > 0 and n > 1 and np.isfinite(b0) and df > 0):
        return np.nan, np.nan
    mu0 = _expit(b0)
    se_b = se / (p * (1 - p))  # design-based standard error of the logit
    lam = se_b**2 / naive
    phi = (S / n) * n / (n - 1) * p * (1 - p) / (mu0 * (1 - mu0))  # R's dispersion: svyvar of Pearson residuals
    alpha = norm_cdf(t_ppf((1 - level) / 2, df) * np.sqrt(lam)) / 2
    cut = np.array([norm_ppf(2 * alpha), norm_isf(2 * alpha)])
    zmax = t_isf(alpha / 2, n - 1)  # sqrt of the F(1, n - 1) quantile, accurate in the far tail
    ends = _profile_ends(p, S, b0, phi, zmax / 5 * se_b, zmax, 10, cut)
    step_size = zmax / 5 * se_b
    while np.isnan(ends).any() and step_size < 60:  # R's nine steps stop short of the cutoff (R: NA):
        step_size *= 2                              # longer steps until they reach it (or |logit| > 60)
        ends = _profile_ends(p, S, b0, phi, step_size, 1.01 * np.abs(cut).max(), 10, cut)
    # a profile that never reaches the cutoff (it levels off where R's logit link saturates, |logit| > 30)
    # leaves the interval open to that boundary
    ends = np.where(np.isnan(ends), [-np.inf, np.inf], ends)
    lo, hi = _expit(ends)
    return float(lo), float(hi)


def _profile_ends(p, S, b0, phi, step_size, zlimit, maxsteps, cut):
    """R's ``profile.glm`` grid (steps of ``step_size`` each side until ``|z| >= zlimit``), spline, inversion."""

    def deviance(b):
        mu = _logit_linkinv(b)
        return -2 * S * (_xlogy(p, mu) + _xlogy(1 - p, 1 - mu))

    dev0 = deviance(b0)
    bs, zs = [b0], [0.0]
    for sign in (-1.0, 1.0):
        z, step = 0.0, 1
        while step < maxsteps and abs(z) < zlimit:
            b = b0 + sign * step * step_size
            z = sign * np.sqrt(max((deviance(b) - dev0) / phi, 0.0))
            bs.append(b)
            zs.append(z)
            step += 1
    order = np.argsort(bs, kind="stable")
    knots, values = np.asarray(bs)[order], np.asarray(zs)[order]
    grid = np.linspace(knots[0], knots[-1], 3 * knots.size)
    curve = _fmm_spline(knots, values, grid)
    by_z = np.argsort(curve, kind="stable")
    return np.interp(cut, curve[by_z], grid[by_z], left=np.nan, right=np.nan)
