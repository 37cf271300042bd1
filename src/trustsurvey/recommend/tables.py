"""The recommendation tables a report shows: for readers, for monitoring, the 2.2.2 indicator.

Numbers stay numeric, in the units of each row's ``metric`` (shares 0-1,
scores, index points; p-values as probabilities): the report formats them.
Words are in the language asked (labels from the meaning layer, interface words
from the catalogue).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..labels import meaning
from ..labels.catalogue import NC_
from ..labels.numbers import (
    format_number,
    format_p,
    format_points,
    format_value,
    is_finite,
)
from .model import MONITORING_STATUSES
from .texts import finding_text, status_label, status_rule

if TYPE_CHECKING:  # pragma: no cover
    from .model import Recommendations

__all__ = ["readers_table", "monitoring_table", "indicator_table", "indicators_summary", "READERS_COLUMNS",
           "MONITORING_COLUMNS", "INDICATOR_COLUMNS"]

#: columns of :func:`readers_table`
READERS_COLUMNS = ("rank", "finding", "item", "metric", "by", "group", "estimate", "ci_low", "ci_high",
                   "n_unweighted", "p_adj", "responsible", "supporting", "deadline")
#: columns of :func:`monitoring_table`
MONITORING_COLUMNS = ("id", "finding", "item", "by", "group", "metric", "status", "status_label",
                      "previous_estimate", "estimate", "change", "test", "p_value", "comment")
#: columns of :func:`indicator_table`
INDICATOR_COLUMNS = ("status", "status_label", "count", "rule")


def readers_table(recs: Recommendations, lang: str) -> pd.DataFrame:
    """One row per recommendation, by rank, for readers.

    Columns (:data:`READERS_COLUMNS`):

    - ``rank``: 1 for the highest priority;
    - ``finding``: the recommendation in words -- whom and what it is about,
      the finding(s), then what to do (the action plan's Activity);
    - ``item``, ``by``, ``group``: labels of the item, the demographic and the
      group (the population's name for both on national rows);
    - ``metric``: the metric id of the numbers (``top2``, ``mean``, ...), which
      tells the report how to format them;
    - ``estimate``, ``ci_low``, ``ci_high``: the primary finding's estimate and
      confidence interval, in the metric's units;
    - ``n_unweighted``: the base; ``p_adj``: the adjusted p-value of the
      primary finding's test (its unadjusted p-value where the test has no
      adjustment; every finding's in :meth:`Recommendations.evidence_frame`);
    - ``responsible``, ``supporting``, ``deadline``: as in the action plan.
    """
    rows = []
    for r in recs:
        rows.append({
            "rank": r.rank, "finding": r.in_lang("text", lang), "item": r.in_lang("item_label", lang),
            "metric": r.metric, "by": r.in_lang("by_label", lang), "group": r.in_lang("group_label", lang),
            "estimate": r.estimate, "ci_low": r.ci_low, "ci_high": r.ci_high, "n_unweighted": r.n_unweighted,
            "p_adj": r.p_adj if is_finite(r.p_adj) else r.p_value, "responsible": r.in_lang("responsible", lang),
            "supporting": r.in_lang("supporting", lang), "deadline": r.in_lang("deadline", lang)})
    frame = pd.DataFrame(rows, columns=list(READERS_COLUMNS))
    frame["rank"] = pd.array(frame["rank"].tolist(), dtype="Int64")
    for c in ("estimate", "ci_low", "ci_high", "n_unweighted", "p_adj"):
        frame[c] = pd.to_numeric(frame[c], errors="coerce").astype(float)
    return frame


def _test_name(m: Any, row: dict) -> str:
    test = row["test"]
    if test == "goal":
        return m.t.pgettext("test", "estimate compared with the goal (no test)")
    if test == "none":
        return m.t.pgettext("test", "no test: the trend table has no earlier wave of this row")
    if test != "change_t":
        return ""
    pw = "" if pd.isna(row["previous_wave"]) else str(int(row["previous_wave"]))
    w = "" if pd.isna(row["wave"]) else str(int(row["wave"]))
    if is_finite(row["change_df"]):
        return m.t.format("t test of the change {previous_wave}→{wave}, {df} df", "test", previous_wave=pw, wave=w,
                          df=format_number(row["change_df"], 0, m.lang))
    return m.t.format("t test of the change {previous_wave}→{wave}", "test", previous_wave=pw, wave=w)


_GAP_MET = NC_("monitoring", "the gap to all respondents ({national}) is {gap}, less than the allowed {threshold}")
_GAP_NOT_MET = NC_("monitoring", "the gap to all respondents ({national}) is {gap}, not less than the allowed "
                                 "{threshold}")
_MET_HIGHER = NC_("monitoring", "{estimate} reaches the goal of at least {goal}")
_MET_LOWER = NC_("monitoring", "{estimate} is within the ceiling of {goal}")
_NOT_MET_HIGHER = NC_("monitoring", "{estimate}; goal not reached (at least {goal})")
_NOT_MET_LOWER = NC_("monitoring", "{estimate}; goal not reached (at most {goal})")


def _comment(m: Any, row: dict, test: str) -> str:
    lang, metric = m.lang, row["metric"]
    fv = lambda x: format_value(x, metric, lang)
    status = row["status"]
    if status == "not_measurable":
        if row["reason"] == "suppressed":
            return m.t.pgettext("monitoring", "Not measurable: this year's estimate is suppressed (too few "
                                              "respondents).")
        return m.t.pgettext("monitoring", "Not measurable: the item or the group is not in this year's tables.")
    lower = row["direction"] == "lower"
    if row["rule"] in ("group_gap", "local_gap") and is_finite(row["threshold"]) and is_finite(row["national"]):
        gap = (-1 if lower else 1) * (row["national"] - row["estimate"])
        msg = _GAP_MET if status == "target_met" else _GAP_NOT_MET
        head = m.t.format(msg, "monitoring", national=fv(row["national"]),
                          gap=format_points(max(gap, 0.0), metric, lang),
                          threshold=format_points(row["threshold"], metric, lang))
    else:
        msg = {(True, True): _MET_LOWER, (True, False): _MET_HIGHER, (False, True): _NOT_MET_LOWER,
               (False, False): _NOT_MET_HIGHER}[(status == "target_met", lower)]
        head = m.t.format(msg, "monitoring", estimate=fv(row["estimate"]), goal=fv(row["goal"]))
    label = status_label(m, status)
    parts = [label[:1].upper() + label[1:] + ": " + head]
    pw = "" if pd.isna(row["previous_wave"]) else str(int(row["previous_wave"]))
    change = format_points(row["change"], metric, lang, signed=True)
    if is_finite(row["change_p"]):
        name = _test_name(m, {**row, "test": "change_t"})
        parts.append(m.t.format("change since {previous_wave}: {change} ({test}, {p})", "monitoring",
                                previous_wave=pw, change=change, test=name, p=format_p(row["change_p"], lang)))
    elif is_finite(row["change"]):
        parts.append(m.t.format("change since {previous_wave}: {change} (not tested)", "monitoring",
                                previous_wave=pw, change=change))
    return "; ".join(parts) + "."


def _plan_finding(m: Any, plan_row: dict) -> str:
    """Last year's finding, worded again in ``m.lang`` from the plan's evidence (its text if that fails)."""
    row = dict(plan_row)
    if not row.get("rule"):
        return str(row.get("text", ""))
    opt = row.get("metric") == "option_share" and row.get("level")
    row["item_key"] = row["level"] if opt else row["item"]
    w = row.get("wave")
    wave = int(w) if is_finite(w) else None
    pw = row.get("previous_wave")
    return finding_text(m, [row], wave=wave, previous_wave=int(pw) if is_finite(pw) else None)


def monitoring_table(recs: Recommendations, lang: str) -> pd.DataFrame:
    """Last year's recommendations and how they fared (activity 2.2.2 indicator, 2.2.11 monitoring).

    Columns (:data:`MONITORING_COLUMNS`):

    - ``id``: the recommendation's id (``item:by:group``);
    - ``finding``: last year's finding, worded in ``lang`` from the plan's evidence;
    - ``item``, ``by``, ``group``: labels; ``metric``: the metric id of the numbers;
    - ``status``: ``target_met``, ``improved``, ``no_change``, ``worsened`` or
      ``not_measurable`` (rules: :mod:`~trustsurvey.recommend.tracking` and
      :func:`indicator_table`); ``status_label``: the status in words;
    - ``previous_estimate``, ``estimate``, ``change``: last year's and this
      year's estimate and the change, in the metric's units;
    - ``test``: the test that decided the status, e.g. "t test of the change
      2024→2025, 2,940 df" (or "estimate compared with the goal (no test)");
      ``p_value``: that test's own p-value -- the trend table's ``change_p``
      (unadjusted) of the same row, the one p-value this change has everywhere;
    - ``comment``: the status, the goal, and the change with its test and p-value.

    Empty (with these columns) without a previous plan.
    """
    m = meaning(recs.questionnaire, lang)
    if recs.tracking is None:
        return pd.DataFrame(columns=list(MONITORING_COLUMNS))
    plan = recs.previous_plan
    plan_rows = plan.to_dict("records") if plan is not None else [{} for _ in range(len(recs.tracking))]
    rows = []
    for row, prow in zip(recs.tracking.to_dict("records"), plan_rows):
        opt = row["metric"] == "option_share" and row["level"]
        key = row["level"] if opt else row["item"]
        test = _test_name(m, row)
        rows.append({
            "id": row["id"], "finding": _plan_finding(m, prow) if prow else "", "item": m.item(key),
            "by": m.demographic(row["by"]), "group": m.group(row["by"], row["group"]), "metric": row["metric"],
            "status": row["status"], "status_label": status_label(m, row["status"]),
            "previous_estimate": row["previous"], "estimate": row["estimate"], "change": row["change"],
            "test": test, "p_value": row["p_value"], "comment": _comment(m, row, test)})
    frame = pd.DataFrame(rows, columns=list(MONITORING_COLUMNS))
    for c in ("previous_estimate", "estimate", "change", "p_value"):
        frame[c] = pd.to_numeric(frame[c], errors="coerce").astype(float)
    return frame


def indicator_table(recs: Recommendations, lang: str) -> pd.DataFrame:
    """The 2.2.2 indicator: last year's recommendations counted by status, each status's rule in words.

    Columns (:data:`INDICATOR_COLUMNS`): ``status`` (id), ``status_label``,
    ``count``, ``rule`` (the rule of the status, with the significance level).
    One row per status in the order ``target_met, improved, no_change,
    worsened, not_measurable`` (zero counts included); "addressed" (the
    indicator's "number of recommendations addressed") is ``target_met`` plus
    ``improved``. Empty (with these columns) without a previous plan.
    """
    m = meaning(recs.questionnaire, lang)
    if recs.tracking is None:
        return pd.DataFrame({c: pd.Series(dtype="Int64" if c == "count" else object) for c in INDICATOR_COLUMNS})
    counts = recs.status_counts()
    rows = [{"status": s, "status_label": status_label(m, s), "count": counts.get(s, 0),
             "rule": status_rule(m, s, recs.alpha)} for s in MONITORING_STATUSES]
    frame = pd.DataFrame(rows, columns=list(INDICATOR_COLUMNS))
    frame["count"] = pd.array(frame["count"].tolist(), dtype="Int64")
    return frame


def indicators_summary(recs: Recommendations, lang: str) -> pd.DataFrame:
    """Two columns, indicator and value: plans drafted, recommendations now and last year, addressed, per status."""
    m = meaning(recs.questionnaire, lang)
    t = m.t
    rows: list[tuple[str, Any]] = [(t.pgettext("indicator", "Action plans drafted"), 1),
                                   (t.pgettext("indicator", "Recommendations in this plan"), len(recs))]
    if recs.tracking is not None:
        rows.append((t.pgettext("indicator", "Recommendations in the previous plan"), len(recs.tracking)))
        rows.append((t.pgettext("indicator", "Number of recommendations addressed (target met or improved "
                                             "significantly)"), recs.addressed_count))
        for s, n in recs.status_counts().items():
            rows.append((t.format("Previous recommendations: {status}", "indicator", status=status_label(m, s)), n))
    cols = [t.pgettext("column", "Indicator"), t.pgettext("column", "Value")]
    return pd.DataFrame(rows, columns=cols).astype({cols[1]: np.int64})
