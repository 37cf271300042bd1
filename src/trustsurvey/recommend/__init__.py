"""Recommendations and the 2.2.2 action plan: ranked by evidence, worded in every language, tracked yearly.

``ts.recommend(s, previous=s_last_year)`` runs the breakdown (and the trend
against the previous wave), applies the recommendation rules of the
questionnaire (or :func:`~trustsurvey.recommend.engine.default_rules`),
merges what they find about one item and group into one recommendation,
ranks them by :mod:`~trustsurvey.recommend.priority`, words each in every
language of the questionnaire (:mod:`~trustsurvey.recommend.texts`: words from
the catalogue, labels and polarity from the meaning layer) and, given last
year's plan, tracks its recommendations (:mod:`~trustsurvey.recommend.tracking`).
No variance is computed here: the estimates, standard errors and p-values come
from the tables, and a suppressed estimate never triggers a recommendation.

Modules: :mod:`.rules` (one function per rule over tidy tables),
:mod:`.priority` (the documented score), :mod:`.engine` (rules to merged,
worded recommendations), :mod:`.model` (the result objects and their ids),
:mod:`.texts` (wording), :mod:`.tables` (the tables for readers, monitoring and
the 2.2.2 indicator), :mod:`.tracking` (last year's plan this year).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..errors import TrustSurveyError
from ..labels import languages_of
from ..labels import meaning as _meaning
from . import rules
from .engine import build, candidates, default_rules, rank, resolve_rules, scale_ranges
from .model import (
    DETAIL_COLUMNS,
    EVIDENCE_COLUMNS,
    MONITORING_STATUSES,
    RECOMMENDATION_COLUMNS,
    STATUSES,
    Finding,
    Recommendation,
    Recommendations,
    finding_id,
    make_id,
)
from .rules import (
    below_target,
    decline,
    group_gap,
    high_dont_know,
    integrity_concern,
    low_awareness,
)
from .local import local_gap
from .tables import INDICATOR_COLUMNS, MONITORING_COLUMNS, READERS_COLUMNS
from .tracking import read_plan, track

__all__ = [
    "recommend",
    "Finding",
    "Recommendation",
    "Recommendations",
    "RECOMMENDATION_COLUMNS",
    "DETAIL_COLUMNS",
    "EVIDENCE_COLUMNS",
    "READERS_COLUMNS",
    "MONITORING_COLUMNS",
    "INDICATOR_COLUMNS",
    "STATUSES",
    "MONITORING_STATUSES",
    "make_id",
    "finding_id",
    "default_rules",
    "resolve_rules",
    "below_target",
    "decline",
    "group_gap",
    "low_awareness",
    "integrity_concern",
    "high_dont_know",
    "local_gap",
    "read_plan",
    "track",
    "rules",
]


def _wave_of(survey: Any) -> int | None:
    if survey is None:
        return None
    w = getattr(survey, "attrs", {}).get("wave") if hasattr(survey, "attrs") else None
    if w is None:
        w = getattr(getattr(survey, "questionnaire", None), "wave", None)
    return None if w is None else int(w)


def _trend_waves(trend: pd.DataFrame | None) -> tuple[int | None, int | None]:
    if trend is None or "wave" not in trend.columns:
        return None, None
    waves = sorted({int(w) for w in pd.to_numeric(trend["wave"], errors="coerce").dropna()})
    if not waves:
        return None, None
    return waves[-1], (waves[-2] if len(waves) > 1 else None)


def _degf(survey: Any) -> float | None:
    try:
        df = float(survey.degf)
    except (TypeError, ValueError, AttributeError):
        return None
    return df if df > 0 else None


def _with_local(tables: pd.DataFrame, local: pd.DataFrame | None) -> pd.DataFrame:
    """The breakdown table with the small-area rows added (a suppressed model estimate as a suppressed row),
    so that last year's recommendations about an area are found this year."""
    if local is None or not len(local):
        return tables
    rows = local.drop(columns=[c for c in ("national", "regional", "region") if c in local.columns])
    rows = rows.assign(flag=np.where(rows["flag"].astype(str) == "suppress", "suppressed", ""))
    rows.loc[rows["flag"] == "suppressed", ["estimate", "se", "ci_low", "ci_high"]] = np.nan
    return pd.concat([tables, rows[[c for c in rows.columns if c in tables.columns]]], ignore_index=True)


