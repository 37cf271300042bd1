"""Analysis plans: every bad key gets a message naming the file and the key, in the plan's own spelling."""

from __future__ import annotations

from pathlib import Path

import pytest

from trustsurvey.errors import PlanError
from trustsurvey.plan import AnalysisPlan

GOOD = "questionnaire: q.yaml\nwaves: {2024: a.csv, 2025: b.csv}\n"


def plan_error(tmp_path: Path, text: str) -> str:
    path = tmp_path / "plan.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(PlanError) as err:
        AnalysisPlan.from_yaml(path)
    message = str(err.value)
    assert str(path) in message
    return message


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "other_plan.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_good_plan_reads(tmp_path):
    path = tmp_path / "plan.yaml"
    path.write_text(GOOD + "breakdown: {by: region, items: [trust]}\nextra: ignore\nlanguages: en\npdf: true\n",
                    encoding="utf-8")
    plan = AnalysisPlan.from_yaml(path)
    assert plan.pdf is True and AnalysisPlan.from_yaml(_write(tmp_path, GOOD)).pdf is False
    assert plan.by == ("region",)  # one name without brackets is one name, not six letters
    assert plan.items == ("trust",) and plan.languages == ("en",) and plan.extra == "ignore"
    assert plan.waves == {2024: tmp_path / "a.csv", 2025: tmp_path / "b.csv"} and plan.current == 2025


@pytest.mark.parametrize("text, expected", [
    (GOOD.replace("{2024: a.csv, 2025: b.csv}", "\n  2025: a.csv\n  2025: b.csv"),
     "key 2025 is written twice in one mapping (lines 3 and 4)"),
    (GOOD.replace("2024: a.csv", "2025: a.csv"), "key 2025 is written twice in one mapping (line 2)"),
    (GOOD.replace("2024: a.csv", "'2025': a.csv"), "waves: 2025 is given twice ('2025' and 2025)"),
    (GOOD + "min_base: 30\nmin_base: 20\n", "key 'min_base' is written twice"),
])
def test_a_wave_or_key_given_twice_is_an_error(tmp_path, text, expected):
    assert expected in plan_error(tmp_path, text)


@pytest.mark.parametrize("line, expected", [
    ("rules: [a, b]", "rules: give overrides by rule id ({rule_id: {parameter: value}}) or a list of rules"),
    ("rules: {low_trust: 3}", "rules: give overrides by rule id"),
    ("title: [a, b]", "title: give one text, or one text per language"),
    ("title: {en: [a]}", "title: give one text, or one text per language"),
    ("key_items: [[trust, safety]]", "key_items: give a name or a list of names ([a, b]), not ['trust', 'safety']"),
    ("key_items: {a: 1}", "key_items: give a name or a list of names"),
    ("breakdown: {by: [[region]]}", "breakdown: by: give a name or a list of names"),
    ("breakdown: {by: region, group: x}", "breakdown: unknown key(s) ['group']; allowed: by, items, metrics"),
    ("breakdown: [region]", "breakdown: must be a mapping with by/items/metrics"),
    ("languages: [[en]]", "languages: give a name or a list of names"),
    ("figures: trends", "figures: ['trends'] unknown; choose from estimates, likert, trend, heatmap"),
    ("min_base: -5", "min_base: -5 must be 0 or more"),
    ("low_base: -1", "low_base: -1 must be 0 or more"),
    ("min_base: 2.5", "min_base: 2.5 is not a whole number of respondents"),
    ("min_base: yes", "min_base: True is not a number"),
    ("min_base: thirty", "min_base: 'thirty' is not a number"),
    ("max_cv: 0", "max_cv: 0.0 must be above 0"),
    ("max_cv: -0.3", "max_cv: -0.3 must be above 0"),
    ("max_cv: .nan", "max_cv: nan is not a number"),
    ("alpha: 5", "alpha: 5.0 must lie between 0 and 1"),
    ("alpha: 0", "alpha: 0.0 must lie between 0 and 1"),
    ("adjust: [holm]", "adjust: give a method name"),
    ("extra: drop", "extra: 'drop'; use 'error'"),
    ("pdf: always", "pdf: 'always'; write true (also write each report as an A4 PDF) or false"),
    ("current: last", "current: 'last' is not a year"),
    ("current: 2023", "current: 2023 is not one of the waves [2024, 2025]"),
    ("questionnaire: [q.yaml]", "questionnaire: give a file path"),
    ("previous_plan: {a: b}", "previous_plan: give a file path"),
    ("1: x", "unknown key(s) ['1']"),
])
def test_bad_values_name_the_key(tmp_path, line, expected):
    text = GOOD.replace("questionnaire: q.yaml\n", "") if line.startswith("questionnaire") else GOOD
    assert expected in plan_error(tmp_path, text + line + "\n")


def test_a_wave_that_is_not_a_year_or_a_file(tmp_path):
    message = plan_error(tmp_path, "questionnaire: q.yaml\nwaves: {this year: a.csv, 2025: [b.csv], true: c.csv}\n")
    assert "waves: 'this year' is not a year" in message
    assert "waves: 2025: give a file path (relative to the plan), not ['b.csv']" in message
    assert "waves: True is not a year" in message


@pytest.mark.parametrize("text, expected", [
    ("- questionnaire: q.yaml\n", "a plan is a mapping of keys (questionnaire, waves, ...), not list"),
    ("just text\n", "not str"),
    ("waves: [oops", "not valid YAML at line 1"),
    ("[" * 5000 + "]" * 5000 + "\n", "nested too deeply to read"),
    ("a: !!python/object/apply:os.system ['echo hi']\n", "not valid YAML"),
])
def test_files_that_are_not_plans(tmp_path, text, expected):
    assert expected in plan_error(tmp_path, text)


def test_not_utf8(tmp_path):
    path = tmp_path / "plan.yaml"
    path.write_bytes(GOOD.encode("utf-8") + "title: Besimi në Policinë\n".encode("cp1250"))
    with pytest.raises(PlanError, match=r"not UTF-8 text .*save the plan file as UTF-8"):
        AnalysisPlan.from_yaml(path)


def test_every_problem_is_listed_at_once(tmp_path):
    message = plan_error(tmp_path, GOOD + "min_base: -5\nmax_cv: 0\nrules: [x]\nbreakdown: {by: [[a]]}\n")
    assert message.count("\n  - ") == 4
