"""Writing simulated survey files: CSV and SPSS ``.sav`` with labels.

Variable and value labels come from the spec's ``export`` part. Both writers
are deterministic: the same frame gives byte-identical files.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from trustsurvey.errors import DesignError
from trustsurvey.simulate._spec import SimulationSpec, resolve_spec


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """The frame as UTF-8 CSV bytes (no index, ``\\n`` line ends, blanks for missing)."""
    return frame.to_csv(index=False, lineterminator="\n").encode("utf-8")


def write_csv(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write :func:`csv_bytes` of ``frame`` to ``path``; returns the path."""
    path = Path(path)
    path.write_bytes(csv_bytes(frame))
    return path


def _value_labels(spec: SimulationSpec, values: Any, where: str) -> dict[int, str]:
    """Value labels from a set name, a mapping, or a list of them merged in order."""
    sets = {"areas": spec.areas, "subareas": spec.subarea_names, "groups": spec.groups,
            **spec.export.get("value_labels", {})}
    if isinstance(values, str):
        if values not in sets:
            raise DesignError(f"{spec.source}: {where}: unknown value labels {values!r}; known: {sorted(sets)}")
        return dict(sets[values])
    if isinstance(values, Mapping):
        return dict(values)
    if isinstance(values, list):
        out: dict[int, str] = {}
        for part in values:
            out.update(_value_labels(spec, part, where))
        return out
    raise DesignError(f"{spec.source}: {where}: expected a value-label set name, a mapping or a list, got {values!r}")


def write_sav(
    frame: pd.DataFrame,
    path: str | Path,
    *,
    wave: int,
    source_columns: dict[str, str] | None = None,
    spec: SimulationSpec | str | Path | None = None,
) -> Path:
    """Write ``frame`` as SPSS ``.sav`` with variable labels, value labels and
    user-missing codes (the spec's don't-know and refusal codes).

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
    spec : SimulationSpec, str or Path, optional
        The simulation spec whose ``export`` part gives the labels (default the
        bundled example's).

    Returns
    -------
    pathlib.Path
        The path written. The header's creation stamp is fixed (1 January of
        the wave's year, 00:00:00) so the file is reproducible byte for byte.

    Notes
    -----
    The missing codes are declared user-missing: read the file with
    ``pyreadstat.read_sav(path, user_missing=True)`` to keep them as codes.
    Questions that routing did not ask are system-missing. Columns that are
    not numeric are written as text (missing as empty).
    """
    import pyreadstat

    spec = resolve_spec(spec)
    export = spec.export
    variables = export.get("variables", {})
    nominal = set(export.get("nominal", ()))
    nominal_sets = set(export.get("nominal_sets", ()))
    back = {v: k for k, v in (source_columns or {}).items()}
    out = pd.DataFrame(index=frame.index)
    labels, values, missing, measure = {}, {}, {}, {}
    for col in frame.columns:
        key = back.get(col, col)
        entry = variables.get(key, [col])
        label, scale = entry[0], (entry[1] if len(entry) > 1 else None)
        series = frame[col]
        if not pd.api.types.is_numeric_dtype(series.dtype):
            out[col] = series.astype(object).where(series.notna(), "")
        elif pd.api.types.is_float_dtype(series) or isinstance(series.dtype, pd.Int64Dtype):
            out[col] = series.astype("float64")
        else:
            out[col] = series.astype("float64") if series.isna().any() else series.astype(np.int64)
        labels[col] = label
        if scale is not None:
            codes = _value_labels(spec, scale, f"export.variables.{key}")
            values[col] = codes
            user_missing = [c for c in spec.missing_codes if c in codes]
            if user_missing:
                missing[col] = user_missing
            named_nominal = isinstance(scale, str) and scale in nominal_sets
            measure[col] = "nominal" if key in nominal or named_nominal else "ordinal"
        else:
            measure[col] = "nominal" if key in nominal else "scale"
    path = Path(path)
    pyreadstat.write_sav(
        out, str(path),
        file_label=str(export.get("file_label", "{wave} (simulated)")).format(wave=wave),
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
