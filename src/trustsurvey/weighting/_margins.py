"""Population targets: parse them, match their categories to the data, apply the missing policy.

Every weighting method takes its targets in the same forms and goes through
:func:`prepare_margins`, so the checks and the messages are the same for all:

- a mapping ``{"stype": {"E": 4421, "H": 755, "M": 1018}}`` (one-way margin),
- a mapping keyed by a tuple of variables for a cross-classified margin,
  ``{("region", "gender"): {(1, 1): 120_000, (1, 2): 118_000, ...}}``,
- a :class:`pandas.Series` per variable (a ``MultiIndex`` for crossed margins),
- a :class:`pandas.DataFrame` per margin, as R's ``postStratify``/``rake`` take
  them: one column per variable plus a count (``Freq``, ``count``, ``total``,
  ``target``, ``n``) or share (``share``, ``proportion``) column; a list of such
  frames is also accepted,
- for calibration only, a number for a numeric variable (its population total).

Category keys are matched to data values by value, not by type: ``"1"``,
``1`` and ``1.0`` are the same category, so targets read from YAML match codes
stored as integers, floats or text.
"""

from __future__ import annotations

import math
import numbers
import warnings
from dataclasses import dataclass
from typing import Any, Hashable, Mapping, Sequence

import numpy as np
import pandas as pd

from ..errors import TrustSurveyWarning, WeightingError

__all__ = [
    "Margin",
    "NumericTotal",
    "PreparedTargets",
    "prepare_margins",
    "canonical",
    "apply_missing",
    "MISSING_POLICIES",
    "UNITS",
]

MISSING_POLICIES = ("error", "impute", "exclude")
UNITS = ("auto", "count", "share")
_COUNT_COLUMNS = ("Freq", "freq", "count", "counts", "total", "target", "targets", "n", "N", "population")
_SHARE_COLUMNS = ("share", "shares", "proportion", "prop", "percent_share")
_SHARE_TOL = 0.01  # shares may be rounded; they are renormalised to sum to 1
_TOTALS_RTOL = 1e-6


def canonical(value: Any) -> Hashable:
    """A category key that compares equal across int, float and numeric text.

    >>> canonical("1") == canonical(1) == canonical(1.0)
    True
    >>> canonical(" E "), canonical(2.5)
    ('E', 2.5)
    """
    if isinstance(value, (bool, np.bool_)):
        return int(value)
    if isinstance(value, numbers.Number):
        v = float(value)  # type: ignore[arg-type]
        if math.isfinite(v) and v.is_integer():
            return int(v)
        return v
    if isinstance(value, str):
        text = value.strip()
        try:
            v = float(text)
        except ValueError:
            return text
        if math.isfinite(v):
            return int(v) if v.is_integer() else v
        return text
    return value


def _label(key: tuple) -> str:
    return ":".join(str(k) for k in key)


@dataclass(frozen=True, eq=False)
class Margin:
    """One categorical margin matched to the data.

    Attributes
    ----------
    name : str
        The variables joined by ``":"`` (``"region:gender"`` for a crossed margin).
    variables : tuple of str
    levels : tuple of str
        Display labels of the categories, in target order.
    targets : ndarray
        Population counts of the categories.
    codes : ndarray of int
        The category of each row (``-1`` for rows left out of the weighting).
    """

    name: str
    variables: tuple[str, ...]
    levels: tuple[str, ...]
    targets: np.ndarray
    codes: np.ndarray
    is_share: bool = False

    @property
    def n_levels(self) -> int:
        return int(self.targets.shape[0])

    def totals(self, weights: np.ndarray) -> np.ndarray:
        """Weighted totals of the categories (``weights`` may be ``(n,)`` or ``(n, k)``)."""
        keep = self.codes >= 0
        if weights.ndim == 1:
            return np.bincount(self.codes[keep], weights=weights[keep], minlength=self.n_levels)
        out = np.empty((self.n_levels, weights.shape[1]))
        for j in range(weights.shape[1]):
            out[:, j] = np.bincount(self.codes[keep], weights=weights[keep, j], minlength=self.n_levels)
        return out


@dataclass(frozen=True, eq=False)
class NumericTotal:
    """A numeric calibration variable and its population total."""

    name: str
    values: np.ndarray
    target: float


@dataclass(frozen=True, eq=False)
class PreparedTargets:
    """Targets matched to the data, with the rows that take part in the weighting.

    ``active`` marks rows with a positive weight that are not excluded by the
    missing policy; ``n_excluded``/``n_imputed`` count rows the policy touched.
    """

    margins: tuple[Margin, ...]
    numeric: tuple[NumericTotal, ...]
    active: np.ndarray
    n_excluded: int
    n_imputed: int
    intercept: float | None = None


