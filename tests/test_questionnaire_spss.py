"""SPSS .sav metadata import on real files written with pyreadstat."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyreadstat
import pytest

from trustsurvey.errors import QuestionnaireError
from trustsurvey.questionnaire import Questionnaire, import_spss, lint

TRUST_LABELS = {1: "No trust at all", 2: "Little trust", 3: "Neither", 4: "Some trust", 5: "Full trust",
                98: "Don't know", 99: "Refused"}


def write_sav(path: Path) -> Path:
    df = pd.DataFrame(
        {
            "respondent_id": [250001, 250002, 250003],
            "design_weight": [1.5, 2.0, 0.5],
            "stratum": [11, 12, 21],
            "psu": [1, 2, 3],
            "region": [1, 2, 1],
            "age": [34, 99, 51],
            "trust_kp": [1, 5, 98],
            "trust_local_station": [4, 99, 2],
            "pf_respect": [1, 5, 3],
            "contact_12m": [1, 2, 1],
            "visits": [0, 3, 97],
            "comment_open": ["", "Më shumë patrulla", ""],
            "Q7.b": [1, 0, 1],
        }
    )
    pyreadstat.write_sav(
        df,
        str(path),
        file_label="Kosovo Police trust survey 2024",
        column_labels={
            "trust_kp": "How much do you trust the Kosovo Police?",
            "trust_local_station": "How much do you trust the police station in your municipality?",
            "pf_respect": "The police treat people with respect",
            "region": "Police region",
            "contact_12m": "Contact with the police in the last 12 months",
            "visits": "Number of visits to a police station",
            "comment_open": "Anything else?",
        },
        variable_value_labels={
            "trust_kp": TRUST_LABELS,
            "trust_local_station": TRUST_LABELS,
            "pf_respect": {1: "Strongly disagree", 5: "Strongly agree", 8: "Not applicable", 9: "No answer"},
            "region": {1: "Prishtina", 2: "Prizren"},
            "contact_12m": {1: "Yes", 2: "No", 7: "Can't say"},
        },
        missing_ranges={
            "trust_kp": [98, 99],
            "trust_local_station": [{"lo": 98, "hi": 99}],
            "pf_respect": [8, 9],
            "contact_12m": [7],
            "age": [99],
            "visits": [{"lo": 90, "hi": 99}],
        },
        variable_measure={"trust_kp": "ordinal", "region": "nominal", "pf_respect": "ordinal"},
    )
    return path


@pytest.fixture()
def sav(tmp_path) -> Path:
    return write_sav(tmp_path / "kp_2024.sav")


def test_import_reads_labels_and_user_missing(sav):
    q = import_spss(sav, wave=2024)
    assert q.survey_id == "kp_2024" and q.wave == 2024
    assert q.title["en"] == "Kosovo Police trust survey 2024"
    trust = q.scale(q.question("trust_kp").scale)
    assert trust.valid_codes == (1, 2, 3, 4, 5)
    assert [(m.code, m.kind) for m in trust.missing] == [(98, "dont_know"), (99, "refused")]
    assert trust.label_of(4) == "Some trust" and trust.score(4) == 4
    # identical value labels and missing codes share one scale; a range 98..99 gives both codes
    assert q.question("trust_local_station").scale == q.question("trust_kp").scale
    pf = q.scale(q.question("pf_respect").scale)
    assert pf.valid_codes == (1, 2, 3, 4, 5)  # unlabelled middle codes filled in
    assert pf.label_of(3) == "3"
    assert [(m.code, m.kind) for m in pf.missing] == [(8, "not_applicable"), (9, "no_answer")]  # an open kind
    assert any("pf_respect: codes 2, 3, 4 have no value label" in n for n in q.notes)
    yn = q.scale(q.question("contact_12m").scale)
    assert yn.valid_codes == (1, 2) and yn.missing_kind(7) == "dont_know"  # "Can't say"
    assert q.question("trust_kp").text["en"] == "How much do you trust the Kosovo Police?"


def test_numeric_text_demographics_and_design(sav):
    q = import_spss(sav, wave=2024)
    visits = q.question("visits")
    assert visits.type == "numeric"
    assert visits.missing_codes == tuple(range(90, 100))
    assert q.question("comment_open").type == "text"
    assert [d.id for d in q.demographics] == ["region", "age"]
    # an unlabeled user-missing code is never guessed: the user classifies it
    assert q.question("age").missing_kind(99) == "unclassified"
    assert any(n.startswith("age: missing code(s) 99 have no label") for n in q.notes)
    assert q.scale("region").valid_codes == (1, 2) and q.scale("region").score(1) is None  # nominal: no scores
    d = q.design
    assert (d.respondent_id, d.weight, d.strata, d.psu, d.fpc) == (
        "respondent_id", "design_weight", "stratum", "psu", None)
    # an invalid SPSS-side name gets a safe id and keeps its source column
    odd = q.question("Q7_b")
    assert odd.column(2024) == "Q7.b"
    assert q.column_map(2024)["Q7.b"] == "Q7_b"


def test_one_language_is_enough(sav):
    q = import_spss(sav, wave=2024)
    assert q.languages == ("en",) and q.untranslated == ()
    q_sq = import_spss(sav, wave=2024, language="sq", survey_id="kp")
    assert q_sq.languages == ("sq",) and q_sq.survey_id == "kp"
    assert q_sq.question("trust_kp").text == {"sq": "How much do you trust the Kosovo Police?"}


def test_round_trip_to_yaml(sav, tmp_path):
    q = import_spss(sav, wave=2024)
    out = q.to_yaml(tmp_path / "kp_2024.yaml")
    again = Questionnaire.from_yaml(out)
    assert again == q
    # lint asks for the unlabeled user-missing codes to be classified, and nothing else
    problems = lint(again)
    assert problems and all("nobody has classified yet" in p for p in problems)
    assert len(problems) == sum(m.kind == "unclassified" for v in (*q.questions, *q.demographics) for m in v.missing) \
        + sum(m.kind == "unclassified" for s in q.scales.values() for m in s.missing)


def test_the_import_reads_data_that_pyreadstat_reads_back(sav):
    """Missing codes found by the import are exactly the user-missing values pyreadstat reports."""
    q = import_spss(sav, wave=2024)
    df, meta = pyreadstat.read_sav(str(sav), user_missing=True)
    for name, ranges in meta.missing_ranges.items():
        if name in ("visits",):
            continue
        declared = set(q.missing_codes(q.column_map(2024)[name]))
        assert declared == {int(r["lo"]) for r in ranges} | {int(r["hi"]) for r in ranges}


def test_errors(tmp_path):
    with pytest.raises(QuestionnaireError, match="no such SPSS or Stata file"):
        import_spss(tmp_path / "none.sav")
    bad = tmp_path / "bad.sav"
    bad.write_bytes(b"not an spss file at all")
    with pytest.raises(QuestionnaireError, match=r"bad\.sav: not a readable SPSS file"):
        import_spss(bad)
    with pytest.raises(QuestionnaireError, match=r"bad\.txt: not an SPSS or Stata file"):
        import_spss(bad.rename(tmp_path / "bad.txt"))
