"""The annual run end to end: plan -> compute -> publish, the report in a real browser, plan errors, CLI."""

import hashlib
import json
import re
import shutil
from pathlib import Path

import numpy as np
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
                 "action_plan/2025/action_plan.xlsx", "figures/en/heatmap_region.svg"]:
        assert (report_dir / name).is_file(), name
    monitoring = {"monitoring.csv", "tracking.csv"} & {p.name for p in (report_dir / "action_plan/2025").iterdir()}
    assert len(monitoring) == 1
    # each figure is drawn once, as the SVG the report embeds (no PNG nobody reads)
    page = (report_dir / "report_en.html").read_text(encoding="utf-8")
    svgs = sorted((report_dir / "figures" / "en").iterdir())
    assert svgs and all(p.suffix == ".svg" for p in svgs)
    import base64
    for p in svgs:
        assert base64.b64encode(p.read_bytes()).decode("ascii") in page
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
    assert len(result["images"]) == 5  # the four figures of the plan and the small-area figure
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

    from trustsurvey.labels import meaning
    from trustsurvey.report.columns import title

    m = meaning(result.questionnaire, "en")
    wb = openpyxl.load_workbook(report_dir / "tables.xlsx")
    names = ["region", "settlement", "gender", "age_group", "community"]
    assert wb.sheetnames[:6] == ["National"] + [m.demographic(b) for b in names]
    assert wb.sheetnames[-2:] == ["Recommendations", "Trend"]
    ws = wb[m.demographic("region")]
    header = [c.value for c in ws[1]]
    est, padj, flag = (header.index(title(c, "en")) for c in ("estimate", "p_adj", "flag"))
    bold = {True: 0, False: 0}
    for row in ws.iter_rows(min_row=2):
        p = row[padj].value
        if isinstance(row[est].value, float) and isinstance(p, float) and row[flag].value is None:
            bold[p < 0.05] += row[est].font.b is True
            assert row[est].font.b is (p < 0.05) or (row[est].font.b is None and p >= 0.05)
    assert bold[True] > 0  # Mitrovica North differs from the rest


def test_the_action_plan_workbook_reads_back_with_its_formats(report_dir, result):
    import openpyxl

    from trustsurvey.report.excel import P_FORMAT

    wb = openpyxl.load_workbook(report_dir / "action_plan" / "2025" / "action_plan.xlsx")
    assert wb.sheetnames[:2] == ["Action plan", "Recommendations"]
    plan = wb["Action plan"]
    recs = result.recommendations[2025]
    assert [c.value for c in plan[1]] == list(recs.action_plan("en").columns)
    assert plan.max_row == len(recs.to_frame()) + 1
    # every cell wraps, every row is as tall as its text, the page is A4 landscape one page wide
    assert all(c.alignment.wrap_text for row in plan.iter_rows(min_row=2) for c in row if c.value)
    assert all(plan.row_dimensions[r].height and plan.row_dimensions[r].height > 15
               for r in range(2, plan.max_row + 1))
    assert plan.page_setup.orientation == "landscape" and plan.print_title_rows == "$1:$1"
    readers = wb["Recommendations"]
    header = [c.value for c in readers[1]]
    assert "Rule" not in header and "Id" not in header  # machine columns stay in recommendations.csv
    est = header.index("Estimate")
    p = header.index("Adjusted p")
    for row in readers.iter_rows(min_row=2):
        if isinstance(row[est].value, float):
            assert row[est].number_format in ("0.0%", "0.00")
        if isinstance(row[p].value, float):
            assert row[p].number_format == P_FORMAT


@pytest.fixture(scope="module")
def pages(result):
    """The report's page in sq, sr and sr-Cyrl (without figures: they are checked apart)."""
    from trustsurvey.publish import report_context
    from trustsurvey.report import html_text

    return {lang: html_text(report_context(result, lang)) for lang in ("sq", "sr", "sr-Cyrl")}


def visible_text(page: str) -> str:
    """What a reader of the page sees (text, alt and title attributes), markup and style removed."""
    import html as H

    page = re.sub(r"(?s)<style.*?</style>|<head.*?</head>", " ", page)
    page = re.sub(r'(?s)<[^>]*\b(?:alt|title)="([^"]*)"[^>]*>', lambda m: " " + m.group(1) + " ", page)
    return H.unescape(re.sub(r"(?s)<[^>]+>", " ", page))


