"""Tracking last year's action plan against this year's survey (2.2.2: "number of recommendations addressed").

Every recommendation of the previous plan (its exported ``recommendations.csv``)
is looked up in this year's breakdown table (same item, metric, level,
demographic and group) and, when given, in the trend table (the change
since the previous wave and its test). Its status:

``addressed``
    the estimate has reached the recommendation's goal (``goal``/``direction``
    of the plan: the target, the threshold, the pre-decline level), or it
    improved significantly since the previous wave (``change_p < alpha``);
``in progress``
    it improved, but not significantly (or without a test, when no trend table is given);
``worsened``
    it changed for the worse, significantly;
``not addressed``
    neither (no change, or a non-significant change for the worse);
``no data``
    this year's estimate is missing or suppressed (too few respondents): no
    status can be claimed without evidence.

A group gap (``group_gap``) is judged on the gap itself, against this year's
national figure: ``addressed`` when the group is now within the allowed gap
(``min_gap``, recovered from the plan's ``national`` and ``goal``) or when it
improved significantly *and* the gap narrowed; ``in progress`` when the gap
narrowed; ``worsened`` when the group's own estimate fell significantly;
``not addressed`` otherwise. (Whether the gap itself changed significantly
would need the covariance of the two waves' group and national estimates,
which the tables do not carry.) Plans without ``national`` fall back to the
group's own level against ``goal``.

The change test is the plain (unadjusted) ``change_p`` of the trend table:
each plan item is a hypothesis stated a year in advance, not one of many
comparisons searched after the fact.
"""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import ReportError
from .rules import BREAKDOWN_REQUIRED, TREND_REQUIRED, _check, _usable

__all__ = ["read_plan", "track", "TRACKING_COLUMNS", "TRACKING_STATUSES"]

TRACKING_STATUSES = ("addressed", "in progress", "not addressed", "worsened", "no data")
TRACKING_COLUMNS = ("id", "rule", "item", "metric", "level", "by", "group", "goal", "direction", "previous_wave",
                    "previous", "wave", "estimate", "ci_low", "ci_high", "n_unweighted", "change", "change_p",
                    "status", "text")

#: metric assumed for a plan without a ``metric`` column, by rule
_RULE_METRIC = {"below_target": "top2", "decline": "top2", "group_gap": "top2", "low_awareness": "top2",
                "integrity_concern": "top2", "high_dont_know": "dont_know"}
_LOWER_RULES = ("integrity_concern", "high_dont_know")
_PLAN_REQUIRED = ("id", "rule", "item", "by", "group", "estimate")


