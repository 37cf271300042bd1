"""Writing simulated survey files: CSV and SPSS ``.sav`` with labels.

Labels are the English labels of the agreed data dictionary. Both writers are
deterministic: the same frame gives byte-identical files.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from trustsurvey.simulate._frame import ETHNICITIES, MUNICIPALITY_NAMES, REGIONS

_DK = {98: "Don't know", 99: "Refused"}
SCALES: dict[str, dict[int, str]] = {
    "trust5": {1: "No trust at all", 2: "Little trust", 3: "Neither trust nor distrust",
               4: "Some trust", 5: "Full trust", **_DK},
    "agree5": {1: "Strongly disagree", 2: "Disagree", 3: "Neither agree nor disagree",
               4: "Agree", 5: "Strongly agree", **_DK},
    "satisf5": {1: "Very dissatisfied", 2: "Dissatisfied", 3: "Neither satisfied nor dissatisfied",
                4: "Satisfied", 5: "Very satisfied", **_DK},
    "safe4": {1: "Very unsafe", 2: "Rather unsafe", 3: "Rather safe", 4: "Very safe", **_DK},
    "freq5": {1: "Never", 2: "Less than once a month", 3: "At least once a month",
              4: "At least once a week", 5: "Every day", **_DK},
    "likely4": {1: "Very unlikely", 2: "Rather unlikely", 3: "Rather likely", 4: "Very likely", **_DK},
    "yesno": {1: "Yes", 2: "No", **_DK},
    "mentioned": {0: "Not mentioned", 1: "Mentioned"},
}

# column: (variable label, scale name or a value-label dict, or None)
VARIABLES: dict[str, tuple[str, object]] = {
    "respondent_id": ("Respondent id", None),
    "design_weight": ("Design weight (inverse inclusion probability)", None),
    "stratum": ("Stratum (region x settlement)", None),
    "psu": ("Primary sampling unit (enumeration area)", None),
    "region": ("Police region", dict(REGIONS)),
    "municipality": ("Municipality", dict(MUNICIPALITY_NAMES)),
    "settlement": ("Settlement type", {1: "Urban", 2: "Rural"}),
    "gender": ("Gender", {1: "Male", 2: "Female"}),
    "age": ("Age in years", None),
    "ethnicity": ("Ethnicity", {**ETHNICITIES, 99: "Refused"}),
    "education": ("Education", {1: "Primary or less", 2: "Secondary", 3: "Tertiary", 99: "Refused"}),
    "employment": ("Employment", {1: "Employed", 2: "Unemployed", 3: "Student", 4: "Retired",
                                  5: "Homemaker or other", 99: "Refused"}),
    "interview_language": ("Interview language", {1: "Albanian", 2: "Serbian", 3: "Turkish", 4: "Bosnian"}),
    "trust_kp": ("How much do you trust the Kosovo Police?", "trust5"),
    "trust_station": ("How much do you trust the police station in your municipality?", "trust5"),
    "satisfaction_neighbourhood": ("How satisfied are you with the work of the police in your neighbourhood?", "satisf5"),
    "safe_night": ("How safe do you feel walking alone at night in your neighbourhood?", "safe4"),
    "police_visibility": ("How often do you see police patrolling your neighbourhood?", "freq5"),
    "pf_respect": ("The police treat people with respect", "agree5"),
    "pf_fair": ("The police make fair, impartial decisions", "agree5"),
    "pf_explain": ("The police explain their decisions", "agree5"),
    "pf_equal": ("The police treat all communities equally", "agree5"),
    "eff_response": ("The police arrive quickly when called", "agree5"),
    "eff_crime": ("The police deal effectively with crime", "agree5"),
    "eff_dv": ("The police handle domestic violence cases well", "agree5"),
    "int_bribes": ("Some police officers take bribes", "agree5"),
    "int_political": ("Police work is influenced by politicians", "agree5"),
    "contact_12m": ("Contact with the police in the last 12 months", "yesno"),
    "contact_satisfaction": ("Satisfaction with the last contact with the police", "satisf5"),
    "report_crime": ("How likely would you report a crime you witnessed?", "likely4"),
    "cooperate": ("How likely would you give the police information to help solve a crime?", "likely4"),
    "lpsc_aware": ("Heard of the Local Public Safety Committees (LPSC)", "yesno"),
    "lpsc_participate": ("Took part in a LPSC meeting", "yesno"),
    "mcsc_aware": ("Heard of the Municipal Community Safety Council (MCSC)", "yesno"),
    "app_aware": ("Heard of the police app 'Lajmëro Policinë'", "yesno"),
    "app_used": ("Used the police app 'Lajmëro Policinë'", "yesno"),
    "concern_theft": ("Main concern: theft and burglary", "mentioned"),
    "concern_drugs": ("Main concern: drugs", "mentioned"),
    "concern_traffic": ("Main concern: traffic safety", "mentioned"),
    "concern_domestic_violence": ("Main concern: domestic violence", "mentioned"),
    "concern_corruption": ("Main concern: corruption", "mentioned"),
    "concern_youth_violence": ("Main concern: youth violence", "mentioned"),
    "concern_ethnic_tension": ("Main concern: inter-ethnic tension", "mentioned"),
    "concern_none": ("Main concern: none", "mentioned"),
    "comment_open": ("Other comments about the police (open)", None),
}

_NOMINAL = {"region", "municipality", "settlement", "gender", "ethnicity", "employment",
            "interview_language", "stratum", "psu"}


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """The frame as UTF-8 CSV bytes (no index, ``\\n`` line ends, blanks for missing)."""
    return frame.to_csv(index=False, lineterminator="\n").encode("utf-8")


def write_csv(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write :func:`csv_bytes` of ``frame`` to ``path``; returns the path."""
    path = Path(path)
    path.write_bytes(csv_bytes(frame))
    return path


