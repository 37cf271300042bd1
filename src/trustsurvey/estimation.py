"""Design-based estimates: means, totals, proportions, ratios and quantiles, by groups and in domains.

All variables and all groups of a call are estimated in one vectorised pass:
the weighted sums are aggregated by (cluster x group) for every variable at
once with one sparse matrix product per stage, and the variance of every
estimate follows from those cluster totals (see :mod:`trustsurvey._variance`).
Nothing loops over groups re-scanning the data.

Every estimate is a ratio of two weighted totals (a total has denominator 1):
``theta = sum(w * a) / sum(w * b)`` over the respondents of a group with a valid
answer; its influence values are ``w * (a - theta * b) / sum(w * b)``. Missing
answers are dropped variable by variable (not listwise); a group or a domain is
a subpopulation whose variance uses the whole design, as R's ``svyby`` and
``subset`` do.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
import pandas as pd

from . import _variance as V
from .design import Design
from .errors import EstimationError
from .estimate import ESTIMATE_COLUMNS, Estimate
from .inference import CI_METHODS, proportion_interval, t_critical, t_interval

__all__ = ["Estimate", "mean", "total", "proportion", "ratio", "quantile", "batch_estimates",
           "group_codes", "variable_matrix", "BatchResult"]

_MAX_CELLS = 40_000_000  # entries of a unit-level influence block held at once


# --------------------------------------------------------------------------- inputs


def _as_list(x: str | Sequence[str] | None) -> list[str]:
    if x is None:
        return []
    if isinstance(x, str):
        return [x]
    return list(x)


def _check_columns(data: pd.DataFrame, names: list[str], role: str) -> None:
    missing = [c for c in names if c not in data.columns]
    if missing:
        raise EstimationError(
            f"{role} {missing} not in the data; available columns: "
            f"{', '.join(map(str, list(data.columns)[:40]))}")


def _is_categorical(col: pd.Series) -> bool:
    return not (pd.api.types.is_numeric_dtype(col) or pd.api.types.is_bool_dtype(col)) \
        or isinstance(col.dtype, pd.CategoricalDtype)


def _levels(col: pd.Series) -> list:
    if isinstance(col.dtype, pd.CategoricalDtype):
        return list(col.cat.categories)
    vals = pd.unique(col.dropna())
    try:
        return sorted(vals.tolist())
    except TypeError:
        return sorted(vals.tolist(), key=str)


def variable_matrix(data: pd.DataFrame, variables: Sequence[str], *, levels: bool | None = None,
                    ) -> tuple[np.ndarray, list[tuple[str, str]]]:
    """Numeric matrix of the variables, one column per numeric variable or per level.

    Parameters
    ----------
    levels : bool or None
        True: every variable is split into its levels (indicator columns);
        None: only non-numeric (text, categorical) variables are.

    Returns
    -------
    values : ndarray, shape (n, K)
        Values with NaN where the answer is missing.
    meta : list of (variable, level)
        ``level`` is ``""`` for numeric columns.
    """
    _check_columns(data, list(variables), "variable(s)")
    cols, meta = [], []
    for name in variables:
        col = data[name]
        if levels or (levels is None and _is_categorical(col)):
            miss = col.isna().to_numpy()
            levs = _levels(col)
            if not levs:
                raise EstimationError(f"variable {name!r} has no valid values")
            raw = col.to_numpy(dtype=object)
            for lev in levs:
                ind = (raw == lev).astype(float)
                ind[miss] = np.nan
                cols.append(ind)
                meta.append((name, str(lev)))
        else:
            vals = pd.to_numeric(col, errors="coerce")
            bad = vals.isna() & col.notna()
            if bad.any():
                row = int(np.flatnonzero(bad.to_numpy())[0]) + 1
                raise EstimationError(f"variable {name!r} is not numeric (row {row}: {col.iloc[row - 1]!r}); "
                                      "use proportion() for categorical variables")
            cols.append(vals.to_numpy(dtype=float, na_value=np.nan))
            meta.append((name, ""))
    return np.column_stack(cols), meta


def group_codes(data: pd.DataFrame, by: Sequence[str], domain: np.ndarray | None
                ) -> tuple[np.ndarray, pd.DataFrame]:
    """Integer group codes (``-1``: not in any group) and the table of groups.

    Groups are the combinations of the by-variables present in the data, sorted;
    rows with a missing by-value or outside the domain belong to no group.
    """
    n = len(data)
    if not by:
        codes = np.zeros(n, dtype=np.int64)
        groups = pd.DataFrame(index=[0])
    else:
        _check_columns(data, list(by), "by-variable(s)")
        frame = data[list(by)]
        complete = frame.notna().all(axis=1).to_numpy()
        for b in by:
            if frame[b].isna().all():
                raise EstimationError(f"by-variable {b!r} is missing for every respondent")
        if domain is not None:
            complete &= domain
        sub = frame[complete]
        if len(sub) == 0:
            raise EstimationError(f"no respondent has values for all of {list(by)} in this domain")
        mi = pd.MultiIndex.from_frame(sub)
        c, uniq = pd.factorize(mi, sort=True)
        codes = np.full(n, -1, dtype=np.int64)
        codes[complete] = c
        groups = pd.DataFrame(list(uniq), columns=list(by))
        for b in by:
            if isinstance(frame[b].dtype, pd.CategoricalDtype):
                groups[b] = pd.Categorical(groups[b], categories=frame[b].cat.categories,
                                           ordered=frame[b].cat.ordered)
            else:
                try:
                    groups[b] = groups[b].astype(frame[b].dtype)
                except (TypeError, ValueError):
                    pass
        return codes, groups
    if domain is not None:
        codes = np.where(domain, 0, -1).astype(np.int64)
    return codes, groups


# --------------------------------------------------------------------------- core


@dataclass(frozen=True, eq=False)
class BatchResult:
    """Estimates of K columns in G groups, flattened group-major (index ``g * K + k``)."""

    theta: np.ndarray  # (G, K)
    se: np.ndarray  # (G, K)
    factor: np.ndarray  # (m, G*K)
    n_unweighted: np.ndarray  # (G, K)
    n_weighted: np.ndarray  # (G, K)
    deff: np.ndarray  # (G, K)


def _sorted_groups(codes: np.ndarray, G: int) -> list[np.ndarray]:
    """Row indices of each group, from one sort (rows with code -1 are left out)."""
    order = np.argsort(codes, kind="stable")
    bounds = np.searchsorted(codes[order], np.arange(G + 1))
    return [order[bounds[g]:bounds[g + 1]] for g in range(G)]


def batch_estimates(design: Design, values: np.ndarray, codes: np.ndarray, G: int, *,
                    denominator: np.ndarray | None = None, total: bool = False,
                    deff: bool = True) -> BatchResult:
    """Ratio estimates ``sum(w a) / sum(w b)`` of every column in every group, with variances.

    Parameters
    ----------
    design : Design
    values : ndarray (n, K)
        Numerator variables ``a`` (NaN: missing).
    codes : ndarray (n,)
        Group of each row (``-1``: none), ``0 .. G-1``.
    denominator : ndarray (n, K), optional
        Denominator variables ``b`` (ratios); default 1 for valid rows (means).
    total : bool
        Estimate totals ``sum(w a)`` instead.
    """
    n, K = values.shape
    w = design.weights
    valid = ~np.isnan(values)
    if denominator is not None:
        valid &= ~np.isnan(denominator)
    valid &= (codes >= 0)[:, None]
    a = np.where(valid, values, 0.0)
    b = valid.astype(float) if denominator is None else np.where(valid, denominator, 0.0)
    wa = a * w[:, None]
    wb = b * w[:, None]
    N = V.aggregate(codes, G, wa)
    D = V.aggregate(codes, G, wb)
    n_unw = V.aggregate(codes, G, valid.astype(float))
    W = D if denominator is None else V.aggregate(codes, G, valid * w[:, None])
    with np.errstate(divide="ignore", invalid="ignore"):
        theta = N.copy() if total else N / D
        if design.is_replicate:
            factor = _replicate(design, a, b, valid, codes, G, theta, total)
        elif design.calibration:
            factor = _taylor_units(design, wa, wb, codes, G, theta, D, total)
        else:
            factor = _taylor_totals(design, wa, wb, codes, G, theta, D, total)
        var = V.variance_diag(factor).reshape(G, K)
        se = np.sqrt(var)
        dvals = np.full((G, K), np.nan)
        if deff and denominator is None:
            th_rows = theta[np.maximum(codes, 0)] if not total else (N / D)[np.maximum(codes, 0)]
            resid = np.where(valid, a - th_rows, 0.0)
            ss = V.aggregate(codes, G, resid**2 * w[:, None])
            s2 = ss / W * n_unw / (n_unw - 1)
            if total:
                vsrs = s2 * W**2 * (W - n_unw) / (W * n_unw)
            else:
                vsrs = s2 / n_unw * (W - n_unw) / W
            dvals = var / vsrs
    empty = n_unw == 0
    theta = np.where(empty, np.nan, theta)
    se = np.where(empty, np.nan, se)
    return BatchResult(theta=theta, se=se, factor=factor, n_unweighted=n_unw, n_weighted=W, deff=dvals)


def _taylor_totals(design, wa, wb, codes, G, theta, D, total):
    totals = []
    for st in design.stages:
        C = st.n_total_clusters
        idx = np.where(codes >= 0, st.clusters * G + codes, -1)
        SA = V.aggregate(idx, C * G, wa).reshape(C, G, -1)
        if total:
            T = SA
        else:
            SB = V.aggregate(idx, C * G, wb).reshape(C, G, -1)
            T = (SA - theta[None] * SB) / D[None]
        totals.append(np.nan_to_num(T.reshape(C, -1), nan=0.0, posinf=0.0, neginf=0.0))
    return V.taylor_factor_from_totals(design, totals)


def _taylor_units(design, wa, wb, codes, G, theta, D, total):
    n, K = wa.shape
    groups = _sorted_groups(codes, G)
    per_chunk = max(1, _MAX_CELLS // max(n * K, 1))
    parts = []
    for start in range(0, G, per_chunk):
        gs = range(start, min(G, start + per_chunk))
        z = np.zeros((n, len(gs) * K))
        for j, g in enumerate(gs):
            rows = groups[g]
            if total:
                block = wa[rows]
            else:
                block = (wa[rows] - theta[g][None] * wb[rows]) / D[g][None]
            z[rows, j * K:(j + 1) * K] = np.nan_to_num(block, nan=0.0, posinf=0.0, neginf=0.0)
        parts.append(V.taylor_factor_from_units(design, z))
    return np.hstack(parts) if len(parts) > 1 else parts[0]


def _replicate(design, a, b, valid, codes, G, theta, total):
    R = design.n_replicates
    K = a.shape[1]
    reps = np.full((R, G, K), np.nan)
    for g, rows in enumerate(_sorted_groups(codes, G)):
        if rows.size == 0:
            continue
        wr = design.repweights[rows]
        Nr = wr.T @ a[rows]
        if total:
            reps[:, g, :] = Nr
        else:
            Dr = wr.T @ b[rows]
            with np.errstate(divide="ignore", invalid="ignore"):
                reps[:, g, :] = Nr / Dr
    F = V.replicate_factor(design, theta.reshape(-1), reps.reshape(R, -1))
    return np.nan_to_num(F, nan=0.0)


# --------------------------------------------------------------------------- public estimators


def _df_for(design: Design, domain: np.ndarray | None) -> float:
    return float(design.domain_degf(domain))


def _frame(kind, by, groups, meta, res: BatchResult, df: float, lo, hi) -> pd.DataFrame:
    G, K = res.theta.shape
    out = groups.loc[np.repeat(np.arange(G), K)].reset_index(drop=True) if by else pd.DataFrame(index=range(G * K))
    out["variable"] = [m[0] for m in meta] * G
    out["level"] = [m[1] for m in meta] * G
    out["estimate"] = res.theta.reshape(-1)
    out["se"] = res.se.reshape(-1)
    out["ci_low"] = np.asarray(lo).reshape(-1)
    out["ci_high"] = np.asarray(hi).reshape(-1)
    out["df"] = df
    out["deff"] = res.deff.reshape(-1)
    out["n_unweighted"] = res.n_unweighted.reshape(-1).astype(np.int64)
    out["n_weighted"] = res.n_weighted.reshape(-1)
    return out[list(by) + ESTIMATE_COLUMNS]


def _linear(kind: str, design: Design, data: pd.DataFrame, variables, by, domain, *,
            levels, total=False, ci_method="t", level=0.95, denominator=None) -> Estimate:
    by = _as_list(by)
    variables = _as_list(variables)
    if not variables:
        raise EstimationError("name at least one variable")
    values, meta = variable_matrix(data, variables, levels=levels)
    codes, groups = group_codes(data, by, domain)
    G = len(groups)
    den = None
    if denominator is not None:
        den, _ = variable_matrix(data, denominator, levels=False)
    res = batch_estimates(design, values, codes, G, denominator=den, total=total)
    df = _df_for(design, domain)
    if ci_method == "t":
        lo, hi = t_interval(res.theta, res.se, df, level)
    else:
        lo, hi = proportion_interval(res.theta, res.se, df, res.n_unweighted, ci_method, level)
    table = _frame(kind, by, groups, meta, res, df, lo, hi)
    return Estimate(kind=kind, by=tuple(by), table=table, factor=res.factor, ci_method=ci_method,
                    level=level)


def mean(design: Design, data: pd.DataFrame, variables, by=None, domain=None, *,
         level: float = 0.95) -> Estimate:
    """Design-based means (R's ``svymean``/``svyby``); text and categorical variables give level shares."""
    return _linear("mean", design, data, variables, by, domain, levels=None, level=level)


def total(design: Design, data: pd.DataFrame, variables, by=None, domain=None, *,
          level: float = 0.95) -> Estimate:
    """Design-based totals (R's ``svytotal``); categorical variables give level totals."""
    return _linear("total", design, data, variables, by, domain, levels=None, total=True, level=level)


def proportion(design: Design, data: pd.DataFrame, variables, by=None, domain=None, *,
               ci_method: str = "logit", level: float = 0.95) -> Estimate:
    """Share of every level of each variable, with intervals by ``ci_method`` (R's ``svyciprop``)."""
    if ci_method not in CI_METHODS:
        raise EstimationError(f"ci_method={ci_method!r} is not known; choose one of {', '.join(CI_METHODS)}")
    return _linear("proportion", design, data, variables, by, domain, levels=True,
                   ci_method=ci_method, level=level)


def ratio(design: Design, data: pd.DataFrame, numerator, denominator, by=None, domain=None, *,
          level: float = 0.95) -> Estimate:
    """Ratio of two totals, ``sum(w y) / sum(w x)`` (R's ``svyratio``); pairs numerators and denominators."""
    num = _as_list(numerator)
    den = _as_list(denominator)
    if len(den) == 1 and len(num) > 1:
        den = den * len(num)
    if len(num) != len(den):
        raise EstimationError(f"ratio needs one denominator per numerator ({len(num)} vs {len(den)})")
    est = _linear("ratio", design, data, num, by, domain, levels=False, denominator=den, level=level)
    t = est.table
    t["variable"] = [f"{a}/{b}" for a, b in zip(num, den)] * (len(t) // len(num))
    return est


# --------------------------------------------------------------------------- quantiles


def _qrule_math(x: np.ndarray, w: np.ndarray, p: float) -> float:
    """Lower inverse of the weighted empirical distribution function (R's ``qrule="math"``)."""
    keep = w != 0
    x, w = x[keep], w[keep]
    order = np.argsort(x, kind="stable")
    x, cw = x[order], np.cumsum(w[order])
    total_w = cw[-1]
    below = np.flatnonzero(cw <= p * total_w)
    if below.size == 0:
        return float(x[0])
    pos = below[-1]
    if p - cw[pos] / total_w == 0:
        return float(x[pos])
    return float(x[min(pos + 1, x.size - 1)])


def quantile(design: Design, data: pd.DataFrame, variables, probs=(0.25, 0.5, 0.75), by=None,
             domain=None, *, level: float = 0.95) -> Estimate:
    """Quantiles with Woodruff intervals (R's ``svyquantile``, ``qrule="math"``, ``interval.type="mean"``).

    The interval for the ``p`` quantile inverts the interval of the estimated
    share below the quantile; the standard error is the interval's width divided
    by ``2 t(df)``, as R reports it. Degrees of freedom are those of each group's
    domain (R computes quantiles on the subset design).
    """
    by = _as_list(by)
    variables = _as_list(variables)
    probs = [float(p) for p in np.atleast_1d(probs)]
    if any(not 0 <= p <= 1 for p in probs):
        raise EstimationError(f"quantile probabilities must lie in [0, 1], got {probs}")
    values, meta = variable_matrix(data, variables, levels=False)
    codes, groups = group_codes(data, by, domain)
    G = len(groups)
    w = design.weights
    rows = []
    for g in range(G):
        in_g = codes == g
        for k, (name, _) in enumerate(meta):
            x = values[:, k]
            ok = in_g & ~np.isnan(x)
            dom = ok
            df = float(design.domain_degf(dom))
            q_crit = float(t_critical(level, df))
            if not ok.any():
                for p in probs:
                    rows.append((g, name, p, np.nan, np.nan, np.nan, np.nan, df, 0, 0.0))
                continue
            xs, ws = x[ok], w[ok]
            qhats = [_qrule_math(xs, ws, p) for p in probs]
            ind = np.column_stack([np.where(ok, (np.nan_to_num(x) <= q).astype(float), np.nan)
                                   for q in qhats])
            res = batch_estimates(design, ind, np.where(dom, 0, -1), 1, deff=False)
            plo, phi = t_interval(res.theta[0], res.se[0], df, level)
            for j, p in enumerate(probs):
                lo = _qrule_math(xs, ws, float(plo[j]))
                hi = _qrule_math(xs, ws, float(phi[j]))
                rows.append((g, name, p, qhats[j], (hi - lo) / (2 * q_crit), lo, hi, df,
                             int(ok.sum()), float(ws.sum())))
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
    return Estimate(kind="quantile", by=tuple(by), table=out[list(by) + ESTIMATE_COLUMNS], factor=None,
                    ci_method="woodruff", level=level)
