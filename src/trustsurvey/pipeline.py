"""The annual run: an analysis plan in, every table, figure and recommendation out.

:func:`compute` reads every wave against the questionnaire, weights it, builds
the breakdown tables, the trend table and the recommendations of each wave (each
wave's plan tracked by the next), and returns them in a :class:`RunResult`.
:mod:`trustsurvey.publish` writes them out; :func:`published_numbers` lists every
number a report publishes, for the manifest and :mod:`trustsurvey.reproduce`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Mapping

import numpy as np
import pandas as pd

from .breakdown import breakdown, relabel, trend
from .io import read_survey
from .plan import AnalysisPlan
from .questionnaire import Questionnaire

__all__ = ["RunResult", "compute", "published_numbers"]


@dataclass(frozen=True, eq=False)
class RunResult:
    """Everything one run computed (no files written)."""

    plan: AnalysisPlan
    questionnaire: Questionnaire
    surveys: Mapping[int, object]
    tables: Mapping[int, pd.DataFrame]
    trend: pd.DataFrame
    recommendations: Mapping[int, object] = field(default_factory=dict)

    @property
    def current(self) -> int:
        return self.plan.current

    @property
    def previous(self) -> int | None:
        years = [y for y in sorted(self.surveys) if y < self.current]
        return years[-1] if years else None

    def table(self, lang: str = "en", wave: int | None = None) -> pd.DataFrame:
        """The breakdown table of a wave with labels in ``lang``."""
        t = self.tables[self.current if wave is None else wave]
        return relabel(t, self.questionnaire, lang)

    def trend_table(self, lang: str = "en") -> pd.DataFrame:
        return relabel(self.trend, self.questionnaire, lang)


def compute(plan: AnalysisPlan, *, progress: Callable[[str], None] | None = None) -> RunResult:
    """Run the plan's analysis: read, weight, break down, trend, recommend.

    Parameters
    ----------
    plan : AnalysisPlan
    progress : callable, optional
        Called with a short description before each step (the CLI's progress bar).
    """
    say = progress or (lambda _msg: None)
    q = Questionnaire.from_yaml(plan.questionnaire)
    check_languages(plan, q)
    surveys: dict[int, object] = {}
    for year, path in plan.waves.items():
        say(f"reading wave {year}")
        s = read_survey(path, q, wave=year, extra=plan.extra)
        if plan.weighting and q.weighting is not None:
            say(f"weighting wave {year}")
            s = s.weight()
        surveys[year] = s
    options = dict(items=plan.items, by=plan.by, metrics=plan.metrics, min_base=plan.min_base,
                   low_base=plan.low_base, max_cv=plan.max_cv, adjust=plan.adjust, alpha=plan.alpha)
    tables = {}
    for year, s in surveys.items():
        say(f"breakdown tables {year}")
        tables[year] = breakdown(s, **options)
    say("trends")
    tr = trend(surveys, **options) if len(surveys) > 1 else pd.DataFrame()
    recs = _recommendations(plan, surveys, tables, tr, say)
    return RunResult(plan=plan, questionnaire=q, surveys=surveys, tables=tables, trend=tr,
                     recommendations=recs)


def check_languages(plan: AnalysisPlan, questionnaire: Questionnaire) -> None:
    """The plan's languages must be languages of the questionnaire (``sr-Cyrl`` where it has ``sr``).

    Raises
    ------
    PlanError
        Naming the plan's ``languages`` key and the languages the questionnaire declares.
    """
    from .errors import PlanError
    from .labels import languages_of

    available = languages_of(questionnaire)
    bad = [lang for lang in plan.languages if lang not in available]
    if bad:
        where = f"{plan.path}: " if plan.path else ""
        raise PlanError(f"{where}languages (or --lang): {', '.join(bad)} not declared by the questionnaire "
                        f"{questionnaire.survey_id!r}; choose from {', '.join(available)}")


def key_items(plan: AnalysisPlan, questionnaire: Questionnaire, table: pd.DataFrame) -> list[str]:
    """The plan's key items, or the first scaled items and indices of the questionnaire (at most six)."""
    present = set(table["item"])
    if plan.key_items:
        return [i for i in plan.key_items if i in present]
    first = [q.id for q in questionnaire.questions if q.type == "single" and q.id in present][:4]
    return first + [i for i in questionnaire.index_ids if i in present][:2]


def _recommendations(plan, surveys, tables, tr, say) -> dict[int, object]:
    from .recommend import recommend

    out: dict[int, object] = {}
    previous_plan = plan.previous_plan
    years = sorted(surveys)
    for i, year in enumerate(years):
        say(f"recommendations {year}")
        wave_trend = tr[tr["wave"] <= year] if len(tr) and i > 0 else None
        prior = out[years[i - 1]].to_frame() if i > 0 else previous_plan
        out[year] = recommend(surveys[year], tables=tables[year], trend=wave_trend, previous_plan=prior,
                              rules=plan.rules or None, alpha=plan.alpha, wave=year)
    return out


_TABLE_KEYS = ["item", "metric", "level", "by", "group"]
_TABLE_VALUES = ["estimate", "se", "ci_low", "ci_high", "n_unweighted", "n_weighted", "deff", "p_value", "p_adj"]
_TREND_VALUES = ["estimate", "se", "change", "change_se", "change_p", "change_p_adj", "trend_slope", "trend_p"]


def _numbers(frame: pd.DataFrame, keys: list[str], values: list[str]) -> dict[str, list]:
    if frame is None or len(frame) == 0:
        return {}
    k = frame[keys].astype(str).agg("|".join, axis=1)
    v = frame[values].to_numpy(dtype=float)
    return {key: [None if not np.isfinite(x) else float(x) for x in row] for key, row in zip(k, v)}


def published_numbers(result: RunResult) -> dict[str, dict]:
    """Every published number by table id and row key (for the manifest and reproduction).

    Returns ``{table id: {"columns": [...], "keys": [...], "rows": {row key: [values]}}}``: a row
    key joins the row's ``keys`` fields with ``|``; rows are in the table's order.
    """
    out: dict[str, dict] = {}
    for year, t in result.tables.items():
        out[f"breakdown_{year}"] = {"columns": _TABLE_VALUES, "keys": _TABLE_KEYS,
                                    "rows": _numbers(t, _TABLE_KEYS, _TABLE_VALUES)}
    if len(result.trend):
        out["trend"] = {"columns": _TREND_VALUES, "keys": _TABLE_KEYS + ["wave"],
                        "rows": _numbers(result.trend, _TABLE_KEYS + ["wave"], _TREND_VALUES)}
    for year, recs in result.recommendations.items():
        frame = recs.to_frame()
        cols = [c for c in ("priority", "estimate", "ci_low", "ci_high", "previous", "change", "p_value",
                            "p_adj", "n_unweighted") if c in frame.columns]
        out[f"recommendations_{year}"] = {"columns": cols, "keys": ["id"], "rows": _numbers(frame, ["id"], cols)}
    return out
