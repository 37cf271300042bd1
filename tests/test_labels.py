"""The meaning layer and the catalogue: labels, polarity, languages, translations complete and compiled."""

from __future__ import annotations

import re
import string

import pandas as pd
import pytest

import trustsurvey as ts
from trustsurvey.errors import LanguageError
from trustsurvey.labels import Meaning, catalogue, catalogue_languages, languages_of, to_cyrillic
from trustsurvey.labels.compile import compile_catalogue, po_files
from trustsurvey.labels.extract import extract_messages
from trustsurvey.questionnaire import Questionnaire, bundled


# --------------------------------------------------------------------------- catalogue
def _po(lang):
    from babel.messages.pofile import read_po

    path = next(p for p in po_files() if p.parent.parent.name == lang)
    with open(path, "rb") as fh:
        return read_po(fh, locale=lang)


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("lang", ["sq", "sr"])
def test_every_message_of_the_interface_is_translated(lang):
    """A message added to the code without its Albanian and Serbian translation fails here."""
    cat = _po(lang)
    missing = []
    for (ctx, msg), where in extract_messages().items():
        entry = cat.get(msg, context=ctx)
        if entry is None or not entry.string or entry.fuzzy:
            missing.append(f"{where[0]}: {msg!r}")
    assert missing == [], "run python -m trustsurvey.labels.extract, translate, then .compile"


@pytest.mark.parametrize("lang", ["sq", "sr"])
def test_translations_keep_every_placeholder(lang):
    bad = [(m.id, m.string) for m in _po(lang) if m.id and m.string and _fields(m.id) != _fields(m.string)]
    assert bad == []


def test_compiled_catalogues_match_their_sources():
    """The .mo files the package reads are what Babel compiles from the .po files translators edit."""
    for po in po_files():
        assert po.with_suffix(".mo").read_bytes() == compile_catalogue(po), po


def test_catalogues_translate_and_fall_back():
    assert catalogue("sq")("Key indicators") == "Treguesit kryesorë"
    assert catalogue("sr")("Key indicators") == "Ključni pokazatelji"
    assert catalogue("en")("Key indicators") == "Key indicators"
    assert catalogue("sr-Cyrl")("Key indicators") == "Кључни показатељи"
    assert catalogue("de")("Key indicators") == "Key indicators"  # no catalogue: English
    assert catalogue_languages() == ("en", "sq", "sr", "sr-Cyrl")
    assert catalogue("sq").format("since {year}", year=2024).endswith("2024")


# --------------------------------------------------------------------------- transliteration
@pytest.mark.parametrize("latin, cyrillic", [
    ("Ljubljana", "Љубљана"), ("LJUBAV", "ЉУБАВ"), ("njiva", "њива"), ("Njegoš", "Његош"),
    ("džep", "џеп"), ("Đorđe Ćirić Šaban Žarko Čačak", "Ђорђе Ћирић Шабан Жарко Чачак"),
    ("Poverenje {estimate} u policiju", "Поверење {estimate} у полицију"),
    ("trustsurvey <b>Izveštaj</b> 2025", "trustsurvey <b>Извештај</b> 2025"),
])
def test_serbian_latin_to_cyrillic_is_the_standard_mapping(latin, cyrillic):
    assert to_cyrillic(latin) == cyrillic


def test_cyrillic_catalogue_has_no_latin_words_left():
    """Every Serbian message in Cyrillic: only placeholders, markup and foreign names stay Latin."""
    t = catalogue("sr-Cyrl")
    leftovers = []
    for (ctx, msg) in extract_messages():
        text = t.pgettext(ctx, msg) if ctx else t(msg)
        bare = re.sub(r"\{[^{}]*\}|<[^<>]*>|trustsurvey|survey\b|R\b|PPS|Kish|Taylor|t\b|p\b|n\b|df|SE|CI", "", text)
        if re.search(r"[A-Za-zČčĆćŠšŽžĐđ]{3,}", bare):
            leftovers.append(text)
    assert leftovers == []


# --------------------------------------------------------------------------- meaning
@pytest.fixture(scope="module")
def q():
    return bundled()


def test_labels_come_from_the_questionnaire(q):
    m = Meaning(q, "sq")
    item = q.question_ids[0]
    assert m.item(item) == q.label(item, "sq")
    region_code = q.scale("region").valid_codes[0]
    assert m.group("region", str(region_code)) == q.value_label("region", region_code, "sq")
    assert m.group("region", float(region_code)) == m.group("region", str(region_code))
    assert m.group("national", "all") == m.population == q.population["sq"]
    assert m.demographic("national") == m.population
    assert m.item("not_an_id") == "not_an_id"


def test_serbian_cyrillic_labels_are_transliterated(q):
    m = Meaning(q, "sr-Cyrl")
    item = q.question_ids[0]
    assert m.item(item) == to_cyrillic(q.label(item, "sr"))
    assert m.population == "Косово"


