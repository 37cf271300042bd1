"""Write a data frame as an SPSS (``.sav``, ``.zsav``) or Stata (``.dta``) file with its labels.

The labels come from the input file when it is itself SPSS or Stata (so users
get their own file back, plus the weight), else from the questionnaire:
variable labels from the items' labels, value labels from their scales, SPSS
user-missing values from their missing codes.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["write_stat", "stat_labels"]

_STAT_IN = (".sav", ".zsav", ".por", ".dta")


def _valid_name(name: str, stata: bool, taken: set[str]) -> str:
    from ..questionnaire._skeleton import safe_id

    limit = 32 if stata else 64
    ok = re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*" if stata else r"[A-Za-z@#$][\w.@#$]*", name) and \
        len(name.encode("utf-8")) <= limit and not name.endswith(".")
    if ok and name not in taken:
        taken.add(name)
        return name
    return safe_id(name[:limit], taken)


def stat_labels(questionnaire: Any, source: Path, columns: list[str], wave: int | None) -> dict:
    """Variable labels, value labels and SPSS missing values for the columns of a weighted file."""
    out: dict = {"column_labels": {}, "value_labels": {}, "missing": {}, "measure": {}, "file_label": "",
                 "numeric": set()}
    if source.suffix.lower() in _STAT_IN:
        from ..questionnaire._statfile import read_stat

        _, meta = read_stat(source, metadataonly=True)
        out["column_labels"] = {c: l for c, l in zip(meta.column_names, meta.column_labels or []) if l}
        out["value_labels"] = dict(meta.variable_value_labels or {})
        out["missing"] = dict(getattr(meta, "missing_ranges", None) or {})
        out["measure"] = {k: v for k, v in (getattr(meta, "variable_measure", None) or {}).items()
                          if v in ("nominal", "ordinal", "scale")}
        out["file_label"] = getattr(meta, "file_label", None) or ""
        return out
    from .spec import validation_spec

    q = questionnaire
    lang = q.languages[0] if q.languages else "en"
    spec = validation_spec(q, wave)
    by_source = {c.source: c for c in spec.columns}
    for col in columns:
        c = by_source.get(col)
        if c is not None and (c.kind in ("numeric", "option", "weight", "fpc")
                              or c.kind == "coded" and c.code_list is None):
            out["numeric"].add(col)
        if c is None or not q.has_variable(c.name):
            continue
        out["column_labels"][col] = q.label(c.name, lang)
        scale = q.scale_for(c.name)
        if scale is not None and all(isinstance(x, int) for x in scale.all_codes):
            out["value_labels"][col] = {float(x): scale.label_of(x, lang) for x in scale.all_codes}
            miss = list(scale.missing_codes)
            if miss:
                out["missing"][col] = [float(m) for m in miss] if len(miss) <= 3 else \
                    [{"lo": float(min(miss)), "hi": float(max(miss))}]
            out["measure"][col] = "ordinal" if scale.scored else "nominal"
    out["file_label"] = q.title.get(lang, "") if q.title else ""
    return out


def _storable(frame: pd.DataFrame) -> pd.DataFrame:
    """Columns pyreadstat can store: numbers, texts, dates; mixed columns as text."""
    out = {}
    for c in frame.columns:
        s = frame[c]
        if pd.api.types.is_bool_dtype(s):
            out[c] = s.astype(float)
        elif pd.api.types.is_numeric_dtype(s) or pd.api.types.is_datetime64_any_dtype(s):
            out[c] = s.astype(float) if isinstance(s.dtype, pd.api.extensions.ExtensionDtype) and \
                pd.api.types.is_numeric_dtype(s) else s
        else:
            values = s.astype(object).to_numpy()
            kinds = {type(v) for v in values if v is not None and not (isinstance(v, float) and math.isnan(v))}
            if kinds and all(k in (int, float, np.int64, np.float64) for k in kinds):
                out[c] = pd.to_numeric(s, errors="coerce")
            elif kinds and all(k.__name__ in ("date", "datetime", "time", "Timestamp") for k in kinds):
                out[c] = s
            else:
                out[c] = pd.Series([None if v is None or (isinstance(v, float) and math.isnan(v)) else str(v)
                                    for v in values], index=s.index, dtype=object)
    return pd.DataFrame(out, index=frame.index)


def write_stat(frame: pd.DataFrame, path: Path, labels: dict, weight_column: str, weight_label: str) -> dict:
    """Write ``frame`` to ``path`` (.sav, .zsav or .dta) with ``labels``; returns ``{old: new}`` renamed columns."""
    import pyreadstat

    stata = path.suffix.lower() == ".dta"
    taken: set[str] = set()
    names = {c: _valid_name(str(c), stata, taken) for c in frame.columns}
    frame = frame.copy()
    for c in labels.get("numeric", ()):  # a CSV read as text: numbers where every cell is one
        if c in frame.columns and not pd.api.types.is_numeric_dtype(frame[c]):
            text = frame[c].astype(object).where(frame[c].notna(), None)
            blank = text.map(lambda v: v is None or (isinstance(v, str) and not v.strip()))
            num = pd.to_numeric(text.where(~blank, None), errors="coerce")
            if not (num.isna() & ~blank).any():
                frame[c] = num.astype(float)
    data = _storable(frame).rename(columns=names)
    col_labels = {names[c]: str(l)[:80] if stata else str(l)
                  for c, l in labels["column_labels"].items() if c in names}
    for old, new in names.items():
        if new != old and new not in col_labels:
            col_labels[new] = str(old)[:80] if stata else str(old)
    col_labels[names[weight_column]] = weight_label
    value_labels = {}
    for c, vl in labels["value_labels"].items():
        if c not in names:
            continue
        numeric = pd.api.types.is_numeric_dtype(data[names[c]])
        keys_num = all(not isinstance(k, str) for k in vl)
        if numeric and keys_num:
            if stata and not all(float(k).is_integer() for k in vl):
                continue
            value_labels[names[c]] = {(int(k) if stata else float(k)): str(v) for k, v in vl.items()}
        elif not numeric and not keys_num and not stata:
            value_labels[names[c]] = {str(k): str(v) for k, v in vl.items()}
    if stata:
        pyreadstat.write_dta(data, str(path), file_label=labels.get("file_label") or "", column_labels=col_labels,
                             variable_value_labels=value_labels)
    else:
        missing = {names[c]: m for c, m in labels["missing"].items() if c in names
                   and pd.api.types.is_numeric_dtype(data[names[c]]) == all(
                       not isinstance(x.get("lo") if isinstance(x, dict) else x, str) for x in m)}
        measure = {names[c]: m for c, m in labels["measure"].items() if c in names}
        measure[names[weight_column]] = "scale"
        pyreadstat.write_sav(data, str(path), file_label=labels.get("file_label") or "", column_labels=col_labels,
                             variable_value_labels=value_labels, missing_ranges=missing,
                             variable_measure=measure, compress=path.suffix.lower() == ".zsav")
    return {o: n for o, n in names.items() if o != n}
