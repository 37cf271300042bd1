"""The command line: exit codes, messages without tracebacks, safe outputs."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from trustsurvey import __version__
from trustsurvey.cli import main, make_parser
from trustsurvey.errors import ReportError

DATA = Path(__file__).parent / "data"
MINI = DATA / "io_mini_questionnaire.yaml"
MINI_CSV = DATA / "io_mini_2025.csv"


def run(argv, capsys):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


@pytest.fixture
def bad_csv(tmp_path) -> Path:
    """The mini data with an out-of-scale trust_kp, a duplicated respondent_id and a negative weight."""
    frame = pd.read_csv(MINI_CSV, dtype={"comment_open": "str"})
    frame.loc[2, "trust_kp"] = 7
    frame.loc[5, "respondent_id"] = frame.loc[1, "respondent_id"]
    frame.loc[9, "design_weight"] = -1.0
    path = tmp_path / "bad.csv"
    frame.to_csv(path, index=False)
    return path


# ------------------------------------------------------------------ validate


def test_validate_valid_file(capsys):
    code, out, err = run(["validate", MINI, MINI_CSV], capsys)
    assert code == 0 and err == ""
    assert out.strip() == "io_mini_2025.csv: 40 respondents, 11 item columns, wave 2025: valid"


def test_validate_reports_every_problem(bad_csv, capsys):
    code, out, err = run(["validate", MINI, bad_csv], capsys)
    assert code == 1
    lines = out.splitlines()
    assert "3 problem(s)" in lines[0]
    rows = {tuple(line.split()[:3]) for line in lines[3:]}
    assert rows == {("3", "250003", "trust_kp"), ("6", "250002", "respondent_id"), ("10", "250010", "design_weight")}
    assert "negative" in out and "first seen in row 2" in out and "trust5" in out


def test_validate_json(bad_csv, capsys):
    code, out, _ = run(["validate", MINI, bad_csv, "--json"], capsys)
    assert code == 1
    payload = json.loads(out)
    assert payload["valid"] is False and payload["n_problems"] == 3 and payload["respondents"] == 40
    assert [(p["row"], p["column"], p["value"]) for p in payload["problems"]] == [
        (3, "trust_kp", "7"), (6, "respondent_id", "250002"), (10, "design_weight", "-1")]
    code, out, _ = run(["validate", MINI, MINI_CSV, "--json"], capsys)
    assert code == 0 and json.loads(out)["problems"] == []


def test_validate_long_problem_list_is_cut(tmp_path, capsys):
    frame = pd.read_csv(MINI_CSV, dtype={"comment_open": "str"})
    frame = pd.concat([frame] * 3, ignore_index=True)
    frame["respondent_id"] = range(len(frame))
    frame["trust_kp"] = 0
    path = tmp_path / "many.csv"
    frame.to_csv(path, index=False)
    code, out, _ = run(["validate", MINI, path], capsys)
    assert code == 1
    assert "... and 70 more problem(s); use --json for the full list" in out
    assert len(out.splitlines()) == 3 + 50 + 1


def test_validate_wave_option(tmp_path, capsys):
    frame = pd.read_csv(MINI_CSV, dtype={"comment_open": "str"}).rename(
        columns={"trust_station": "trust_local_station"})
    path = tmp_path / "w2024.csv"
    frame.to_csv(path, index=False)
    code, out, _ = run(["validate", MINI, path], capsys)
    assert code == 0 and "wave 2024" in out
    code, out, _ = run(["validate", MINI, path, "--wave", "2025"], capsys)
    assert code == 1 and "trust_local_station" in out


@pytest.mark.parametrize(
    "argv, message",
    [
        (["validate", "nowhere.yaml", MINI_CSV], "questionnaire file not found: nowhere.yaml"),
        (["validate", MINI, "nowhere.csv"], "data file not found: nowhere.csv"),
        (["validate", MINI], "the following arguments are required: DATA"),
        (["validate", MINI, MINI_CSV, "--wave", "last"], "invalid int value: 'last'"),
        (["frobnicate"], "invalid choice: 'frobnicate'"),
        ([], "the following arguments are required: COMMAND"),
    ],
)
def test_usage_errors_exit_2(argv, message, capsys):
    code, out, err = run(argv, capsys)
    assert code == 2 and message in err


def test_unreadable_data_exits_1(tmp_path, capsys):
    path = tmp_path / "broken.sav"
    path.write_bytes(b"not spss")
    code, _, err = run(["validate", MINI, path], capsys)
    assert code == 1 and "broken.sav: cannot be read as an SPSS file" in err


def test_bad_questionnaire_exits_1(tmp_path, capsys):
    path = tmp_path / "q.yaml"
    path.write_text(MINI.read_text(encoding="utf-8").replace("scale: trust5", "scale: agree7", 1), encoding="utf-8")
    code, _, err = run(["validate", path, MINI_CSV], capsys)
    assert code == 1 and "agree7" in err


def test_version(capsys):
    code, out, _ = run(["--version"], capsys)
    assert code == 0 and out.strip() == f"trustsurvey {__version__}"


def test_parser_has_the_subcommands():
    parser = make_parser()
    args = parser.parse_args(["questionnaire", "import-spss", "x.sav", "-o", "out.yaml", "--force"])
    assert args.output == "out.yaml" and args.force
    assert parser.parse_args(["example", "--out", "d"]).out == "d"


# ------------------------------------------------------------------ questionnaire lint


def test_lint_clean(capsys):
    code, out, _ = run(["questionnaire", "lint", MINI], capsys)
    assert code == 0 and "ok (6 questions" in out


def test_lint_problems(tmp_path, capsys):
    path = tmp_path / "q.yaml"
    text = MINI.read_text(encoding="utf-8").replace('sr: "Poverenje u KP", ', "")
    path.write_text(text, encoding="utf-8")
    code, out, _ = run(["questionnaire", "lint", path], capsys)
    assert code == 1 and "problem(s)" in out and "sr" in out


def test_lint_missing_file(capsys):
    code, _, err = run(["questionnaire", "lint", "nowhere.yaml"], capsys)
    assert code == 2 and "nowhere.yaml" in err


# ------------------------------------------------------------------ questionnaire imports


def write_xlsform(path: Path) -> None:
    import openpyxl

    wb = openpyxl.Workbook()
    survey = wb.active
    survey.title = "survey"
    survey.append(["type", "name", "label::Shqip (sq)", "label::Srpski (sr)", "label::English (en)", "relevant"])
    survey.append(["select_one trust", "trust_kp", "Besimi në Policinë e Kosovës", "Poverenje u Kosovsku policiju",
                   "Trust in the Kosovo Police", ""])
    survey.append(["select_one yn", "contact_12m", "Kontakt me policinë", "Kontakt sa policijom", "Contact", ""])
    survey.append(["select_one trust", "contact_satisfaction", "Kënaqësia", "Zadovoljstvo", "Satisfaction",
                   "${contact_12m} = 1"])
    choices = wb.create_sheet("choices")
    choices.append(["list_name", "name", "label::Shqip (sq)", "label::Srpski (sr)", "label::English (en)"])
    for code, (sq, sr, en) in enumerate(
        [("Aspak", "Nimalo", "None"), ("Pak", "Malo", "Little"), ("Mesatarisht", "Osrednje", "Neither"),
         ("Disi", "Donekle", "Some"), ("Plotësisht", "Potpuno", "Full")], 1):
        choices.append(["trust", code, sq, sr, en])
    choices.append(["trust", 98, "Nuk e di", "Ne znam", "Don't know"])
    choices.append(["yn", 1, "Po", "Da", "Yes"])
    choices.append(["yn", 2, "Jo", "Ne", "No"])
    wb.save(path)


def write_spss(path: Path) -> None:
    import pyreadstat

    frame = pd.DataFrame({"trust_kp": [1.0, 98.0], "contact_12m": [1.0, 2.0]})
    pyreadstat.write_sav(
        frame, str(path),
        column_labels={"trust_kp": "Trust in the Kosovo Police", "contact_12m": "Contact with the police"},
        variable_value_labels={"trust_kp": {1.0: "None", 5.0: "Full", 98.0: "Don't know"},
                               "contact_12m": {1.0: "Yes", 2.0: "No"}},
        missing_ranges={"trust_kp": [98]},
    )


@pytest.mark.parametrize("command, writer, name", [
    ("import-xlsform", write_xlsform, "form.xlsx"), ("import-spss", write_spss, "survey.sav")])
def test_import_writes_a_loadable_skeleton_and_never_overwrites(tmp_path, capsys, command, writer, name):
    from trustsurvey.questionnaire import Questionnaire

    source = tmp_path / name
    writer(source)
    out = tmp_path / "imported.yaml"
    code, stdout, _ = run(["questionnaire", command, source, "-o", out, "--wave", "2026"], capsys)
    assert code == 0 and f"wrote {out}" in stdout
    q = Questionnaire.from_yaml(out)
    assert q.wave == 2026 and "trust_kp" in q.question_ids
    first = out.read_bytes()

    out.write_text("# my edits\n", encoding="utf-8")
    code, _, err = run(["questionnaire", command, source, "-o", out], capsys)
    assert code == 1 and "already exists" in err and "--force" in err
    assert out.read_text(encoding="utf-8") == "# my edits\n"

    code, _, _ = run(["questionnaire", command, source, "-o", out, "--force", "--wave", "2026"], capsys)
    assert code == 0 and out.read_bytes() == first
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([name, "imported.yaml"])  # no temporary files


def test_import_bad_source(tmp_path, capsys):
    bad = tmp_path / "form.xlsx"
    bad.write_bytes(b"not a workbook")
    code, _, err = run(["questionnaire", "import-xlsform", bad, "-o", tmp_path / "q.yaml"], capsys)
    assert code == 1 and "form.xlsx" in err
    assert not (tmp_path / "q.yaml").exists()
    code, _, err = run(["questionnaire", "import-spss", tmp_path / "none.sav", "-o", tmp_path / "q.yaml"], capsys)
    assert code == 2 and "none.sav" in err


# ------------------------------------------------------------------ the installed console script


def test_console_script_reports_problems_without_traceback(bad_csv):
    exe = shutil.which("trustsurvey", path=str(Path(sys.executable).parent))
    assert exe is not None, "the trustsurvey console script is not installed"
    proc = subprocess.run([exe, "validate", str(MINI), str(bad_csv)], capture_output=True, text=True)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stdout + proc.stderr
    for column in ("trust_kp", "respondent_id", "design_weight"):
        assert column in proc.stdout
    proc = subprocess.run([exe, "validate", str(MINI), "missing.csv"], capture_output=True, text=True)
    assert proc.returncode == 2 and "data file not found: missing.csv" in proc.stderr
    assert "Traceback" not in proc.stderr


# ------------------------------------------------------------------ the bundled Kosovo Police example

ROOT = Path(__file__).resolve().parent.parent
KP_QUESTIONNAIRE = ROOT / "questionnaires" / "kosovo_police_trust.yaml"
KP_2025 = ROOT / "examples" / "data" / "kp_trust_2025.csv"


@pytest.fixture
def kp_bad_csv(tmp_path) -> Path:
    """The issue's acceptance case: out-of-scale trust_kp, duplicated respondent_id, negative weight."""
    frame = pd.read_csv(KP_2025, dtype={"comment_open": "str"})
    frame.loc[99, "trust_kp"] = 6
    frame.loc[199, "respondent_id"] = frame.loc[0, "respondent_id"]
    frame.loc[299, "design_weight"] = -frame.loc[299, "design_weight"]
    path = tmp_path / "kp_trust_2025_bad.csv"
    frame.to_csv(path, index=False)
    return path


