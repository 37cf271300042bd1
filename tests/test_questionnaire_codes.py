"""Codes that are integers or texts, choice names, open missing kinds, nets of any name, declared languages."""

from __future__ import annotations

import copy

import pandas as pd
import pytest

from trustsurvey.errors import QuestionnaireError
from trustsurvey.questionnaire import Code, MissingCode, Questionnaire, Scale, bundled, lint, validate
from trustsurvey.questionnaire._codes import canonical_code


@pytest.mark.parametrize("value, code", [(1, 1), (1.0, 1), ("1", 1), (" 1 ", 1), ("1.0", 1), (True, 1),
                                         ("UKI", "UKI"), (" UKI ", "UKI"), (2.5, 2.5), ("", None), (None, None),
                                         (float("nan"), None)])
def test_canonical_code(value, code):
    got = canonical_code(value)
    assert got == code and type(got) is type(code)


def one_language(**over) -> dict:
    d = {
        "survey_id": "ns", "wave": 2025, "version": "1", "languages": ["fr"],
        "scales": {
            "region": {"codes": [{"code": "FR-IDF", "label": {"fr": "Île-de-France"}},
                                 {"code": "FR-ARA", "label": {"fr": "Auvergne-Rhône-Alpes"}}]},
            "trust11": {"codes": [{"code": c, "score": c, "label": {"fr": str(c)}} for c in range(11)],
                        "missing": [{"code": 99, "kind": "no_answer", "label": {"fr": "Sans réponse"}},
                                    {"code": 98, "kind": "skipped", "label": {"fr": "Passé"}}],
                        "favourable": "high", "nets": {"top4": [7, 8, 9, 10], "low": [0, 1, 2, 3]}},
            "yn": {"codes": [{"code": 1, "name": "oui", "label": {"fr": "Oui"}},
                             {"code": 2, "name": "non", "label": {"fr": "Non"}}]},
        },
        "questions": [{"id": "trust", "type": "single", "scale": "trust11", "text": {"fr": "Confiance ?"}},
                      {"id": "contact", "type": "single", "scale": "yn", "text": {"fr": "Contact ?"}},
                      {"id": "why", "type": "text", "text": {"fr": "Pourquoi ?"}, "asked_if": "region == 'FR-IDF'"}],
        "demographics": [{"id": "region", "type": "single", "scale": "region", "text": {"fr": "Région"}}],
        "weighting": {"method": "rake", "total": {"value": 1000, "source": "x", "estimate": True},
                      "variables": {"region": {"source": "x", "estimate": True,
                                               "targets": {"FR-IDF": 0.6, "FR-ARA": 0.4}}}},
    }
    d.update(over)
    return d


def test_one_language_text_codes_open_kinds_and_any_nets_lint_clean():
    q = Questionnaire.from_dict(one_language())
    assert lint(q) == []
    assert q.languages == ("fr",)
    assert q.scale("region").valid_codes == ("FR-IDF", "FR-ARA")
    assert q.scale("trust11").missing_kind("98") == "skipped" and q.scale("trust11").net("top4") == (7, 8, 9, 10)
    assert q.weighting.margins()["region"] == {"FR-IDF": 600.0, "FR-ARA": 400.0}
    assert Questionnaire.from_dict(q.to_dict()) == q


def test_lint_asks_for_every_declared_language_and_nothing_else():
    d = one_language(languages=["fr", "en"])
    problems = lint(Questionnaire.from_dict(d))
    assert problems and all("missing 'en' label" in p for p in problems)
    assert not any("'sq'" in p or "'sr'" in p for p in problems)


@pytest.mark.parametrize("form", [2, 2.0, "2", " 2 ", "non"])
def test_value_label_and_code_of_accept_every_form_of_a_code(form):
    q = Questionnaire.from_dict(one_language())
    assert q.scale("yn").code_of(form) == 2
    assert q.value_label("contact", form, "fr") == "Non"


def test_value_label_of_a_text_code():
    q = Questionnaire.from_dict(one_language())
    assert q.value_label("region", " FR-ARA", "fr") == "Auvergne-Rhône-Alpes"
    with pytest.raises(QuestionnaireError, match="has no code 'FR-XX'"):
        q.value_label("region", "FR-XX")


@pytest.mark.parametrize("path, value, message", [
    (("scales", "trust11", "nets", "top4"), [7, 8, 11], "code(s) 11 not valid codes of the scale"),
    (("scales", "trust11", "nets", "top4"), [7, "7"], "lists a code twice"),
    (("scales", "region", "codes", 1, "code"), "FR-IDF", "duplicate code 'FR-IDF'"),
    (("weighting", "variables", "region", "targets"), {"FR-IDF": 0.6, "FR-XX": 0.4},
     "code FR-XX is not a valid code of 'region'"),
    (("questions", 2, "asked_if"), "region == 'FR-XX'", "'FR-XX' is not a code of 'region'"),
    (("questions", 1, "asked_if"), "trust == '7'", "'7' is not a code of 'trust'"),
    (("scales", "trust11", "missing", 0, "kind"), "not_asked", "reserved"),
])
def test_code_problems_are_named(path, value, message):
    d = copy.deepcopy(one_language())
    obj = d
    for k in path[:-1]:
        obj = obj[k]
    obj[path[-1]] = value
    problems = validate(d)
    assert any(message in p for p in problems), problems


def test_routing_on_a_text_code_evaluates():
    q = Questionnaire.from_dict(one_language())
    frame = pd.DataFrame({"region": pd.array(["FR-IDF", "FR-ARA", None], dtype="string")})
    assert q.question("why").asked_if.evaluate(frame).tolist() == [True, False, False]


def test_missing_kinds_are_open_but_checked():
    assert MissingCode(9, "no_answer").kind == "no_answer"
    with pytest.raises(QuestionnaireError, match="lower-case identifier"):
        MissingCode(9, "No answer")
    with pytest.raises(QuestionnaireError, match="reserved"):
        MissingCode(9, "not_asked")


def test_bundled_codes_stay_integers():
    q = bundled()
    assert all(type(c) is int for s in q.scales.values() for c in s.all_codes)
    assert all(type(k) is int for v in q.weighting.variables.values() for k in v.targets)


def test_scale_lookup_names_and_labels():
    s = Scale("x", codes=(Code(1, {"en": "Yes", "sq": "Po"}, name="yes"), Code(2, {"en": "No", "sq": "Jo"}, name="no")),
              missing=(MissingCode(9, "dont_know", {"en": "Don't know", "sq": "Nuk e di"}),))
    lk = s.lookup()
    assert lk["yes"] == 1 and lk["po"] == 1 and lk["nuk e di"] == 9 and lk["2"] == 2
    shared = Scale("y", codes=(Code(1, {"en": "Same"}), Code(2, {"en": "Same"})))
    assert "same" not in shared.lookup()  # a label two codes share reads as neither
