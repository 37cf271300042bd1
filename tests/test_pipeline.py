"""The annual run end to end: plan -> compute -> publish, the report in a real browser, plan errors, CLI."""

import hashlib
import json
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

from test_report_html import CHECKER, run_chromium  # the browser helpers of the report tests

import trustsurvey as ts
from trustsurvey.cli import main
from trustsurvey.errors import PlanError
from trustsurvey.pipeline import compute, published_numbers
from trustsurvey.plan import AnalysisPlan
from trustsurvey.publish import publish

ROOT = Path(__file__).resolve().parent.parent
PLAN = ROOT / "examples" / "kp_trust_plan.yaml"


@pytest.fixture(scope="module")
def result():
    from dataclasses import replace

    return compute(replace(AnalysisPlan.from_yaml(PLAN), languages=("en",)))


@pytest.fixture(scope="module")
def report_dir(result, tmp_path_factory):
    out = tmp_path_factory.mktemp("run") / "report"
    publish(result, out)
    return out


def test_compute_covers_both_waves(result):
    assert sorted(result.surveys) == [2024, 2025] and result.current == 2025
    for s in result.surveys.values():
        assert s.attrs["weighting"].method == "rake"  # weighted with the questionnaire's scheme
    t = result.tables[2025]
    assert set(t["by"]) == {"national", "region", "settlement", "gender", "age_group", "community"}
    assert set(result.trend["wave"]) == {2024, 2025}
    recs = result.recommendations[2025]
    assert len(recs.to_frame()) > 0
    assert recs.addressed_count is not None  # the 2024 plan is tracked by the 2025 wave


def test_published_numbers_are_the_tables(result):
    numbers = published_numbers(result)
    t = result.tables[2025]
    row = t[(t["item"] == "trust_kp") & (t["metric"] == "top2") & (t["by"] == "region") & (t["group"] == "6")]
    key = "trust_kp|top2||region|6"
    cols = numbers["breakdown_2025"]["columns"]
    assert numbers["breakdown_2025"]["rows"][key][cols.index("estimate")] == pytest.approx(
        float(row["estimate"].iloc[0]), rel=1e-15)


def test_outputs_and_manifest(report_dir):
    for name in ["report_en.html", "tables.xlsx", "breakdown_2025.csv", "trend.csv", "weighting_2025.csv",
                 "manifest.json", "action_plan/2025/action_plan.csv", "action_plan/2025/recommendations.csv",
                 "action_plan/2025/tracking.csv", "figures/en/heatmap_region.svg"]:
        assert (report_dir / name).is_file(), name
    manifest = json.loads((report_dir / "manifest.json").read_text(encoding="utf-8"))
    data = manifest["files"]["data_2025"]
    expected = hashlib.sha256((ROOT / "examples" / "data" / "kp_trust_2025.csv").read_bytes()).hexdigest()
    assert data["sha256"] == expected
    assert manifest["trustsurvey_version"] == ts.__version__
    # no microdata: no respondent ids or open answers anywhere in the tables
    for csv in report_dir.glob("*.csv"):
        assert not {"respondent_id", "comment_open"} & set(pd.read_csv(csv, nrows=1).columns)


def test_the_report_of_a_real_run_loads_in_chromium(report_dir, tmp_path):
    page = (report_dir / "report_en.html").read_text(encoding="utf-8")
    assert "http://" not in page.replace("http://www.w3.org", "") and "https://" not in page
    checked = tmp_path / "checked.html"
    checked.write_text(page.replace("<head>", "<head>\n" + CHECKER, 1), encoding="utf-8")
    res = run_chromium(["--virtual-time-budget=10000", "--dump-dom", checked.as_uri()], tmp_path / "profile")
    found = re.search(r'<pre id="ts-check">(.*?)</pre>', res.stdout, re.S)
    assert found, res.stderr[-3000:]
    result = json.loads(found.group(1).replace("&quot;", '"').replace("&amp;", "&").replace("&lt;", "<")
                        .replace("&gt;", ">"))
    assert result["errors"] == []
    assert len(result["images"]) == 4
    assert all(img["complete"] and img["width"] > 100 for img in result["images"])