# --------------------------------------------------------------------------- parsing


def _value_column(frame: pd.DataFrame, where: str) -> tuple[str, bool]:
    for c in _COUNT_COLUMNS:
        if c in frame.columns:
            return c, False
    for c in _SHARE_COLUMNS:
        if c in frame.columns:
            return c, True
    numeric = [c for c in frame.columns if pd.api.types.is_float_dtype(frame[c])]
    if len(numeric) == 1 and frame.shape[1] >= 2:
        return str(numeric[0]), False
    raise WeightingError(
        f"{where}: a target table needs a column of counts named one of "
        f"{', '.join(_COUNT_COLUMNS[:5])} (or of shares: {', '.join(_SHARE_COLUMNS[:3])}); "
        f"it has columns {list(map(str, frame.columns))}")


def _from_frame(frame: pd.DataFrame, where: str) -> tuple[tuple[str, ...], dict, bool | None]:
    col, is_share = _value_column(frame, where)
    variables = tuple(str(c) for c in frame.columns if c != col)
    if not variables:
        raise WeightingError(f"{where}: the target table has no variable column besides {col!r}")
    values = pd.to_numeric(frame[col], errors="coerce").to_numpy(dtype=float)
    keys = list(zip(*(frame[v].tolist() for v in variables)))
    return variables, dict(zip(keys, values)), (True if is_share else None)


def _from_series(series: pd.Series, variables: tuple[str, ...]) -> dict:
    out = {}
    for key, value in series.items():
        out[key if isinstance(key, tuple) else (key,)] = value
    return out


def _normalise_input(targets: Any, allow_numeric: bool) -> list[tuple[tuple[str, ...], Any, bool | None]]:
    """Turn the accepted target forms into ``[(variables, {key_tuple: value} | number, share_hint)]``."""
    items: list[tuple[tuple[str, ...], Any, bool | None]] = []
    if isinstance(targets, pd.DataFrame):
        targets = [targets]
    if isinstance(targets, Mapping):
        for name, spec in targets.items():
            variables = tuple(name) if isinstance(name, tuple) else (str(name),)
            where = f"targets for {':'.join(variables)!r}"
            if isinstance(spec, pd.DataFrame):
                fvars, mapping, hint = _from_frame(spec, where)
                if set(fvars) != set(variables):
                    raise WeightingError(f"{where}: the table's variable columns {list(fvars)} do not "
                                         f"match the key {list(variables)}")
                order = [fvars.index(v) for v in variables]
                mapping = {tuple(k[i] for i in order): v for k, v in mapping.items()}
                items.append((variables, mapping, hint))
            elif isinstance(spec, pd.Series):
                items.append((variables, _from_series(spec, variables), None))
            elif isinstance(spec, Mapping):
                mapping = {}
                for key, value in spec.items():
                    key_t = tuple(key) if isinstance(key, tuple) else (key,)
                    if len(key_t) != len(variables):
                        raise WeightingError(
                            f"{where}: category {key!r} has {len(key_t)} value(s) but the margin crosses "
                            f"{len(variables)} variable(s) {list(variables)}; key crossed margins by tuples")
                    mapping[key_t] = value
                items.append((variables, mapping, None))
            elif isinstance(spec, numbers.Number) and not isinstance(spec, bool):
                if not allow_numeric:
                    raise WeightingError(
                        f"{where}: a single number is a numeric total, which only calibrate() accepts; "
                        "give the population count of every category, e.g. {'E': 4421, 'H': 755}")
                if len(variables) != 1:
                    raise WeightingError(f"{where}: a numeric total belongs to one variable")
                items.append((variables, float(spec), None))
            else:
                raise WeightingError(
                    f"{where}: expected a mapping of category -> count, a pandas Series or DataFrame"
                    + (" or a number" if allow_numeric else "") + f", not {type(spec).__name__}")
    elif isinstance(targets, Sequence) and not isinstance(targets, str):
        for i, frame in enumerate(targets):
            if not isinstance(frame, pd.DataFrame):
                raise WeightingError(f"targets[{i}]: a list of targets must hold DataFrames "
                                     f"(variable columns + Freq), not {type(frame).__name__}")
            variables, mapping, hint = _from_frame(frame, f"targets[{i}]")
            items.append((variables, mapping, hint))
    else:
        raise WeightingError(
            "targets must be a mapping {variable: {category: count}}, a DataFrame with a Freq column "
            f"or a list of such DataFrames, not {type(targets).__name__}")
    if not items:
        raise WeightingError("no targets given: name at least one variable and its population counts")
    names = [variables for variables, _, _ in items]
    dup = {v for v in names if names.count(v) > 1}
    if dup:
        raise WeightingError(f"margin {':'.join(sorted(dup)[0])!r} is given twice; give each margin once")
    return items


