"""KoboToolbox-style exports of real forms validate against the imported questionnaire.

Each test imports a real XLSForm (pyxform's test forms, tests/data/xlsform), simulates answers that follow
the form's routing, writes them the way KoboToolbox exports them (choice names, ``group/question``
headers, ``question/choice`` 0/1 columns or one space-separated column, ``question_other`` texts and
export metadata) and reads the file back.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from trustsurvey.io import validate_file
from trustsurvey.questionnaire.xlsform import read_xlsform

DATA = Path(__file__).parent / "data" / "xlsform"
FORMS = [
    ("bug_example_xls__UCL_Biomass_Plot_Form.xlsx", None),
    ("example_xls__xlsform_spec_test.xlsx", None),
    ("example_xls__xlsform_spec_test.xlsx", "repeat_test"),
    ("example_xls__tutorial.xls", "member"),
    ("example_xls__widgets.xls", None),
    ("example_xls__or_other.xlsx", None),
    ("example_xls__loop.xlsx", None),
]
METADATA = ["start", "end", "deviceid", "meta/instanceID", "__version__", "_id", "_uuid", "_submission_time",
            "_validation_status", "_index"]


def simulate(q, n: int, rng) -> pd.DataFrame:
    """Codes that follow the questionnaire's routing (NA where a question was not asked)."""
    codes: dict[str, object] = {}
    for v in q.questions + q.demographics:
        if v.type == "single":
            valid = list(q.scale(v.scale).valid_codes)
            codes[v.id] = pd.array(rng.choice(np.array(valid, dtype=object), n), dtype=object)
        elif v.type == "numeric":
            lo = 0 if v.min is None else v.min
            hi = lo + 20 if v.max is None else v.max
            codes[v.id] = pd.array(rng.integers(int(np.ceil(lo)), int(np.floor(hi)) + 1, n), dtype="Int64")
        elif v.type == "multiple":
            chosen = rng.integers(0, 2, (n, len(v.options)))
            chosen[chosen.sum(axis=1) == 0, 0] = 1  # an answered select_multiple has a choice
            for j, o in enumerate(v.options):
                if o.exclusive:  # "none of these" excludes the rest
                    others = np.delete(chosen, j, axis=1).sum(axis=1) > 0
                    chosen[:, j] = np.where(others, 0, chosen[:, j])
            for j, o in enumerate(v.options):
                codes[o.id] = pd.array(chosen[:, j], dtype="Int64")
        elif v.type == "date":
            codes[v.id] = pd.array([f"2025-03-{d:02d}" for d in rng.integers(1, 29, n)], dtype=object)
        elif v.type == "time":
            codes[v.id] = pd.array([f"{h:02d}:15:00" for h in rng.integers(7, 20, n)], dtype=object)
        else:
            codes[v.id] = pd.array(rng.choice(["yes indeed", "Ça va", "007"], n), dtype=object)
    frame = pd.DataFrame(codes)
    for v in q.questions + q.demographics:  # in form order: routing sees earlier blanks
        if v.asked_if is None:
            continue
        ids = list(v.option_ids) if v.type == "multiple" else [v.id]
        evaluable = frame.apply(lambda s: pd.to_numeric(s, errors="coerce") if s.name in
                                {x.id for x in q.questions + q.demographics if x.type == "single"}
                                and q.scale(q.question(s.name).scale).numeric_codes else s)
        asked = v.asked_if.evaluate(evaluable)
        for i in ids:
            frame.loc[~asked, i] = pd.NA
    return frame


