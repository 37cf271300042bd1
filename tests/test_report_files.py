"""Excel and CSV outputs: formatted, formula-safe, deterministic."""

from __future__ import annotations

import csv
import io

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from trustsurvey.errors import ReportError
from trustsurvey.plotting._examples import example_breakdown
from trustsurvey.report import csv_text, escape_formula, write_csv, write_excel
from trustsurvey.report.columns import title
from trustsurvey.report.excel import EXCEL_MAX_CHARS, P_FORMAT, Sheet
from trustsurvey.report.safety import FORMULA_STARTS

NASTY = ["=1+1", "+381 38 000", "-2 points", "@SUM(A1)", "=HYPERLINK(\"http://x\",\"click\")", "\tq", "ok"]


@pytest.fixture(scope="module")
def breakdown():
    return example_breakdown("sq")


def test_escape_formula_only_touches_text():
    assert [escape_formula(v) for v in NASTY] == ["'" + v for v in NASTY[:-1]] + ["ok"]
    assert escape_formula(-2.5) == -2.5 and escape_formula(None) is None
    assert escape_formula("Prishtinë = kryeqyteti") == "Prishtinë = kryeqyteti"


def test_excel_is_formatted_and_formula_safe(breakdown, tmp_path):
    comments = pd.DataFrame({"theme": NASTY, "count": [3, 2, 1, 1, 1, 1, 4], "change": [-0.5] * 7})
    path = write_excel({"breakdown": breakdown, "themes/2025": comments, "x" * 40: comments.head(1)},
                       tmp_path / "tables.xlsx", lang="sq")
    wb = load_workbook(path)
    assert wb.sheetnames == ["breakdown", "themes_2025", "x" * 31]
    ws = wb["breakdown"]
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == f"A1:{ws.cell(1, breakdown.shape[1]).column_letter}{len(breakdown) + 1}"
    header = [c.value for c in ws[1]]
    assert header == [title(c, "sq") for c in breakdown.columns]  # in the report's language
    assert "Vlerësimi" in header and "estimate" not in header
    assert all(c.font.bold for c in ws[1])
    assert ws.column_dimensions["B"].width > 20  # item labels are long
    col = {name: i for i, name in enumerate(breakdown.columns)}
    seen = set()
    for row, (_, rec) in zip(ws.iter_rows(min_row=2), breakdown.iterrows()):
        cell = row[col["estimate"]]
        if rec["flag"] == "suppressed":
            assert cell.value == "nuk shfaqet: shumë pak të anketuar" and cell.font.italic
            assert row[col["ci_low"]].value == "—"
            seen.add("suppressed")
            continue
        assert cell.value == pytest.approx(rec["estimate"])
        expected = "0.00" if rec["metric"] == "mean" else "0.0%"
        assert cell.number_format == expected and row[col["ci_high"]].number_format == expected
        if rec["by"] != "national":
            assert row[col["p_adj"]].number_format == P_FORMAT
        assert row[col["n_unweighted"]].number_format == "#,##0"
        assert row[col["metric"]].value != rec["metric"]  # the metric's name, not its id
        if rec["flag"] == "low_base":
            assert cell.fill.fgColor.rgb.endswith("FFF2CC")
            seen.add("low_base")
    assert seen == {"suppressed", "low_base"}
    themes = wb["themes_2025"]
    cells = [r[0] for r in themes.iter_rows(min_row=2)]
    assert [c.value for c in cells] == NASTY  # text as text: no apostrophe in a workbook
    assert all(c.data_type == "s" for c in cells)
    # nothing anywhere is a formula; numbers stay numbers
    for sheet in wb.worksheets:
        for r in sheet.iter_rows():
            for c in r:
                assert c.data_type != "f", (sheet.title, c.coordinate, c.value)
    assert themes["C2"].value == -0.5 and themes["C2"].data_type == "n"
    # printable: A4 landscape, one page wide, the header row on every page
    for sheet in wb.worksheets:
        assert sheet.page_setup.orientation == "landscape" and sheet.page_setup.paperSize == 9
        assert sheet.sheet_properties.pageSetUpPr.fitToPage and sheet.page_setup.fitToHeight == 0
        assert sheet.page_setup.fitToWidth in (None, 1)  # 1 is the default, left out of the file
        assert sheet.print_title_rows == "$1:$1"


def test_excel_wraps_long_text_with_row_heights_and_caps_cells(tmp_path):
    long = "Rrisni patrullimin në lagje dhe takimet me komunitetin. " * 12
    frame = pd.DataFrame({"Aktiviteti": [long, "shkurt"], "Kostoja": ["Në buxhet", "—"],
                          "huge": ["x" * 40000, "y"]})
    path = write_excel({"plan": Sheet(frame, wrap=("Aktiviteti",), widths={"Aktiviteti": 40}, titles=False)},
                       tmp_path / "plan.xlsx")
    ws = load_workbook(path)["plan"]
    assert ws["A2"].alignment.wrap_text and ws.column_dimensions["A"].width == pytest.approx(40, abs=1)
    # a wrapped row is as tall as its lines: about 670 characters in a 40-wide column take 16+ lines
    assert ws.row_dimensions[2].height >= 15 * 16
    assert ws.row_dimensions[3].height in (None, 15)
    assert len(ws["C2"].value) == EXCEL_MAX_CHARS and ws["C2"].value.endswith("…")


