"""The one-language example (examples/neighbourhood_safety): text region codes, choice names in the data,
open missing kinds, nets of any name; read, weighted and run end to end with ``trustsurvey run``."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import trustsurvey as ts
from trustsurvey.cli import main
from trustsurvey.questionnaire import Questionnaire, lint

HERE = Path(__file__).resolve().parents[1] / "examples" / "neighbourhood_safety"


@pytest.fixture(scope="module")
def q() -> Questionnaire:
    return Questionnaire.from_yaml(HERE / "questionnaire.yaml")


def test_the_questionnaire_has_one_language_and_text_codes(q):
    assert q.languages == ("en",) and lint(q) == []
    region = q.scale("region")
    assert region.valid_codes == ("UKC", "UKD", "UKE", "UKF", "UKI", "UKK")
    assert q.value_label("region", "UKI") == "London"
    assert q.scale("trust11").net("high") == (7, 8, 9, 10)
    assert q.scale("trust11").missing_kind(99) == "no_answer"
    assert q.weighting.variables["region"].targets["UKI"] == 0.15


def test_the_data_are_what_the_script_makes():
    spec = importlib.util.spec_from_file_location("make_data", HERE / "make_data.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    made = module.simulate()
    assert len(made) == 480
    assert made.to_csv(index=False) == (HERE / "responses_2025.csv").read_text(encoding="utf-8")


def test_text_codes_and_choice_names_read_and_weight(q):
    raw = pd.read_csv(HERE / "responses_2025.csv", dtype=str, keep_default_na=False)
    s = ts.read_survey(HERE / "responses_2025.csv", q)
    assert s.data["region"].tolist() == raw["region"].tolist()  # text codes stay texts
    expected_gender = raw["gender"].map({"1": 1, "2": 2, "male": 1}).tolist()
    assert s.data["gender"].tolist() == expected_gender  # the choice name 'male' is code 1
    assert s.data["contact"].tolist() == raw["contact"].map({"yes": 1, "no": 2}).tolist()
    kinds = s.missing_kinds["trust_police"]
    assert (kinds == "no_answer").sum() == (raw["trust_police"] == "99").sum() > 0
    assert "no_answer" in kinds.cat.categories
    w = s.weight()
    totals = pd.Series(np.asarray(w.weights)).groupby(s.data["region"].to_numpy()).sum()
    targets = q.weighting.margins()["region"]
    for code, total in targets.items():  # raked to the text-coded margins
        assert totals[code] == pytest.approx(total, rel=1e-8)


def test_trustsurvey_run_end_to_end(tmp_path, capsys):
    out = tmp_path / "report"
    assert main(["run", str(HERE / "plan.yaml"), "--out", str(out), "--quiet"]) == 0
    assert "480 respondents" in capsys.readouterr().out
    table = pd.read_csv(out / "breakdown_2025.csv", dtype={"group": str})
    regions = table.loc[table["by"] == "region", "group"]
    assert set(regions) == {"UKC", "UKD", "UKE", "UKF", "UKI", "UKK"}
    raw = pd.read_csv(HERE / "responses_2025.csv", dtype=str, keep_default_na=False)
    row = table[(table["item"] == "police_fair") & (table["metric"] == "mean") & (table["by"] == "region")
                & (table["group"] == "UKI")]
    valid = raw.loc[raw["region"] == "UKI", "police_fair"].isin(list("12345")).sum()
    assert int(row["n_unweighted"].iloc[0]) == valid
    assert (out / "report_en.html").is_file() and (out / "manifest.json").is_file()