#: English words that the translations keep as names ("survey", R's package, in "R's survey package")
NAMES = {"survey"}


@pytest.mark.parametrize("lang", ["sq", "sr", "sr-Cyrl"])
def test_no_english_interface_words_in_the_translated_reports(pages, lang):
    from trustsurvey.labels import catalogue
    from trustsurvey.labels.extract import extract_messages

    text = visible_text(pages[lang])
    t = catalogue(lang)
    leaks = []
    for ctx, msg in extract_messages():
        if (t.gettext(msg) if ctx is None else t.pgettext(ctx, msg)) == msg:
            continue  # the same word in both languages (a name, "Trend")
        for part in re.split(r"\{[^}]*\}", msg):  # the literal text around the placeholders
            part = part.strip(" .,;:()")
            if part in NAMES:
                continue
            if len(part) >= 4 and re.search(r"(?<!\w)" + re.escape(part) + r"(?!\w)", text):
                leaks.append(part)
    assert leaks == []
    assert "Methodology" not in text and "Weighting" not in text and "kish_deff" not in text


def test_the_html_marks_a_negatively_worded_item_above_the_rest_as_worse(pages, result):
    t = result.tables[2025]
    rows = t[(t["item"] == "int_bribes") & (t["metric"] == "top2") & (t["by"] == "region")]
    nat = float(t.loc[(t["item"] == "int_bribes") & (t["metric"] == "top2") & (t["by"] == "national"),
                      "estimate"].iloc[0])
    above = rows[(rows["p_adj"] < 0.05) & (rows["estimate"] > nat)]
    assert len(above) > 0
    page = pages["sq"]
    from trustsurvey.labels import meaning

    label = meaning(result.questionnaire, "sq").item("int_bribes")
    row = re.search(r"<tr><td class=\"label\">" + re.escape(label) + r"</td>(.*?)</tr>", page, re.S).group(1)
    cells = re.findall(r"<td([^>]*)>(.*?)</td>", row, re.S)
    groups = list(dict.fromkeys(rows["group"]))
    for g in above["group"]:
        attrs, content = cells[1 + groups.index(g)]  # after the national column
        assert "worse" in attrs and "better" not in attrs and "▼" in content


def test_margins_of_error_use_the_design_effect_and_df(result):
    from scipy.stats import t as student

    from trustsurvey.pipeline import margins_of_error

    margins, key, deff, items = margins_of_error(result, "en")
    table = result.tables[2025]
    nat = table[(table["by"] == "national") & (table["metric"] == "top2") & table["item"].isin(
        ["trust_kp", "trust_station", "satisfaction_neighbourhood", "safe_night"])]
    assert deff == pytest.approx(float(np.median(nat["deff"])))
    df = result.surveys[2025].degf
    n = len(result.surveys[2025].data)
    assert margins.loc[0, "moe"] == pytest.approx(student.ppf(0.975, df) * np.sqrt(deff * 0.25 / n))
    women = margins[(margins["by"] == "gender") & (margins["group"] == "2")].iloc[0]
    assert women["n_unweighted"] == int((result.surveys[2025].data["gender"] == 2).sum())
    trust = key[key["item"] == "trust_kp"].iloc[0]
    assert trust["moe"] == pytest.approx((trust["ci_high"] - trust["ci_low"]) / 2)


def test_figures_in_cyrillic_have_every_glyph(result, tmp_path):
    import warnings

    from trustsurvey.fonts import missing_glyphs
    from trustsurvey.publish import _figures

    assert missing_glyphs(" ".join(result.table("sr-Cyrl")[["item_label", "group_label"]].astype(str)
                                   .to_numpy().ravel())) == ""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        figures = _figures(result, "sr-Cyrl", tmp_path)
    assert not [w for w in caught if "missing from font" in str(w.message)]
    assert len(figures) == 4 and "Извор" in figures[0].caption


