"""Recommendation rules: pure, vectorised functions over the tidy breakdown and trend tables.

Each rule takes a tidy table (``ts.breakdown`` or ``ts.trend`` layout, see
``breakdown.py``) and returns *candidate* rows in one fixed layout,
:data:`CANDIDATE_COLUMNS`: one row per item x group that breaks the rule, with
the evidence that shows it. Rules never compute variances: they take
estimates, standard errors and p-values from the tables (the threshold rules
turn ``estimate``/``se`` into a one-sided test against the goal through the
package's one inference core, :func:`trustsurvey.inference.t_test`).

Conventions shared by every rule

* Suppressed estimates (``flag == "suppressed"``, or a missing estimate) and
  rows with fewer than ``min_base`` respondents never produce a candidate.
* ``polarity`` says which direction is favourable: ``+1`` when a higher
  estimate is better (trust top-2 share), ``-1`` when lower is better
  (bottom-2 share, agreement that officers take bribes, "don't know"), ``0``
  when the row has no direction (the share of one code). See
  :func:`row_polarity`.
* ``gap`` is always positive: how far the estimate is on the unfavourable side
  of what the rule compares it with, in the estimate's units (proportions
  0-1, scale or index points).
* ``goal`` is the level the estimate has to reach for the recommendation to be
  met (the target, the threshold, the previous wave's level, the national
  level less the allowed gap) and ``direction`` whether it must be ``"higher"``
  (at least) or ``"lower"`` (at most) than that: tracking uses both next year.
* ``basis`` says what the evidence is: ``"interval"`` (the whole confidence
  interval is on the wrong side of the goal or threshold), ``"estimate"``
  (only the point estimate is) or ``"test"`` (a significant design-based
  test: decline since the previous wave, group against the rest).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from ..errors import PlanError, TrustSurveyError
from ..inference import t_test
from ..multiplicity import adjust_pvalues
from ..vocabulary import PROPORTION_METRICS

__all__ = [
    "CANDIDATE_COLUMNS",
    "BREAKDOWN_REQUIRED",
    "TREND_REQUIRED",
    "below_target",
    "decline",
    "group_gap",
    "low_awareness",
    "integrity_concern",
    "high_dont_know",
    "row_polarity",
    "targets_frame",
    "RULES",
]

#: Columns of every candidate table, in this order.
CANDIDATE_COLUMNS = (
    "rule", "rule_id", "item", "item_label", "metric", "level", "by", "group", "group_label",
    "estimate", "se", "ci_low", "ci_high", "n_unweighted", "n_weighted", "national",
    "previous", "change", "p_value", "p_adj", "goal", "direction", "threshold", "gap", "share",
    "basis", "flag",
)
_FLOAT = ("estimate", "se", "ci_low", "ci_high", "n_unweighted", "n_weighted", "national", "previous",
          "change", "p_value", "p_adj", "goal", "threshold", "gap", "share")

BREAKDOWN_REQUIRED = ("item", "metric", "level", "by", "group", "estimate", "se", "ci_low", "ci_high",
                      "n_unweighted", "flag")
TREND_REQUIRED = ("item", "metric", "level", "by", "group", "wave", "estimate", "n_unweighted", "change",
                  "change_p", "flag")

#: the favourable direction of a metric for an item whose high scores are favourable
_METRIC_SIGN = {"top2": 1, "mean": 1, "bottom2": -1, "dont_know": -1, "share": 0}

NATIONAL = "national"


# --------------------------------------------------------------------------- helpers
def _check(table: pd.DataFrame, required: Iterable[str], what: str) -> pd.DataFrame:
    if not isinstance(table, pd.DataFrame):
        raise TrustSurveyError(f"{what} must be a pandas DataFrame (the tidy table of ts.{what}), "
                               f"not {type(table).__name__}")
    missing = [c for c in required if c not in table.columns]
    if missing:
        raise TrustSurveyError(
            f"the {what} table lacks column(s) {', '.join(missing)}; pass the table ts.{what} returns "
            f"(columns needed: {', '.join(required)})")
    out = table.copy()
    for c in ("item_label", "group_label"):
        if c not in out.columns:
            out[c] = out["item" if c == "item_label" else "group"]
    for c in ("item", "metric", "level", "by", "group", "flag", "item_label", "group_label"):
        # plain Python strings in object columns: "" for missing, codes as text ("6", not 6.0)
        out[c] = pd.Series([_text(x) for x in out[c].tolist()], index=out.index, dtype=object)
    return out


def _text(x) -> str:
    if x is None or x is pd.NA or (isinstance(x, float) and x != x):
        return ""
    if isinstance(x, (float, np.floating)) and float(x).is_integer():
        return str(int(x))
    return str(x)


def _usable(t: pd.DataFrame, min_base: int | float | None) -> np.ndarray:
    """Rows that may trigger a recommendation: estimated, not suppressed, big enough."""
    est = pd.to_numeric(t["estimate"], errors="coerce").to_numpy(float)
    n = pd.to_numeric(t["n_unweighted"], errors="coerce").to_numpy(float)
    ok = np.isfinite(est) & (t["flag"].to_numpy() != "suppressed")
    if min_base:
        ok = ok & (np.nan_to_num(n, nan=0.0) >= float(min_base))
    return ok


def _items_mask(t: pd.DataFrame, items) -> np.ndarray:
    if items is None or (isinstance(items, str) and items == "all"):
        return np.ones(len(t), bool)
    items = [items] if isinstance(items, str) else list(items)
    options = (t["metric"] == "option_share") & t["level"].isin(items)
    return (t["item"].isin(items) | options).to_numpy()


def _by_mask(t: pd.DataFrame, by, *, national: bool) -> np.ndarray:
    """Rows of the national figure (if ``national``) and of the demographics ``by``."""
    is_nat = (t["by"] == NATIONAL).to_numpy()
    if by is None:
        groups = np.zeros(len(t), bool)
    elif isinstance(by, str) and by == "all":
        groups = ~is_nat
    else:
        by = [by] if isinstance(by, str) else list(by)
        groups = t["by"].isin(by).to_numpy() & ~is_nat
    return (is_nat & national) | groups


def _select_metric(t: pd.DataFrame, metric: str) -> np.ndarray:
    """Rows of ``metric`` per item, falling back to equivalent rows the table has.

    ``index_mean`` is the ``mean`` row of an index; a net name that the table
    does not carry as a metric (``yes`` of a yes/no scale) falls back to
    ``top2`` and then to the share of code 1 -- whichever the item has first.
    """
    if metric == "index_mean":
        aliases = [("mean", None)]
    elif metric in ("top2", "bottom2", "mean", "dont_know", "share", "option_share"):
        aliases = [(metric, None)]
    else:
        aliases = [(metric, None), ("top2", None), ("option_share", None), ("share", "1")]
    chosen = np.zeros(len(t), bool)
    done: set[str] = set()
    for m, level in aliases:
        hit = (t["metric"] == m).to_numpy()
        if level is not None:
            hit = hit & ((t["level"] == level).to_numpy())
        hit = hit & (~t["item"].isin(done).to_numpy())
        chosen = chosen | (hit)
        done |= set(t.loc[hit, "item"])
    return chosen


def row_polarity(items: pd.Series, metrics: pd.Series, item_sign: Mapping[str, int] | None = None) -> np.ndarray:
    """Favourable direction of each row: +1 higher is better, -1 lower is better, 0 none.

    Parameters
    ----------
    items, metrics : pandas.Series
        The rows' item ids and metrics.
    item_sign : mapping of str to int, optional
        ``+1`` for items whose high scores (and top-2 share) are favourable,
        ``-1`` for reverse-worded items (``int_bribes``: agreeing is
        unfavourable), ``0`` for items without a direction (multiple-response
        options). Items not listed count as ``+1``, options (``option_share``) as 0.

    Examples
    --------
    >>> row_polarity(pd.Series(["trust_kp", "trust_kp", "int_bribes"]),
    ...              pd.Series(["top2", "bottom2", "top2"]), {"int_bribes": -1}).tolist()
    [1, -1, -1]
    """
    sign = dict(item_sign or {})
    m = metrics.to_numpy(dtype=object)
    it = items.to_numpy(dtype=object)
    base = np.array([sign.get(i, 1) for i in it], dtype=int)
    opt = np.array([sign.get(i, 0) for i in it], dtype=int)
    msign = np.array([_METRIC_SIGN.get(x, 1) for x in m], dtype=int)
    out = base * msign
    out = np.where(m == "option_share", opt, out)
    return np.where(m == "dont_know", -1, out).astype(int)


def _national(t: pd.DataFrame) -> pd.DataFrame:
    nat = t.loc[t["by"] == NATIONAL, ["item", "metric", "level", "estimate", "n_weighted"]]
    nat = nat.drop_duplicates(["item", "metric", "level"])
    return nat.rename(columns={"estimate": "national", "n_weighted": "_nat_w"})


def _with_national(t: pd.DataFrame) -> pd.DataFrame:
    """Add the national estimate and the group's weighted population share to each row."""
    if "n_weighted" not in t.columns:
        t = t.assign(n_weighted=np.nan)
    out = t.merge(_national(t), on=["item", "metric", "level"], how="left", sort=False)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = pd.to_numeric(out["n_weighted"], errors="coerce") / pd.to_numeric(out["_nat_w"], errors="coerce")
    share = share.where(out["by"] != NATIONAL, 1.0)
    out["share"] = share.clip(0, 1)
    return out.drop(columns="_nat_w")


