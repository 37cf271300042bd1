"""Result objects: a :class:`Recommendation` and the :class:`Recommendations` of one wave."""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, fields
from typing import Any

import pandas as pd

from ..errors import ReportError
from ..questionnaire._frozen import FrozenDict
from .texts import LANGUAGES, PLAN_HEADERS, STATUS_LABELS

__all__ = ["Recommendation", "Recommendations", "RECOMMENDATION_COLUMNS", "DETAIL_COLUMNS", "STATUSES",
           "make_id"]

#: the evidence columns of ``recommendations.csv``, in this order
RECOMMENDATION_COLUMNS = ("id", "priority", "rule", "item", "by", "group", "estimate", "ci_low", "ci_high",
                          "previous", "change", "p_value", "p_adj", "n_unweighted", "status", "text")
#: further columns after them: what next year's tracking needs, and the rest of the evidence
DETAIL_COLUMNS = ("metric", "level", "goal", "direction", "basis", "rule_id", "wave", "item_label", "group_label",
                  "national", "gap", "share", "strength", "se", "n_weighted", "flag")
#: status of a recommendation: ``new`` this wave, or the tracking status of an earlier one
STATUSES = ("new", "addressed", "in progress", "not addressed", "worsened", "no data")


def make_id(rule: str, item: str, by: str, group: str) -> str:
    """The stable id ``rule:item:by:group`` (the same next year for the same finding).

    Examples
    --------
    >>> make_id("below_target", "trust_kp", "region", "6")
    'below_target:trust_kp:region:6'
    """
    return f"{rule}:{item}:{by}:{group}"


_TEXT_FIELDS = ("text", "indicator", "responsible", "supporting", "deadline", "cost", "comments", "item_label",
                "group_label")


@dataclass(frozen=True)
class Recommendation:
    """One recommendation with its evidence and its wording in every language.

    The numeric evidence is in the units of the table it came from (shares
    0-1, scores, index points); ``gap`` is the unfavourable distance that
    triggered the rule; ``goal``/``direction`` what the estimate must reach.
    Text fields are ``{lang: text}`` mappings (``rec.text["sq"]``).
    """

    id: str
    rule: str
    item: str
    metric: str
    level: str
    by: str
    group: str
    estimate: float
    se: float
    ci_low: float
    ci_high: float
    n_unweighted: float
    n_weighted: float
    national: float
    previous: float
    change: float
    p_value: float
    p_adj: float
    goal: float
    direction: str
    threshold: float
    gap: float
    share: float
    gap_points: float
    strength: float
    priority: float
    basis: str
    flag: str = ""
    rule_id: str = ""
    item_key: str = ""
    wave: int | None = None
    status: str = "new"
    text: FrozenDict = field(default_factory=FrozenDict)
    indicator: FrozenDict = field(default_factory=FrozenDict)
    responsible: FrozenDict = field(default_factory=FrozenDict)
    supporting: FrozenDict = field(default_factory=FrozenDict)
    deadline: FrozenDict = field(default_factory=FrozenDict)
    cost: FrozenDict = field(default_factory=FrozenDict)
    comments: FrozenDict = field(default_factory=FrozenDict)
    item_label: FrozenDict = field(default_factory=FrozenDict)
    group_label: FrozenDict = field(default_factory=FrozenDict)

    def __post_init__(self):
        if self.status not in STATUSES:
            raise ReportError(f"recommendation {self.id}: status {self.status!r} is not one of {', '.join(STATUSES)}")
        for name in _TEXT_FIELDS:
            v = getattr(self, name)
            if not isinstance(v, FrozenDict):
                object.__setattr__(self, name, FrozenDict(dict(v or {})))

    def in_lang(self, name: str, lang: str = "en") -> str:
        """A text field in ``lang`` (English, then any language, if missing)."""
        d = getattr(self, name)
        return d.get(lang) or d.get("en") or next(iter(d.values()), "")

    def plan_row(self, lang: str = "en") -> tuple[str, ...]:
        """The row of the action plan: activity, indicator, responsible, supporting, deadline, cost, comments."""
        return tuple(self.in_lang(n, lang) for n in
                     ("text", "indicator", "responsible", "supporting", "deadline", "cost", "comments"))

    def record(self, lang: str = "en") -> dict[str, Any]:
        """The recommendation as one row of :meth:`Recommendations.to_frame`."""
        out: dict[str, Any] = {}
        for c in RECOMMENDATION_COLUMNS + DETAIL_COLUMNS:
            if c in ("text", "item_label", "group_label"):
                out[c] = self.in_lang(c, lang)
            else:
                out[c] = getattr(self, c)
        return out


def _check_lang(lang: str) -> str:
    if lang not in LANGUAGES:
        raise ReportError(f"language {lang!r} is not available; choose one of {', '.join(LANGUAGES)}")
    return lang


