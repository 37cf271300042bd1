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

from typing import Sequence

import numpy as np
import pandas as pd

from ._engine import BatchResult, batch_estimates, prepare_columns
from .design import Design
from .errors import EstimationError
from .estimate import Estimate
from .inference import CI_METHODS, flat_inputs, likelihood_inputs, proportion_interval, t_interval
from .tidy import grid_frame
from .vocabulary import ESTIMATE_COLUMNS

__all__ = ["Estimate", "mean", "total", "proportion", "ratio", "quantile", "batch_estimates",
           "group_codes", "variable_matrix", "BatchResult"]



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
                    categorical: Sequence[str] = ()) -> tuple[np.ndarray, list[tuple[str, str]]]:
    """Numeric matrix of the variables, one column per numeric variable or per level.

    Parameters
    ----------
    levels : bool or None
        True: every variable is split into its levels (indicator columns);
        None: only non-numeric (text, categorical) variables are, and those named
        in ``categorical`` (numeric codes of categories, e.g. from a questionnaire).
    categorical : sequence of str
        Variables to split into their levels when ``levels`` is None.

    Returns
    -------
    values : ndarray, shape (n, K)
        Values with NaN where the answer is missing.
    meta : list of (variable, level)
        ``level`` is ``""`` for numeric columns.
    """
    _check_columns(data, list(variables), "variable(s)")
    variables = list(variables)
    split = [bool(levels) or (levels is None and (_is_categorical(data[v]) or v in categorical)) for v in variables]
    numeric = list(dict.fromkeys(v for v, sp_ in zip(variables, split) if not sp_))
    num_block = {}
    if numeric:
        frame = data[numeric]
        bad_cols = [v for v in numeric if not (pd.api.types.is_numeric_dtype(frame[v])
                                                or pd.api.types.is_bool_dtype(frame[v]))]
        if bad_cols:
            frame = frame.copy()
            for v in bad_cols:
                conv = pd.to_numeric(frame[v], errors="coerce")
                bad = conv.isna() & frame[v].notna()
                if bad.any():
                    row = int(np.flatnonzero(bad.to_numpy())[0]) + 1
                    raise EstimationError(
                        f"variable {v!r} is not numeric (row {row}: {frame[v].iloc[row - 1]!r}); "
                        "use proportion() for categorical variables")
                frame[v] = conv
        arr = frame.to_numpy(dtype=float, na_value=np.nan)
        num_block = {v: arr[:, j] for j, v in enumerate(numeric)}
    cols, meta = [], []
    for name, is_split in zip(variables, split):
        if not is_split:
            cols.append(num_block[name])
            meta.append((name, ""))
            continue
        col = data[name]
        miss = col.isna().to_numpy()
        levs = _levels(col)
        if not levs:
            raise EstimationError(f"variable {name!r} has no valid values")
        for lev in levs:
            ind = col.eq(lev).to_numpy(dtype=float, na_value=0.0)
            ind[miss] = np.nan
            cols.append(ind)
            meta.append((name, _level_text(lev)))
    if len(cols) == len(numeric) and numeric == variables:
        return arr, meta
    return np.column_stack(cols), meta


def _level_text(value) -> str:
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    return str(value)


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
            complete = complete & domain
        sub = frame[complete]
        if len(sub) == 0:
            raise EstimationError(f"no respondent has values for all of {list(by)} in this domain")
        codes = np.full(n, -1, dtype=np.int64)
        if len(by) == 1:
            c, uniq = pd.factorize(sub[by[0]], sort=True)
            groups = pd.DataFrame({by[0]: np.asarray(uniq)})
        else:
            c, uniq = pd.factorize(pd.MultiIndex.from_frame(sub), sort=True)
            groups = pd.DataFrame(list(uniq), columns=list(by))
        codes[complete] = c
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


# --------------------------------------------------------------------------- public estimators


def _frame(by, groups, meta, res: BatchResult, df: float, lo, hi) -> pd.DataFrame:
    columns = pd.DataFrame({"variable": [m[0] for m in meta], "level": [m[1] for m in meta]})
    return grid_frame(groups if by else None, columns, {
        "estimate": res.theta, "se": res.se, "ci_low": lo, "ci_high": hi, "df": df, "deff": res.deff,
        "n_unweighted": res.n_unweighted.astype(np.int64), "n_weighted": res.n_weighted},
        order=list(by) + ESTIMATE_COLUMNS)


