"""Library code names no survey: no item ids, places or country of the bundled example (issue 11).

The forbidden names are collected from the bundled questionnaire itself
(``src/trustsurvey/data/kosovo_police_trust.yaml``), so a new item or place
there is forbidden in library code at once:

- every id of a question, option, demographic, derived variable or index, and
  every source column name of a question, that contains an underscore or a
  digit (ids that are one English word, like ``region``, ``gender`` or
  ``cooperate``, are generic), except the generic :data:`ALLOWED_IDS`;
- every word (3 letters or more) of every label, in every language, of the
  ``region`` and ``municipality`` scales, with and without diacritics,
  except the generic :data:`GENERIC_WORDS`;
- the country's name in any language and case (``kosov``).

Every ``.py`` file under ``src/trustsurvey/`` except ``src/trustsurvey/data/``
is searched, one test per top-level module or package. Modules in
:data:`PENDING` still have hits: their test checks that they do (so that a
module that became clean is taken off the list and stays clean).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from pathlib import Path

import pytest
import yaml

SRC = Path(__file__).resolve().parent.parent / "src" / "trustsurvey"
QUESTIONNAIRE = SRC / "data" / "kosovo_police_trust.yaml"

#: Ids with an underscore that are generic terms (and public API names).
ALLOWED_IDS = {"age_group"}
#: Words of place labels that are ordinary words.
GENERIC_WORDS = {"north", "south", "jug", "han"}
#: The country's name in any language or case.
COUNTRY = re.compile(r"kosov", re.IGNORECASE)

#: Modules and packages that may still name the example survey (none since the house refactor,
#: issue 11). A module listed here must still have hits, so that one made clean is taken off.
PENDING: set[str] = set()


def _fold(word: str) -> str:
    """The word without diacritics (Priština -> Pristina, Đakovica -> Dakovica)."""
    decomposed = unicodedata.normalize("NFKD", word.replace("Đ", "D").replace("đ", "d"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@lru_cache(maxsize=1)
def forbidden() -> tuple[frozenset[str], frozenset[str]]:
    """(ids, place words) of the bundled questionnaire that library code must not name."""
    q = yaml.safe_load(QUESTIONNAIRE.read_text(encoding="utf-8"))
    ids: set[str] = set()
    for section in ("questions", "demographics", "derived", "indices"):
        for entry in q.get(section) or []:
            ids.add(entry["id"])
            ids.update(o["id"] for o in entry.get("options") or [] if "id" in o)
            ids.update(str(c) for c in (entry.get("columns") or {}).values())
    ids = {i for i in ids if re.search(r"[_0-9]", i)} - ALLOWED_IDS
    words: set[str] = set()
    for scale in ("region", "municipality"):
        for code in q["scales"][scale]["codes"]:
            for label in code["label"].values():
                for word in re.findall(r"[^\W\d_]+", label):
                    words.update({word.lower(), _fold(word).lower()})
    words = {w for w in words if len(w) >= 3} - GENERIC_WORDS
    return frozenset(ids), frozenset(words)


@lru_cache(maxsize=1)
def _pattern() -> re.Pattern[str]:
    ids, words = forbidden()
    # ids: not inside a longer name (letters or digits around; an underscore is a boundary);
    # place words: not inside a longer word (letters around).
    id_part = r"(?<![A-Za-z0-9])(?:" + "|".join(map(re.escape, sorted(ids, key=len, reverse=True))) + r")(?![A-Za-z0-9])"
    word_part = r"(?<![^\W\d_])(?:" + "|".join(map(re.escape, sorted(words, key=len, reverse=True))) + r")(?![^\W\d_])"
    return re.compile(f"{id_part}|{word_part}|{COUNTRY.pattern}", re.IGNORECASE)


def scan_text(text: str) -> list[tuple[int, str]]:
    """(line number, forbidden name) of every hit in ``text``."""
    pattern = _pattern()
    return [(n, m.group(0)) for n, line in enumerate(text.splitlines(), 1) for m in pattern.finditer(line)]


def _units() -> list[str]:
    """Top-level modules and packages of src/trustsurvey that hold Python code (not data/)."""
    out = []
    for path in sorted(SRC.iterdir()):
        if path.name in ("data", "__pycache__"):
            continue
        if path.suffix == ".py" or (path.is_dir() and any(path.rglob("*.py"))):
            out.append(path.name)
    return out


def hits(unit: str) -> list[str]:
    """``file:line: name`` of every forbidden name in a module or package."""
    root = SRC / unit
    files = [root] if root.is_file() else sorted(root.rglob("*.py"))
    return [
        f"{path.relative_to(SRC.parent.parent)}:{n}: {name}"
        for path in files
        for n, name in scan_text(path.read_text(encoding="utf-8"))
    ]


UNITS = _units()


@pytest.mark.parametrize("unit", UNITS)
def test_library_code_names_no_survey(unit):
    found = hits(unit)
    if unit in PENDING:
        assert found, f"{unit} names no survey now: remove it from PENDING in {Path(__file__).name} so it stays clean"
        return
    assert not found, f"survey-specific names in {unit} (move them to src/trustsurvey/data/):\n" + "\n".join(found)


def test_pending_lists_existing_modules():
    assert PENDING <= set(UNITS), sorted(PENDING - set(UNITS))


def test_cleaned_modules_are_checked():
    # the modules cleaned so far are checked, not pending
    for unit in ("simulate", "datasets.py"):
        assert unit in UNITS and unit not in PENDING


def test_forbidden_names_come_from_the_questionnaire():
    q = yaml.safe_load(QUESTIONNAIRE.read_text(encoding="utf-8"))
    ids, words = forbidden()
    question_ids = {e["id"] for e in q["questions"]}
    assert {i for i in question_ids if "_" in i} <= ids
    assert ids.isdisjoint({"region", "gender", "age", "cooperate", "age_group"})
    first_region = q["scales"]["region"]["codes"][0]["label"]
    assert {w.lower() for w in first_region.values()} <= words
    assert "north" not in words


@pytest.mark.parametrize(
    ("line", "found"),
    [
        ("x = df['{id}']", True),
        ("x = df['{id}_top2']", True),          # an id inside a longer name, after an underscore
        ("x = df['un{id}']", False),            # ... but not a different word
        ("label = '{place} region'", True),
        ("label = '{place_upper}'", True),
        ("name = '{place}x'", False),
        ("title = 'Police of KOSOVA'", True),
        ("s.mean('trust', by=['region', 'gender', 'age_group'])", False),
    ],
)
def test_scanner_finds_forbidden_names(line, found):
    ids, words = forbidden()
    some_id = sorted(ids)[0]
    place = sorted(w for w in words if w.isascii())[0]
    text = line.format(id=some_id, place=place, place_upper=place.upper())
    assert bool(scan_text(text)) is found, text
