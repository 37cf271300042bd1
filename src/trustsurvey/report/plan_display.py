"""The recommendations, the action plan and the monitoring of last year's plan as the report shows them.

Readers see the finding in a sentence, the estimate with its 95% interval in the
unit of its metric (a share in percent, a mean or an index with one decimal), the
base, the adjusted p-value, the institutions and the deadline; machine ids and rule
parameters stay in ``recommendations.csv``. Everything is already worded in the
report's language by recommend/; this module formats numbers and titles columns.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from ..labels import catalogue
from ..labels.numbers import format_number, format_p_short, is_finite
from ..vocabulary import PROPORTION_METRICS
from .columns import title
from .safety import check_no_microdata

__all__ = ["readers_display", "plan_display", "monitoring_display", "indicator_display", "value_with_interval"]

#: widths (percent of the page) of the action plan's seven columns, in the strategy's order
PLAN_WIDTHS = (22, 17, 12, 12, 10, 7, 20)


def _text(v: Any) -> str:
    if v is None or (not isinstance(v, str) and pd.isna(v)):
        return ""
    return str(v)


def value_with_interval(estimate: Any, low: Any, high: Any, metric: str, lang: str) -> tuple[str, str]:
    """``("48.5%", "45.4–51.5%")`` for a share, ``("3.6", "3.5–3.7")`` for a mean (``—`` when missing).

    Examples
    --------
    >>> value_with_interval(0.4851, 0.4542, 0.5153, "top2", "sq")
    ('48,5%', '45,4–51,5%')
    >>> value_with_interval(62.04, 60.1, 64.0, "index_mean", "en")
    ('62.0', '60.1–64.0')
    """
    share = str(metric) in PROPORTION_METRICS
    scale, unit = (100.0, "%") if share else (1.0, "")
    if not is_finite(estimate):
        return "—", ""
    value = format_number(scale * float(estimate), 1, lang) + unit
    interval = ""
    if is_finite(low) and is_finite(high):
        interval = f"{format_number(scale * float(low), 1, lang)}–{format_number(scale * float(high), 1, lang)}{unit}"
    return value, interval


def readers_display(frame: pd.DataFrame, lang: str) -> dict:
    """The recommendations for readers: rank, finding, estimate (95% CI), base, adjusted p, institutions, deadline.

    ``frame`` has recommend's ``readers_table`` columns (see
    :data:`trustsurvey.report.action_plan.READERS_COLUMNS`).
    """
    t = catalogue(lang)
    check_no_microdata(frame, "recommendations")
    headers = ["#", title("finding", lang), t("Estimate (95% CI)"), title("n_unweighted", lang),
               title("p_adj", lang), title("responsible", lang), title("deadline", lang)]
    rows = []
    for r in frame.to_dict("records"):
        value, interval = value_with_interval(r.get("estimate"), r.get("ci_low"), r.get("ci_high"),
                                              _text(r.get("metric")), lang)
        where = " — ".join(x for x in (_text(r.get("item")), _text(r.get("group"))) if x)
        responsible = _text(r.get("responsible"))
        supporting = _text(r.get("supporting"))
        rows.append([
            {"text": _text(r.get("rank")), "cls": "num", "ci": "", "title": ""},
            {"text": _text(r.get("finding")), "cls": "text", "ci": where, "title": ""},
            {"text": value, "cls": "num", "ci": interval, "title": ""},
            {"text": format_number(r.get("n_unweighted"), 0, lang) if is_finite(r.get("n_unweighted")) else "—",
             "cls": "num", "ci": "", "title": ""},
            {"text": format_p_short(r.get("p_adj"), lang), "cls": "num", "ci": "", "title": ""},
            {"text": responsible, "cls": "text",
             "ci": (t("Supporting") + ": " + supporting) if supporting else "", "title": ""},
            {"text": _text(r.get("deadline")), "cls": "text", "ci": "", "title": ""},
        ])
    return {"headers": headers, "rows": rows, "widths": (4, 36, 12, 7, 8, 21, 12), "cls": "fit"}


def plan_display(frame: pd.DataFrame) -> dict:
    """The 2.2.2 action plan: every column in full, wrapped to the page (its headers are already translated)."""
    check_no_microdata(frame, "action_plan")
    rows = [[{"text": _text(v), "cls": "text", "ci": "", "title": ""} for v in rec]
            for rec in frame.itertuples(index=False, name=None)]
    widths = PLAN_WIDTHS if frame.shape[1] == len(PLAN_WIDTHS) else ()
    return {"headers": [str(c) for c in frame.columns], "rows": rows, "widths": widths, "cls": "fit"}


def monitoring_display(frame: pd.DataFrame, lang: str) -> dict:
    """Last year's recommendations and their status: finding, status, last year, this year, change, test, comment.

    ``frame`` has recommend's ``monitoring_table`` columns (see
    :data:`trustsurvey.report.action_plan.MONITORING_COLUMNS`); an older ``tracking`` table
    (``text, status, previous, estimate, change, change_p``) is shown the same way.
    """
    t = catalogue(lang)
    check_no_microdata(frame, "monitoring")
    headers = [title("finding", lang), title("status_label", lang), title("previous_estimate", lang),
               title("estimate", lang), title("change", lang), title("p_value", lang), title("comment", lang)]
    rows = []
    for r in frame.to_dict("records"):
        metric = _text(r.get("metric")) or "top2"
        share = metric in PROPORTION_METRICS
        prev = r.get("previous_estimate", r.get("previous"))
        est = r.get("estimate")
        change = r.get("change")
        if is_finite(change):
            v = (100 if share else 1) * float(change)
            change_text = ("+" if round(v, 1) > 0 else "") + format_number(v, 1, lang) + (
                " " + t.pgettext("unit", "percentage points") if share else "")
        else:
            change_text = "—"
        status = _text(r.get("status_label")) or _text(r.get("status"))
        finding = _text(r.get("finding")) or _text(r.get("text"))
        where = " — ".join(x for x in (_text(r.get("item_label", r.get("item"))),
                                       _text(r.get("group_label", r.get("group")))) if x)
        rows.append([
            {"text": finding, "cls": "text", "ci": where if where != finding else "", "title": ""},
            {"text": status, "cls": "status status-" + _text(r.get("status")).replace(" ", "_"), "ci": "",
             "title": ""},
            {"text": value_with_interval(prev, None, None, metric, lang)[0], "cls": "num", "ci": "", "title": ""},
            {"text": value_with_interval(est, None, None, metric, lang)[0], "cls": "num", "ci": "", "title": ""},
            {"text": change_text, "cls": "num", "ci": _text(r.get("test")), "title": ""},
            {"text": format_p_short(r.get("p_value", r.get("change_p")), lang), "cls": "num", "ci": "", "title": ""},
            {"text": _text(r.get("comment")), "cls": "text", "ci": "", "title": ""},
        ])
    return {"headers": headers, "rows": rows, "widths": (30, 11, 9, 9, 11, 7, 23), "cls": "fit"}


def indicator_display(frame: pd.DataFrame, lang: str) -> dict:
    """The 2.2.2 indicator table (counts by status and each status's rule), shown as given."""
    check_no_microdata(frame, "indicator")
    rows = []
    for rec in frame.itertuples(index=False, name=None):
        cells = []
        for v in rec:
            if isinstance(v, (int, float)) and not isinstance(v, bool) and is_finite(v):
                cells.append({"text": format_number(v, 0, lang), "cls": "num", "ci": "", "title": ""})
            else:
                cells.append({"text": _text(v), "cls": "text", "ci": "", "title": ""})
        rows.append(cells)
    widths = {2: (75, 25), 3: (22, 63, 15)}.get(frame.shape[1], ())
    return {"headers": [title(str(c), lang) for c in frame.columns], "rows": rows, "widths": widths, "cls": "fit"}
