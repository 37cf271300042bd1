"""The next wave's sample from the last one: design effects, size, allocation, margins of error and cost."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Sequence

import numpy as np
import pandas as pd

from ..errors import EstimationError
from .allocation import Allocation, allocate
from .sizes import margin_of_error, sample_size

__all__ = ["design_effects", "next_wave", "WavePlan", "DEFF_STATISTICS", "PLAN_COLUMNS"]

DEFF_STATISTICS = ("mean", "median", "max")
#: Columns of :meth:`WavePlan.to_frame` after the stratum column(s).
PLAN_COLUMNS = ["population", "n", "n_rounded", "issued", "moe", "cost"]


def _values(survey, data: pd.DataFrame, item: str, metric: str) -> tuple[np.ndarray, str]:
    """An item's net indicator (NaN outside its base), or its values when it has no such net."""
    if item not in data.columns:
        raise EstimationError(f"item {item!r} is not in the survey data; available: "
                              f"{', '.join(map(str, list(data.columns)[:40]))}")
    x = pd.to_numeric(data[item], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    q = survey.questionnaire
    scale = q.scale_for(item) if q is not None and q.has_variable(item) else None
    if scale is not None and metric in dict(scale.nets):
        valid = np.isin(x, list(scale.valid_codes))
        return np.where(valid, np.isin(x, list(dict(scale.nets)[metric])).astype(float), np.nan), metric
    return x, "mean"


def design_effects(survey, items: Sequence[str], metric: str = "top2") -> pd.DataFrame:
    """Design effects of key items in a wave (one pass of :meth:`Survey.mean`).

    Parameters
    ----------
    survey : Survey
        The wave, weighted as published.
    items : list of str
        Item ids; an item whose scale has the net ``metric`` is estimated as
        that share, any other (an index, a number) as a mean.
    metric : str
        The net (``top2`` by default).

    Returns
    -------
    pandas.DataFrame
        ``item, metric, estimate, se, deff, n_unweighted``. ``deff`` is the
        design effect against simple random sampling without replacement of the
        same size (R's ``deff=TRUE``); it includes clustering, stratification and
        the weighting.

    Examples
    --------
    The bundled example's first item and first index:

    >>> from trustsurvey.datasets import load_example
    >>> s = load_example(2025, raw=False)
    >>> d = design_effects(s, [s.questionnaire.question_ids[0], s.questionnaire.index_ids[0]])
    >>> d["metric"].tolist(), bool((d["deff"] > 1).all())
    (['top2', 'mean'], True)
    """
    if isinstance(items, str):
        items = [items]
    if not items:
        raise EstimationError("give at least one item to take the design effect from")
    data = survey.data
    cols, metrics, names = {}, [], []
    for i, item in enumerate(items):
        values, m = _values(survey, data, item, metric)
        name = f"_deff_{i}"
        while name in data.columns:
            name = "_" + name
        cols[name] = values
        metrics.append(m)
        names.append(name)
    est = survey.with_columns(cols).mean(names).to_frame()
    return pd.DataFrame({"item": list(items), "metric": metrics, "estimate": est["estimate"].to_numpy(),
                         "se": est["se"].to_numpy(), "deff": est["deff"].to_numpy(),
                         "n_unweighted": est["n_unweighted"].to_numpy()})


@dataclass(frozen=True, eq=False)
class WavePlan:
    """A planned wave (frozen): the national size and its allocation.

    Attributes
    ----------
    deff : float
        The design effect planned with.
    deffs : pandas.DataFrame
        The key items' design effects in the last wave (see :func:`design_effects`).
    n : float
        Completed interviews (unrounded) for the target margin of error.
    issued : float
        Units to issue (``n / response_rate``).
    moe, p, conf, response_rate : float
        Target margin of error, anticipated share, confidence level, response rate.
    population : float
        Population size (the weighted count of the wave).
    allocation : Allocation or None
        Allocation to the first ``by`` variable.
    moe_national : float
        Expected national margin of error after the allocation,
        ``z sqrt(deff p q sum(Wh^2 (1 - fh) / nh))``: ``moe`` for proportional
        allocation, larger for others (by the root of Kish's allocation design effect).
    cost_per_interview, cost, budget, n_budget, moe_budget : float
        Cost of the completed interviews (``n`` rounded up), and what a budget
        buys (NaN when not given).
    by : tuple of str
    """

    deff: float
    deffs: pd.DataFrame = field(repr=False)
    n: float
    issued: float
    moe: float
    p: float
    conf: float
    response_rate: float
    population: float
    by: tuple
    table: pd.DataFrame = field(repr=False)
    allocation: Allocation | None = field(default=None, repr=False)
    moe_national: float = math.nan
    cost_per_interview: float = math.nan
    cost: float = math.nan
    budget: float = math.nan
    n_budget: float = math.nan
    moe_budget: float = math.nan

    def to_frame(self) -> pd.DataFrame:
        """One row per stratum (and cell of the second ``by`` variable), then a total row.

        Returns
        -------
        pandas.DataFrame
            ``<by...>, population, n, n_rounded, issued, moe, cost``: the
            population (weighted count of the wave), the interviews (unrounded
            and whole, adding up to the total rounded up), the units to issue
            (whole interviews divided by the response rate, rounded up), the
            expected margin of error of a share and the cost of the whole
            interviews. The total row has the by-values ``"total"`` and the
            national margin of error after the allocation.
        """
        return self.table.copy()


def _populations(survey, data: pd.DataFrame, by: Sequence[str]) -> pd.Series:
    for b in by:
        if b not in data.columns:
            raise EstimationError(f"by={b!r} is not a column of the survey data; available: "
                                  f"{', '.join(map(str, list(data.columns)[:40]))}")
    w = survey.weights
    if survey.domain is not None:
        w = w[survey.domain]
        data = data[survey.domain]
    frame = data[list(by)].copy()
    frame["_w"] = w.to_numpy()
    return frame.dropna().groupby(list(by), sort=True)["_w"].sum()


def next_wave(survey, moe: float, *, items: Sequence[str], by: Sequence[str] | str | None = None,
              metric: str = "top2", p: float = 0.5, deff: float | None = None, deff_statistic: str = "mean",
              conf: float = 0.95, response_rate: float = 1.0, method: str = "proportional", power: float = 0.5,
              min_per_stratum: float = 0, cost_per_interview: float | None = None,
              budget: float | None = None) -> WavePlan:
    """Plan the next wave from the last: size for a margin of error, allocation, margins, cost.

    Parameters
    ----------
    survey : Survey
        The last wave (weighted): its design effects and its weighted counts
        (the population of each stratum) are used.
    moe : float
        Target national margin of error of a share (0.03 = 3 points).
    items : list of str
        Key items whose design effects are summarised by ``deff_statistic``.
    by : str or list of str, optional
        One or two stratification variables: the sample is allocated to the
        first by ``method``, and within each of its strata to the second
        proportionally (e.g. regions, then municipalities).
    p : float
        Anticipated share (0.5: the worst case).
    deff : float, optional
        Use this design effect instead of the last wave's.
    deff_statistic : {"mean", "median", "max"}
        How the key items' design effects are combined.
    conf, response_rate : float
        See :func:`~trustsurvey.planning.sample_size`.
    method, power, min_per_stratum
        See :func:`~trustsurvey.planning.allocate`.
    cost_per_interview : float, optional
        Cost of a completed interview: the plan's cost.
    budget : float, optional
        A fixed budget: the interviews it buys and their national margin of error.

    Returns
    -------
    WavePlan
        The expected margin of error of a stratum is that of a share ``p``
        with its ``n`` and the design effect (finite population corrected).

    Examples
    --------
    >>> from trustsurvey.datasets import load_example
    >>> s = load_example(2025, raw=False)
    >>> plan = next_wave(s, 0.03, items=s.questionnaire.question_ids[:1], by="region")
    >>> round(plan.n) > 1067, plan.to_frame()["region"].tolist()[-1]
    (True, 'total')
    """
    if deff_statistic not in DEFF_STATISTICS:
        raise EstimationError(f"deff_statistic={deff_statistic!r} is not known; choose one of "
                              f"{', '.join(DEFF_STATISTICS)}")
    by_t = (by,) if isinstance(by, str) else tuple(by or ())
    if len(by_t) > 2:
        raise EstimationError(f"by={list(by_t)}: give at most two variables (strata, then cells within them)")
    deffs = design_effects(survey, items, metric)
    if deff is None:
        values = deffs["deff"].to_numpy(dtype=float)
        values = values[np.isfinite(values)]
        if not values.size:
            raise EstimationError("no key item has a design effect in this wave; give deff=")
        deff = float(getattr(np, deff_statistic)(values))
    data = survey.data
    pops = _populations(survey, data, by_t) if by_t else None
    N = float(survey.weights[survey.domain].sum() if survey.domain is not None else survey.weights.sum())
    n = sample_size(moe, p=p, deff=deff, N=N, conf=conf)
    issued = sample_size(moe, p=p, deff=deff, N=N, conf=conf, response_rate=response_rate)
    cpi = math.nan if cost_per_interview is None else float(cost_per_interview)
    if cost_per_interview is not None and not cpi > 0:
        raise EstimationError(f"cost_per_interview={cost_per_interview!r} must be positive")
    rows = []
    alloc = None
    moe_nat = margin_of_error(n, p=p, deff=deff, N=N, conf=conf)
    if by_t:
        first = pops.groupby(level=0).sum()
        alloc = allocate(n, first, method=method, power=power, min_per_stratum=min_per_stratum,
                         Sh=None if method != "neyman" else _unit_sd(survey, data, items[0], metric, by_t[0],
                                                                           first.index))
        nh = pd.Series(alloc.nh, index=first.index)
        W = first / first.sum()
        fpc = ((first - nh) / (first - 1)).clip(lower=0)
        moe_nat = _z(conf) * math.sqrt(deff * p * (1 - p) * float(np.sum(W ** 2 / nh * fpc)))
        rounded = alloc.rounded()
        if len(by_t) == 1:
            for key in first.index:
                rows.append(_row(by_t, (key,), first[key], nh[key], rounded[key], response_rate, p, deff, conf, cpi))
        else:
            for key in first.index:
                cells = pops.loc[key]
                inner = allocate(nh[key], cells, method="proportional") if nh[key] < cells.sum() else None
                cell_n = pd.Series(inner.nh if inner is not None else cells.to_numpy(), index=cells.index)
                cell_r = inner.rounded() if inner is not None else cells.round().astype(int)
                for cell in cells.index:
                    rows.append(_row(by_t, (key, cell), cells[cell], cell_n[cell], int(cell_r[cell]), response_rate, p,
                                     deff, conf, cpi))
    total = _row(by_t, ("total",) * len(by_t), N, n, math.ceil(n - 1e-9), response_rate, p, deff, conf, cpi)
    total["moe"] = moe_nat
    if by_t:
        total["issued"] = int(sum(r["issued"] for r in rows))
    rows.append(total)
    table = pd.DataFrame(rows, columns=[*by_t, *PLAN_COLUMNS]) if by_t else pd.DataFrame([total],
                                                                                          columns=PLAN_COLUMNS)
    n_budget = moe_budget = bud = math.nan
    if budget is not None:
        bud = float(budget)
        if not (bud > 0 and cpi > 0):
            raise EstimationError("budget needs a positive budget and cost_per_interview")
        n_budget = min(bud / cpi, N)
        moe_budget = margin_of_error(n_budget, p=p, deff=deff, N=N, conf=conf)
    return WavePlan(deff=deff, deffs=deffs, n=n, issued=issued, moe=float(moe), p=p, conf=conf,
                    response_rate=response_rate, population=N, by=by_t, table=table, allocation=alloc,
                    moe_national=moe_nat, cost_per_interview=cpi, cost=math.ceil(n - 1e-9) * cpi, budget=bud,
                    n_budget=n_budget, moe_budget=moe_budget)


def _z(conf: float) -> float:
    from ..distributions import norm_ppf

    return float(norm_ppf(1 - (1 - conf) / 2))


def _row(names, keys, population, n, n_rounded, rr, p, deff, conf, cpi) -> dict:
    moe = margin_of_error(n, p=p, deff=deff, N=population, conf=conf) if population > 1 and n > 0 else math.nan
    row = dict(zip(names, keys))
    row.update(population=float(population), n=float(n), n_rounded=int(n_rounded),
               issued=math.ceil(n_rounded / rr - 1e-9), moe=moe, cost=float(n_rounded * cpi))
    return row


def _unit_sd(survey, data, item, metric, by, index) -> pd.Series:
    values, _ = _values(survey, data, item, metric)
    name = "_sd_item"
    while name in data.columns:
        name = "_" + name
    est = survey.with_columns({name: values}).mean(name, by=by).to_frame()
    p = pd.Series(est["estimate"].to_numpy(), index=est[by].to_numpy()).reindex(index)
    if values[np.isfinite(values)].size and set(np.unique(values[np.isfinite(values)])) <= {0.0, 1.0}:
        sd = np.sqrt(p * (1 - p))
    else:
        raise EstimationError("Neyman allocation needs a share (a net such as top2) of the first key item")
    return sd.clip(lower=1e-6)
