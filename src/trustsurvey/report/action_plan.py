"""The 2.2.2 action plan and its evidence as files, and the recommendation tables a reader sees.

recommend/ decides and words the recommendations; this module writes them
(recommend sits below report and writes no files):

* ``action_plan.xlsx`` (through :func:`~trustsurvey.report.excel.write_excel`): the action plan in the
  strategy's seven columns, the recommendations for readers, the 2.2.2 indicator and, when last year's
  plan was tracked, its monitoring; sheet names and headers in the chosen language;
* ``action_plan.csv``: the action plan alone (UTF-8 with a byte-order mark, so that spreadsheet
  programs show ë, ç, č, ć, đ, š, ž correctly);
* ``recommendations.csv``: the machine table (ids, rule parameters), which next year's tracking reads;
* ``monitoring.csv`` (or ``tracking.csv`` from an older recommend layer): last year's recommendations
  with their status, for the inspectorate's 2.2.11 monitoring report.

CSV files are deterministic and formula-escaped (:func:`~trustsurvey.report.tables.write_csv`), rows in
priority order. Nothing is overwritten unless asked.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import ReportError, TrustSurveyError
from ..labels import catalogue, to_cyrillic
from .excel import Sheet, write_excel
from .tables import write_csv

__all__ = ["write_action_plan", "readers_table", "action_plan_table", "monitoring_table", "indicator_table",
           "has_monitoring", "readers_sheet",
           "READERS_COLUMNS", "MONITORING_COLUMNS"]

#: the recommendations as a reader sees them (recommend's ``readers_table``)
READERS_COLUMNS = ("rank", "finding", "item", "metric", "by", "group", "estimate", "ci_low", "ci_high",
                   "n_unweighted", "p_adj", "responsible", "supporting", "deadline")
#: last year's recommendations and what became of them (recommend's ``monitoring_table``)
MONITORING_COLUMNS = ("id", "finding", "item", "by", "group", "status", "status_label", "previous_estimate",
                      "estimate", "change", "test", "p_value", "comment")


def _in_lang(recs: Any, method: str, lang: str, *args) -> Any:
    """``recs.<method>(lang)``; for ``sr-Cyrl`` where recommend has only ``sr``, its text transliterated."""
    fn = getattr(recs, method, None)
    if fn is None:
        return None
    try:
        return fn(lang, *args)
    except (TrustSurveyError, KeyError, ValueError):
        if lang != "sr-Cyrl":
            raise
    out = fn("sr", *args)
    if isinstance(out, pd.DataFrame):
        out = out.copy()
        if not all(isinstance(c, str) and c.isidentifier() and c.isascii() for c in out.columns):
            out.columns = [to_cyrillic(c) if isinstance(c, str) else c for c in out.columns]  # worded headers
        for c in out.columns:
            if out[c].dtype == object or pd.api.types.is_string_dtype(out[c].dtype):
                if c not in ("id", "item", "by", "group", "metric", "status", "rule", "level", "direction",
                             "basis", "rule_id", "flag", "test"):
                    out[c] = out[c].map(lambda v: to_cyrillic(v) if isinstance(v, str) else v)
    return out


def action_plan_table(recs: Any, lang: str) -> pd.DataFrame:
    """The 2.2.2 action plan: the strategy's seven columns, headers in ``lang``, by priority."""
    return _in_lang(recs, "action_plan", lang)


def readers_table(recs: Any, lang: str) -> pd.DataFrame:
    """The recommendations as a reader needs them (:data:`READERS_COLUMNS`).

    ``recs.readers_table(lang)`` when recommend offers it; otherwise made from its machine table and
    action plan (rank, the recommendation's text as the finding, the estimate and its interval, the
    base, the adjusted p-value, the institutions and the deadline).
    """
    table = _in_lang(recs, "readers_table", lang)
    if table is not None:
        return table
    machine = _in_lang(recs, "to_frame", lang)
    plan = action_plan_table(recs, lang)
    out = pd.DataFrame({
        "rank": range(1, len(machine) + 1),
        "finding": machine["text"].tolist(),
        "item": machine["item_label"].tolist() if "item_label" in machine else machine["item"].tolist(),
        "metric": machine["metric"].tolist() if "metric" in machine else "",
        "by": machine["by"].tolist(),
        "group": machine["group_label"].tolist() if "group_label" in machine else machine["group"].tolist(),
    })
    for c in ("estimate", "ci_low", "ci_high", "n_unweighted", "p_adj"):
        out[c] = pd.to_numeric(machine[c], errors="coerce").to_numpy() if c in machine else float("nan")
    for c, j in (("responsible", 2), ("supporting", 3), ("deadline", 4)):
        out[c] = plan.iloc[:, j].tolist() if plan is not None and plan.shape[1] > j else ""
    return out[list(READERS_COLUMNS)]


