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

from .errors import EstimationError
from ._engine import batch_estimates_many, versus_rest
from .estimation import group_codes
from .inference import proportion_interval, t_interval, t_test
from .multiplicity import adjust_blocks

__all__ = ["breakdown", "trend", "relabel", "BREAKDOWN_COLUMNS", "TREND_COLUMNS", "METRICS"]

BREAKDOWN_COLUMNS = ["item", "item_label", "metric", "level", "level_label", "by", "group", "group_label",
                     "estimate", "se", "ci_low", "ci_high", "n_unweighted", "n_weighted", "deff",
                     "p_value", "p_adj", "flag"]
TREND_COLUMNS = ["item", "item_label", "metric", "level", "level_label", "by", "group", "group_label",
                 "wave", "estimate", "se", "ci_low", "ci_high", "n_unweighted", "change", "change_se",
                 "change_p", "change_p_adj", "trend_slope", "trend_p", "flag"]
METRICS = ("top2", "bottom2", "mean", "share", "dont_know", "option_share")
_PROPORTION_METRICS = {"top2", "bottom2", "share", "dont_know", "option_share"}
_NATIONAL_LABEL = {"en": "Kosovo", "sq": "Kosova", "sr": "Kosovo"}


@dataclass(frozen=True)
class _Column:
    item: str
    metric: str
    level: str = ""


def _item_columns(survey, items, metrics) -> tuple[np.ndarray, list[_Column]]:
    """The numeric matrix of every (item, metric, level), NaN outside each base."""
    q = survey.questionnaire
    data = survey._data
    kinds = survey._missing_kinds
    wanted = set(METRICS if metrics is None else metrics)
    unknown = wanted - set(METRICS)
    if unknown:
        raise EstimationError(f"unknown metric(s) {sorted(unknown)}; choose from {', '.join(METRICS)}")
    cols: list[np.ndarray] = []
    meta: list[_Column] = []

    def add(values, item, metric, level=""):
        cols.append(np.asarray(values, dtype=float))
        meta.append(_Column(item, metric, str(level)))

    for item in items:
        if item not in data.columns and not (q is not None and _is_multiple(q, item)):
            raise EstimationError(f"item {item!r} is not in the data; available: "
                                  f"{', '.join(map(str, list(data.columns)[:40]))}")
        if q is not None and _is_multiple(q, item):
            if "option_share" in wanted:
                for opt in q.question(item).options:
                    if opt.id in data.columns:
                        add(pd.to_numeric(data[opt.id], errors="coerce").to_numpy(float, na_value=np.nan),
                            item, "option_share", opt.id)
            continue
        x = pd.to_numeric(data[item], errors="coerce").to_numpy(float, na_value=np.nan)
        scale = q.scale_for(item) if q is not None and q.has_variable(item) else None
        if q is not None and item in q.index_ids:
            if "mean" in wanted:
                add(x, item, "mean")
            continue
        if scale is None or not scale.codes:
            if "mean" in wanted:
                add(x, item, "mean")
            continue
        valid = ~np.isnan(x)
        nets = dict(scale.nets)
        for net in ("top2", "bottom2"):
            if net in wanted and net in nets:
                add(np.where(valid, np.isin(x, list(nets[net])), np.nan), item, net)
        if "mean" in wanted and scale.scored and len(scale.codes) > 2:
            smap = scale.score_map()
            add(pd.Series(x).map(smap).to_numpy(float, na_value=np.nan), item, "mean")
        if "share" in wanted:
            for code in scale.valid_codes:
                add(np.where(valid, x == code, np.nan), item, "share", code)
        if "dont_know" in wanted and kinds is not None and item in kinds.columns \
                and any(m.kind == "dont_know" for m in scale.missing):
            k = kinds[item].to_numpy(dtype=object)
            asked = valid | np.isin(k, ["dont_know", "refused"])
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


def _labels(q, meta, lang):
    if q is None:
        return [m.item for m in meta], [m.level for m in meta]
    item_labels, level_labels = [], []
    for m in meta:
        item_labels.append(q.label(m.item, lang) if q.has_variable(m.item) else m.item)
        if m.metric == "share":
            level_labels.append(q.value_label(m.item, int(m.level), lang))
        elif m.metric == "option_share":
            level_labels.append(q.label(m.level, lang))
        else:
            level_labels.append("")
    return item_labels, level_labels


def _group_label(q, demo, code, lang):
    if q is None or not q.has_variable(demo):
        return str(code)
    try:
        return q.value_label(demo, int(code), lang)
    except (TypeError, ValueError):
        return str(code)


def _code_text(v) -> str:
    if isinstance(v, (float, np.floating)) and float(v).is_integer():
        return str(int(v))
    return str(v)


def _intervals(theta, se, df, n, meta, ci_method, level):
    is_prop = np.array([m.metric in _PROPORTION_METRICS for m in meta])
    lo_t, hi_t = t_interval(theta, se, df, level)
    lo_p, hi_p = proportion_interval(np.clip(theta, 0, 1), se, df, n, ci_method, level)
    return np.where(is_prop, lo_p, lo_t), np.where(is_prop, hi_p, hi_t)