def _check_columns(data: pd.DataFrame, variables: Sequence[str]) -> None:
    for v in variables:
        if v not in data.columns:
            close = [c for c in data.columns if str(c).lower() == v.lower()]
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise WeightingError(
                f"weighting variable {v!r} is not in the data{hint}; "
                f"available columns: {', '.join(map(str, list(data.columns)[:40]))}")


# --------------------------------------------------------------------------- missing values


def _row_list(mask: np.ndarray, limit: int = 10) -> str:
    rows = (np.flatnonzero(mask) + 1)[:limit].tolist()
    more = "" if mask.sum() <= limit else ", ..."
    return f"rows {rows}"[:-1] + more + "]"


def apply_missing(data: pd.DataFrame, variables: Sequence[str], numeric: set[str], active: np.ndarray,
                   weights: np.ndarray, policy: str) -> tuple[dict[str, pd.Series], np.ndarray, int, int]:
    """Columns to use (imputed when asked), the active mask and counts of excluded/imputed rows."""
    if policy not in MISSING_POLICIES:
        raise WeightingError(f"missing={policy!r} is not known; choose one of {', '.join(MISSING_POLICIES)}")
    cols: dict[str, pd.Series] = {}
    na_any = np.zeros(len(data), dtype=bool)
    problems = []
    for v in variables:
        col = data[v]
        if v in numeric:
            col = pd.to_numeric(col, errors="coerce")
        na = col.isna().to_numpy() & active
        cols[v] = col
        if na.any():
            problems.append(f"{v!r}: {int(na.sum())} ({_row_list(na)})")
            na_any |= na
    if not na_any.any():
        return cols, active, 0, 0
    n_bad = int(na_any.sum())
    if policy == "error":
        raise WeightingError(
            f"{n_bad} respondent(s) have no value for a weighting variable — " + "; ".join(problems)
            + ". Fix the data, or choose a policy: missing='exclude' (they get weight 0 and drop out "
            "of estimates) or missing='impute' (the most common category, or the weighted mean of a "
            "numeric variable); they never silently keep their old weight")
    if policy == "exclude":
        warnings.warn(f"weighting: {n_bad} respondent(s) with a missing weighting variable get weight 0 "
                      f"({'; '.join(problems)})", TrustSurveyWarning, stacklevel=4)
        return cols, active & ~na_any, n_bad, 0
    for v in variables:
        col = cols[v]
        na = col.isna().to_numpy() & active
        if not na.any():
            continue
        ok = active & ~col.isna().to_numpy()
        if not ok.any():
            raise WeightingError(f"weighting variable {v!r} has no value for any respondent; nothing to impute")
        if v in numeric:
            fill: Any = float(np.average(col.to_numpy(dtype=float)[ok], weights=weights[ok]))
        else:
            codes, uniques = pd.factorize(col[ok])
            fill = uniques[int(np.argmax(np.bincount(codes, weights=weights[ok])))]
        arr = col.to_numpy(dtype=object).copy()
        arr[na] = fill
        cols[v] = pd.Series(arr, index=col.index)
    warnings.warn(f"weighting: imputed a missing weighting variable for {n_bad} respondent(s) "
                  f"({'; '.join(problems)})", TrustSurveyWarning, stacklevel=4)
    return cols, active, 0, n_bad


# --------------------------------------------------------------------------- matching


