"""Bad input that the io and questionnaire layers must answer clearly (issue 15).

Each test states the answer the user should get. Those marked ``xfail(strict=True)`` fail today
and are for the io / questionnaire side: when it is fixed they pass, and the strict mark makes the
suite fail until the mark is removed.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from trustsurvey.cli import main
from trustsurvey.errors import QuestionnaireError, TrustSurveyError

DATA = Path(__file__).parent / "data"
MINI = DATA / "io_mini_questionnaire.yaml"
MINI_CSV = DATA / "io_mini_2025.csv"
ROOT = Path(__file__).resolve().parent.parent
KP_QUESTIONNAIRE = ROOT / "questionnaires" / "kosovo_police_trust.yaml"
KP_2025 = ROOT / "examples" / "data" / "kp_trust_2025.csv"
IO = "io helper: see the report of issue 15"


def run(argv, capsys):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out + err


@pytest.mark.xfail(strict=True, reason=IO)
def test_a_pipe_separated_csv_is_read_or_its_separator_named(tmp_path, capsys):
    frame = pd.read_csv(MINI_CSV, dtype=str, keep_default_na=False)
    path = tmp_path / "pipes.csv"
    frame.to_csv(path, index=False, sep="|")
    code, text = run(["validate", MINI, path], capsys)
    assert "tokenizing" not in text
    assert code == 0 or ("separat" in text and "|" in text and "pipes.csv" in text)


@pytest.mark.xfail(strict=True, reason=IO)
def test_data_on_the_second_sheet_of_a_workbook_is_pointed_at(tmp_path, capsys):
    frame = pd.read_csv(MINI_CSV, dtype=str, keep_default_na=False)
    path = tmp_path / "responses.xlsx"
    with pd.ExcelWriter(path) as xl:
        pd.DataFrame({"note": ["exported from the field system"]}).to_excel(xl, sheet_name="About", index=False)
        frame.to_excel(xl, sheet_name="Data", index=False)
    code, text = run(["validate", MINI, path], capsys)
    assert code == 1 and "'Data'" in text and "--sheet" in text
    assert text.count("required column missing") <= 3  # one answer about the sheet, not a line per column
    code, _ = run(["validate", MINI, path, "--sheet", "Data"], capsys)
    assert code == 0


@pytest.fixture
def kp_with_formulas(tmp_path) -> Path:
    """The example data with open answers a spreadsheet would run as formulas."""
    frame = pd.read_csv(KP_2025, dtype=str, keep_default_na=False)
    frame.loc[0:3, "comment_open"] = ["=HYPERLINK(\"http://x\",\"y\")", "+1+1", "-2+3", "@SUM(A1)"]
    path = tmp_path / "kp_trust_2025.csv"
    frame.to_csv(path, index=False)
    return path


@pytest.mark.xfail(strict=True, reason=IO)
def test_weight_writes_open_answers_escaped_in_csv(kp_with_formulas, tmp_path, capsys):
    out = tmp_path / "weighted.csv"
    code, _ = run(["weight", KP_QUESTIONNAIRE, kp_with_formulas, "-o", out], capsys)
    assert code == 0
    written = pd.read_csv(out, dtype=str, keep_default_na=False)["comment_open"].tolist()[:4]
    assert all(v.startswith("'") for v in written), written


@pytest.mark.xfail(strict=True, reason=IO)
def test_weight_writes_open_answers_as_text_in_xlsx(kp_with_formulas, tmp_path, capsys):
    out = tmp_path / "weighted.xlsx"
    code, _ = run(["weight", KP_QUESTIONNAIRE, kp_with_formulas, "-o", out], capsys)
    assert code == 0
    ws = openpyxl.load_workbook(out).active
    header = [c.value for c in ws[1]]
    col = header.index("comment_open")
    cells = [row[col] for row in ws.iter_rows(min_row=2, max_row=5)]
    assert all(c.data_type == "s" for c in cells), [(c.value, c.data_type) for c in cells]


@pytest.mark.xfail(strict=True, reason=IO)
def test_weight_file_can_ignore_extra_columns(tmp_path):
    from trustsurvey.io.weighted import weight_file

    frame = pd.read_csv(KP_2025, dtype=str, keep_default_na=False)
    frame["interviewer_note"] = "x"
    data = tmp_path / "extra.csv"
    frame.to_csv(data, index=False)
    weight_file(KP_QUESTIONNAIRE, data, tmp_path / "w.csv", extra="ignore")
    assert "weight" in pd.read_csv(tmp_path / "w.csv", nrows=1).columns


def _lonely(tmp_path: Path, design_extra: str = "") -> tuple[Path, Path]:
    """The mini survey with one stratum holding a single PSU."""
    text = MINI.read_text(encoding="utf-8").replace("  psu: psu\n", "  psu: psu\n" + design_extra)
    q = tmp_path / "q.yaml"
    q.write_text(text, encoding="utf-8")
    frame = pd.read_csv(MINI_CSV, dtype=str, keep_default_na=False)
    frame.loc[frame["stratum"] == "12", "psu"] = "1200"
    data = tmp_path / "lonely.csv"
    frame.to_csv(data, index=False)
    return q, data


def test_a_lonely_psu_is_reported(tmp_path, capsys):
    q, data = _lonely(tmp_path)
    code, text = run(["validate", q, data], capsys)
    assert code == 1 and "only one PSU" in text and "stratum" in text


def test_a_lonely_psu_is_answered_in_the_questionnaire_spelling(tmp_path, capsys):
    q, data = _lonely(tmp_path)
    code, text = run(["validate", q, data], capsys)
    assert code == 1 and "lonely_psu: adjust" in text and "lonely_psu='adjust'" not in text
    q, data = _lonely(tmp_path, "  lonely_psu: adjust\n")
    code, text = run(["validate", q, data], capsys)
    assert code == 0


def _deep(tmp_path: Path, depth: int) -> Path:
    deep = "(" * depth + "contact_12m == 1" + ")" * depth
    path = tmp_path / "deep.yaml"
    path.write_text(MINI.read_text(encoding="utf-8").replace("asked_if: contact_12m == 1", f"asked_if: '{deep}'"),
                    encoding="utf-8")
    return path


@pytest.mark.parametrize("depth", [250, 300, 2000])
def test_deeply_nested_routing_is_a_questionnaire_error(tmp_path, depth):
    from trustsurvey.questionnaire import Questionnaire, lint_file

    path = _deep(tmp_path, depth)
    with pytest.raises(QuestionnaireError, match="contact_satisfaction"):
        Questionnaire.from_yaml(path)
    problems = [str(p) for p in lint_file(path)]
    assert any("contact_satisfaction" in p and "nested" in p for p in problems)


def test_errors_of_the_io_layer_belong_to_the_hierarchy(tmp_path):
    from trustsurvey.io import read_survey

    path = tmp_path / "broken.csv"
    path.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(TrustSurveyError):
        read_survey(path, MINI)
