"""XLSForm import on real .xlsx files written with openpyxl."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from trustsurvey.errors import QuestionnaireError
from trustsurvey.questionnaire import Questionnaire, import_xlsform, lint
from trustsurvey.questionnaire.xlsform import convert_relevance

HEADER = ["type", "name", "label::Shqip (sq)", "label::English (en)", "label::Srpski (sr)", "relevant", "constraint"]
SURVEY = [
    ["start", "start"],
    ["begin group", "demographics", "Të dhënat demografike", "Demographics", "Demografski podaci"],
    ["select_one region", "region", "Rajoni", "Region", "Region"],
    ["select_one gender", "gender", "Gjinia", "Gender", "Pol"],
    ["integer", "age", "Mosha", "Age", "Starost", None, ". >= 18 and . <= 95"],
    ["end group"],
    ["begin group", "trust"],
    ["select_one trust5", "trust_kp", "Sa i besoni Policisë së Kosovës?", "How much do you trust the Kosovo Police?",
     "Koliko verujete Policiji Kosova?"],
    ["end group"],
    ["select_one yn", "contact_12m", "A keni pasur kontakt me policinë?", "Have you had contact with the police?",
     "Da li ste imali kontakt sa policijom?"],
    ["select_one satisf", "contact_satisfaction", "Sa të kënaqur ishit?", "How satisfied were you?",
     "Koliko ste bili zadovoljni?", "${contact_12m} = 1"],
    ["select_multiple conc", "concerns", "Shqetësimet", "Concerns", "Problemi"],
    ["decimal", "hours", "Orë", "Hours", "Sati", "selected(${concerns}, 'drugs') or ${trust_kp} >= 4"],
    ["text", "comment", "Koment", "Comment", "Komentar", "${trust_kp} != ''"],
    ["note", "thanks", "Faleminderit", "Thank you", "Hvala"],
    ["calculate", "calc"],
]
CHOICES = [
    ("region", 1, "Prishtinë", "Prishtina", "Priština"),
    ("region", 2, "Prizren", "Prizren", "Prizren"),
    ("gender", 1, "Mashkull", "Male", "Muški"),
    ("gender", 2, "Femër", "Female", "Ženski"),
    ("trust5", 1, "Nuk kam aspak besim", "No trust at all", "Uopšte nemam poverenja"),
    ("trust5", 2, "Kam pak besim", "Little trust", "Imam malo poverenja"),
    ("trust5", 3, "As kam, as nuk kam besim", "Neither", "Niti imam, niti nemam"),
    ("trust5", 4, "Kam besim deri diku", "Some trust", "Donekle imam poverenja"),
    ("trust5", 5, "Kam besim të plotë", "Full trust", "Imam potpuno poverenje"),
    ("trust5", 98, "Nuk e di", "Don't know", "Ne znam"),
    ("trust5", 99, "Refuzon të përgjigjet", "Refused", "Odbija da odgovori"),
    ("yn", 1, "Po", "Yes", "Da"),
    ("yn", 2, "Jo", "No", "Ne"),
    ("satisf", "very_dissatisfied", "Shumë i pakënaqur", "Very dissatisfied", "Veoma nezadovoljan"),
    ("satisf", "very_satisfied", "Shumë i kënaqur", "Very satisfied", "Veoma zadovoljan"),
    ("conc", "theft", "Vjedhjet", "Theft", "Krađe"),
    ("conc", "drugs", "Droga", "Drugs", "Droga"),
    ("conc", "none", "Asnjë nga këto", "None of these", "Ništa od navedenog"),
]


def write_form(path: Path, survey=SURVEY, choices=CHOICES, header=HEADER, settings=True, choice_header=None) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "survey"
    ws.append(header)
    for row in survey:
        ws.append(row)
    ch = wb.create_sheet("choices")
    ch.append(choice_header or ["list_name", "name", "label::Shqip (sq)", "label::English (en)", "label::Srpski (sr)"])
    for row in choices:
        ch.append(list(row))
    if settings:
        st = wb.create_sheet("settings")
        st.append(["form_title", "form_id", "version", "default_language"])
        st.append(["Anketa KP", "kp_form", "2025.2", "English (en)"])
    wb.save(path)
    return path


@pytest.fixture()
def form(tmp_path) -> Path:
    return write_form(tmp_path / "kp_form.xlsx")


def test_import_builds_scales_questions_and_routing(form):
    q = import_xlsform(form, wave=2025)
    assert (q.survey_id, q.wave, q.version) == ("kp_form", 2025, "2025.2")
    assert q.title["en"] == "Anketa KP"
    assert q.languages == ("sq", "sr", "en") and q.untranslated == ()
    assert q.question_ids == ("trust_kp", "contact_12m", "contact_satisfaction", "concerns", "hours", "comment")
    assert [d.id for d in q.demographics] == ["region", "gender", "age"]
    trust = q.scale("trust5")
    assert trust.valid_codes == (1, 2, 3, 4, 5)
    assert trust.missing_kind(98) == "dont_know" and trust.missing_kind(99) == "refused"
    assert trust.label_of(4, "sq") == "Kam besim deri diku" and trust.label_of(4, "sr") == "Donekle imam poverenja"
    assert q.question("trust_kp").block == "trust" and q.question("region").block == "demographics"
    assert (q.question("age").min, q.question("age").max) == (18, 95)
    assert q.question("hours").type == "numeric" and q.question("comment").type == "text"
    concerns = q.question("concerns")
    assert concerns.option_ids == ("concerns_theft", "concerns_drugs", "concerns_none")
    assert [o.exclusive for o in concerns.options] == [False, False, True]
    assert q.items == ("trust_kp", "contact_12m", "contact_satisfaction", "concerns_theft", "concerns_drugs",
                       "concerns_none", "hours")
    assert {k: str(v) for k, v in q.routing.items()} == {
        "contact_satisfaction": "contact_12m == 1",
        "hours": "concerns_drugs == 1 or trust_kp >= 4",
        "comment": "trust_kp is not missing",
    }
    # select_multiple lists are options, not scales
    assert "conc" not in q.scales


def test_text_choice_names_are_coded_in_order(form):
    q = import_xlsform(form, wave=2025)
    satisf = q.scale("satisf")
    assert satisf.valid_codes == (1, 2)
    assert satisf.label_of(2) == "Very satisfied"
    assert any("'satisf'" in n and "coded 1..2" in n for n in q.notes)
    assert any("calculate (1)" in n and "note (1)" in n for n in q.notes)


def test_imported_form_lints_clean_and_round_trips(form, tmp_path):
    q = import_xlsform(form, wave=2025)
    assert lint(q) == []
    out = q.to_yaml(tmp_path / "form.yaml")
    assert Questionnaire.from_yaml(out) == q


def test_single_language_form_is_marked_untranslated(tmp_path):
    survey = [["select_one yn", "aware", "Have you heard of the LPSC?"], ["text", "why", "Why?"]]
    choices = [("yn", 1, "Yes"), ("yn", 2, "No"), ("yn", 98, "Don't know")]
    path = write_form(tmp_path / "en.xlsx", survey, choices, header=["type", "name", "label"], settings=False,
                      choice_header=["list_name", "name", "label"])
    q = import_xlsform(path, wave=2024, survey_id="lpsc")
    assert q.survey_id == "lpsc" and q.wave == 2024
    assert q.untranslated == ("sq", "sr")
    assert q.question("aware").text == {"sq": "Have you heard of the LPSC?", "sr": "Have you heard of the LPSC?",
                                        "en": "Have you heard of the LPSC?"}
    assert q.scale("yn").missing_kind(98) == "dont_know"
    problems = lint(q)
    assert len(problems) == 2 and problems[0].startswith("untranslated[0]: the 'sq' labels are placeholders")


def test_extra_language_columns_are_kept(tmp_path):
    header = ["type", "name", "label::Shqip (sq)", "label::English (en)", "label::Srpski (sr)", "label::Српски (sr-Cyrl)"]
    survey = [["integer", "age", "Mosha", "Age", "Starost", "Старост"], ["text", "c", "Koment", "Comment", "Komentar", "Коментар"]]
    path = write_form(tmp_path / "cyr.xlsx", survey, [], header=header)
    q = import_xlsform(path, wave=2025)
    assert q.languages == ("sq", "sr", "en", "sr-Cyrl")
    assert q.question("age").text["sr-Cyrl"] == "Старост"


def test_unconvertible_relevance_is_dropped_with_a_note(tmp_path):
    survey = [
        ["select_one yn", "a", "A", "A", "A"],
        ["text", "b", "B", "B", "B", "count-selected(${a}) > 0"],
        ["text", "c", "C", "C", "C", "${a} = 7"],
        ["text", "d", "D", "D", "D", "${zz} = 1"],
    ]
    path = write_form(tmp_path / "rel.xlsx", survey, [("yn", 1, "Po", "Yes", "Da"), ("yn", 2, "Jo", "No", "Ne")])
    q = import_xlsform(path, wave=2025)
    assert q.routing == {}
    notes = "\n".join(q.notes)
    assert "relevance 'count-selected(${a}) > 0' not converted" in notes
    assert "c: routing 'a == 7' dropped (7 is not a code of 'a'" in notes
    assert "d: routing 'zz == 1' dropped (refers to unknown variable 'zz')" in notes


def test_convert_relevance():
    multiple = {"concerns": {"theft": "concerns_theft"}}
    codes = {"gender": {"m": 1, "f": 2}}
    assert convert_relevance("${a} >= 2 and ${a} <= 4", {}, {}) == "a >= 2 and a <= 4"
    assert convert_relevance("not(${a} = 1)", {}, {}) == "not (a == 1)"
    assert convert_relevance("${gender} = 'f'", {}, codes) == "gender == 2"
    assert convert_relevance("selected(${gender}, 'm')", {}, codes) == "gender == 1"
    assert convert_relevance("selected(${concerns}, 'theft')", multiple, {}) == "concerns_theft == 1"
    assert convert_relevance("${x} = ''", {}, {}) == "x is missing"
    assert convert_relevance("${x} != 'abc'", {}, {}) == "x != 'abc'"
    with pytest.raises(QuestionnaireError, match="'drugs' is not a choice of 'concerns'"):
        convert_relevance("selected(${concerns}, 'drugs')", multiple, {})


def test_errors_name_the_file_and_the_fix(tmp_path):
    with pytest.raises(QuestionnaireError, match="no such XLSForm file"):
        import_xlsform(tmp_path / "missing.xlsx")
    bad = tmp_path / "bad.xlsx"
    bad.write_text("not a workbook")
    with pytest.raises(QuestionnaireError, match=r"bad\.xlsx: not a readable \.xlsx XLSForm"):
        import_xlsform(bad)
    wb = openpyxl.Workbook()
    wb.active.title = "questions"
    wb.save(tmp_path / "nosurvey.xlsx")
    with pytest.raises(QuestionnaireError, match=r"no 'survey' sheet \(sheets: questions\)"):
        import_xlsform(tmp_path / "nosurvey.xlsx")
    path = write_form(tmp_path / "nolist.xlsx", [["select_one likert", "q1", "Q", "Q", "Q"]], [])
    with pytest.raises(QuestionnaireError, match=r"survey row 2: choice list 'likert' is not on the 'choices' sheet"):
        import_xlsform(path)