def _frame(rows: pd.DataFrame, rule: str, **cols: Any) -> pd.DataFrame:
    """Candidate rows in the :data:`CANDIDATE_COLUMNS` layout (built column-wise in one constructor)."""
    n = len(rows)
    data: dict[str, Any] = {}
    for c in CANDIDATE_COLUMNS:
        if c in cols:
            v = cols[c]
        elif c in rows.columns:
            v = rows[c].to_numpy()
        else:
            v = None
        if v is not None and np.ndim(v) == 0:
            v = np.repeat(np.asarray(v, dtype=object), n)
        if c in _FLOAT:
            data[c] = (np.full(n, np.nan) if v is None
                       else pd.to_numeric(pd.Series(np.asarray(v, dtype=object)), errors="coerce").to_numpy(float))
        else:
            data[c] = ([""] * n if v is None
                       else ["" if x is None or (isinstance(x, float) and x != x) else str(x) for x in v])
    data["rule"] = [rule] * n
    return pd.DataFrame(data, columns=list(CANDIDATE_COLUMNS))


def _threshold_test(rows: pd.DataFrame, goal: np.ndarray, sign: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One-sided p-value that the estimate is on the unfavourable side of ``goal``, and its Holm adjustment.

    ``sign`` is +1 when the estimate should be at least the goal (the test asks
    whether it is lower), -1 when it should be at most the goal.
    """
    est = rows["estimate"].to_numpy(float)
    se = pd.to_numeric(rows["se"], errors="coerce").to_numpy(float)
    df = pd.to_numeric(rows["df"], errors="coerce").to_numpy(float) if "df" in rows.columns else np.inf
    # sign * (estimate - goal) < 0 is the unfavourable side: test H1 sign*(est-goal) < 0
    _, p = t_test(sign * (est - goal), se, df, null=0.0, alternative="less")
    # a standard error of 0 (every respondent answered alike) leaves no doubt about the side
    exact = np.where(sign * (est - goal) < 0, 0.0, 1.0)
    p = np.where(np.isfinite(se) & (se > 0), p, np.where(se == 0, exact, np.nan))
    return p, adjust_pvalues(p, "holm")


def _basis(rows: pd.DataFrame, goal: np.ndarray, sign: np.ndarray) -> np.ndarray:
    lo = pd.to_numeric(rows["ci_low"], errors="coerce").to_numpy(float)
    hi = pd.to_numeric(rows["ci_high"], errors="coerce").to_numpy(float)
    whole = np.where(sign > 0, hi < goal, lo > goal)
    return np.where(whole, "interval", "estimate")


def _num(rows: pd.DataFrame, col: str) -> np.ndarray:
    return pd.to_numeric(rows[col], errors="coerce").to_numpy(float)


def _check_alpha(alpha, rule: str) -> None:
    if alpha is not None and not (0 < float(alpha) < 1):
        raise PlanError(f"rule {rule}: alpha must be between 0 and 1, got {alpha!r}")


# --------------------------------------------------------------------------- targets
def targets_frame(targets) -> pd.DataFrame:
    """Targets as a frame with columns ``item, metric, goal, direction, by``.

    Accepts :class:`~trustsurvey.questionnaire.sections.Target` objects, dicts
    with those keys, or a DataFrame. ``by`` empty means the national figure.

    Examples
    --------
    >>> targets_frame([{"item": "trust_kp", "metric": "top2", "goal": 0.7}])
      item metric  goal direction by
    0  trust_kp   top2   0.7    higher
    """
    cols = ["item", "metric", "goal", "direction", "by"]
    if targets is None:
        return pd.DataFrame({c: pd.Series(dtype=float if c == "goal" else object) for c in cols})
    if isinstance(targets, pd.DataFrame):
        rows = targets.to_dict("records")
    else:
        rows = [t if isinstance(t, Mapping) else {c: getattr(t, c, None) for c in cols} for t in targets]
    out = []
    for i, r in enumerate(rows):
        miss = [c for c in ("item", "metric", "goal") if r.get(c) is None]
        if miss:
            raise PlanError(f"targets[{i}]: missing {', '.join(miss)} (a target needs item, metric and goal)")
        direction = r.get("direction") or "higher"
        if direction not in ("higher", "lower"):
            raise PlanError(f"targets[{i}] ({r['item']}): direction must be 'higher' or 'lower', not {direction!r}")
        by = r.get("by")
        out.append({"item": str(r["item"]), "metric": str(r["metric"]), "goal": float(r["goal"]),
                    "direction": direction, "by": "" if by is None or (isinstance(by, float) and np.isnan(by)) else str(by)})
    frame = pd.DataFrame(out, columns=cols)
    frame["goal"] = frame["goal"].astype(float)
    return frame


# --------------------------------------------------------------------------- rules
def below_target(table: pd.DataFrame, targets, *, alpha: float = 0.05, min_base: int | None = None,
                 significant_only: bool = False, items=None) -> pd.DataFrame:
    """Estimates that miss their target.

    Each target ``(item, metric, goal, direction, by)`` is checked on the
    national row, and on every group of ``by`` when the target names one. A
    row misses the target when its estimate is below the goal (``direction
    "higher"``; above it for ``"lower"``). ``basis`` says whether the whole
    confidence interval misses the goal (``"interval"``) or only the point
    estimate does (``"estimate"``); ``p_value`` is the one-sided test that
    the estimate is on the wrong side of the goal (t test on the table's
    ``se``), ``p_adj`` its Holm adjustment over every row the rule checked.

    Parameters
    ----------
    table : pandas.DataFrame
        The breakdown table.
    targets : sequence of Target or dict, or DataFrame
        See :func:`targets_frame`.
    alpha : float
        Significance level used with ``significant_only``.
    min_base : int, optional
        Minimum unweighted base for a row to count (on top of suppression).
    significant_only : bool
        Keep only misses whose adjusted p-value is below ``alpha``.
    items : sequence of str, optional
        Restrict to these items.

    Returns
    -------
    pandas.DataFrame
        Candidates (:data:`CANDIDATE_COLUMNS`) with ``gap = |goal - estimate|``.
    """
    _check_alpha(alpha, "below_target")
    t = _check(table, BREAKDOWN_REQUIRED, "breakdown")
    tg = targets_frame(targets)
    if items is not None and not (isinstance(items, str) and items == "all"):
        tg = tg[tg["item"].isin([items] if isinstance(items, str) else list(items))]
    t = _with_national(t)
    usable = _usable(t, min_base)
    parts = []
    for target in tg.itertuples(index=False):  # a handful of targets, each a vectorised selection
        sub = t.loc[_items_mask(t, [target.item]) & usable]
        sel = sub.loc[_select_metric(sub, target.metric) & _by_mask(sub, target.by or None, national=True)].copy()
        sel["goal"] = target.goal
        sel["direction"] = target.direction
        parts.append(sel)
    if not parts:
        return _frame(pd.DataFrame(columns=list(t.columns)), "below_target")
    sel = pd.concat(parts, ignore_index=True)
    goal = sel["goal"].to_numpy(float)
    sign = np.where(sel["direction"].to_numpy() == "higher", 1, -1)
    p, p_adj = _threshold_test(sel, goal, sign)
    gap = sign * (goal - sel["estimate"].to_numpy(float))
    keep = gap > 0
    if significant_only:
        keep = keep & (p_adj < alpha)
    basis = _basis(sel, goal, sign)
    sel = sel.assign(p_value=p, p_adj=p_adj, gap=gap, threshold=goal, basis=basis)
    return _frame(sel.loc[keep], "below_target")


def decline(trend: pd.DataFrame, *, min_change: float = 0.05, alpha: float = 0.05, metric: str = "top2",
            min_base: int | None = None, items=None, item_sign: Mapping[str, int] | None = None,
            by=None, adjusted: bool = True) -> pd.DataFrame:
    """Significant unfavourable changes since the previous wave.

    A row of the latest wave of the trend table triggers when its change is
    unfavourable (a fall for a favourable-high item, a rise for bottom-2 or a
    reverse-worded item), at least ``min_change`` in the estimate's units
    (0.05 = 5 percentage points for shares), and the change's adjusted
    p-value (``change_p_adj``; ``change_p`` when ``adjusted`` is false or the
    table has no adjusted column) is below ``alpha``.

    Parameters
    ----------
    trend : pandas.DataFrame
        The ``ts.trend`` table (two or more waves).
    min_change : float
        Minimum size of the change.
    alpha : float
        Significance level.
    metric : str
        The metric checked (``top2``, ``mean``, ``index_mean``, ...).
    by : str, list or "all", optional
        Demographics whose group rows are checked too. Default: the national
        rows only -- every further demographic multiplies the number of
        tests (the trend table adjusts p-values within each demographic, not
        across them), so group declines are looked for only where a plan asks.
    item_sign : mapping, optional
        See :func:`row_polarity`.

    Returns
    -------
    pandas.DataFrame
        Candidates with ``previous`` (the earlier wave), ``change``, ``gap = |change|``,
        ``goal = previous`` (recover the earlier level), ``basis = "test"``.
    """
    _check_alpha(alpha, "decline")
    if min_change < 0:
        raise PlanError(f"rule decline: min_change must be at least 0, got {min_change!r}")
    t = _check(trend, TREND_REQUIRED, "trend")
    waves = pd.to_numeric(t["wave"], errors="coerce")
    if waves.notna().sum() == 0:
        return _frame(pd.DataFrame(columns=list(t.columns)), "decline")
    last = waves.max()
    # the previous wave's estimate: the latest earlier wave of each series
    key = ["item", "metric", "level", "by", "group"]
    earlier = t.loc[waves < last].assign(_w=waves[waves < last]).sort_values("_w")
    prev = earlier.drop_duplicates(key, keep="last")[key + ["estimate", "flag"]].rename(
        columns={"estimate": "_prev", "flag": "_prev_flag"})
    cur = t.loc[waves == last].merge(prev, on=key, how="left", sort=False)
    cur["previous"] = cur["_prev"]
    change = _num(cur, "change")
    cur["previous"] = cur["previous"].fillna(pd.Series(cur["estimate"].to_numpy(float) - change, index=cur.index))
    pcol = "change_p_adj" if adjusted and "change_p_adj" in cur.columns else "change_p"
    p = _num(cur, "change_p")
    p_adj = _num(cur, pcol)
    ok = _usable(cur, min_base) & _items_mask(cur, items) & _select_metric(cur, metric)
    ok = ok & (_by_mask(cur, by, national=True))
    prev_flag = (cur["_prev_flag"].astype(object).fillna("").astype(str) == "suppressed").to_numpy()
    ok = ok & (~prev_flag & np.isfinite(cur["previous"].to_numpy(float)))
    pol = row_polarity(cur["item"], cur["metric"], item_sign)
    adverse = -pol * change
    keep = ok & (pol != 0) & (adverse >= min_change) & (adverse > 0) & (p_adj < alpha)
    national = cur.loc[cur["by"] == NATIONAL, ["item", "metric", "level", "estimate"]].drop_duplicates(
        ["item", "metric", "level"]).rename(columns={"estimate": "national"})
    cur = cur.merge(national, on=["item", "metric", "level"], how="left", sort=False)
    n = _num(cur, "n_unweighted")
    nat_n = cur.merge(cur.loc[cur["by"] == NATIONAL, ["item", "metric", "level", "n_unweighted"]]
                      .drop_duplicates(["item", "metric", "level"]).rename(columns={"n_unweighted": "_nn"}),
                      on=["item", "metric", "level"], how="left", sort=False)["_nn"].to_numpy(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(cur["by"].to_numpy() == NATIONAL, 1.0, n / nat_n)
    cur = cur.assign(p_value=p, p_adj=p_adj, gap=adverse, goal=cur["previous"].to_numpy(float),
                     direction=np.where(pol >= 0, "higher", "lower"), threshold=float(min_change),
                     share=np.clip(share, 0, 1), basis="test")
    return _frame(cur.loc[keep], "decline")


def group_gap(table: pd.DataFrame, *, by="all", min_gap: float = 0.10, alpha: float = 0.05, metric: str = "top2",
              min_base: int | None = None, items=None, item_sign: Mapping[str, int] | None = None) -> pd.DataFrame:
    """Groups significantly worse than the national figure by at least ``min_gap``.

    A group row triggers when it is on the unfavourable side of the national
    estimate of the same item, metric and level by at least ``min_gap`` and
    its adjusted p-value from the breakdown (``p_adj``: the group against the
    rest of the population, Holm within the demographic) is below ``alpha``.

    Parameters
    ----------
    by : str, list of str or "all"
        Demographics to check (``region``, ``ethnicity``, ...).
    min_gap : float
        Minimum distance from the national estimate (0.10 = 10 points for shares).

    Returns
    -------
    pandas.DataFrame
        Candidates with ``national``, ``gap``, ``goal = national - min_gap``
        (``+`` for lower-is-better rows) and ``basis = "test"``.
    """
    _check_alpha(alpha, "group_gap")
    if min_gap < 0:
        raise PlanError(f"rule group_gap: min_gap must be at least 0, got {min_gap!r}")
    t = _check(table, BREAKDOWN_REQUIRED + ("p_adj",), "breakdown")
    t = _with_national(t)
    ok = _usable(t, min_base) & _items_mask(t, items) & _select_metric(t, metric)
    ok = ok & (_by_mask(t, by, national=False))
    pol = row_polarity(t["item"], t["metric"], item_sign)
    est, nat = _num(t, "estimate"), _num(t, "national")
    gap = pol * (nat - est)
    p_adj = _num(t, "p_adj")
    keep = ok & (pol != 0) & np.isfinite(nat) & (gap >= min_gap) & (gap > 0) & (p_adj < alpha)
    t = t.assign(gap=gap, goal=nat - pol * float(min_gap), direction=np.where(pol >= 0, "higher", "lower"),
                 threshold=float(min_gap), basis="test")
    return _frame(t.loc[keep], "group_gap")


def _threshold_rule(table, rule, *, threshold, side, metric, items, by, min_base, alpha):
    _check_alpha(alpha, rule)
    t = _check(table, BREAKDOWN_REQUIRED, "breakdown")
    t = _with_national(t)
    ok = _usable(t, min_base) & _items_mask(t, items) & _select_metric(t, metric)
    ok = ok & (_by_mask(t, by, national=True))
    sel = t.loc[ok].copy()
    goal = np.full(len(sel), float(threshold))
    sign = np.full(len(sel), 1 if side == "at_least" else -1)
    p, p_adj = _threshold_test(sel, goal, sign)
    gap = sign * (goal - sel["estimate"].to_numpy(float))
    keep = gap > 0
    if alpha is not None:
        keep = keep & (p_adj < alpha)
    sel = sel.assign(p_value=p, p_adj=p_adj, gap=gap, goal=goal, threshold=goal,
                     direction="higher" if side == "at_least" else "lower", basis=_basis(sel, goal, sign))
    return _frame(sel.loc[keep], rule)


def low_awareness(table: pd.DataFrame, *, threshold: float = 0.5, items=None, metric: str = "yes", by=None,
                  min_base: int | None = None, alpha: float | None = None) -> pd.DataFrame:
    """Awareness (share answering "yes") below ``threshold``.

    Checks the national rows, and the groups of ``by`` if given. ``basis``
    says whether the whole confidence interval is below the threshold;
    with ``alpha`` only significantly low rows (one-sided test, Holm) count.

    Examples
    --------
    >>> tab = pd.DataFrame({"item": ["lpsc_aware"], "metric": ["top2"], "level": [""], "by": ["national"],
    ...     "group": ["all"], "estimate": [0.31], "se": [0.02], "ci_low": [0.27], "ci_high": [0.35],
    ...     "n_unweighted": [1200], "n_weighted": [1.1e6], "flag": [""]})
    >>> low_awareness(tab, threshold=0.4)[["item", "estimate", "gap", "basis"]].round(2)
             item  estimate  gap     basis
    0  lpsc_aware      0.31 0.09  interval
    """
    return _threshold_rule(table, "low_awareness", threshold=threshold, side="at_least", metric=metric,
                           items=items, by=by, min_base=min_base, alpha=alpha)


def integrity_concern(table: pd.DataFrame, *, threshold: float = 0.3, items=None, metric: str = "top2",
                      by=None, min_base: int | None = None, alpha: float | None = 0.05) -> pd.DataFrame:
    """Agreement with an integrity concern (``int_bribes``: "some officers take bribes") above ``threshold``.

    ``metric`` is the share agreeing (``top2`` of the agree scale, raw codes,
    whatever the item's reversal in indices). With ``alpha`` (default 0.05)
    the share must be significantly above the threshold (one-sided test,
    Holm); ``alpha=None`` keeps every point estimate above it.
    """
    return _threshold_rule(table, "integrity_concern", threshold=threshold, side="at_most", metric=metric,
                           items=items, by=by, min_base=min_base, alpha=alpha)


def high_dont_know(table: pd.DataFrame, *, threshold: float = 0.2, items=None, by=None,
                   min_base: int | None = None, alpha: float | None = None) -> pd.DataFrame:
    """A share of "don't know" answers above ``threshold``: an information gap."""
    return _threshold_rule(table, "high_dont_know", threshold=threshold, side="at_most", metric="dont_know",
                           items=items, by=by, min_base=min_base, alpha=alpha)


#: rule type -> (function, input table: "breakdown" or "trend")
RULES = {
    "below_target": (below_target, "breakdown"),
    "decline": (decline, "trend"),
    "group_gap": (group_gap, "breakdown"),
    "low_awareness": (low_awareness, "breakdown"),
    "integrity_concern": (integrity_concern, "breakdown"),
    "high_dont_know": (high_dont_know, "breakdown"),
}