def read_plan(source) -> pd.DataFrame:
    """Read last year's ``recommendations.csv`` (a path, a file object or a DataFrame).

    Text columns stay text (``group`` ``"6"``, ``level`` ``""``); a leading
    apostrophe added by the export to protect a cell from spreadsheet
    formulas is removed.

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
                raise ReportError(f"previous plan {path} not found; give the recommendations.csv exported last year")
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
                          f"written by Recommendations.export (columns id, rule, item, by, group, estimate, ...)")
    for c in plan.columns:
        if plan[c].dtype == object or pd.api.types.is_string_dtype(plan[c]):
            s = plan[c].astype(object).where(plan[c].notna(), "").astype(str)
            plan[c] = s.where(~s.str.startswith("'"), s.str[1:])
    for c in ("estimate", "goal", "previous", "change", "p_value", "p_adj", "priority", "ci_low", "ci_high",
              "n_unweighted", "wave"):
        if c in plan.columns:
            plan[c] = pd.to_numeric(plan[c].replace("", np.nan), errors="coerce")
    if "metric" not in plan.columns:
        plan["metric"] = plan["rule"].map(_RULE_METRIC).fillna("top2")
    if "level" not in plan.columns:
        plan["level"] = ""
    if "goal" not in plan.columns:
        plan["goal"] = np.nan
    if "direction" not in plan.columns:
        plan["direction"] = np.where(plan["rule"].isin(_LOWER_RULES), "lower", "higher")
    plan["direction"] = plan["direction"].where(plan["direction"].isin(["higher", "lower"]), "higher")
    if "text" not in plan.columns:
        plan["text"] = ""
    return plan.reset_index(drop=True)


def track(previous_plan, table: pd.DataFrame, trend: pd.DataFrame | None = None, *, alpha: float = 0.05,
          wave: int | None = None) -> pd.DataFrame:
    """The status of every recommendation of the previous plan this year.

    Parameters
    ----------
    previous_plan : path, file or DataFrame
        Last year's ``recommendations.csv`` (see :func:`read_plan`).
    table : pandas.DataFrame
        This year's breakdown table.
    trend : pandas.DataFrame, optional
        The trend table with this wave last (its ``change`` and ``change_p``).
        Without it the change is this year's estimate minus the plan's, untested.
    alpha : float
        Significance level of "improved significantly" and "worsened".
    wave : int, optional
        This year's wave, reported in the ``wave`` column.

    Returns
    -------
    pandas.DataFrame
        :data:`TRACKING_COLUMNS`, one row per earlier recommendation, in the plan's order.

    Examples
    --------
    >>> plan = pd.DataFrame({"id": ["low_awareness:lpsc_aware:national:all"], "rule": ["low_awareness"],
    ...     "item": ["lpsc_aware"], "by": ["national"], "group": ["all"], "estimate": [0.31],
    ...     "metric": ["top2"], "goal": [0.4], "direction": ["higher"]})
    >>> now = pd.DataFrame({"item": ["lpsc_aware"], "metric": ["top2"], "level": [""], "by": ["national"],
    ...     "group": ["all"], "estimate": [0.42], "se": [0.02], "ci_low": [0.38], "ci_high": [0.46],
    ...     "n_unweighted": [1200], "flag": [""]})
    >>> track(plan, now)["status"].tolist()
    ['addressed']
    """
    plan = read_plan(previous_plan)
    t = _check(table, BREAKDOWN_REQUIRED, "breakdown")
    key = ["item", "metric", "level", "by", "group"]
    t = t.loc[_usable(t, None)].drop_duplicates(key)
    cur = t[key + ["estimate", "ci_low", "ci_high", "n_unweighted"]]
    keep = ["id", "rule", "item", "metric", "level", "by", "group", "goal", "direction", "estimate", "text"]
    out = plan[keep + [c for c in ("national", "gap") if c in plan.columns]]
    out = out.rename(columns={"estimate": "previous", "national": "_nat_then", "gap": "_gap_then"})
    for c in ("item", "metric", "level", "by", "group"):
        out[c] = out[c].astype(str)
    out = out.merge(cur, on=key, how="left", sort=False)
    nat = t.loc[t["by"] == "national", ["item", "metric", "level", "estimate"]].drop_duplicates(
        ["item", "metric", "level"]).rename(columns={"estimate": "_nat_now"})
    out = out.merge(nat, on=["item", "metric", "level"], how="left", sort=False)
    out["change"] = out["estimate"] - out["previous"]
    out["change_p"] = np.nan
    if trend is not None:
        tr = _check(trend, TREND_REQUIRED, "trend")
        waves = pd.to_numeric(tr["wave"], errors="coerce")
        tr = tr.loc[waves == waves.max()].drop_duplicates(key)
        tr = tr[key + ["change", "change_p"]].rename(columns={"change": "_tc", "change_p": "_tp"})
        out = out.merge(tr, on=key, how="left", sort=False)
        has = out["_tc"].notna()
        out.loc[has, "change"] = out.loc[has, "_tc"]
        out["change_p"] = pd.to_numeric(out["_tp"], errors="coerce")
        out = out.drop(columns=["_tc", "_tp"])
    out["status"] = _status(out, alpha)
    out["wave"] = pd.array([wave] * len(out), dtype="Int64")
    pw = plan["wave"] if "wave" in plan.columns else pd.Series(np.nan, index=plan.index)
    out["previous_wave"] = pd.to_numeric(pw, errors="coerce").round().astype("Int64").to_numpy()
    return out[list(TRACKING_COLUMNS)]


def _num(out: pd.DataFrame, col: str) -> np.ndarray:
    if col not in out.columns:
        return np.full(len(out), np.nan)
    return pd.to_numeric(out[col], errors="coerce").to_numpy(float)


def _status(out: pd.DataFrame, alpha: float) -> np.ndarray:
    est, goal, change, p = _num(out, "estimate"), _num(out, "goal"), _num(out, "change"), _num(out, "change_p")
    sign = np.where(out["direction"].to_numpy() == "lower", -1.0, 1.0)
    no_data = ~np.isfinite(est)
    with np.errstate(invalid="ignore"):
        reached = np.isfinite(goal) & (sign * (est - goal) >= 0)
        better = sign * change > 0
        worse = sign * change < 0
        sig = p < alpha
        # group gaps: the gap to this year's national figure against the allowed gap and last year's gap
        nat_then, nat_now, gap_then = _num(out, "_nat_then"), _num(out, "_nat_now"), _num(out, "_gap_then")
        is_gap = (out["rule"].to_numpy() == "group_gap") & np.isfinite(nat_then) & np.isfinite(nat_now)
        min_gap = sign * (nat_then - goal)
        gap_now = sign * (nat_now - est)
        gap_then = np.where(np.isfinite(gap_then), gap_then, sign * (nat_then - _num(out, "previous")))
        narrowed = gap_now < gap_then
    reached = np.where(is_gap, gap_now < min_gap, reached)
    better = np.where(is_gap, narrowed, better)
    sig_better = np.where(is_gap, narrowed & (sign * change > 0) & sig, better & sig)
    return np.select(
        [no_data, reached, sig_better, better, worse & sig],
        ["no data", "addressed", "addressed", "in progress", "worsened"],
        default="not addressed",
    )

