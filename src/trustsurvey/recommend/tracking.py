"""Monitoring last year's action plan against this year's survey (2.2.2 indicator, 2.2.11 monitoring).

Every recommendation of the previous plan (its ``recommendations.csv``, the
machine table of :meth:`~trustsurvey.recommend.Recommendations.to_frame`) is
looked up in this year's breakdown table (same item, metric, level,
demographic and group) and, when given, in the trend table (the change since
the previous wave and its t test). Its status, by the first rule that holds:

``not_measurable``
    no estimate this year: the item or group is not in this year's table
    (``reason = "missing"``), or its estimate is suppressed for too few
    respondents (``reason = "suppressed"``);
``target_met``
    this year's estimate reaches the recommendation's ``goal`` in its
    ``direction`` (the target, the threshold, the level before a decline); for
    a gap between a group (or a small area) and all respondents (``group_gap``,
    ``local_gap``): the gap to this year's national estimate is less than the
    allowed gap (``threshold``);
``improved``
    the estimate changed in the favourable direction, significant at
    ``alpha``;
``worsened``
    the estimate changed in the unfavourable direction, significant at
    ``alpha``;
``no_change``
    otherwise: the change is not significant, or there is no trend table to
    test it (a status of improvement or worsening is never claimed untested).

The test is the trend table's two-sided t test of the change between the two
waves (``change_p``, unadjusted: each recommendation is a hypothesis stated a
year in advance, not one of many comparisons searched after the fact); the
same p-value is quoted wherever that change appears. For a group's gap,
``improved``/``worsened`` judge the group's own change (whether the gap itself
changed significantly would need the covariance of the group's and the
population's estimates, which the tables do not carry).

Plans written by earlier versions (ids ``rule:item:by:group``, one row per
rule) are read too: each row is given the id ``item:by:group`` of its item and
group and, where several rules fired on one, the first (strongest) row is kept.
"""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import ReportError
from .model import make_id
from .rules import BREAKDOWN_REQUIRED, TREND_REQUIRED, _check, _usable

__all__ = ["read_plan", "track", "TRACKING_COLUMNS"]

#: the machine table of the monitoring, one row per recommendation of the previous plan
TRACKING_COLUMNS = ("id", "rule", "item", "metric", "level", "by", "group", "goal", "direction", "threshold",
                    "previous_wave", "previous", "wave", "estimate", "ci_low", "ci_high", "n_unweighted", "national",
                    "change", "change_se", "change_df", "change_p", "test", "p_value", "status", "reason")

#: metric assumed for a plan without a ``metric`` column, by rule
_RULE_METRIC = {"below_target": "top2", "decline": "top2", "group_gap": "top2", "local_gap": "top2",
                "low_awareness": "top2", "integrity_concern": "top2", "high_dont_know": "dont_know"}
_LOWER_RULES = ("integrity_concern", "high_dont_know")
#: rules whose goal is a gap to the national estimate (a group's, a small area's)
_GAP_RULES = ("group_gap", "local_gap")
_PLAN_REQUIRED = ("id", "rule", "item", "by", "group", "estimate")
_NUMERIC = ("estimate", "goal", "previous", "change", "p_value", "p_adj", "priority", "ci_low", "ci_high",
            "n_unweighted", "wave", "previous_wave", "threshold", "national", "gap", "rank", "change_p")


