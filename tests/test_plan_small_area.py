"""The plan's small_area key: good entries read with paths against the plan; each bad one named with its fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from trustsurvey.errors import PlanError
from trustsurvey.plan import AnalysisPlan, SmallAreaSpec

GOOD = "questionnaire: q.yaml\nwaves: {2025: b.csv}\n"
FIRST = "  - {item: trust, area: district, covariates: cov/district.csv}\n"


def write(tmp_path: Path, text: str) -> Path:
    folder = tmp_path / "plans"
    (folder / "cov").mkdir(parents=True, exist_ok=True)
    (folder / "cov" / "district.csv").write_text("district,adults\n1,100\n", encoding="utf-8")
    path = folder / "plan.yaml"
    path.write_text(GOOD + text, encoding="utf-8")
    return path


def test_a_good_entry_reads_with_its_path_resolved_against_the_plan(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # not the plan's folder
    path = write(tmp_path, "small_area:\n" + FIRST + "  - {item: safe, area: district, covariates: "
                 "cov/district.csv, region: region, population: adults, metric: mean, formula: 'a + b', "
                 "method: FH, cv_caution: 0.15, cv_suppress: 0.25}\n")
    plan = AnalysisPlan.from_yaml(path)
    cov = tmp_path / "plans" / "cov" / "district.csv"
    first, second = plan.small_area
    assert first == SmallAreaSpec(item="trust", area="district", covariates=cov)
    assert (first.metric, first.method, first.region, first.cv_caution, first.cv_suppress) == \
        ("top2", "REML", None, 0.2, 0.3)
    assert second == SmallAreaSpec(item="safe", area="district", covariates=cov, region="region",
                                   population="adults", metric="mean", formula="a + b", method="FH",
                                   cv_caution=0.15, cv_suppress=0.25)
    # one covariates file used twice is one input of the manifest
    files = plan.input_files()
    assert files["covariates"] == cov and not any(k.startswith("covariates_") for k in files)


def test_one_mapping_is_one_entry_and_no_key_is_none(tmp_path):
    plan = AnalysisPlan.from_yaml(write(tmp_path, "small_area: {item: trust, area: district, "
                                                  "covariates: cov/district.csv}\n"))
    assert [s.name for s in plan.small_area] == ["trust top2 by district"]
    assert AnalysisPlan.from_yaml(write(tmp_path, "")).small_area == ()
    assert "covariates" not in AnalysisPlan.from_yaml(write(tmp_path, "")).input_files()


def test_two_covariate_files_are_both_inputs(tmp_path):
    path = write(tmp_path, "small_area:\n" + FIRST + "  - {item: trust, area: region, covariates: r.csv}\n")
    (path.parent / "r.csv").write_text("region\n1\n", encoding="utf-8")
    files = AnalysisPlan.from_yaml(path).input_files()
    assert files["covariates_1"] == path.parent / "cov" / "district.csv"
    assert files["covariates_2"] == path.parent / "r.csv"


@pytest.mark.parametrize("entry, expected", [
    ("{area: district, covariates: cov/district.csv}",
     "small_area[1]: item missing (the item to estimate"),
    ("{item: trust, covariates: cov/district.csv}",
     "small_area[1]: area missing (the area column of the data and of the covariates"),
    ("{item: trust, area: district}",
     "small_area[1]: covariates missing (a CSV file with one row per area, relative to the plan)"),
    ("{item: trust, area: district, covariates: nothere.csv}",
     "small_area[1]: covariates: file 'nothere.csv' not found (looked for"),
    ("{item: trust, area: district, covariates: [a.csv]}",
     "small_area[1]: covariates: give a file path (relative to the plan), not a list"),
    ("{item: [a, b], area: district, covariates: cov/district.csv}",
     "small_area[1]: item: give one name, not a list"),
    ("{item: trust, areas: district, covariates: cov/district.csv}",
     "small_area[1]: unknown key(s) ['areas']; allowed: item, area, covariates"),
    ("{item: trust, area: district, covariates: cov/district.csv, method: OLS}",
     "small_area[1]: method: 'OLS'; use REML, ML, FH"),
    ("{item: trust, area: district, covariates: cov/district.csv, cv_caution: high}",
     "small_area[1]: cv_caution: 'high' is not a number"),
    ("{item: trust, area: district, covariates: cov/district.csv, cv_caution: 0.4}",
     "small_area[1]: cv_caution 0.4 and cv_suppress 0.3: give 0 < cv_caution <= cv_suppress"),
    ("{item: trust, area: district, covariates: cov/district.csv}",
     "small_area[1]: trust top2 by district is asked for twice (also small_area[0]); give each once"),
    ("district", "small_area[1]: give a mapping with item, area and covariates, not"),
])
def test_each_bad_entry_is_named_with_its_fix(tmp_path, entry, expected):
    path = write(tmp_path, "small_area:\n" + FIRST + f"  - {entry}\n")
    with pytest.raises(PlanError) as err:
        AnalysisPlan.from_yaml(path)
    message = str(err.value)
    assert str(path) in message and expected in message
    assert "small_area[0]:" not in message.replace("(also small_area[0])", "")  # the good entry is not blamed


@pytest.mark.parametrize("value", ["3", "[]", "trust"])
def test_small_area_must_be_a_mapping_or_a_list(tmp_path, value):
    with pytest.raises(PlanError, match=r"small_area: give a mapping \(item, area, covariates, ...\) or a list"):
        AnalysisPlan.from_yaml(write(tmp_path, f"small_area: {value}\n"))
