"""XLSForm import (through pyxform) on .xlsx forms written with openpyxl; real forms are in test_xlsform_real.py."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from trustsurvey.errors import QuestionnaireError
from trustsurvey.questionnaire import Questionnaire, import_xlsform, lint
from trustsurvey.questionnaire.xlsform import Ref, Unsupported, read_xlsform, translate

HEADER = ["type", "name", "label::Shqip (sq)", "label::English (en)", "label::Srpski (sr)", "relevant", "constraint",
          "calculation"]
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
    ["calculate", "calc", None, None, None, None, None, "1 + 1"],
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
    assert q.languages == ("en", "sq", "sr") and q.untranslated == ()
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
    assert [o.name for o in concerns.options] == ["theft", "drugs", "none"]
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
    # fields that are not questions are listed, by name, with the reason
    assert "skipped start (start): metadata the device records" in q.notes
    assert "skipped thanks (note): display text, no answer" in q.notes
    assert {"start", "thanks", "calc"} <= set(q.unanalysed)


def test_text_choice_names_are_kept_beside_their_codes(form):
    q = import_xlsform(form, wave=2025)
    satisf = q.scale("satisf")
    assert satisf.valid_codes == (1, 2)
    assert [c.name for c in satisf.codes] == ["very_dissatisfied", "very_satisfied"]
    assert satisf.code_of("very_satisfied") == 2 and satisf.code_of("2") == 2
    assert satisf.label_of(2) == "Very satisfied"
    assert any("'satisf'" in n and "very_dissatisfied=1, very_satisfied=2" in n for n in q.notes)


def test_imported_form_lints_clean_and_round_trips(form, tmp_path):
    q = import_xlsform(form, wave=2025)
    assert lint(q) == []
    out = q.to_yaml(tmp_path / "form.yaml")
    assert Questionnaire.from_yaml(out) == q


def test_one_language_form_needs_no_other_language(tmp_path):
    survey = [["select_one yn", "aware", "Have you heard of the LPSC?"], ["text", "why", "Why?"]]
    choices = [("yn", 1, "Yes"), ("yn", 2, "No"), ("yn", 98, "Don't know")]
    path = write_form(tmp_path / "en.xlsx", survey, choices, header=["type", "name", "label"], settings=False,
                      choice_header=["list_name", "name", "label"])
    q = import_xlsform(path, wave=2024, survey_id="lpsc")
    assert q.survey_id == "lpsc" and q.wave == 2024
    assert q.languages == ("en",) and q.untranslated == ()
    assert q.question("aware").text == {"en": "Have you heard of the LPSC?"}
    assert q.scale("yn").missing_kind(98) == "dont_know"
    assert lint(q) == []
    q_fr = import_xlsform(path, wave=2024, language="fr")
    assert q_fr.languages == ("fr",) and lint(q_fr) == []


@pytest.mark.parametrize("spelling", ["label::English", "label:English", "LABEL::english", "label::English (en)"])
def test_language_column_spellings_map_to_codes(tmp_path, spelling):
    header = ["type", "name", "label::Français (fr)", spelling]
    survey = [["integer", "age", "Âge", "Age"]]
    q = import_xlsform(write_form(tmp_path / "l.xlsx", survey, [], header=header, settings=False), wave=2025)
    assert set(q.languages) == {"en", "fr"}
    assert q.question("age").text == {"en": "Age", "fr": "Âge"}


def test_extra_language_columns_are_kept(tmp_path):
    header = ["type", "name", "label::Shqip (sq)", "label::English (en)", "label::Srpski (sr)", "label::Српски (sr-Cyrl)"]
    survey = [["integer", "age", "Mosha", "Age", "Starost", "Старост"], ["text", "c", "Koment", "Comment", "Komentar", "Коментар"]]
    path = write_form(tmp_path / "cyr.xlsx", survey, [], header=header)
    q = import_xlsform(path, wave=2025)
    assert set(q.languages) == {"sq", "sr", "en", "sr-Cyrl"}
    assert q.question("age").text["sr-Cyrl"] == "Старост"


def test_select_spellings_and_or_other(tmp_path):
    header = ["type", "name", "label"]
    survey = [
        ["select one from yn", "a", "A"],
        ["select all that apply from conc", "b", "B"],
        ["select_one yn or_other", "c", "C"],
        ["select_multiple conc", "d", "D"],
    ]
    choices = [("yn", "yes", "Yes"), ("yn", "no", "No"), ("conc", "theft", "Theft"), ("conc", "drugs", "Drugs")]
    path = write_form(tmp_path / "sp.xlsx", survey, choices, header=header, settings=False,
                      choice_header=["list_name", "name", "label"])
    r = read_xlsform(path, wave=2025)
    q = r.questionnaire
    assert [(x.id, x.type) for x in q.questions] == [("a", "single"), ("b", "multiple"), ("c", "single"),
                                                      ("c_other", "text"), ("d", "multiple")]
    c = q.scale(q.question("c").scale)
    assert c.code_of("other") is not None and c.label_of("other") == "Other"
    assert str(q.question("c_other").asked_if) == f"c == {c.code_of('other')}"
    assert any("'other' is one of its codes" in n and "c_other" in n for n in q.notes)


def test_renamed_names_are_renamed_in_routing_too(tmp_path):
    header = ["type", "name", "label", "relevant"]
    survey = [["integer", "_4_8_vehicles", "How many?"], ["integer", "q-4.9", "And?"],
              ["text", "why", "Why?", "${_4_8_vehicles} > 0 and ${q-4.9} < 3"],
              ["integer", "in", "In?"], ["text", "w2", "W2", "${in} >= 1 and ${why} != ''"]]
    r = read_xlsform(write_form(tmp_path / "rn.xlsx", survey, [], header=header, settings=False), wave=2025)
    q = r.questionnaire
    assert q.question_ids == ("_4_8_vehicles", "q_4_9", "why", "v_in", "w2")
    assert str(q.question("why").asked_if) == "_4_8_vehicles > 0 and q_4_9 < 3"
    assert str(q.question("w2").asked_if) == "v_in >= 1 and why is not missing"
    assert q.question("q_4_9").columns == {2025: "q-4.9"}
    assert r.names["v_in"] == "in"


def test_group_relevant_applies_to_its_questions(tmp_path):
    header = ["type", "name", "label", "relevant"]
    survey = [["select_one yn", "contact", "Contact?"],
              ["begin group", "g", "G", "${contact} = 'yes'"],
              ["integer", "times", "Times?"],
              ["integer", "good", "Good?", "${times} > 1"],
              ["end group"]]
    choices = [("yn", "yes", "Yes"), ("yn", "no", "No")]
    q = import_xlsform(write_form(tmp_path / "g.xlsx", survey, choices, header=header, settings=False,
                                  choice_header=["list_name", "name", "label"]), wave=2025)
    assert str(q.question("times").asked_if) == "contact == 1"
    assert str(q.question("good").asked_if) == "(contact == 1) and (times > 1)"


def test_repeats_are_tables_of_their_own(tmp_path):
    header = ["type", "name", "label"]
    survey = [["integer", "hh_size", "Household size"], ["begin repeat", "member", "Member"],
              ["text", "mname", "Name"], ["integer", "mage", "Age"], ["end repeat"]]
    path = write_form(tmp_path / "rep.xlsx", survey, [], header=header, settings=False)
    r = read_xlsform(path, wave=2025)
    assert r.questionnaire.question_ids == ("hh_size",)
    assert r.repeats == {"member": ("mname", "mage")}
    assert any("repeat group 'member' is a table of its own" in n for n in r.questionnaire.notes)
    member = import_xlsform(path, wave=2025, repeat="member")
    assert member.question_ids == ("mname", "mage") and member.survey_id.endswith("_member")
    with pytest.raises(QuestionnaireError, match="no repeat group 'household' .repeats: member."):
        import_xlsform(path, repeat="household")


def test_unconvertible_relevance_is_dropped_with_a_note(tmp_path):
    survey = [
        ["select_one yn", "a", "A", "A", "A"],
        ["text", "b", "B", "B", "B", "count-selected(${a}) > 0"],
        ["text", "c", "C", "C", "C", "${a} = 7"],
        ["calculate", "zz", None, None, None, None, None],
        ["text", "d", "D", "D", "D", "${zz} = 1"],
    ]
    survey[3] = ["calculate", "zz", None, None, None, None, None, "2"]
    path = write_form(tmp_path / "rel.xlsx", survey, [("yn", 1, "Po", "Yes", "Da"), ("yn", 2, "Jo", "No", "Ne")])
    r = read_xlsform(path, wave=2025)
    q = r.questionnaire
    assert q.routing == {}
    assert set(r.routing_notes) == {"b", "c", "d"}
    notes = "\n".join(q.notes)
    assert "routing of 'b' (b: 'count-selected(${a}) > 0') not converted: function count-selected() is not supported" in notes
    assert "routing of 'c' (c: '${a} = 7') not converted: '7' is not a choice of 'a'" in notes
    assert "routing of 'd' (d: '${zz} = 1') not converted: refers to 'zz', which is not an imported question" in notes


def test_translate_relevant():
    refs = {"a": Ref("a", "numeric"), "gender": Ref("gender", "single", codes={"m": 1, "f": 2}),
            "concerns": Ref("concerns", "multiple", options={"theft": "concerns_theft"}),
            "x": Ref("x", "text")}
    assert translate("${a} >= 2 and ${a} <= 4", refs) == "a >= 2 and a <= 4"
    assert translate("not(${a} = 1)", refs) == "not (a == 1)"
    assert translate("${gender} = 'f'", refs) == "gender == 2"
    assert translate("selected(${gender}, 'm')", refs) == "gender == 1"
    assert translate("selected(../concerns, 'theft')", refs) == "concerns_theft == 1"
    assert translate("${x} = ''", refs) == "x is missing"
    assert translate("${x} != 'abc'", refs) == "x != 'abc'"
    assert translate("(${a} = 1 or ${a} = 2) and ${x} != ''", refs) == "(a == 1 or a == 2) and x is not missing"
    with pytest.raises(Unsupported, match="'drugs' is not a choice of 'concerns'"):
        translate("selected(${concerns}, 'drugs')", refs)
    with pytest.raises(Unsupported, match="arithmetic"):
        translate("${a} + 1 > 2", refs)


def test_errors_name_the_file_and_the_fix(tmp_path):
    with pytest.raises(QuestionnaireError, match="no such XLSForm file"):
        import_xlsform(tmp_path / "missing.xlsx")
    bad = tmp_path / "bad.xlsx"
    bad.write_text("not a workbook")
    with pytest.raises(QuestionnaireError, match=r"bad\.xlsx: "):
        import_xlsform(bad)
    wb = openpyxl.Workbook()
    wb.active.title = "questions"
    wb.save(tmp_path / "nosurvey.xlsx")
    with pytest.raises(QuestionnaireError, match=r"nosurvey\.xlsx: pyxform rejects the form: .*survey"):
        import_xlsform(tmp_path / "nosurvey.xlsx")
    path = write_form(tmp_path / "nolist.xlsx", [["select_one likert", "q1", "Q", "Q", "Q"]], [])
    with pytest.raises(QuestionnaireError, match=r"nolist\.xlsx: pyxform rejects the form: .*choices sheet"):
        import_xlsform(path)
