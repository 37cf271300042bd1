"""Quantiles of a complex sample, as R's ``svyquantile`` (survey 4.1): every ``qrule`` and ``interval.type``.

**Rules** (``qrule``), each a way of reading a quantile off the weighted
empirical distribution function, with the names R gives them:

- ``math`` (``hf1``): the smallest value whose cumulative weight share reaches ``p``;
- ``school`` (``hf2``): the same, averaging the two values where the share equals ``p`` exactly;
- ``hf3``: the nearest value by weight, ties to the even one (on the distinct values);
- ``hf4`` .. ``hf9``: the continuous rules of Hyndman and Fan (1996), linear
  interpolation between the values at the plotting positions of each;
- ``shahvaish``: Shah and Vaish's (2006) plotting positions, a step function.

Rows with zero weight are left out. As R does: when ``p`` is below the weight
share of the smallest value, the ``math`` family reads the second value (R's
``qs()`` starts from the first position); ties in plotting positions are averaged.

**Intervals** (``interval_type``):

- ``mean``, ``beta``, ``xlogit``, ``asin`` (Woodruff): an interval for the share of
  the population at or below the estimated quantile, by that method (as
  :func:`~trustsurvey.inference.proportion_interval`), read back through the rule;
  an end outside [0, 1] is undefined (NaN), as in R;
- ``score`` (linearisation designs): Francisco and Fuller's test inversion: the
  values where the design-based score test of ``share(x > q) = 1 - p`` reaches the
  t quantile, found by Brent's root finder with R's tolerance, then read through
  the rule at the unweighted share of values below them (as R does);
- ``quantile`` (replicate designs): the rule applied to every replicate's weights,
  and a symmetric interval from the replicates' variance.

On replicate designs R's ``svyquantile`` (4.1) does not pass ``interval.type`` on
to the Woodruff interval, so R gives the ``mean`` interval for ``beta``,
``xlogit`` and ``asin`` alike; trustsurvey computes the interval asked for.

The standard error is the interval's width over ``2 t(df)``, as R reports it;
degrees of freedom are those of the respondents with a value in each group's
domain (R's ``degf`` after ``na.rm``).
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

from . import _variance as V
from ._engine import batch_estimates
from .design import Design
from .distributions import beta_ppf, t_ppf
from .errors import EstimationError
from .estimate import Estimate
from .inference import t_critical
from .vocabulary import ESTIMATE_COLUMNS

__all__ = ["QRULES", "INTERVAL_TYPES", "weighted_quantile", "quantile"]

#: R's ``qrule`` names (``hyndman1`` .. ``hyndman9`` are accepted for ``hf1`` .. ``hf9``).
QRULES = ("math", "school", "shahvaish") + tuple(f"hf{i}" for i in range(1, 10))
#: R's ``interval.type`` values (``score``: linearisation designs; ``quantile``: replicate designs).
INTERVAL_TYPES = ("mean", "beta", "xlogit", "asin", "score", "quantile")


def _rule_name(qrule: str) -> str:
    name = str(qrule).lower()
    if name.startswith("hyndman"):
        name = "hf" + name[len("hyndman"):]
    if name not in QRULES:
        raise EstimationError(f"qrule={qrule!r} is not known; choose one of {', '.join(QRULES)}")
    return name


def _cumsum(w: np.ndarray) -> np.ndarray:
    """Cumulative sums accumulated in extended precision and rounded, as R's ``cumsum``."""
    return np.cumsum(w.astype(np.longdouble)).astype(float)