def recommend(survey: Any = None, previous: Any = None, rules: Any = None, *, tables: pd.DataFrame | None = None,
              trend: pd.DataFrame | None = None, targets: Any = None, previous_plan: Any = None,
              lang: str | None = None, wave: int | None = None, previous_wave: int | None = None,
              alpha: float = 0.05, min_base: int | None = None, questionnaire: Any = None,
              breakdown_options: dict | None = None, local: pd.DataFrame | None = None) -> Recommendations:
    """Recommendations from a survey wave and the 2.2.2 action plan.

    Parameters
    ----------
    survey : Survey, optional
        This year's survey (needed unless ``tables`` is given); its design's
        degrees of freedom are used by the tests against targets and thresholds.
    previous : Survey, optional
        Last year's survey: the decline rule compares the two waves
        (``ts.trend``). Ignored when ``trend`` is given.
    rules : None, list or mapping
        ``None``: the questionnaire's ``recommendations`` section (default
        rules without one); a list of rules replaces them; a mapping
        ``{rule id or type: {param: value}}`` overrides their parameters
        (see :func:`~trustsurvey.recommend.engine.resolve_rules`).
    tables : pandas.DataFrame, optional
        This year's breakdown table; computed with ``ts.breakdown(survey)`` when omitted.
    trend : pandas.DataFrame, optional
        The trend table, this wave last; computed from ``previous`` when omitted.
    targets : sequence, optional
        Targets (``item, metric, goal, direction, by``); the questionnaire's by default.
    previous_plan : path or DataFrame, optional
        Last year's ``recommendations.csv`` (or :meth:`Recommendations.to_frame`): its
        recommendations are tracked.
    lang : str, optional
        Default language of the tables; one of the questionnaire's languages
        (every one of them is worded). Default: English if the questionnaire
        declares it, else its first language.
    wave, previous_wave : int, optional
        Survey years; from the trend table, the survey's ``attrs["wave"]`` or its questionnaire otherwise.
    alpha : float
        Significance level for rules that do not set their own, and of the monitoring statuses.
    min_base : int, optional
        Minimum unweighted base for a row to count, for rules that do not set their own
        (the breakdown's suppression applies in any case).
    questionnaire : Questionnaire, optional
        Defaults to ``survey.questionnaire``.
    breakdown_options : dict, optional
        Keyword arguments for ``ts.breakdown`` and ``ts.trend`` (``items``, ``by``, ``min_base``, ``adjust``, ...).
    local : pandas.DataFrame, optional
        Small-area (model-based) estimates in the tidy layout of
        :meth:`trustsurvey.SmallAreaResult.tidy` (several results concatenated):
        the table of the ``local_gap`` rule, which names an area (a municipality)
        when its publishable model estimate is clearly worse than the national
        one. Last year's recommendations about an area are tracked in it.

    Returns
    -------
    Recommendations
        Ranked; ``.to_frame()``, ``.readers_table(lang)``, ``.action_plan(lang)``,
        ``.monitoring_table(lang)``, ``.indicator(lang)``.

    Examples
    --------
    >>> import pandas as pd
    >>> tab = pd.DataFrame({"item": ["aware"], "metric": ["top2"], "level": [""], "by": ["national"],
    ...     "group": ["all"], "estimate": [0.31], "se": [0.012], "ci_low": [0.29], "ci_high": [0.33],
    ...     "n_unweighted": [1200], "n_weighted": [1.1e6], "p_value": [None], "p_adj": [None], "flag": [""]})
    >>> plan = recommend(tables=tab, wave=2025, rules={"low_awareness": {"items": ["aware"]}})
    >>> plan.ids
    ('aware:national:all',)
    >>> plan[0].text["en"]
    'All respondents — aware: 31.0%, below the threshold of 50.0%. Run an information campaign.'
    >>> plan.action_plan("en").columns[0], plan[0].responsible["en"], plan[0].deadline["en"]
    ('Activity', 'to be assigned', '31 December 2026')
    """
    q = questionnaire if questionnaire is not None else getattr(survey, "questionnaire", None)
    languages = languages_of(q)
    if lang is None:
        lang = "en" if "en" in languages or not languages else languages[0]
    m = _meaning(q, lang)  # LanguageError for a language the questionnaire does not declare
    if tables is None:
        if survey is None:
            raise TrustSurveyError("recommend needs a survey or a breakdown table (tables=)")
        from ..breakdown import breakdown

        tables = breakdown(survey, lang=lang, **(breakdown_options or {}))
    if trend is None and previous is not None:
        if survey is None:
            raise TrustSurveyError("recommend(previous=...) needs this year's survey too, to compute the trend")
        from ..breakdown import trend as make_trend

        w = wave if wave is not None else _wave_of(survey)
        pw = previous_wave if previous_wave is not None else _wave_of(previous)
        if w is None:
            w = (pw + 1) if pw is not None else 2
        if pw is None or pw >= w:
            pw = w - 1
        trend = make_trend({pw: previous, w: survey}, lang=lang, **(breakdown_options or {}))
    tw, tpw = _trend_waves(trend)
    wave = wave if wave is not None else (tw if tw is not None else _wave_of(survey))
    previous_wave = previous_wave if previous_wave is not None else tpw
    if targets is None:
        targets = tuple(getattr(q, "targets", ()) or ())
    df = _degf(survey)
    if df is not None and "df" not in tables.columns:
        tables = tables.assign(df=df)
    specs = resolve_rules(rules, q, tables)
    cands = candidates(specs, tables, trend, targets, meaning=m, alpha=alpha, min_base=min_base, local=local)
    ranked = rank(cands, scale_range=scale_ranges(q, cands["item"].tolist() if len(cands) else ()))
    tracking, plan, status = None, None, {}
    if previous_plan is not None:
        change_df = None
        if df is not None and _degf(previous) is not None:
            change_df = df + _degf(previous)
        plan = read_plan(previous_plan)
        tracking = track(plan, _with_local(tables, local), trend, alpha=alpha, wave=wave, change_df=change_df)
        status = dict(zip(tracking["id"], tracking["status"]))
    recs = build(ranked, specs, q, languages=languages, wave=wave, previous_wave=previous_wave, status=status)
    return Recommendations(recs, lang=lang, wave=wave, previous_wave=previous_wave, tracking=tracking,
                           languages=languages, alpha=alpha, questionnaire=q, previous_plan=plan)
