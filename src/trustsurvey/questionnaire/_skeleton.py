"""Shared helpers of the XLSForm and SPSS/Stata importers: ids, missing-code kinds, routing clean-up."""

from __future__ import annotations

import re
import unicodedata

from ._checks import IDENT_RE

__all__ = [
    "DEMOGRAPHIC_NAMES",
    "DESIGN_NAMES",
    "safe_id",
    "keep_id",
    "guess_missing_kind",
    "drop_invalid_routing",
]

#: words of the routing language that cannot be ids
_RESERVED = frozenset({"and", "or", "not", "in", "is", "missing"})

#: variable names the importers treat as demographics
DEMOGRAPHIC_NAMES = frozenset(
    {
        "region", "municipality", "settlement", "gender", "sex", "age", "ethnicity", "education",
        "employment", "interview_lang", "language", "urban", "rural",
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

_DK = re.compile(r"don.?t know|do not know|can.?t say|cannot say|\bdk\b|nuk e di|ne znam|не знам|bilmiyorum", re.I)
_REFUSED = re.compile(r"refus|refuzo|odbi|одби", re.I)
_NO_ANSWER = re.compile(r"no answer|not answered|nuk (?:do të )?përgjigj|bez odgovora", re.I)
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


def keep_id(name: str, taken: set[str]) -> str:
    """``name`` itself when it is a valid, free identifier; else :func:`safe_id` of it.

    >>> taken = set()
    >>> keep_id("_4_8_aid", taken), keep_id("label-test", taken), keep_id("in", taken), keep_id("_4_8_aid", taken)
    ('_4_8_aid', 'label_test', 'v_in', '_4_8_aid_2')
    """
    text = unicodedata.normalize("NFC", str(name))
    if IDENT_RE.match(text) and text not in _RESERVED and text not in taken:
        taken.add(text)
        return text
    if IDENT_RE.match(text) and text not in _RESERVED:
        k = 2
        while f"{text}_{k}" in taken:
            k += 1
        taken.add(f"{text}_{k}")
        return f"{text}_{k}"
    return safe_id(f"v_{text}" if text in _RESERVED else text, taken)


def guess_missing_kind(labels: dict[str, str]) -> str | None:
    """The kind of a missing code its label names ("don't know", "refused", ...), else ``None``.

    Only the label is read: a code without such a label (an unlabeled 99) is never guessed.

    >>> guess_missing_kind({"en": "Don't know"}), guess_missing_kind({"en": "Refused"}), guess_missing_kind({})
    ('dont_know', 'refused', None)
    """
    text = " ".join(labels.values())
    if _DK.search(text):
        return "dont_know"
    if _NA.search(text):
        return "not_applicable"
    if _REFUSED.search(text):
        return "refused"
    if _NO_ANSWER.search(text):
        return "no_answer"
    return None


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