def read_plan(source) -> pd.DataFrame:
    """Read last year's ``recommendations.csv`` (a path, a file object or a DataFrame).

    Text columns stay text (``group`` ``"6"``, ``level`` ``""``); a leading
    apostrophe added to protect a cell from spreadsheet formulas is removed.
    The ``id`` is made ``item:by:group`` (plans of earlier versions, one row
    per rule, keep their first row per id; ``plan_id`` keeps the id as written).

    Raises
    ------
    ReportError
        If the file is missing or lacks the columns tracking needs.
    """
    if isinstance(source, pd.DataFrame):
        plan = source.copy()
        where = "the previous plan"
    else:
        where = str(source)
        if isinstance(source, (str, os.PathLike)):
            path = Path(source)
            if not path.is_file():
                raise ReportError(f"previous plan {path} not found; give the recommendations.csv written last year")
            raw = path.read_text(encoding="utf-8-sig")
        else:
            raw = source.read()
            if isinstance(raw, bytes):
                raw = raw.decode("utf-8-sig")
        rows = list(csv.DictReader(io.StringIO(raw)))
        plan = pd.DataFrame(rows, columns=list(rows[0]) if rows else list(_PLAN_REQUIRED), dtype=object)
    missing = [c for c in _PLAN_REQUIRED if c not in plan.columns]
    if missing:
        raise ReportError(f"{where}: column(s) {', '.join(missing)} missing; tracking needs the recommendations.csv "
                          f"of last year's run (columns id, rule, item, by, group, estimate, ...)")
    for c in plan.columns:
        if c in _NUMERIC:
            continue
        if plan[c].dtype == object or pd.api.types.is_string_dtype(plan[c]):
            s = plan[c].astype(object).where(plan[c].notna(), "").astype(str)
            plan[c] = s.where(~s.str.startswith("'"), s.str[1:])
    for c in _NUMERIC:
        if c in plan.columns:
            plan[c] = pd.to_numeric(plan[c].replace("", np.nan), errors="coerce")
    if "metric" not in plan.columns:
        plan["metric"] = plan["rule"].map(_RULE_METRIC).fillna("top2")
    for c in ("level", "text", "finding"):
        if c not in plan.columns:
            plan[c] = ""
    for c in ("goal", "threshold", "national", "gap", "previous", "change", "previous_wave", "wave"):
        if c not in plan.columns:
            plan[c] = np.nan
    # plans of earlier versions carry no threshold: a level rule's threshold is its goal
    level_rule = plan["rule"].isin(["below_target", "low_awareness", "integrity_concern", "high_dont_know"])
    plan["threshold"] = plan["threshold"].where(plan["threshold"].notna() | ~level_rule, plan["goal"])
    if "direction" not in plan.columns:
        plan["direction"] = np.where(plan["rule"].isin(_LOWER_RULES), "lower", "higher")
    plan["direction"] = plan["direction"].where(plan["direction"].isin(["higher", "lower"]), "higher")
    for c in ("item", "metric", "level", "by", "group"):
        plan[c] = plan[c].astype(object).where(plan[c].notna(), "").astype(str)
    opt = (plan["metric"] == "option_share") & (plan["level"] != "")
    key = plan["item"].where(~opt, plan["level"])
    plan["plan_id"] = plan["id"].astype(str)
    plan["id"] = [make_id(i, b, g) for i, b, g in zip(key, plan["by"], plan["group"])]
    plan = plan.drop_duplicates("id", keep="first")
    return plan.reset_index(drop=True)


def _num(out: pd.DataFrame, col: str) -> np.ndarray:
    if col not in out.columns:
        return np.full(len(out), np.nan)
    return pd.to_numeric(out[col], errors="coerce").to_numpy(float)