def test_validate_kp_example_exits_0(capsys):
    code, out, _ = run(["validate", KP_QUESTIONNAIRE, KP_2025], capsys)
    assert code == 0
    assert out.startswith("kp_trust_2025.csv: ") and "wave 2025: valid" in out


def test_acceptance_kp_problems_via_main(kp_bad_csv, capsys):
    code, out, err = run(["validate", KP_QUESTIONNAIRE, kp_bad_csv, "--json"], capsys)
    assert code == 1 and err == ""
    problems = json.loads(out)["problems"]
    assert [(p["row"], p["column"]) for p in problems] == [
        (100, "trust_kp"), (200, "respondent_id"), (300, "design_weight")]
    code, out, _ = run(["validate", KP_QUESTIONNAIRE, kp_bad_csv], capsys)
    assert code == 1 and "3 problem(s) in 3 column(s)" in out


def test_acceptance_kp_problems_via_console_script(kp_bad_csv):
    exe = shutil.which("trustsurvey", path=str(Path(sys.executable).parent))
    assert exe is not None, "the trustsurvey console script is not installed"
    proc = subprocess.run([exe, "validate", str(KP_QUESTIONNAIRE), str(kp_bad_csv)],
                          capture_output=True, text=True)
    assert proc.returncode == 1 and "Traceback" not in proc.stdout + proc.stderr
    rows = {tuple(line.split()[0:3:2]) for line in proc.stdout.splitlines()[3:]}
    assert rows == {("100", "trust_kp"), ("200", "respondent_id"), ("300", "design_weight")}


