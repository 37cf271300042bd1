"""The questionnaire's weighting scheme: targets, method, sources — applied in one call.

A questionnaire's ``weighting`` section names the method (``rake``,
``poststratify`` or ``calibrate``), the population total and, per variable, the
targets (``share`` or ``count``) with their source and whether they are
estimates. :func:`apply_scheme` applies it to a design and returns a
:class:`SchemeResult`: the new design, the diagnostics of every step (the
method, then trimming if the section asks for it) and the citations a report
must give (:func:`scheme_sources`).

The statistics layer never reads files: writing weighted data files is
:func:`trustsurvey.io.weighted.weight_file`'s job, and ``Survey.weight()`` is the
face that keeps the results with the survey.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from ..design import Design
from ..errors import WeightingError
from .diagnostics import WeightingResult
from .registry import apply
from .trim import trim_weights

__all__ = ["apply_scheme", "SchemeResult", "scheme_targets", "scheme_sources", "SCHEME_METHODS"]

#: the methods a questionnaire's weighting section can name
SCHEME_METHODS = ("rake", "poststratify", "calibrate")
_OPTIONAL = ("max_iter", "tol", "bounds", "missing", "partial")


@dataclass(frozen=True, eq=False)
class SchemeResult:
    """A weighting scheme applied: the new design, each step's diagnostics and the citations.

    Attributes
    ----------
    design : Design
        The re-weighted design.
    steps : tuple of WeightingResult
        The method's diagnostics, then trimming's (if trimmed).
    sources : tuple of dict
        :func:`scheme_sources` of the section.
    population : str or None
        The section's description of the target population.
    """

    design: Design
    steps: tuple[WeightingResult, ...]
    sources: tuple[dict, ...]
    population: str | None


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


def apply_scheme(design: Design, data: pd.DataFrame, section: Any, *, method: str | None = None,
                 trim: tuple[float | None, float | None] | dict | None = None,
                 **options: Any) -> SchemeResult:
    """Apply a questionnaire's weighting section (targets, method, trimming) to a design.

    Parameters
    ----------
    design : Design
        The whole sample's design.
    data : pandas.DataFrame
        The data aligned with the design (weighting variables as the questionnaire codes them).
    section : Weighting
        The questionnaire's ``weighting`` section.
    method : {"rake", "poststratify", "calibrate"}, optional
        Override the section's method.
    trim : (lower, upper) or dict, optional
        Trim the weights afterwards (``dict``: keyword arguments of
        :func:`~trustsurvey.weighting.trim_weights`); default: the section's ``trim``.
    **options
        Passed to the method (``missing=``, ``max_iter=``, ``tol=``, ...).

    Returns
    -------
    SchemeResult

    Raises
    ------
    WeightingError
        A method a questionnaire cannot drive, post-stratification on several
        variables, or any error of the method.
    """
    name = method or getattr(section, "method", None) or "rake"
    if name not in SCHEME_METHODS:
        raise WeightingError(f"weighting method {name!r} cannot be driven by a questionnaire; use "
                             f"{', '.join(SCHEME_METHODS)}")
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
    out = apply(name, design, data, targets, unit=unit, **options)
    steps = [out.result]
    trim = trim if trim is not None else getattr(section, "trim", None)
    if trim is not None:
        kwargs = dict(trim) if isinstance(trim, dict) else {"lower": trim[0], "upper": trim[1]}
        out = trim_weights(out.design, data, **kwargs)
        steps.append(out.result)
    return SchemeResult(design=out.design, steps=tuple(steps), sources=scheme_sources(section),
                        population=getattr(section, "population", None))
