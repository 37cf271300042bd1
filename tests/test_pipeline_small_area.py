"""The annual run's small-area estimates: recommendations that name municipalities, small_area.csv, the
workbook's sheet, the report's section in each language, and the manifest that reproduce checks."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook

import trustsurvey as ts
from trustsurvey.errors import PlanError
from trustsurvey.labels import meaning
from trustsurvey.pipeline import SMALL_AREA_TABLE_COLUMNS, _small_area, compute, published_numbers
from trustsurvey.plan import AnalysisPlan, SmallAreaSpec
from trustsurvey.publish import publish
from trustsurvey.reproduce import reproduce

ROOT = Path(__file__).resolve().parent.parent
PLAN = ROOT / "examples" / "kp_trust_plan.yaml"
LANGS = ("en", "sq")


@pytest.fixture(scope="module")
def plan():
    return replace(AnalysisPlan.from_yaml(PLAN), languages=LANGS)


@pytest.fixture(scope="module")
def result(plan):
    return compute(plan)


@pytest.fixture(scope="module")
def report_dir(result, tmp_path_factory):
    out = tmp_path_factory.mktemp("smallarea") / "report"
    publish(result, out)
    return out


@pytest.fixture(scope="module")
def direct(result):
    """The plan's estimate made by hand on the current wave (the route the run must take)."""
    spec = result.plan.small_area[0]
    return ts.small_area(result.surveys[2025], spec.item, area=spec.area, region=spec.region,
                         covariates=spec.covariates, population=spec.population)


def expected_areas(tidy: pd.DataFrame, min_gap: float = 0.10) -> set[str]:
    """The municipal_gap rule worked out from the tidy table (trust is higher-is-better)."""
    t = tidy[(tidy["flag"] == "publish") & (tidy["ci_high"] < tidy["national"])
             & (tidy["national"] - tidy["estimate"] >= min_gap)]
    return set(t["group"])


def test_the_example_plan_asks_for_trust_by_municipality(plan):
    (spec,) = plan.small_area
    assert (spec.item, spec.area, spec.region, spec.population) == ("trust_kp", "municipality", "region", "adults")
    assert spec.covariates == ROOT / "examples" / "data" / "municipal_covariates.csv"
    packaged = ROOT / "src" / "trustsurvey" / "data" / "examples"
    assert spec.covariates.read_bytes() == (packaged / "municipal_covariates.csv").read_bytes()
    (bundled,) = AnalysisPlan.from_yaml(packaged / "plan.yaml").small_area
    assert bundled == replace(spec, covariates=packaged / "municipal_covariates.csv")
    assert "municipality" in pd.read_csv(packaged / "kp_trust_2025.csv", nrows=1).columns


def test_the_run_estimates_on_the_current_weighted_wave(result, direct):
    (got,) = result.small_area
    pd.testing.assert_frame_equal(got.tidy(), direct.tidy())
    assert result.local().equals(direct.tidy())


def test_municipal_recommendations_name_the_areas_and_their_police_station(result, direct):
    plan = result.recommendations[2025]
    recs = plan.to_frame()
    local = recs[recs["rule"] == "local_gap"]
    wanted = expected_areas(direct.tidy())
    assert wanted  # the example has at least one such municipality
    assert set(local["group"]) == wanted and (local["by"] == "municipality").all()
    assert set(local["rule_id"]) == {"municipal_gap"} and set(local["item"]) <= {"trust_kp"}
    m = meaning(result.questionnaire, "en")
    names = [m.group("municipality", g) for g in local["group"]]
    assert [plan[i].in_lang("responsible", "en") for i in local["id"]] == [f"Police Station {n}" for n in names]
    sq = meaning(result.questionnaire, "sq")
    assert [plan[i].in_lang("responsible", "sq") for i in local["id"]] == \
        [f"Stacioni Policor {sq.group('municipality', g)}" for g in local["group"]]
    assert all(n in text for n, text in zip(names, local["text"]))
    # last year's plan had no small-area estimates: only the current wave's rules see them
    old = result.recommendations[2024].to_frame()
    assert (old["rule"] != "local_gap").all()


def test_the_other_recommendations_do_not_change(plan, result):
    without = compute(replace(plan, small_area=(), languages=("en",)))
    before = without.recommendations[2025].to_frame()
    after = result.recommendations[2025].to_frame()
    assert sorted(after.loc[after["rule"] != "local_gap", "id"]) == sorted(before["id"])
    assert len(after) == len(before) + int((after["rule"] == "local_gap").sum())
    assert without.recommendations[2024].to_frame()["id"].tolist() == \
        result.recommendations[2024].to_frame()["id"].tolist()


def test_small_area_csv(report_dir, direct, result):
    csv = pd.read_csv(report_dir / "small_area.csv", dtype={"group": str, "region": str}, keep_default_na=False,
                      na_values=[""])
    assert list(csv.columns) == SMALL_AREA_TABLE_COLUMNS
    tidy = direct.tidy()
    assert csv["group"].tolist() == tidy["group"].tolist()
    m = meaning(result.questionnaire, "en")
    assert csv["group_label"].tolist() == [m.group("municipality", g) for g in tidy["group"]]
    assert csv["region_label"].tolist() == [m.group("region", g) for g in tidy["region"]]
    hidden = (tidy["flag"] == "suppress").to_numpy()
    assert hidden.any() and (~hidden).any()
    for c in ("estimate", "se", "ci_low", "ci_high", "cv"):
        assert csv.loc[hidden, c].isna().all(), c  # a suppressed area's numbers are not published
        np.testing.assert_allclose(csv.loc[~hidden, c].to_numpy(float), tidy.loc[~hidden, c].to_numpy(float),
                                   rtol=1e-10)
    assert csv["n_unweighted"].tolist() == tidy["n_unweighted"].tolist()
    assert csv["flag"].tolist() == tidy["flag"].tolist()


