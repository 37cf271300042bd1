"""The design, weighting, targets and recommendations sections of a questionnaire."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import QuestionnaireError
from ._codes import canonical_code
from ._frozen import FrozenDict, freeze, make_labels

__all__ = [
    "DesignSpec",
    "PopulationTotal",
    "WeightingVariable",
    "Weighting",
    "Target",
    "RecommendationRule",
    "TARGET_METRICS",
    "TARGET_DIRECTIONS",
    "RULE_TYPES",
    "RULE_PARAMS",
    "TEMPLATE_FIELDS",
    "WEIGHTING_METHODS",
    "LONELY_PSU_RULES",
]

WEIGHTING_METHODS = ("rake", "poststratify", "calibrate")
#: what the design section's ``lonely_psu:`` may say (the options of :class:`trustsurvey.Survey`,
#: with the meanings of R's ``options(survey.lonely.psu=)``)
LONELY_PSU_RULES = ("fail", "remove", "adjust", "average", "certainty")
#: fixed target metrics; the name of any net of the item's scale (``yes``) is also allowed
TARGET_METRICS = ("top2", "bottom2", "mean", "index_mean")
TARGET_DIRECTIONS = ("higher", "lower")

#: recommendation rule types and the parameters each accepts (name -> allowed Python types)
RULE_PARAMS: dict[str, dict[str, tuple[type, ...]]] = {
    # an item's estimate misses its target (``targets`` section)
    "below_target": {"alpha": (float,), "min_base": (int,), "significant_only": (bool,)},
    # the estimate fell since the previous wave by at least min_change (proportion or score points)
    "decline": {"min_change": (int, float), "alpha": (float,), "metric": (str,), "min_base": (int,)},
    # groups of a demographic differ by at least min_gap from the national estimate
    "group_gap": {
        "by": (list, str),
        "min_gap": (int, float),
        "alpha": (float,),
        "metric": (str,),
        "min_base": (int,),
    },
    # awareness (share "yes") below threshold
    "low_awareness": {"threshold": (float,), "min_base": (int,)},
    # share agreeing with an integrity concern (e.g. bribes) above threshold
    "integrity_concern": {"threshold": (float,), "alpha": (float,), "min_base": (int,)},
    # share "don't know" above threshold
    "high_dont_know": {"threshold": (float,), "min_base": (int,)},
    # a small area (municipality) whose publishable model estimate, interval and all, lies at least
    # min_gap on the unfavourable side of the national estimate (the plan's small_area estimates)
    "local_gap": {"by": (list, str), "min_gap": (int, float), "metric": (str,), "min_base": (int,)},
}
RULE_TYPES = tuple(RULE_PARAMS)

#: placeholders a recommendation template may use
TEMPLATE_FIELDS = (
    "item_label",
    "item_id",
    "group_label",
    "group_variable",
    "estimate",
    "goal",
    "change",
    "gap",
    "threshold",
    "dont_know",
    "previous",
    "wave",
    "previous_wave",
    "next_wave",
    "p_value",
    "n",
    "national",
    "where",
    "ci",
    "relation",
    "responsible",
)


@dataclass(frozen=True)
class DesignSpec:
    """Which data columns hold the respondent id, design weight, strata, PSUs and FPC.

    ``nest``: PSU ids are only unique within strata. ``lonely_psu``: what to do with a stratum
    that has a single PSU (one of :data:`LONELY_PSU_RULES`; ``fail``, the default, refuses it),
    as the design section's ``lonely_psu: adjust``.
    """

    respondent_id: str | None = None
    weight: str | None = None
    strata: str | None = None
    psu: str | tuple[str, ...] | None = None
    fpc: str | tuple[str, ...] | None = None
    nest: bool = False
    lonely_psu: str = "fail"

    def __post_init__(self):
        for name in ("psu", "fpc"):
            v = getattr(self, name)
            if isinstance(v, list):
                object.__setattr__(self, name, tuple(v))

    @property
    def columns(self) -> tuple[str, ...]:
        """Every design column named (id, weight, strata, PSUs, FPCs)."""
        out: list[str] = []
        for v in (self.respondent_id, self.weight, self.strata, self.psu, self.fpc):
            if v is None:
                continue
            out.extend([v] if isinstance(v, str) else v)
        return tuple(out)

    def survey_kwargs(self) -> dict:
        """Keyword arguments for :class:`trustsurvey.Survey` (weights, strata, psu, fpc, nest, lonely_psu).

        >>> DesignSpec(weight="w", strata="s", psu="p", lonely_psu="adjust").survey_kwargs()["lonely_psu"]
        'adjust'
        """
        return {"weights": self.weight, "strata": self.strata, "psu": self.psu, "fpc": self.fpc, "nest": self.nest,
                "lonely_psu": self.lonely_psu}


@dataclass(frozen=True)
class PopulationTotal:
    """The population size the weights add up to, with its source."""

    value: float
    source: str = ""
    estimate: bool = False
    note: str | None = None


@dataclass(frozen=True)
class WeightingVariable:
    """Population targets of one weighting variable.

    ``unit`` is ``"share"`` (targets sum to 1) or ``"count"`` (people).
    ``estimate`` says whether the figures are estimates rather than published counts.
    """

    variable: str
    targets: FrozenDict
    unit: str = "share"
    source: str = ""
    estimate: bool = False
    note: str | None = None

    def __post_init__(self):
        object.__setattr__(self, "targets", FrozenDict({canonical_code(k): v for k, v in dict(self.targets).items()}))
        if self.unit not in ("share", "count"):
            raise QuestionnaireError(
                f"weighting variable {self.variable!r}: unit must be 'share' or 'count', not {self.unit!r}"
            )

    def counts(self, total: float | None) -> dict:
        """Targets as counts: shares are normalised to sum to 1 and multiplied by ``total``."""
        if self.unit == "count":
            return {k: float(v) for k, v in self.targets.items()}
        if total is None:
            raise QuestionnaireError(
                f"weighting variable {self.variable!r} has shares: give weighting.total to turn them into counts"
            )
        s = float(sum(self.targets.values()))
        return {k: float(v) / s * float(total) for k, v in self.targets.items()}


@dataclass(frozen=True)
class Weighting:
    """The weighting section: method, population total and per-variable margins."""

    method: str = "rake"
    variables: FrozenDict = field(default_factory=FrozenDict)  # variable -> WeightingVariable
    total: PopulationTotal | None = None
    population: str | None = None

    def margins(self) -> dict[str, dict]:
        """Population counts per variable and code, ready for ``Survey.rake``.

        Examples
        --------
        >>> from trustsurvey.questionnaire import bundled
        >>> m = bundled().weighting.margins()
        >>> sorted(m), round(sum(m["gender"].values()))
        (['age_group', 'gender', 'region', 'settlement'], 1057660)
        """
        total = self.total.value if self.total is not None else None
        return {name: v.counts(total) for name, v in self.variables.items()}


@dataclass(frozen=True)
class Target:
    """A per-item target: ``metric`` of ``item`` should be ``direction`` than ``goal``.

    ``goal`` is a proportion (0..1) for ``top2``/``bottom2``/net metrics, a score
    for ``mean``, an index value for ``index_mean``. ``by`` optionally asks for
    the target to hold in every group of a demographic.
    """

    item: str
    metric: str
    goal: float
    direction: str = "higher"
    by: str | None = None
    label: FrozenDict = field(default_factory=FrozenDict)

    def __post_init__(self):
        object.__setattr__(self, "label", make_labels(self.label))

    def met(self, estimate: float) -> bool:
        """Whether ``estimate`` meets the goal."""
        return estimate >= self.goal if self.direction == "higher" else estimate <= self.goal


@dataclass(frozen=True)
class RecommendationRule:
    """A rule that turns results into recommendations (schema only; see ``recommend``).

    ``text``, ``responsible``, ``indicator`` and ``deadline`` are per-language
    templates with placeholders from :data:`TEMPLATE_FIELDS` (``{item_label}``);
    ``supporting`` is a tuple of per-language texts.
    """

    id: str
    rule: str
    items: tuple[str, ...] | str = "all"
    params: FrozenDict = field(default_factory=FrozenDict)
    text: FrozenDict = field(default_factory=FrozenDict)
    responsible: FrozenDict = field(default_factory=FrozenDict)
    supporting: tuple[FrozenDict, ...] = ()
    indicator: FrozenDict = field(default_factory=FrozenDict)
    deadline: FrozenDict = field(default_factory=FrozenDict)

    def __post_init__(self):
        if self.rule not in RULE_PARAMS:
            raise QuestionnaireError(
                f"recommendation {self.id!r}: unknown rule {self.rule!r} (allowed: {', '.join(RULE_TYPES)})"
            )
        if not isinstance(self.items, str):
            object.__setattr__(self, "items", tuple(self.items))
        object.__setattr__(self, "params", freeze(dict(self.params)))
        for name in ("text", "responsible", "indicator", "deadline"):
            object.__setattr__(self, name, make_labels(getattr(self, name)))
        object.__setattr__(self, "supporting", tuple(make_labels(s) for s in self.supporting))

    def applies_to(self, item: str) -> bool:
        """Whether the rule covers ``item``."""
        return self.items == "all" or item in self.items