def test_cli_pdf_flag_reaches_publish(monkeypatch, tmp_path):
    import trustsurvey.pipeline as pipeline
    import trustsurvey.publish as publish_module

    seen = {}

    class Fake:
        current = 2025
        surveys = {2025: type("S", (), {"data": []})()}
        tables = {2025: []}
        recommendations = {}

    monkeypatch.setattr(pipeline, "compute", lambda plan, progress=None: Fake())

    def fake_publish(result, out, **kwargs):
        seen.update(kwargs)
        return {}

    monkeypatch.setattr(publish_module, "publish", fake_publish)
    assert main(["run", str(PLAN), "--out", str(tmp_path / "o"), "--quiet", "--pdf"]) == 0
    assert seen["pdf"] is True
    assert main(["run", str(PLAN), "--out", str(tmp_path / "o"), "--quiet"]) == 0
    assert seen["pdf"] is None  # the plan decides (its pdf option; no PDF by default)



def test_the_plans_pdf_option_writes_the_pdf(result, tmp_path):
    """``pdf: true`` in the plan does what ``--pdf`` does; without it no PDF is written."""
    from dataclasses import replace

    written = publish(replace(result, plan=replace(result.plan, pdf=True)), tmp_path / "with")
    assert (tmp_path / "with" / "report_en.pdf").read_bytes()[:5] == b"%PDF-" and "report_en_pdf" in written
    publish(result, tmp_path / "without")
    assert not list((tmp_path / "without").glob("*.pdf"))


def _files(folder):
    return {p.relative_to(folder): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_languages_drawn_in_parallel_give_the_same_files_as_one_process(result, tmp_path, monkeypatch):
    """Two languages drawn by worker processes while the tables are written (workers started by
    publish, and workers started before, as the command line starts them while it computes), and by
    one process: every file, byte for byte, the same."""
    import os
    from dataclasses import replace

    from trustsurvey.publish import report_workers

    two = replace(result, plan=replace(result.plan, languages=("en", "sq")))
    monkeypatch.setattr(os, "cpu_count", lambda: 2)  # workers even on a one-processor machine
    publish(two, tmp_path / "parallel")
    with report_workers(two.plan.languages) as workers:
        assert workers is not None
        publish(two, tmp_path / "started", workers=workers)
    monkeypatch.setattr(os, "cpu_count", lambda: 1)
    with report_workers(two.plan.languages) as none:
        assert none is None  # one processor: drawn in this process
    publish(two, tmp_path / "serial")
    serial = _files(tmp_path / "serial")
    assert any(f.name == "report_sq.html" for f in serial) and any(f.suffix == ".svg" for f in serial)
    assert _files(tmp_path / "parallel") == serial
    assert _files(tmp_path / "started") == serial


def test_publish_gives_every_object_back_to_the_garbage_collector(result, tmp_path):
    """publish freezes the objects that exist when it starts (the collector skips them while the
    report is written) and unfreezes them at the end, also when it fails; objects someone else froze
    stay frozen."""
    import gc

    assert gc.get_freeze_count() == 0
    publish(result, tmp_path / "a")
    assert gc.get_freeze_count() == 0
    with pytest.raises(Exception):
        publish(result, tmp_path / "a")  # exists already: refused
    assert gc.get_freeze_count() == 0
    gc.freeze()
    try:
        publish(result, tmp_path / "b")
        assert gc.get_freeze_count() > 0  # not unfrozen by publish
    finally:
        gc.unfreeze()


def test_a_worker_warms_up_only_when_a_processor_is_spare(monkeypatch):
    """While the statistics are computed, the workers load the drawing libraries one at a time per
    spare processor (a semaphore), so that the statistics keep a processor to themselves."""
    import threading

    from trustsurvey import publish as P

    spare = threading.BoundedSemaphore(1)
    monkeypatch.setattr(P, "_WARMING", spare)
    loaded = threading.Event()
    monkeypatch.setattr(P, "_load_drawing", lambda langs: loaded.set())
    spare.acquire()  # the one spare processor is taken
    worker = threading.Thread(target=P._warm_up, args=(("en",),))
    worker.start()
    worker.join(0.3)
    assert worker.is_alive() and not loaded.is_set()  # waits for its turn
    spare.release()
    worker.join(30)
    assert loaded.is_set() and not worker.is_alive()
    assert spare.acquire(blocking=False)  # and gives the processor back
