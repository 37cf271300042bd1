"""Import an XLSForm (ODK / KoboToolbox .xlsx) as a questionnaire skeleton.

Reads the ``survey``, ``choices`` and (optional) ``settings`` sheets with
openpyxl. Language columns are ``label::Shqip (sq)``, ``label::English (en)``,
``label::Srpski (sr)`` (the code in parentheses, or a known language name);
a plain ``label`` column is in the form's ``default_language`` (English if
unset). Question types: ``select_one``, ``select_multiple``, ``integer``,
``decimal``, ``text``; groups become blocks; ``relevant`` expressions such as
``${contact_12m} = 1`` or ``selected(${concerns}, 'theft')`` are converted to
the routing language (``contact_12m == 1``, ``concerns_theft == 1``).

The result is a skeleton: check scores, favourable directions, nets, indices,
the design and weighting sections, then lint it.
"""

from __future__ import annotations

import datetime as _dt
import os
import re
from pathlib import Path
from typing import Any

from ..errors import QuestionnaireError
from ._skeleton import DEMOGRAPHIC_NAMES, drop_invalid_routing, fill_languages, guess_missing_kind, required_languages, safe_id
from .expressions import parse_expression
from .model import Questionnaire

__all__ = ["import_xlsform", "convert_relevance"]

_LANG_NAMES = {
    "shqip": "sq", "albanian": "sq", "english": "en", "anglisht": "en", "srpski": "sr", "serbian": "sr",
    "srpski latinica": "sr", "српски": "sr-Cyrl", "serbian cyrillic": "sr-Cyrl", "türkçe": "tr", "turkish": "tr",
    "bosanski": "bs", "bosnian": "bs",
}
_SKIPPED_TYPES = {
    "note", "calculate", "start", "end", "today", "deviceid", "subscriberid", "simserial", "username",
    "phonenumber", "audit", "geopoint", "geotrace", "geoshape", "date", "time", "datetime", "image", "audio",
    "video", "file", "barcode", "acknowledge", "hidden", "range", "rank", "begin_repeat", "end_repeat",
}


def _lang_code(spec: str, default: str) -> str:
    spec = spec.strip()
    m = re.search(r"\(([A-Za-z]{2,3}(?:-[A-Za-z]{4})?)\)\s*$", spec)
    if m:
        return m.group(1)
    return _LANG_NAMES.get(spec.lower(), spec.lower() or default)


def _read_sheet(wb, name: str, path: Path) -> list[dict[str, Any]]:
    ws = next((wb[s] for s in wb.sheetnames if s.strip().lower() == name), None)
    if ws is None:
        return []
    rows = ws.iter_rows(values_only=True)
    header = next(rows, None)
    if header is None:
        return []
    names = [str(h).strip() if h is not None else "" for h in header]
    out = []
    for r, row in enumerate(rows, start=2):
        rec = {n: v for n, v in zip(names, row) if n and v is not None and str(v).strip() != ""}
        if rec:
            rec["__row__"] = r
            out.append(rec)
    return out


def _labels(rec: dict, default_lang: str, field: str = "label") -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in rec.items():
        k = key.strip()
        low = k.lower()
        if low == field:
            out.setdefault(default_lang, str(value).strip())
        elif low.startswith(field + "::"):
            out[_lang_code(k.split("::", 1)[1], default_lang)] = str(value).strip()
    return out


def convert_relevance(text: str, multiple: dict[str, dict[str, str]], single_codes: dict[str, dict[str, int]]) -> str:
    """Convert an XLSForm ``relevant`` expression to the routing language.

    Parameters
    ----------
    text : str
        The XLSForm expression (``${a} = 1 and selected(${b}, 'x')``).
    multiple : dict
        ``{select_multiple question: {choice name: option id}}``.
    single_codes : dict
        ``{select_one question: {choice name: code}}``.

    Examples
    --------
    >>> convert_relevance("${contact_12m} = 1", {}, {})
    'contact_12m == 1'
    >>> convert_relevance("selected(${concerns}, 'theft') or ${x} != ''", {"concerns": {"theft": "concerns_theft"}}, {})
    'concerns_theft == 1 or x is not missing'
    """
    def code_of(var: str, value: str) -> str:
        codes = single_codes.get(var, {})
        if value in codes:
            return str(codes[value])
        return value if re.fullmatch(r"-?\d+(\.\d+)?", value) else repr(value)

    def selected(m: re.Match) -> str:
        var, value = m.group(1), m.group(2)
        if var in multiple:
            opt = multiple[var].get(value)
            if opt is None:
                raise QuestionnaireError(f"relevance {text!r}: {value!r} is not a choice of {var!r}")
            return f"{opt} == 1"
        return f"{var} == {code_of(var, value)}"

    out = re.sub(r"selected\(\s*\$\{(\w+)\}\s*,\s*['\"]([^'\"]*)['\"]\s*\)", selected, text)
    out = re.sub(r"\$\{(\w+)\}\s*!=\s*(''|\"\")", r"\1 is not missing", out)
    out = re.sub(r"\$\{(\w+)\}\s*=\s*(''|\"\")", r"\1 is missing", out)
    out = re.sub(
        r"\$\{(\w+)\}\s*(!=|>=|<=|=|>|<)\s*['\"]([^'\"]*)['\"]",
        lambda m: f"{m.group(1)} {m.group(2)} {code_of(m.group(1), m.group(3))}",
        out,
    )
    out = re.sub(r"\$\{(\w+)\}", r"\1", out)
    out = re.sub(r"(?<![!<>=])=(?!=)", "==", out)
    out = re.sub(r"\bnot\s*\(", "not (", out)
    return re.sub(r"\s+", " ", out).strip()