#: memory the prepared columns of the last call may keep with a Survey for its next call (bytes);
#: beyond it they are prepared anew each call
CACHE_BYTES = 1_500_000_000


def _columns(data, variables, levels, denominator, cache, categorical=(), keep_values=False):
    """The columns' (variable, level) labels and the engine's prepared blocks, kept with the Survey.

    The prepared blocks (one ``n x k`` array of values with 0 where missing, and
    the sparse missing cells) are kept for the next call within
    :data:`CACHE_BYTES`, so repeated calls on the same items (one per demographic)
    prepare them once. ``values`` (NaN for missing) is returned only with
    ``keep_values`` (likelihood intervals need it); otherwise the preparation
    works in it.
    """
    key = ("columns", tuple(variables), levels, None if denominator is None else tuple(denominator),
           tuple(categorical))
    if cache is not None and key in cache:
        values, meta, den, prepared = cache[key]
        if keep_values and values is None:
            values = variable_matrix(data, variables, levels=levels, categorical=categorical)[0]
        return values, meta, den, prepared
    values, meta = variable_matrix(data, variables, levels=levels, categorical=categorical)
    den = None if denominator is None else variable_matrix(data, denominator, levels=False)[0]
    own = not keep_values and den is None
    prepared = prepare_columns(values, den, own=own)
    kept = None if own else values
    entry = (kept, meta, den, prepared)
    if cache is not None:
        for old in [k for k in cache if k[0] == "columns"]:
            del cache[old]  # keep one entry: the last variables asked for
        size = sum(p.nbytes for p in prepared) + (0 if kept is None else kept.nbytes)
        if size <= CACHE_BYTES:
            cache[key] = entry
    return (values if keep_values else kept), meta, den, prepared


_GROUPINGS_KEPT = 16


def _groups(data, by, domain, cache):
    """:func:`group_codes`, kept with the Survey for the next call (the last few groupings)."""
    key = ("groups", tuple(by))
    if cache is not None and key in cache:
        return cache[key]
    out = group_codes(data, by, domain)
    if cache is not None:
        kept = [k for k in cache if k[0] == "groups"]
        for old in kept[:max(0, len(kept) - _GROUPINGS_KEPT + 1)]:
            del cache[old]
        cache[key] = out
    return out


def _linear(kind: str, design: Design, data: pd.DataFrame, variables, by, domain, *,
            levels, total=False, ci_method="t", conf_level=0.95, denominator=None, cache=None,
            categorical=()) -> Estimate:
    by = _as_list(by)
    variables = _as_list(variables)
    if not variables:
        raise EstimationError("name at least one variable")
    values, meta, den, prepared = _columns(data, variables, levels, denominator, cache, categorical,
                                           keep_values=ci_method == "likelihood")
    codes, groups = _groups(data, by, domain, cache)
    G = len(groups)
    res = batch_estimates(design, values, codes, G, denominator=den, total=total, prepared=prepared)
    # every group's interval on its own domain's degrees of freedom, as R's confint on the subset design
    df = np.broadcast_to(design.group_degf(codes, G)[:, None], res.theta.shape)
    inputs: dict = {}
    if ci_method == "t":
        lo, hi = t_interval(res.theta, res.se, df, conf_level)
    else:
        rows = np.broadcast_to(np.bincount(codes[codes >= 0], minlength=G)[:G, None].astype(float),
                               res.theta.shape)
        lik = likelihood_inputs(values, design.weights, codes, G) if ci_method == "likelihood" else None
        lo, hi = proportion_interval(res.theta, res.se, df, res.n_unweighted, ci_method, conf_level,
                                     likelihood=lik, rows=rows)
        inputs = {"rows": rows.reshape(-1), "likelihood": None if lik is None else flat_inputs(lik)}
    table = _frame(by, groups, meta, res, df, lo, hi)
    return Estimate(kind=kind, by=tuple(by), table=table, factor=res.factor, ci_method=ci_method,
                    conf_level=conf_level, interval_inputs=inputs)


