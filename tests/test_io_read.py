"""Reading responses from CSV, Excel, SPSS, Stata, Parquet and DataFrames; inputs are never modified."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pyreadstat
import pytest

import trustsurvey as ts
from trustsurvey.errors import DataValidationError
from trustsurvey.io import read_survey, read_table, validate_file
from trustsurvey.questionnaire.model import Questionnaire

DATA = Path(__file__).parent / "data"
MINI = DATA / "io_mini_questionnaire.yaml"
MINI_CSV = DATA / "io_mini_2025.csv"


@pytest.fixture(scope="module")
def q() -> Questionnaire:
    return Questionnaire.from_yaml(MINI)


@pytest.fixture(scope="module")
def raw() -> pd.DataFrame:
    return pd.read_csv(MINI_CSV, keep_default_na=False, na_values=[""], dtype={"comment_open": "str"})


@pytest.fixture(scope="module")
def reference(q):
    return read_survey(MINI_CSV, q)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def same_clean_data(a: pd.DataFrame, b: pd.DataFrame) -> None:
    assert list(a.columns) == list(b.columns)
    for col in a.columns:
        if pd.api.types.is_string_dtype(a[col]):
            assert a[col].fillna("").tolist() == b[col].fillna("").tolist(), col
        else:
            np.testing.assert_allclose(a[col].to_numpy(dtype=float, na_value=np.nan),
                                       b[col].to_numpy(dtype=float, na_value=np.nan), err_msg=col)


def write_sav(raw: pd.DataFrame, path: Path) -> None:
    codes = ["trust_kp", "trust_station", "contact_12m", "contact_satisfaction"]
    pyreadstat.write_sav(
        raw,
        str(path),
        column_labels={"trust_kp": "How much do you trust the Kosovo Police?"},
        variable_value_labels={c: {1.0: "low", 5.0: "high", 98.0: "don't know", 99.0: "refused"} for c in codes},
        missing_ranges={c: [98, 99] for c in codes},
    )


# ------------------------------------------------------------------ formats


def test_csv_reads_into_a_survey(reference, raw):
    s = reference
    assert isinstance(s, ts.Survey) and len(s.data) == len(raw) == 40
    assert s.data["trust_kp"].isna().sum() == raw["trust_kp"].isin([98, 99]).sum()
    assert (s.missing_kinds["trust_kp"] == "refused").sum() == (raw["trust_kp"] == 99).sum()
    assert "natën" in s.data.loc[3, "comment_open"]


def test_csv_with_byte_order_mark_and_semicolons(q, reference, tmp_path):
    text = MINI_CSV.read_text(encoding="utf-8")
    bom = tmp_path / "bom.csv"
    bom.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    same_clean_data(read_survey(bom, q).data, reference.data)
    semi = tmp_path / "semi.csv"
    pd.read_csv(MINI_CSV, dtype={"comment_open": "str"}).to_csv(semi, sep=";", index=False)
    same_clean_data(read_survey(semi, q).data, reference.data)


@pytest.mark.parametrize("sep", ["|", "\t", ";"])
def test_csv_separator_is_taken_from_the_header_line(q, reference, tmp_path, sep):
    path = tmp_path / "other_separator.csv"
    pd.read_csv(MINI_CSV, dtype=str, keep_default_na=False).to_csv(path, index=False, sep=sep)
    same_clean_data(read_survey(path, q).data, reference.data)


def test_csv_that_does_not_parse_names_the_file_the_separator_and_the_line(tmp_path):
    path = tmp_path / "ragged.csv"
    path.write_text("respondent_id|q1\n1|2\n2|3|4\n", encoding="utf-8")
    with pytest.raises(DataValidationError) as info:
        read_table(path)
    message = str(info.value)
    assert "ragged.csv" in message and "'|'" in message and "line 3 has 3 fields" in message
    assert "tokenizing" not in message


def test_csv_text_column_keeps_leading_zeros(q, tmp_path):
    frame = pd.read_csv(MINI_CSV, dtype={"comment_open": "str"})
    frame["comment_open"] = "007"
    path = tmp_path / "zeros.csv"
    frame.to_csv(path, index=False)
    assert (read_survey(path, q).data["comment_open"] == "007").all()


def test_csv_not_utf8_is_reported(q, tmp_path):
    path = tmp_path / "latin.csv"
    path.write_bytes(MINI_CSV.read_text(encoding="utf-8").encode("cp1252"))
    with pytest.raises(DataValidationError, match="latin.csv: not valid UTF-8"):
        read_survey(path, q)


def test_csv_repeated_header_is_reported(q, tmp_path):
    path = tmp_path / "dup.csv"
    lines = MINI_CSV.read_text(encoding="utf-8").splitlines()
    lines[0] = lines[0].replace("trust_station", "trust_kp")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(DataValidationError, match="repeats column name.*'trust_kp'"):
        read_survey(path, q)


def test_excel(q, raw, reference, tmp_path):
    path = tmp_path / "responses.xlsx"
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        pd.DataFrame({"note": ["cover sheet"]}).to_excel(writer, sheet_name="About", index=False)
        raw.to_excel(writer, sheet_name="Data", index=False)
    same_clean_data(read_survey(path, q, sheet="Data").data, reference.data)
    with pytest.raises(DataValidationError, match="no sheet 'Nope'"):
        read_survey(path, q, sheet="Nope")
    # the first sheet by default: the cover sheet lacks every column
    result = validate_file(path, q)
    assert not result.ok and "required column missing" in result.problems.problem.iloc[0]
    # ... and the one problem points at the sheet that has them, in the Python spelling
    assert len(result.problems) == 1 and "sheet='Data'" in result.problems.problem.iloc[0]


def test_spss_user_missing_codes_are_kept(q, raw, reference, tmp_path):
    path = tmp_path / "responses.sav"
    write_sav(raw, path)
    # as SPSS stores them: 98/99 are user-missing values, which a naive reader turns into NaN
    naive, _ = pyreadstat.read_sav(str(path))
    assert naive["trust_kp"].isna().sum() == raw["trust_kp"].isin([98, 99]).sum()
    s = read_survey(path, q)
    same_clean_data(s.data, reference.data)
    kinds = s.missing_kinds["trust_kp"]
    assert (kinds == "dont_know").sum() == (raw["trust_kp"] == 98).sum()
    assert (kinds == "refused").sum() == (raw["trust_kp"] == 99).sum()


def test_stata(q, raw, reference, tmp_path):
    path = tmp_path / "responses.dta"
    pyreadstat.write_dta(raw, str(path))
    same_clean_data(read_survey(path, q).data, reference.data)


def test_parquet(q, raw, reference, tmp_path):
    path = tmp_path / "responses.parquet"
    raw.to_parquet(path, index=False)
    same_clean_data(read_survey(path, q).data, reference.data)


def test_dataframe_input_is_copied_not_modified(q, raw, reference):
    frame = raw.copy()
    frame.index = frame.index * 10 + 5  # a non-default index
    before = frame.copy()
    s = read_survey(frame, q)
    pd.testing.assert_frame_equal(frame, before)
    same_clean_data(s.data, reference.data)
    assert read_table(frame) is not frame


# ------------------------------------------------------------------ inputs are never modified


@pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".sav", ".dta", ".parquet"])
def test_input_file_bytes_unchanged(q, raw, tmp_path, suffix):
    path = tmp_path / f"responses{suffix}"
    if suffix == ".csv":
        shutil.copy(MINI_CSV, path)
    elif suffix == ".xlsx":
        raw.to_excel(path, index=False)
    elif suffix == ".sav":
        write_sav(raw, path)
    elif suffix == ".dta":
        pyreadstat.write_dta(raw, str(path))
    else:
        raw.to_parquet(path, index=False)
    before, mtime = sha256(path), path.stat().st_mtime_ns
    read_survey(path, q)
    bad = raw.copy()
    assert sha256(path) == before and path.stat().st_mtime_ns == mtime
    # also when the data have problems
    bad["trust_kp"] = bad["trust_kp"].where(bad.index != 0, 42)
    bad_path = tmp_path / f"bad{suffix}"
    if suffix == ".csv":
        bad.to_csv(bad_path, index=False)
    elif suffix == ".xlsx":
        bad.to_excel(bad_path, index=False)
    elif suffix == ".sav":
        write_sav(bad, bad_path)
    elif suffix == ".dta":
        pyreadstat.write_dta(bad, str(bad_path))
    else:
        bad.to_parquet(bad_path, index=False)
    before = sha256(bad_path)
    with pytest.raises(DataValidationError) as info:
        read_survey(bad_path, q)
    assert info.value.problems[["row", "column", "value"]].values.tolist() == [[1, "trust_kp", "42"]]
    assert sha256(bad_path) == before


# ------------------------------------------------------------------ unreadable inputs


def test_missing_file_is_named(q, tmp_path):
    with pytest.raises(DataValidationError, match="data file not found: .*nowhere.csv"):
        read_survey(tmp_path / "nowhere.csv", q)


def test_unsupported_extension(q, tmp_path):
    path = tmp_path / "responses.json"
    path.write_text("[]")
    with pytest.raises(DataValidationError, match=r"unsupported file type '\.json'.*\.csv"):
        read_survey(path, q)


def test_empty_file(q, tmp_path):
    path = tmp_path / "empty.csv"
    path.write_text("")
    with pytest.raises(DataValidationError, match="empty.csv: the file is empty"):
        read_survey(path, q)


def test_corrupt_spss_file(q, tmp_path):
    path = tmp_path / "broken.sav"
    path.write_bytes(b"this is not an SPSS file")
    with pytest.raises(DataValidationError, match="broken.sav: cannot be read as an SPSS file"):
        read_survey(path, q)


def test_questionnaire_may_be_given_as_a_path(reference):
    s = read_survey(MINI_CSV, MINI)
    same_clean_data(s.data, reference.data)