def test_plan_errors_name_the_file_and_key(tmp_path):
    bad = tmp_path / "plan.yaml"
    bad.write_text("questionnaire: q.yaml\nwaves: {2025: d.csv}\nlanguages: [de]\nfigure: [x]\n", encoding="utf-8")
    with pytest.raises(PlanError) as err:
        AnalysisPlan.from_yaml(bad)
    text = str(err.value)
    assert str(bad) in text and "languages" in text and "'figure'" in text
    bad.write_text("waves: {2025: d.csv}\ncurrent: 2026\n", encoding="utf-8")
    with pytest.raises(PlanError, match="questionnaire: missing.*\n.*current: 2026"):
        AnalysisPlan.from_yaml(bad)
    bad.write_text("waves: [oops", encoding="utf-8")
    with pytest.raises(PlanError, match="not valid YAML at line 1"):
        AnalysisPlan.from_yaml(bad)


def test_plan_paths_resolve_against_the_plan_file():
    plan = AnalysisPlan.from_yaml(PLAN)
    assert plan.questionnaire.is_file() and all(p.is_file() for p in plan.waves.values())
    other = plan.with_data({2025: ROOT / "examples" / "data" / "kp_trust_2025.sav"})
    assert other.waves[2025].suffix == ".sav" and other.waves[2024] == plan.waves[2024]
    with pytest.raises(PlanError, match="wave 2019"):
        plan.with_data({2019: "x.csv"})


def test_cli_run_reports_user_errors_without_traceback(tmp_path, capsys):
    assert main(["run", str(tmp_path / "none.yaml"), "--out", str(tmp_path / "o")]) == 2
    assert "none.yaml" in capsys.readouterr().err
    bad = tmp_path / "plan.yaml"
    bad.write_text("questionnaire: nowhere.yaml\nwaves: {2025: d.csv}\n", encoding="utf-8")
    code = main(["run", str(bad), "--out", str(tmp_path / "o"), "--quiet"])
    err = capsys.readouterr().err
    assert code == 1 and "Traceback" not in err and "nowhere.yaml" in err
    assert not (tmp_path / "o").exists()


def test_cli_weight_writes_a_new_file_and_never_over_the_input(tmp_path, capsys):
    data = tmp_path / "kp_trust_2025.csv"
    shutil.copy(ROOT / "examples" / "data" / "kp_trust_2025.csv", data)
    before = data.read_bytes()
    out = tmp_path / "weighted.csv"
    q = ROOT / "questionnaires" / "kosovo_police_trust.yaml"
    assert main(["weight", str(q), str(data), "-o", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "rake" in printed and str(out) in printed
    weighted = pd.read_csv(out)
    assert "weight" in weighted.columns and (weighted["weight"] > 0).all()
    assert data.read_bytes() == before
    assert main(["weight", str(q), str(data), "-o", str(out)]) == 1  # exists: refused
    assert "--force" in capsys.readouterr().err
    assert main(["weight", str(q), str(data), "-o", str(data), "--force"]) == 1  # never over the input
    assert data.read_bytes() == before


def test_workbook_has_a_sheet_per_demographic_with_significance_marked(report_dir, result):
    import openpyxl

    wb = openpyxl.load_workbook(report_dir / "tables.xlsx")
    assert wb.sheetnames[:6] == ["national", "region", "settlement", "gender", "age_group", "community"]
    ws = wb["region"]
    header = [c.value for c in ws[1]]
    est, padj, flag = header.index("estimate"), header.index("p_adj"), header.index("flag")
    bold = {True: 0, False: 0}
    for row in ws.iter_rows(min_row=2):
        p = row[padj].value
        if isinstance(row[est].value, float) and isinstance(p, float) and row[flag].value in (None, ""):
            bold[p < 0.05] += row[est].font.b is True
            assert row[est].font.b is (p < 0.05) or (row[est].font.b is None and p >= 0.05)
    assert bold[True] > 0  # Mitrovica North differs from the rest
