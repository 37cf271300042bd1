"""Direct estimates per area, per region and nationally, from a Survey's public methods (private).

The analysed value of each respondent is built once (an indicator of the
item's net, e.g. top-2, or its score), added to the Survey as a column, and
estimated by area, by region and overall through :meth:`Survey.mean`: design
based, domain variances that keep the whole design (as R's ``svyby``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import EstimationError

__all__ = ["Direct", "direct_estimates", "analysis_values", "area_key"]


@dataclass(frozen=True, eq=False)
class Direct:
    """Direct estimates: ``areas`` (key, value, estimate, se, n_unweighted, n_weighted), ``regions``
    (key, value, estimate, se, ...), ``national`` (estimate, se, n_unweighted), ``region_of``
    (area key -> region key), the kind (``proportion`` or ``mean``) and the pooled unit variance."""

    areas: pd.DataFrame
    regions: pd.DataFrame | None
    national: dict
    region_of: dict
    kind: str
    unit_variance: float
    region_values: dict
    region_dtype: object = None


def area_key(values) -> np.ndarray:
    """Text keys for area codes, so that ``101``, ``101.0`` and ``"101"`` match across files.

    >>> area_key(pd.Series([101, 102.0, "103"])).tolist()
    ['101', '102', '103']
    """
    out = []
    for v in np.asarray(values, dtype=object):
        if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA:
            out.append(None)
        elif isinstance(v, (float, np.floating)) and float(v).is_integer():
            out.append(str(int(v)))
        else:
            out.append(str(v))
    return np.array(out, dtype=object)


def analysis_values(survey, item: str, metric: str, data: pd.DataFrame | None = None) -> tuple[np.ndarray, str]:
    """The value of every respondent (NaN outside the base) and the kind of estimate.

    ``metric`` is a net of the item's scale (``top2``, ``bottom2``, ``yes``, ...)
    for a share, or ``mean`` for its mean score (the column itself when the item
    has no scale). ``data`` is ``survey.data`` when the caller has it already.
    """
    data = survey.data if data is None else data
    if item not in data.columns:
        raise EstimationError(f"item {item!r} is not in the survey data; available: "
                              f"{', '.join(map(str, list(data.columns)[:40]))}")
    try:
        x = pd.to_numeric(data[item], errors="raise").to_numpy(dtype=float, na_value=np.nan)
    except (TypeError, ValueError):
        raise EstimationError(f"item {item!r} is not numeric; small-area estimates need coded answers "
                              "or numbers") from None
    q = survey.questionnaire
    scale = None
    if q is not None and q.has_variable(item):
        scale = q.scale_for(item)
    if metric == "mean":
        if scale is not None and scale.codes:
            valid = np.isin(x, list(scale.valid_codes))
            scores = pd.Series(x).map(scale.score_map()) if scale.scored else pd.Series(x)
            return np.where(valid, scores.to_numpy(dtype=float, na_value=np.nan), np.nan), "mean"
        return x, "mean"
    if scale is None:
        raise EstimationError(f"metric={metric!r} needs the item's scale from the questionnaire, and the survey "
                              f"has {'no questionnaire' if q is None else f'no scale for {item!r}'}; use "
                              "metric='mean' for a numeric or 0/1 column")
    nets = dict(scale.nets)
    if metric not in nets:
        raise EstimationError(f"metric={metric!r} is not a net of the scale of {item!r}; choose one of "
                              f"{', '.join(sorted(nets) + ['mean'])}")
    valid = np.isin(x, list(scale.valid_codes))
    return np.where(valid, np.isin(x, list(nets[metric])).astype(float), np.nan), "proportion"


def _column_name(data_columns, item: str, metric: str) -> str:
    name = f"_{item}_{metric}"
    while name in data_columns:
        name = "_" + name
    return name


def direct_estimates(survey, item: str, metric: str, area: str, region: str | None) -> Direct:
    """Direct estimates of ``item``'s ``metric`` by area, by region and nationally."""
    data = survey.data
    for col, what in ((area, "area"), (region, "region")):
        if col is not None and col not in data.columns:
            raise EstimationError(f"{what}={col!r} is not a column of the survey data; available: "
                                  f"{', '.join(map(str, list(data.columns)[:40]))}")
    values, kind = analysis_values(survey, item, metric, data)
    if not np.isfinite(values).any():
        raise EstimationError(f"no respondent has a valid answer to {item!r}")
    name = _column_name(data.columns, item, metric)
    s2 = survey.with_columns({name: values})
    cols = ["estimate", "se", "n_unweighted", "n_weighted"]
    areas = s2.mean(name, by=area).to_frame()
    areas = areas[areas["n_unweighted"] > 0]
    out_areas = pd.DataFrame({"key": area_key(areas[area]), "value": areas[area].to_numpy(dtype=object)})
    for c in cols:
        out_areas[c] = areas[c].to_numpy()
    nat = s2.mean(name).to_frame().iloc[0]
    national = {c: float(nat[c]) for c in cols}
    regions = None
    region_of: dict = {}
    region_values: dict = {}
    if region is not None:
        present = data[region].dropna()
        region_values = dict(zip(area_key(present), present.to_numpy(dtype=object)))
        reg = s2.mean(name, by=region).to_frame()
        reg = reg[reg["n_unweighted"] > 0]
        regions = pd.DataFrame({"key": area_key(reg[region]), "value": reg[region].to_numpy(dtype=object)})
        for c in cols:
            regions[c] = reg[c].to_numpy()
        pairs = pd.DataFrame({"a": area_key(data[area]), "r": area_key(data[region])}).dropna().drop_duplicates()
        twice = pairs[pairs["a"].duplicated(keep=False)]
        if len(twice):
            a = twice["a"].iloc[0]
            raise EstimationError(f"areas must lie in one region each, but {area} {a} has respondents in "
                                  f"{region} {', '.join(sorted(twice.loc[twice['a'] == a, 'r']))}; "
                                  "check the data or choose another region column")
        region_of = dict(zip(pairs["a"], pairs["r"]))
    ok = np.isfinite(values)
    w = survey.weights.to_numpy(dtype=float)
    if survey.domain is not None:
        ok &= survey.domain
    mean = np.sum(w[ok] * values[ok]) / np.sum(w[ok])
    unit_variance = float(np.sum(w[ok] * (values[ok] - mean) ** 2) / np.sum(w[ok]))
    return Direct(areas=out_areas.reset_index(drop=True), regions=regions, national=national,
                  region_of=region_of, kind=kind, unit_variance=unit_variance, region_values=region_values,
                  region_dtype=None if region is None else data[region].dtype)
