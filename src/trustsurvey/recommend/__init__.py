"""Recommendations and the 2.2.2 action plan, ranked by evidence, worded in sq/sr/en, tracked yearly.

``ts.recommend(s, previous=s_last_year)`` runs the breakdown (and the trend
against the previous wave), applies the recommendation rules of the
questionnaire (or :func:`~trustsurvey.recommend.engine.default_rules`),
ranks what they find by :mod:`~trustsurvey.recommend.priority`, words each
recommendation from the templates (:mod:`~trustsurvey.recommend.texts`) and,
given last year's exported plan, tracks its recommendations
(:mod:`~trustsurvey.recommend.tracking`). No variance is computed here: the
estimates, standard errors and p-values come from the tables, and a suppressed
estimate never triggers a recommendation.

Modules: :mod:`.rules` (one function per rule over tidy tables),
:mod:`.priority` (the documented score), :mod:`.model` (the result objects),
:mod:`.texts` (wording, institutions, deadlines), :mod:`.tracking`,
:mod:`.export` (action_plan.xlsx/.csv, recommendations.csv).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from ..errors import TrustSurveyError
from . import rules
from .engine import build, candidates, default_rules, item_signs, rank, resolve_rules, scale_ranges
from .model import DETAIL_COLUMNS, RECOMMENDATION_COLUMNS, STATUSES, Recommendation, Recommendations, make_id
from .rules import (below_target, decline, group_gap, high_dont_know, integrity_concern, low_awareness)
from .texts import LANGUAGES, Labeller
from .tracking import read_plan, track

__all__ = [
    "recommend",
    "Recommendation",
    "Recommendations",
    "RECOMMENDATION_COLUMNS",
    "DETAIL_COLUMNS",
    "STATUSES",
    "make_id",
    "default_rules",
    "resolve_rules",
    "below_target",
    "decline",
    "group_gap",
    "low_awareness",
    "integrity_concern",
    "high_dont_know",
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


def recommend(survey: Any = None, previous: Any = None, rules: Any = None, *, tables: pd.DataFrame | None = None,
              trend: pd.DataFrame | None = None, targets: Any = None, previous_plan: Any = None,
              lang: str = "en", wave: int | None = None, previous_wave: int | None = None,
              alpha: float = 0.05, min_base: int | None = None, questionnaire: Any = None,
              breakdown_options: dict | None = None) -> Recommendations:
    """Recommendations from a survey wave and the 2.2.2 action plan.

    Parameters
    ----------
    survey : Survey, optional
        This year's survey (needed unless ``tables`` is given).
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
        Last year's exported ``recommendations.csv``: its recommendations are tracked.
    lang : {"sq", "sr", "en"}
        Default language of tables and exports (every language is worded).
    wave, previous_wave : int, optional
        Survey years; from the trend table, the survey's ``attrs["wave"]`` or its questionnaire otherwise.
    alpha : float
        Significance level for rules that do not set their own.
    min_base : int, optional
        Minimum unweighted base for a row to count, for rules that do not set their own
        (the breakdown's suppression applies in any case).
    questionnaire : Questionnaire, optional
        Defaults to ``survey.questionnaire``.
    breakdown_options : dict, optional
        Keyword arguments for ``ts.breakdown`` and ``ts.trend`` (``items``, ``by``, ``min_base``, ``adjust``, ...).

    Returns
    -------
    Recommendations
        Ordered by priority; ``.to_frame()``, ``.action_plan(lang)``, ``.addressed_count``, ``.export(dir)``.

    Examples
    --------
    >>> import pandas as pd
    >>> tab = pd.DataFrame({"item": ["lpsc_aware"], "metric": ["top2"], "level": [""], "by": ["national"],
    ...     "group": ["all"], "estimate": [0.31], "se": [0.012], "ci_low": [0.29], "ci_high": [0.33],
    ...     "n_unweighted": [1200], "n_weighted": [1.1e6], "p_value": [None], "p_adj": [None], "flag": [""]})
    >>> plan = recommend(tables=tab, wave=2025)
    >>> plan.ids
    ('low_awareness:lpsc_aware:national:all',)
    >>> plan[0].text["en"]
    'Run an awareness campaign (lpsc_aware): only 31.0%, below the threshold of 50.0%.'
    >>> plan.action_plan("sq").columns[0], plan[0].deadline["sq"]
    ('Aktiviteti', '31.12.2026')
    """
    if lang not in LANGUAGES:
        raise TrustSurveyError(f"lang={lang!r} is not available; choose one of {', '.join(LANGUAGES)}")
    q = questionnaire if questionnaire is not None else getattr(survey, "questionnaire", None)
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
        trend = make_trend({pw: previous, w: survey}, **(breakdown_options or {}))
    tw, tpw = _trend_waves(trend)
    wave = wave if wave is not None else (tw if tw is not None else _wave_of(survey))
    previous_wave = previous_wave if previous_wave is not None else tpw
    if targets is None:
        targets = tuple(getattr(q, "targets", ()) or ())
    specs = resolve_rules(rules, q, tables)
    cands = candidates(specs, tables, trend, targets, item_sign=item_signs(q), alpha=alpha, min_base=min_base)
    ranked = rank(cands, scale_range=scale_ranges(q))
    tracking = None
    status: dict[str, str] = {}
    if previous_plan is not None:
        tracking = track(previous_plan, tables, trend, alpha=alpha, wave=wave)
        status = dict(zip(tracking["id"], tracking["status"]))
    labeller = Labeller(q, tables)
    recs = build(ranked, specs, labeller, wave=wave, previous_wave=previous_wave, status=status)
    return Recommendations(recs, lang=lang, wave=wave, previous_wave=previous_wave, tracking=tracking)