def test_example_writes_the_report_and_refuses_to_overwrite(tmp_path, capsys):
    out_dir = tmp_path / "report"
    code, out, _ = run(["example", "--out", out_dir, "--lang", "en", "--quiet"], capsys)
    assert code == 0 and "wave 2024: valid" in out and "wave 2025: valid" in out
    names = sorted(p.name for p in out_dir.iterdir())
    for name in ["report_en.html", "tables.xlsx", "breakdown_2025.csv", "trend.csv", "manifest.json",
                 "action_plan", "figures", "validation"]:
        assert name in names
    validation = out_dir / "validation"
    assert sorted(p.name for p in validation.iterdir()) == [
        "missing_answers.csv", "sample_composition.csv", "validation.json", "validation_problems.csv"]
    summary = json.loads((validation / "validation.json").read_text(encoding="utf-8"))
    assert [f["valid"] for f in summary["files"]] == [True, True]
    missing = pd.read_csv(validation / "missing_answers.csv")
    parts = missing[["answered", "dont_know", "refused", "not_applicable", "not_asked"]].sum(axis=1)
    assert (parts == missing["n"]).all()
    sample = pd.read_csv(validation / "sample_composition.csv")
    regions = sample[(sample.wave == 2025) & (sample.variable == "region")]
    assert regions["n_unweighted"].sum() == summary["files"][1]["respondents"]
    deterministic = ["breakdown_2024.csv", "breakdown_2025.csv", "trend.csv", "manifest.json"]
    first = {name: (out_dir / name).read_bytes() for name in deterministic}

    # an existing non-empty directory is refused and left alone
    code, _, err = run(["example", "--out", out_dir, "--lang", "en", "--quiet"], capsys)
    assert code == 1 and "not empty" in err and "--force" in err
    assert {name: (out_dir / name).read_bytes() for name in deterministic} == first

    # --force replaces it; the same inputs give byte-identical CSV and JSON
    code, _, _ = run(["example", "--out", out_dir, "--force", "--lang", "en", "--quiet"], capsys)
    assert code == 0 and {name: (out_dir / name).read_bytes() for name in deterministic} == first
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report"]

    # partners reproduce every published number from the manifest
    code, out, _ = run(["reproduce", out_dir / "manifest.json", "--quiet"], capsys)
    assert code == 0 and "reproduced: all" in out


