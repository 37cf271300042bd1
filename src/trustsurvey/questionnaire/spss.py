"""Import an SPSS (``.sav``, ``.zsav``, ``.por``) or Stata (``.dta``) file as a questionnaire skeleton.

Read with pyreadstat. Variable labels become question texts; value labels
become scales (variables with identical labels share one; string value labels
give text codes); values that occur in the data without a label are added as
codes labelled with their number (and listed in the notes), so that the
questionnaire and the data agree. User-missing values (SPSS) and extended
missing values (Stata ``.a``-``.z``) become missing codes: their kind is read
from their label ("don't know", "refused", "not applicable", "no answer");
a code without such a label gets the kind ``unclassified`` and is listed for
the user to classify (lint reports it until then). Date, date-time and time
formats become ``date`` and ``time`` questions. SPSS multiple-response sets
become multiple-response questions: a set of dichotomies has its variables as
the 0/1 options; a set of categories keeps its variables as ``mentions`` (each
holds one chosen category), which reading the data turns into 0/1 options. Weight, stratum, PSU and
respondent-id variables (by name, then by label) fill the ``design`` section
and likely demographics (by name or label) the ``demographics``; ``select``
keeps only the variables a user names (globs allowed), listing the rest as
``unanalysed`` so that reading the same file sets them aside.
"""

from __future__ import annotations

import datetime as _dt
import math
import os
from pathlib import Path
from typing import Any

from ._skeleton import drop_invalid_routing, guess_missing_kind, keep_id, safe_id
from ._statfile import date_kind, design_roles, is_demographic, read_stat, select_names
from .model import Questionnaire

__all__ = ["import_spss", "import_stata"]

_MAX_RANGE_CODES = 20
_MAX_ADDED_CODES = 30
_MAX_GAP_FILL = 10


def _code(v) -> int | str | None:
    if isinstance(v, str):
        return v.strip() or None
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
    select: str | list[str] | None = None,
) -> Questionnaire:
    """Read an SPSS or Stata file and return a questionnaire skeleton.

    Parameters
    ----------
    path : path-like
        ``.sav``, ``.zsav``, ``.por`` or ``.dta``.
    language : str
        Language code of the file's labels (default ``en``); the questionnaire has this one language.
    wave : int, optional
        Survey year; default the current year.
    survey_id : str, optional
        Default the file name.
    select : str or list of str, optional
        Keep only these variables (``"trstplc,trstprl"`` or ``["trst*", "agea"]``; glob
        patterns allowed). Design variables are kept whatever ``select`` says.

    Returns
    -------
    Questionnaire

    Raises
    ------
    QuestionnaireError
        The file is missing or unreadable, or ``select`` names no variable of the file.
    """
    from ..errors import QuestionnaireError

    path = Path(path)
    if not path.is_file():
        raise QuestionnaireError(f"{path}: no such SPSS or Stata file")
    _, meta = read_stat(path, metadataonly=True)
    names = [str(n) for n in meta.column_names]
    labels = dict(zip(names, meta.column_labels or [None] * len(names)))
    roles, others = design_roles(names, labels)
    keep = select_names(names, select, path)
    keep += [c for c in roles.values() if c not in keep]
    frame, meta = read_stat(path, usecols=[n for n in names if n in keep])
    return _Builder(path, meta, frame, language, wave, roles, others, keep, names).build(survey_id)


def import_stata(path: str | os.PathLike, **kwargs: Any) -> Questionnaire:
    """Import a Stata ``.dta`` file (the same as :func:`import_spss`, which reads every format)."""
    return import_spss(path, **kwargs)