def write_sav(frame: pd.DataFrame, path: str | Path, *, wave: int, source_columns: dict[str, str] | None = None) -> Path:
    """Write ``frame`` as SPSS ``.sav`` with variable labels, value labels and
    user-missing codes 98/99.

    Parameters
    ----------
    frame : pandas.DataFrame
        A simulated sample (columns of :data:`trustsurvey.simulate.SAMPLE_COLUMNS`,
        possibly renamed to a wave's source names).
    path : str or Path
        Output file.
    wave : int
        Survey year, for the file label.
    source_columns : dict, optional
        Item id -> source column name of this wave (to find the labels of renamed columns).

    Returns
    -------
    pathlib.Path
        The path written. The header's creation stamp is fixed (1 January of
        the wave's year, 00:00:00) so the file is reproducible byte for byte.

    Notes
    -----
    98 and 99 are declared user-missing: read the file with
    ``pyreadstat.read_sav(path, user_missing=True)`` to keep them as codes.
    Questions that routing did not ask are system-missing.
    """
    import pyreadstat

    back = {v: k for k, v in (source_columns or {}).items()}
    out = pd.DataFrame(index=frame.index)
    labels, values, missing, measure = {}, {}, {}, {}
    for col in frame.columns:
        key = back.get(col, col)
        label, scale = VARIABLES.get(key, (col, None))
        series = frame[col]
        if col == "comment_open":
            out[col] = series.astype(object).where(series.notna(), "")
        elif pd.api.types.is_float_dtype(series) or isinstance(series.dtype, pd.Int64Dtype):
            out[col] = series.astype("float64")
        else:
            out[col] = series.astype("float64") if series.isna().any() else series.astype(np.int64)
        labels[col] = label
        if scale is not None:
            codes = SCALES[scale] if isinstance(scale, str) else scale
            values[col] = dict(codes)
            user_missing = [c for c in (98, 99) if c in codes]
            if user_missing:
                missing[col] = user_missing
            measure[col] = "nominal" if key in _NOMINAL or scale in ("yesno", "mentioned") else "ordinal"
        else:
            measure[col] = "nominal" if key in _NOMINAL or col in ("respondent_id", "comment_open") else "scale"
    path = Path(path)
    pyreadstat.write_sav(
        out, str(path),
        file_label=f"Kosovo Police trust survey {wave} (simulated example)",
        column_labels=labels, variable_value_labels=values, missing_ranges=missing,
        variable_measure=measure, row_compress=True,
    )
    _fix_sav_stamp(path, wave)
    return path


def _fix_sav_stamp(path: Path, wave: int) -> None:
    """Overwrite the creation date and time in a ``.sav`` header with a fixed stamp."""
    data = bytearray(path.read_bytes())
    if data[:4] not in (b"$FL2", b"$FL3") or len(data) < 109:
        return
    data[92:109] = f"01 Jan {wave % 100:02d}00:00:00".encode("ascii")
    path.write_bytes(bytes(data))