def _match(name: str, variables: tuple[str, ...], mapping: dict, cols: dict[str, pd.Series],
           active: np.ndarray, partial: bool) -> tuple[np.ndarray, list[tuple], np.ndarray]:
    """Codes per row (index into the kept target keys), the kept keys and their values."""
    where = f"margin {name!r}"
    keys = list(mapping)
    values = np.array([_number(mapping[k], where, k) for k in keys], dtype=float)
    canon_keys = [tuple(canonical(x) for x in k) for k in keys]
    if len(set(canon_keys)) != len(canon_keys):
        seen: dict = {}
        for k, ck in zip(keys, canon_keys):
            if ck in seen:
                raise WeightingError(f"{where}: categories {seen[ck]!r} and {k!r} are the same value; "
                                     "give each category once")
            seen[ck] = k
    # per variable: data codes -> component index of the targets' values for that variable
    comp_maps: list[dict] = []
    comp_codes = []
    data_uniques = []
    for j, v in enumerate(variables):
        comp = {}
        for ck in canon_keys:
            comp.setdefault(ck[j], len(comp))
        comp_maps.append(comp)
        codes, uniques = pd.factorize(cols[v], use_na_sentinel=True)
        lookup = np.array([comp.get(canonical(u), -2) for u in uniques] + [-1], dtype=np.int64)
        comp_codes.append(lookup[np.where(codes < 0, len(uniques), codes)])
        data_uniques.append((codes, uniques))
    radix = [len(c) for c in comp_maps]
    size = int(np.prod(radix))
    table = np.full(size, -2, dtype=np.int64)
    for i, ck in enumerate(canon_keys):
        flat = 0
        for j in range(len(variables)):
            flat = flat * radix[j] + comp_maps[j][ck[j]]
        table[flat] = i
    flat = np.zeros(len(active), dtype=np.int64)
    bad = np.zeros(len(active), dtype=bool)
    for j in range(len(variables)):
        cj = comp_codes[j]
        bad |= cj < 0
        flat = flat * radix[j] + np.maximum(cj, 0)
    codes = np.where(bad, -2, table[flat])
    codes = np.where(active, codes, -1)
    # sample categories with no target
    orphan = active & (codes == -2)
    if orphan.any():
        combos = pd.DataFrame({v: cols[v][orphan].to_numpy() for v in variables}).value_counts()
        listed = ", ".join(f"{_label(k if isinstance(k, tuple) else (k,))!r} ({n} respondent(s))"
                           for k, n in list(combos.items())[:10])
        known = ", ".join(repr(_label(k)) for k in keys[:20])
        raise WeightingError(
            f"{where}: the data have categor(ies) with no population target: {listed}; the targets "
            f"give {known}. Add a target for each category, or recode/collapse the data first")
    # target categories absent from the sample
    counts = np.bincount(codes[codes >= 0], minlength=len(keys))
    absent = (counts == 0) & (values > 0)
    zero_target = (counts > 0) & (values == 0)
    if zero_target.any():
        i = int(np.flatnonzero(zero_target)[0])
        raise WeightingError(
            f"{where}: category {_label(keys[i])!r} has {int(counts[i])} respondent(s) but a population "
            "target of 0; give it a positive target or leave those respondents out")
    if absent.any():
        listed = ", ".join(f"{_label(keys[i])!r} (target {values[i]:g})" for i in np.flatnonzero(absent)[:10])
        if not partial:
            raise WeightingError(
                f"{where}: empty cell — no respondent in category/cell {listed}; collapse it with a "
                "neighbouring category (and add their targets), or pass partial=True to drop it")
        warnings.warn(f"{where}: no respondent in {listed}; dropped (partial=True)", TrustSurveyWarning,
                      stacklevel=4)
    keep = ~((counts == 0))
    remap = np.cumsum(keep) - 1
    codes = np.where(codes >= 0, remap[np.maximum(codes, 0)], -1)
    kept = [k for k, ok in zip(keys, keep) if ok]
    return codes.astype(np.int64), kept, values[keep]


def _number(value: Any, where: str, key: Any) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise WeightingError(f"{where}: the target of {key!r} is {value!r}, not a number") from None
    if not math.isfinite(v) or v < 0:
        raise WeightingError(f"{where}: the target of {key!r} is {value!r}; targets must be finite and >= 0")
    return v


# --------------------------------------------------------------------------- entry point


