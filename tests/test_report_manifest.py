"""manifest.json: checksums, deterministic JSON, and the number-by-number comparison behind `reproduce`."""

from __future__ import annotations

import copy
import hashlib
import json

import numpy as np
import pandas as pd
import pytest

from trustsurvey.errors import ReportError
from trustsurvey.plotting._examples import example_breakdown
from trustsurvey.report import build_manifest, compare_manifests, mismatch_table, read_json, write_json

KEYS = ["item", "metric", "level", "by", "group"]


@pytest.fixture()
def inputs(tmp_path):
    q = tmp_path / "questionnaire.yaml"
    q.write_text("id: kp\nlabel: Besimi në Policinë\n", encoding="utf-8")
    d = tmp_path / "data_2025.csv"
    d.write_bytes(b"respondent_id,trust_kp\n250001,4\n")
    return {"questionnaire": q, "data_2025": d}


def published(frame: pd.DataFrame) -> dict:
    return {"breakdown": frame[KEYS + ["estimate", "ci_low", "ci_high", "n_unweighted", "flag"]],
            "headline": {"trust_kp": 0.6123456789012345, "n": np.int64(1450)}}


def test_manifest_records_checksums_and_numbers(inputs, tmp_path):
    frame = example_breakdown("en")
    m = build_manifest("0.1.0", inputs, published(frame), extra={"lang": "sq", "alpha": 0.05})
    assert m["format"] == "trustsurvey-manifest/1" and m["trustsurvey_version"] == "0.1.0"
    for name, path in inputs.items():
        assert m["files"][name] == {"file": path.name, "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
                                    "bytes": path.stat().st_size}
    rows = m["numbers"]["breakdown"]
    assert len(rows) == len(frame) and set(rows[0]) == set(KEYS + ["estimate", "ci_low", "ci_high",
                                                                    "n_unweighted", "flag"])
    suppressed = next(r for r in rows if r["flag"] == "suppressed")
    assert suppressed["estimate"] is None  # NaN becomes null
    assert m["numbers"]["headline"] == {"trust_kp": 0.612345678901234, "n": 1450}  # 15 significant digits
    assert m["run"] == {"lang": "sq", "alpha": 0.05}


def test_json_is_deterministic(inputs, tmp_path):
    a = write_json(build_manifest("0.1.0", inputs, published(example_breakdown("en"))), tmp_path / "a.json")
    shuffled = {k: v for k, v in reversed(list(published(example_breakdown("en")).items()))}
    b = write_json(build_manifest("0.1.0", dict(reversed(list(inputs.items()))), shuffled), tmp_path / "b.json")
    assert a.read_bytes() == b.read_bytes()
    text = a.read_text(encoding="utf-8")
    assert "NaN" not in text and text.endswith("}\n") and "\r" not in text
    data = json.loads(text)
    assert list(data) == sorted(data)
    assert read_json(a) == data


def test_missing_input_and_bad_json_are_reported(inputs, tmp_path):
    with pytest.raises(ReportError, match="input file 'plan'.*does not exist"):
        build_manifest("0.1.0", {**inputs, "plan": tmp_path / "nope.yaml"}, {})
    bad = tmp_path / "manifest.json"
    bad.write_text("{\"numbers\": [1,", encoding="utf-8")
    with pytest.raises(ReportError, match="not valid JSON"):
        read_json(bad)
    with pytest.raises(ReportError, match="cannot record a value of type object"):
        build_manifest("0.1.0", {}, {"x": object()})