def test_excel_refuses_microdata_and_bad_input(tmp_path):
    with pytest.raises(ReportError, match="respondent-level column.*respondent_id"):
        write_excel({"raw": pd.DataFrame({"respondent_id": [250001], "trust_kp": [4]})}, tmp_path / "a.xlsx")
    with pytest.raises(ReportError, match="non-empty mapping"):
        write_excel({}, tmp_path / "a.xlsx")
    with pytest.raises(ReportError, match="not a pandas DataFrame"):
        write_excel({"x": [1, 2]}, tmp_path / "a.xlsx")
    assert not (tmp_path / "a.xlsx").exists()


def test_csv_is_byte_identical_whatever_the_row_order(breakdown, tmp_path):
    a = write_csv(breakdown, tmp_path / "a.csv")
    shuffled = example_breakdown("sq").sample(frac=1.0, random_state=3)
    b = write_csv(shuffled, tmp_path / "b.csv")
    data = a.read_bytes()
    assert data == b.read_bytes()
    assert b"\r" not in data and data.endswith(b"\n")
    text = data.decode("utf-8")
    assert "Rrethi F" in text
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == list(breakdown.columns)
    # every float is written with twelve significant digits at most, and parses back to the value
    back = pd.read_csv(io.StringIO(text), keep_default_na=False, dtype=str)
    est = pd.to_numeric(back["estimate"].replace("", np.nan))
    merged = back.assign(estimate=est)
    orig = breakdown.set_index(["item", "metric", "level", "by", "group"])["estimate"]
    key = pd.MultiIndex.from_frame(merged[["item", "metric", "level", "by", "group"]].astype(str))
    np.testing.assert_allclose(merged["estimate"].to_numpy(float), orig.reindex(key).to_numpy(float),
                               rtol=1e-11, equal_nan=True)
    assert all(float(f"{float(v):.12g}") == float(v) for v in back["se"] if v)


def test_csv_details(tmp_path):
    frame = pd.DataFrame({"label": pd.array(["=cmd", None, "b"], dtype="str"),
                          "n": pd.array([3, None, 1], dtype="Int64"), "x": [-0.0, np.nan, 1 / 3],
                          "ok": [True, False, True]})
    assert csv_text(frame, sort=False) == ("label,n,x,ok\n'=cmd,3,0,true\n,,,false\nb,1,0.333333333333,true\n")
    assert csv_text(frame).splitlines()[1:] == [",,,false", "'=cmd,3,0,true", "b,1,0.333333333333,true"]
    assert write_csv(frame, tmp_path / "bom.csv", bom=True).read_bytes().startswith(b"\xef\xbb\xbflabel")
    with pytest.raises(ReportError, match="cannot sort by column.*nope"):
        csv_text(frame, sort=["nope"])
    with pytest.raises(ReportError, match="respondent-level"):
        write_csv(pd.DataFrame({"_uuid": ["x"]}), tmp_path / "c.csv")


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.text(max_size=12), st.floats(allow_nan=True, allow_infinity=False, width=64)),
                min_size=1, max_size=12))
def test_csv_never_lets_a_formula_through(rows):
    frame = pd.DataFrame(rows, columns=["text", "value"]).astype({"text": object})
    parsed = list(csv.reader(io.StringIO(csv_text(frame), newline="")))
    assert parsed[0] == ["text", "value"]
    assert len(parsed) == len(rows) + 1
    for text, _ in parsed[1:]:
        assert not text.startswith(FORMULA_STARTS)
    # line endings inside cells become \n; escaping only adds the quote, to exactly the texts that need it
    texts = [t.replace("\r\n", "\n").replace("\r", "\n") for t, _ in rows]
    expected = sorted("'" + t if t.startswith(FORMULA_STARTS) else t for t in texts)
    assert sorted(t for t, _ in parsed[1:]) == expected


def test_workbook_is_deterministic_and_well_formed(breakdown, tmp_path):
    import xml.etree.ElementTree as ET
    import zipfile

    tables = {"breakdown": breakdown, "notes": pd.DataFrame({"text": ["a & b < c", "ctrl\x01char", " padded "]})}
    a = write_excel(tables, tmp_path / "a.xlsx", lang="en")
    b = write_excel(tables, tmp_path / "b.xlsx", lang="en")
    assert a.read_bytes() == b.read_bytes()
    with zipfile.ZipFile(a) as zf:
        for name in zf.namelist():
            if name.endswith((".xml", ".rels")):
                ET.fromstring(zf.read(name))  # every part is well-formed XML
    notes = pd.read_excel(a, sheet_name="notes")
    assert notes[title("text", "en")].tolist() == ["a & b < c", "ctrlchar", " padded "]  # XML cannot carry \x01
    back = pd.read_excel(a, sheet_name="breakdown", keep_default_na=False, na_values=[""])
    shown = back[back[title("flag", "en")] != "not shown: too few respondents"]
    np.testing.assert_allclose(pd.to_numeric(shown[title("estimate", "en")]).to_numpy(float),
                               breakdown.loc[breakdown["flag"] != "suppressed", "estimate"].to_numpy(float))
