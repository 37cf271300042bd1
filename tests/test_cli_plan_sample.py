"""``trustsurvey plan-sample``: a plan for 2026 from the bundled example's 2025 wave."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

import trustsurvey as ts
from trustsurvey.cli import main

PLAN = Path(ts.__file__).parent / "data" / "examples" / "plan.yaml"


def run(capsys, *argv):
    code = main(["plan-sample", str(PLAN), *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_prints_a_plan_for_2026_from_the_2025_wave(capsys):
    code, out, err = run(capsys, "--moe", "0.03", "--by", "region")
    assert code == 0 and err == ""
    assert out.startswith("Plan for 2026 from the 2025 wave (1,496 respondents).")
    assert "Design effect 2.12 (the mean of the key items': trust_kp 2.34, " in out
    assert "Allocation: proportional by Region" in out
    lines = out.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("Region"))
    rows = lines[header + 1:]
    assert rows[0].startswith("Prishtina") and rows[-1].startswith("total") and len(rows) == 9
    total_interviews = int(rows[-1].split()[2].replace(",", ""))
    assert sum(int(r.split()[-3].replace(",", "")) for r in rows[:-1]) == total_interviews
    assert f"needs {total_interviews:,} completed interviews" in out


def test_json_agrees_with_the_library(capsys):
    code, out, _ = run(capsys, "--moe", "0.03", "--by", "region", "--cost-per-interview", "10",
                       "--budget", "10000", "--response-rate", "0.8", "--json")
    assert code == 0
    payload = json.loads(out)
    assert payload["wave"] == 2025 and payload["target_wave"] == 2026
    s = ts.datasets.load_example(2025, raw=False).weight()
    items = [d["item"] for d in payload["design_effects"]]
    assert items == ["trust_kp", "trust_station", "satisfaction_neighbourhood", "safe_night", "trust_index",
                     "pf_index"]  # the plan's key_items
    plan = ts.planning.next_wave(s, 0.03, items=items, by="region",
                                 cost_per_interview=10, budget=10_000, response_rate=0.8)
    assert payload["deff"] == pytest.approx(plan.deff, rel=1e-12)
    assert payload["interviews"] == pytest.approx(plan.n, rel=1e-12)
    assert payload["issued"] == pytest.approx(plan.n / 0.8, rel=1e-12)
    assert payload["cost"] == 10 * math.ceil(plan.n)
    assert payload["interviews_for_budget"] == 1000
    regions = [r for r in payload["allocation"] if r["region"] != "total"]
    assert [r["region"] for r in regions] == list(range(1, 9))
    assert all(r["issued"] == math.ceil(r["n_rounded"] / 0.8) for r in regions)


def test_within_a_second_variable_and_other_options(capsys):
    code, out, _ = run(capsys, "--moe", "0.04", "--by", "region,settlement", "--method", "power",
                       "--deff", "2", "--items", "trust_kp")
    assert code == 0
    assert "Design effect 2.00 (given; the key items' in 2025: trust_kp 2.34)" in out
    assert "power (exponent 0.5) by Region, then proportionally by Settlement within each" in out
    N = float(ts.datasets.load_example(2025, raw=False).weight().weights.sum())
    assert f"needs {math.ceil(ts.planning.sample_size(0.04, deff=2, N=N)):,} completed interviews" in out
    rows = [line.split() for line in out.splitlines() if line.startswith(("Prishtina", "Mitrovica North"))]
    assert [r[-5] for r in rows] == ["Urban", "Rural", "Urban", "Rural"]


@pytest.mark.parametrize("argv, code, message", [
    (["--moe", "0.03", "--by", "commune"], 1, "by='commune' is not a column of the survey data"),
    (["--moe", "3"], 2, "argument --moe: 3 must lie between 0 and 1"),
    (["--moe", "0.03", "--wave", "2023"], 1, "--wave 2023: the plan has the waves [2024, 2025]"),
    (["--moe", "0.03", "--budget", "100"], 2, "--budget needs --cost-per-interview"),
    (["--moe", "0.03", "--items", "trust_xx"], 1, "item 'trust_xx' is not in the survey data"),
    (["--moe", "0.03", "--by", "region", "--min-per-stratum", "2000"], 1, "min_per_stratum=2000.0 for 8 strata"),
    (["--moe", "0.03", "--by", "a", "--by", "b", "--by", "c"], 2, "at most two variables"),
])
def test_errors_are_messages_not_tracebacks(capsys, argv, code, message):
    got, out, err = run(capsys, *argv)
    assert got == code
    assert message in err and "Traceback" not in err
    assert err.splitlines()[-1].startswith("trustsurvey plan-sample: error:")


def test_missing_plan_file(capsys):
    assert main(["plan-sample", "no/such/plan.yaml", "--moe", "0.03"]) == 2
    assert "plan file 'no/such/plan.yaml' does not exist" in capsys.readouterr().err


def test_parser_choices_are_the_librarys():
    """plan_sample spells them out (building the parser should not import the statistics)."""
    from trustsurvey.cli import plan_sample

    assert plan_sample.ALLOCATION_METHODS == ts.planning.ALLOCATION_METHODS
    assert plan_sample.DEFF_STATISTICS == ts.planning.DEFF_STATISTICS


def test_the_plan_reads_in_the_questionnaires_languages(capsys):
    """The same plan in Albanian and Serbian Cyrillic: the same numbers in each language's notation,
    the regions' own names, and no English sentence left."""
    _, en, _ = run(capsys, "--moe", "0.03", "--by", "region", "--response-rate", "0.75")
    code, sq, err = run(capsys, "--moe", "0.03", "--by", "region", "--response-rate", "0.75", "--lang", "sq")
    assert code == 0 and err == ""
    assert sq.startswith("Plani për vitin 2026 nga vala e vitit 2025 (1\u00a0496 të anketuar).")
    need = next(w for w in en.split("needs ")[1].split()[:1])
    assert f"ka nevojë për {need.replace(',', chr(0xa0))} intervista" in sq
    assert "Rajoni" in sq and "Prishtinë" in sq and "Prishtina " not in sq
    assert not any(w in sq for w in ("Plan for", "Design effect", "interviews", "Allocation", "population"))
    code, cyr, _ = run(capsys, "--moe", "0.03", "--by", "region", "--lang", "sr-Cyrl")
    assert code == 0 and cyr.startswith("План за 2026. годину") and "Приштина" in cyr


def test_an_unknown_language_is_refused(capsys):
    code, _, err = run(capsys, "--moe", "0.03", "--lang", "de")
    assert code == 1 and "de" in err and "sq" in err and "Traceback" not in err
