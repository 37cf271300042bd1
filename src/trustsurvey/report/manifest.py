"""``manifest.json``: what a published report was made from and every number it published.

A manifest records the package version, the SHA-256 of every input file
(questionnaire, analysis plan, data) and, for every figure or table id, its
values. ``trustsurvey reproduce`` recomputes the numbers and
:func:`compare_manifests` says, number by number, which differ.

Values are normalised to plain JSON: a DataFrame becomes a list of records
(one object per row), a Series or mapping an object, arrays lists; floats are
rounded to 15 significant digits (so that the last, platform-dependent bits do
not change the file), ``-0.0`` becomes ``0.0`` and NaN/NA become ``null``.
:func:`write_json` sorts keys and indents, so the same manifest gives the same
bytes.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

import numpy as np
import pandas as pd

from ..errors import ReportError

__all__ = ["MANIFEST_FORMAT", "sha256_file", "normalise", "build_manifest", "write_json", "read_json",
           "compare_manifests", "Mismatch", "mismatch_table"]

MANIFEST_FORMAT = "trustsurvey-manifest/1"
#: Fields that identify a record, used to name it in mismatch paths.
KEY_FIELDS = ("id", "item", "metric", "level", "by", "group", "wave", "rule", "variable", "term", "test")


def sha256_file(path: str | Path) -> str:
    """The SHA-256 hex digest of a file, read in 1 MiB blocks."""
    h = hashlib.sha256()
    try:
        with open(path, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                h.update(block)
    except OSError as exc:
        raise ReportError(f"cannot read input file {str(path)!r} to record its checksum: {exc.strerror}") from exc
    return h.hexdigest()


def _float(x: float, digits: int) -> float | None:
    if not math.isfinite(x):
        return None
    r = float(f"{x:.{digits}g}")
    return r + 0.0


def normalise(values: Any, digits: int = 15) -> Any:
    """Plain-JSON form of ``values`` (see the module notes).

    Examples
    --------
    >>> normalise({"b": np.float64(0.1) + 0.2, "a": [np.int64(3), float("nan"), -0.0]})
    {'b': 0.3, 'a': [3, None, 0.0]}
    >>> normalise(pd.DataFrame({"item": ["trust_police"], "estimate": [0.61]}))
    [{'item': 'trust_police', 'estimate': 0.61}]
    """
    kind = type(values)  # the plain types first: a manifest holds a hundred thousand of them
    if kind is float:
        return _float(values, digits)
    if kind is str or kind is bool or kind is int:
        return values
    if kind is list or kind is tuple:
        return [normalise(v, digits) for v in values]
    if kind is dict:
        return {str(k): normalise(v, digits) for k, v in values.items()}
    if values is None or values is pd.NA or values is pd.NaT:
        return None
    if isinstance(values, (bool, np.bool_)):
        return bool(values)
    if isinstance(values, (int, np.integer)):
        return int(values)
    if isinstance(values, (float, np.floating)):
        return _float(float(values), digits)
    if isinstance(values, str):
        return values
    if isinstance(values, pd.DataFrame):
        cols = [str(c) for c in values.columns]
        return [{c: normalise(v, digits) for c, v in zip(cols, row)}
                for row in values.itertuples(index=False, name=None)]
    if isinstance(values, pd.Series):
        return {str(k): normalise(v, digits) for k, v in values.items()}
    if isinstance(values, Mapping):
        return {str(k): normalise(v, digits) for k, v in values.items()}
    if isinstance(values, np.ndarray):
        return [normalise(v, digits) for v in values.tolist()]
    if isinstance(values, (list, tuple)):
        return [normalise(v, digits) for v in values]
    if isinstance(values, (pd.Timestamp, np.datetime64)):
        return pd.Timestamp(values).isoformat()
    if isinstance(values, Path):
        return values.as_posix()
    raise ReportError(f"cannot record a value of type {type(values).__name__} in the manifest; "
                      "give numbers, text, lists, dicts or DataFrames")


def build_manifest(version: str, files: Mapping[str, str | Path], numbers: Mapping[str, Any], *,
                   digits: int = 15, extra: Mapping[str, Any] | None = None) -> dict:
    """The manifest of a report: version, input checksums and published numbers.

    Parameters
    ----------
    version : str
        The trustsurvey version that made the report.
    files : mapping of name to path
        Input files (``questionnaire``, ``plan``, ``data_2025``, ...).
    numbers : mapping of id to values
        Every published figure or table: numbers, lists, dicts or DataFrames.
    digits : int
        Significant digits kept for floats.
    extra : mapping, optional
        More JSON-able metadata (language, options), stored under ``"run"``.

    Returns
    -------
    dict
        ``{"format", "trustsurvey_version", "files": {name: {"file", "sha256", "bytes"}},
        "numbers": {id: values}, "run": {...}}``.
    """
    recorded = {}
    for name, path in files.items():
        p = Path(path)
        if not p.is_file():
            raise ReportError(f"input file {name!r} ({str(p)!r}) does not exist; the manifest records the "
                              "checksum of every input, so give the path of the file that was read")
        recorded[str(name)] = {"file": p.name, "sha256": sha256_file(p), "bytes": p.stat().st_size}
    return {
        "format": MANIFEST_FORMAT,
        "trustsurvey_version": str(version),
        "files": recorded,
        "numbers": {str(k): normalise(v, digits) for k, v in numbers.items()},
        "run": normalise(dict(extra or {}), digits),
    }


def write_json(obj: Any, path: str | Path, *, digits: int = 15, normalised: bool = False) -> Path:
    """Write ``obj`` as deterministic JSON (sorted keys, 2-space indent, UTF-8, final newline).

    ``normalised``: ``obj`` is already in plain-JSON form (what :func:`build_manifest` returns).
    """
    text = json.dumps(obj if normalised else normalise(obj, digits), sort_keys=True, indent=2,
                      ensure_ascii=False, allow_nan=False)
    path = Path(path)
    path.write_bytes((text + "\n").encode("utf-8"))
    return path


def read_json(path: str | Path) -> Any:
    """Read a manifest (or any JSON file), with a ReportError naming the file on failure."""
    try:
        with open(path, encoding="utf-8") as fh:
            return json.load(fh)
    except OSError as exc:
        raise ReportError(f"cannot read {str(path)!r}: {exc.strerror}") from exc
    except json.JSONDecodeError as exc:
        raise ReportError(f"{str(path)!r} is not valid JSON (line {exc.lineno}, column {exc.colno}): "
                          f"{exc.msg}") from exc


@dataclass(frozen=True)
class Mismatch:
    """One published value that was not reproduced.

    Attributes
    ----------
    path : str
        Where it is, e.g. ``numbers/breakdown[item=trust_police,metric=top2,by=district,group=3]/estimate``.
    published, recomputed : object
        The two values (``None`` when absent).
    reason : str
        ``"differs"``, ``"missing"`` (published, not recomputed), ``"extra"`` (recomputed only) or
        ``"type"`` (a number against text, a list against an object, ...).
    parts : tuple
        The same place as the keys and positions walked (``("numbers", "breakdown_2025", "rows",
        "trust_police|top2||district|3", "estimate")``), for callers that name it their own way.
    """

    path: str
    published: Any
    recomputed: Any
    reason: str
    parts: tuple = field(default=(), repr=False)

    def to_frame(self) -> pd.DataFrame:
        """One-row table ``path, published, recomputed, reason``."""
        return mismatch_table([self])


def mismatch_table(mismatches: list[Mismatch]) -> pd.DataFrame:
    """All mismatches as one table ``path, published, recomputed, reason``."""
    return pd.DataFrame([(m.path, m.published, m.recomputed, m.reason) for m in mismatches],
                        columns=["path", "published", "recomputed", "reason"])


def _is_number(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def _label(record: Any, index: int) -> str:
    if isinstance(record, Mapping):
        parts = [f"{k}={record[k]}" for k in KEY_FIELDS if k in record and record[k] not in ("", None)]
        if parts:
            return ",".join(parts)
    return str(index)


def _compare(a: Any, b: Any, path: str, rtol: float, atol: float, out: list[Mismatch],
             names: list | None = None, parts: tuple = ()) -> None:
    """Walk two values side by side; ``names`` label list positions (a table's ``columns``).

    Mapping keys are walked in ``b``'s order, then the keys only ``a`` has: the recomputed
    side of a reproduction keeps its tables' row order, so differences come in that order.
    """
    if _is_number(a) and _is_number(b):
        if abs(a - b) > atol + rtol * max(abs(a), abs(b)):
            out.append(Mismatch(path, a, b, "differs", parts))
    elif isinstance(a, Mapping) and isinstance(b, Mapping):
        columns = a.get("columns") if isinstance(a.get("columns"), list) else None
        for k in [*b, *(k for k in a if k not in b)]:
            sub, where = f"{path}/{k}", (*parts, k)
            if k not in b:
                out.append(Mismatch(sub, a[k], None, "missing", where))
            elif k not in a:
                out.append(Mismatch(sub, None, b[k], "extra", where))
            else:
                _compare(a[k], b[k], sub, rtol, atol, out, columns if k == "rows" and columns else names, where)
    elif isinstance(a, list) and isinstance(b, list):
        named = names is not None and len(names) == len(a) == len(b) and all(isinstance(n, str) for n in names)
        for i in range(max(len(a), len(b))):
            if named:
                sub, where = f"{path}/{names[i]}", (*parts, names[i])
            else:
                label = _label(a[i] if i < len(a) else b[i], i)
                sub, where = f"{path}[{label}]", (*parts, label)
            if i >= len(b):
                out.append(Mismatch(sub, a[i], None, "missing", where))
            elif i >= len(a):
                out.append(Mismatch(sub, None, b[i], "extra", where))
            else:
                _compare(a[i], b[i], sub, rtol, atol, out, None, where)
    elif a is None or b is None or type(a) is type(b) or (_is_number(a) and _is_number(b)):
        if a != b:
            out.append(Mismatch(path, a, b, "differs", parts))
    else:
        out.append(Mismatch(path, a, b, "type", parts))


def compare_manifests(published: Mapping, recomputed: Mapping, rtol: float = 1e-9, atol: float = 1e-12, *,
                      check_files: bool = False) -> list[Mismatch]:
    """Compare two manifests number by number.

    Parameters
    ----------
    published, recomputed : dict
        Manifests (as read with :func:`read_json`, or made by :func:`build_manifest`).
    rtol, atol : float
        Numbers ``a``, ``b`` match when ``|a - b| <= atol + rtol * max(|a|, |b|)``;
        text, booleans and missing values must be equal.
    check_files : bool
        Also report input files whose checksum differs (``files/<name>/sha256``).

    Returns
    -------
    list of Mismatch
        Empty when everything was reproduced.

    Notes
    -----
    Objects are matched by key (in ``recomputed``'s order, then keys only
    ``published`` has), lists by position (items beyond the end of either list
    are ``missing`` or ``extra``); a list of records is named
    by its key fields (``[item=trust_police,metric=top2,by=district,group=3]``), and
    in a table stored as ``{"columns": [...], "rows": {key: [values]}}`` the
    values are named by their columns (``rows/trust_police|top2||district|3/estimate``).

    Examples
    --------
    >>> pub = {"numbers": {"trust": [{"item": "trust_police", "estimate": 0.61}]}}
    >>> new = {"numbers": {"trust": [{"item": "trust_police", "estimate": 0.62}]}}
    >>> compare_manifests(pub, new)[0].path
    'numbers/trust[item=trust_police]/estimate'
    >>> compare_manifests(pub, pub)
    []
    """
    for name, m in (("published", published), ("recomputed", recomputed)):
        if not isinstance(m, Mapping) or "numbers" not in m:
            raise ReportError(f"the {name} manifest has no 'numbers' entry; is it a trustsurvey manifest.json?")
    out: list[Mismatch] = []
    _compare(normalise(published["numbers"]), normalise(recomputed["numbers"]), "numbers", rtol, atol, out,
             parts=("numbers",))
    if check_files:
        fa, fb = published.get("files", {}), recomputed.get("files", {})
        for name in sorted(set(fa) | set(fb)):
            ha = fa.get(name, {}).get("sha256")
            hb = fb.get(name, {}).get("sha256")
            if ha != hb:
                out.append(Mismatch(f"files/{name}/sha256", ha, hb,
                                    "missing" if hb is None else "extra" if ha is None else "differs",
                                    ("files", name, "sha256")))
    return out