def test_languages_are_the_questionnaire_s(q):
    assert languages_of(q) == ("sq", "sr", "en", "sr-Cyrl")
    with pytest.raises(LanguageError, match="lang='de'.*choose one of sq, sr, en, sr-Cyrl"):
        Meaning(q, "de")
    s = ts.datasets.load_example(2025, raw=False)
    with pytest.raises(LanguageError, match="'de'"):
        ts.breakdown(s, items=[q.question_ids[0]], by=["gender"], lang="de")


def _minimal(favourable="high", item_favourable=None, reverse=False, population=None):
    langs = ("sq", "sr", "en")
    lab = lambda text: {lang: text for lang in langs}  # noqa: E731
    d = {"survey_id": "x", "wave": 2025, "version": "1", "languages": list(langs),
         "scales": {"agree": {"codes": [{"code": c, "score": c, "label": lab(str(c))} for c in (1, 2, 3, 4)],
                              "favourable": favourable, "nets": {"top2": [3, 4], "bottom2": [1, 2]}}},
         "questions": [{"id": "q1", "type": "single", "scale": "agree", "label": lab("Q1"), "text": lab("Q1?")}]}
    if item_favourable:
        d["questions"][0]["favourable"] = item_favourable
    if reverse:
        d["questions"][0]["reverse"] = True
    if population:
        d["population"] = population
    return Questionnaire.from_dict(d)


@pytest.mark.parametrize("scale_fav, item_fav, reverse, expected", [
    ("high", None, False, (1, -1, 1)),
    ("low", None, False, (-1, 1, -1)),
    ("high", None, True, (-1, 1, -1)),      # a reverse-worded item flips its scale
    ("high", "low", False, (-1, 1, -1)),    # the item's own word wins
    ("high", "low", True, (-1, 1, -1)),     # ... also over reverse
    ("high", "none", False, (0, 0, 0)),
    (None, None, False, (0, 0, 0)),         # a nominal scale has no good end
])
def test_polarity(scale_fav, item_fav, reverse, expected):
    m = Meaning(_minimal(scale_fav, item_fav, reverse), "en")
    assert (m.polarity("q1", "top2"), m.polarity("q1", "bottom2"), m.polarity("q1", "mean")) == expected
    assert m.polarity("q1", "dont_know") == -1 and m.polarity("q1", "share") == 0


def test_the_bundled_negatively_worded_items_are_unfavourable_when_agreed(q):
    m = Meaning(q, "en")
    low = [i for i in q.question_ids if q.question(i).favourable == "low"]
    assert low, "the bundled questionnaire marks its negatively worded items favourable: low"
    assert all(m.polarity(i, "top2") == -1 and m.polarity(i, "bottom2") == 1 for i in low)
    high = [i for i in q.question_ids if q.question(i).type == "single" and q.question(i).favourable is None]
    assert all(m.polarity(i, "top2") == 1 for i in high)
    # a net that is not called top2: its codes' place on the scale decides
    yesno = next(i for i in q.question_ids if q.question(i).scale == "yesno")
    assert m.polarity(yesno, "yes") == 1 and m.polarity(yesno, "no") == -1


def test_a_survey_that_is_not_the_bundled_one_has_its_own_population():
    assert Meaning(_minimal(), "en").population == "All respondents"
    named = _minimal(population={"en": "Residents of Example County"})
    assert Meaning(named, "en").population == "Residents of Example County"
    frame = pd.DataFrame({"q1": [1, 2, 3, 4] * 10, "g": ["a", "b"] * 20})
    s = ts.Survey(frame, questionnaire=named)
    t = ts.breakdown(s, items=["q1"], by=["g"], metrics=["top2"], min_base=1)
    assert t.loc[t["by"] == "national", "group_label"].tolist() == ["Residents of Example County"]
    assert not t["group_label"].str.contains("Kosov").any()


# --------------------------------------------------------------------------- numbers
from hypothesis import given, strategies as st  # noqa: E402


@given(x=st.one_of(st.floats(-1e9, 1e9, allow_nan=False), st.integers(-10**9, 10**9)),
       decimals=st.integers(0, 4), lang=st.sampled_from(["en", "sq", "sr", "sr-Cyrl", "de", "fr"]))
def test_numbers_are_written_as_cldr_writes_them(x, decimals, lang):
    """Our fast formatter agrees with Babel's CLDR formatting, separators and rounding included."""
    from babel.numbers import format_decimal

    from trustsurvey.labels.numbers import babel_locale, format_number

    v = round(float(x), decimals)
    v = 0.0 if v == 0 else v
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    expected = format_decimal(v, format=pattern, locale=babel_locale(lang)).replace("-", "−")
    assert format_number(x, decimals, lang) == expected