class _Builder:
    def __init__(self, path, meta, frame, language, wave, roles, others, keep, all_names):
        self.path, self.meta, self.frame, self.lang = path, meta, frame, language
        self.wave = int(wave or _dt.date.today().year)
        self.roles, self.others, self.keep, self.all_names = roles, others, keep, all_names
        self.notes: list[str] = [f"imported from {path.name} ({'Stata' if path.suffix.lower() == '.dta' else 'SPSS'})"]
        self.scales: dict[str, dict] = {}
        self._scale_keys: dict[tuple, str] = {}
        self._taken_scales: set[str] = set()
        self._taken: set[str] = set()
        self.unclassified: dict[str, list] = {}

    def labels(self, text) -> dict[str, str]:
        return {self.lang: str(text)}

    def build(self, survey_id) -> Questionnaire:
        meta = self.meta
        names = [str(n) for n in meta.column_names]
        var_labels = dict(zip(names, meta.column_labels or [None] * len(names)))
        design_cols = set(self.roles.values())
        mr_vars: dict[str, str] = {}
        questions: list[dict] = []
        demographics: list[dict] = []
        for set_name, mr in (getattr(meta, "mr_sets", None) or {}).items():
            members = [v for v in mr.get("variable_list") or [] if v in names]
            if not members:
                continue
            if mr.get("type") == "D" and _code(mr.get("counted_value")) == 1:
                for v in members:
                    mr_vars[v] = set_name
                q = self.multiple(set_name, mr, members, var_labels)
                self.blanks(q, members)
                questions.append(q)
            elif mr.get("type") == "C":
                for v in members:
                    mr_vars[v] = set_name
                questions.append(self.categories(set_name, mr, members))
            else:
                self.notes.append(
                    f"multiple-response set {set_name!r} ({'categories' if mr.get('type') == 'C' else 'dichotomies counting '}"
                    f"{'' if mr.get('type') == 'C' else mr.get('counted_value')}) kept as its variables "
                    f"{', '.join(members)}: a set of categories (or counting a value other than 1) has no 0/1 columns")
        for name in names:
            if name in design_cols or name in mr_vars:
                continue
            d = self.variable(name, var_labels.get(name))
            if d is None:
                continue
            self.blanks(d, [name])
            if d["type"] in ("single", "numeric") and is_demographic(name, var_labels.get(name)):
                demographics.append(d)
            else:
                questions.append(d)
        return self.finish(survey_id, questions, demographics)

    def blanks(self, d: dict, columns: list[str]) -> None:
        """System-missing cells in the data: a blank there is a missing answer of kind ``system_missing``."""
        if d["type"] not in ("single", "numeric", "multiple"):
            return
        present = [c for c in columns if c in self.frame.columns]
        if not present:
            return
        blank = self.frame[present].isna().all(axis=1)
        n = int(blank.sum())
        if n:
            d["blank"] = "system_missing"
            self.notes.append(f"{d['id']}: {n} system-missing (blank) cell(s) are missing answers of kind "
                              "'system_missing'")

    # ------------------------------------------------------------------ one variable
    def ident(self, name: str) -> tuple[str, dict]:
        qid = keep_id(name, self._taken)
        cols = {self.wave: name} if qid != name else {}
        if qid != name:
            self.notes.append(f"variable {name!r} is the item {qid!r}; its column name is kept in 'columns'")
        return qid, cols

    def variable(self, name: str, label) -> dict | None:
        meta = self.meta
        qid, cols = self.ident(name)
        d: dict[str, Any] = {"id": qid, "text": self.labels(label or name)}
        if cols:
            d["columns"] = cols
        vtype = (getattr(meta, "readstat_variable_types", None) or {}).get(name)
        fmt = (getattr(meta, "original_variable_types", None) or {}).get(name)
        kind = date_kind(fmt)
        vl = {(_code(k)): str(v) for k, v in ((meta.variable_value_labels or {}).get(name) or {}).items()}
        if None in vl:
            self.notes.append(f"{name}: value labels on values that are not whole numbers are ignored")
            vl.pop(None)
        missing = self.missing_codes(name, vl)
        if kind in ("date", "time"):
            d["type"] = kind
            return d
        if kind == "unconverted":
            self.notes.append(f"{name}: date format {fmt} is read as a number (seconds), not as a date")
        if not vl and vtype == "string":
            d["type"] = "text"
            return d
        if not vl or all(c in missing for c in vl):
            d["type"] = "numeric"
            if missing:
                d["missing"] = [self.missing_entry(c, vl, name) for c in missing]
            return d
        return self.single(d, name, vl, missing, vtype)

    def observed(self, name: str) -> list:
        if name not in self.frame.columns:
            return []
        values = self.frame[name].dropna().unique()
        return sorted({c for c in (_code(v) for v in values) if c is not None}, key=lambda c: (isinstance(c, str), c))

    def single(self, d: dict, name: str, vl: dict, missing: list, vtype) -> dict:
        measures = getattr(self.meta, "variable_measure", None) or {}
        text_codes = vtype == "string" or any(isinstance(c, str) for c in vl)
        valid_codes = [c for c in vl if c not in missing]
        unlabeled = [c for c in self.observed(name) if c not in vl and c not in missing]
        if len(unlabeled) > _MAX_ADDED_CODES or any(isinstance(c, str) != text_codes for c in unlabeled):
            self.notes.append(f"{name}: {len(unlabeled)} values in the data have no value label; imported as "
                              f"{'text' if text_codes else 'numeric'}, not as a scale")
            d["type"] = "text" if text_codes else "numeric"
            if missing and not text_codes:
                d["missing"] = [self.missing_entry(c, vl, name) for c in missing]
            return d
        labelled_valid = sorted(c for c in valid_codes if isinstance(c, int))
        if len(labelled_valid) >= 2 and not text_codes:
            gaps = [c for c in range(labelled_valid[0], labelled_valid[-1] + 1) if c not in vl and c not in missing]
            if gaps and len(gaps) <= _MAX_GAP_FILL:
                self.notes.append(f"{name}: codes {', '.join(map(str, gaps))} have no value label; labelled with "
                                  "their number")
                extra = [c for c in unlabeled if c not in gaps]
                unlabeled = sorted(set(unlabeled) | set(gaps))
            else:
                extra = unlabeled
        else:
            extra = unlabeled
        if extra:
            self.notes.append(f"{name}: values {', '.join(map(str, extra))} occur in the data without a value "
                              "label; added as codes labelled with their value")
        valid_codes = sorted(set(valid_codes) | set(unlabeled), key=lambda c: (isinstance(c, str), c))
        scored = not text_codes and measures.get(name) != "nominal" and not is_demographic(name, None)
        valid = []
        for c in valid_codes:
            e: dict[str, Any] = {"code": c, "label": self.labels(vl.get(c, str(c)))}
            if scored:
                e["score"] = c
            valid.append(e)
        miss = [self.missing_entry(c, vl, name) for c in missing]
        key = (tuple((e["code"], e.get("score"), e["label"][self.lang]) for e in valid),
               tuple((m["code"], m["kind"], m["label"][self.lang]) for m in miss))
        sid = self._scale_keys.get(key)
        if sid is None:
            sid = safe_id(name, self._taken_scales)
            self._scale_keys[key] = sid
            self.scales[sid] = {"codes": valid, **({"missing": miss} if miss else {})}
        d.update(type="single", scale=sid)
        return d

    def multiple(self, set_name: str, mr: dict, members: list[str], var_labels: dict) -> dict:
        qid = keep_id(set_name.lstrip("$"), self._taken)
        opts = []
        for v in members:
            oid, cols = self.ident(v)
            o: dict[str, Any] = {"id": oid, "label": self.labels(var_labels.get(v) or v)}
            if cols:
                o["columns"] = cols
            opts.append(o)
        self.notes.append(f"multiple-response set {set_name!r} is the multiple-response question {qid!r} "
                          f"(options {', '.join(members)}; 1 = chosen)")
        return {"id": qid, "type": "multiple", "text": self.labels(mr.get("label") or set_name), "options": opts}

    def categories(self, set_name: str, mr: dict, members: list[str]) -> dict:
        """A set of categories: each member holds one mention; the options are the categories."""
        qid = keep_id(set_name.lstrip("$"), self._taken)
        vls = (self.meta.variable_value_labels or {})
        labels: dict = {}
        for v in members:
            for k, t in (vls.get(v) or {}).items():
                labels.setdefault(_code(k), str(t))
        observed = sorted({c for v in members for c in self.observed(v)} - set(labels),
                          key=lambda c: (isinstance(c, str), c))
        if observed:
            self.notes.append(f"{set_name}: values {', '.join(map(str, observed))} occur in its variables without "
                              "a value label; added as options")
        opts = []
        for c in [*labels, *observed]:
            if c is None:
                continue
            oid = keep_id(f"{qid}_{c}", self._taken)
            opts.append({"id": oid, "name": str(c), "label": self.labels(labels.get(c, str(c)))})
        self.notes.append(f"multiple-response set {set_name!r} (categories) is the multiple-response question "
                          f"{qid!r}: its variables {', '.join(members)} each hold one mention, read as 0/1 options")
        return {"id": qid, "type": "multiple", "text": self.labels(mr.get("label") or set_name), "options": opts,
                "mentions": members}

    # ------------------------------------------------------------------ missing codes
    def missing_codes(self, name: str, vl: dict) -> list:
        meta = self.meta
        out: list = []
        for r in (getattr(meta, "missing_ranges", None) or {}).get(name) or []:
            lo, hi = r.get("lo"), r.get("hi")
            clo, chi = _code(lo), _code(hi)
            if clo is not None and clo == chi:
                out.append(clo)
                continue
            inside = [c for c in vl if isinstance(c, int) and isinstance(lo, (int, float)) and lo <= c <= hi]
            inside += [c for c in self.observed(name) if isinstance(c, int) and isinstance(lo, (int, float))
                       and lo <= c <= hi and c not in inside]
            if isinstance(clo, int) and isinstance(chi, int) and chi - clo < _MAX_RANGE_CODES:
                out.extend(range(clo, chi + 1))
            elif inside:
                out.extend(sorted(inside))
                self.notes.append(f"{name}: user-missing range {lo}..{hi} imported as the codes in it that are "
                                  f"labelled or occur in the data ({', '.join(map(str, sorted(inside)))})")
            else:
                self.notes.append(f"{name}: user-missing range {lo}..{hi} not imported (no labelled or observed "
                                  "codes in it); add missing codes by hand")
        for letter in (getattr(meta, "missing_user_values", None) or {}).get(name) or []:
            out.append(str(letter))  # Stata extended missing .a-.z, read as the letter
        seen: list = []
        for c in out:
            if c not in seen:
                seen.append(c)
        return seen

    def missing_entry(self, code, vl: dict, name: str) -> dict:
        label = vl.get(code)
        kind = guess_missing_kind({self.lang: label}) if label else None
        if kind is None:
            kind = "unclassified"
            self.unclassified.setdefault(name, []).append(code)
        return {"code": code, "kind": kind, "label": self.labels(label or f"Missing ({code})")}

    # ------------------------------------------------------------------ the questionnaire
    def finish(self, survey_id, questions, demographics) -> Questionnaire:
        notes = self.notes
        for name, codes in self.unclassified.items():
            notes.append(f"{name}: missing code(s) {', '.join(map(str, codes))} have no label saying why they are "
                         "missing: their kind is 'unclassified'; set it (dont_know, refused, not_applicable, "
                         "no_answer, ...)")
        design = None
        if self.roles:
            design = {k: self.roles.get(k) for k in ("respondent_id", "weight", "strata", "psu", "fpc")}
            design["nest"] = False
            notes.append("design: " + ", ".join(f"{k} = {v}" for k, v in self.roles.items())
                         + " (recognised by name or label; check them)")
        for role, cands in self.others.items():
            notes.append(f"other {role} candidates: {', '.join(cands)} (the design uses {self.roles[role]})")
        left = [n for n in self.all_names if n not in self.keep]
        if left:
            notes.append(f"{len(left)} variable(s) not selected are listed in 'unanalysed' (reading the file sets "
                         "them aside)")
        if not questions and demographics:
            questions, demographics = demographics, []
        d: dict[str, Any] = {
            "survey_id": str(survey_id or safe_id(self.path.stem)),
            "wave": self.wave,
            "version": "1",
            "languages": [self.lang],
            "notes": notes,
            "scales": self.scales,
            "questions": questions,
            "demographics": demographics,
        }
        if left:
            d["unanalysed"] = left
        if getattr(self.meta, "file_label", None):
            d["title"] = self.labels(self.meta.file_label)
        if design is not None:
            d["design"] = design
        notes.append("a skeleton: set scores, favourable directions and nets of the scales, then lint it")
        drop_invalid_routing(d, notes)
        return Questionnaire.from_dict(d, source=str(self.path))
