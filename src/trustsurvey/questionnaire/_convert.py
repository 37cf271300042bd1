"""Conversion between the YAML layout (plain dicts) and the model objects.

:func:`build` assumes the dict passed :func:`trustsurvey.questionnaire.schema.validate`.
"""

from __future__ import annotations

from typing import Any

from ._codes import canonical_code
from ._frozen import FrozenDict, freeze, nfc, thaw
from .indices import Index
from .scales import Code, MissingCode, Scale
from .sections import (
    DesignSpec,
    PopulationTotal,
    RecommendationRule,
    Target,
    Weighting,
    WeightingVariable,
)
from .variables import Derived, Option, Question

__all__ = ["build_kwargs", "to_plain"]


def _s(v):
    return nfc(v) if isinstance(v, str) else v


def _labels(v) -> FrozenDict:
    return FrozenDict({str(k): nfc(str(t)) for k, t in (v or {}).items()})


def _missing(items) -> tuple[MissingCode, ...]:
    return tuple(MissingCode(canonical_code(m["code"]), m["kind"], _labels(m.get("label")), _s(m.get("name")))
                 for m in items or ())


def _scale(sid: str, d: dict) -> Scale:
    codes = tuple(Code(canonical_code(c["code"]), _labels(c.get("label")), c.get("score"), _s(c.get("name")))
                  for c in d.get("codes") or ())
    return Scale(
        id=nfc(sid),
        codes=codes,
        missing=_missing(d.get("missing")),
        favourable=d.get("favourable"),
        neutral=d.get("neutral"),
        nets=FrozenDict({nfc(str(k)): tuple(canonical_code(c) for c in v) for k, v in (d.get("nets") or {}).items()}),
        label=_labels(d.get("label")),
    )


def _question(d: dict) -> Question:
    options = tuple(
        Option(
            id=nfc(o["id"]),
            label=_labels(o.get("label")),
            exclusive=bool(o.get("exclusive", False)),
            columns=o.get("columns") or {},
            name=_s(o.get("name")),
        )
        for o in d.get("options") or ()
    )
    return Question(
        id=nfc(d["id"]),
        type=d["type"],
        text=_labels(d.get("text")),
        scale=_s(d.get("scale")),
        label=_labels(d.get("label")),
        reverse=bool(d.get("reverse", False)),
        asked_if=d.get("asked_if"),
        options=options,
        min=d.get("min"),
        max=d.get("max"),
        missing=_missing(d.get("missing")),
        columns={int(k): nfc(str(v)) for k, v in (d.get("columns") or {}).items()},
        block=_s(d.get("block")),
        favourable=_s(d.get("favourable")),
        blank=_s(d.get("blank")),
        mentions=tuple(nfc(str(m)) for m in d.get("mentions") or ()),
    )


def _derived(d: dict) -> Derived:
    return Derived(
        id=nfc(d["id"]),
        source=nfc(d["from"]),
        scale=nfc(d["scale"]),
        bands=d.get("bands"),
        recode=d.get("recode"),
        label=_labels(d.get("label")),
    )


def _index(d: dict) -> Index:
    rescale = d.get("rescale")
    return Index(
        id=nfc(d["id"]),
        items=tuple(nfc(i) for i in d["items"]),
        min_valid=int(d.get("min_valid", 1)),
        rescale=None if rescale is None else (rescale[0], rescale[1]),
        label=_labels(d.get("label")),
    )


def _design(d: dict | None) -> DesignSpec | None:
    if d is None:
        return None
    return DesignSpec(
        respondent_id=_s(d.get("respondent_id")),
        weight=_s(d.get("weight")),
        strata=_s(d.get("strata")),
        psu=freeze(d.get("psu")),
        fpc=freeze(d.get("fpc")),
        nest=bool(d.get("nest", False)),
        lonely_psu=d.get("lonely_psu") or "fail",
    )