def prepare_margins(data: pd.DataFrame, weights: np.ndarray, targets: Any, *, unit: str = "auto",
                    population: float | None = None, missing: str = "error", partial: bool = False,
                    allow_numeric: bool = False, check_totals: bool = True) -> PreparedTargets:
    """Parse ``targets``, match them to ``data`` and turn shares into counts.

    Parameters
    ----------
    data : DataFrame
    weights : ndarray
        Current weights; rows with weight 0 take no part.
    targets
        See the module docstring.
    unit : {"auto", "count", "share"}
        Whether the targets are counts or shares; ``"auto"`` treats a margin whose
        values sum to 1 (within 0.01) as shares.
    population : float, optional
        Population size: shares are multiplied by it (default: the sum of the
        current weights). For calibration it also gives the intercept's total.
    missing : {"error", "impute", "exclude"}
        What to do with respondents whose weighting variables are missing.
    partial : bool
        Drop target categories that have no respondent (with a warning) instead of failing.
    allow_numeric : bool
        Accept numeric totals (calibration).
    check_totals : bool
        Require all categorical margins to add up to the same population.

    Returns
    -------
    PreparedTargets
    """
    if unit not in UNITS:
        raise WeightingError(f"unit={unit!r} is not known; choose one of {', '.join(UNITS)}")
    if population is not None and (not np.isfinite(population) or population <= 0):
        raise WeightingError(f"population={population!r} must be a positive number (the population size)")
    items = _normalise_input(targets, allow_numeric)
    intercept = None
    clean_items = []
    for variables, spec, hint in items:
        if len(variables) == 1 and variables[0] in ("(Intercept)", "Intercept", "intercept"):
            if not allow_numeric or not isinstance(spec, float):
                raise WeightingError("an intercept total must be a single number (the population size)")
            intercept = spec
            continue
        clean_items.append((variables, spec, hint))
    all_vars = list(dict.fromkeys(v for vs, _, _ in clean_items for v in vs))
    _check_columns(data, all_vars)
    numeric = {vs[0] for vs, spec, _ in clean_items if isinstance(spec, float)}
    both = numeric & {v for vs, spec, _ in clean_items if not isinstance(spec, float) for v in vs}
    if both:
        raise WeightingError(f"variable(s) {sorted(both)} are given both as numeric totals and as categories")
    active = np.asarray(weights, dtype=float) > 0
    cols, active, n_excluded, n_imputed = apply_missing(data, all_vars, numeric, active, weights, missing)
    if not active.any():
        raise WeightingError("no respondent takes part in the weighting (all weights are zero or excluded)")
    base_total = float(population) if population is not None else float(weights[active].sum())
    margins: list[Margin] = []
    numerics: list[NumericTotal] = []
    for variables, spec, hint in clean_items:
        name = ":".join(variables)
        if isinstance(spec, float):
            values = cols[variables[0]].to_numpy(dtype=float)
            values = np.where(active, values, 0.0)
            numerics.append(NumericTotal(name=name, values=values, target=spec))
            continue
        codes, keys, values = _match(name, variables, spec, cols, active, partial)
        total = float(values.sum())
        if unit == "share" or hint is True:
            is_share = True
        elif unit == "count":
            is_share = False
        else:
            is_share = abs(total - 1.0) <= _SHARE_TOL
        if is_share:
            if abs(total - 1.0) > _SHARE_TOL:
                hint_pct = " (percentages? divide them by 100)" if abs(total - 100) <= 100 * _SHARE_TOL else ""
                raise WeightingError(f"margin {name!r}: shares sum to {total:g}, not 1{hint_pct}")
            values = values / total * base_total
        margins.append(Margin(name=name, variables=variables, levels=tuple(_label(k) for k in keys),
                              targets=values, codes=codes, is_share=is_share))
    if check_totals and margins:
        sums = np.array([m.targets.sum() for m in margins])
        lo, hi = int(np.argmin(sums)), int(np.argmax(sums))
        if sums[hi] - sums[lo] > _TOTALS_RTOL * sums[hi]:
            raise WeightingError(
                f"the margins' totals disagree: {margins[lo].name!r} sums to {sums[lo]:,.6g} and "
                f"{margins[hi].name!r} to {sums[hi]:,.6g} (a difference of {sums[hi] - sums[lo]:,.6g}, "
                f"{100 * (sums[hi] - sums[lo]) / sums[hi]:.4g}%); every margin must describe the same "
                "population — fix the counts, or give shares with unit='share' and population=")
        counted = [m for m in margins if not m.is_share]
        if population is not None and counted and abs(counted[0].targets.sum() - population) > _TOTALS_RTOL * population:
            raise WeightingError(
                f"population={population:,.6g} disagrees with the total of margin {counted[0].name!r} "
                f"({counted[0].targets.sum():,.6g}, difference {population - counted[0].targets.sum():,.6g})")
        if intercept is not None and abs(sums[0] - intercept) > _TOTALS_RTOL * intercept:
            raise WeightingError(
                f"the intercept total {intercept:,.6g} disagrees with the margins' total {sums[0]:,.6g} "
                f"(difference {intercept - sums[0]:,.6g})")
    if intercept is None and population is not None and allow_numeric and not margins:
        intercept = float(population)
    return PreparedTargets(margins=tuple(margins), numeric=tuple(numerics), active=active,
                           n_excluded=n_excluded, n_imputed=n_imputed, intercept=intercept)