def track(previous_plan, table: pd.DataFrame, trend: pd.DataFrame | None = None, *, alpha: float = 0.05,
          wave: int | None = None, change_df: float | None = None) -> pd.DataFrame:
    """The status of every recommendation of the previous plan this year.

    Parameters
    ----------
    previous_plan : path, file or DataFrame
        Last year's ``recommendations.csv`` (see :func:`read_plan`).
    table : pandas.DataFrame
        This year's breakdown table.
    trend : pandas.DataFrame, optional
        The trend table with this wave last (its ``change``, ``change_se``,
        ``change_p`` and, if it has one, ``change_df``). Without it the change
        is this year's estimate minus the plan's, untested.
    alpha : float
        Significance level of ``improved`` and ``worsened``.
    wave : int, optional
        This year's wave, reported in the ``wave`` column.
    change_df : float, optional
        Degrees of freedom of the change's t test (the sum of the two waves'
        design degrees of freedom) when the trend table does not carry them.

    Returns
    -------
    pandas.DataFrame
        :data:`TRACKING_COLUMNS`, one row per earlier recommendation, in the
        plan's order. ``previous`` is the estimate of the earlier wave (the
        trend's where it has the row, else the plan's), ``change`` this wave's
        minus it, ``test`` the test that decided the status (``change_t``:
        the t test of the change, whose ``change_p`` is then ``p_value``;
        ``goal``: the estimate against the goal, no test; ``none``: no test
        was possible; empty for ``not_measurable``).

    Examples
    --------
    >>> plan = pd.DataFrame({"id": ["a:national:all"], "rule": ["low_awareness"],
    ...     "item": ["a"], "by": ["national"], "group": ["all"], "estimate": [0.31],
    ...     "metric": ["top2"], "goal": [0.4], "direction": ["higher"]})
    >>> now = pd.DataFrame({"item": ["a"], "metric": ["top2"], "level": [""], "by": ["national"],
    ...     "group": ["all"], "estimate": [0.42], "se": [0.02], "ci_low": [0.38], "ci_high": [0.46],
    ...     "n_unweighted": [1200], "flag": [""]})
    >>> track(plan, now)["status"].tolist()
    ['target_met']
    """
    plan = read_plan(previous_plan)
    t = _check(table, BREAKDOWN_REQUIRED, "breakdown")
    key = ["item", "metric", "level", "by", "group"]
    present = t.drop_duplicates(key)[key].assign(_present=True)
    t = t.loc[_usable(t, None)].drop_duplicates(key)
    cur = t[key + ["estimate", "ci_low", "ci_high", "n_unweighted"]]
    out = plan[["id", "rule", "item", "metric", "level", "by", "group", "goal", "direction", "threshold",
                "estimate", "national", "gap", "wave"]].rename(
        columns={"estimate": "previous", "national": "_nat_then", "gap": "_gap_then", "wave": "previous_wave"})
    out = out.merge(cur, on=key, how="left", sort=False).merge(present, on=key, how="left", sort=False)
    nat = t.loc[t["by"] == "national", ["item", "metric", "level", "estimate"]].drop_duplicates(
        ["item", "metric", "level"]).rename(columns={"estimate": "national"})
    out = out.merge(nat, on=["item", "metric", "level"], how="left", sort=False)
    out["change"] = out["estimate"] - out["previous"]
    out["change_se"] = np.nan
    out["change_p"] = np.nan
    out["change_df"] = np.nan if change_df is None else float(change_df)
    tested = np.zeros(len(out), bool)
    if trend is not None:
        tr = _check(trend, TREND_REQUIRED, "trend")
        waves = pd.to_numeric(tr["wave"], errors="coerce")
        last = tr.loc[waves == waves.max()].drop_duplicates(key)
        cols = {"change": "_tc", "change_p": "_tp", "estimate": "_te"}
        for c, new in (("change_se", "_ts"), ("change_df", "_td")):
            if c in last.columns:
                cols[c] = new
        last = last[key + list(cols)].rename(columns=cols)
        out = out.merge(last, on=key, how="left", sort=False)
        has = pd.to_numeric(out["_tc"], errors="coerce").notna().to_numpy()
        tc, te = _num(out, "_tc"), _num(out, "_te")
        out.loc[has, "change"] = tc[has]
        out.loc[has, "previous"] = (te - tc)[has]
        out["change_p"] = _num(out, "_tp")
        if "_ts" in out.columns:
            out["change_se"] = _num(out, "_ts")
        if "_td" in out.columns:
            out["change_df"] = np.where(np.isfinite(_num(out, "_td")), _num(out, "_td"), _num(out, "change_df"))
        tested = np.isfinite(_num(out, "change_p"))
        out = out.drop(columns=[c for c in out.columns if c in ("_tc", "_tp", "_te", "_ts", "_td")])
    status, reason = _status(out, alpha)
    out["status"] = status
    out["reason"] = reason
    measurable = status != "not_measurable"
    out["test"] = np.where(~measurable, "", np.where(status == "target_met", "goal",
                                                     np.where(tested, "change_t", "none")))
    out["p_value"] = np.where(measurable & (status != "target_met") & tested, _num(out, "change_p"), np.nan)
    out["wave"] = pd.array([wave] * len(out), dtype="Int64")
    out["previous_wave"] = pd.array([None if not np.isfinite(x) else int(round(x))
                                     for x in _num(out, "previous_wave")], dtype="Int64")
    out["threshold"] = _allowed_gap(out)
    return out[list(TRACKING_COLUMNS)]


def _allowed_gap(out: pd.DataFrame) -> np.ndarray:
    """The plan's threshold; for a group gap without one, the allowed gap recovered from ``national`` and ``goal``."""
    thr = _num(out, "threshold")
    sign = np.where(out["direction"].to_numpy() == "lower", -1.0, 1.0)
    derived = sign * (_num(out, "_nat_then") - _num(out, "goal"))
    is_gap = np.isin(out["rule"].to_numpy(), _GAP_RULES)
    return np.where(is_gap & ~np.isfinite(thr), derived, thr)


def _status(out: pd.DataFrame, alpha: float) -> tuple[np.ndarray, np.ndarray]:
    est, goal, change, p = _num(out, "estimate"), _num(out, "goal"), _num(out, "change"), _num(out, "change_p")
    sign = np.where(out["direction"].to_numpy() == "lower", -1.0, 1.0)
    present = out["_present"].fillna(False).to_numpy(bool)
    no_data = ~np.isfinite(est)
    with np.errstate(invalid="ignore"):
        reached = np.isfinite(goal) & (sign * (est - goal) >= 0)
        # a group's gap: this year's gap to the national estimate against the allowed gap
        is_gap = np.isin(out["rule"].to_numpy(), _GAP_RULES)
        allowed = _allowed_gap(out)
        gap_now = sign * (_num(out, "national") - est)
        reached = np.where(is_gap & np.isfinite(allowed), gap_now < allowed, reached)
        sig = np.isfinite(p) & (p < alpha)
        better = sig & (sign * change > 0)
        worse = sig & (sign * change < 0)
    status = np.select([no_data, reached, better, worse],
                       ["not_measurable", "target_met", "improved", "worsened"], default="no_change")
    reason = np.where(no_data, np.where(present, "suppressed", "missing"), "")
    return status, reason
