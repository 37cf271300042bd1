"""What each XLSForm field type becomes: a question kind, or a reason to leave it out.

The classification follows pyxform's own question-type dictionary (the XForm
data type and control of each type and of every alias: ``select one``,
``select_one``, ``select all that apply``, ``integer``, ``int``, ``string``, ...).
"""

from __future__ import annotations

__all__ = ["classify", "STRUCTURE_TYPES"]

#: node types that hold other nodes
STRUCTURE_TYPES = ("group", "repeat", "loop", "survey")

_REASONS = {
    "calculate": "a calculation, not an answer",
    "note": "display text, no answer",
    "binary": "a media file (photo, audio, video, file)",
    "geopoint": "a location",
    "geotrace": "a location",
    "geoshape": "a location",
    "barcode": "a scanned code",
    "metadata": "metadata the device records",
    "acknowledge": "an acknowledgement, no answer",
    "odk:rank": "a ranking of choices (not supported)",
}


def _dictionary() -> dict:
    from pyxform.question_type_dictionary import QUESTION_TYPE_DICT

    return QUESTION_TYPE_DICT


def classify(node: dict) -> tuple[str, str | None]:
    """``(kind, note)`` of a pyxform survey node; kind is a question type or ``"skip"`` (note: why).

    Kinds: ``single``, ``multiple``, ``numeric``, ``integer``, ``text``, ``date``, ``time``, ``skip``.

    Examples
    --------
    >>> classify({"type": "select one", "choices": [{"name": "a"}]})
    ('single', None)
    >>> classify({"type": "integer"}), classify({"type": "geopoint"})
    (('integer', None), ('skip', 'a location'))
    """
    qtype = str(node.get("type", ""))
    spec = _dictionary().get(qtype) or _dictionary().get(qtype.lower())
    if spec is None:
        if qtype == "include":
            return "skip", "a section kept in another file, which pyxform did not include"
        return "skip", f"type {qtype!r} is not a question type pyxform knows (entity or form metadata)"
    bind = spec.get("bind", {}) or {}
    tag = (spec.get("control", {}) or {}).get("tag")
    btype = bind.get("type")
    base = qtype.lower().replace("_", " ")
    if tag is None:
        if "calculate" in base:
            return "skip", _REASONS["calculate"]
        if base in ("xml-external", "csv-external"):
            return "skip", "an external data file"
        return "skip", _REASONS["metadata"]
    if tag == "select1":
        if node.get("choices"):
            return "single", None
        return "text", "its choices are in an external file, so its answers are kept as text (choice names)"
    if tag == "select":
        if node.get("choices"):
            return "multiple", None
        return "text", "its choices are in an external file, so its answers are kept as text (space-separated names)"
    if tag == "range":
        return "numeric", None
    if tag == "input":
        if btype == "int":
            return "integer", None
        if btype == "decimal":
            return "numeric", None
        if btype == "string":
            if bind.get("readonly") or "note" in base:
                return "skip", _REASONS["note"]
            if "external" in base:
                return "text", "its choices are in an external file, so its answers are kept as text (choice names)"
            return "text", None
        if btype == "date":
            return "date", None
        if btype == "dateTime":
            return "date", None
        if btype == "time":
            return "time", None
        return "skip", _REASONS.get(btype, f"an answer of XForm type {btype!r} (not analysable)")
    if btype in ("geopoint", "geotrace", "geoshape"):
        return "skip", _REASONS[btype]
    if tag in ("upload",) or btype == "binary":
        return "skip", _REASONS["binary"]
    if tag == "trigger" or base == "acknowledge":
        return "skip", _REASONS["acknowledge"]
    if tag == "odk:rank":
        return "skip", _REASONS["odk:rank"]
    return "skip", f"type {qtype!r} (XForm {btype}/{tag}) is not analysable"
