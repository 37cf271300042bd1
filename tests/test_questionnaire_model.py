"""The questionnaire model and the bundled Kosovo Police questionnaire."""

from __future__ import annotations

import copy
import dataclasses
import pickle
import unicodedata
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from trustsurvey.errors import QuestionnaireError
from trustsurvey.questionnaire import (
    Derived,
    Index,
    Option,
    Question,
    Questionnaire,
    Scale,
    bundled,
    lint,
    lint_file,
)

ROOT = Path(__file__).resolve().parents[1]
KP_YAML = ROOT / "questionnaires" / "kosovo_police_trust.yaml"
KP_DATA = ROOT / "src" / "trustsurvey" / "data" / "kosovo_police_trust.yaml"


@pytest.fixture(scope="module")
def kp() -> Questionnaire:
    return Questionnaire.from_yaml(KP_YAML)


# ------------------------------------------------------------------ the Kosovo questionnaire


def test_kosovo_yaml_loads_and_lints_clean(kp):
    assert lint(kp) == []
    assert lint_file(KP_YAML) == []
    assert kp.survey_id == "kp_trust" and kp.wave == 2025
    assert kp.languages == ("sq", "sr", "en")


def test_package_copy_is_identical():
    assert KP_DATA.read_bytes() == KP_YAML.read_bytes()
    assert bundled() == Questionnaire.from_yaml(KP_YAML)


def test_items_follow_the_data_dictionary(kp):
    expected_single = [
        "trust_kp", "trust_station", "satisfaction_neighbourhood", "safe_night", "police_visibility",
        "pf_respect", "pf_fair", "pf_explain", "pf_equal", "eff_response", "eff_crime", "eff_dv",
        "int_bribes", "int_political", "contact_12m", "contact_satisfaction", "report_crime", "cooperate",
        "lpsc_aware", "lpsc_participate", "mcsc_aware", "app_aware", "app_used",
    ]
    options = [
        "concern_theft", "concern_drugs", "concern_traffic", "concern_domestic_violence", "concern_corruption",
        "concern_youth_violence", "concern_ethnic_tension", "concern_none",
    ]
    assert kp.items == tuple(expected_single + options)
    assert kp.text_ids == ("comment_open",)
    scales = {
        "trust_kp": "trust5", "trust_station": "trust5", "satisfaction_neighbourhood": "satisf5",
        "safe_night": "safe4", "police_visibility": "freq5", "pf_respect": "agree5", "eff_dv": "agree5",
        "int_bribes": "agree5", "contact_12m": "yesno", "contact_satisfaction": "satisf5",
        "report_crime": "likely4", "cooperate": "likely4", "lpsc_participate": "yesno", "app_used": "yesno",
    }
    for item, scale in scales.items():
        assert kp.question(item).scale == scale
    assert [q.id for q in kp.questions if q.reverse] == ["int_bribes", "int_political"]
    assert {k: str(v) for k, v in kp.routing.items()} == {
        "contact_satisfaction": "contact_12m == 1",
        "lpsc_participate": "lpsc_aware == 1",
        "app_used": "app_aware == 1",
    }
    concerns = kp.question("concerns")
    assert [o.id for o in concerns.options if o.exclusive] == ["concern_none"]