def test_compare_reports_number_by_number(inputs):
    frame = example_breakdown("en")
    pub = json.loads(json.dumps(build_manifest("0.1.0", inputs, published(frame))))  # as read from disk
    assert compare_manifests(pub, pub) == []

    # within tolerance: the last digits move
    near = copy.deepcopy(pub)
    for r in near["numbers"]["breakdown"]:
        if r["estimate"] is not None:
            r["estimate"] *= 1 + 1e-12
    assert compare_manifests(pub, near) == []

    # one estimate off, one text changed, one row gone, one table added
    off = copy.deepcopy(pub)
    rows = off["numbers"]["breakdown"]
    target = next(i for i, r in enumerate(rows) if r["by"] == "district" and r["group"] == "3"
                  and r["item"] == "trust_police" and r["metric"] == "top2")
    rows[target]["estimate"] += 1e-6
    rows[target + 1]["flag"] = "low_base" if rows[target + 1]["flag"] != "low_base" else ""
    rows.pop()
    off["numbers"]["extra_table"] = [1, 2]
    del off["numbers"]["headline"]["n"]
    found = compare_manifests(pub, off)
    table = mismatch_table(found)
    assert list(table.columns) == ["path", "published", "recomputed", "reason"]
    paths = dict(zip(table["path"], table["reason"]))
    assert paths["numbers/breakdown[item=trust_police,metric=top2,by=district,group=3]/estimate"] == "differs"
    assert sum(p.endswith("/flag") for p in paths) == 1
    assert paths["numbers/extra_table"] == "extra"
    assert paths["numbers/headline/n"] == "missing"
    assert sum(r == "missing" for r in paths.values()) == 2  # the dropped row and headline/n
    assert len(found) == 5


def test_compare_types_files_and_bad_manifests(inputs, tmp_path):
    pub = build_manifest("0.1.0", inputs, {"x": [1.0, "a"], "y": {"z": 1}})
    other = build_manifest("0.1.0", inputs, {"x": ["1.0", "a"], "y": [1]})
    assert {m.reason for m in compare_manifests(pub, other)} == {"type"}
    changed = dict(inputs)
    changed["data_2025"] = tmp_path / "other.csv"
    changed["data_2025"].write_bytes(b"respondent_id,trust_kp\n250001,5\n")
    again = build_manifest("0.2.0", changed, {"x": [1.0, "a"], "y": {"z": 1}})
    assert compare_manifests(pub, again) == []  # numbers only by default
    files = compare_manifests(pub, again, check_files=True)
    assert [m.path for m in files] == ["files/data_2025/sha256"]
    with pytest.raises(ReportError, match="no 'numbers' entry"):
        compare_manifests({"files": {}}, pub)


def test_compare_names_the_columns_of_a_keyed_table():
    def table(x):
        return {"numbers": {"breakdown_2025": {"columns": ["estimate", "se"],
                                               "rows": {"trust_kp|top2||region|3": [x, 0.02]}}}}

    found = compare_manifests(table(0.61), table(0.62))
    assert [m.path for m in found] == ["numbers/breakdown_2025/rows/trust_kp|top2||region|3/estimate"]
    assert compare_manifests(table(0.61), table(0.61)) == []


def test_extra_and_missing_list_items_are_mismatches():
    """Lists are compared to the end of the longer one: an item only one side has is a mismatch."""
    pub = {"numbers": {"series": [1.0, 2.0], "records": [{"id": "a", "estimate": 0.5}]}}
    new = {"numbers": {"series": [1.0, 2.0, 3.0],
                       "records": [{"id": "a", "estimate": 0.5}, {"id": "b", "estimate": 0.7}]}}
    found = compare_manifests(pub, new)
    assert [(m.path, m.published, m.recomputed, m.reason) for m in found] == [
        ("numbers/series[2]", None, 3.0, "extra"),
        ("numbers/records[id=b]", None, {"id": "b", "estimate": 0.7}, "extra")]
    back = compare_manifests(new, pub)
    assert [(m.path, m.reason) for m in back] == [("numbers/series[2]", "missing"),
                                                  ("numbers/records[id=b]", "missing")]
    table = {"columns": ["estimate", "se"], "rows": {"r": [0.5, 0.1]}}
    longer = {"columns": ["estimate", "se"], "rows": {"r": [0.5, 0.1, 0.2]}}
    assert [m.reason for m in compare_manifests({"numbers": {"t": table}}, {"numbers": {"t": longer}})] == ["extra"]


def test_keys_are_walked_in_the_recomputed_order():
    """Differences come in the order of the recomputed tables (a manifest on disk has sorted keys)."""
    pub = {"numbers": {"t": {"columns": ["estimate"], "rows": {"a": [1.0], "b": [1.0], "c": [1.0]}}}}
    new = {"numbers": {"t": {"columns": ["estimate"], "rows": {"c": [2.0], "a": [2.0], "b": [2.0]}}}}
    found = compare_manifests(pub, new)
    assert [m.parts for m in found] == [("numbers", "t", "rows", k, "estimate") for k in "cab"]
