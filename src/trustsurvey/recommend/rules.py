"""Recommendation rules: pure, vectorised functions over the tidy breakdown and trend tables.

Each rule takes a tidy table (``ts.breakdown`` or ``ts.trend`` layout) and
returns *candidate* rows in one fixed layout, :data:`CANDIDATE_COLUMNS`: one
row per item x group that breaks the rule, with the evidence that shows it.
Rules never compute variances: they take estimates, standard errors and
p-values from the tables (the threshold rules turn ``estimate``/``se`` into a
one-sided test against the goal through the package's one inference core,
:func:`trustsurvey.inference.t_test`, and adjust those p-values with the one
multiplicity module, :func:`trustsurvey.multiplicity.adjust_pvalues`).

Conventions shared by every rule

* Suppressed estimates (``flag == "suppressed"``, or a missing estimate) and
  rows with fewer than ``min_base`` respondents never produce a candidate.
* The **polarity** of a row says which direction is favourable: ``+1`` when a
  higher estimate is better, ``-1`` when lower is better (a bottom-2 share, a
  "don't know" share, agreeing with a negatively worded statement), ``0`` when
  the row has no direction (the share of one code). It comes from the meaning
  layer (:meth:`trustsurvey.labels.Meaning.polarity`): the rules take a
  :class:`~trustsurvey.labels.Meaning` or an array of polarities, one per row
  (see :func:`row_polarity`); never a table of their own.
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
  test: change since the previous wave, group against the rest).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from ..errors import PlanError, TrustSurveyError
from ..inference import t_test
from ..multiplicity import adjust_pvalues
from ..vocabulary import NATIONAL

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
        # plain Python strings in object columns: "" for missing, codes as text ("6", not 6.0);
        # each distinct value is converted once
        codes, uniques = pd.factorize(out[c].astype(object), use_na_sentinel=True)
        texts = np.array([_text(u) for u in uniques] + [""], dtype=object)
        out[c] = pd.Series(texts[codes], index=out.index, dtype=object)
    return out


def _text(x) -> str:
    if x is None or x is pd.NA or (isinstance(x, float) and x != x):
        return ""
    if isinstance(x, (float, np.floating)) and float(x).is_integer():
        return str(int(x))
    return str(x)


def _usable(t: pd.DataFrame, min_base: int | float | None) -> np.ndarray:
    """Rows that may trigger a recommendation: estimated, not suppressed, at least ``min_base`` respondents."""
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


def row_polarity(items, metrics, polarity: Any = None) -> np.ndarray:
    """Favourable direction of each row: +1 higher is better, -1 lower is better, 0 none.

    Parameters
    ----------
    items, metrics : sequence
        The rows' item ids (the option id for an ``option_share`` row) and metrics.
    polarity : Meaning, array-like or None
        A :class:`~trustsurvey.labels.Meaning` (asked row by row through
        :meth:`~trustsurvey.labels.Meaning.polarities`), an array of the rows'
        polarities, or None: the meaning layer without a questionnaire (higher
        is better; bottom-2 and "don't know" shares lower; a code's share none).

    Examples
    --------
    >>> row_polarity(["q1", "q1", "q1", "q1"], ["top2", "bottom2", "dont_know", "share"]).tolist()
    [1, -1, -1, 0]
    >>> row_polarity(["q1", "q2"], ["top2", "top2"], [1, -1]).tolist()
    [1, -1]
    """
    items = list(items)
    metrics = list(metrics)
    if polarity is None or hasattr(polarity, "polarities"):
        if polarity is None:
            from ..labels import meaning

            polarity = meaning(None)
        return np.asarray(polarity.polarities(items, metrics), dtype=int).reshape(len(items))
    arr = np.asarray(polarity)
    if arr.shape != (len(items),):
        raise TrustSurveyError(f"polarity: give a Meaning or one polarity per row ({len(items)} rows), "
                               f"not an array of shape {arr.shape}")
    return arr.astype(int)


def _polarity_of(t: pd.DataFrame, polarity: Any) -> np.ndarray:
    """The polarity of each row of ``t`` (option rows asked about their option id)."""
    opt = (t["metric"] == "option_share") & (t["level"] != "")
    items = t["item"].where(~opt, t["level"])
    return row_polarity(items, t["metric"], polarity)


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
    whether it is lower), -1 when it should be at most the goal. The t
    reference uses the table's ``df`` column (the design's degrees of freedom)
    when it has one, the normal distribution otherwise. The Holm family is
    every row the rule checked.
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
def targets_frame(targets, polarity: Any = None) -> pd.DataFrame:
    """Targets as a frame with columns ``item, metric, goal, direction, by``.

    Accepts :class:`~trustsurvey.questionnaire.sections.Target` objects, dicts
    with those keys, or a DataFrame. ``by`` empty means the national figure. A
    target without a ``direction`` takes the polarity of its item and metric
    (``polarity``: a Meaning, as in :func:`row_polarity`): ``"lower"`` where
    lower is better, ``"higher"`` otherwise.

    Examples
    --------
    >>> targets_frame([{"item": "q1", "metric": "top2", "goal": 0.7},
    ...                {"item": "q1", "metric": "dont_know", "goal": 0.1}])
      item     metric  goal direction by
    0   q1       top2   0.7    higher
    1   q1  dont_know   0.1     lower
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
        direction = r.get("direction")
        if direction is None or (isinstance(direction, float) and direction != direction) or direction == "":
            meaning = polarity if hasattr(polarity, "polarities") else None
            pol = row_polarity([str(r["item"])], [str(r["metric"])], meaning)[0]
            direction = "lower" if pol < 0 else "higher"
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
                 significant_only: bool = False, items=None, polarity: Any = None) -> pd.DataFrame:
    """Estimates that miss their target.

    Each target ``(item, metric, goal, direction, by)`` is checked on the
    national row, and on every group of ``by`` when the target names one. A
    row misses the target when its estimate is below the goal (``direction
    "higher"``; above it for ``"lower"``: a ceiling). ``basis`` says whether the
    whole confidence interval misses the goal (``"interval"``) or only the point
    estimate does (``"estimate"``); ``p_value`` is the one-sided test that the
    estimate is on the wrong side of the goal (t test on the table's ``se``),
    ``p_adj`` its Holm adjustment over every row the rule checked.

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
    polarity : Meaning, optional
        Gives the direction of targets that do not state one.

    Returns
    -------
    pandas.DataFrame
        Candidates (:data:`CANDIDATE_COLUMNS`) with ``gap = |goal - estimate|``.
    """
    _check_alpha(alpha, "below_target")
    t = _check(table, BREAKDOWN_REQUIRED, "breakdown")
    tg = targets_frame(targets, polarity)
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
            min_base: int | None = None, items=None, polarity: Any = None, by=None,
            adjusted: bool = True) -> pd.DataFrame:
    """Significant unfavourable changes since the previous wave.

    A row of the latest wave of the trend table triggers when its change is
    unfavourable (a fall where higher is better, a rise where lower is
    better: a bottom-2 share, a "don't know" share, a negatively worded
    item), at least ``min_change`` in the estimate's units (0.05 = 5
    percentage points for shares), and the change's adjusted p-value
    (``change_p_adj``; ``change_p`` when ``adjusted`` is false or the table has
    no adjusted column) is below ``alpha``. Rows without a direction (the
    share of one code) never trigger.

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
    min_base : int, optional
        Minimum unweighted base of this wave's row.
    by : str, list or "all", optional
        Demographics whose group rows are checked too. Default: the national
        rows only -- every further demographic multiplies the number of
        tests (the trend table adjusts p-values within each demographic, not
        across them), so group declines are looked for only where a plan asks.
    polarity : Meaning or array, optional
        See :func:`row_polarity` (an array: one value per row of ``trend``).

    Returns
    -------
    pandas.DataFrame
        Candidates with ``previous`` (the earlier wave), ``change``, ``gap = |change|``,
        ``goal = previous`` (recover the earlier level), ``basis = "test"``;
        ``p_value`` is ``change_p``, ``p_adj`` the p-value the rule used.
    """
    _check_alpha(alpha, "decline")
    if min_change < 0:
        raise PlanError(f"rule decline: min_change must be at least 0, got {min_change!r}")
    t = _check(trend, TREND_REQUIRED, "trend")
    if polarity is not None and not hasattr(polarity, "polarities"):
        t["_pol"] = row_polarity(t["item"], t["metric"], polarity)
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
    pol = (cur["_pol"].to_numpy(int) if "_pol" in cur.columns else _polarity_of(cur, polarity))
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
              min_base: int | None = None, items=None, polarity: Any = None) -> pd.DataFrame:
    """Groups significantly worse than the national figure by at least ``min_gap``.

    A group row triggers when it is on the unfavourable side of the national
    estimate of the same item, metric and level by at least ``min_gap`` and
    its adjusted p-value from the breakdown (``p_adj``: the group against the
    rest of the population, adjusted within the demographic) is below ``alpha``.

    Parameters
    ----------
    by : str, list of str or "all"
        Demographics to check.
    min_gap : float
        Minimum distance from the national estimate (0.10 = 10 points for shares).
    polarity : Meaning or array, optional
        See :func:`row_polarity` (an array: one value per row of ``table``).

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
    if polarity is not None and not hasattr(polarity, "polarities"):
        t["_pol"] = row_polarity(t["item"], t["metric"], polarity)
    t = _with_national(t)
    ok = _usable(t, min_base) & _items_mask(t, items) & _select_metric(t, metric)
    ok = ok & (_by_mask(t, by, national=False))
    pol = t["_pol"].to_numpy(int) if "_pol" in t.columns else _polarity_of(t, polarity)
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
    >>> tab = pd.DataFrame({"item": ["aware"], "metric": ["top2"], "level": [""], "by": ["national"],
    ...     "group": ["all"], "estimate": [0.31], "se": [0.02], "ci_low": [0.27], "ci_high": [0.35],
    ...     "n_unweighted": [1200], "n_weighted": [1.1e6], "flag": [""]})
    >>> low_awareness(tab, threshold=0.4)[["item", "estimate", "gap", "basis"]].round(2)
        item  estimate  gap     basis
    0  aware      0.31 0.09  interval
    """
    return _threshold_rule(table, "low_awareness", threshold=threshold, side="at_least", metric=metric,
                           items=items, by=by, min_base=min_base, alpha=alpha)


def integrity_concern(table: pd.DataFrame, *, threshold: float = 0.3, items=None, metric: str = "top2",
                      by=None, min_base: int | None = None, alpha: float | None = 0.05) -> pd.DataFrame:
    """The share agreeing with a concern (say, that officers take bribes) above ``threshold``.

    ``metric`` is the share agreeing (``top2`` of an agreement scale, on the
    raw codes, whatever the item's reversal in indices). With ``alpha``
    (default 0.05) the share must be significantly above the threshold
    (one-sided test, Holm); ``alpha=None`` keeps every point estimate above it.
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