def test_scales_follow_the_data_dictionary(kp):
    for sid, n in [("trust5", 5), ("agree5", 5), ("satisf5", 5), ("freq5", 5), ("safe4", 4), ("likely4", 4)]:
        s = kp.scale(sid)
        assert s.valid_codes == tuple(range(1, n + 1))
        assert s.missing_codes == (98, 99)
        assert (s.missing_kind(98), s.missing_kind(99)) == ("dont_know", "refused")
        assert s.favourable == "high"
        assert s.nets["bottom2"] == (1, 2)
        assert s.nets["top2"] == ((n - 1, n) if n == 5 else (3, 4))
    assert kp.scale("trust5").neutral == 3
    yn = kp.scale("yesno")
    assert yn.valid_codes == (1, 2) and yn.score(1) == 1 and yn.score(2) == 0 and yn.nets["yes"] == (1,)
    assert kp.scale("region").valid_codes == tuple(range(1, 9))
    assert kp.scale("ethnicity").valid_codes == tuple(range(1, 8))
    assert kp.scale("ethnicity").missing_kind(99) == "refused"
    assert kp.scale("education").valid_codes == (1, 2, 3)
    assert kp.scale("employment").valid_codes == (1, 2, 3, 4, 5)
    assert kp.scale("interview_language").valid_codes == (1, 2, 3, 4)
    muni = kp.scale("municipality").valid_codes
    assert len(muni) == 38 and {c // 100 for c in muni} == set(range(1, 9))
    assert [c for c in muni if c // 100 == 6] == [601, 602, 603, 604]
    assert kp.scale_for("region").label_of(6, "sr") == "Severna Mitrovica"
    assert kp.value_label("region", 4, "sq") == "Gjakovë"


def test_demographics_design_and_derived(kp):
    assert [q.id for q in kp.demographics] == [
        "region", "municipality", "settlement", "gender", "age", "ethnicity", "education", "employment",
        "interview_language",
    ]
    assert kp.question("age").type == "numeric" and (kp.question("age").min, kp.question("age").max) == (18, 95)
    assert "age_group" in kp.demographic_ids
    d = kp.design
    assert (d.respondent_id, d.weight, d.strata, d.psu, d.fpc, d.nest) == (
        "respondent_id", "design_weight", "stratum", "psu", None, False)
    ages = pd.DataFrame({"age": [18, 24, 25, 34, 35, 44, 45, 54, 55, 64, 65, 95]})
    assert kp.variable("age_group").compute(ages).tolist() == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6]


def test_weighting_margins(kp):
    w = kp.weighting
    assert w.method == "rake"
    assert list(w.variables) == ["region", "settlement", "gender", "age_group"]
    margins = w.margins()
    for name, targets in margins.items():
        scale = kp.scale_for(name)
        assert sorted(targets) == sorted(scale.valid_codes)
        assert sum(targets.values()) == pytest.approx(w.total.value, rel=1e-12)
    for v in w.variables.values():
        assert v.source.strip() and v.estimate is True
    assert w.total.estimate is True and "2024" in w.total.source
    # Mitrovica North is the smallest region; Prishtina the largest
    region = margins["region"]
    assert min(region, key=region.get) == 6 and max(region, key=region.get) == 1


def test_indices_and_targets(kp):
    assert kp.index_ids == ("trust_index", "pf_index", "effectiveness_index", "integrity_index")
    assert kp.index("pf_index").min_valid == 3 and kp.index("pf_index").rescale == (0, 100)
    targets = {(t.item, t.metric, t.by): t for t in kp.targets}
    assert targets[("trust_kp", "top2", None)].goal == 0.70
    assert targets[("int_bribes", "top2", None)].direction == "lower"
    assert {r.rule for r in kp.recommendations} == {
        "below_target", "decline", "group_gap", "low_awareness", "integrity_concern", "high_dont_know",
        "local_gap"}
    for r in kp.recommendations:
        for labels in (r.text, r.responsible, r.indicator, r.deadline, *r.supporting):
            assert set(labels) == {"sq", "sr", "en"}


def test_translations_use_the_proper_letters(kp):
    assert "ë" in kp.label("trust_kp", "sq")
    assert "ć" in kp.scale("region").label_of(3, "sr")  # Peć
    assert "Đ" in kp.scale("region").label_of(4, "sr")  # Đakovica
    texts = [s for q in kp.questions for s in q.text.values()]
    assert all(unicodedata.is_normalized("NFC", t) for t in texts)
    # a translation is not an English copy
    for q in kp.questions:
        assert q.text["sq"] != q.text["en"] and q.text["sr"] != q.text["en"]


# ------------------------------------------------------------------ lookups


def test_lookups(kp):
    assert isinstance(kp.variable("concern_theft"), Option)
    assert isinstance(kp.variable("age_group"), Derived)
    assert isinstance(kp.variable("trust_index"), Index)
    assert isinstance(kp.variable("region"), Question)
    assert kp.scale_for("concern_theft").valid_codes == (0, 1)
    assert kp.missing_codes("trust_kp") == {98: "dont_know", 99: "refused"}
    assert kp.label("trust_kp") == "Trust in the Kosovo Police"
    assert kp.label("trust_kp", "sr") == "Poverenje u Policiju Kosova"
    assert kp.label("trust_kp", "de") == "Trust in the Kosovo Police"
    with pytest.raises(QuestionnaireError, match="'trust_kpx' is not in questionnaire"):
        kp.question("trust_kpx")
    with pytest.raises(QuestionnaireError, match="scale 'agree7'"):
        kp.scale("agree7")


def test_column_map_harmonises_waves(kp):
    m2024 = kp.column_map(2024)
    assert m2024["trust_local_station"] == "trust_station" and "trust_station" not in m2024
    m2025 = kp.column_map()
    assert m2025["trust_station"] == "trust_station"
    assert m2025["concern_none"] == "concern_none" and "concerns" not in m2025
    assert "age_group" not in m2025 and "comment_open" in m2025
    assert set(kp.data_columns()) >= {"respondent_id", "design_weight", "stratum", "psu", "region"}


# ------------------------------------------------------------------ immutability, round trips


def test_frozen_and_with_changes(kp):
    with pytest.raises(dataclasses.FrozenInstanceError):
        kp.wave = 2026
    with pytest.raises(TypeError):
        kp.question("trust_kp").text["en"] = "x"
    q2 = kp.with_changes(wave=2026)
    assert q2.wave == 2026 and kp.wave == 2025 and q2 != kp
    assert q2.index("trust_index").compute(pd.DataFrame({
        "trust_kp": [5], "trust_station": [5], "satisfaction_neighbourhood": [5]})).tolist() == [100.0]
    with pytest.raises(QuestionnaireError, match="unknown questionnaire field"):
        kp.with_changes(colour="red")
    assert hash(kp) == hash(Questionnaire.from_yaml(KP_YAML))
    assert pickle.loads(pickle.dumps(kp)) == kp


def test_round_trip_yaml(kp, tmp_path):
    out = kp.to_yaml(tmp_path / "q.yaml")
    again = Questionnaire.from_yaml(out)
    assert again == kp
    assert again.to_dict() == kp.to_dict()
    assert Questionnaire.from_dict(kp.to_dict()) == kp
    with pytest.raises(QuestionnaireError, match="exists"):
        kp.to_yaml(out, overwrite=False)


def test_the_design_section_takes_lonely_psu(kp, tmp_path):
    from trustsurvey.design import LONELY_PSU_OPTIONS
    from trustsurvey.questionnaire.sections import LONELY_PSU_RULES

    assert LONELY_PSU_RULES == LONELY_PSU_OPTIONS  # the questionnaire offers what the design layer knows
    assert kp.design.lonely_psu == "fail" and "lonely_psu" not in kp.to_dict()["design"]
    d = kp.to_dict()
    d["design"]["lonely_psu"] = "adjust"
    q = Questionnaire.from_dict(d)
    assert q.design.lonely_psu == "adjust" and q.design.survey_kwargs()["lonely_psu"] == "adjust"
    again = Questionnaire.from_yaml(q.to_yaml(tmp_path / "q.yaml"))
    assert again == q and again.design.lonely_psu == "adjust"


def test_round_trip_preserves_every_section(kp, tmp_path):
    raw = yaml.safe_load(KP_YAML.read_text(encoding="utf-8"))
    d = kp.to_dict()
    assert d["weighting"]["variables"]["region"]["targets"] == raw["weighting"]["variables"]["region"]["targets"]
    assert [r["id"] for r in d["recommendations"]] == [r["id"] for r in raw["recommendations"]]
    assert d["derived"][0]["bands"] == raw["derived"][0]["bands"]


def test_strings_are_nfc_normalised(kp):
    d = kp.to_dict()
    decomposed = unicodedata.normalize("NFD", "Sa i besoni Policisë së Kosovës?")
    assert decomposed != "Sa i besoni Policisë së Kosovës?"
    d["questions"][0]["text"]["sq"] = decomposed
    q = Questionnaire.from_dict(d)
    assert q.question("trust_kp").text["sq"] == "Sa i besoni Policisë së Kosovës?"
    assert q == kp


# ------------------------------------------------------------------ YAML errors


def test_yaml_syntax_error_names_file_and_line(tmp_path):
    p = tmp_path / "bad.yaml"
    p.write_text("survey_id: x\nwave: 2025\nscales: {a: [1, 2}\n", encoding="utf-8")
    with pytest.raises(QuestionnaireError, match=r"bad\.yaml:3:\d+: YAML syntax error"):
        Questionnaire.from_yaml(p)


def test_yaml_duplicate_key_is_an_error(tmp_path):
    p = tmp_path / "dup.yaml"
    p.write_text("survey_id: x\nwave: 2025\nwave: 2026\n", encoding="utf-8")
    with pytest.raises(QuestionnaireError, match=r"dup\.yaml:3:1: .*duplicate key 'wave' \(first given on line 2\)"):
        Questionnaire.from_yaml(p)


def test_missing_file_and_schema_problems(tmp_path):
    with pytest.raises(QuestionnaireError, match="no such questionnaire file"):
        Questionnaire.from_yaml(tmp_path / "nope.yaml")
    p = tmp_path / "q.yaml"
    p.write_text("survey_id: x\nwave: 2025\nversion: '1'\nlanguages: [sq, sr, en]\nscales: {}\nquestions: []\n")
    # loading accepts a table without questions (a form whose questions all sit in repeat groups) ...
    assert Questionnaire.from_yaml(p).questions == ()
    # ... lint does not
    assert lint_file(p) == ["questions: must list at least one question (a form whose questions all sit in "
                            "repeat groups has them in the repeats' own tables) (line 6)"]
    p.write_text("survey_id: x\nwave: 2025\nversion: '1'\nlanguages: [sq, sr, en]\nscales: {}\nquestions: 3\n")
    with pytest.raises(QuestionnaireError) as exc:
        Questionnaire.from_yaml(p)
    assert str(p) in str(exc.value)
    assert exc.value.problems == ["questions: must be a list of questions, found int 3 (line 6)"]


def test_problems_name_their_line_in_the_file(kp, tmp_path):
    text = KP_YAML.read_text(encoding="utf-8")
    lines = text.splitlines()
    station = next(i for i, line in enumerate(lines) if "id: police_visibility" in line)
    scale_line = next(i for i in range(station, station + 5) if lines[i].strip() == "scale: freq5")
    lines[scale_line] = lines[scale_line].replace("freq5", "agree7")
    p = tmp_path / "kp.yaml"
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(QuestionnaireError) as exc:
        Questionnaire.from_yaml(p)
    (problem,) = exc.value.problems
    assert problem.startswith("questions[4].scale: unknown scale 'agree7'")
    assert problem.endswith(f"(line {scale_line + 1})")
    # lint of a loadable file: a missing translation, located at its mapping
    text2 = text.replace("      sr: Koliko verujete Policiji Kosova?\n", "", 1)
    p.write_text(text2, encoding="utf-8")
    (problem,) = lint_file(p)
    line = next(i for i, l in enumerate(text2.splitlines()) if "sq: Sa i besoni Policisë së Kosovës?" in l)
    assert problem == f"questions[0].text: missing 'sr' label (line {line + 1})"


# ------------------------------------------------------------------ scales, derived variables


def test_scale_helpers(kp):
    s = kp.scale("agree5")
    assert s.score(4) == 4 and s.score(98) is None and s.score(7) is None
    assert s.reversed_score(1) == 5 and s.reversed_score(4) == 2
    assert s.is_valid(3) and not s.is_valid(98)
    assert s.missing_kind(3) is None and s.missing_kind(float("nan")) is None
    assert s.label_of(98) == "Don't know" and s.label_of(5, "sq") == "Pajtohem plotësisht"
    with pytest.raises(QuestionnaireError, match="has no code 7"):
        s.label_of(7)
    with pytest.raises(QuestionnaireError, match="has no net 'top3'"):
        s.net("top3")
    with pytest.raises(QuestionnaireError, match="reserved"):
        Scale("x", missing=(__import__("trustsurvey.questionnaire", fromlist=["MissingCode"]).MissingCode(9, "not_asked"),))


def test_derived_recode_and_errors(kp):
    comm = kp.variable("community")
    frame = pd.DataFrame({"ethnicity": pd.array([1, 2, 3, 6, 7, 99, None], dtype="Int64")})
    out = comm.compute(frame)
    assert out.dtype == "Int64" and out.name == "community"
    assert out.tolist()[:5] == [1, 2, 3, 3, 3] and out.isna().tolist()[5:] == [True, True]
    with pytest.raises(QuestionnaireError, match="needs column 'ethnicity'"):
        comm.compute(pd.DataFrame({"x": [1]}))
    with pytest.raises(QuestionnaireError, match="exactly one of"):
        Derived("d", "age", "age_group")


def test_derived_keeps_the_frame_index(kp):
    frame = pd.DataFrame({"age": [30.0, np.nan, 70.0]}, index=[10, 20, 30])
    out = kp.variable("age_group").compute(frame)
    assert out.index.tolist() == [10, 20, 30]
    assert out.tolist()[0] == 2 and out.tolist()[2] == 6 and out.isna().tolist() == [False, True, False]


# ------------------------------------------------------------------ indices


def test_index_reversal_min_valid_and_missing_codes(kp):
    integ = kp.index("integrity_index")
    frame = pd.DataFrame({"int_bribes": [1, 5, 3, 98, 2], "int_political": [1, 5, 4, 2, None]})
    # reversed: strongly disagree (1) -> best (100); min_valid 2: rows with a missing item get NaN
    assert integ.compute(frame).tolist()[:3] == [100.0, 0.0, 37.5]
    assert np.isnan(integ.compute(frame).tolist()[3:]).all()
    pf = kp.index("pf_index")
    frame = pd.DataFrame({"pf_respect": [5, 5, 1], "pf_fair": [4, 5, None], "pf_explain": [3, None, None],
                          "pf_equal": [None, None, 2]})
    res = pf.compute(frame)
    assert res.iloc[0] == pytest.approx(75.0) and np.isnan(res.iloc[1]) and np.isnan(res.iloc[2])


def test_index_without_rescale_and_unbound():
    idx = Index("i", ("a", "b"), min_valid=1)
    with pytest.raises(QuestionnaireError, match="does not know its items' scales"):
        idx.compute(pd.DataFrame({"a": [1], "b": [2]}))
    q = bundled()
    raw = Index("raw", ("trust_kp", "int_bribes"), min_valid=1).bind(q)
    out = raw.compute(pd.DataFrame({"trust_kp": [5, None], "int_bribes": [5, 2]}))
    assert out.tolist() == [3.0, 4.0]  # (5 + (6 - 5)) / 2 and 6 - 2
    with pytest.raises(QuestionnaireError, match="needs item column 'int_bribes'"):
        raw.compute(pd.DataFrame({"trust_kp": [5]}))


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(*[st.sampled_from([1, 2, 3, 4, 5, 98, 99, None])] * 4),
        min_size=1,
        max_size=30,
    )
)
def test_index_equals_a_direct_computation(rows):
    q = bundled()
    items = ["pf_respect", "pf_fair", "pf_explain", "pf_equal"]
    frame = pd.DataFrame(rows, columns=items, dtype="float64")
    got = q.index("pf_index").compute(frame).to_numpy()
    for i, row in enumerate(rows):
        valid = [v for v in row if v is not None and v <= 5]
        if len(valid) < 3:
            assert np.isnan(got[i])
        else:
            assert got[i] == pytest.approx((np.mean(valid) - 1) / 4 * 100)


