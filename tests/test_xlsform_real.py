"""Every real XLSForm pyxform parses imports with no analysable question, choice or routing rule lost silently.

The forms are pyxform's own test forms (tests/data/xlsform, see PROVENANCE.md). The oracle is pyxform
itself: its parse of each form (every field with its type, choices and relevant) and its question-type
dictionary (the XForm data type and control of every type spelling), read here independently of the
importer.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest
from pyxform import xls2json
from pyxform.errors import PyXFormError
from pyxform.question_type_dictionary import QUESTION_TYPE_DICT

from trustsurvey.errors import QuestionnaireError
from trustsurvey.questionnaire.xlsform import read_xlsform

DATA = Path(__file__).parent / "data" / "xlsform"
FORMS = sorted(p for p in DATA.iterdir() if p.suffix in (".xls", ".xlsx"))
REJECTED = {  # pyxform refuses these deliberately malformed forms
    "bug_example_xls__calculate_without_calculation.xls",
    "bug_example_xls__duplicate_columns.xlsx",
    "bug_example_xls__group_name_test.xls",
    "example_xls__unknown_question_type.xls",
}
ANSWER_TYPES = {"string", "int", "decimal", "date", "dateTime", "time"}
ANSWER_CONTROLS = {"input", "select", "select1", "range"}


def _parse(path: Path) -> dict:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return xls2json.parse_file_to_json(str(path), warnings=[])


def _analysable(node: dict) -> bool:
    spec = QUESTION_TYPE_DICT.get(node["type"])
    if spec is None:
        return False
    bind, control = spec.get("bind") or {}, spec.get("control") or {}
    return bind.get("type") in ANSWER_TYPES and control.get("tag") in ANSWER_CONTROLS and not bind.get("readonly")


def _fields(node: dict, repeat=None, relevant=False):
    """(field node, innermost repeat, has a relevant of its own or of a group within its table)."""
    for child in node.get("children") or []:
        rel = relevant or bool((child.get("bind") or {}).get("relevant"))
        if child["type"] == "repeat":
            yield from _fields(child, child["name"], False)
        elif child["type"] in ("group", "loop"):
            yield from _fields(child, repeat, rel)
        else:
            yield child, repeat, rel


def test_the_forms_are_there():
    assert len(FORMS) == 57
    assert {p.name for p in FORMS} >= REJECTED


@pytest.mark.parametrize("path", [p for p in FORMS if p.name in REJECTED], ids=lambda p: p.name)
def test_a_form_pyxform_rejects_gets_its_message_and_the_file_name(path):
    with pytest.raises(PyXFormError) as pyx:
        _parse(path)
    with pytest.raises(QuestionnaireError) as exc:
        read_xlsform(path, wave=2025)
    assert path.name in str(exc.value) and str(pyx.value) in str(exc.value)


@pytest.mark.parametrize("path", [p for p in FORMS if p.name not in REJECTED], ids=lambda p: p.name)
def test_every_form_imports_without_silent_loss(path):
    form = _parse(path)
    main = read_xlsform(path, wave=2025)
    tables = {None: main}
    todo = list(main.repeats)
    while todo:  # repeats inside repeats are tables of their own too
        name = todo.pop()
        tables[name] = read_xlsform(path, wave=2025, repeat=name)
        todo.extend(tables[name].repeats)
    checked = 0
    for node, repeat, routed in _fields(form):
        table = tables[repeat]
        name = node["name"]
        skipped = {s.name for s in table.skipped}
        if not _analysable(node):
            assert name in skipped, f"{name} ({node['type']}) neither imported nor listed as skipped"
            assert name in table.questionnaire.unanalysed
            assert any(n.startswith(f"skipped {name} (") for n in table.questionnaire.notes)
            continue
        ids = [i for i, n in table.names.items() if n == name]
        assert ids, f"analysable {name} ({node['type']}) not imported"
        assert name not in skipped
        q = table.questionnaire
        for qid in ids:
            question = q.question(qid)
            choices = {str(c["name"]).strip() for c in node.get("choices") or []}
            if question.type == "single":
                scale = q.scale(question.scale)
                codes = {c.name if c.name is not None else str(c.code) for c in (*scale.codes, *scale.missing)}
                assert codes == choices, f"{name}: choices {choices} imported as {codes}"
                for choice in choices:  # each choice name finds its code
                    assert scale.code_of(choice) is not None
            elif question.type == "multiple":
                assert {o.name for o in question.options} == choices
            elif node.get("choices"):
                pytest.fail(f"{name}: a select with choices imported as {question.type}")
            if routed:
                assert question.asked_if is not None or name in table.routing_notes, f"{name}: routing lost"
            checked += 1
    assert checked > 0 or not any(_analysable(n) for n, _, _ in _fields(form))


def test_repeat_questions_are_not_flattened_into_the_respondent_table():
    path = DATA / "bug_example_xls__UCL_Biomass_Plot_Form.xlsx"
    main = read_xlsform(path, wave=2025)
    assert set(main.repeats) == {"trees", "stumps", "subplot1", "subplot2"}
    ids = set(main.names.values())
    for fields in main.repeats.values():
        assert not ids & set(fields)
    trees = read_xlsform(path, wave=2025, repeat="trees")
    assert {"tag", "tree_bearing", "latin_name_id"} <= set(trees.names.values())
    assert any("only filled in when trees's relevant" in n for n in trees.questionnaire.notes)
    # routing inside the repeat refers to the repeat's own questions
    assert str(trees.questionnaire.question("latin_name_other").asked_if) == "latin_name_id == 'other'" or \
        "latin_name_other" in trees.routing_notes


def test_languages_of_a_two_language_form_are_codes():
    q = read_xlsform(DATA / "bug_example_xls__UCL_Biomass_Plot_Form.xlsx", wave=2025).questionnaire
    assert q.languages == ("sw", "en")
    assert q.question("monumented").text["en"].startswith("Imewekwa") is False


def test_or_other_and_choice_filter_are_recorded():
    r = read_xlsform(DATA / "example_xls__or_other.xlsx", wave=2025)
    q = r.questionnaire
    colors = q.scale(q.question("fav_color").scale)
    assert colors.code_of("other") == 6 and colors.label_of("other") == "Other"
    assert str(q.question("fav_color_other").asked_if) == "fav_color == 6"
    assert any("fav_pastel: choice_filter 'pastel=yes'" in n for n in q.notes)
