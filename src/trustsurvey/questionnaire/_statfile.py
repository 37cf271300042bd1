"""Reading SPSS / Stata files for the importer, and recognising design columns, demographics and dates."""

from __future__ import annotations

import fnmatch
import re
from pathlib import Path
from typing import Any

from ..errors import QuestionnaireError

__all__ = ["STAT_SUFFIXES", "read_stat", "date_kind", "design_roles", "is_demographic", "select_names"]

#: files pyreadstat reads: SPSS (.sav, compressed .zsav, portable .por) and Stata (.dta)
STAT_SUFFIXES = (".sav", ".zsav", ".por", ".dta")

_DATE_SPSS = re.compile(r"^(DATE|ADATE|EDATE|SDATE|JDATE)\d", re.I)
_DATETIME_SPSS = re.compile(r"^(DATETIME|YMDHMS)\d", re.I)
_TIME_SPSS = re.compile(r"^(TIME|DTIME|MTIME)\d", re.I)
_UNCONVERTED = re.compile(r"^(QYR|MOYR|WKYR|MONTH|WKDAY)\d", re.I)


def read_stat(path: Path, *, metadataonly: bool = False, usecols: list[str] | None = None):
    """``(frame, meta)`` of an SPSS or Stata file, user-missing values kept as their codes."""
    import pyreadstat

    suffix = path.suffix.lower()
    if suffix not in STAT_SUFFIXES:
        raise QuestionnaireError(f"{path}: not an SPSS or Stata file (expected {', '.join(STAT_SUFFIXES)})")
    kind = "Stata" if suffix == ".dta" else "SPSS"
    try:
        if suffix == ".dta":
            return pyreadstat.read_dta(str(path), metadataonly=metadataonly, usecols=usecols, user_missing=True)
        if suffix == ".por":
            return pyreadstat.read_por(str(path), metadataonly=metadataonly, usecols=usecols)
        return pyreadstat.read_sav(str(path), metadataonly=metadataonly, usecols=usecols, user_missing=True)
    except Exception as exc:  # pyreadstat.ReadstatError and friends
        raise QuestionnaireError(f"{path}: not a readable {kind} file ({type(exc).__name__}: {exc})") from None


def date_kind(fmt: str | None) -> str | None:
    """``"date"``, ``"time"``, ``"unconverted"`` (a date format pyreadstat leaves as a number) or ``None``.

    >>> [date_kind(f) for f in ["EDATE10", "DATETIME20", "TIME8", "%td", "%tc", "%tcHH:MM:SS", "QYR8", "F8.2"]]
    ['date', 'date', 'time', 'date', 'date', 'time', 'unconverted', None]
    """
    if not fmt:
        return None
    f = fmt.strip()
    if f.startswith("%"):
        low = f.lower()
        if low.startswith(("%tc", "%tC".lower())):
            rest = f[3:]
            return "time" if rest and not re.search(r"[DdYyMmNnLl]{1,4}[^:]*[-/ ]", rest) and rest.startswith("HH") else "date"
        if low.startswith(("%td", "%d")):
            return "date"
        if low.startswith(("%tw", "%tm", "%tq", "%th", "%ty")):
            return "unconverted"
        return None
    if _DATETIME_SPSS.match(f) or _DATE_SPSS.match(f):
        return "date"
    if _TIME_SPSS.match(f):
        return "time"
    if _UNCONVERTED.match(f):
        return "unconverted"
    return None