def test_lint_of_a_copy_with_missing_translation(kp):
    d = copy.deepcopy(kp.to_dict())
    del d["questions"][2]["text"]["sr"]
    q = Questionnaire.from_dict(d)  # loads: translations are a lint matter
    assert lint(q) == ["questions[2].text: missing 'sr' label"]


def test_codebook_and_scale_frames(kp):
    cb = kp.to_frame("sq")
    assert list(cb.columns) == ["id", "section", "type", "scale", "label", "block", "asked_if", "reverse"]
    assert cb["id"].is_unique
    assert set(cb["id"]) == set(kp.items) | set(kp.text_ids) | {"concerns"} | set(kp.demographic_ids) | set(kp.index_ids)
    row = cb.set_index("id").loc["int_bribes"]
    assert (row["section"], row["scale"], row["reverse"]) == ("question", "agree5", True)
    assert cb.set_index("id").loc["trust_kp", "label"] == "Besimi në Policinë e Kosovës"
    f = kp.scale("trust5").to_frame("sr")
    assert f["code"].tolist() == [1, 2, 3, 4, 5, 98, 99]
    assert f["missing_kind"].tolist()[-2:] == ["dont_know", "refused"]
    assert f["net_top2"].tolist() == [False, False, False, True, True, False, False]
    assert f["label"].iloc[0] == "Uopšte nemam poverenja"
