"""Every validation rule of trustsurvey.io with a bad-input case, plus the clean-data bookkeeping."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import trustsurvey as ts
from trustsurvey.errors import DataValidationError
from trustsurvey.io import read_survey, resolve_wave, validate_responses
from trustsurvey.questionnaire.model import Questionnaire

MINI = Path(__file__).parent / "data" / "io_mini_questionnaire.yaml"


@pytest.fixture(scope="module")
def q() -> Questionnaire:
    return Questionnaire.from_yaml(MINI)


def valid_frame(n: int = 40, seed: int = 1) -> pd.DataFrame:
    """A valid response frame for the mini questionnaire (routing and exclusivity respected)."""
    rng = np.random.default_rng(seed)
    stratum = np.where(np.arange(n) % 2 == 0, 11, 12)
    contact = rng.choice([1, 2, 98], n)
    theft = rng.integers(0, 2, n)
    drugs = rng.integers(0, 2, n)
    return pd.DataFrame(
        {
            "respondent_id": 250001 + np.arange(n),
            "design_weight": rng.uniform(0.5, 3.0, n).round(3),
            "stratum": stratum,
            "psu": stratum * 100 + (np.arange(n) // 2) % 4,
            "trust_kp": rng.choice([1, 2, 3, 4, 5, 98, 99], n),
            "trust_station": rng.choice([1, 2, 3, 4, 5, 98], n),
            "contact_12m": contact,
            "contact_satisfaction": np.where(contact == 1, rng.choice([1, 2, 3, 4, 5, 99], n), np.nan),
            "concern_theft": theft,
            "concern_drugs": drugs,
            "concern_none": ((theft == 0) & (drugs == 0)).astype(int),
            "comment_open": pd.array(rng.choice(["", "më shumë patrulla", "007"], n), dtype="str"),
            "region": rng.choice([1, 2], n),
            "gender": rng.choice([1, 2], n),
            "age": rng.integers(18, 96, n),
        }
    )


def problems_of(frame: pd.DataFrame, q, **kwargs) -> pd.DataFrame:
    return validate_responses(frame, q, **kwargs)[2]


def only_problem(frame, q, **kwargs) -> pd.Series:
    problems = problems_of(frame, q, **kwargs)
    assert len(problems) == 1, problems.to_string()
    return problems.iloc[0]


def with_value(frame: pd.DataFrame, row: int, column: str, value) -> pd.DataFrame:
    out = frame.copy()
    if isinstance(value, str) or out[column].dtype.kind in "iub" and not isinstance(value, (int, np.integer)):
        out[column] = out[column].astype(object)
    out.loc[row, column] = value
    return out


# ------------------------------------------------------------------ the happy path


def test_valid_frame_has_no_problems_and_clean_types(q):
    frame = valid_frame()
    before = frame.copy()
    clean, kinds, problems = validate_responses(frame, q)
    assert problems.empty
    assert list(problems.columns) == ["row", "respondent_id", "column", "value", "problem"]
    pd.testing.assert_frame_equal(frame, before)  # the input is not modified
    assert clean["trust_kp"].dtype == "Int64"
    assert clean["concern_none"].dtype == "Int64"
    assert clean["age"].dtype == np.float64
    assert clean["design_weight"].dtype == np.float64
    assert pd.api.types.is_string_dtype(clean["comment_open"])
    assert clean["comment_open"].isna().sum() == (frame["comment_open"] == "").sum()
    assert "007" in set(clean["comment_open"].dropna())
    assert list(clean.columns[-2:]) == ["age_group", "trust_index"]


def test_missing_codes_become_na_with_their_kind(q):
    frame = valid_frame()
    frame.loc[0, "trust_kp"] = 98
    frame.loc[1, "trust_kp"] = 99
    frame.loc[2, "trust_kp"] = 4
    frame.loc[3, ["contact_12m", "contact_satisfaction"]] = [2, np.nan]
    clean, kinds, problems = validate_responses(frame, q)
    assert problems.empty
    assert pd.isna(clean.loc[0, "trust_kp"]) and kinds.loc[0, "trust_kp"] == "dont_know"
    assert pd.isna(clean.loc[1, "trust_kp"]) and kinds.loc[1, "trust_kp"] == "refused"
    assert clean.loc[2, "trust_kp"] == 4 and pd.isna(kinds.loc[2, "trust_kp"])
    assert kinds.loc[3, "contact_satisfaction"] == "not_asked"
    assert list(kinds["trust_kp"].cat.categories) == ["dont_know", "refused", "not_applicable", "not_asked"]
    # every NA in a coded item has a kind, every answer has none
    for item in ("trust_kp", "trust_station", "contact_12m", "contact_satisfaction"):
        assert (clean[item].isna().to_numpy() == kinds[item].notna().to_numpy()).all()
    # don't-know counts survive: the share can still be reported
    assert (kinds["trust_kp"] == "dont_know").sum() == (frame["trust_kp"] == 98).sum()


def test_derived_variables_and_indices_are_built(q):
    frame = valid_frame()
    frame.loc[0, ["age", "trust_kp", "trust_station"]] = [34, 5, 4]
    frame.loc[1, ["age", "trust_kp", "trust_station"]] = [35, 98, 4]
    clean = validate_responses(frame, q)[0]
    assert clean.loc[0, "age_group"] == 1 and clean.loc[1, "age_group"] == 2
    assert clean.loc[0, "trust_index"] == pytest.approx(87.5)  # mean of (4/4, 3/4) * 100
    assert np.isnan(clean.loc[1, "trust_index"])  # min_valid 2, one item missing


def test_read_survey_from_a_frame_returns_a_survey(q):
    frame = valid_frame()
    s = read_survey(frame, q)
    assert isinstance(s, ts.Survey)
    assert s.questionnaire is q
    np.testing.assert_allclose(s.weights.to_numpy(), frame["design_weight"].to_numpy())
    assert s.missing_kinds is not None and "trust_kp" in s.missing_kinds.columns
    assert s.data["trust_kp"].isna().sum() == frame["trust_kp"].isin([98, 99]).sum()


def test_read_survey_raises_with_the_problem_table(q):
    frame = with_value(valid_frame(), 4, "trust_kp", 7)
    with pytest.raises(DataValidationError) as info:
        read_survey(frame, q)
    problems = info.value.problems
    assert problems[["row", "column", "value"]].values.tolist() == [[5, "trust_kp", "7"]]
    assert "trust_kp (1)" in str(info.value)


# ------------------------------------------------------------------ values


def test_code_outside_the_scale(q):
    p = only_problem(with_value(valid_frame(), 4, "trust_kp", 7), q)
    assert (p.row, p.respondent_id, p.column, p.value) == (5, "250005", "trust_kp", "7")
    assert "trust5" in p.problem and "1-5" in p.problem and "98 (dont_know)" in p.problem


def test_fractional_code_is_outside_the_scale(q):
    p = only_problem(with_value(valid_frame(), 0, "trust_station", 2.5), q)
    assert (p.row, p.column, p.value) == (1, "trust_station", "2.5")


def test_value_matching_no_code_name_or_label_is_named_with_row_and_column(q):
    p = only_problem(with_value(valid_frame(), 9, "trust_kp", "four"), q)
    assert (p.row, p.column, p.value) == (10, "trust_kp", "four")
    assert "matches no code, choice name or label of trust_kp (scale 'trust5')" in p.problem


@pytest.mark.parametrize("cell", ["5", 5.0, " 5 ", "5.0", "label:en", "LABEL:en", "label:sq", "label:sr"])
def test_a_code_reads_in_any_of_its_forms(q, cell):
    if str(cell).lower().startswith("label:"):  # the code's label in a language, in any case
        text = q.scale("trust5").label_of(5, cell.split(":")[1])
        cell = text.upper() if cell.startswith("LABEL") else text
    frame = with_value(valid_frame(), 0, "trust_kp", cell)
    clean, kinds, problems = validate_responses(frame, q)
    assert problems.empty, problems.to_string()
    assert clean.loc[0, "trust_kp"] == 5


def test_a_missing_code_label_is_a_missing_answer(q):
    label = q.scale("trust5").label_of(98)
    clean, kinds, problems = validate_responses(with_value(valid_frame(), 0, "trust_kp", label), q)
    assert problems.empty and clean["trust_kp"].isna()[0] and kinds.loc[0, "trust_kp"] == "dont_know"


def test_whitespace_is_blank_not_text(q):
    frame = with_value(valid_frame(), 2, "trust_kp", "  ")
    p = only_problem(frame, q)
    assert (p.row, p.column) == (3, "trust_kp") and "blank although" in p.problem


def test_demographic_code_outside_its_scale(q):
    p = only_problem(with_value(valid_frame(), 6, "region", 9), q)
    assert (p.row, p.column, p.value) == (7, "region", "9")
    assert "demographic region" in p.problem and "1-2" not in p.problem and "1, 2" in p.problem


def test_numeric_out_of_range(q):
    frame = with_value(valid_frame(), 0, "age", 12)
    frame.loc[1, "age"] = 130
    problems = problems_of(frame, q)
    assert problems[["row", "column", "value"]].values.tolist() == [[1, "age", "12"], [2, "age", "130"]]
    assert "below" in problems.problem[0] and "18..95" in problems.problem[0]
    assert "above" in problems.problem[1]


def test_non_numeric_numeric_answer(q):
    p = only_problem(with_value(valid_frame(), 3, "age", "forty"), q)
    assert (p.row, p.column, p.value) == (4, "age", "forty") and "not a number" in p.problem


def test_option_column_must_be_zero_or_one(q):
    frame = valid_frame()
    frame.loc[0, ["concern_theft", "concern_none"]] = [2, 0]
    p = only_problem(frame, q)
    assert (p.row, p.column, p.value) == (1, "concern_theft", "2")


def test_exclusive_option_with_another_option(q):
    frame = valid_frame()
    frame.loc[2, ["concern_theft", "concern_drugs", "concern_none"]] = [1, 1, 1]
    p = only_problem(frame, q)
    assert (p.row, p.column, p.value) == (3, "concern_none", "1")
    assert "concern_theft, concern_drugs" in p.problem


# ------------------------------------------------------------------ routing


def test_answered_although_not_asked(q):
    frame = valid_frame()
    frame.loc[0, ["contact_12m", "contact_satisfaction"]] = [2, 4]
    p = only_problem(frame, q)
    assert (p.row, p.column, p.value) == (1, "contact_satisfaction", "4")
    assert "contact_12m == 1" in p.problem and "blank" in p.problem


def test_dont_know_filter_answer_skips_the_follow_up(q):
    frame = valid_frame()
    frame.loc[0, ["contact_12m", "contact_satisfaction"]] = [98, 99]
    p = only_problem(frame, q)
    assert (p.row, p.column, p.value) == (1, "contact_satisfaction", "99")


def test_blank_although_asked(q):
    frame = valid_frame()
    frame.loc[5, ["contact_12m", "contact_satisfaction"]] = [1, np.nan]
    p = only_problem(frame, q)
    assert (p.row, p.column, p.value) == (6, "contact_satisfaction", "")
    assert "was asked (asked_if: contact_12m == 1)" in p.problem and "98 (dont_know)" in p.problem


def test_blank_in_a_question_asked_of_everyone(q):
    p = only_problem(with_value(valid_frame(), 7, "trust_station", np.nan), q)
    assert (p.row, p.column) == (8, "trust_station") and "asked of everyone" in p.problem


def test_blank_open_text_is_fine(q):
    frame = with_value(valid_frame(), 0, "comment_open", None)
    assert problems_of(frame, q).empty


# ------------------------------------------------------------------ design


def test_duplicate_respondent_id(q):
    frame = valid_frame()
    frame.loc[9, "respondent_id"] = frame.loc[2, "respondent_id"]
    p = only_problem(frame, q)
    assert (p.row, p.respondent_id, p.column, p.value) == (10, "250003", "respondent_id", "250003")
    assert "first seen in row 3" in p.problem


def test_blank_respondent_id(q):
    frame = with_value(valid_frame(), 3, "respondent_id", np.nan)
    p = only_problem(frame, q)
    assert (p.row, p.column) == (4, "respondent_id") and pd.isna(p.respondent_id)


@pytest.mark.parametrize(
    "value, text",
    [(-1.5, "negative"), (0, "zero"), (np.inf, "not finite"), (np.nan, "blank"), ("heavy", "not a number")],
)
def test_bad_design_weight(q, value, text):
    p = only_problem(with_value(valid_frame(), 11, "design_weight", value), q)
    assert (p.row, p.column) == (12, "design_weight") and text in p.problem


def test_psu_in_two_strata(q):
    frame = valid_frame()
    psu_of_row0 = frame.loc[0, "psu"]  # a stratum-11 PSU
    frame.loc[1, "psu"] = psu_of_row0  # row 2 is in stratum 12
    p = only_problem(frame, q)
    assert (p.row, p.column, p.value) == (2, "psu", str(psu_of_row0))
    assert "stratum 12 here but in stratum 11 in row 1" in p.problem


def test_nested_psus_may_repeat_across_strata(q):
    nested = q.with_changes(design=dataclasses.replace(q.design, nest=True))
    frame = valid_frame()
    frame["psu"] = (np.arange(len(frame)) // 2) % 4  # ids only unique within strata
    assert problems_of(frame, nested).empty
    assert len(problems_of(frame, q)) > 0


def test_blank_stratum_and_psu(q):
    frame = with_value(valid_frame(), 0, "stratum", np.nan)
    frame = with_value(frame, 1, "psu", np.nan)
    problems = problems_of(frame, q)
    assert problems[["row", "column"]].values.tolist() == [[1, "stratum"], [2, "psu"]]


# ------------------------------------------------------------------ columns and waves


def test_missing_required_column(q):
    p = only_problem(valid_frame().drop(columns="trust_station"), q)
    assert pd.isna(p.row) and p.column == "trust_station" and "required column missing" in p.problem


def test_unknown_column_is_an_error_unless_ignored_or_kept(q):
    frame = valid_frame().assign(interviewer=7)
    p = only_problem(frame, q)
    assert pd.isna(p.row) and p.column == "interviewer" and "unknown column" in p.problem
    clean, _, problems = validate_responses(frame, q, extra="ignore")
    assert problems.empty and "interviewer" not in clean.columns
    clean, _, problems = validate_responses(frame, q, extra="keep")
    assert problems.empty and (clean["interviewer"] == 7).all()


def test_wave_with_renamed_column_is_inferred(q):
    frame = valid_frame().rename(columns={"trust_station": "trust_local_station"})
    assert resolve_wave(q, list(frame.columns)) == 2024
    clean, _, problems = validate_responses(frame, q)
    assert problems.empty and "trust_station" in clean.columns
    assert "trust_local_station" not in clean.columns
    assert resolve_wave(q, list(valid_frame().columns)) == 2025


def test_problems_name_the_source_column_of_the_wave(q):
    frame = valid_frame().rename(columns={"trust_station": "trust_local_station"})
    frame.loc[0, "trust_local_station"] = 6
    p = only_problem(frame, q)
    assert p.column == "trust_local_station"


def test_explicit_wave_wins(q):
    frame = valid_frame().rename(columns={"trust_station": "trust_local_station"})
    problems = problems_of(frame, q, wave=2025)
    assert set(problems.column) == {"trust_station", "trust_local_station"}


# ------------------------------------------------------------------ one pass


def test_every_problem_in_one_pass(q):
    frame = valid_frame()
    frame = with_value(frame, 0, "trust_kp", 6)
    frame.loc[3, "respondent_id"] = frame.loc[1, "respondent_id"]
    frame.loc[5, "design_weight"] = -2.0
    frame = with_value(frame, 7, "gender", "x")
    frame = frame.drop(columns="comment_open").assign(extra_col=1)
    problems = problems_of(frame, q)
    got = set(map(tuple, problems[["row", "column"]].astype(object).fillna(-1).values.tolist()))
    assert got == {(1, "trust_kp"), (4, "respondent_id"), (6, "design_weight"), (8, "gender"),
                   (-1, "comment_open"), (-1, "extra_col")}
    # column-level problems come first, then by row
    assert problems["row"].isna().tolist()[:2] == [True, True]


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    seed=st.integers(0, 10_000),
    row=st.integers(0, 29),
    column=st.sampled_from(["trust_kp", "trust_station", "contact_12m", "region", "gender"]),
    code=st.integers(-5, 200).filter(lambda c: c not in (1, 2, 3, 4, 5, 98, 99)),
)
def test_property_one_bad_code_gives_exactly_one_problem(q, seed, row, column, code):
    frame = valid_frame(30, seed)
    assert problems_of(frame, q).empty
    if column == "contact_12m":
        frame.loc[row, "contact_satisfaction"] = np.nan  # keep routing consistent
    frame.loc[row, column] = code
    p = only_problem(frame, q)
    assert (p.row, p.column, p.value) == (row + 1, column, str(code))


def test_large_file_finds_its_one_problem(q):
    frame = pd.concat([valid_frame(1000, s) for s in range(200)], ignore_index=True)  # 200,000 rows
    frame["respondent_id"] = np.arange(len(frame))
    frame.loc[123_456, "trust_kp"] = 42
    problems = problems_of(frame, q)
    assert problems[["row", "column"]].values.tolist() == [[123_457, "trust_kp"]]


def test_design_that_does_not_fit_is_a_problem(q, tmp_path):
    frame = valid_frame()
    frame.loc[frame["stratum"] == 12, "psu"] = 1200  # stratum 12 now has a single PSU
    assert problems_of(frame, q).empty  # the column checks pass ...
    from trustsurvey.io import validate_file

    result = validate_file(frame, q)  # ... but the declared design cannot be built
    p = result.problems.iloc[0]
    assert len(result.problems) == 1 and p.column == "stratum" and "only one PSU" in p.problem
    with pytest.raises(DataValidationError, match="design does not fit"):
        read_survey(frame, q)


def test_no_data_rows(q):
    p = only_problem(valid_frame().iloc[:0], q)
    assert pd.isna(p.row) and p.column == "respondent_id" and "no rows" in p.problem


def test_derived_column_in_the_file_is_recomputed(q):
    frame = valid_frame().assign(age_group=9)  # a stale or wrong derived column
    clean, _, problems = validate_responses(frame, q)
    assert problems.empty
    expected = np.where(frame["age"] >= 35, 2, 1)
    assert (clean["age_group"].to_numpy() == expected).all()