def _weighting(d: dict | None) -> Weighting | None:
    if d is None:
        return None
    total = d.get("total")
    return Weighting(
        method=d.get("method", "rake"),
        variables=FrozenDict(
            {
                nfc(name): WeightingVariable(
                    variable=nfc(name),
                    targets=v["targets"],
                    unit=v.get("unit", "share"),
                    source=nfc(v.get("source", "")),
                    estimate=bool(v.get("estimate", False)),
                    note=_s(v.get("note")),
                )
                for name, v in (d.get("variables") or {}).items()
            }
        ),
        total=None
        if total is None
        else PopulationTotal(
            value=total["value"],
            source=nfc(total.get("source", "")),
            estimate=bool(total.get("estimate", False)),
            note=_s(total.get("note")),
        ),
        population=_s(d.get("population")),
    )


def _target(d: dict) -> Target:
    return Target(
        item=nfc(d["item"]),
        metric=d["metric"],
        goal=d["goal"],
        direction=d.get("direction", "higher"),
        by=_s(d.get("by")),
        label=_labels(d.get("label")),
    )


def _rule(d: dict) -> RecommendationRule:
    items = d.get("items", "all")
    return RecommendationRule(
        id=nfc(d["id"]),
        rule=d["rule"],
        items=items if isinstance(items, str) else tuple(nfc(i) for i in items),
        params=d.get("params") or {},
        text=_labels(d.get("text")),
        responsible=_labels(d.get("responsible")),
        supporting=tuple(_labels(s) for s in d.get("supporting") or ()),
        indicator=_labels(d.get("indicator")),
        deadline=_labels(d.get("deadline")),
    )


def build_kwargs(d: dict) -> dict[str, Any]:
    """Keyword arguments of :class:`Questionnaire` from a validated YAML dict."""
    return dict(
        survey_id=nfc(str(d["survey_id"])),
        wave=int(d["wave"]),
        version=nfc(str(d["version"])),
        title=_labels(d.get("title")),
        population=_labels(d.get("population")),
        languages=tuple(d.get("languages") or ("sq", "sr", "en")),
        untranslated=tuple(d.get("untranslated") or ()),
        notes=tuple(nfc(str(n)) for n in d.get("notes") or ()),
        unanalysed=tuple(nfc(str(n)) for n in d.get("unanalysed") or ()),
        scales=FrozenDict({nfc(str(k)): _scale(str(k), v) for k, v in (d.get("scales") or {}).items()}),
        questions=tuple(_question(q) for q in d.get("questions") or ()),
        demographics=tuple(_question(q) for q in d.get("demographics") or ()),
        derived=tuple(_derived(x) for x in d.get("derived") or ()),
        indices=tuple(_index(x) for x in d.get("indices") or ()),
        design=_design(d.get("design")),
        weighting=_weighting(d.get("weighting")),
        targets=tuple(_target(t) for t in d.get("targets") or ()),
        recommendations=tuple(_rule(r) for r in d.get("recommendations") or ()),
    )


# ------------------------------------------------------------------ to plain dicts


def _plain_labels(labels) -> dict:
    return {k: v for k, v in labels.items()}


def _put(out: dict, key: str, value, default=None):
    if value is None or value == default or (hasattr(value, "__len__") and not isinstance(value, str) and not len(value)):
        return
    out[key] = value


def _plain_missing(ms) -> list:
    out = []
    for m in ms:
        d = {"code": m.code, "kind": m.kind}
        _put(d, "name", m.name)
        _put(d, "label", _plain_labels(m.label))
        out.append(d)
    return out


def _plain_scale(s: Scale) -> dict:
    out: dict = {}
    _put(out, "label", _plain_labels(s.label))
    codes = []
    for c in s.codes:
        d: dict = {"code": c.code}
        _put(d, "name", c.name)
        if c.score is not None:
            d["score"] = c.score
        _put(d, "label", _plain_labels(c.label))
        codes.append(d)
    out["codes"] = codes
    _put(out, "missing", _plain_missing(s.missing))
    _put(out, "favourable", s.favourable)
    _put(out, "neutral", s.neutral)
    _put(out, "nets", {k: list(v) for k, v in s.nets.items()})
    return out