def breakdown(survey, items: Sequence[str] | None = None, by: Sequence[str] | str | None = None,
              metrics: Sequence[str] | None = None, *, lang: str = "en", min_base: int = 30,
              low_base: int = 100, max_cv: float = 0.3, adjust: str = "holm", alpha: float = 0.05,
              ci_method: str = "logit", level: float = 0.95) -> pd.DataFrame:
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
        Any of ``top2, bottom2, mean, share, dont_know, option_share``; default all that fit.
    lang : {"en", "sq", "sr"}
        Language of the labels.
    min_base : int
        Groups with fewer respondents in the base are suppressed (estimate NA).
    low_base : int
        Groups below this base are flagged ``low_base``.
    max_cv : float
        Estimates whose coefficient of variation exceeds this are flagged ``unreliable``.
    adjust : str
        Multiplicity adjustment within each item x metric x level x demographic:
        ``holm`` (default), ``bonferroni``, ``fdr_bh`` or ``none``.
    ci_method : str
        Interval method for shares (see :meth:`Survey.proportion`); means use t intervals.

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
    >>> t = ts.breakdown(s, items=["trust_kp"], by=["gender"], metrics=["top2"])
    >>> t[["by", "group", "metric"]].values.tolist()
    [['national', 'all', 'top2'], ['gender', '1', 'top2'], ['gender', '2', 'top2']]
    """
    q = survey.questionnaire
    if items is None:
        if q is None:
            raise EstimationError("items= is needed for a survey without a questionnaire")
        items = _default_items(q)
    items = [items] if isinstance(items, str) else list(items)
    if by is None:
        if q is None:
            raise EstimationError("by= is needed for a survey without a questionnaire")
        by = [d for d in q.demographic_ids if d in survey._data.columns and _is_breakdown_variable(q, d)]
    by = [by] if isinstance(by, str) else list(by)
    values, meta = _item_columns(survey, items, metrics)
    design = survey.design
    data = survey._data
    domain = survey._domain
    df = float(design.domain_degf(domain))
    K = values.shape[1]
    item_labels, level_labels = _labels(q, meta, lang)

    # one pass over the columns: the national grouping and every demographic
    groupings = [group_codes(data, [], domain)]
    groupings += [group_codes(data, [demo], domain) for demo in by]
    results = batch_estimates_many(design, values, [(c, len(g)) for c, g in groupings], rest=True)
    nat = results[0]
    frames = [_assemble(meta, item_labels, level_labels, "national", ["all"],
                        [_NATIONAL_LABEL.get(lang, "Kosovo")], nat.theta, nat.se, nat.deff,
                        nat.n_unweighted, nat.n_weighted, np.full((1, K), np.nan), df, ci_method, level)]
    for demo, (codes, groups), res in zip(by, groupings[1:], results[1:]):
        diff, se_diff, _ = versus_rest(res)
        _, p = t_test(diff, se_diff, df)
        group_vals = [_code_text(v) for v in groups[demo].tolist()]
        labels = [_group_label(q, demo, v, lang) for v in group_vals]
        frames.append(_assemble(meta, item_labels, level_labels, demo, group_vals, labels, res.theta,
                                res.se, res.deff, res.n_unweighted, res.n_weighted, p, df, ci_method, level))
    table = pd.concat(frames, ignore_index=True)
    table = _flag(table, min_base, low_base, max_cv)
    p_adj = adjust_blocks(table["p_value"].to_numpy(float), table[["item", "metric", "level", "by"]],
                          method=adjust)
    # with two groups, "a vs rest" and "b vs rest" are one and the same test: no multiplicity
    two = table.groupby("by")["group"].transform("nunique").to_numpy() == 2
    table["p_adj"] = np.where(two, table["p_value"].to_numpy(float), p_adj)
    return table[BREAKDOWN_COLUMNS]


def _assemble(meta, item_labels, level_labels, by, groups, group_labels, theta, se, deff, n_unw, n_w,
              p, df, ci_method, level) -> pd.DataFrame:
    G, K = theta.shape
    lo, hi = _intervals(theta, se, df, n_unw, meta, ci_method, level)
    return pd.DataFrame({
        "item": [m.item for m in meta] * G,
        "item_label": item_labels * G,
        "metric": [m.metric for m in meta] * G,
        "level": [m.level for m in meta] * G,
        "level_label": level_labels * G,
        "by": by,
        "group": np.repeat(groups, K),
        "group_label": np.repeat(group_labels, K),
        "estimate": theta.reshape(-1),
        "se": se.reshape(-1),
        "ci_low": np.asarray(lo).reshape(-1),
        "ci_high": np.asarray(hi).reshape(-1),
        "n_unweighted": n_unw.reshape(-1).astype(np.int64),
        "n_weighted": n_w.reshape(-1),
        "deff": deff.reshape(-1),
        "p_value": np.asarray(p, float).reshape(-1),
    })


def _flag(table: pd.DataFrame, min_base: int, low_base: int, max_cv: float) -> pd.DataFrame:
    n = table["n_unweighted"].to_numpy()
    est = table["estimate"].to_numpy(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        cv = table["se"].to_numpy(float) / np.abs(est)
    flag = np.full(len(table), "", dtype=object)
    flag[np.nan_to_num(cv, nan=0.0) > max_cv] = "unreliable"
    flag[n < low_base] = "low_base"
    suppressed = n < min_base
    flag[suppressed] = "suppressed"
    table["flag"] = flag
    for c in ("estimate", "se", "ci_low", "ci_high", "deff", "p_value"):
        table.loc[suppressed, c] = np.nan
    return table


def relabel(table: pd.DataFrame, questionnaire, lang: str) -> pd.DataFrame:
    """The same breakdown or trend table with its labels in another language."""
    out = table.copy()
    if questionnaire is None or len(out) == 0:
        return out
    q = questionnaire
    items = out["item"].unique()
    out["item_label"] = out["item"].map({i: q.label(i, lang) if q.has_variable(i) else i for i in items})
    pairs = out[["item", "metric", "level"]].drop_duplicates()
    level_map = {}
    for item, metric, level in pairs.itertuples(index=False):
        meta = [_Column(item, metric, level)]
        level_map[(item, metric, level)] = _labels(q, meta, lang)[1][0]
    out["level_label"] = [level_map[k] for k in zip(out["item"], out["metric"], out["level"])]
    groups = out[["by", "group"]].drop_duplicates()
    group_map = {(b, g): (_NATIONAL_LABEL.get(lang, "Kosovo") if b == "national" else _group_label(q, b, g, lang))
                 for b, g in groups.itertuples(index=False)}
    out["group_label"] = [group_map[k] for k in zip(out["by"], out["group"])]
    return out


# --------------------------------------------------------------------------- trends


def trend(waves: Mapping[int, object], items: Sequence[str] | None = None,
          by: Sequence[str] | str | None = None, metrics: Sequence[str] | None = None, *,
          lang: str = "en", adjust: str = "holm", **options) -> pd.DataFrame:
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

    Returns
    -------
    pandas.DataFrame
        Columns ``item, item_label, metric, level, level_label, by, group, group_label,
        wave, estimate, se, ci_low, ci_high, n_unweighted, change, change_se, change_p,
        change_p_adj, trend_slope, trend_p, flag``.
    """
    if len(waves) < 2:
        raise EstimationError("trend() needs at least two waves")
    years = sorted(waves)
    tables, dfs = [], {}
    for year in years:
        s = waves[year]
        t = breakdown(s, items=items, by=by, metrics=metrics, lang=lang, adjust=adjust, **options)
        t["wave"] = int(year)
        dfs[year] = float(s.degf)
        tables.append(t)
    long = pd.concat(tables, ignore_index=True)
    key = ["item", "metric", "level", "by", "group"]
    long = long.sort_values(key + ["wave"], kind="stable").reset_index(drop=True)
    prev = long.groupby(key, sort=False)[["estimate", "se", "wave"]].shift(1)
    change = long["estimate"] - prev["estimate"]
    change_se = np.sqrt(long["se"] ** 2 + prev["se"] ** 2)
    df_pair = long["wave"].map(dfs) + prev["wave"].map(dfs)
    _, p = t_test(change.to_numpy(float), change_se.to_numpy(float), df_pair.to_numpy(float))
    long["change"] = change
    long["change_se"] = change_se
    long["change_p"] = p
    long["change_p_adj"] = adjust_blocks(p, long[["item", "metric", "level", "by", "wave"]], method=adjust)
    slope, trend_p = _linear_trend(long, key)
    long["trend_slope"] = slope
    long["trend_p"] = trend_p
    return long[TREND_COLUMNS]


