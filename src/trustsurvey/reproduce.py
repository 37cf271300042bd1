"""Reproduce a published report from its manifest: recompute every number and compare, cell by cell.

:func:`reproduce` reads a report's ``manifest.json``, finds its analysis plan
(recorded relative to the manifest, so a report moved together with its inputs
still reproduces; or given), checks the SHA-256 of every input the manifest
records, runs the plan again (:func:`trustsurvey.pipeline.compute`) and
compares every published number (:func:`trustsurvey.report.manifest.compare_manifests`).

The answer is a :class:`Reproduction`: each published cell that was not
reproduced (its table, row and column, in the tables' own order) and each
input whose checksum differs from the recorded one.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping

import pandas as pd

from .errors import PlanError, ReportError
from .pipeline import compute, published_numbers
from .plan import AnalysisPlan

__all__ = ["Reproduction", "reproduce", "read_manifest", "MISMATCH_COLUMNS", "INPUT_COLUMNS"]

#: Columns of :attr:`Reproduction.mismatches`.
MISMATCH_COLUMNS = ["table", "row", "column", "published", "recomputed", "reason"]
#: Columns of :attr:`Reproduction.inputs`.
INPUT_COLUMNS = ["input", "file", "status"]


@dataclass(frozen=True, eq=False)
class Reproduction:
    """The outcome of :func:`reproduce`.

    Attributes
    ----------
    mismatches : pandas.DataFrame
        One row per published cell that was not reproduced, in the order of the tables and
        their rows: ``table, row, column, published, recomputed, reason`` (``row`` names the
        row by its key fields, e.g. ``item=trust|metric=top2|by=region|group=3``; ``reason``
        is ``differs``, ``missing`` (published, not recomputed), ``extra`` or ``type``).
    n_numbers : int
        How many numbers were recomputed.
    inputs : pandas.DataFrame
        ``input, file, status`` for every input: ``same``, ``changed`` (its SHA-256 differs
        from the recorded one), ``missing`` (recorded, but the plan no longer has it) or
        ``not recorded``.
    """

    mismatches: pd.DataFrame
    n_numbers: int
    inputs: pd.DataFrame

    @property
    def changed_inputs(self) -> tuple[str, ...]:
        """Inputs whose checksum differs from the manifest's (or that the plan no longer has)."""
        return tuple(self.inputs.loc[self.inputs["status"].isin(["changed", "missing"]), "input"])

    @property
    def ok(self) -> bool:
        """Every published number was reproduced (whatever the inputs)."""
        return len(self.mismatches) == 0

    def to_frame(self) -> pd.DataFrame:
        """The mismatches (see the class notes)."""
        return self.mismatches.copy()

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able form: ``reproduced, n_numbers, n_mismatches, inputs, mismatches``."""
        from .report.manifest import normalise

        return {"reproduced": self.ok, "inputs_unchanged": not self.changed_inputs,
                "n_numbers": int(self.n_numbers), "n_mismatches": int(len(self.mismatches)),
                "inputs": normalise(self.inputs), "mismatches": normalise(self.mismatches)}


def read_manifest(path: str | os.PathLike) -> dict:
    """Read a ``manifest.json`` and check its shape.

    Raises
    ------
    ReportError
        The file is not JSON, or not a trustsurvey manifest (an object with ``numbers``,
        ``files`` and ``run``).
    """
    from .report.manifest import read_json

    manifest = read_json(path)
    if not isinstance(manifest, dict):
        raise ReportError(f"{str(path)!r} is not a trustsurvey manifest: it holds a JSON "
                          f"{type(manifest).__name__}, not an object with 'numbers', 'files' and 'run'; "
                          "give the manifest.json a report was written with")
    for key, kind in (("numbers", dict), ("files", dict), ("run", dict)):
        value = manifest.get(key, {} if key != "numbers" else None)
        if not isinstance(value, kind):
            raise ReportError(f"{str(path)!r} is not a trustsurvey manifest: its '{key}' entry is "
                              f"{'missing' if value is None else type(value).__name__}, not an object; "
                              "give the manifest.json a report was written with")
    return manifest


def _recorded_path(value: Any, folder: Path) -> Path | None:
    if not isinstance(value, str) or not value:
        return None
    p = Path(value)
    return p if p.is_absolute() else folder / p


def _check_inputs(manifest: Mapping, files: Mapping[str, Path]) -> pd.DataFrame:
    from .report.manifest import sha256_file

    recorded = manifest.get("files") or {}
    rows = []
    for name, path in files.items():
        entry = recorded.get(name)
        sha = entry.get("sha256") if isinstance(entry, dict) else None
        if sha is None:
            status = "not recorded"
        else:
            status = "same" if sha256_file(path) == sha else "changed"
        rows.append((name, str(path), status))
    for name in recorded:
        if name not in files:
            entry = recorded[name]
            rows.append((name, entry.get("file", "") if isinstance(entry, dict) else "", "missing"))
    return pd.DataFrame(rows, columns=INPUT_COLUMNS)


def _row_name(key: str, keys: list | None) -> str:
    """``trust|top2||region|3`` with keys ``item, metric, level, by, group`` -> ``item=trust|metric=top2|...``."""
    if not keys:
        return key
    parts = key.split("|")
    if len(parts) != len(keys):
        return key
    return "|".join(f"{k}={v}" for k, v in zip(keys, parts) if v != "")


def _mismatch_frame(found: list, numbers: Mapping) -> pd.DataFrame:
    rows = []
    for m in found:
        parts = list(m.parts[1:])  # drop "numbers"
        table = parts[0] if parts else ""
        entry = numbers.get(table) if isinstance(numbers, Mapping) else None
        keys = entry.get("keys") if isinstance(entry, Mapping) else None
        if len(parts) >= 3 and parts[1] == "rows":
            row, column = _row_name(str(parts[2]), keys), "/".join(map(str, parts[3:]))
        else:
            row, column = "", "/".join(map(str, parts[1:]))
        rows.append((table, row, column, m.published, m.recomputed, m.reason))
    return pd.DataFrame(rows, columns=MISMATCH_COLUMNS)


def reproduce(manifest_path: str | os.PathLike, *, plan_path: str | os.PathLike | None = None,
              data: Mapping[int, str | os.PathLike] | None = None, rtol: float = 1e-9,
              progress: Callable[[str], None] | None = None) -> Reproduction:
    """Recompute a published report from its manifest and compare number by number.

    Parameters
    ----------
    manifest_path : path
        The ``manifest.json`` of a report.
    plan_path : path, optional
        The analysis plan (default: the one the manifest records, relative to the manifest's folder).
    data : mapping of year -> path, optional
        Data files to use instead of the plan's (e.g. a partner's copy).
    rtol : float
        Relative tolerance of the comparison.
    progress : callable, optional
        Called with a short description before each step.

    Returns
    -------
    Reproduction

    Raises
    ------
    ReportError
        The manifest cannot be read or is not a manifest.
    PlanError
        The plan cannot be found (pass ``plan_path``) or has problems.
    """
    from .report.manifest import compare_manifests

    manifest_path = Path(manifest_path)
    manifest = read_manifest(manifest_path)
    run = manifest.get("run") or {}
    if plan_path is None:
        plan_file = _recorded_path(run.get("plan"), manifest_path.resolve().parent)
        if plan_file is None or not plan_file.is_file():
            raise PlanError(f"the analysis plan {run.get('plan')!r} recorded in {manifest_path} is not here "
                            f"(looked for {str(plan_file)!r}); pass the plan (--plan PLAN.yaml, or plan_path=) "
                            "and, for data elsewhere, --data YEAR=FILE")
    else:
        plan_file = Path(plan_path)
    plan = AnalysisPlan.from_yaml(plan_file)
    if data:
        plan = plan.with_data(data)
    files = dict(plan.input_files())
    files["plan"] = Path(plan_file)
    inputs = _check_inputs(manifest, files)
    result = compute(plan, progress=progress)
    recomputed = {"numbers": published_numbers(result)}
    found = compare_manifests(manifest, recomputed, rtol=rtol)
    n = sum(len(t.get("rows", {})) * len(t.get("columns", [])) for t in recomputed["numbers"].values())
    return Reproduction(mismatches=_mismatch_frame(found, recomputed["numbers"]), n_numbers=n, inputs=inputs)