def monitoring_table(recs: Any, lang: str) -> pd.DataFrame | None:
    """Last year's recommendations and their status (:data:`MONITORING_COLUMNS`), None without a previous plan.

    ``recs.monitoring_table(lang)`` when recommend offers it; otherwise its ``tracking`` table
    (written to ``tracking.csv``, not shown in the report: its texts are in the previous plan's language).
    """
    if getattr(recs, "monitoring_table", None) is not None:
        return _in_lang(recs, "monitoring_table", lang)
    tracking = getattr(recs, "tracking", None)
    return None if tracking is None else tracking.copy()


def has_monitoring(recs: Any) -> bool:
    """Whether recommend words the monitoring of last year's plan (``monitoring_table``) for the report."""
    return getattr(recs, "monitoring_table", None) is not None


def indicator_table(recs: Any, lang: str) -> pd.DataFrame | None:
    """The 2.2.2 indicator: last year's recommendations counted by status, each status's rule in words."""
    if getattr(recs, "indicator", None) is not None:
        return _in_lang(recs, "indicator", lang)
    if getattr(recs, "indicators", None) is not None:
        return _in_lang(recs, "indicators", lang)
    return None


def readers_sheet(readers: pd.DataFrame) -> Sheet:
    """The recommendations for readers as a workbook sheet (item and group are labels there)."""
    frame = readers.drop(columns=[c for c in ("by",) if c in readers.columns]).rename(
        columns={"item": "item_label", "group": "group_label"})
    return Sheet(frame, wrap=("finding", "item_label", "group_label", "responsible", "supporting", "deadline"),
                 widths={"finding": 60, "item_label": 28, "group_label": 16, "responsible": 28, "supporting": 28,
                         "deadline": 18})


def write_action_plan(recs: Any, directory: str | Path, *, lang: str = "en",
                      overwrite: bool = False) -> dict[str, Path]:
    """Write the action plan and the evidence of a wave's recommendations into ``directory``.

    Parameters
    ----------
    recs : Recommendations
        What :func:`trustsurvey.recommend` returned.
    directory : path
        Created if missing.
    lang : str
        Language of the action plan, the sheets and the texts.
    overwrite : bool
        Replace existing output files.

    Returns
    -------
    dict
        ``{file name: path}`` of the files written.

    Raises
    ------
    ReportError
        If an output exists and ``overwrite`` is false (nothing is written then), or ``directory`` is a file.
    """
    t = catalogue(lang)
    directory = Path(directory)
    plan = action_plan_table(recs, lang)
    machine = _in_lang(recs, "to_frame", lang)
    readers = readers_table(recs, lang)
    monitoring = monitoring_table(recs, lang)
    indicator = indicator_table(recs, lang)
    monitoring_name = "monitoring.csv" if getattr(recs, "monitoring_table", None) is not None else "tracking.csv"
    names = ["action_plan.xlsx", "action_plan.csv", "recommendations.csv"]
    if monitoring is not None:
        names.append(monitoring_name)
    if directory.exists() and not directory.is_dir():
        raise ReportError(f"{directory} is a file, not a directory; give a directory for the action plan")
    if not overwrite:
        existing = [n for n in names if (directory / n).exists()]
        if existing:
            raise ReportError(f"{directory}: {', '.join(existing)} already exist(s); choose another directory "
                              f"or pass overwrite=True")
    directory.mkdir(parents=True, exist_ok=True)
    sheets: dict[str, Any] = {
        t("Action plan"): Sheet(plan, wrap=tuple(plan.columns), titles=False,
                                widths=dict(zip(plan.columns, (45, 38, 28, 28, 18, 12, 45)))),
        t("Recommendations"): readers_sheet(readers),
    }
    if indicator is not None:
        sheets[t("Indicator")] = Sheet(indicator, wrap=tuple(c for c in indicator.columns
                                                             if indicator[c].dtype == object))
    if monitoring is not None:
        sheets[t("Monitoring")] = Sheet(monitoring, wrap=tuple(c for c in ("finding", "comment", "text")
                                                               if c in monitoring.columns),
                                        widths={"finding": 50, "comment": 50, "text": 50})
    paths = {"action_plan.xlsx": write_excel(sheets, directory / "action_plan.xlsx", lang=lang),
             "action_plan.csv": write_csv(plan, directory / "action_plan.csv", sort=False, bom=True),
             "recommendations.csv": write_csv(machine, directory / "recommendations.csv", sort=False)}
    if monitoring is not None:
        paths[monitoring_name] = write_csv(monitoring, directory / monitoring_name, sort=False)
    return paths