def test_the_workbook_has_a_small_area_sheet(report_dir, direct):
    wb = load_workbook(report_dir / "tables.xlsx")
    ws = wb["Small-area estimates"]
    rows = list(ws.iter_rows(values_only=True))
    head = list(rows[0])
    assert head[:4] == ["Item", "Measure", "Area", "Region"] and "Estimate" in head and "Note" in head
    body = rows[1:]
    tidy = direct.tidy()
    assert len(body) == len(tidy)
    est, note = head.index("Estimate"), head.index("Note")
    for row, (_, r) in zip(body, tidy.iterrows()):
        if r["flag"] == "suppress":
            assert row[est] == "not published: too uncertain" and row[note] == "not published: too uncertain"
        else:
            assert row[est] == pytest.approx(r["estimate"], rel=1e-12)
            assert row[note] == {"publish": "published", "caution": "published; interpret with care"}[r["flag"]]


@pytest.mark.parametrize("lang, not_published, flag_word", [("en", "not published", "published"),
                                                           ("sq", "nuk publikohet", "publikohet")])
def test_the_report_section(report_dir, result, direct, lang, not_published, flag_word):
    page = (report_dir / f"report_{lang}.html").read_text(encoding="utf-8")
    section = re.search(r'<section id="small_area">(.*?)</section>', page, re.S)
    assert section, "no small-area section"
    text = section.group(1)
    m = meaning(result.questionnaire, lang)
    rows = re.findall(r"<tr><td class=\"label\">(.*?)</td>(.*?)</tr>", text)
    tidy = direct.tidy()
    assert [html_unescape(name) for name, _ in rows] == [m.group("municipality", g) for g in tidy["group"]]
    for (_, cells), (_, r) in zip(rows, tidy.iterrows()):
        shown = 100 * r["estimate"]
        number = f"{shown:.1f}%" if lang == "en" else f"{shown:.1f}".replace(".", ",") + "%"
        if r["flag"] == "suppress":
            assert not_published in cells and number not in cells  # the estimate is not given away
        else:
            assert number in cells and (r["flag"] != "publish" or f">{flag_word}<" in cells)
    fig = report_dir / "figures" / lang / "small_area_trust_kp_top2_municipality.svg"
    assert fig.is_file()
    import base64
    assert base64.b64encode(fig.read_bytes()).decode("ascii") in text
    assert 'href="#small_area"' in page  # in the contents


def html_unescape(s: str) -> str:
    import html

    return html.unescape(s)


def test_the_manifest_publishes_the_small_area_numbers_and_reproduce_checks_them(report_dir, direct, tmp_path):
    manifest = json.loads((report_dir / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["files"]["covariates"]["sha256"]
    entry = manifest["numbers"]["small_area_2025"]
    assert entry["keys"] == ["item", "metric", "by", "group"]
    tidy = direct.tidy()
    est = entry["columns"].index("estimate")
    for _, r in tidy.iterrows():
        row = entry["rows"][f"trust_kp|top2|municipality|{r['group']}"]
        if r["flag"] == "suppress":
            assert row[est] is None
        else:
            assert row[est] == pytest.approx(r["estimate"], rel=1e-12)
    rep = reproduce(report_dir / "manifest.json")
    assert rep.ok, rep.mismatches
    key = f"trust_kp|top2|municipality|{tidy.loc[tidy['flag'] == 'publish', 'group'].iloc[0]}"
    entry["rows"][key][est] += 0.01
    tampered = report_dir / "tampered.json"
    tampered.write_text(json.dumps(manifest), encoding="utf-8")
    bad = reproduce(tampered)
    assert bad.mismatches[["table", "column", "reason"]].values.tolist() == [["small_area_2025", "estimate",
                                                                             "differs"]]


def test_a_plan_entry_the_data_cannot_answer_names_the_entry(result):
    spec = SmallAreaSpec(item="no_such_item", area="municipality", covariates=result.plan.small_area[0].covariates)
    plan = replace(result.plan, small_area=(spec,), path=PLAN)
    with pytest.raises(PlanError, match=r"kp_trust_plan.yaml: small_area \(no_such_item top2 by municipality, "
                                        r"covariates .*municipal_covariates.csv'\): item 'no_such_item'"):
        _small_area(plan, result.surveys[2025], lambda _m: None)


def test_published_numbers_without_small_area(plan, result):
    assert "small_area_2025" in published_numbers(result)
    assert not any(k.startswith("small_area") for k in published_numbers(replace(result, small_area=())))


def test_next_year_tracks_a_municipal_recommendation_in_the_small_area_estimates(result):
    plan = result.recommendations[2025].to_frame()
    ids = plan.loc[plan["rule"] == "local_gap", "id"].tolist()
    local = result.local()
    model = dict(zip("trust_kp:municipality:" + local["group"], local["estimate"]))

    def tracked(local_table):
        recs = ts.recommend(result.surveys[2025], tables=result.tables[2025], local=local_table, previous_plan=plan,
                            wave=2026, previous_wave=2025)
        return recs.tracking.set_index("id").loc[ids]

    found = tracked(local)
    assert (found["status"] != "not_measurable").all()
    np.testing.assert_allclose(found["estimate"].to_numpy(float), [model[i] for i in ids], rtol=1e-12)
    assert (tracked(None)["status"] == "not_measurable").all()  # without this year's estimates: not measurable