def _plain_question(q: Question) -> dict:
    out: dict = {"id": q.id, "type": q.type}
    _put(out, "scale", q.scale)
    _put(out, "block", q.block)
    _put(out, "label", _plain_labels(q.label))
    _put(out, "text", _plain_labels(q.text))
    _put(out, "reverse", q.reverse, False)
    _put(out, "favourable", q.favourable)
    _put(out, "asked_if", None if q.asked_if is None else q.asked_if.text)
    if q.options:
        opts = []
        for o in q.options:
            d: dict = {"id": o.id}
            _put(d, "name", o.name)
            _put(d, "label", _plain_labels(o.label))
            _put(d, "exclusive", o.exclusive, False)
            _put(d, "columns", dict(o.columns))
            opts.append(d)
        out["options"] = opts
    _put(out, "min", q.min)
    _put(out, "max", q.max)
    _put(out, "missing", _plain_missing(q.missing))
    _put(out, "blank", q.blank)
    _put(out, "mentions", list(q.mentions))
    _put(out, "columns", dict(q.columns))
    return out


def to_plain(q) -> dict[str, Any]:
    """The YAML layout of a :class:`Questionnaire` as plain dicts and lists."""
    out: dict[str, Any] = {"survey_id": q.survey_id, "wave": q.wave, "version": q.version}
    _put(out, "title", _plain_labels(q.title))
    _put(out, "population", _plain_labels(q.population))
    out["languages"] = list(q.languages)
    _put(out, "untranslated", list(q.untranslated))
    _put(out, "notes", list(q.notes))
    _put(out, "unanalysed", list(q.unanalysed))
    out["scales"] = {sid: _plain_scale(s) for sid, s in q.scales.items()}
    out["questions"] = [_plain_question(x) for x in q.questions]
    _put(out, "demographics", [_plain_question(x) for x in q.demographics])
    derived = []
    for x in q.derived:
        d: dict = {"id": x.id, "from": x.source, "scale": x.scale}
        if x.bands is not None:
            d["bands"] = dict(x.bands)
        else:
            d["recode"] = dict(x.recode)
        _put(d, "label", _plain_labels(x.label))
        derived.append(d)
    _put(out, "derived", derived)
    indices = []
    for x in q.indices:
        d = {"id": x.id, "items": list(x.items), "min_valid": x.min_valid}
        d["rescale"] = None if x.rescale is None else list(x.rescale)
        _put(d, "label", _plain_labels(x.label))
        indices.append(d)
    _put(out, "indices", indices)
    if q.design is not None:
        ds = q.design
        out["design"] = {
            "respondent_id": ds.respondent_id,
            "weight": ds.weight,
            "strata": ds.strata,
            "psu": thaw(ds.psu),
            "fpc": thaw(ds.fpc),
            "nest": ds.nest,
        }
        if ds.lonely_psu != "fail":
            out["design"]["lonely_psu"] = ds.lonely_psu
    if q.weighting is not None:
        w = q.weighting
        wd: dict = {"method": w.method}
        _put(wd, "population", w.population)
        if w.total is not None:
            t = {"value": w.total.value, "source": w.total.source, "estimate": w.total.estimate}
            _put(t, "note", w.total.note)
            wd["total"] = t
        variables = {}
        for name, v in w.variables.items():
            vd: dict = {"unit": v.unit, "source": v.source, "estimate": v.estimate}
            _put(vd, "note", v.note)
            vd["targets"] = dict(v.targets)
            variables[name] = vd
        wd["variables"] = variables
        out["weighting"] = wd
    targets = []
    for t in q.targets:
        d = {"item": t.item, "metric": t.metric, "goal": t.goal, "direction": t.direction}
        _put(d, "by", t.by)
        _put(d, "label", _plain_labels(t.label))
        targets.append(d)
    _put(out, "targets", targets)
    rules = []
    for r in q.recommendations:
        d = {"id": r.id, "rule": r.rule, "items": r.items if isinstance(r.items, str) else list(r.items)}
        _put(d, "params", thaw(r.params))
        for name in ("text", "responsible"):
            _put(d, name, _plain_labels(getattr(r, name)))
        _put(d, "supporting", [_plain_labels(s) for s in r.supporting])
        for name in ("indicator", "deadline"):
            _put(d, name, _plain_labels(getattr(r, name)))
        rules.append(d)
    _put(out, "recommendations", rules)
    return out