def import_xlsform(
    path: str | os.PathLike,
    *,
    wave: int | None = None,
    survey_id: str | None = None,
    language: str | None = None,
) -> Questionnaire:
    """Read an XLSForm and return a questionnaire skeleton.

    Parameters
    ----------
    path : path-like
        The ``.xlsx`` form.
    wave : int, optional
        Survey year; default the ``wave`` setting, else the current year.
    survey_id : str, optional
        Default the ``form_id`` setting, else the file name.
    language : str, optional
        Language of plain ``label`` columns; default the ``default_language`` setting, else ``en``.

    Returns
    -------
    Questionnaire
        Labels missing in sq, sr or en are copied from another language and the
        languages are listed as ``untranslated`` (a lint problem until translated).

    Raises
    ------
    QuestionnaireError
        If the file cannot be read, has no ``survey`` sheet, or refers to unknown choice lists.
    """
    import openpyxl

    path = Path(path)
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except FileNotFoundError:
        raise QuestionnaireError(f"{path}: no such XLSForm file") from None
    except Exception as exc:  # openpyxl raises many kinds for a non-xlsx file
        raise QuestionnaireError(f"{path}: not a readable .xlsx XLSForm ({type(exc).__name__}: {exc})") from None
    try:
        if not any(s.strip().lower() == "survey" for s in wb.sheetnames):
            raise QuestionnaireError(
                f"{path}: no 'survey' sheet (sheets: {', '.join(wb.sheetnames)}); an XLSForm needs 'survey' and 'choices'"
            )
        survey = _read_sheet(wb, "survey", path)
        choices = _read_sheet(wb, "choices", path)
        settings_rows = _read_sheet(wb, "settings", path)
    finally:
        wb.close()
    settings = settings_rows[0] if settings_rows else {}
    default_lang = _lang_code(str(language or settings.get("default_language") or "en"), "en")
    return _build(path, survey, choices, settings, default_lang, wave, survey_id)