def _linear_trend(long: pd.DataFrame, key: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Weighted least-squares slope per series (NA with fewer than three waves), vectorised."""
    x = long["wave"].to_numpy(float)
    y = long["estimate"].to_numpy(float)
    se = long["se"].to_numpy(float)
    with np.errstate(divide="ignore"):
        w = 1.0 / se**2
    ok = np.isfinite(y) & np.isfinite(w)  # an estimate without variance cannot weigh in
    w = np.where(ok, w, 0.0)
    y0 = np.where(ok, y, 0.0)
    g = long.groupby(key, sort=False).ngroup().to_numpy()
    G = int(g.max()) + 1 if len(g) else 0
    sw = np.bincount(g, w, G)
    k = np.bincount(g, ok.astype(float), G)
    with np.errstate(divide="ignore", invalid="ignore"):
        xm = np.bincount(g, w * x, G) / sw
        ym = np.bincount(g, w * y0, G) / sw
        sxx = np.bincount(g, w * (x - xm[g]) ** 2, G)
        sxy = np.bincount(g, w * (x - xm[g]) * (y0 - ym[g]), G)
        slope = sxy / sxx
        se = np.sqrt(1.0 / sxx)
    _, p = t_test(slope, se, np.inf)
    slope = np.where(k >= 3, slope, np.nan)
    p = np.where(k >= 3, p, np.nan)
    return slope[g], p[g]
