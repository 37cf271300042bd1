"""Result objects: a :class:`Finding`, a :class:`Recommendation` and the :class:`Recommendations` of one wave.

**One finding, one recommendation.** Every rule that fires on the same item
and group (whatever the metric: a missed target, a gap to all respondents, a
decline, a high "don't know" share) adds a :class:`Finding` to *one*
recommendation; the strongest finding (highest priority) is its *primary*
finding and gives its numbers (estimate, interval, goal, direction).

**Ids.** A recommendation's id is ``item:by:group`` (:func:`make_id`):
``q1:national:all``, ``q1:region:3``; for an option of a multiple-response
question the option's id stands for the item. It names the finding's place,
not the rule, so the same item and group carry the same id every year, and
next year's tracking finds it whichever rules fire. Each finding keeps the
rule-based id of earlier versions, ``rule:item:by:group``
(:func:`finding_id`), in ``finding_ids``: the mapping from old plans to new
ids (tracking maps old plans by their item, group and demographic).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, fields
from typing import Any

import pandas as pd

from ..errors import LanguageError, ReportError
from ..questionnaire._frozen import FrozenDict
from ..vocabulary import INTERFACE_LANGUAGES

__all__ = ["Finding", "Recommendation", "Recommendations", "RECOMMENDATION_COLUMNS", "DETAIL_COLUMNS",
           "EVIDENCE_COLUMNS", "STATUSES", "MONITORING_STATUSES", "make_id", "finding_id"]

#: the evidence columns of ``recommendations.csv``, in this order
RECOMMENDATION_COLUMNS = ("id", "rank", "priority", "rule", "item", "by", "group", "estimate", "ci_low", "ci_high",
                          "previous", "change", "p_value", "p_adj", "n_unweighted", "status", "text")
#: further columns after them: what next year's tracking needs, and the rest of the evidence
DETAIL_COLUMNS = ("metric", "level", "goal", "direction", "threshold", "basis", "rule_id", "wave", "previous_wave",
                  "item_label", "group_label", "national", "gap", "share", "strength", "se", "n_weighted", "flag",
                  "change_p", "n_findings", "rule_ids", "finding_ids", "finding", "action")
#: one row per finding (:meth:`Recommendations.evidence_frame`)
EVIDENCE_COLUMNS = ("id", "finding_id", "rule", "rule_id", "metric", "level", "estimate", "se", "ci_low", "ci_high",
                    "n_unweighted", "goal", "direction", "threshold", "gap", "national", "previous", "change",
                    "test", "p_value", "p_adj", "basis", "priority")
#: how last year's recommendation fared this year (see :mod:`~trustsurvey.recommend.tracking`)
MONITORING_STATUSES = ("target_met", "improved", "no_change", "worsened", "not_measurable")
#: status of a recommendation: ``new`` this wave, or the monitoring status of last year's same recommendation
STATUSES = ("new",) + MONITORING_STATUSES
#: the test behind each rule's finding (``test`` of :data:`EVIDENCE_COLUMNS`)
RULE_TESTS = {"below_target": "one_sided_t", "low_awareness": "one_sided_t", "integrity_concern": "one_sided_t",
              "high_dont_know": "one_sided_t", "group_gap": "group_vs_rest", "decline": "change_t",
              "local_gap": "model_vs_national"}


def make_id(item: str, by: str, group: str) -> str:
    """The stable id of a recommendation: ``item:by:group`` (the same next year for the same place).

    Examples
    --------
    >>> make_id("q1", "region", "6")
    'q1:region:6'
    """
    return f"{item}:{by}:{group}"


def finding_id(rule: str, item: str, by: str, group: str) -> str:
    """The id of one rule's finding, ``rule:item:by:group`` (the recommendation id of earlier versions).

    >>> finding_id("below_target", "q1", "region", "6")
    'below_target:q1:region:6'
    """
    return f"{rule}:{item}:{by}:{group}"


def _finite(x) -> bool:
    try:
        return math.isfinite(float(x))
    except (TypeError, ValueError):
        return False


def _float(x) -> float:
    return float(x) if _finite(x) else float("nan")


@dataclass(frozen=True)
class Finding:
    """One rule's evidence about an item and group (numbers in the estimate's units).

    ``test`` names the test behind ``p_value``: ``one_sided_t`` (the estimate
    against the goal; ``p_adj`` Holm over the rule's rows), ``group_vs_rest``
    (the breakdown's test of the group against the rest; ``p_adj`` the
    breakdown's adjustment), ``change_t`` (the trend table's t test of the
    change between the two waves: ``p_value`` is its ``change_p``, ``p_adj`` its
    ``change_p_adj``).
    """

    finding_id: str
    rule: str
    rule_id: str
    metric: str
    level: str
    estimate: float
    se: float
    ci_low: float
    ci_high: float
    n_unweighted: float
    goal: float
    direction: str
    threshold: float
    gap: float
    national: float
    previous: float
    change: float
    test: str
    p_value: float
    p_adj: float
    basis: str
    priority: float

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Finding:
        """From a ranked candidate row (extra keys ignored)."""
        kw = {}
        for f in fields(cls):
            v = row.get(f.name)
            kw[f.name] = _float(v) if f.type == "float" else ("" if v is None else str(v))
        kw["test"] = RULE_TESTS.get(kw["rule"], "")
        return cls(**kw)

    def record(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


_TEXT_FIELDS = ("finding", "action", "text", "indicator", "responsible", "supporting", "deadline", "cost",
                "comments", "item_label", "group_label", "by_label")


@dataclass(frozen=True)
class Recommendation:
    """One recommendation: its findings, the primary finding's numbers, its wording in every language.

    Numbers are in the units of the table they came from (shares 0-1, scores,
    index points); ``gap`` is the unfavourable distance that triggered the
    primary rule; ``goal``/``direction`` what the estimate must reach.
    ``change``/``change_p`` are the trend table's change since the previous
    wave and its own p-value (empty without a trend). Text fields are
    ``{lang: text}`` mappings (``rec.text["sq"]``) for every language of the
    questionnaire.
    """

    id: str
    rank: int
    rule: str
    rule_id: str
    item: str
    item_key: str
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
    change_p: float
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
    wave: int | None = None
    previous_wave: int | None = None
    status: str = "new"
    findings: tuple[Finding, ...] = ()
    finding: FrozenDict = field(default_factory=FrozenDict)
    action: FrozenDict = field(default_factory=FrozenDict)
    text: FrozenDict = field(default_factory=FrozenDict)
    indicator: FrozenDict = field(default_factory=FrozenDict)
    responsible: FrozenDict = field(default_factory=FrozenDict)
    supporting: FrozenDict = field(default_factory=FrozenDict)
    deadline: FrozenDict = field(default_factory=FrozenDict)
    cost: FrozenDict = field(default_factory=FrozenDict)
    comments: FrozenDict = field(default_factory=FrozenDict)
    item_label: FrozenDict = field(default_factory=FrozenDict)
    group_label: FrozenDict = field(default_factory=FrozenDict)
    by_label: FrozenDict = field(default_factory=FrozenDict)

    def __post_init__(self):
        if self.status not in STATUSES:
            raise ReportError(f"recommendation {self.id}: status {self.status!r} is not one of {', '.join(STATUSES)}")
        object.__setattr__(self, "findings", tuple(self.findings))
        for name in _TEXT_FIELDS:
            v = getattr(self, name)
            if not isinstance(v, FrozenDict):
                object.__setattr__(self, name, FrozenDict(dict(v or {})))

    @property
    def rule_ids(self) -> tuple[str, ...]:
        """The ids of the rules behind the findings, primary first."""
        return tuple(dict.fromkeys(f.rule_id for f in self.findings))

    @property
    def finding_ids(self) -> tuple[str, ...]:
        """The findings' ``rule:item:by:group`` ids, primary first."""
        return tuple(f.finding_id for f in self.findings)

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
            if c in ("text", "item_label", "group_label", "finding", "action"):
                out[c] = self.in_lang(c, lang)
            elif c == "n_findings":
                out[c] = len(self.findings)
            elif c == "rule_ids":
                out[c] = "; ".join(self.rule_ids)
            elif c == "finding_ids":
                out[c] = "; ".join(self.finding_ids)
            else:
                out[c] = getattr(self, c)
        return out


def _check_lang(lang: str, available: tuple[str, ...] = INTERFACE_LANGUAGES) -> str:
    if lang not in available:
        raise LanguageError(f"language {lang!r} is not available; choose one of {', '.join(available)}")
    return lang


@dataclass(frozen=True)
class Recommendations:
    """The recommendations of one wave, ranked, and the monitoring of last year's plan.

    Attributes
    ----------
    recommendations : tuple of Recommendation
        Highest priority first (ties by id); ``rank`` 1, 2, ...
    lang : str
        Default language of the tables.
    wave, previous_wave : int or None
    tracking : pandas.DataFrame or None
        Last year's recommendations with their status this year (the machine
        table of :func:`trustsurvey.recommend.tracking.track`); None without a previous plan.
    languages : tuple of str
        The languages every text is written in (the questionnaire's, with ``sr-Cyrl``).
    alpha : float
        The significance level of the rules and of the monitoring statuses.
    questionnaire : Questionnaire or None
        Gives the labels of the monitoring tables.
    previous_plan : pandas.DataFrame or None
        Last year's plan as read (:func:`~trustsurvey.recommend.tracking.read_plan`).

    The tables for the report -- :meth:`to_frame`, :meth:`evidence_frame`,
    :meth:`readers_table`, :meth:`action_plan`, :meth:`monitoring_table`,
    :meth:`indicator` -- keep numbers numeric (shares 0-1, in the units of each
    row's ``metric``); the report formats them.
    """

    recommendations: tuple[Recommendation, ...] = ()
    lang: str = "en"
    wave: int | None = None
    previous_wave: int | None = None
    tracking: pd.DataFrame | None = field(default=None, compare=False, repr=False)
    languages: tuple[str, ...] = INTERFACE_LANGUAGES
    alpha: float = 0.05
    questionnaire: Any = field(default=None, compare=False, repr=False)
    previous_plan: pd.DataFrame | None = field(default=None, compare=False, repr=False)

    def __post_init__(self):
        object.__setattr__(self, "recommendations", tuple(self.recommendations))
        object.__setattr__(self, "languages", tuple(self.languages))
        _check_lang(self.lang, self.languages)

    def _lang(self, lang: str | None) -> str:
        return _check_lang(lang or self.lang, self.languages)

    def _meaning(self, lang: str | None):
        from ..labels import meaning

        return meaning(self.questionnaire, self._lang(lang))

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
        """The ids, in rank order."""
        return tuple(r.id for r in self.recommendations)

    # ------------------------------------------------------------------ tables
    def to_frame(self, lang: str | None = None) -> pd.DataFrame:
        """The machine table (``recommendations.csv``): one row per recommendation, by rank.

        Columns :data:`RECOMMENDATION_COLUMNS` then :data:`DETAIL_COLUMNS`:
        ``id`` (``item:by:group``), ``rank``, ``priority`` (the score of
        :mod:`~trustsurvey.recommend.priority`), ``rule`` and ``rule_id`` of the
        primary finding, ``item``/``by``/``group`` ids, the primary finding's
        ``estimate, ci_low, ci_high, se, n_unweighted, n_weighted`` and its
        ``metric, level, goal, direction, threshold, gap, basis, p_value, p_adj``;
        ``previous``/``change``/``change_p``: the trend table's previous-wave
        estimate, change and the change's own p-value; ``national`` the
        population's estimate; ``status`` (``new`` or last year's monitoring
        status); ``n_findings``, ``rule_ids`` and ``finding_ids`` (every finding,
        ``"; "``-joined, primary first; :meth:`evidence_frame` has them one per
        row); the texts ``text`` (the activity: finding and action),
        ``finding``, ``action``, ``item_label``, ``group_label`` in ``lang``.
        Next year's tracking reads this table back.
        """
        lang = self._lang(lang)
        cols = list(RECOMMENDATION_COLUMNS + DETAIL_COLUMNS)
        frame = pd.DataFrame([r.record(lang) for r in self.recommendations], columns=cols)
        for c in ("wave", "previous_wave", "rank", "n_findings"):
            frame[c] = pd.array(frame[c].tolist(), dtype="Int64")
        return frame

    def evidence_frame(self) -> pd.DataFrame:
        """Every finding, one row each (:data:`EVIDENCE_COLUMNS`): the rules and tests behind each recommendation."""
        rows = [{"id": r.id, **f.record()} for r in self.recommendations for f in r.findings]
        return pd.DataFrame(rows, columns=list(EVIDENCE_COLUMNS))

    def readers_table(self, lang: str | None = None) -> pd.DataFrame:
        """The recommendations for readers; see :func:`trustsurvey.recommend.tables.readers_table`."""
        from .tables import readers_table

        return readers_table(self, self._lang(lang))

    def action_plan(self, lang: str | None = None) -> pd.DataFrame:
        """The 2.2.2 action plan in the strategy's columns, headers in ``lang``, by rank.

        Columns (translated): Activity (the finding and the action),
        Measurement indicator, Responsible institution, Supporting institution,
        Implementation deadline, Cost, Comments (the evidence: estimate,
        interval, base, each finding's test and p-value, status, id).
        """
        from .texts import plan_headers

        lang = self._lang(lang)
        return pd.DataFrame([r.plan_row(lang) for r in self.recommendations],
                            columns=plan_headers(self._meaning(lang)))

    def monitoring_table(self, lang: str | None = None) -> pd.DataFrame:
        """Last year's recommendations tracked; see :func:`trustsurvey.recommend.tables.monitoring_table`."""
        from .tables import monitoring_table

        return monitoring_table(self, self._lang(lang))

    def indicator(self, lang: str | None = None) -> pd.DataFrame:
        """Last year's recommendations counted by status; see :func:`trustsurvey.recommend.tables.indicator_table`."""
        from .tables import indicator_table

        return indicator_table(self, self._lang(lang))

    def indicators(self, lang: str | None = None) -> pd.DataFrame:
        """The 2.2.2 indicators in two columns (indicator, value): plans, recommendations, per status."""
        from .tables import indicators_summary

        return indicators_summary(self, self._lang(lang))

    # ------------------------------------------------------------------ counts
    @property
    def addressed_count(self) -> int | None:
        """The 2.2.2 indicator "number of recommendations addressed": last year's with status
        ``target_met`` or ``improved`` (None without a previous plan)."""
        if self.tracking is None:
            return None
        return int(self.tracking["status"].isin(["target_met", "improved"]).sum())

    def status_counts(self) -> dict[str, int]:
        """How many of last year's recommendations have each monitoring status (empty without a previous plan)."""
        if self.tracking is None:
            return {}
        counts = self.tracking["status"].value_counts()
        return {s: int(counts.get(s, 0)) for s in MONITORING_STATUSES}

    def __repr__(self) -> str:
        head = f"Recommendations(wave={self.wave}, n={len(self)}"
        if self.tracking is not None:
            head += f", addressed={self.addressed_count}/{len(self.tracking)}"
        return head + ")"