def _build(path, survey, choices, settings, default_lang, wave, survey_id) -> Questionnaire:
    notes: list[str] = [f"imported from the XLSForm {path.name}"]
    found_langs: list[str] = []

    def langs_of(labels):
        for lang in labels:
            if lang not in found_langs:
                found_langs.append(lang)
        return labels

    # choice lists
    lists: dict[str, list[tuple[str, dict]]] = {}
    for rec in choices:
        ln = str(rec.get("list_name", rec.get("list name", ""))).strip()
        name = rec.get("name")
        if not ln or name is None:
            notes.append(f"choices row {rec['__row__']}: no list_name or name; skipped")
            continue
        lists.setdefault(ln, []).append((str(name).strip(), langs_of(_labels(rec, default_lang))))

    scales: dict[str, dict] = {}
    list_codes: dict[str, dict[str, int]] = {}
    list_scale: dict[str, str] = {}
    question_codes: dict[str, dict[str, int]] = {}
    taken_scales: set[str] = set()

    def scale_for(list_name: str, row: int) -> str:
        if list_name not in lists:
            raise QuestionnaireError(
                f"{path}: survey row {row}: choice list {list_name!r} is not on the 'choices' sheet "
                f"(lists: {', '.join(lists) or 'none'})"
            )
        if list_name in list_scale:
            return list_scale[list_name]
        items = lists[list_name]
        numeric = all(re.fullmatch(r"-?\d+", n) for n, _ in items)
        codes = {n: int(n) if numeric else k for k, (n, _) in enumerate(items, start=1)}
        if not numeric:
            notes.append(f"choice list {list_name!r}: names are not integer codes; coded 1..{len(items)} in order")
        list_codes[list_name] = codes
        valid, missing = [], []
        for n, labels in items:
            kind = guess_missing_kind(codes[n], labels) if numeric else None
            if kind is not None and numeric:
                missing.append({"code": codes[n], "kind": kind, "label": labels})
            else:
                valid.append({"code": codes[n], "score": codes[n], "label": labels})
        sid = safe_id(list_name, taken_scales)
        list_scale[list_name] = sid
        scales[sid] = {"codes": valid}
        if missing:
            scales[sid]["missing"] = missing
        return sid

    questions: list[dict] = []
    demographics: list[dict] = []
    multiple: dict[str, dict[str, str]] = {}
    relevance: list[tuple[dict, str, int]] = []
    blocks: list[str] = []
    taken: set[str] = set()
    skipped: dict[str, int] = {}
    for rec in survey:
        raw_type = str(rec.get("type", "")).strip()
        parts = raw_type.split()
        qtype = parts[0].lower() if parts else ""
        name = rec.get("name")
        row = rec["__row__"]
        if qtype in ("begin", "end") and len(parts) > 1:
            qtype = f"{qtype}_{parts[1].lower()}"
        if qtype in ("begin_group",):
            blocks.append(safe_id(name or f"group_{row}"))
            continue
        if qtype == "end_group":
            if blocks:
                blocks.pop()
            continue
        if qtype in _SKIPPED_TYPES or not qtype:
            skipped[qtype or "(blank)"] = skipped.get(qtype or "(blank)", 0) + 1
            continue
        if name is None:
            notes.append(f"survey row {row}: type {raw_type!r} without a name; skipped")
            continue
        qid = safe_id(name, taken)
        labels = langs_of(_labels(rec, default_lang)) or {default_lang: str(name)}
        d: dict[str, Any] = {"id": qid}
        if qtype in ("select_one", "select_multiple"):
            if len(parts) < 2:
                raise QuestionnaireError(f"{path}: survey row {row}: {raw_type!r} names no choice list")
            if qtype == "select_one":
                d.update(type="single", scale=scale_for(parts[1], row))
                question_codes[str(name)] = list_codes[parts[1]]
            else:
                if parts[1] not in lists:
                    scale_for(parts[1], row)  # raises: unknown list
                opts, omap = [], {}
                for cname, clabels in lists[parts[1]]:
                    oid = safe_id(f"{qid}_{cname}", taken)
                    omap[cname] = oid
                    opt = {"id": oid, "label": clabels}
                    if re.search(r"\bnone\b|asnjë|ništa|nijedan", " ".join(clabels.values()), re.I):
                        opt["exclusive"] = True
                    opts.append(opt)
                multiple[str(name)] = omap
                d.update(type="multiple", options=opts)
        elif qtype in ("integer", "decimal"):
            d["type"] = "numeric"
            constraint = str(rec.get("constraint", ""))
            lo = re.search(r"\.\s*>=\s*(-?\d+(?:\.\d+)?)", constraint)
            hi = re.search(r"\.\s*<=\s*(-?\d+(?:\.\d+)?)", constraint)
            if lo:
                d["min"] = _num(lo.group(1))
            if hi:
                d["max"] = _num(hi.group(1))
        elif qtype == "text":
            d["type"] = "text"
        else:
            notes.append(f"survey row {row}: type {raw_type!r} is not supported; {name!r} skipped")
            continue
        d["text"] = labels
        if blocks:
            d["block"] = blocks[-1]
        rel = rec.get("relevant") or rec.get("relevance")
        if rel:
            relevance.append((d, str(rel), row))
        target = demographics if (qid in DEMOGRAPHIC_NAMES or any("demograph" in b for b in blocks)) else questions
        if target is demographics and d["type"] not in ("single", "numeric"):
            target = questions
        target.append(d)
    if skipped:
        notes.append("skipped rows of types: " + ", ".join(f"{k} ({v})" for k, v in sorted(skipped.items())))

    for d, rel, row in relevance:
        try:
            converted = convert_relevance(rel, multiple, question_codes)
            parse_expression(converted)
            d["asked_if"] = converted
        except QuestionnaireError as exc:
            notes.append(f"survey row {row}: relevance {rel!r} not converted ({str(exc).splitlines()[0]}); set asked_if by hand")

    languages = required_languages(found_langs)
    source_lang = default_lang if default_lang in found_langs else (found_langs[0] if found_langs else "en")
    untranslated = [x for x in languages if x not in found_langs]

    def fill(obj):
        if isinstance(obj, dict):
            out = {}
            for k, v in obj.items():
                out[k] = fill_languages(v, languages, source_lang) if k in ("label", "text") and isinstance(v, dict) else fill(v)
            return out
        if isinstance(obj, list):
            return [fill(v) for v in obj]
        return obj

    title = settings.get("form_title")
    d = {
        "survey_id": str(survey_id or settings.get("form_id") or safe_id(path.stem)),
        "wave": int(wave or settings.get("wave") or _dt.date.today().year),
        "version": str(settings.get("version") or "1"),
        "languages": languages,
        "untranslated": untranslated,
        "notes": notes,
        "scales": fill(scales),
        "questions": fill(questions),
        "demographics": fill(demographics),
    }
    if title:
        d["title"] = fill_languages({source_lang: str(title)}, languages, source_lang)
    if untranslated:
        notes.append(
            f"labels in {', '.join(untranslated)} were copied from {source_lang!r}: translate them, then remove "
            "the languages from 'untranslated'"
        )
    drop_invalid_routing(d, notes)
    return Questionnaire.from_dict(d, source=str(path))


def _num(text: str):
    v = float(text)
    return int(v) if v.is_integer() else v
