"""The :class:`Questionnaire`: a frozen definition of a survey instrument."""

from __future__ import annotations

import dataclasses
import functools
import os
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from ..errors import QuestionnaireError
from ._convert import build_kwargs, to_plain
from ._frozen import FrozenDict, make_labels
from ._yaml import locate, read_yaml, write_yaml
from .indices import Index
from .scales import SELECTED_SCALE, Scale
from .sections import DesignSpec, RecommendationRule, Target, Weighting
from .variables import Derived, Option, Question

__all__ = ["Questionnaire", "bundled", "REQUIRED_LANGUAGES"]

#: languages every label must be given in (Serbian in Latin script); ``sr-Cyrl`` is optional
REQUIRED_LANGUAGES = ("sq", "sr", "en")

Variable = Question | Option | Derived | Index


@dataclass(frozen=True)
class Questionnaire:
    """A survey instrument: scales, questions, demographics, indices, design, weighting, targets.

    Build one with :meth:`from_yaml` or :meth:`from_dict`; it is immutable
    (:meth:`with_changes` returns a modified copy).

    Examples
    --------
    >>> q = bundled()
    >>> q.survey_id, q.wave, q.languages
    ('kp_trust', 2025, ('sq', 'sr', 'en'))
    >>> q.question("trust_kp").scale, q.scale("trust5").nets["top2"]
    ('trust5', (4, 5))
    >>> q.label("trust_kp", "sq")
    'Besimi në Policinë e Kosovës'
    >>> q.column_map(2024)["trust_local_station"]
    'trust_station'
    >>> "concern_theft" in q.items and "comment_open" not in q.items
    True
    """

    survey_id: str
    wave: int
    version: str
    languages: tuple[str, ...] = REQUIRED_LANGUAGES
    scales: FrozenDict = field(default_factory=FrozenDict)  # id -> Scale
    questions: tuple[Question, ...] = ()
    demographics: tuple[Question, ...] = ()
    derived: tuple[Derived, ...] = ()
    indices: tuple[Index, ...] = ()
    design: DesignSpec | None = None
    weighting: Weighting | None = None
    targets: tuple[Target, ...] = ()
    recommendations: tuple[RecommendationRule, ...] = ()
    title: FrozenDict = field(default_factory=FrozenDict)
    population: FrozenDict = field(default_factory=FrozenDict)
    untranslated: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    source: str | None = field(default=None, compare=False)

    def __post_init__(self):
        set_ = lambda name, value: object.__setattr__(self, name, value)  # noqa: E731
        scales = self.scales
        if not isinstance(scales, FrozenDict):
            if isinstance(scales, (list, tuple)):
                scales = {s.id: s for s in scales}
            scales = FrozenDict(scales)
        set_("scales", scales)
        for name in ("languages", "questions", "demographics", "derived", "targets", "recommendations",
                     "untranslated", "notes"):
            set_(name, tuple(getattr(self, name)))
        set_("title", make_labels(self.title))
        set_("population", make_labels(self.population))
        set_("wave", int(self.wave))
        set_("version", str(self.version))
        lookup: dict[str, Variable] = {}
        for q in (*self.questions, *self.demographics):
            lookup.setdefault(q.id, q)
            for o in q.options:
                lookup.setdefault(o.id, o)
        for d in self.derived:
            lookup.setdefault(d.id, d)
        set_("_lookup", lookup)
        bound = []
        for idx in self.indices:
            try:
                bound.append(idx.bind(self))
            except QuestionnaireError:
                bound.append(idx)  # unusable; lint reports why
        set_("indices", tuple(bound))
        for idx in self.indices:
            lookup.setdefault(idx.id, idx)

    # ------------------------------------------------------------ construction
    @classmethod
    def from_dict(cls, d: dict, source: str | None = None) -> Questionnaire:
        """Build from the YAML layout (a dict), after checking it with :func:`schema.validate`.

        Raises
        ------
        QuestionnaireError
            Listing every problem with its YAML path.
        """
        from .schema import validate

        problems = validate(d)
        if problems:
            where = f"{source}: " if source else ""
            raise QuestionnaireError(
                f"{where}the questionnaire has {len(problems)} problem(s); fix them and load it again",
                problems=problems,
            )
        return cls(**build_kwargs(d), source=None if source is None else str(source))

    @classmethod
    def from_yaml(cls, path: str | os.PathLike) -> Questionnaire:
        """Load and check a questionnaire YAML file.

        Raises
        ------
        QuestionnaireError
            On a missing file, a YAML syntax error (with file and line) or schema problems
            (each with its YAML path and, at the end, its line in the file).
        """
        data = read_yaml(path)
        try:
            return cls.from_dict(data, source=str(path))
        except QuestionnaireError as exc:
            if not exc.problems:
                raise
            problems = locate(path, exc.problems)
            raise QuestionnaireError(
                f"{path}: the questionnaire has {len(problems)} problem(s); fix them and load it again",
                problems=problems,
            ) from None

    def to_dict(self) -> dict[str, Any]:
        """The YAML layout as plain dicts and lists (``from_dict(q.to_dict()) == q``)."""
        return to_plain(self)

    def to_yaml(self, path: str | os.PathLike, *, overwrite: bool = True) -> Path:
        """Write the questionnaire as YAML (UTF-8). Comments of a loaded file are not kept.

        Raises
        ------
        QuestionnaireError
            If ``path`` exists and ``overwrite`` is false.
        """
        path = Path(path)
        if path.exists() and not overwrite:
            raise QuestionnaireError(f"{path} exists; choose another output file or allow overwriting")
        write_yaml(self.to_dict(), path, header=f"Questionnaire {self.survey_id}, wave {self.wave}, version {self.version}")
        return path

    def with_changes(self, **changes: Any) -> Questionnaire:
        """A copy with the given fields replaced (``q.with_changes(wave=2026)``)."""
        unknown = set(changes) - {f.name for f in dataclasses.fields(self)}
        if unknown:
            raise QuestionnaireError(
                f"unknown questionnaire field(s) {', '.join(sorted(unknown))}; "
                f"fields: {', '.join(f.name for f in dataclasses.fields(self))}"
            )
        return dataclasses.replace(self, **changes)

    # ------------------------------------------------------------ lookups
    def _get(self, id: str, kinds: tuple[type, ...], what: str):
        v = self._lookup.get(id)
        if v is None or not isinstance(v, kinds):
            known = [k for k, x in self._lookup.items() if isinstance(x, kinds)]
            raise QuestionnaireError(
                f"{what} {id!r} is not in questionnaire {self.survey_id!r} "
                f"(known: {', '.join(known[:40])}{', ...' if len(known) > 40 else ''})"
            )
        return v

    def question(self, id: str) -> Question:
        """The question or demographic ``id``."""
        return self._get(id, (Question,), "question")

    def scale(self, id: str) -> Scale:
        """The scale ``id``."""
        try:
            return self.scales[id]
        except KeyError:
            raise QuestionnaireError(
                f"scale {id!r} is not in questionnaire {self.survey_id!r} (scales: {', '.join(self.scales)})"
            ) from None

    def index(self, id: str) -> Index:
        """The index ``id`` (bound to this questionnaire's scales)."""
        return self._get(id, (Index,), "index")

    def variable(self, id: str) -> Variable:
        """A question, demographic, multiple-response option, derived variable or index."""
        return self._get(id, (Question, Option, Derived, Index), "variable")

    def has_variable(self, id: str) -> bool:
        """Whether ``id`` names any variable of the questionnaire."""
        return id in self._lookup

    def scale_for(self, id: str) -> Scale | None:
        """The scale of a variable: its own, :data:`SELECTED_SCALE` for an option, ``None`` if unscaled."""
        v = self.variable(id)
        if isinstance(v, Option):
            return SELECTED_SCALE
        if isinstance(v, (Question, Derived)) and v.scale is not None:
            return self.scale(v.scale)
        return None

    def missing_codes(self, id: str) -> dict[int, str]:
        """``{code: kind}`` of the missing codes of a variable (its scale's or its own)."""
        v = self.variable(id)
        out: dict[int, str] = {}
        scale = self.scale_for(id)
        if scale is not None:
            out.update({m.code: m.kind for m in scale.missing})
        if isinstance(v, Question):
            out.update({m.code: m.kind for m in v.missing})
        return out

    def label(self, id: str, lang: str = "en") -> str:
        """The short label of a variable (or its text) in ``lang``; English if not translated."""
        v = self.variable(id)
        labels = v.label if v.label else getattr(v, "text", FrozenDict())
        if lang in labels:
            return labels[lang]
        if "en" in labels:
            return labels["en"]
        return next(iter(labels.values()), id)

    def value_label(self, id: str, code, lang: str = "en") -> str:
        """The label of ``code`` of variable ``id`` in ``lang``."""
        scale = self.scale_for(id)
        if scale is None:
            v = self.variable(id)
            for m in getattr(v, "missing", ()):
                if m.code == code:
                    return m.label.get(lang) or m.label.get("en") or str(code)
            return str(code)
        return scale.label_of(code, lang)

    @property
    def items(self) -> tuple[str, ...]:
        """Ids of the statistical items: single-choice and numeric questions, options of multiple ones."""
        out: list[str] = []
        for q in self.questions:
            if q.type in ("single", "numeric"):
                out.append(q.id)
            elif q.type == "multiple":
                out.extend(q.option_ids)
        return tuple(out)

    @property
    def question_ids(self) -> tuple[str, ...]:
        """Ids of every question (not demographics), open text included."""
        return tuple(q.id for q in self.questions)

    @property
    def text_ids(self) -> tuple[str, ...]:
        """Ids of the open-text questions (kept, never in statistics)."""
        return tuple(q.id for q in self.questions if q.type == "text")

    @property
    def demographic_ids(self) -> tuple[str, ...]:
        """Ids of the demographics followed by the derived variables."""
        return tuple(q.id for q in self.demographics) + tuple(d.id for d in self.derived)

    @property
    def index_ids(self) -> tuple[str, ...]:
        """Ids of the indices."""
        return tuple(i.id for i in self.indices)

    @property
    def routing(self) -> dict[str, Any]:
        """``{question id: Expression}`` for every routed question or demographic."""
        return {q.id: q.asked_if for q in (*self.questions, *self.demographics) if q.asked_if is not None}

    def column_map(self, wave: int | None = None) -> dict[str, str]:
        """``{source column in wave's file: item id}`` for questions, options and demographics.

        Parameters
        ----------
        wave : int, optional
            The data file's wave; the questionnaire's own wave by default.
        """
        wave = self.wave if wave is None else int(wave)
        out: dict[str, str] = {}
        for q in (*self.questions, *self.demographics):
            if q.type == "multiple":
                for o in q.options:
                    out[o.column(wave)] = o.id
            else:
                out[q.column(wave)] = q.id
        return out

    def to_frame(self, lang: str = "en"):
        """A codebook: one row per variable.

        Returns
        -------
        pandas.DataFrame
            Columns ``id, section, type, scale, label, block, asked_if, reverse``;
            ``section`` is question, option, demographic, derived or index.

        Examples
        --------
        >>> cb = bundled().to_frame()
        >>> cb.loc[cb["id"] == "contact_satisfaction", ["section", "scale", "asked_if"]].to_numpy().tolist()
        [['question', 'satisf5', 'contact_12m == 1']]
        """
        import pandas as pd

        rows = []
        for section, qs in (("question", self.questions), ("demographic", self.demographics)):
            for q in qs:
                rows.append((q.id, section, q.type, q.scale, self.label(q.id, lang), q.block,
                             None if q.asked_if is None else q.asked_if.text, q.reverse))
                for o in q.options:
                    rows.append((o.id, "option", "single", SELECTED_SCALE.id, self.label(o.id, lang), q.block,
                                 None if q.asked_if is None else q.asked_if.text, False))
        for d in self.derived:
            rows.append((d.id, "derived", "single", d.scale, self.label(d.id, lang), None, None, False))
        for i in self.indices:
            rows.append((i.id, "index", "numeric", None, self.label(i.id, lang), None, None, False))
        return pd.DataFrame(rows, columns=["id", "section", "type", "scale", "label", "block", "asked_if", "reverse"])

    def data_columns(self) -> tuple[str, ...]:
        """Item ids expected in a harmonised data file: questions (options), demographics, design."""
        cols = list(self.column_map(self.wave).values())
        if self.design is not None:
            cols.extend(c for c in self.design.columns if c not in cols)
        return tuple(cols)


@functools.lru_cache(maxsize=8)
def bundled(name: str = "kosovo_police_trust") -> Questionnaire:
    """A questionnaire shipped with the package (``kosovo_police_trust``).

    Examples
    --------
    >>> bundled().survey_id
    'kp_trust'
    """
    ref = resources.files("trustsurvey").joinpath("data", f"{name}.yaml")
    if not ref.is_file():
        raise QuestionnaireError(f"no bundled questionnaire {name!r}; available: kosovo_police_trust")
    with resources.as_file(ref) as path:
        return Questionnaire.from_yaml(path)
