"""Import the metadata of an SPSS ``.sav`` file as a questionnaire skeleton (via pyreadstat).

Variable labels become question texts, value labels become scales (variables
with identical value labels share one scale), user-missing values and ranges
become missing codes (their kind guessed from the label: "don't know",
"refused", "not applicable", else from the usual 97/98/99 codes). Numeric
variables without value labels become numeric questions, string variables
open-text questions. Known design column names (``respondent_id``,
``design_weight``, ``stratum``, ``psu``, ...) fill the ``design`` section and
known demographic names (``region``, ``gender``, ``age``, ...) the demographics.

SPSS files carry labels in one language: they are copied to sq, sr and en and
the other languages are marked ``untranslated`` (a lint problem until translated).
"""

from __future__ import annotations

import datetime as _dt
import math
import os
from pathlib import Path
from typing import Any

from ..errors import QuestionnaireError
from ._skeleton import (
    DEMOGRAPHIC_NAMES,
    DESIGN_NAMES,
    drop_invalid_routing,
    fill_languages,
    guess_missing_kind,
    required_languages,
    safe_id,
)
from .model import Questionnaire

__all__ = ["import_spss"]

_MAX_RANGE_CODES = 20
_MAX_GAP_FILL = 10


def _code(v) -> int | None:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return int(f) if math.isfinite(f) and f.is_integer() else None


def import_spss(
    path: str | os.PathLike,
    *,
    language: str = "en",
    wave: int | None = None,
    survey_id: str | None = None,
) -> Questionnaire:
    """Read a ``.sav`` file's metadata and return a questionnaire skeleton.

    Parameters
    ----------
    path : path-like
        The SPSS file (only the dictionary is read, not the data).
    language : str
        Language of the file's labels (default ``en``).
    wave : int, optional
        Survey year; default the current year.
    survey_id : str, optional
        Default the file name.

    Returns
    -------
    Questionnaire

    Raises
    ------
    QuestionnaireError
        If the file cannot be read as SPSS.
    """
    import pyreadstat

    path = Path(path)
    if not path.is_file():
        raise QuestionnaireError(f"{path}: no such SPSS file")
    try:
        _, meta = pyreadstat.read_sav(str(path), metadataonly=True, user_missing=True)
    except Exception as exc:  # pyreadstat raises its own exception types
        raise QuestionnaireError(f"{path}: not a readable SPSS .sav file ({type(exc).__name__}: {exc})") from None
    return _build(path, meta, language, wave, survey_id)