def _regularised(pk: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Positions sorted, with the values of tied positions averaged (R's ``approx`` ``ties=mean``)."""
    order = np.argsort(pk, kind="stable")
    pk, x = pk[order], x[order]
    uniq, start = np.unique(pk, return_index=True)
    if uniq.size == pk.size:
        return pk, x
    sums = np.add.reduceat(x, start)
    counts = np.diff(np.append(start, pk.size))
    return uniq, sums / counts


def _step_left(pk, x, p):
    """R's ``approx(pk, x, p, method="constant", f=0, rule=2)``."""
    pk, x = _regularised(pk, x)
    idx = np.searchsorted(pk, p, side="right") - 1
    return x[np.clip(idx, 0, x.size - 1)]


def _linear(pk, x, p):
    """R's ``approx(pk, x, p, rule=2)`` (linear, ends held)."""
    pk, x = _regularised(pk, x)
    return np.interp(p, pk, x)


def weighted_quantile(x, w, probs, qrule: str = "math") -> np.ndarray:
    """Weighted quantiles of ``x`` by R's ``svyquantile`` rules (no interval).

    Parameters
    ----------
    x, w : array-like
        Values and sampling weights (rows with zero weight are left out).
    probs : float or array-like
        Probabilities in [0, 1].
    qrule : str
        One of :data:`QRULES`.

    Returns
    -------
    ndarray
        One quantile per probability (NaN for a probability that is NaN).

    Examples
    --------
    >>> x, w = np.array([1.0, 2, 3, 4]), np.ones(4)
    >>> weighted_quantile(x, w, [0.5, 0.6], "math").tolist(), weighted_quantile(x, w, 0.5, "school").tolist()
    ([2.0, 3.0], [2.5])
    >>> weighted_quantile(x, w, 0.5, "hf7").tolist()
    [2.5]
    """
    rule = _rule_name(qrule)
    x = np.asarray(x, dtype=float)
    w = np.asarray(w, dtype=float)
    keep = w != 0
    x, w = x[keep], w[keep]
    p = np.atleast_1d(np.asarray(probs, dtype=float))
    out = np.full(p.shape, np.nan)
    ok = ~np.isnan(p)
    if x.size == 0 or not ok.any():
        return out
    order = np.argsort(x, kind="stable")
    x, w = x[order], w[order]
    if rule == "hf3":  # on the distinct values, their weights summed
        x, start = np.unique(x, return_index=True)
        w = np.add.reduceat(w, start)
    out[ok] = _rule(rule, x, w, p[ok])
    return out


def _rule(rule: str, x: np.ndarray, w: np.ndarray, p: np.ndarray) -> np.ndarray:
    n = x.size
    cw = _cumsum(w)
    total = cw[-1]
    if rule in ("math", "hf1", "school", "hf2", "hf3", "hf4"):
        # R's qs(): the last position whose cumulative weight is at most p * total (or the first)
        pos = np.searchsorted(cw, p * total, side="right") - 1
        pos = np.where(pos < 0, 0, pos)
        nxt = np.minimum(pos + 1, n - 1)
        qlow, qup = x[pos], x[nxt]
        wlow = p - cw[pos] / total
        wup = cw[nxt] / total - p
        if rule in ("math", "hf1"):
            return np.where(wlow == 0, qlow, qup)
        if rule in ("school", "hf2"):
            return np.where(wlow == 0, (qlow + qup) / 2, qup)
        if rule == "hf3":
            return np.where((wlow == 0) & ((pos + 1) % 2 == 0), qlow, qup)
        with np.errstate(divide="ignore", invalid="ignore"):
            gamma = wlow / (wup + wlow)
        return qlow * (1 - gamma) + qup * gamma
    if rule == "shahvaish":
        wbar = w / np.mean(w)
        pk = (_cumsum(wbar) + 0.5 - w / 2) / (n + 1)  # R's formula, with w (not wbar) / 2
        return _step_left(pk, x, p)
    previous = np.concatenate([[0.0], cw[:-1]])
    if rule == "hf5":
        pk = (cw - w / 2) / cw[-1]
    elif rule == "hf6":
        pk = cw / (cw[-1] + w[-1])
    elif rule == "hf7":
        if n < 2:
            return np.full(p.shape, x[0])
        pk = previous / cw[-2]
    elif rule == "hf8":
        pk = (previous * 1 / 3 + cw * 2 / 3) / (cw[-1] + w[-1] / 3)
    else:  # hf9
        pk = (previous * 3 / 8 + cw * 5 / 8) / (cw[-1] + w[-1] / 4)
    return _linear(pk, x, p)


# --------------------------------------------------------------------------- intervals


def _share_interval(p, se, df, rows, method: str, conf_level: float):
    """R's ``woodruffCI`` interval of the share below the quantile (no clipping: NaN outside [0, 1])."""
    alpha = 1 - conf_level
    q = t_critical(conf_level, df)
    with np.errstate(divide="ignore", invalid="ignore"):
        if method == "mean":
            return p - q * se, p + q * se
        if method == "xlogit":
            eta, s = np.log(p / (1 - p)), se / (p * (1 - p))
            return 1 / (1 + np.exp(-(eta - q * s))), 1 / (1 + np.exp(-(eta + q * s)))
        if method == "asin":
            eta, s = np.arcsin(np.sqrt(p)), se / (2 * np.sqrt(p * (1 - p)))
            return np.sin(eta - q * s) ** 2, np.sin(eta + q * s) ** 2
        n_eff = p * (1 - p) / se**2 * (t_ppf(alpha / 2, rows - 1) / t_ppf(alpha / 2, df)) ** 2
        return (beta_ppf(alpha / 2, n_eff * p, n_eff * (1 - p) + 1),
                beta_ppf(1 - alpha / 2, n_eff * p + 1, n_eff * (1 - p)))


def zeroin(f, lower: float, upper: float, f_lower: float, f_upper: float, tol: float,
           maxiter: int = 1000) -> float:
    """Brent's root finder (1973), step for step as netlib's ``zeroin`` (which R's ``uniroot`` runs).

    The function must change sign between ``lower`` and ``upper``. Matching R's
    iterations matters where ``f`` is a step function (a score test on data): the
    root returned is then a point near a jump, on the side R's iterations end on.

    >>> round(zeroin(lambda x: x * x - 2, 0.0, 2.0, -2.0, 2.0, 1e-10), 8)
    1.41421356
    """
    eps = np.finfo(float).eps
    a, b, fa, fb = lower, upper, f_lower, f_upper
    c, fc = a, fa
    if fa == 0:
        return a
    if fb == 0:
        return b
    for _ in range(maxiter + 1):
        prev_step = b - a
        if abs(fc) < abs(fb):
            a, b, c = b, c, b
            fa, fb, fc = fb, fc, fb
        tol_act = 2 * eps * abs(b) + tol / 2
        new_step = (c - b) / 2
        if abs(new_step) <= tol_act or fb == 0:
            return b
        if abs(prev_step) >= tol_act and abs(fa) > abs(fb):
            cb = c - b
            if a == c:  # linear interpolation
                t1 = fb / fa
                p = cb * t1
                q = 1.0 - t1
            else:  # inverse quadratic interpolation
                q = fa / fc
                t1 = fb / fc
                t2 = fb / fa
                p = t2 * (cb * q * (q - t1) - (b - a) * (t1 - 1.0))
                q = (q - 1.0) * (t1 - 1.0) * (t2 - 1.0)
            if p > 0:
                q = -q
            else:
                p = -p
            if p < (0.75 * cb * q - abs(tol_act * q) / 2) and p < abs(prev_step * q / 2):
                new_step = p / q
        if abs(new_step) < tol_act:
            new_step = tol_act if new_step > 0 else -tol_act
        a, fa = b, fb
        b += new_step
        fb = f(b)
        if (fb > 0 and fc > 0) or (fb < 0 and fc < 0):
            c, fc = a, fa
    return b


def _score_interval(design, x, ok, dom_codes, p, df, conf_level, qrule, xs, ws):
    """Francisco and Fuller's interval (R's ``ffullerCI``) for one quantile."""
    q = float(t_critical(conf_level, df))
    w = np.where(ok, design.weights, 0.0)
    total_w = w.sum()
    xv = np.nan_to_num(x)
    present = ok if V.needs_presence(design) else None

    def z(theta: float) -> float:
        """The score statistic: (share above theta - (1 - p)) over its linearised standard error."""
        above = (xv > theta) & ok
        share = w[above].sum() / total_w
        infl = np.where(ok, w * (above - share) / total_w, 0.0)[:, None]
        se = np.sqrt(V.variance_diag(V.taylor_factor_from_units(design, infl, present))[0])
        return float((share - (1 - p)) / se)

    q25, q75 = np.percentile(xs, [25, 75])  # R's IQR (type 7)
    lower, upper = xs.min() + (q75 - q25) / 100, xs.max() - (q75 - q25) / 100
    tol = 1 / (100 * np.sqrt(xs.size))
    ends = []
    for limit in (q, -q):  # R: qcrit(alpha/2, lower.tail=FALSE) for the lower end, then TRUE
        f_lo, f_hi = z(lower) - limit, z(upper) - limit
        if not (np.isfinite(f_lo) and np.isfinite(f_hi)) or f_lo * f_hi > 0:
            ends.append(np.nan)  # R: uniroot stops ("values at end points not of opposite sign")
            continue
        root = zeroin(lambda t: z(t) - limit, lower, upper, f_lo, f_hi, tol)
        ends.append(float(weighted_quantile(xs, ws, np.mean(xs <= root), qrule)[0]))
    return ends[0], ends[1]


def _replicate_interval(design, x, ok, xs_rows, p, qhat, df, conf_level, qrule):
    """R's ``repCI``: the rule on every replicate's weights; a symmetric interval from their variance."""
    reps = np.array([weighted_quantile(x[xs_rows], design.repweights[xs_rows, r], p, qrule)[0]
                     for r in range(design.n_replicates)])
    F = V.replicate_factor(design, np.array([qhat]), reps[:, None])
    half = float(t_critical(conf_level, df)) * np.sqrt(V.variance_diag(F)[0])
    return qhat - half, qhat + half


# --------------------------------------------------------------------------- the estimator


def quantile(design: Design, data: pd.DataFrame, values: np.ndarray, names: Sequence[str], probs,
             codes: np.ndarray, groups: pd.DataFrame, by: Sequence[str], *, qrule: str = "math",
             interval_type: str = "mean", conf_level: float = 0.95) -> Estimate:
    """Quantiles of every column of ``values`` in every group (see the module docstring).

    ``values`` (``n x K``, NaN missing) are the variables ``names``; ``codes`` the
    group of each row (``-1``: none) and ``groups`` the table of groups.
    """
    rule = _rule_name(qrule)
    if interval_type not in INTERVAL_TYPES:
        raise EstimationError(f"interval_type={interval_type!r} is not known; choose one of "
                              f"{', '.join(INTERVAL_TYPES)}")
    if interval_type == "score" and design.is_replicate:
        raise EstimationError("interval_type='score' is for linearisation designs (R offers it for those only); "
                              "use 'quantile' (or mean, beta, xlogit, asin) with replicate weights")
    if interval_type == "quantile" and not design.is_replicate:
        raise EstimationError("interval_type='quantile' needs replicate weights (to_replicate() or "
                              "replicate_weights=); use mean, beta, xlogit, asin or score")
    probs = [float(p) for p in np.atleast_1d(probs)]
    if any(not 0 <= p <= 1 for p in probs):
        raise EstimationError(f"quantile probabilities must lie in [0, 1], got {probs}")
    w = design.weights
    G = len(groups)
    rows = []
    for g in range(G):
        in_g = codes == g
        for k, name in enumerate(names):
            x = values[:, k]
            ok = in_g & ~np.isnan(x)
            df = float(design.domain_degf(ok))
            n_ok = int(ok.sum())
            if not ok.any():
                rows.extend((g, name, p, np.nan, np.nan, np.nan, np.nan, df, 0, 0.0) for p in probs)
                continue
            xs, ws = x[ok], w[ok]
            qhats = weighted_quantile(xs, ws, probs, rule)
            los, his = _intervals(design, x, ok, xs, ws, probs, qhats, df, conf_level, rule, interval_type)
            crit = float(t_critical(conf_level, df))
            for j, p in enumerate(probs):
                rows.append((g, name, p, qhats[j], (his[j] - los[j]) / (2 * crit), los[j], his[j], df, n_ok,
                             float(ws.sum())))
    cols = ["g", "variable", "p", "estimate", "se", "ci_low", "ci_high", "df", "n_unweighted", "n_weighted"]
    raw = pd.DataFrame(rows, columns=cols)
    out = groups.loc[raw["g"]].reset_index(drop=True) if by else pd.DataFrame(index=range(len(raw)))
    out["variable"] = raw["variable"].to_numpy()
    out["level"] = [f"{p:g}" for p in raw["p"]]
    for c in ["estimate", "se", "ci_low", "ci_high", "df"]:
        out[c] = raw[c].to_numpy(dtype=float)
    out["deff"] = np.nan
    out["n_unweighted"] = raw["n_unweighted"].to_numpy(dtype=np.int64)
    out["n_weighted"] = raw["n_weighted"].to_numpy(dtype=float)
    method = "replicates" if interval_type == "quantile" else (
        "francisco-fuller" if interval_type == "score" else f"woodruff-{interval_type}")
    return Estimate(kind="quantile", by=tuple(by), table=out[list(by) + ESTIMATE_COLUMNS], factor=None,
                    ci_method=method, conf_level=conf_level)


def _intervals(design, x, ok, xs, ws, probs, qhats, df, conf_level, rule, interval_type):
    dom_codes = np.where(ok, 0, -1)
    if interval_type == "score":
        ends = [_score_interval(design, x, ok, dom_codes, p, df, conf_level, rule, xs, ws) for p in probs]
        return [e[0] for e in ends], [e[1] for e in ends]
    if interval_type == "quantile":
        rows = np.flatnonzero(ok)
        ends = [_replicate_interval(design, x, ok, rows, p, q, df, conf_level, rule) for p, q in zip(probs, qhats)]
        return [e[0] for e in ends], [e[1] for e in ends]
    ind = np.column_stack([np.where(ok, (np.nan_to_num(x) <= q).astype(float), np.nan) for q in qhats])
    res = batch_estimates(design, ind, dom_codes, 1, deff=False)
    plo, phi = _share_interval(res.theta[0], res.se[0], df, float(ok.sum()), interval_type, conf_level)
    lo = [np.nan if not (pl >= 0) else float(weighted_quantile(xs, ws, pl, rule)[0]) for pl in plo]
    hi = [np.nan if not (ph <= 1) else float(weighted_quantile(xs, ws, ph, rule)[0]) for ph in phi]
    return lo, hi