_ROLE_NAMES = {
    "respondent_id": ("respondent_id", "resp_id", "respid", "idno", "id", "caseid", "case_id", "serial", "responseid",
                      "response_id", "record", "uuid", "interview_id"),
    "weight": ("anweight", "pspwght", "design_weight", "weight", "final_weight", "finalwgt", "pweight", "wt", "wgt",
               "wght", "pw", "base_weight", "dweight"),
    "strata": ("stratum", "strata", "strat", "stratify"),
    "psu": ("psu", "cluster", "psu_id", "clu", "ea"),
    "fpc": ("fpc",),
}
_ROLE_PATTERNS = {
    "weight": re.compile(r"^\w*(weight|wght|wgt)\w*$|(design|sampling|survey|analysis|final|post.?strat\w*) weight", re.I),
    "strata": re.compile(r"strat", re.I),
    "psu": re.compile(r"\bpsu\b|primary sampling unit|cluster", re.I),
    "respondent_id": re.compile(r"respondent id|identification number|case id|interview id", re.I),
}


def design_roles(names: list[str], labels: dict[str, str | None]) -> tuple[dict[str, str], dict[str, list[str]]]:
    """Design columns found by name, then by name pattern or label: ``({role: column}, {role: other candidates})``.

    >>> design_roles(["idno", "dweight", "pspwght", "anweight", "stratum", "psu", "agea"], {})
    ({'respondent_id': 'idno', 'weight': 'anweight', 'strata': 'stratum', 'psu': 'psu'}, {'weight': ['pspwght', 'dweight']})
    """
    lowered = {n.lower(): n for n in names}
    found: dict[str, str] = {}
    others: dict[str, list[str]] = {}
    taken: set[str] = set()
    for role, candidates in _ROLE_NAMES.items():
        hits = [lowered[c] for c in candidates if c in lowered and lowered[c] not in taken]
        if not hits and role in _ROLE_PATTERNS:
            pat = _ROLE_PATTERNS[role]
            hits = [n for n in names if n not in taken and (pat.search(n) or pat.search(labels.get(n) or ""))]
        if hits:
            found[role] = hits[0]
            taken.add(hits[0])
            if len(hits) > 1:
                others[role] = hits[1:]
    return found, others


_DEMOGRAPHIC = re.compile(
    r"^(gender|sex|gndr|age|agea|age_group|agegroup|yrbrn|birth_?year|region|regunit|province|district|"
    r"municipality|settlement|urban|rural|domicil|education|edu|eisced|edlv\w*|income|hinctnta|marital\w*|"
    r"employment|emplrel|mnactic|ethnicity|ethnic|religion|rlgdnm|language|lnghom\w*|interview_?lang\w*|"
    r"ctzcntr|citizenship|hhmmb|household_size)$", re.I)
_DEMOGRAPHIC_LABEL = re.compile(
    r"\b(gender|sex of|age of|year of birth|region|province|education|income|marital|employment status|"
    r"ethnic|religion|citizen|household size|urban|rural)\b", re.I)


def is_demographic(name: str, label: str | None) -> bool:
    """Whether a variable is likely a demographic, by its name or its label.

    >>> is_demographic("gndr", None), is_demographic("q17", "Highest level of education"), is_demographic("trstplc", "Trust in the police")
    (True, True, False)
    """
    return bool(_DEMOGRAPHIC.match(name) or (label and _DEMOGRAPHIC_LABEL.search(label)))


def select_names(names: list[str], select: Any, path: Path) -> list[str]:
    """The variables ``select`` names: a comma-separated text or a list, with glob patterns (``trst*``).

    Raises
    ------
    QuestionnaireError
        A name or pattern matches no variable (listing a few of the file's names).
    """
    if select is None:
        return list(names)
    items = [s.strip() for s in (select.split(",") if isinstance(select, str) else select) if str(s).strip()]
    keep: list[str] = []
    for item in items:
        hits = [n for n in names if fnmatch.fnmatchcase(n, item)] or \
               [n for n in names if fnmatch.fnmatchcase(n.lower(), item.lower())]
        if not hits:
            raise QuestionnaireError(
                f"{path}: --select {item!r} matches no variable (the file has {len(names)}: "
                f"{', '.join(names[:15])}{', ...' if len(names) > 15 else ''})")
        keep.extend(h for h in hits if h not in keep)
    return [n for n in names if n in keep]
