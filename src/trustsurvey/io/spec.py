"""What the data checks need to know about each column: the questionnaire, flattened.

:func:`validation_spec` turns a :class:`~trustsurvey.questionnaire.Questionnaire`
and a wave into a :class:`ValidationSpec`: one :class:`ColumnSpec` per expected
column (its item id, its name in that wave's file, its kind, valid and missing
codes, range and routing), the multiple-response groups, the derived variables
and indices to build, and the design columns. The checks in
:mod:`trustsurvey.io.validate` work on this flat spec only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

__all__ = [
    "ColumnSpec",
    "ResponseGroup",
    "Computed",
    "ValidationSpec",
    "MISSING_KINDS",
    "validation_spec",
    "questionnaire_waves",
]

#: The well-known kinds of missing answer, in the order of ``missing_kinds`` categories; a
#: questionnaire's own kinds (``no_answer``, ``unclassified``, ...) come before ``not_asked``.
MISSING_KINDS = ("dont_know", "refused", "not_applicable", "not_asked")

#: Column kinds.
KINDS = ("coded", "numeric", "text", "date", "time", "option", "id", "weight", "strata", "psu", "fpc")


@dataclass(frozen=True)
class ColumnSpec:
    """One expected column.

    Parameters
    ----------
    name : str
        The item id: the column's name in the analysis data.
    source : str
        The column's name in the file of the wave being read.
    kind : str
        ``"coded"`` (single choice), ``"numeric"``, ``"text"`` (open answer),
        ``"date"``, ``"time"``, ``"option"`` (one 0/1 column of a
        multiple-response question) or a design role: ``"id"``, ``"weight"``,
        ``"strata"``, ``"psu"``, ``"fpc"``.
    role : str
        ``"item"``, ``"demographic"`` or ``"design"`` (used in messages).
    valid_codes : tuple of float, optional
        Codes of real answers (coded and option columns); for a scale with text
        codes, the positions of its valid codes in ``code_list``.
    missing_codes : mapping, optional
        Missing code (or its position in ``code_list``) -> its kind
        (``"dont_know"``, ``"refused"``, ``"not_applicable"``, ...).
    minimum, maximum : float, optional
        Allowed range of a numeric answer (missing codes excepted).
    integer : bool
        Numeric answers must be whole numbers.
    asked_if : object, optional
        The routing condition, an object with ``evaluate(frame) -> bool array``.
    asked_if_text : str, optional
        The condition as written in the questionnaire (for messages).
    required : bool
        The column must be present in the file.
    scale : str, optional
        Name of the scale (for messages).
    lookup : mapping, optional
        Text of a data value (stripped, case-folded) -> its code: each code
        written as text, each choice name and each label in every language.
    code_list : tuple, optional
        The scale's codes when some are texts: the column's values are read as
        positions in this list and written back as the codes.
    blank_kind : str, optional
        The missing kind of a blank cell where the question was asked (the
        question's ``blank``); ``None``: a blank there is a problem.
    """

    name: str
    source: str
    kind: str
    role: str = "item"
    valid_codes: tuple[float, ...] | None = None
    missing_codes: Mapping[float, str] = field(default_factory=dict)
    minimum: float | None = None
    maximum: float | None = None
    integer: bool = False
    asked_if: Any = None
    asked_if_text: str | None = None
    required: bool = True
    scale: str | None = None
    lookup: Mapping[str, Any] | None = None
    code_list: tuple | None = None
    blank_kind: str | None = None

    @property
    def is_numeric(self) -> bool:
        """Whether the column's values must be numbers."""
        return self.kind not in ("text", "id", "strata", "psu", "date", "time")

    def code_text(self, value: float) -> str:
        """A code as a message shows it (``4``, or ``UKI`` for a text-coded scale)."""
        if isinstance(value, str):
            return value
        if self.code_list is not None:
            return str(self.code_list[int(value)])
        return _num(value)

    @property
    def allowed_text(self) -> str:
        """The allowed values, as a message shows them."""
        parts = []
        if self.valid_codes is not None and self.code_list is not None:
            parts.append(", ".join(self.code_text(c) for c in self.valid_codes))
        elif self.valid_codes is not None:
            parts.append(_codes_text(self.valid_codes))
        if self.minimum is not None or self.maximum is not None:
            lo = "" if self.minimum is None else _num(self.minimum)
            hi = "" if self.maximum is None else _num(self.maximum)
            parts.append(f"{lo}..{hi}")
        if self.missing_codes:
            parts.append(", ".join(f"{self.code_text(c)} ({k})" for c, k in self.missing_codes.items()))
        return "; ".join(parts)


@dataclass(frozen=True)
class ResponseGroup:
    """The 0/1 option columns of one multiple-response question.

    ``source`` is the question's own column name (a KoboToolbox export may hold
    the chosen choice names there, space separated) and ``option_names`` the
    choice name of each option (``None`` where the form gave none).
    """

    name: str
    options: tuple[str, ...]
    exclusive: tuple[str, ...] = ()
    source: str | None = None
    option_names: tuple = ()
    option_sources: tuple[str, ...] = ()
    mentions: tuple[str, ...] = ()


@dataclass(frozen=True)
class Computed:
    """A derived variable or index: its name and how to compute it from the clean data."""

    name: str
    compute: Callable[[Any], Any]
    kind: str = "derived"
    needs: tuple[str, ...] = ()


@dataclass(frozen=True)
class ValidationSpec:
    """The flat description of a wave's data file that the checks use.

    Parameters
    ----------
    columns : tuple of ColumnSpec
        Every expected column, design columns first.
    groups : tuple of ResponseGroup
        Multiple-response questions.
    computed : tuple of Computed
        Derived variables and indices, in the order to compute them.
    id, weight, strata : str or None
        Item ids of the design columns.
    psu, fpc : tuple of str
        Cluster and FPC columns, one per stage.
    nest : bool
        PSU ids are only unique within strata.
    wave : int or None
        The wave whose column names were used.
    """

    columns: tuple[ColumnSpec, ...]
    groups: tuple[ResponseGroup, ...] = ()
    computed: tuple[Computed, ...] = ()
    id: str | None = None
    weight: str | None = None
    strata: str | None = None
    psu: tuple[str, ...] = ()
    fpc: tuple[str, ...] = ()
    nest: bool = False
    wave: int | None = None
    missing_kinds: tuple[str, ...] = MISSING_KINDS
    unanalysed: tuple[str, ...] = ()

    def column(self, name: str) -> ColumnSpec:
        """The spec of item ``name``."""
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(name)

    @property
    def source_to_name(self) -> dict[str, str]:
        """File column name -> item id."""
        return {c.source: c.name for c in self.columns}


def _num(value: float) -> str:
    value = float(value)
    return str(int(value)) if value.is_integer() else repr(value)


def _codes_text(codes: tuple[float, ...]) -> str:
    values = sorted(float(c) for c in codes)
    if len(values) > 2 and all(b - a == 1 for a, b in zip(values, values[1:])):
        return f"{_num(values[0])}-{_num(values[-1])}"
    return ", ".join(_num(v) for v in values)


# ---------------------------------------------------------------- from a questionnaire


def questionnaire_waves(questionnaire: Any) -> tuple[int, ...]:
    """Every wave the questionnaire names: its own and those with renamed source columns."""
    waves = {int(questionnaire.wave)} if getattr(questionnaire, "wave", None) is not None else set()
    for q in _variables(questionnaire):
        waves.update(int(w) for w in getattr(q, "columns", {}) or {})
        for o in getattr(q, "options", ()) or ():
            waves.update(int(w) for w in getattr(o, "columns", {}) or {})
    return tuple(sorted(waves))


def _variables(questionnaire: Any) -> tuple:
    return tuple(questionnaire.questions) + tuple(getattr(questionnaire, "demographics", ()) or ())


def _missing_map(*sources, positions: dict | None = None) -> dict:
    out: dict = {}
    for missing in sources:
        for m in missing or ():
            key = positions[m.code] if positions is not None else m.code
            out.setdefault(float(key) if not isinstance(key, str) else key, m.kind)
    return out


def _option_lookup() -> dict:
    out = {"0": 0, "1": 1, "true": 1, "false": 0, "0.0": 0, "1.0": 1}
    return out


def _source(obj: Any, wave: int | None) -> str:
    return obj.column(wave) if wave is not None else obj.id


def validation_spec(questionnaire: Any, wave: int | None = None) -> ValidationSpec:
    """Flatten a questionnaire into the column specs the data checks use.

    Parameters
    ----------
    questionnaire : Questionnaire
    wave : int, optional
        Whose source column names to expect (default: the questionnaire's wave).

    Returns
    -------
    ValidationSpec
    """
    q = questionnaire
    wave = int(q.wave) if wave is None and getattr(q, "wave", None) is not None else wave
    columns: list[ColumnSpec] = []
    design = getattr(q, "design", None)
    taken: set[str] = set()
    variables = _variables(q)
    demographic_ids = {v.id for v in getattr(q, "demographics", ()) or ()}
    declared = {v.id for v in variables}
    id_name = weight = strata = None
    psu: tuple[str, ...] = ()
    fpc: tuple[str, ...] = ()
    nest = False
    if design is not None:
        id_name, weight, strata = design.respondent_id, design.weight, design.strata
        psu = (design.psu,) if isinstance(design.psu, str) else tuple(design.psu or ())
        fpc = (design.fpc,) if isinstance(design.fpc, str) else tuple(design.fpc or ())
        nest = bool(design.nest)
        roles = [(id_name, "id"), (weight, "weight"), (strata, "strata")]
        roles += [(p, "psu") for p in psu] + [(f, "fpc") for f in fpc]
        for name, kind in roles:
            if name is None or name in taken or name in declared:
                continue
            taken.add(name)
            columns.append(ColumnSpec(name=name, source=name, kind=kind, role="design"))
    groups: list[ResponseGroup] = []
    for v in variables:
        role = "demographic" if v.id in demographic_ids else "item"
        asked = v.asked_if
        blank_kind = getattr(v, "blank", None)
        asked_text = None if asked is None else str(asked)
        if v.type == "single":
            scale = q.scale(v.scale)
            lookup = scale.lookup()
            if getattr(scale, "numeric_codes", True):
                columns.append(ColumnSpec(
                    name=v.id, source=_source(v, wave), kind="coded", role=role,
                    valid_codes=tuple(float(c) for c in scale.valid_codes),
                    missing_codes=_missing_map(scale.missing, v.missing),
                    asked_if=asked, asked_if_text=asked_text, scale=scale.id, lookup=lookup,
                    blank_kind=blank_kind,
                ))
            else:
                code_list = tuple(scale.all_codes)
                positions = {c: i for i, c in enumerate(code_list)}
                columns.append(ColumnSpec(
                    name=v.id, source=_source(v, wave), kind="coded", role=role,
                    valid_codes=tuple(float(positions[c]) for c in scale.valid_codes),
                    missing_codes={float(positions[m.code]): m.kind for m in scale.missing},
                    asked_if=asked, asked_if_text=asked_text, scale=scale.id,
                    lookup={k: positions[c] for k, c in lookup.items()}, code_list=code_list,
                    blank_kind=blank_kind,
                ))
        elif v.type == "numeric":
            columns.append(ColumnSpec(
                name=v.id, source=_source(v, wave), kind="numeric", role=role,
                missing_codes=_missing_map(v.missing), minimum=v.min, maximum=v.max,
                asked_if=asked, asked_if_text=asked_text, blank_kind=blank_kind,
            ))
        elif v.type in ("text", "date", "time"):
            columns.append(ColumnSpec(name=v.id, source=_source(v, wave), kind=v.type, role=role,
                                      asked_if=asked, asked_if_text=asked_text))
        else:  # multiple response: one 0/1 column per option
            for o in v.options:
                columns.append(ColumnSpec(
                    name=o.id, source=_source(o, wave), kind="option", role=role,
                    valid_codes=(0.0, 1.0), missing_codes=_missing_map(v.missing),
                    asked_if=asked, asked_if_text=asked_text, scale=None, lookup=_option_lookup(),
                    blank_kind=blank_kind,
                ))
            groups.append(ResponseGroup(v.id, tuple(o.id for o in v.options),
                                        tuple(o.id for o in v.options if o.exclusive),
                                        source=_source(v, wave),
                                        option_names=tuple(getattr(o, "name", None) for o in v.options),
                                        option_sources=tuple(_source(o, wave) for o in v.options),
                                        mentions=tuple(getattr(v, "mentions", ()) or ())))
    computed: list[Computed] = []
    for d in getattr(q, "derived", ()) or ():
        computed.append(Computed(d.id, d.compute, "derived variable", (d.source,)))
    for idx in getattr(q, "indices", ()) or ():
        bound = q.index(idx.id) if hasattr(q, "index") else idx
        if getattr(bound, "scoring", None) is None:
            bound = bound.bind(q)
        computed.append(Computed(bound.id, bound.compute, "index", tuple(bound.items)))
    kinds = list(MISSING_KINDS[:-1])
    for col in columns:
        for k in (*col.missing_codes.values(), col.blank_kind):
            if k is not None and k not in kinds:
                kinds.append(k)
    return ValidationSpec(
        columns=tuple(columns), groups=tuple(groups), computed=tuple(computed),
        id=id_name, weight=weight, strata=strata, psu=psu, fpc=fpc, nest=nest, wave=wave,
        missing_kinds=tuple(kinds) + ("not_asked",),
        unanalysed=tuple(getattr(q, "unanalysed", ()) or ()),
    )
