"""Weighted two-way tables: counts and row, column or cell percentages with their standard errors.

A crosstab of ``row`` by ``col`` is estimated on the respondents who answered
both (a domain: variances use the whole design), as R's

- ``svytotal(~interaction(row, col))``: the weighted count of every cell;
- ``svyby(~col, ~row, svymean)``: row percentages, each row level a domain with its
  own degrees of freedom (``col``: ``svyby(~row, ~col, svymean)``);
- ``svymean(~interaction(row, col))``: cell percentages.

Its test of independence (Rao-Scott, R's ``svychisq``) is attached by
:meth:`trustsurvey.Survey.crosstab`. :class:`Crosstab` gives the tidy table
(:meth:`Crosstab.to_frame`) and the wide "banner" table researchers and
market-research tools print (:meth:`Crosstab.to_banner`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .design import Design
from .errors import EstimationError
from .estimation import proportion, total

__all__ = ["Crosstab", "crosstab", "PERCENTS"]

#: What a crosstab's percentages are of: each row level, each column level, or the whole table.
PERCENTS = ("row", "col", "cell")


@dataclass(frozen=True, eq=False)
class Crosstab:
    """A weighted two-way table (see the module docstring).

    Attributes
    ----------
    row, col : str
        The two variables.
    percent : {"row", "col", "cell"}
        What ``estimate`` is a share of.
    table : pandas.DataFrame
        The tidy table (see :meth:`to_frame`).
    test : ChisqResult or None
        The design-based test of independence (R's ``svychisq``).
    """

    row: str
    col: str
    percent: str
    table: pd.DataFrame
    test: Any = None

    def to_frame(self) -> pd.DataFrame:
        """One row per cell: ``<row>, <col>, estimate, se, ci_low, ci_high, df, deff, n_unweighted,
        n_weighted, count, count_se`` (with label columns after the keys when the survey has a
        questionnaire).

        ``estimate`` is the cell's share (0-1) of its row level (``percent="row"``),
        of its column level (``"col"``) or of the whole table (``"cell"``), with its
        interval on that domain's degrees of freedom (``df``); ``n_unweighted`` and
        ``n_weighted`` are the base of the share (the respondents of the row level, of
        the column level, or of the table); ``count`` and ``count_se`` the estimated
        population count of the cell (R's ``svytotal``) and its standard error.
        """
        return self.table.copy()

    def to_banner(self, *, labels: bool = True, scale: float = 100.0) -> pd.DataFrame:
        """The wide table: row levels down, column levels across, percentages in the cells.

        Parameters
        ----------
        labels : bool
            Use the level labels (when the survey has a questionnaire) instead of the codes.
        scale : float
            Multiplier of the shares (100: percentages).

        Returns
        -------
        pandas.DataFrame
            For column percentages a last row ``n`` holds each column's unweighted base;
            for row percentages a last column ``n`` each row's; for cell percentages a
            row and a column ``All`` hold the margins.
        """
        t = self.table
        rk = f"{self.row}_label" if labels and f"{self.row}_label" in t.columns else self.row
        ck = f"{self.col}_label" if labels and f"{self.col}_label" in t.columns else self.col
        rows = list(dict.fromkeys(t[rk]))
        cols = list(dict.fromkeys(t[ck]))
        wide = t.pivot(index=rk, columns=ck, values="estimate").reindex(index=rows, columns=cols) * scale
        wide.index.name, wide.columns.name = self.row, self.col
        base = t.pivot(index=rk, columns=ck, values="n_unweighted").reindex(index=rows, columns=cols)
        if self.percent == "col":
            wide.loc["n"] = base.max(axis=0)
        elif self.percent == "row":
            wide["n"] = base.max(axis=1)
        else:
            wide["All"] = wide.sum(axis=1)
            wide.loc["All"] = wide.sum(axis=0)
        return wide

    def __repr__(self) -> str:
        head = f"Crosstab({self.row} x {self.col}, {self.percent} percentages)"
        test = f"\n{self.test!r}" if self.test is not None else ""
        return head + "\n" + self.to_banner().round(1).to_string() + test


def crosstab(design: Design, data: pd.DataFrame, row: str, col: str, domain: np.ndarray | None = None, *,
             percent: str = "col", ci_method: str = "logit", conf_level: float = 0.95) -> Crosstab:
    """Weighted counts and percentages of ``row`` by ``col`` (see the module docstring).

    Parameters
    ----------
    design, data, domain
        The sample (``domain``: a subpopulation mask, or None).
    row, col : str
        Two categorical (or coded) variables; respondents missing either are left out.
    percent : {"row", "col", "cell"}
    ci_method : str
        Interval of the shares (see :func:`trustsurvey.inference.proportion_interval`);
        ``"mean"`` is R's ``confint`` of ``svyby(..., svymean)``.
    conf_level : float

    Returns
    -------
    Crosstab
    """
    if percent not in PERCENTS:
        raise EstimationError(f"percent={percent!r} is not known; choose one of {', '.join(PERCENTS)}")
    for name in (row, col):
        if name not in data.columns:
            raise EstimationError(f"variable {name!r} is not in the data; available columns: "
                                  f"{', '.join(map(str, list(data.columns)[:40]))}")
    if row == col:
        raise EstimationError(f"row and col are both {row!r}; name two different variables")
    complete = data[row].notna().to_numpy() & data[col].notna().to_numpy()
    if domain is not None:
        complete &= np.asarray(domain, dtype=bool)
    if not complete.any():
        raise EstimationError(f"no respondent answered both {row!r} and {col!r}")
    frame = pd.DataFrame({row: data[row], col: data[col]})
    rlev = _levels(frame[row], complete)
    clev = _levels(frame[col], complete)
    rcode = pd.Categorical(frame[row], categories=rlev).codes
    ccode = pd.Categorical(frame[col], categories=clev).codes
    cell = np.where(complete, rcode * len(clev) + ccode, -1)
    frame["__cell__"] = pd.Categorical.from_codes(np.where(cell >= 0, cell, -1),
                                                  categories=range(len(rlev) * len(clev)))
    counts = total(design, frame, ["__cell__"], None, complete).table
    if percent == "row":
        share = proportion(design, frame, [col], [row], complete, ci_method=ci_method, conf_level=conf_level).table
        share = share.rename(columns={"level": "__col__"})
        r_of, c_of = share[row].to_numpy(), share["__col__"].to_numpy()
    elif percent == "col":
        share = proportion(design, frame, [row], [col], complete, ci_method=ci_method, conf_level=conf_level).table
        share = share.rename(columns={"level": "__row__"})
        r_of, c_of = share["__row__"].to_numpy(), share[col].to_numpy()
    else:
        share = proportion(design, frame, ["__cell__"], None, complete, ci_method=ci_method,
                           conf_level=conf_level).table
        idx = share["level"].astype(int).to_numpy()
        r_of, c_of = np.asarray(rlev, dtype=object)[idx // len(clev)], np.asarray(clev, dtype=object)[idx % len(clev)]
    pos = {(_text(a), _text(b)): i for i, (a, b) in enumerate((a, b) for a in rlev for b in clev)}
    keys = [(_text(a), _text(b)) for a, b in zip(r_of, c_of)]
    known = np.array([k in pos for k in keys])  # levels seen only where the other variable is missing: out
    share = share[known]
    order = np.array([pos[k] for k, ok in zip(keys, known) if ok], dtype=np.int64)
    count_idx = counts["level"].astype(int).to_numpy()
    count_est = pd.Series(counts["estimate"].to_numpy(), index=count_idx)
    count_se = pd.Series(counts["se"].to_numpy(), index=count_idx)
    out = pd.DataFrame({row: np.asarray(rlev, dtype=object)[order // len(clev)],
                        col: np.asarray(clev, dtype=object)[order % len(clev)]})
    for c in ("estimate", "se", "ci_low", "ci_high", "df", "deff", "n_weighted"):
        out[c] = share[c].to_numpy(dtype=float)
    out["n_unweighted"] = share["n_unweighted"].to_numpy(dtype=np.int64)
    out = out[[row, col, "estimate", "se", "ci_low", "ci_high", "df", "deff", "n_unweighted", "n_weighted"]]
    out["count"] = count_est.reindex(order).to_numpy(dtype=float)
    out["count_se"] = count_se.reindex(order).to_numpy(dtype=float)
    out = out.assign(__order__=order).sort_values("__order__", kind="stable").drop(columns="__order__")
    for name, levels in ((row, rlev), (col, clev)):
        if isinstance(data[name].dtype, pd.CategoricalDtype):
            out[name] = pd.Categorical(out[name], categories=levels, ordered=data[name].cat.ordered)
    return Crosstab(row=row, col=col, percent=percent, table=out.reset_index(drop=True))


def _levels(col: pd.Series, ok: np.ndarray) -> list:
    present = set(pd.unique(col[ok]).tolist())
    if isinstance(col.dtype, pd.CategoricalDtype):
        return [c for c in col.cat.categories if c in present]
    try:
        return sorted(present)
    except TypeError:
        return sorted(present, key=str)


def _text(value) -> str:
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    return str(value)
