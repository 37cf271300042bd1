"""`reproduce`: every published number recomputed and compared cell by cell, inputs checked, exit codes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from trustsurvey.cli import main
from trustsurvey.errors import PlanError, ReportError
from trustsurvey.pipeline import compute
from trustsurvey.plan import AnalysisPlan
from trustsurvey.publish import publish
from trustsurvey.reproduce import MISMATCH_COLUMNS, reproduce

ROOT = Path(__file__).resolve().parent.parent
PLAN = """questionnaire: questionnaire.yaml
waves: {2024: data/wave_2024.csv, 2025: data/wave_2025.csv}
breakdown: {by: [region, gender], items: [trust_kp, safe_night], metrics: [top2, mean]}
languages: [en]
figures: [estimates]
"""


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    """A plan with its questionnaire and data in one folder, and its report in ``report/``."""
    root = tmp_path_factory.mktemp("reproduce") / "project"
    (root / "data").mkdir(parents=True)
    shutil.copy(ROOT / "questionnaires" / "kosovo_police_trust.yaml", root / "questionnaire.yaml")
    for year in (2024, 2025):
        shutil.copy(ROOT / "examples" / "data" / f"kp_trust_{year}.csv", root / "data" / f"wave_{year}.csv")
    (root / "plan.yaml").write_text(PLAN, encoding="utf-8")
    publish(compute(AnalysisPlan.from_yaml(root / "plan.yaml")), root / "report")
    return root


def run(argv, capsys):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def tampered(project: Path, tmp_path: Path, cells) -> Path:
    """A copy of the manifest (beside the report, so the plan is found) with some published cells changed."""
    manifest = json.loads((project / "report" / "manifest.json").read_text(encoding="utf-8"))
    for table, row, column, value in cells:
        entry = manifest["numbers"][table]
        entry["rows"][row][entry["columns"].index(column)] = value
    path = project / "report" / f"tampered_{tmp_path.name}.json"
    path.write_text(json.dumps(manifest), encoding="utf-8")
    return path


def test_the_manifest_records_paths_relative_to_the_plan(project):
    run_ = json.loads((project / "report" / "manifest.json").read_text(encoding="utf-8"))["run"]
    assert run_["plan"] == "../plan.yaml"
    assert run_["data"] == {"2024": "data/wave_2024.csv", "2025": "data/wave_2025.csv"}
    assert run_["questionnaire"] == "questionnaire.yaml"
    assert str(project) not in (project / "report" / "manifest.json").read_text(encoding="utf-8")


def test_an_untouched_report_reproduces(project, capsys):
    rep = reproduce(project / "report" / "manifest.json")
    assert rep.ok and rep.changed_inputs == () and rep.n_numbers > 500
    assert set(rep.inputs["status"]) == {"same"}
    assert set(rep.inputs["input"]) == {"questionnaire", "data_2024", "data_2025", "plan"}
    code, out, _ = run(["reproduce", project / "report" / "manifest.json", "--quiet"], capsys)
    assert code == 0 and out.startswith("reproduced: all")


def test_changed_numbers_are_named_cell_by_cell_in_table_order(project, tmp_path, capsys):
    # region rows come before gender rows in the table (the plan's order), not alphabetically
    path = tampered(project, tmp_path, [("breakdown_2025", "trust_kp|top2||gender|2", "estimate", 0.123),
                                        ("breakdown_2025", "trust_kp|top2||region|3", "se", 0.5),
                                        ("trend", "safe_night|mean||national|all|2025", "change", 9.0)])
    rep = reproduce(path)
    assert not rep.ok
    assert list(rep.mismatches.columns) == MISMATCH_COLUMNS
    assert rep.mismatches[["table", "row", "column", "reason"]].values.tolist() == [
        ["breakdown_2025", "item=trust_kp|metric=top2|by=region|group=3", "se", "differs"],
        ["breakdown_2025", "item=trust_kp|metric=top2|by=gender|group=2", "estimate", "differs"],
        ["trend", "item=safe_night|metric=mean|by=national|group=all|wave=2025", "change", "differs"]]
    assert rep.mismatches["published"].tolist() == [0.5, 0.123, 9.0]
    code, out, _ = run(["reproduce", path, "--quiet"], capsys)
    assert code == 1 and "NOT reproduced: 3 of" in out and "item=trust_kp|metric=top2|by=gender|group=2" in out


def test_all_and_json_list_every_difference(project, tmp_path, capsys):
    manifest = json.loads((project / "report" / "manifest.json").read_text(encoding="utf-8"))
    rows = list(manifest["numbers"]["breakdown_2025"]["rows"])[:30]
    path = tampered(project, tmp_path, [("breakdown_2025", r, c, -1.0) for r in rows
                                        for c in ("n_unweighted", "n_weighted")])
    code, out, _ = run(["reproduce", path, "--quiet"], capsys)
    assert code == 1 and "... and 10 more; use --all or --json for the full list" in out
    code, out, _ = run(["reproduce", path, "--quiet", "--all"], capsys)
    assert code == 1 and "more; use --all" not in out
    assert sum(line.strip().startswith("breakdown_2025") for line in out.splitlines()) == 60
    code, out, _ = run(["reproduce", path, "--json"], capsys)
    payload = json.loads(out)
    assert code == 1 and payload["reproduced"] is False and payload["n_mismatches"] == 60
    assert [m["column"] for m in payload["mismatches"]] == ["n_unweighted", "n_weighted"] * 30
    # the manifest on disk sorts its rows (safe_night first); the differences come in the table's order,
    # which follows the plan's items: trust_kp first
    assert rows[0].startswith("safe_night|") and any(r.startswith("trust_kp|") for r in rows)
    assert payload["mismatches"][0]["row"].startswith("item=trust_kp|")


def test_changed_inputs_exit_1_unless_accepted(project, tmp_path, capsys):
    copy = tmp_path / "project"
    shutil.copytree(project, copy)
    data = copy / "data" / "wave_2024.csv"
    data.write_bytes(data.read_bytes() + b"\n")  # same numbers, another file
    rep = reproduce(copy / "report" / "manifest.json")
    assert rep.ok and rep.changed_inputs == ("data_2024",)
    code, out, _ = run(["reproduce", copy / "report" / "manifest.json", "--quiet"], capsys)
    assert code == 1 and "input 'data_2024'" in out and "--accept-changed-inputs" in out
    code, out, _ = run(["reproduce", copy / "report" / "manifest.json", "--quiet", "--accept-changed-inputs"],
                       capsys)
    assert code == 0 and out.count("reproduced: all") == 1
    code, out, _ = run(["reproduce", copy / "report" / "manifest.json", "--json"], capsys)
    payload = json.loads(out)
    assert code == 1 and payload["reproduced"] is True and payload["inputs_unchanged"] is False
    assert {i["input"]: i["status"] for i in payload["inputs"]}["data_2024"] == "changed"


def test_a_report_moved_with_its_inputs_still_reproduces(project, tmp_path):
    moved = tmp_path / "elsewhere" / "renamed"
    shutil.copytree(project, moved)
    rep = reproduce(moved / "report" / "manifest.json")
    assert rep.ok and rep.changed_inputs == ()
    assert all(f.startswith(str(moved)) for f in rep.inputs["file"])  # the moved inputs were read


def test_a_manifest_without_its_plan_says_how_to_give_it(project, tmp_path, capsys):
    alone = tmp_path / "manifest.json"
    shutil.copy(project / "report" / "manifest.json", alone)
    with pytest.raises(PlanError, match="pass the plan"):
        reproduce(alone)
    code, _, err = run(["reproduce", alone, "--quiet"], capsys)
    assert code == 1 and "--plan PLAN.yaml" in err
    code, out, _ = run(["reproduce", alone, "--quiet", "--plan", project / "plan.yaml"], capsys)
    assert code == 0


@pytest.mark.parametrize("text, expected", [
    ("[1, 2, 3]", "is not a trustsurvey manifest: it holds a JSON list"),
    ('{"numbers": [1]}', "its 'numbers' entry is list"),
    ('{"files": {}}', "its 'numbers' entry is missing"),
    ('{"numbers": {}, "run": "x"}', "its 'run' entry is str"),
    ("{oops", "is not valid JSON (line 1, column 2)"),
])
def test_files_that_are_not_manifests(tmp_path, capsys, text, expected):
    path = tmp_path / "manifest.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ReportError, match=expected.replace("(", r"\(").replace(")", r"\)")):
        reproduce(path)
    code, _, err = run(["reproduce", path], capsys)
    assert code == 1 and expected in err and str(path) in err


@pytest.mark.parametrize("argv, message", [
    (["--data", "2025"], "--data '2025': write YEAR=FILE"),
    (["--data", "2025=nowhere.csv"], "file 'nowhere.csv' does not exist"),
    (["--plan", "nowhere.yaml"], "--plan 'nowhere.yaml': file does not exist"),
    (["--rtol", "-1"], "--rtol -1.0: give a tolerance of 0 or more"),
])
def test_usage_errors(project, capsys, argv, message):
    code, _, err = run(["reproduce", project / "report" / "manifest.json", *argv], capsys)
    assert code == 2 and message in err