def mean(design: Design, data: pd.DataFrame, variables, by=None, domain=None, *,
         conf_level: float = 0.95, cache: dict | None = None) -> Estimate:
    """Design-based means (R's ``svymean``/``svyby``); text and categorical variables give level shares.

    Each group's interval uses the t quantile on the group's own degrees of freedom
    (R's ``degf`` of the group's subset design, as ``confint`` on ``subset()``),
    which the ``df`` column reports.
    """
    return _linear("mean", design, data, variables, by, domain, levels=None, conf_level=conf_level, cache=cache)


def total(design: Design, data: pd.DataFrame, variables, by=None, domain=None, *,
          conf_level: float = 0.95, cache: dict | None = None, categorical: Sequence[str] = ()) -> Estimate:
    """Design-based totals (R's ``svytotal``); categorical variables give level totals (weighted counts).

    ``categorical`` names numeric variables whose values are category codes (from a
    questionnaire): their weighted count per category, as ``svytotal(~factor(x))``.
    """
    return _linear("total", design, data, variables, by, domain, levels=None, total=True, conf_level=conf_level,
                   cache=cache, categorical=categorical)


def proportion(design: Design, data: pd.DataFrame, variables, by=None, domain=None, *,
               ci_method: str = "logit", conf_level: float = 0.95, cache: dict | None = None) -> Estimate:
    """Share of every level of each variable, with intervals by ``ci_method`` (R's ``svyciprop``).

    Each group's interval is R's ``svyby(~I(x == level), ~by, design, svyciprop,
    method=ci_method)``: on the group's own degrees of freedom, ``beta`` with the
    group's rows (answered or not) in its ``t(n - 1)`` correction, ``likelihood``
    from the group's respondent-level sums.
    """
    if ci_method not in CI_METHODS:
        raise EstimationError(f"ci_method={ci_method!r} is not known; choose one of {', '.join(CI_METHODS)}")
    return _linear("proportion", design, data, variables, by, domain, levels=True,
                   ci_method=ci_method, conf_level=conf_level, cache=cache)


def ratio(design: Design, data: pd.DataFrame, numerator, denominator, by=None, domain=None, *,
          conf_level: float = 0.95) -> Estimate:
    """Ratio of two totals, ``sum(w y) / sum(w x)`` (R's ``svyratio``); pairs numerators and denominators."""
    num = _as_list(numerator)
    den = _as_list(denominator)
    if len(den) == 1 and len(num) > 1:
        den = den * len(num)
    if len(num) != len(den):
        raise EstimationError(f"ratio needs one denominator per numerator ({len(num)} vs {len(den)})")
    est = _linear("ratio", design, data, num, by, domain, levels=False, denominator=den, conf_level=conf_level)
    t = est.table
    t["variable"] = [f"{a}/{b}" for a, b in zip(num, den)] * (len(t) // len(num))
    return est


# --------------------------------------------------------------------------- quantiles


def quantile(design: Design, data: pd.DataFrame, variables, probs=(0.25, 0.5, 0.75), by=None,
             domain=None, *, qrule: str = "math", interval_type: str = "mean",
             conf_level: float = 0.95) -> Estimate:
    """Quantiles with their intervals, as R's ``svyquantile`` (every ``qrule`` and ``interval.type``).

    See :mod:`trustsurvey.quantiles`: ``qrule`` is one of ``math`` (default),
    ``school``, ``shahvaish``, ``hf1`` .. ``hf9``; ``interval_type`` one of ``mean``
    (Woodruff, default), ``beta``, ``xlogit``, ``asin``, ``score`` (linearisation
    designs) or ``quantile`` (replicate designs). The standard error is the
    interval's width divided by ``2 t(df)``, as R reports it. Degrees of freedom are
    those of each group's domain (R computes quantiles on the subset design).
    """
    from .quantiles import quantile as _quantile

    by = _as_list(by)
    variables = _as_list(variables)
    values, meta = variable_matrix(data, variables, levels=False)
    codes, groups = group_codes(data, by, domain)
    return _quantile(design, data, values, [m[0] for m in meta], probs, codes, groups, by, qrule=qrule,
                     interval_type=interval_type, conf_level=conf_level)
