"""Every item by every demographic, in one tidy table: the tables an annual trust report is made of.

:func:`breakdown` builds one numeric column per (item, metric, level) — top-2
and bottom-2 shares, mean scores, the share of every code, the "don't know"
share, multiple-response option shares, index means — and estimates all of them
in all groups of a demographic in one vectorised pass of the estimation engine
(one pass per demographic plus one national pass). Each group is tested against
the rest of the population with a design-based t test (the covariance between
the group and the rest comes from the same cluster totals), p-values are
adjusted within each item x metric x level x demographic, and small bases are
suppressed or flagged.

:func:`trend` lines waves up by their questionnaire ids and tests the change
since the previous wave (independent samples) and a linear trend across three or
more waves.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from ._engine import batch_estimates_many
from .errors import EstimationError
from .estimation import group_codes
from .inference import likelihood_inputs, proportion_interval, t_interval, t_test
from .labels import Meaning, code_text, meaning
from .multiplicity import adjust_pvalues, adjust_versus_rest, method_name
from .sample import as_sample
from .significance.change import difference_test, series_slope
from .significance.compare import versus_rest_test
from .tidy import grid_frame
from .vocabulary import (ALL_GROUPS, BREAKDOWN_COLUMNS, LOW_BASE, METRICS, NATIONAL, PROPORTION_METRICS,
                         SUPPRESSED, TREND_COLUMNS, UNRELIABLE)

__all__ = ["breakdown", "trend", "relabel", "BREAKDOWN_COLUMNS", "TREND_COLUMNS", "METRICS"]


@dataclass(frozen=True)
class _Column:
    item: str
    metric: str
    level: str = ""


def _nets(scale, wanted: set[str] | None) -> list[tuple[str, tuple]]:
    """The nets of a scale to estimate: those asked for by name; by default top2, bottom2 and every
    other net whose codes differ from theirs (a ``yes`` net equal to ``top2`` is not repeated)."""
    nets = dict(scale.nets)
    if wanted is not None:
        return [(name, nets[name]) for name in nets if name in wanted]
    seen = {tuple(sorted(map(str, nets[n]))) for n in ("top2", "bottom2") if n in nets}
    out = [(n, nets[n]) for n in ("top2", "bottom2") if n in nets]
    for name, codes in nets.items():
        key = tuple(sorted(map(str, codes)))
        if name not in ("top2", "bottom2") and key not in seen:
            seen.add(key)
            out.append((name, codes))
    return out


def _known_metrics(q) -> set[str]:
    names = set(METRICS)
    if q is not None:
        for scale in q.scales.values():
            names.update(scale.nets)
    return names


def _item_columns(q, data, kinds, items, metrics) -> tuple[np.ndarray, list[_Column]]:
    """The numeric matrix of every (item, metric, level), NaN outside each base.

    Codes are compared as the data hold them after validation (integers or texts); nets are
    metrics named after the scale's nets (``top2``, ``bottom2``, ``yes``, ``promoters``, ...).
    """
    wanted = None if metrics is None else set(metrics)
    known = _known_metrics(q)
    unknown = (wanted or set()) - known
    if unknown:
        raise EstimationError(f"unknown metric(s) {sorted(unknown)}; choose from {', '.join(sorted(known))}")
    fixed = set(METRICS) if wanted is None else wanted
    cols: list[np.ndarray] = []
    meta: list[_Column] = []

    def add(values, item, metric, level=""):
        cols.append(np.asarray(values, dtype=float))
        meta.append(_Column(item, metric, code_text(level)))

    def numeric(col: pd.Series) -> np.ndarray:
        return pd.to_numeric(col, errors="coerce").to_numpy(float, na_value=np.nan)

    for item in items:
        if item not in data.columns and not (q is not None and _is_multiple(q, item)):
            raise EstimationError(f"item {item!r} is not in the data; available: "
                                  f"{', '.join(map(str, list(data.columns)[:40]))}")
        if q is not None and _is_multiple(q, item):
            if "option_share" in fixed:
                for opt in q.question(item).options:
                    if opt.id in data.columns:
                        add(numeric(data[opt.id]), item, "option_share", opt.id)
            continue
        col = data[item]
        scale = q.scale_for(item) if q is not None and q.has_variable(item) else None
        if (q is not None and item in q.index_ids) or scale is None or not scale.codes:
            if "mean" in fixed:
                add(numeric(col), item, "mean")
            continue
        valid = col.notna().to_numpy()

        def share(codes, col=col, valid=valid) -> np.ndarray:
            return np.where(valid, col.isin(list(codes)).to_numpy(dtype=bool), np.nan)

        for net, codes in _nets(scale, wanted):
            add(share(codes), item, net)
        if "mean" in fixed and scale.scored and len(scale.codes) > 2:
            add(col.map(scale.score_map()).to_numpy(float, na_value=np.nan), item, "mean")
        if "share" in fixed:
            for code in scale.valid_codes:
                add(share([code]), item, "share", code)
        if "dont_know" in fixed and kinds is not None and item in kinds.columns \
                and any(m.kind == "dont_know" for m in scale.missing):
            k = kinds[item].to_numpy(dtype=object)
            # asked: a valid answer or any missing kind but routing's "not asked" (and no blank)
            answered_missing = pd.notna(k) & (k != "not_asked") & (k != "")
            asked = valid | answered_missing
            add(np.where(asked, k == "dont_know", np.nan), item, "dont_know")
    if not cols:
        raise EstimationError("no item has a metric to estimate; check items= and metrics=")
    return np.column_stack(cols), meta


def _is_multiple(q, item: str) -> bool:
    return item in q.question_ids and q.question(item).type == "multiple"


def _is_breakdown_variable(q, demo: str) -> bool:
    """Default breakdown variables: coded demographics with at most 12 categories (not age, municipality)."""
    scale = q.scale_for(demo)
    return scale is not None and 1 < len(scale.valid_codes) <= 12


def _default_items(q) -> list[str]:
    out: list[str] = []
    for question in q.questions:
        if question.type in ("single", "numeric", "multiple"):
            out.append(question.id)
    return out + list(q.index_ids)


def _labels(m: Meaning, meta) -> tuple[list[str], list[str]]:
    return [m.item(c.item) for c in meta], [m.level(c.item, c.metric, c.level) for c in meta]


def _intervals(theta, se, df, n, meta, ci_method, level, *, rows=None, likelihood=None):
    is_prop = np.array([m.metric in PROPORTION_METRICS for m in meta])
    lo_t, hi_t = t_interval(theta, se, df, level)
    lo_p, hi_p = proportion_interval(np.clip(theta, 0, 1), se, df, n, ci_method, level, rows=rows,
                                     likelihood=likelihood)
    return np.where(is_prop, lo_p, lo_t), np.where(is_prop, hi_p, hi_t)


def _group_parts(design, values, meta, codes, G, ci_method):
    """Each group's domain df (R's degf of the subset design), rows, and likelihood sums if asked for."""
    df = design.group_degf(codes, G)[:, None]
    rows = np.bincount(codes[codes >= 0], minlength=G)[:G, None].astype(float)
    likelihood = None
    if ci_method == "likelihood":
        is_prop = np.array([m.metric in PROPORTION_METRICS for m in meta])
        y = np.where(is_prop[None, :], values, 0.0)  # the sums are used for the shares only
        likelihood = likelihood_inputs(y, design.weights, codes, G)
    return df, rows, likelihood


def breakdown(survey, items: Sequence[str] | None = None, by: Sequence[str] | str | None = None,
              metrics: Sequence[str] | None = None, *, lang: str = "en", min_base: int = 30,
              low_base: int = 100, max_cv: float = 0.3, adjust: str = "holm", alpha: float = 0.05,
              ci_method: str = "logit", conf_level: float = 0.95) -> pd.DataFrame:
    """Every item by every demographic: estimates, intervals, tests and small-base flags.

    Parameters
    ----------
    survey : Survey
        Usually from :func:`trustsurvey.read_survey` (then items, demographics,
        scales, nets and labels come from its questionnaire).
    items : list of str, optional
        Item, multiple-response question or index ids; default every one.
    by : list of str, optional
        Demographic ids; default every coded demographic and derived variable with
        at most 12 categories (so not age or municipality, which a plan can still ask for).
    metrics : list of str, optional
        Any of ``mean, share, dont_know, option_share`` and the names of the scales' nets
        (``top2``, ``bottom2``, ``yes``, ...); default: all of them that fit (a net whose codes
        repeat another's, such as a ``yes`` net equal to ``top2``, only once).
    lang : str
        Language of the labels: one the questionnaire declares (or ``sr-Cyrl`` where it declares ``sr``).
    min_base : int
        Groups with fewer respondents in the base are suppressed (estimate NA).
    low_base : int
        Groups below this base are flagged ``low_base``.
    max_cv : float
        Estimates whose coefficient of variation exceeds this are flagged ``unreliable``.
    adjust : str
        Multiplicity adjustment within each item x metric x level x demographic:
        ``holm`` (default), ``bonferroni``, ``fdr_bh`` (``bh``), ``none`` or another method of
        :func:`trustsurvey.multiplicity.adjust_pvalues`. A demographic with two groups has one test
        (each group against the other), so its ``p_adj`` equals ``p_value``.
    ci_method : str
        Interval method for shares (see :meth:`Survey.proportion`); means use t intervals.
        Every group's interval uses the degrees of freedom of the group's own domain
        (R's ``degf`` of the subset design, as ``svyby(..., svyciprop)``), so a
        region's interval here is the one ``subset()`` gives; the test of a group
        against the rest uses the whole design's.

    Returns
    -------
    pandas.DataFrame
        Columns ``item, item_label, metric, level, level_label, by, group, group_label,
        estimate, se, ci_low, ci_high, n_unweighted, n_weighted, deff, p_value, p_adj,
        flag``. The national rows have ``by="national"``, ``group="all"``. ``p_value``
        tests the group against the rest of the population; ``flag`` is ``""``,
        ``"suppressed"``, ``"low_base"`` or ``"unreliable"``.

    Examples
    --------
    >>> import trustsurvey as ts
    >>> s = ts.datasets.load_example(2025, raw=False)
    >>> item = s.questionnaire.question_ids[0]
    >>> t = ts.breakdown(s, items=[item], by=["gender"], metrics=["top2"])
    >>> t[["by", "group", "metric"]].values.tolist()
    [['national', 'all', 'top2'], ['gender', '1', 'top2'], ['gender', '2', 'top2']]
    """
    q = survey.questionnaire
    sample = as_sample(survey)
    m = meaning(q, lang)
    method = method_name(adjust)
    if items is None:
        if q is None:
            raise EstimationError("items= is needed for a survey without a questionnaire")
        items = _default_items(q)
    items = [items] if isinstance(items, str) else list(items)
    data = sample.data
    if by is None:
        if q is None:
            raise EstimationError("by= is needed for a survey without a questionnaire")
        by = [d for d in q.demographic_ids if d in data.columns and _is_breakdown_variable(q, d)]
    elif isinstance(by, str):
        by = [by]
    elif not all(isinstance(b, str) for b in by):
        raise EstimationError(f"by= must be a demographic id or a list of them, got {by!r}")
    by = list(by)
    kinds = survey.missing_kinds if hasattr(survey, "missing_kinds") else None
    values, meta = _item_columns(q, data, kinds, items, metrics)
    design, domain = sample.design, sample.domain
    df = float(design.domain_degf(domain))
    item_labels, level_labels = _labels(m, meta)
    columns = pd.DataFrame({"item": [c.item for c in meta], "item_label": item_labels,
                            "metric": [c.metric for c in meta], "level": [c.level for c in meta],
                            "level_label": level_labels})

    # one pass over the columns: the national grouping and every demographic
    groupings = [group_codes(data, [], domain)]
    groupings += [group_codes(data, [demo], domain) for demo in by]
    results = batch_estimates_many(design, values, [(c, len(g)) for c, g in groupings], rest=True)
    nat = results[0]
    parts = [_group_parts(design, values, meta, codes, len(g), ci_method) for codes, g in groupings]
    frames = [_assemble(columns, meta, NATIONAL, [ALL_GROUPS], [m.population], nat, np.nan, parts[0], ci_method,
                        conf_level)]
    for demo, (codes, groups), res, part in zip(by, groupings[1:], results[1:], parts[1:]):
        _, _, _, _, p = versus_rest_test(res, df)  # a group against the rest: the whole design's df
        group_vals = [code_text(v) for v in groups[demo].tolist()]
        labels = [m.group(demo, v) for v in group_vals]
        frames.append(_assemble(columns, meta, demo, group_vals, labels, res, p, part, ci_method, conf_level))
    table = pd.concat(frames, ignore_index=True)
    table = _flag(table, min_base, low_base, max_cv)
    two = table.groupby("by")["group"].transform("nunique").to_numpy() == 2
    table["p_adj"] = adjust_versus_rest(table["p_value"].to_numpy(float), method,
                                        table[["item", "metric", "level", "by"]], two)
    return table[BREAKDOWN_COLUMNS]


def _assemble(columns, meta, by, groups, group_labels, res, p, part, ci_method, conf_level) -> pd.DataFrame:
    df, rows, likelihood = part  # each group's interval on its own domain's degrees of freedom
    lo, hi = _intervals(res.theta, res.se, df, res.n_unweighted, meta, ci_method, conf_level, rows=rows,
                        likelihood=likelihood)
    rows = pd.DataFrame({"by": by, "group": groups, "group_label": group_labels})
    return grid_frame(rows, columns, {
        "estimate": res.theta, "se": res.se, "ci_low": lo, "ci_high": hi,
        "n_unweighted": res.n_unweighted.astype(np.int64), "n_weighted": res.n_weighted, "deff": res.deff,
        "p_value": np.broadcast_to(np.asarray(p, float), res.theta.shape)})


def _flag(table: pd.DataFrame, min_base: int, low_base: int, max_cv: float) -> pd.DataFrame:
    n = table["n_unweighted"].to_numpy()
    est = table["estimate"].to_numpy(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        cv = table["se"].to_numpy(float) / np.abs(est)
    flag = np.full(len(table), "", dtype=object)
    flag[np.nan_to_num(cv, nan=0.0) > max_cv] = UNRELIABLE
    flag[n < low_base] = LOW_BASE
    suppressed = n < min_base
    flag[suppressed] = SUPPRESSED
    table["flag"] = flag
    for c in ("estimate", "se", "ci_low", "ci_high", "deff", "p_value"):
        table.loc[suppressed, c] = np.nan
    return table


def relabel(table: pd.DataFrame, questionnaire, lang: str) -> pd.DataFrame:
    """The same breakdown or trend table with its labels in another language."""
    out = table.copy()
    if len(out) == 0:
        return out
    m = meaning(questionnaire, lang)
    items = out["item"].unique()
    out["item_label"] = out["item"].map({i: m.item(i) for i in items})
    keys = list(zip(out["item"], out["metric"], out["level"]))
    level_map = {k: m.level(*k) for k in set(keys)}
    out["level_label"] = [level_map[k] for k in keys]
    groups = list(zip(out["by"], out["group"]))
    group_map = {k: m.group(*k) for k in set(groups)}
    out["group_label"] = [group_map[k] for k in groups]
    return out


# --------------------------------------------------------------------------- trends


def trend(waves: Mapping[int, object], items: Sequence[str] | None = None,
          by: Sequence[str] | str | None = None, metrics: Sequence[str] | None = None, *,
          lang: str = "en", adjust: str = "holm", tables: Mapping[int, pd.DataFrame] | None = None,
          **options) -> pd.DataFrame:
    """Estimates per wave, the change since the previous wave, and a linear trend test.

    Waves are independent samples harmonised by questionnaire ids: the change's
    standard error is ``sqrt(se_now**2 + se_before**2)`` and its t test uses the sum
    of the two waves' design degrees of freedom. With three or more waves the
    trend is the weighted least-squares slope of the estimates on the year
    (weights ``1/se**2``, so the slope's variance is ``1 / sum(w (x - xbar)^2)``),
    tested with a z statistic; it is reported on every row of the series.

    Parameters
    ----------
    waves : mapping of year -> Survey
    items, by, metrics, lang, options
        As for :func:`breakdown` (applied to every wave).
    tables : mapping of year -> DataFrame, optional
        The waves' breakdown tables, when they are already computed with the same options
        (they are not computed again).

    Returns
    -------
    pandas.DataFrame
        Columns ``item, item_label, metric, level, level_label, by, group, group_label,
        wave, estimate, se, ci_low, ci_high, n_unweighted, change, change_se, change_df, change_p,
        change_p_adj, trend_slope, trend_p, flag`` (``change_df``: the degrees of freedom of the
        change's t test, the sum of the two waves' design degrees of freedom).
    """
    if len(waves) < 2:
        raise EstimationError("trend() needs at least two waves")
    years = sorted(waves)
    given = dict(tables or {})
    frames, dfs = [], {}
    for year in years:
        s = waves[year]
        t = given.get(year)
        if t is None:
            t = breakdown(s, items=items, by=by, metrics=metrics, lang=lang, adjust=adjust, **options)
        elif not isinstance(t, pd.DataFrame) or set(BREAKDOWN_COLUMNS) - set(t.columns):
            raise EstimationError(f"tables[{year}] must be the ts.breakdown table of that wave")
        t = t.assign(wave=int(year))
        dfs[year] = float(s.degf)
        frames.append(t)
    long = pd.concat(frames, ignore_index=True)
    key = ["item", "metric", "level", "by", "group"]
    long = long.sort_values(key + ["wave"], kind="stable").reset_index(drop=True)
    prev = long.groupby(key, sort=False)[["estimate", "se", "wave"]].shift(1)
    d = difference_test(prev["estimate"], prev["se"], prev["wave"].map(dfs), long["estimate"], long["se"],
                        long["wave"].map(dfs))
    long["change"] = d["estimate"]
    long["change_se"] = d["se"]
    long["change_df"] = d["df"]
    long["change_p"] = d["p_value"]
    long["change_p_adj"] = adjust_pvalues(d["p_value"], adjust, long[["item", "metric", "level", "by", "wave"]])
    series = long.groupby(key, sort=False).ngroup().to_numpy()
    n_series = int(series.max()) + 1 if len(series) else 0
    slope, se, _ = series_slope(series, n_series, long["wave"], long["estimate"], long["se"] ** 2)
    _, trend_p = t_test(slope, se, np.inf)  # a z test, as the slope's variance is taken as known
    long["trend_slope"] = slope[series]
    long["trend_p"] = np.asarray(trend_p)[series]
    return long[TREND_COLUMNS]
