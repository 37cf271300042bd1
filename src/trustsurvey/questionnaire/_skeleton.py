"""Shared helpers of the XLSForm and SPSS importers: ids, missing-code guesses, label filling."""

from __future__ import annotations

import re
import unicodedata

from ._checks import IDENT_RE, REQUIRED_LANGUAGES

__all__ = [
    "DEMOGRAPHIC_NAMES",
    "DESIGN_NAMES",
    "safe_id",
    "guess_missing_kind",
    "fill_languages",
    "drop_invalid_routing",
]

#: variable names the importers treat as demographics
DEMOGRAPHIC_NAMES = frozenset(
    {
        "region", "municipality", "settlement", "gender", "sex", "age", "ethnicity", "education",
        "employment", "interview_language", "language", "urban", "rural",
    }
)
#: variable names the importers treat as design columns (role -> accepted names)
DESIGN_NAMES = {
    "respondent_id": ("respondent_id", "resp_id", "respid", "id", "serial", "caseid", "case_id"),
    "weight": ("design_weight", "weight", "wt", "base_weight", "pw"),
    "strata": ("stratum", "strata"),
    "psu": ("psu", "cluster", "ea"),
    "fpc": ("fpc",),
}

_DK = re.compile(r"don.?t know|do not know|\bdk\b|nuk e di|ne znam|не знам|bilmiyorum", re.I)
_REFUSED = re.compile(r"refus|no answer|refuzo|nuk (?:do të )?përgjigj|odbi|одби|bez odgovora", re.I)
_NA = re.compile(r"not applicable|(?<!\w)n/a(?!\w)|nuk aplikohet|nije primenljivo|не примењује", re.I)


def safe_id(name: str, taken: set[str] | None = None) -> str:
    """``name`` as an identifier (ASCII letters, digits, underscores), made unique against ``taken``."""
    text = unicodedata.normalize("NFKD", str(name)).encode("ascii", "ignore").decode()
    text = re.sub(r"[^A-Za-z0-9_]+", "_", text).strip("_") or "var"
    if not IDENT_RE.match(text):
        text = f"v_{text}"
    if taken is not None:
        base, k = text, 2
        while text in taken:
            text = f"{base}_{k}"
            k += 1
        taken.add(text)
    return text


def guess_missing_kind(code, labels: dict[str, str]) -> str | None:
    """Guess whether a code is a missing code from its labels, then from the usual 97/98/99 codes."""
    text = " ".join(labels.values())
    if _DK.search(text):
        return "dont_know"
    if _NA.search(text):
        return "not_applicable"
    if _REFUSED.search(text):
        return "refused"
    return {97: "not_applicable", 98: "dont_know", 99: "refused", -1: "dont_know", -2: "refused",
            -3: "not_applicable"}.get(code)


def fill_languages(labels: dict[str, str], languages: list[str], source: str) -> dict[str, str]:
    """Copy the ``source`` (or first available) label into every missing language of ``languages``."""
    if not labels:
        return {}
    base = labels.get(source) or next(iter(labels.values()))
    return {lang: labels.get(lang, base) for lang in languages}


def required_languages(found: list[str]) -> list[str]:
    """sq, sr, en followed by any other languages found."""
    return list(REQUIRED_LANGUAGES) + [x for x in found if x not in REQUIRED_LANGUAGES]


def drop_invalid_routing(d: dict, notes: list[str]) -> None:
    """Remove ``asked_if`` conditions the schema rejects (unknown variables or codes), noting each."""
    from .schema import validate

    for problem in validate(d):
        path, _, message = problem.partition(": ")
        m = re.fullmatch(r"(questions|demographics)\[(\d+)\]\.asked_if", path)
        if not m:
            continue
        q = d[m.group(1)][int(m.group(2))]
        text = q.pop("asked_if", None)
        if text is not None:
            notes.append(f"{q['id']}: routing {text!r} dropped ({message}); set asked_if by hand")