def test_example_out_is_a_file(tmp_path, capsys):
    path = tmp_path / "report"
    path.write_text("x")
    code, _, err = run(["example", "--out", path], capsys)
    assert code == 1 and "is a file" in err


def test_problem_values_are_spreadsheet_safe():
    from trustsurvey.spreadsheet import escape_frame as _spreadsheet_safe

    frame = pd.DataFrame({"value": pd.array(["=HYPERLINK(\"x\")", "-1", "-x", "@a", "+1.5", "ok", None], dtype="str"),
                          "row": [1, 2, 3, 4, 5, 6, 7]})
    safe = _spreadsheet_safe(frame)
    assert safe["value"].tolist()[:6] == ["'=HYPERLINK(\"x\")", "'-1", "'-x", "'@a", "'+1.5", "ok"]
    assert pd.isna(safe["value"].iloc[6]) and safe["row"].tolist() == frame["row"].tolist()
    assert frame["value"].iloc[0].startswith("=")  # the input is not modified


# ------------------------------------------------------------------ bad input: clear answers, documented exit codes

SMALL_PLAN = """questionnaire: questionnaire.yaml
waves: {2024: wave_2024.csv, 2025: wave_2025.csv}
breakdown: {by: gender, items: [trust_kp], metrics: [top2]}
languages: [en]
figures: [estimates]
"""


