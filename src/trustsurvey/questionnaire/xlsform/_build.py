"""Build a questionnaire dict from pyxform's parsed survey (the JSON form of an XLSForm)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from .._languages import language_code
from .._skeleton import DEMOGRAPHIC_NAMES, guess_missing_kind, keep_id, safe_id
from ._fields import classify
from ._relevant import Ref, Unsupported, translate

__all__ = ["FormBuilder", "Skipped"]

_INT = re.compile(r"^-?\d+$")
_ONE_COLON = re.compile(r"label\s*:\s*([^:].*)", re.I)


@dataclass(frozen=True)
class Skipped:
    """A form field left out of the questionnaire, with the reason."""

    name: str
    type: str
    reason: str
    path: str = ""


@dataclass
class _Item:
    """A question on its way into the questionnaire dict."""

    d: dict
    name: str
    kind: str
    path: str
    relevant: list = field(default_factory=list)  # [(text, where)]
    demographic: bool = False
    source: str | None = None  # the column name in an export, when it is not the id


class FormBuilder:
    """Walks pyxform's survey tree once, collecting questions, scales, notes and skipped fields.

    Parameters
    ----------
    survey : dict
        pyxform's parsed form (``xls2json.parse_file_to_json``).
    language : str or None
        Language code of labels without a language.
    repeat : str or None
        Build the table of this repeat group instead of the main table.
    """

    def __init__(self, survey: dict, language: str | None, repeat: str | None = None):
        self.survey = survey
        self.notes: list[str] = []
        self.skipped: list[Skipped] = []
        self.repeats: dict[str, tuple[str, ...]] = {}
        self.routing_notes: dict[str, str] = {}
        self.names: dict[str, str] = {}  # id -> form name
        self.paths: dict[str, str] = {}  # id -> path in the form (group/name)
        self.scales: dict[str, dict] = {}
        self.items: list[_Item] = []
        self.refs: dict[str, Ref] = {}
        self.languages: list[str] = []
        self.unknown_languages: dict[str, str] = {}
        self._lang_map: dict[str, str] = {}
        self._taken: set[str] = set()
        self._taken_scales: set[str] = set()
        self._list_scale: dict[tuple, str] = {}
        self._default = self._default_language(language)
        self.repeat = repeat

    # ------------------------------------------------------------------ languages and labels
    def _default_language(self, language: str | None) -> str:
        if language:
            return language_code(language)[0] if not re.fullmatch(r"[a-z]{2,3}(-[A-Za-z0-9]+)*", language) else language
        default = self.survey.get("default_language")
        if default and default != "default":
            return self._lang(default)
        return "en"

    def _lang(self, name: str) -> str:
        if name in self._lang_map:
            return self._lang_map[name]
        if name == "default":
            code = self._default
        else:
            code, known = language_code(name)
            if not known:
                self.unknown_languages[name] = code
        taken = {v for k, v in self._lang_map.items() if k != name}
        if code in taken and name != "default" and self._lang_map.get("default") != code:
            code = f"{code}-{len(taken)}"
        self._lang_map[name] = code
        if code not in self.languages:
            self.languages.append(code)
        return code

    def node_labels(self, node: dict) -> dict[str, str]:
        """The labels of a field or choice, including ``label:Language`` columns pyxform leaves as they are."""
        out = self.labels(node.get("label"))
        for key, text in node.items():
            m = _ONE_COLON.fullmatch(str(key))
            if m and text is not None and str(text).strip():
                out.setdefault(self._lang(m.group(1).strip()), str(text).strip())
        return out

    def labels(self, value: Any) -> dict[str, str]:
        """``{language code: text}`` of a pyxform label (a text or ``{language name: text}``)."""
        if value is None:
            return {}
        if isinstance(value, dict):
            out: dict[str, str] = {}
            for name, text in value.items():
                if text is None or not str(text).strip():
                    continue
                out.setdefault(self._lang(str(name)), str(text).strip())
            return out
        text = str(value).strip()
        return {self._lang("default"): text} if text else {}

    # ------------------------------------------------------------------ scales
    def scale_for(self, node: dict, qid: str) -> tuple[str, dict[str, Any]]:
        """The scale of a select_one's choices (shared by questions with the same list) and name -> code."""
        choices, seen = [], set()
        for c in node.get("choices") or []:
            n = str(c.get("name")).strip()
            if n not in seen:
                seen.add(n)
                choices.append(c)
        key = (node.get("list_name") or node.get("itemset") or qid,
               tuple((str(c.get("name")), repr(c.get("label"))) for c in choices))
        if len(choices) < len(node.get("choices") or []) and key not in self._list_scale:
            self.notes.append(f"choice list {key[0]!r} repeats choice names (one list for several "
                              "choice_filter cases): one code per name, labelled as its first entry")
        names = [str(c.get("name")).strip() for c in choices]
        ints = [int(n) for n in names if _INT.match(n)]
        codes: dict[str, Any] = {}
        if len(set(ints)) == len(ints):
            nxt = max([0, *ints]) + 1
            for n in names:
                if _INT.match(n):
                    codes[n] = int(n)
                else:
                    codes[n] = nxt
                    nxt += 1
        else:
            codes = {n: i for i, n in enumerate(names, start=1)}
        if key in self._list_scale:
            return self._list_scale[key], codes
        sid = safe_id(key[0], self._taken_scales)
        valid, missing = [], []
        all_int = len(ints) == len(names)
        for c, n in zip(choices, names):
            labels = self.node_labels(c) or {self._default: n}
            kind = guess_missing_kind(labels)
            entry: dict[str, Any] = {"code": codes[n]}
            if not (all_int and str(codes[n]) == n):
                entry["name"] = n
            entry["label"] = labels
            if kind is not None:
                missing.append({**entry, "kind": kind})
            else:
                if all_int:
                    entry["score"] = codes[n]
                valid.append(entry)
        if not valid:  # every choice looked like a missing code: keep them as answers
            valid = [{k: v for k, v in m.items() if k != "kind"} for m in missing]
            missing = []
        self.scales[sid] = {"codes": valid, **({"missing": missing} if missing else {})}
        if not all_int:
            renumbered = ", ".join(f"{n}={codes[n]}" for n in names if str(codes[n]) != n)
            self.notes.append(f"choice list {key[0]!r}: choice names kept; codes {renumbered} "
                              "(data may hold names, labels or codes)")
        self._list_scale[key] = sid
        return sid, codes

    # ------------------------------------------------------------------ walking
    def build(self) -> None:
        root = self.survey
        self.field_names = set(self._all_names(root))
        if self.repeat is not None:
            node, path, rel = self._find_repeat(root, self.repeat, "", [])
            if node is None:
                from ...errors import QuestionnaireError

                raise QuestionnaireError(
                    f"the form has no repeat group {self.repeat!r} (repeats: {', '.join(self._all_repeats(root)) or 'none'})")
            self.notes.append(
                f"the table of repeat group {self.repeat!r}: one row per repetition, not per respondent; "
                "link rows to respondents with the export's _parent_index / _submission__id columns")
            for text, where in rel:
                self.notes.append(f"repeat {self.repeat!r} is only filled in when {where}'s relevant {text!r} holds")
            self._walk(node, path, None, [], in_table=True)
        else:
            self._walk(root, "", None, [], in_table=True)
        self._routing()

    def _all_names(self, node) -> list[str]:
        out = []
        for c in node.get("children") or []:
            out.append(str(c.get("name")))
            out.extend(self._all_names(c))
        return out

    def _all_repeats(self, node) -> list[str]:
        out = []
        for c in node.get("children") or []:
            if c.get("type") == "repeat":
                out.append(str(c.get("name")))
            out.extend(self._all_repeats(c))
        return out

    def _find_repeat(self, node, name, path, rel):
        for c in node.get("children") or []:
            cpath = f"{path}/{c.get('name')}" if path else str(c.get("name"))
            crel = rel + ([(c["bind"]["relevant"], c.get("name"))] if (c.get("bind") or {}).get("relevant") else [])
            if c.get("type") == "repeat" and c.get("name") == name:
                return c, cpath, crel
            if c.get("children"):
                hit = self._find_repeat(c, name, cpath, crel)
                if hit[0] is not None:
                    return hit
        return None, path, rel

    def _walk(self, node: dict, path: str, block: str | None, relevant: list, *, in_table: bool) -> None:
        for child in node.get("children") or []:
            name = str(child.get("name"))
            ctype = str(child.get("type"))
            cpath = f"{path}/{name}" if path else name
            rel = list(relevant)
            crel = (child.get("bind") or {}).get("relevant")
            if crel:
                rel.append((str(crel), name))
            if ctype == "group":
                self._walk(child, cpath, safe_id(name), rel, in_table=in_table)
            elif ctype == "repeat":
                inside = tuple(self._leaf_names(child))
                self.repeats[name] = inside
                self.notes.append(
                    f"repeat group {name!r} is a table of its own (one row per repetition): its questions "
                    f"{', '.join(inside) or '(none)'} are not in this questionnaire; import them with "
                    f"import_xlsform(..., repeat={name!r}) (command line: --repeat {name})")
            elif ctype == "loop":
                self._loop(child, cpath, block, rel)
            else:
                self._field(child, name, cpath, block, rel)

    def _leaf_names(self, node) -> list[str]:
        out = []
        for c in node.get("children") or []:
            if c.get("children") is not None and c.get("type") in ("group", "repeat", "loop"):
                if c.get("type") != "repeat":
                    out.extend(self._leaf_names(c))
            else:
                out.append(str(c.get("name")))
        return out

    def _loop(self, node: dict, path: str, block: str | None, relevant: list) -> None:
        columns = node.get("columns") or []
        for col in columns:
            cname = str(col.get("name"))
            clabels = self.labels(col.get("label"))
            for child in node.get("children") or []:
                name = str(child.get("name"))
                labels = self.labels(child.get("label"))
                text = {lang: t.replace("%(label)s", clabels.get(lang, next(iter(clabels.values()), cname)))
                        for lang, t in labels.items()}
                self._field({**child, "label": None}, name, f"{path}/{cname}/{name}", block or safe_id(node["name"]),
                            relevant, id_hint=f"{name}_{cname}", text=text, source=f"{cname}/{name}")
        self.notes.append(f"loop {node.get('name')!r}: its questions are asked once per column "
                          f"({', '.join(str(c.get('name')) for c in columns)}) and imported as one question each")

    def _field(self, node: dict, name: str, path: str, block: str | None, relevant: list, *,
               id_hint: str | None = None, text: dict | None = None, source: str | None = None) -> None:
        kind, note = classify(node)
        if kind == "skip":
            self.skipped.append(Skipped(name, str(node.get("type")), note or "", path))
            return
        qid = keep_id(id_hint or name, self._taken)
        labels = text if text is not None else self.node_labels(node)
        d: dict[str, Any] = {"id": qid, "text": labels or {self._default: name}}
        if block:
            d["block"] = block
        if kind == "single":
            sid, codes = self.scale_for(node, qid)
            d.update(type="single", scale=sid)
            self.refs[name] = Ref(qid, "single", codes=codes)
        elif kind == "multiple":
            opts, omap = [], {}
            for c in node.get("choices") or []:
                cname = str(c.get("name")).strip()
                if cname in omap:
                    continue
                candidate = f"{qid}_{cname}"
                if candidate in self.field_names:  # e.g. the option 'other' and the or_other text field
                    candidate = f"{candidate}_chosen"
                oid = keep_id(candidate, self._taken)
                omap[cname] = oid
                clabels = self.node_labels(c) or {self._default: cname}
                opt = {"id": oid, "name": cname, "label": clabels}
                if re.search(r"\bnone\b|asnjë|ništa|nijedan", " ".join(clabels.values()), re.I):
                    opt["exclusive"] = True
                opts.append(opt)
            d.update(type="multiple", options=opts)
            self.refs[name] = Ref(qid, "multiple", options=omap)
        elif kind in ("numeric", "integer"):
            d["type"] = "numeric"
            lo, hi = _range(node)
            if lo is not None:
                d["min"] = lo
            if hi is not None:
                d["max"] = hi
            self.refs[name] = Ref(qid, "numeric")
        else:
            d["type"] = kind  # text, date, time
            self.refs[name] = Ref(qid, kind)
        if note:
            self.notes.append(f"{name}: {note}")
        if node.get("choice_filter"):
            self.notes.append(f"{name}: choice_filter {node['choice_filter']!r} narrows the choices offered; "
                              "every choice of its list is a valid code")
        if name.endswith("_other") and d["type"] == "text":
            base = name[: -len("_other")]
            if base in self.refs and self.refs[base].kind in ("single", "multiple"):
                self.notes.append(f"{base}: 'other' is one of its codes; the text of 'other' answers is the "
                                  f"open question {qid!r}")
        self.names[qid] = name
        self.paths[qid] = path
        demographic = qid in DEMOGRAPHIC_NAMES or any("demograph" in p.lower() for p in path.split("/")[:-1])
        self.items.append(_Item(d, name, d["type"], path, relevant,
                                demographic and d["type"] in ("single", "numeric"),
                                source or (name if name != qid else None)))

    def _routing(self) -> None:
        for item in self.items:
            if not item.relevant:
                continue
            parts = []
            try:
                for text, where in item.relevant:
                    parts.append(translate(text, self.refs))
            except Unsupported as exc:
                src = " and ".join(f"{w}: {t!r}" for t, w in item.relevant)
                reason = f"routing of {item.name!r} ({src}) not converted: {exc}; set asked_if by hand"
                self.routing_notes[item.name] = reason
                self.notes.append(reason)
                continue
            parts = list(dict.fromkeys(parts))  # a flat form repeats its group's relevant on every field
            item.d["asked_if"] = parts[0] if len(parts) == 1 else " and ".join(f"({p})" for p in parts)


def _range(node: dict) -> tuple[Any, Any]:
    params = node.get("parameters") or {}
    lo = hi = None
    if str(node.get("type")) == "range":
        lo, hi = _num(params.get("start", 1)), _num(params.get("end", 10))
    constraint = str((node.get("bind") or {}).get("constraint") or "")
    m = re.search(r"\.\s*>=\s*(-?\d+(?:\.\d+)?)(?![\d.])", constraint)
    if m and lo is None:
        lo = _num(m.group(1))
    m = re.search(r"\.\s*<=\s*(-?\d+(?:\.\d+)?)(?![\d.])", constraint)
    if m and hi is None:
        hi = _num(m.group(1))
    if " or " in constraint:
        return None, None  # a union of ranges: not a single range
    return lo, hi


def _num(text):
    v = float(text)
    return int(v) if v.is_integer() else v
