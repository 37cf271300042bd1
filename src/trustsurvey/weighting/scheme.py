"""The questionnaire's weighting scheme: targets, method, sources — applied in one call.

A questionnaire's ``weighting`` section names the method (``rake``,
``poststratify`` or ``calibrate``), the population total and, per variable, the
targets (``share`` or ``count``) with their source and whether they are
estimates. :func:`weight` applies it and puts the citations into the returned
Survey's ``attrs``:

- ``attrs["weighting"]``: the :class:`~trustsurvey.weighting.WeightingResult`,
- ``attrs["weighting_sources"]``: a tuple of dicts ``{"variable", "unit",
  "source", "estimate", "note"}`` (the population total as variable
  ``"(population total)"``), for reports to cite,
- ``attrs["weighting_population"]``: the description of the target population.

:func:`weight_file` does the same from files: read and validate the responses,
weight them, and write the data as stored with one new weight column.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..errors import WeightingError
from .registry import apply
from .trim import trim_weights

if TYPE_CHECKING:  # pragma: no cover
    from ..survey import Survey
    from .diagnostics import WeightingResult

__all__ = ["weight", "weight_file", "scheme_targets", "scheme_sources", "WRITABLE_SUFFIXES"]

WRITABLE_SUFFIXES = (".csv", ".xlsx", ".parquet")
_OPTIONAL = ("max_iter", "tol", "bounds", "missing", "partial")


def scheme_targets(weighting: Any) -> tuple[dict[str, dict], str, float | None]:
    """Targets of a questionnaire's weighting section, as ``(targets, unit, population)``.

    Shares become counts when the section gives a population total (or when
    some variables are given as counts, whose total is then used); without
    either they stay shares of the sum of the weights (``unit="share"``).
    """
    variables = dict(getattr(weighting, "variables", {}) or {})
    if not variables:
        raise WeightingError("the questionnaire's weighting section lists no variables (weighting.variables)")
    total = getattr(weighting, "total", None)
    population = None if total is None else float(total.value)
    counts = [v for v in variables.values() if v.unit == "count"]
    base = population
    if base is None and counts:
        base = float(sum(dict(counts[0].targets).values()))
    out: dict[str, dict] = {}
    for name, v in variables.items():
        targets = {k: float(x) for k, x in dict(v.targets).items()}
        if v.unit == "count" or base is None:
            out[name] = targets
        else:
            s = sum(targets.values())
            if s <= 0:
                raise WeightingError(f"weighting.variables.{name}: the shares add up to {s:g}")
            out[name] = {k: x / s * base for k, x in targets.items()}
    unit = "share" if base is None else "count"
    return out, unit, population


def scheme_sources(weighting: Any) -> tuple[dict, ...]:
    """The citations of a weighting section: one dict per variable, plus the population total."""
    rows = []
    total = getattr(weighting, "total", None)
    if total is not None:
        rows.append({"variable": "(population total)", "unit": "count", "value": float(total.value),
                     "source": total.source, "estimate": bool(total.estimate), "note": total.note})
    for name, v in dict(weighting.variables).items():
        rows.append({"variable": name, "unit": v.unit, "value": None, "source": v.source,
                     "estimate": bool(v.estimate), "note": v.note})
    return tuple(rows)


def weight(survey: "Survey", *, questionnaire: Any = None, method: str | None = None,
           trim: tuple[float | None, float | None] | dict | None = None, **options: Any) -> "Survey":
    """Apply the questionnaire's weighting scheme (targets, method) and keep its sources.

    Parameters
    ----------
    survey : Survey
        The whole sample, read with its questionnaire (``ts.read_survey``).
    questionnaire : Questionnaire, optional
        Use this questionnaire's ``weighting`` section instead of the survey's.
    method : {"rake", "poststratify", "calibrate"}, optional
        Override the section's method.
    trim : (lower, upper) or dict, optional
        Trim the weights afterwards (``dict``: keyword arguments of
        :func:`~trustsurvey.weighting.trim_weights`).
    **options
        Passed to the method (``missing=``, ``max_iter=``, ``tol=``, ...).

    Returns
    -------
    Survey
        Weighted; ``attrs["weighting"]`` (diagnostics), ``attrs["weighting_sources"]``
        and ``attrs["weighting_population"]`` hold what a report must cite.

    Raises
    ------
    WeightingError
        No questionnaire or no weighting section, or any error of the method.
    """
    q = questionnaire if questionnaire is not None else survey.questionnaire
    if q is None:
        raise WeightingError("this survey has no questionnaire to take the weighting scheme from; read it "
                             "with ts.read_survey(data, questionnaire), pass questionnaire=, or call "
                             "rake()/calibrate() with targets")
    section = getattr(q, "weighting", None)
    if section is None:
        name = getattr(q, "survey_id", None)
        raise WeightingError(f"the questionnaire{f' {name!r}' if name else ''} has no weighting section; add "
                             "one (method, total, variables with targets and sources)")
    name = method or getattr(section, "method", None) or "rake"
    if name not in ("rake", "poststratify", "calibrate"):
        raise WeightingError(f"weighting method {name!r} cannot be driven by a questionnaire; use rake, "
                             "poststratify or calibrate")
    targets, unit, population = scheme_targets(section)
    if name == "poststratify" and len(targets) > 1:
        raise WeightingError(
            f"weighting.method is poststratify but the section lists {len(targets)} variables "
            f"({', '.join(targets)}); post-stratification needs one table of cells: use method: rake")
    for opt in _OPTIONAL:
        value = getattr(section, opt, None)
        if value is not None and opt not in options:
            options[opt] = value
    if name == "calibrate":
        options.setdefault("population", population)
    weighted = apply(name, survey, targets, unit=unit, **options)
    trim = trim if trim is not None else getattr(section, "trim", None)
    if trim is not None:
        kwargs = dict(trim) if isinstance(trim, dict) else {"lower": trim[0], "upper": trim[1]}
        weighted = trim_weights(weighted, **kwargs)
    return weighted.with_design(weighted.design, weighting_sources=scheme_sources(section),
                                weighting_population=getattr(section, "population", None))


# --------------------------------------------------------------------------- files


def _write(frame: pd.DataFrame, path: Path) -> None:
    suffix = path.suffix.lower()
    fd, tmp = tempfile.mkstemp(prefix=".weighting-", suffix=suffix, dir=path.parent)
    os.close(fd)
    try:
        if suffix == ".csv":
            frame.to_csv(tmp, index=False, na_rep="")
        elif suffix == ".xlsx":
            frame.to_excel(tmp, index=False)
        else:
            frame.to_parquet(tmp, index=False)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def weight_file(questionnaire: Any, data_path: str | os.PathLike, out_path: str | os.PathLike, *,
                weight_column: str = "weight", force: bool = False, **options: Any) -> "WeightingResult":
    """Weight a response file by its questionnaire's scheme and write it with a new weight column.

    The responses are read and validated with :func:`trustsurvey.read_survey`;
    the output holds the input's columns *as stored* (codes such as 98/99
    unchanged) plus ``weight_column``. The input is never overwritten and an
    existing output only with ``force=True``; the output is written to a
    temporary file first, so a failure leaves nothing half-written.

    Parameters
    ----------
    questionnaire : Questionnaire or path to its YAML file
    data_path : path
        The responses (``.csv``, ``.xlsx``, ``.sav``, ``.dta``, ``.parquet``).
    out_path : path
        Where to write: ``.csv``, ``.xlsx`` or ``.parquet``.
    weight_column : str
        Name of the new column (must not exist in the data).
    force : bool
        Replace an existing ``out_path``.
    **options
        Passed to :func:`weight` (``missing=``, ``trim=``, ...).

    Returns
    -------
    WeightingResult
        The diagnostics (print it, or ``.to_frame()``).

    Raises
    ------
    WeightingError
        Output equal to the input, output exists without ``force``, unsupported
        output format, the weight column exists, or the weighting fails.
    DataValidationError
        The responses do not match the questionnaire.
    """
    from ..io import read_survey, read_table
    from ..io.readers import read_columns

    src, out = Path(data_path), Path(out_path)
    if out.suffix.lower() not in WRITABLE_SUFFIXES:
        raise WeightingError(f"cannot write {out}: give an output file ending in "
                             f"{', '.join(WRITABLE_SUFFIXES)}")
    if out.exists() and src.exists() and out.resolve() == src.resolve():
        raise WeightingError(f"the output {out} is the input file; the input is never overwritten — "
                             "choose another output name")
    if out.exists() and not force:
        raise WeightingError(f"{out} already exists; choose another name or pass force=True (--force) "
                             "to replace it")
    if not out.parent.exists():
        raise WeightingError(f"the output folder {out.parent} does not exist")
    survey = read_survey(src, questionnaire)
    weighted = weight(survey, **options)
    text_cols = read_columns(src) if src.suffix.lower() in (".csv", ".tsv", ".txt", ".xlsx", ".xlsm") else ()
    raw = read_table(src, text_columns=text_cols)
    if weight_column in raw.columns:
        raise WeightingError(f"{src} already has a column {weight_column!r}; choose another name "
                             "(weight_column=, --weight-column)")
    if len(raw) != len(weighted.data):
        raise WeightingError(f"{src}: {len(raw)} rows in the file but {len(weighted.data)} respondents "
                             "after validation; cannot align the weights")
    raw[weight_column] = np.asarray(weighted.weights, dtype=float)
    _write(raw, out)
    return weighted.attrs["weighting"]