def _build(path: Path, meta: Any, language: str, wave, survey_id) -> Questionnaire:
    languages = required_languages([language])
    notes: list[str] = [f"imported from the SPSS file {path.name}"]
    untranslated = [x for x in languages if x != language]

    def labels(text: str) -> dict[str, str]:
        return fill_languages({language: str(text)}, languages, language)

    names = list(meta.column_names)
    var_labels = dict(zip(names, meta.column_labels or [None] * len(names)))
    value_labels = meta.variable_value_labels or {}
    missing_ranges = getattr(meta, "missing_ranges", None) or {}
    types = getattr(meta, "readstat_variable_types", None) or {}
    measures = getattr(meta, "variable_measure", None) or {}

    design: dict[str, Any] = {}
    lowered = {n.lower(): n for n in names}
    for role, candidates in DESIGN_NAMES.items():
        for c in candidates:
            if c in lowered:
                design[role] = lowered[c]
                break
    design_cols = set(design.values())

    scales: dict[str, dict] = {}
    scale_keys: dict[tuple, str] = {}
    taken_ids: set[str] = set()
    taken_scales: set[str] = set()
    questions: list[dict] = []
    demographics: list[dict] = []
    for name in names:
        if name in design_cols:
            continue
        qid = safe_id(name, taken_ids)
        if qid != name:
            notes.append(f"variable {name!r} renamed {qid!r}; its source column is kept in 'columns'")
        text = var_labels.get(name) or name
        d: dict[str, Any] = {"id": qid, "text": labels(text)}
        if qid != name:
            d["columns"] = {int(wave or _dt.date.today().year): name}
        missing_codes = _missing_codes(name, missing_ranges.get(name) or [], value_labels.get(name) or {}, notes)
        if types.get(name) == "string":
            d["type"] = "text"
        elif value_labels.get(name):
            valid, missing = [], []
            vl = {c: str(t) for c, t in ((_code(k), v) for k, v in value_labels[name].items()) if c is not None}
            if len(vl) != len(value_labels[name]):
                notes.append(f"{name}: value labels on non-integer values ignored")
            for code in missing_codes:
                lab = vl.get(code, str(code))
                kind = guess_missing_kind(code, {language: lab}) or "dont_know"
                missing.append({"code": code, "kind": kind, "label": labels(lab)})
            valid_codes = sorted(c for c in vl if c not in missing_codes)
            if len(valid_codes) >= 2:
                gaps = [c for c in range(valid_codes[0], valid_codes[-1] + 1) if c not in vl]
                if gaps and len(gaps) <= _MAX_GAP_FILL:
                    notes.append(f"{name}: codes {', '.join(map(str, gaps))} have no value label; labelled with their number")
                    valid_codes = list(range(valid_codes[0], valid_codes[-1] + 1))
            scored = measures.get(name) != "nominal" and qid not in DEMOGRAPHIC_NAMES
            for code in valid_codes:
                c = {"code": code, "label": labels(vl.get(code, str(code)))}
                if scored:
                    c["score"] = code
                valid.append(c)
            if not valid:
                notes.append(f"{name}: every labelled value is a missing code; imported as numeric")
                d.update(type="numeric", missing=missing)
            else:
                key = (tuple((c["code"], c.get("score"), c["label"][language]) for c in valid),
                       tuple((m["code"], m["kind"], m["label"][language]) for m in missing))
                sid = scale_keys.get(key)
                if sid is None:
                    sid = safe_id(name, taken_scales)
                    scale_keys[key] = sid
                    scales[sid] = {"codes": valid}
                    if missing:
                        scales[sid]["missing"] = missing
                d.update(type="single", scale=sid)
        else:
            d["type"] = "numeric"
            if missing_codes:
                d["missing"] = [
                    {"code": c, "kind": guess_missing_kind(c, {}) or "dont_know", "label": labels(f"Missing ({c})")}
                    for c in missing_codes
                ]
        target = demographics if qid in DEMOGRAPHIC_NAMES and d["type"] in ("single", "numeric") else questions
        target.append(d)

    if not questions:
        raise QuestionnaireError(f"{path}: no variables to import as questions (only design or demographic columns)")
    d = {
        "survey_id": str(survey_id or safe_id(path.stem)),
        "wave": int(wave or _dt.date.today().year),
        "version": "1",
        "languages": languages,
        "untranslated": untranslated,
        "notes": notes,
        "scales": scales,
        "questions": questions,
        "demographics": demographics,
    }
    if getattr(meta, "file_label", None):
        d["title"] = labels(meta.file_label)
    if "respondent_id" in design:
        d["design"] = {
            "respondent_id": design["respondent_id"],
            "weight": design.get("weight"),
            "strata": design.get("strata"),
            "psu": design.get("psu"),
            "fpc": design.get("fpc"),
            "nest": False,
        }
    elif design:
        notes.append(f"design columns {', '.join(sorted(design_cols))} found but no respondent id; no design section")
    notes.append(
        f"labels were copied from {language!r} to {', '.join(untranslated)}: translate them, then remove the "
        "languages from 'untranslated'; set scores, favourable directions and nets of the scales"
    )
    drop_invalid_routing(d, notes)
    return Questionnaire.from_dict(d, source=str(path))


def _missing_codes(name: str, ranges: list, vl: dict, notes: list[str]) -> list[int]:
    """Integer missing codes from SPSS user-missing values and ranges."""
    out: list[int] = []
    labelled = sorted(c for c in (_code(k) for k in vl) if c is not None)
    for r in ranges:
        lo, hi = r.get("lo"), r.get("hi")
        clo, chi = _code(lo), _code(hi)
        if clo is not None and clo == chi:
            out.append(clo)
            continue
        inside = [c for c in labelled if lo <= c <= hi]
        if inside:
            out.extend(inside)
        elif clo is not None and chi is not None and chi - clo < _MAX_RANGE_CODES:
            out.extend(range(clo, chi + 1))
        else:
            notes.append(f"{name}: user-missing range {lo}..{hi} not imported (no labelled codes in it); add missing codes by hand")
    return sorted(set(out))