@dataclass(frozen=True)
class Recommendations:
    """The recommendations of one wave, ordered by priority, and the tracking of last year's plan.

    Attributes
    ----------
    recommendations : tuple of Recommendation
        Highest priority first (ties by id).
    lang : str
        Default language of :meth:`to_frame`, :meth:`action_plan` and exports.
    wave, previous_wave : int or None
    tracking : pandas.DataFrame or None
        Last year's recommendations with their ``status`` this year
        (see :func:`trustsurvey.recommend.tracking.track`); None without a previous plan.
    """

    recommendations: tuple[Recommendation, ...] = ()
    lang: str = "en"
    wave: int | None = None
    previous_wave: int | None = None
    tracking: pd.DataFrame | None = field(default=None, compare=False, repr=False)

    def __post_init__(self):
        object.__setattr__(self, "recommendations", tuple(self.recommendations))
        _check_lang(self.lang)

    def __len__(self) -> int:
        return len(self.recommendations)

    def __iter__(self) -> Iterator[Recommendation]:
        return iter(self.recommendations)

    def __getitem__(self, key: int | str) -> Recommendation:
        if isinstance(key, str):
            for r in self.recommendations:
                if r.id == key:
                    return r
            raise KeyError(key)
        return self.recommendations[key]

    @property
    def ids(self) -> tuple[str, ...]:
        """The ids, in priority order."""
        return tuple(r.id for r in self.recommendations)

    def to_frame(self, lang: str | None = None) -> pd.DataFrame:
        """One row per recommendation: :data:`RECOMMENDATION_COLUMNS` then :data:`DETAIL_COLUMNS`.

        ``text``, ``item_label`` and ``group_label`` are in ``lang`` (default: :attr:`lang`).
        """
        lang = _check_lang(lang or self.lang)
        cols = list(RECOMMENDATION_COLUMNS + DETAIL_COLUMNS)
        frame = pd.DataFrame([r.record(lang) for r in self.recommendations], columns=cols)
        frame["wave"] = frame["wave"].astype("Int64")
        return frame

    def action_plan(self, lang: str | None = None) -> pd.DataFrame:
        """The 2.2.2 action plan in the strategy's columns, headers in ``lang``, by priority."""
        lang = _check_lang(lang or self.lang)
        return pd.DataFrame([r.plan_row(lang) for r in self.recommendations], columns=list(PLAN_HEADERS[lang]))

    @property
    def addressed_count(self) -> int | None:
        """The 2.2.2 indicator "number of recommendations addressed" (None without a previous plan)."""
        if self.tracking is None:
            return None
        return int((self.tracking["status"] == "addressed").sum())

    def status_counts(self) -> dict[str, int]:
        """How many of last year's recommendations have each tracking status (empty without a previous plan)."""
        if self.tracking is None:
            return {}
        counts = self.tracking["status"].value_counts()
        return {s: int(counts.get(s, 0)) for s in STATUSES[1:]}

    def indicators(self, lang: str | None = None) -> pd.DataFrame:
        """The 2.2.2 indicators: plans drafted, recommendations, recommendations addressed, per status."""
        lang = _check_lang(lang or self.lang)
        names = _INDICATORS[lang]
        rows = [(names["plans"], 1), (names["recommendations"], len(self))]
        if self.tracking is not None:
            rows.append((names["previous"], len(self.tracking)))
            rows.append((names["addressed"], self.addressed_count))
            for s, n in self.status_counts().items():
                if s != "addressed":
                    rows.append((f"{names['status']}: {STATUS_LABELS[s][lang]}", n))
        return pd.DataFrame(rows, columns=list(_INDICATOR_HEADERS[lang]))

    def export(self, directory, lang: str | None = None, *, overwrite: bool = False) -> dict[str, Any]:
        """Write ``action_plan.xlsx``, ``action_plan.csv``, ``recommendations.csv`` (and ``tracking.csv``).

        See :func:`trustsurvey.recommend.export.export`.
        """
        from .export import export

        return export(self, directory, lang=lang or self.lang, overwrite=overwrite)

    def __repr__(self) -> str:
        head = f"Recommendations(wave={self.wave}, n={len(self)}"
        if self.tracking is not None:
            head += f", addressed={self.addressed_count}/{len(self.tracking)}"
        return head + ")"


_INDICATORS = {
    "en": {"plans": "Action plans drafted", "recommendations": "Recommendations in this plan",
           "previous": "Recommendations in the previous plan",
           "addressed": "Number of recommendations addressed", "status": "Previous recommendations"},
    "sq": {"plans": "Plane veprimi të hartuara", "recommendations": "Rekomandime në këtë plan",
           "previous": "Rekomandime në planin e mëparshëm",
           "addressed": "Numri i rekomandimeve të adresuara", "status": "Rekomandimet e mëparshme"},
    "sr": {"plans": "Izrađeni akcioni planovi", "recommendations": "Preporuke u ovom planu",
           "previous": "Preporuke u prethodnom planu",
           "addressed": "Broj ispunjenih preporuka", "status": "Prethodne preporuke"},
}
_INDICATOR_HEADERS = {"en": ("Indicator", "Value"), "sq": ("Treguesi", "Vlera"), "sr": ("Indikator", "Vrednost")}


def _finite(x) -> bool:
    try:
        return math.isfinite(float(x))
    except (TypeError, ValueError):
        return False


def recommendation_from_row(row: Mapping[str, Any]) -> Recommendation:
    """Build a :class:`Recommendation` from a mapping with its field names (extra keys ignored)."""
    names = {f.name for f in fields(Recommendation)}
    kwargs = {k: v for k, v in row.items() if k in names}
    for k in ("estimate", "se", "ci_low", "ci_high", "n_unweighted", "n_weighted", "national", "previous", "change",
              "p_value", "p_adj", "goal", "threshold", "gap", "share", "gap_points", "strength", "priority"):
        if k in kwargs:
            kwargs[k] = float(kwargs[k]) if _finite(kwargs[k]) else float("nan")
    return Recommendation(**kwargs)