@pytest.fixture
def small_project(tmp_path) -> Path:
    """The example's questionnaire and data beside a small plan (``plan.yaml``)."""
    shutil.copy(KP_QUESTIONNAIRE, tmp_path / "questionnaire.yaml")
    for year in (2024, 2025):
        shutil.copy(ROOT / "examples" / "data" / f"kp_trust_{year}.csv", tmp_path / f"wave_{year}.csv")
    (tmp_path / "plan.yaml").write_text(SMALL_PLAN, encoding="utf-8")
    return tmp_path


def test_exit_codes_are_documented():
    from trustsurvey.cli import EXIT_CODES

    assert set(EXIT_CODES) == {0, 1, 2, 130, 143}


@pytest.mark.parametrize("line, expected", [
    ("rules: [a, b]", "rules: give overrides by rule id"),
    ("title: [a, b]", "title: give one text, or one text per language"),
    ("key_items: [[trust_kp, safe_night]]", "key_items: give a name or a list of names"),
    ("min_base: -5", "min_base: -5 must be 0 or more"),
    ("adjust: holmes", "adjust: 'holmes' is not a known adjustment; write one of holm, bonferroni"),
    ("waves: {2025: wave_2025.csv, '2025': wave_2024.csv}", "waves: 2025 is given twice"),
])
def test_run_with_a_bad_plan_names_the_key(small_project, capsys, line, expected):
    plan = small_project / "plan.yaml"
    text = SMALL_PLAN if not line.startswith("waves") else SMALL_PLAN.replace(SMALL_PLAN.splitlines()[1] + "\n", "")
    plan.write_text(text + line + "\n", encoding="utf-8")
    code, out, err = run(["run", plan, "--out", small_project / "out", "--quiet"], capsys)
    assert code == 1 and expected in err and str(plan) in err
    assert not (small_project / "out").exists()


def test_run_with_an_extra_column_advises_the_plan_key_and_the_plan_can_ignore_it(small_project, capsys):
    frame = pd.read_csv(small_project / "wave_2025.csv", dtype=str)
    frame["interviewer_note"] = "x"
    frame.to_csv(small_project / "wave_2025.csv", index=False)
    plan = small_project / "plan.yaml"
    code, _, err = run(["run", plan, "--out", small_project / "out", "--quiet"], capsys)
    assert code == 1 and "interviewer_note" in err
    assert "`extra: ignore`" in err and "analysis plan" in err and "extra='ignore'" not in err
    plan.write_text(SMALL_PLAN + "extra: ignore\n", encoding="utf-8")
    code, out, _ = run(["run", plan, "--out", small_project / "out", "--quiet"], capsys)
    assert code == 0 and "wave 2025: 1496 respondents" in out


def test_validate_advises_its_own_flag_for_an_extra_column(small_project, capsys):
    frame = pd.read_csv(small_project / "wave_2025.csv", dtype=str)
    frame["interviewer_note"] = "x"
    frame.to_csv(small_project / "extra.csv", index=False)
    code, out, _ = run(["validate", KP_QUESTIONNAIRE, small_project / "extra.csv"], capsys)
    assert code == 1 and "interviewer_note" in out
    code, out, _ = run(["validate", KP_QUESTIONNAIRE, small_project / "extra.csv", "--extra", "ignore"], capsys)
    assert code == 0