def kobo_export(q, r, codes: pd.DataFrame, rng, combined: bool, labels: str | None = None,
                sep: str = "/") -> pd.DataFrame:
    """The codes written as KoboToolbox exports them (choice names, or labels in language ``labels``)."""
    out: dict[str, object] = {c: [f"x{i}" for i in range(len(codes))] for c in METADATA[:3]}
    for v in q.questions + q.demographics:
        path = r.paths[v.id].replace("/", sep)
        if v.type == "single":
            scale = q.scale(v.scale)
            names = {c.code: (c.label[labels] if labels else c.name if c.name is not None else str(c.code))
                     for c in scale.codes}
            out[path] = [None if pd.isna(c) else names[c] for c in codes[v.id]]
        elif v.type == "multiple":
            cols = [codes[o.id] for o in v.options]
            if combined:
                out[path] = [None if pd.isna(row[0]) else " ".join(o.name for o, x in zip(v.options, row) if x == 1)
                             for row in zip(*cols)]
            else:
                for o, col in zip(v.options, cols):
                    out[f"{path}{sep}{o.name}"] = col
        else:
            out[path] = codes[v.id]
    for c in METADATA[3:]:
        out[c] = rng.integers(1, 10_000, len(codes))
    for name in q.unanalysed[:3]:  # fields the questionnaire does not analyse still come in the export
        out[name] = "something"
    return pd.DataFrame(out)


@pytest.mark.parametrize("combined", [False, True], ids=["option columns", "space-separated"])
@pytest.mark.parametrize("form, repeat", FORMS, ids=[f"{f}:{r}" for f, r in FORMS])
def test_kobo_export_of_a_real_form_validates(tmp_path, form, repeat, combined):
    r = read_xlsform(DATA / form, wave=2025, repeat=repeat)
    q = r.questionnaire
    rng = np.random.default_rng(7)
    codes = simulate(q, 60, rng)
    export = kobo_export(q, r, codes, rng, combined)
    path = tmp_path / "export.csv"
    export.to_csv(path, index=False)
    result = validate_file(path, q)
    assert result.ok, result.problems.to_string()
    assert set(result.set_aside_reasons) == set(METADATA) | set(q.unanalysed[:3])
    for v in q.questions + q.demographics:  # every answer read back as its code
        for i in (v.option_ids if v.type == "multiple" else [v.id]):
            got, want = result.data[i], codes[i]
            if v.type in ("date", "time", "text"):
                assert (got.isna().to_numpy() == pd.isna(want).to_numpy()).all(), i
            else:
                assert [None if pd.isna(x) else x for x in got] == [None if pd.isna(x) else x for x in want], i


@pytest.mark.parametrize("language", ["en", "sw"])
def test_export_with_labels_and_hyphen_headers_validates(tmp_path, language):
    """KoboToolbox can export labels (in any of the form's languages) and join groups with '-'."""
    r = read_xlsform(DATA / "bug_example_xls__UCL_Biomass_Plot_Form.xlsx", wave=2025)
    q = r.questionnaire
    rng = np.random.default_rng(11)
    codes = simulate(q, 40, rng)
    export = kobo_export(q, r, codes, rng, combined=False, labels=language, sep="-")
    assert "location-monumented" in export.columns and "disturbance-burning" in export.columns
    path = tmp_path / "labels.xlsx"
    export.to_excel(path, index=False)
    result = validate_file(path, q)
    assert result.ok, result.problems.to_string()
    assert result.data["monumented"].tolist() == [None if pd.isna(x) else x for x in codes["monumented"]]


def test_bad_export_cells_and_columns_are_named(tmp_path):
    r = read_xlsform(DATA / "bug_example_xls__UCL_Biomass_Plot_Form.xlsx", wave=2025)
    q = r.questionnaire
    rng = np.random.default_rng(3)
    codes = simulate(q, 20, rng)
    export = kobo_export(q, r, codes, rng, combined=True)
    mon, dist = r.paths["monumented"], r.paths["disturbance"]
    assert mon == "location/monumented"
    export.loc[4, mon] = "perhaps"  # matches no code, name or label
    export.loc[6, dist] = "burning flood_of_the_century"  # one unknown choice name
    export["survey_notes_extra"] = "x"  # not in the form
    path = tmp_path / "bad.csv"
    export.to_csv(path, index=False)
    p = validate_file(path, q).problems
    got = {(None if pd.isna(row) else int(row), col) for row, col in zip(p["row"], p["column"])}
    assert got == {(5, mon), (7, dist), (None, "survey_notes_extra")}, p.to_string()
    texts = dict(zip(p["column"], p["problem"]))
    assert "matches no code, choice name or label of monumented" in texts[mon]
    assert "'flood_of_the_century' is not a choice of 'disturbance'" in texts[dist]
    assert "unknown column" in texts["survey_notes_extra"]
