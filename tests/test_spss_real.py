"""Real SPSS and Stata files (pyreadstat's test data, tests/data/pyreadstat) import and read; weighted files
written back as .sav / .dta keep their labels."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyreadstat
import pytest

import trustsurvey as ts
from trustsurvey.cli import main
from trustsurvey.errors import QuestionnaireError
from trustsurvey.io import validate_file
from trustsurvey.io.weighted import weight_file
from trustsurvey.questionnaire import bundled, import_spss, import_stata, lint

DATA = Path(__file__).parent / "data" / "pyreadstat"
FILES = sorted(p for p in DATA.iterdir() if p.suffix in (".sav", ".zsav", ".dta", ".por"))
ONE_RESPONDENT = {"basic__tegulu.sav", "missing_data__missing_test.dta"}


def _read(path: Path):
    reader = {".dta": pyreadstat.read_dta, ".por": pyreadstat.read_por}.get(path.suffix, pyreadstat.read_sav)
    return reader(str(path))


def test_every_format_is_there():
    assert {p.suffix for p in FILES} == {".sav", ".zsav", ".dta", ".por"} and len(FILES) == 14


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_file_imports_and_reads(path):
    q = import_spss(path, wave=2025)
    result = validate_file(path, q)
    frame, meta = _read(path)
    if path.name in ONE_RESPONDENT:
        # one respondent: the data are valid, but no design gives a variance (a DesignError from Survey)
        assert len(result.problems) == 1 and "design does not fit the data" in result.problems["problem"][0]
        assert "lonely_psu: adjust" in result.problems["problem"][0]  # the fix, in the questionnaire's spelling
        assert len(result.data) == 1
        # the fix works: with the design section's lonely_psu the respondent is read
        from dataclasses import replace

        from trustsurvey.questionnaire.sections import DesignSpec

        fixed = replace(q, design=replace(q.design or DesignSpec(), lonely_psu="adjust"))
        assert validate_file(path, fixed).ok and ts.read_survey(path, fixed).n == 1
        return
    assert result.ok, result.problems.to_string()
    s = ts.read_survey(path, q)
    assert len(s.data) == len(frame)
    imported = {c for v in (*q.questions, *q.demographics)
                for c in ((list(v.mentions) or [o.column(2025) for o in v.options]) if v.type == "multiple"
                          else [v.column(2025)])}
    design = set(q.design.columns) if q.design is not None else set()
    assert imported | design == set(meta.column_names)  # every variable is a question, an option or design


@pytest.mark.parametrize("name", ["basic__sample.sav", "basic__sample.zsav", "basic__sample.por",
                                  "basic__sample.dta"])
def test_dates_and_times_read_as_dates(name):
    path = DATA / name
    q = import_spss(path, wave=2025)
    ids = {v.column(2025).lower(): v for v in q.questions}
    assert (ids["mydate"].type, ids["dtime"].type, ids["mytime"].type) == ("date", "date", "time")
    s = ts.read_survey(path, q)
    frame, _ = _read(path)
    col = {c.lower(): c for c in frame.columns}
    got = s.data[ids["mydate"].id]
    assert pd.api.types.is_datetime64_any_dtype(got)
    assert [None if pd.isna(x) else x.date() for x in got] == \
        [None if pd.isna(x) else x for x in frame[col["mydate"]]]
    times = s.data[ids["mytime"].id]
    want = [None if pd.isna(t) else t.hour * 3600 + t.minute * 60 + t.second for t in frame[col["mytime"]]]
    assert [None if pd.isna(x) else x.total_seconds() for x in times] == want
    labl = q.scale(ids["mylabl"].scale)
    assert labl.label_of(1) == "Male" and labl.label_of("2") == "Female"


def test_multiple_response_set_of_dichotomies_is_a_multiple_question():
    path = DATA / "multiple_response__simple_alltypes.sav"
    q = import_spss(path, wave=2025)
    mr = q.question("mymrset")
    assert mr.type == "multiple" and mr.option_ids == ("bool1", "bool2", "bool3")
    assert mr.text["en"] == "My multiple response set"
    s = ts.read_survey(path, q)
    frame, _ = _read(path)
    # SPSS counts the counted value (1); anything else, system-missing beside answered options, is "not chosen"
    assert s.data["bool1"].tolist() == [1, 1, 0, 0, 0, 1]


def test_multiple_response_set_of_categories_reads_its_mentions_as_options():
    path = DATA / "multiple_response__simple_alltypes.sav"
    q = import_spss(path, wave=2025)
    ca = q.question("categorical_array")
    assert ca.type == "multiple" and ca.mentions == ("ca_subvar_1", "ca_subvar_2", "ca_subvar_3")
    assert [o.name for o in ca.options] == ["a", "b", "c", "d"]
    s = ts.read_survey(path, q)
    frame, _ = _read(path)
    mentions = frame[list(ca.mentions)].to_numpy()
    for o in ca.options:  # an option is chosen when any mention names it
        assert s.data[o.id].tolist() == [int(o.name in row) for row in mentions.tolist()]


def test_string_value_labels_give_text_codes_and_unlabeled_missing_codes_are_not_guessed(tmp_path):
    q = import_spss(DATA / "multiple_response__simple_alltypes.sav", wave=2025)
    x = q.scale(q.question("x").scale)
    assert x.valid_codes[:3] == (1, 2, 3) and [(m.code, m.kind) for m in x.missing] == \
        [(7, "unclassified"), (8, "unclassified"), (99, "unclassified")]
    assert any(n.startswith("x: missing code(s) 7, 8, 99 have no label") for n in q.notes)
    assert sum("nobody has classified yet" in p for p in lint(q)) >= 3
    s = ts.read_survey(DATA / "multiple_response__simple_alltypes.sav", q)
    assert s.missing_kinds["x"].tolist()[4] == "unclassified"  # the 8 in row 5
    # a string variable with value labels: a scale of text codes, read as texts
    path = tmp_path / "str.sav"
    pyreadstat.write_sav(pd.DataFrame({"reg": ["UKI", "UKC", "UKI", "XX"]}), str(path),
                         variable_value_labels={"reg": {"UKI": "London", "UKC": "North East", "XX": "Refused"}},
                         missing_ranges={"reg": ["XX"]})
    qs = import_spss(path, wave=2025)
    reg = qs.scale(qs.question("reg").scale)
    assert reg.valid_codes == ("UKC", "UKI") and reg.missing_kind("XX") == "refused"
    data = ts.read_survey(path, qs).data["reg"]
    assert data.tolist()[:3] == ["UKI", "UKC", "UKI"] and pd.isna(data.iloc[3])
    char = import_spss(DATA / "missing_data__missing_char.sav", wave=2025)
    sc = char.scale(char.question("mychar").scale)
    assert sc.valid_codes == ("a",) and sc.missing_kind("Z") == "unclassified"


def test_stata_extended_missing_values_are_missing_codes():
    q = import_stata(DATA / "missing_data__missing_test.dta", wave=2025)
    assert q.question("var1").missing_kind("a") == "unclassified"  # labelled "missing": no kind it names
    assert [m.code for m in q.question("var2").missing] == ["b"]
    result = validate_file(DATA / "missing_data__missing_test.dta", q)
    assert result.missing_kinds.loc[0, "var2"] == "unclassified" and pd.isna(result.data.loc[0, "var2"])


def _ess_like(path: Path, n: int = 40) -> Path:
    rng = np.random.default_rng(5)
    df = pd.DataFrame({
        "idno": np.arange(1, n + 1), "dweight": rng.uniform(0.5, 2, n), "pspwght": rng.uniform(0.5, 2, n),
        "anweight": rng.uniform(0.5, 2, n), "stratum": np.repeat([1, 2], n // 2), "psu": np.arange(n) // 4,
        "trstplc": rng.integers(0, 11, n), "trstprl": rng.integers(0, 11, n), "trstlgl": rng.integers(0, 11, n),
        "gndr": rng.integers(1, 3, n), "agea": rng.integers(18, 90, n), "polintr": rng.integers(1, 5, n),
    })
    labels = {0: "No trust at all", 10: "Complete trust", 77: "Refusal", 88: "Don't know"}
    pyreadstat.write_sav(df, str(path), column_labels={
        "trstplc": "Trust in the police", "trstprl": "Trust in country's parliament",
        "trstlgl": "Trust in the legal system", "gndr": "Gender", "agea": "Age of respondent, calculated",
        "anweight": "Analysis weight", "dweight": "Design weight", "pspwght": "Post-stratification weight"},
        variable_value_labels={"trstplc": labels, "trstprl": labels, "trstlgl": labels, "gndr": {1: "Male", 2: "Female"}},
        missing_ranges={"trstplc": [77, 88], "trstprl": [77, 88], "trstlgl": [77, 88]},
        variable_measure={"trstplc": "ordinal", "trstprl": "ordinal", "trstlgl": "ordinal", "gndr": "nominal"})
    return path


def test_select_keeps_a_short_usable_questionnaire_with_design_and_demographics(tmp_path):
    path = _ess_like(tmp_path / "ess.sav")
    q = import_spss(path, wave=2024, select="trst*,gndr,agea")
    assert q.question_ids == ("trstplc", "trstprl", "trstlgl")
    assert [d.id for d in q.demographics] == ["gndr", "agea"]
    d = q.design
    assert (d.respondent_id, d.weight, d.strata, d.psu) == ("idno", "anweight", "stratum", "psu")
    assert set(q.unanalysed) == {"dweight", "pspwght", "polintr"}
    trust = q.scale(q.question("trstplc").scale)
    assert trust.valid_codes == tuple(range(11)) and trust.missing_kind(88) == "dont_know"
    assert trust.missing_kind(77) == "refused"
    s = ts.read_survey(path, q)  # the columns not selected are set aside, not unknown
    assert s.data.shape[0] == 40 and "polintr" not in s.data.columns
    with pytest.raises(QuestionnaireError, match=r"--select 'trust\*' matches no variable"):
        import_spss(path, select="trust*")


def test_cli_import_spss_with_select(tmp_path, capsys):
    path = _ess_like(tmp_path / "ess.sav")
    out = tmp_path / "ess.yaml"
    assert main(["questionnaire", "import-spss", str(path), "-o", str(out), "--select", "trstplc", "--wave", "2024"]) == 0
    assert "1 questions, 0 demographics" in capsys.readouterr().out
    assert main(["validate", str(out), str(path)]) == 0


@pytest.mark.parametrize("suffix", [".sav", ".dta"])
def test_weighted_spss_input_round_trips_with_its_labels(tmp_path, suffix):
    src = ts.datasets.example_path(2025, "sav")
    out = tmp_path / f"weighted{suffix}"
    assert main(["weight", str(bundled().source), str(src), "-o", str(out)]) == 0
    before, bmeta = pyreadstat.read_sav(str(src), user_missing=True)
    reader = pyreadstat.read_dta if suffix == ".dta" else pyreadstat.read_sav
    after, ameta = reader(str(out), **({} if suffix == ".dta" else {"user_missing": True}))
    assert list(after.columns) == list(before.columns) + ["weight"]
    for c in before.columns:
        assert ameta.column_names_to_labels[c] == bmeta.column_names_to_labels[c]
        if c in bmeta.variable_value_labels:
            assert {float(k): v for k, v in ameta.variable_value_labels[c].items()} == \
                {float(k): v for k, v in bmeta.variable_value_labels[c].items()}
    if suffix == ".sav":
        assert ameta.missing_ranges == bmeta.missing_ranges
    pd.testing.assert_frame_equal(after[before.columns], before, check_dtype=False)
    weights = ts.read_survey(src, bundled()).weight().weights
    np.testing.assert_allclose(after["weight"], weights, rtol=1e-12)
    assert ameta.column_names_to_labels["weight"].startswith("Weight (rake")


def test_weighted_csv_input_gets_the_questionnaire_labels(tmp_path):
    q = bundled()
    out = tmp_path / "weighted.sav"
    weight_file(q, ts.datasets.example_path(2025), out)
    after, meta = pyreadstat.read_sav(str(out), user_missing=True)
    lang = q.languages[0]
    assert meta.column_names_to_labels["trust_kp"] == q.label("trust_kp", lang)
    assert meta.variable_value_labels["trust_kp"] == {float(c): q.value_label("trust_kp", c, lang)
                                                      for c in q.scale("trust5").all_codes}
    assert {r["lo"] for r in meta.missing_ranges["trust_kp"]} == set(map(float, q.scale("trust5").missing_codes))
    assert ts.read_survey(out, q, extra="ignore") is not None  # the weighted file reads back