def test_weight_refuses_an_existing_output_in_the_cli_spelling(small_project, capsys):
    out = small_project / "weighted.csv"
    out.write_text("keep me\n", encoding="utf-8")
    code, _, err = run(["weight", KP_QUESTIONNAIRE, small_project / "wave_2025.csv", "-o", out], capsys)
    assert code == 1 and "--force" in err and "force=True" not in err and str(out) in err
    assert out.read_text(encoding="utf-8") == "keep me\n"
    data = small_project / "wave_2025.csv"
    code, _, err = run(["weight", KP_QUESTIONNAIRE, data, "-o", data, "--force"], capsys)
    assert code == 1 and "input data file, which is never overwritten" in err


def _deep_routing(tmp_path: Path, depth: int) -> Path:
    text = MINI.read_text(encoding="utf-8")
    deep = "(" * depth + "contact_12m == 1" + ")" * depth
    path = tmp_path / "deep.yaml"
    path.write_text(text.replace("asked_if: contact_12m == 1", f"asked_if: '{deep}'"), encoding="utf-8")
    return path


@pytest.mark.parametrize("command", ["validate", "lint", "run"])
def test_routing_nested_hundreds_deep_gets_a_message(tmp_path, capsys, command):
    path = _deep_routing(tmp_path, 300)
    plan = tmp_path / "plan.yaml"
    plan.write_text(f"questionnaire: {path.name}\nwaves: {{2025: {MINI_CSV}}}\n", encoding="utf-8")
    argv = {"validate": ["validate", path, MINI_CSV], "lint": ["questionnaire", "lint", path],
            "run": ["run", plan, "--out", tmp_path / "out", "--quiet"]}[command]
    code, out, err = run(argv, capsys)
    assert code == 1 and "nested too deeply" in out + err and str(path) in out + err


def test_a_full_disk_names_the_output(small_project, capsys, monkeypatch):
    import errno

    import trustsurvey.io.weighted
    import trustsurvey.pipeline
    import trustsurvey.publish

    def full(*args, **kwargs):
        raise OSError(errno.EFBIG, "File too large")

    monkeypatch.setattr(trustsurvey.pipeline, "compute", lambda plan, progress=None: None)
    monkeypatch.setattr(trustsurvey.publish, "publish", full)
    out = small_project / "out"
    code, _, err = run(["run", small_project / "plan.yaml", "--out", out, "--quiet"], capsys)
    assert code == 1 and f"--out {out}: File too large; free some space or write elsewhere" in err
    monkeypatch.setattr(trustsurvey.io.weighted, "weight_file", full)
    target = small_project / "w.csv"
    code, _, err = run(["weight", KP_QUESTIONNAIRE, small_project / "wave_2025.csv", "-o", target], capsys)
    assert code == 1 and f"-o {target}: File too large" in err


def test_a_terminated_run_cleans_up_and_exits_143(small_project):
    import signal
    import time

    exe = shutil.which("trustsurvey", path=str(Path(sys.executable).parent))
    out = small_project / "report"
    proc = subprocess.Popen([exe, "run", str(small_project / "plan.yaml"), "--out", str(out), "--quiet"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGTERM, signal.SIG_DFL))
    try:
        deadline = time.monotonic() + 120
        while not any(p.name.startswith(".report.tmp-") for p in small_project.iterdir()):
            assert proc.poll() is None and time.monotonic() < deadline, "the run ended before writing"
            time.sleep(0.02)
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert not [p for p in small_project.iterdir() if p.name.startswith(".report")]  # no hidden folder left
    assert "Traceback" not in err
    if proc.returncode == 0:  # on a loaded machine the run may finish between our look and the signal
        assert (out / "manifest.json").is_file()
        return
    assert proc.returncode == 143 and "terminated" in err
    if out.exists():  # on a loaded machine the signal may land in the final move, which finishes first
        assert (out / "manifest.json").is_file()
