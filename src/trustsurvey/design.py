"""Survey designs: the frozen specification and the arrays prepared from the data once.

A :class:`DesignSpec` holds only names and options (which columns are weights,
strata, PSUs, FPC, replicate weights). :func:`prepare_design` checks the spec
against a data frame and returns a :class:`Design`: integer codes for strata and
clusters at every stage, sampling weights, population sizes, replicate weights.
Every statistical layer works on a ``Design`` and arrays, never on the data frame.

Weights are *sampling* weights (inverse inclusion probabilities), not frequency
weights: a weight of 30 says the respondent stands for 30 people, not that the
row was observed 30 times. Standard errors follow from the design, not from the
sum of the weights.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field, replace
from typing import Any, Sequence

import numpy as np
import pandas as pd

from .errors import DesignError

__all__ = [
    "DesignSpec",
    "Design",
    "Stage",
    "PostStratStep",
    "GregStep",
    "prepare_design",
    "LONELY_PSU_OPTIONS",
    "REPLICATE_METHODS",
]

LONELY_PSU_OPTIONS = ("fail", "remove", "adjust", "average", "certainty")
REPLICATE_METHODS = ("brr", "fay", "jk1", "jkn", "bootstrap", "subbootstrap")


def _as_tuple(value: str | Sequence[str] | None) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    return tuple(value)


@dataclass(frozen=True)
class DesignSpec:
    """Names and options of a survey design, as R's ``svydesign``/``svrepdesign`` take them.

    Parameters
    ----------
    weights : str, optional
        Column of sampling weights. If omitted with an FPC, weights are derived
        from the sampling fractions (as R does); if omitted without one, all
        weights are 1.
    strata : str, optional
        Column of first-stage strata.
    psu : tuple of str
        Cluster columns, one per stage (empty: every row is its own PSU).
    fpc : tuple of str
        Finite population correction columns, one per stage: population
        counts, or sampling fractions when every value is at most 1.
    nest : bool
        PSU ids are only unique within strata (relabel them by stratum).
    lonely_psu : {"fail", "remove", "adjust", "average", "certainty"}
        What to do with a stratum that has a single PSU, with the meanings of R's
        ``options(survey.lonely.psu=)``.
    adjust_domain_lonely : bool
        R's ``options(survey.adjust.domain.lonely=TRUE)``: a stratum with several
        PSUs of which only one has respondents in a domain is treated like a lonely
        PSU there. With ``lonely_psu="adjust"`` that PSU's total is centred on zero
        instead of on the stratum mean; with ``"average"`` the stratum is left out and
        the others' variance scaled up. Only with those two options.
    replicate_weights : tuple of str
        Replicate weight columns (combined weights: they include the sampling weight).
    replicate_method : {"brr", "fay", "jk1", "jkn", "bootstrap", "subbootstrap"}
        R's ``svrepdesign`` type (R's spellings ``"BRR"``, ``"Fay"``, ``"JK1"``, ``"JKn"``
        are accepted). Default ``scale``: ``1/R`` (brr), ``1/(R (1-rho)^2)`` (fay),
        ``(R-1)/R`` (jk1), 1 (jkn, with ``rscales`` required), ``1/(R-1)`` (bootstrap
        and subbootstrap: R's ``svrepdesign(type="bootstrap")`` for given weights of
        either kind; pass ``scale=`` for Canty-Davison weights, whose scale is
        ``n'/((n'-1)(R-1))``).
    fay_rho, scale, rscales, mse
        As R's ``svrepdesign``: ``rho``, ``scale``, ``rscales``, ``mse``.
    """

    weights: str | None = None
    strata: str | None = None
    psu: tuple[str, ...] = ()
    fpc: tuple[str, ...] = ()
    nest: bool = False
    lonely_psu: str = "fail"
    replicate_weights: tuple[str, ...] = ()
    replicate_method: str | None = None
    fay_rho: float = 0.0
    scale: float | None = None
    rscales: tuple[float, ...] | None = None
    mse: bool = False
    adjust_domain_lonely: bool = False

    def __post_init__(self) -> None:
        method = self.replicate_method
        if isinstance(method, str) and method.lower() in REPLICATE_METHODS:  # R's "JK1", "JKn", "BRR", "Fay"
            object.__setattr__(self, "replicate_method", method.lower())

    @property
    def is_replicate(self) -> bool:
        """Whether variances come from replicate weights."""
        return bool(self.replicate_weights)

    def columns(self) -> list[str]:
        """Every data column the design uses."""
        cols = [c for c in (self.weights, self.strata) if c]
        return cols + list(self.psu) + list(self.fpc) + list(self.replicate_weights)


@dataclass(frozen=True, eq=False)
class Stage:
    """One sampling stage, prepared: integer codes per row.

    Attributes
    ----------
    strata : ndarray of int
        Stratum code of each row at this stage (for later stages: the cluster of
        the stage before, within which units were drawn).
    clusters : ndarray of int
        Cluster code of each row, unique across the whole sample.
    n_clusters : ndarray of int
        Number of sampled clusters in each stratum (indexed by stratum code).
    popsize : ndarray of float
        Population number of clusters per stratum (``inf`` without an FPC).
    cluster_stratum : ndarray of int
        The stratum of each cluster (indexed by cluster code).
    """

    strata: np.ndarray
    clusters: np.ndarray
    n_clusters: np.ndarray
    popsize: np.ndarray
    cluster_stratum: np.ndarray

    @property
    def n_strata(self) -> int:
        return int(self.n_clusters.shape[0])

    @property
    def n_total_clusters(self) -> int:
        return int(self.cluster_stratum.shape[0])


@dataclass(frozen=True, eq=False)
class PostStratStep:
    """A post-stratification applied to the design, remembered for the variance.

    Linearised variances remove, within each cell, the cell mean of the
    influence values divided by the post-stratified ``weights`` (R's
    ``postStratify`` bookkeeping).
    """

    cells: np.ndarray
    weights: np.ndarray


@dataclass(frozen=True, eq=False)
class GregStep:
    """A calibration (GREG) applied to the design, remembered for the variance.

    Influence values are replaced by their residuals from a regression on the
    calibration model matrix ``X`` with weights ``w_half**2`` (R's calibrate
    bookkeeping: ``qr.resid(qr(X * w_half), x / (g * w_half)) * g * w_half``).
    """

    X: np.ndarray
    w_half: np.ndarray
    g: np.ndarray


@dataclass(frozen=True, eq=False)
class Design:
    """A design checked against its data: the spec plus prepared arrays.

    Build one with :func:`prepare_design`; derive new ones with
    :meth:`reweighted`. Instances are immutable and shared by the layers above.
    """

    spec: DesignSpec
    n: int
    weights: np.ndarray
    stages: tuple[Stage, ...] = ()
    repweights: np.ndarray | None = None
    scale: float = 1.0
    rscales: np.ndarray | None = None
    mse: bool = False
    calibration: tuple[Any, ...] = ()
    degf: int = 0
    extra: dict = field(default_factory=dict)  # caches derived from the arrays (never user data)

    @property
    def is_replicate(self) -> bool:
        """Whether variances come from replicate weights."""
        return self.repweights is not None

    @property
    def n_replicates(self) -> int:
        return 0 if self.repweights is None else int(self.repweights.shape[1])

    def reweighted(
        self,
        weights: np.ndarray,
        *,
        step: PostStratStep | GregStep | None = None,
        repweights: np.ndarray | None = None,
    ) -> "Design":
        """A new design with new weights (after weighting), remembering the step for variances.

        Parameters
        ----------
        weights : ndarray
            The new weights, one per row.
        step : PostStratStep or GregStep, optional
            What linearised variances must account for.
        repweights : ndarray, optional
            For replicate designs: the re-weighted replicate weights.
        """
        weights = np.asarray(weights, dtype=float)
        if weights.shape != (self.n,):
            raise DesignError(f"new weights have shape {weights.shape}, expected ({self.n},)")
        calibration = self.calibration + ((step,) if step is not None else ())
        if self.is_replicate:
            if repweights is None:
                raise DesignError("a replicate design needs re-weighted replicate weights")
            return replace(self, weights=weights, repweights=np.asarray(repweights, float),
                           calibration=calibration, extra={})
        return replace(self, weights=weights, calibration=calibration, extra={})

    def group_degf(self, codes: np.ndarray, n_groups: int) -> np.ndarray:
        """Degrees of freedom of every group's domain at once, as R's ``degf`` of each subset design.

        Parameters
        ----------
        codes : ndarray of int
            The group of each row, ``0 .. n_groups - 1``; ``-1``: in no group.
        n_groups : int

        Returns
        -------
        ndarray of float, shape (n_groups,)
            First-stage clusters minus strata among each group's rows (with a
            nonzero weight); replicate designs keep the full design's value.

        Examples
        --------
        >>> import pandas as pd
        >>> df = pd.DataFrame({"h": [1, 1, 1, 2, 2], "psu": [1, 2, 3, 4, 5]})
        >>> d = prepare_design(df, DesignSpec(strata="h", psu=("psu",)))
        >>> d.group_degf(np.array([0, 0, 1, 0, 1]), 2).tolist()
        [1.0, 0.0]
        """
        codes = np.asarray(codes, dtype=np.int64)
        if self.is_replicate or not self.stages:
            return np.full(n_groups, float(self.degf))
        st = self.stages[0]
        inset = (codes >= 0) & (self.weights != 0)
        g = codes[inset]
        C, H = st.n_total_clusters, st.n_strata
        occupied = np.bincount(g * C + st.clusters[inset], minlength=n_groups * C)[:n_groups * C] > 0
        rows, cols = np.nonzero(occupied.reshape(n_groups, C))
        strata = np.zeros((n_groups, H), dtype=bool)
        strata[rows, st.cluster_stratum[cols]] = True
        return (np.bincount(rows, minlength=n_groups) - strata.sum(axis=1)).astype(float)[:n_groups]

    def domain_degf(self, mask: np.ndarray | None) -> int:
        """Degrees of freedom of a domain, as R's ``degf`` of a subset design.

        Linearisation: clusters minus strata among rows in the domain;
        replicate designs keep the full design's value.
        """
        if mask is None or self.is_replicate or not self.stages:
            return self.degf
        st = self.stages[0]
        inset = mask & (self.weights != 0)
        return int(len(np.unique(st.clusters[inset])) - len(np.unique(st.strata[inset])))


# --------------------------------------------------------------------------- preparation


def _column(data: pd.DataFrame, name: str, role: str) -> pd.Series:
    if name not in data.columns:
        close = [c for c in data.columns if str(c).lower() == str(name).lower()]
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise DesignError(f"{role} column {name!r} is not in the data{hint}; "
                          f"available columns: {', '.join(map(str, list(data.columns)[:30]))}")
    col = data[name]
    if col.isna().any():
        rows = (np.flatnonzero(col.isna().to_numpy()) + 1)[:10].tolist()
        raise DesignError(f"{role} column {name!r} has missing values (rows {rows}); "
                          f"every respondent needs a {role}")
    return col


def _codes(values: pd.Series) -> np.ndarray:
    codes, _ = pd.factorize(values, sort=True)
    return codes.astype(np.int64)


def _positive_weights(data: pd.DataFrame, name: str) -> np.ndarray:
    col = data[name] if name in data.columns else _column(data, name, "weights")
    w = pd.to_numeric(col, errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(w) | (w <= 0)
    if bad.any():
        rows = (np.flatnonzero(bad) + 1)[:10].tolist()
        raise DesignError(
            f"weights column {name!r} has {int(bad.sum())} missing, zero, negative or non-finite "
            f"value(s) (rows {rows}); sampling weights must be positive numbers")
    return w


def _stage(strata: np.ndarray, clusters: np.ndarray, fpc: np.ndarray | None, stage_no: int,
           fpc_name: str | None) -> Stage:
    n_strata = int(strata.max()) + 1 if strata.size else 0
    n_clus = int(clusters.max()) + 1 if clusters.size else 0
    cluster_stratum = np.zeros(n_clus, dtype=np.int64)
    cluster_stratum[clusters] = strata
    n_clusters = np.bincount(cluster_stratum, minlength=n_strata).astype(np.int64)
    popsize = np.full(n_strata, np.inf)
    if fpc is not None:
        per_stratum = np.full(n_strata, np.nan)
        per_stratum[strata] = fpc
        lo = np.full(n_strata, np.inf)
        hi = np.full(n_strata, -np.inf)
        np.minimum.at(lo, strata, fpc)
        np.maximum.at(hi, strata, fpc)
        varying = np.flatnonzero(hi - lo > 1e-9 * np.maximum(1.0, np.abs(hi)))
        if varying.size:
            raise DesignError(f"FPC column {fpc_name!r} varies within a stratum at stage {stage_no}; "
                              "it must be constant within each stratum")
        if np.any(~np.isfinite(fpc)) or np.any(fpc <= 0):
            raise DesignError(f"FPC column {fpc_name!r} must hold positive numbers")
        if np.all(fpc <= 1):
            popsize = n_clusters / per_stratum
        else:
            popsize = per_stratum
            small = np.flatnonzero(popsize < n_clusters)
            if small.size:
                raise DesignError(
                    f"FPC column {fpc_name!r}: the population size ({popsize[small[0]]:g}) is smaller "
                    f"than the number of sampled units ({n_clusters[small[0]]}) in a stratum at stage "
                    f"{stage_no}; give population counts (or sampling fractions <= 1)")
    return Stage(strata=strata, clusters=clusters, n_clusters=n_clusters, popsize=popsize,
                 cluster_stratum=cluster_stratum)


def _replicate_settings(spec: DesignSpec, R: int) -> tuple[float, np.ndarray]:
    method = spec.replicate_method
    if method not in REPLICATE_METHODS:
        raise DesignError(f"replicate_method={method!r} is not known; choose one of "
                          f"{', '.join(REPLICATE_METHODS)}")
    default_scale = {
        "brr": 1.0 / R,
        "fay": 1.0 / (R * (1.0 - spec.fay_rho) ** 2),
        "jk1": (R - 1.0) / R,
        "jkn": 1.0,
        "bootstrap": 1.0 / (R - 1.0) if R > 1 else 1.0,
        "subbootstrap": 1.0 / (R - 1.0) if R > 1 else 1.0,
    }[method]
    scale = default_scale if spec.scale is None else float(spec.scale)
    if spec.rscales is None:
        if method == "jkn":
            raise DesignError("replicate_method='jkn' needs rscales= (one (n_h - 1) / n_h per replicate)")
        rscales = np.ones(R)
    else:
        rscales = np.asarray(spec.rscales, dtype=float)
        if rscales.size == 1:
            rscales = np.full(R, float(rscales[0]))
        if rscales.size != R:
            raise DesignError(f"rscales has {rscales.size} values for {R} replicate weight columns")
    return scale, rscales


def replicate_rank(rep: np.ndarray) -> int:
    """Rank of the replicate weight matrix, as R's ``degf``: ``qr(weights, tol=1e-5)$rank``.

    Computed from the smaller Gram matrix (rows x rows or replicates x replicates).

    >>> replicate_rank(np.array([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0]]))
    1
    """
    gram = rep @ rep.T if rep.shape[0] < rep.shape[1] else rep.T @ rep
    sv = np.linalg.svd(gram, compute_uv=False, hermitian=True)
    return int(np.sum(np.sqrt(np.maximum(sv, 0)) > 1e-5 * np.sqrt(sv.max())))


def _match_replicates(data: pd.DataFrame, pattern: str | Sequence[str]) -> tuple[str, ...]:
    if isinstance(pattern, str):
        cols = [c for c in data.columns if fnmatch.fnmatchcase(str(c), pattern)]
        if not cols:
            raise DesignError(f"replicate_weights={pattern!r} matches no column of the data")

        def key(c: str) -> tuple:
            tail = c[len(pattern.split("*")[0]):] if "*" in pattern else c
            return (0, int(tail)) if tail.isdigit() else (1, c)

        return tuple(sorted(cols, key=key))
    cols = tuple(pattern)
    missing = [c for c in cols if c not in data.columns]
    if missing:
        raise DesignError(f"replicate weight columns not in the data: {missing}")
    return cols


def prepare_design(data: pd.DataFrame, spec: DesignSpec) -> Design:
    """Check a design spec against the data and prepare its arrays.

    Raises
    ------
    DesignError
        Unknown columns, bad weights, PSUs in two strata without ``nest``, a
        lonely PSU under ``lonely_psu="fail"``, an FPC smaller than the sample.
    """
    if spec.lonely_psu not in LONELY_PSU_OPTIONS:
        raise DesignError(f"lonely_psu={spec.lonely_psu!r} is not known; choose one of "
                          f"{', '.join(LONELY_PSU_OPTIONS)}")
    if spec.adjust_domain_lonely and (spec.is_replicate or spec.lonely_psu not in ("adjust", "average")):
        raise DesignError(
            "adjust_domain_lonely=True (R's survey.adjust.domain.lonely) only changes linearisation variances "
            f"under lonely_psu='adjust' or 'average'; this design has lonely_psu={spec.lonely_psu!r}"
            + (" and replicate weights" if spec.is_replicate else "")
            + ": pass lonely_psu='adjust' (or 'average'), or leave adjust_domain_lonely off")
    n = len(data)
    if n == 0:
        raise DesignError("the data have no rows")

    if spec.is_replicate:
        cols = spec.replicate_weights
        if spec.weights is None:
            raise DesignError("a replicate design needs weights= (the full-sample weights)")
        w = _positive_weights(data, spec.weights)
        rep = data.loc[:, list(cols)].apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)
        if not np.all(np.isfinite(rep)):
            raise DesignError("replicate weights have missing or non-numeric values")
        scale, rscales = _replicate_settings(spec, rep.shape[1])
        return Design(spec=spec, n=n, weights=w, repweights=rep, scale=scale, rscales=rscales,
                      mse=spec.mse, degf=replicate_rank(rep) - 1)

    # ---- strata and stage-1 clusters
    if spec.strata:
        strata = _codes(_column(data, spec.strata, "strata"))
    else:
        strata = np.zeros(n, dtype=np.int64)
    psu_cols = spec.psu
    if len(spec.fpc) > max(len(psu_cols), 1):
        raise DesignError(f"fpc= names {len(spec.fpc)} columns but the design has "
                          f"{max(len(psu_cols), 1)} stage(s)")
    if psu_cols:
        raw1 = _column(data, psu_cols[0], "PSU")
        if spec.nest:
            clusters = pd.factorize(pd.MultiIndex.from_arrays([strata, raw1.to_numpy()]),
                                    sort=True)[0].astype(np.int64)
        else:
            clusters = _codes(raw1)
            per = pd.DataFrame({"c": clusters, "s": strata}).drop_duplicates()
            dup = per["c"].duplicated(keep=False)
            if dup.any():
                c0 = per.loc[dup, "c"].iloc[0]
                psu_value = raw1.to_numpy()[np.flatnonzero(clusters == c0)[0]]
                psu_value = psu_value.item() if hasattr(psu_value, "item") else psu_value
                st_values = sorted(set(data[spec.strata].to_numpy()[clusters == c0].tolist()))
                raise DesignError(
                    f"PSU {psu_value!r} (column {psu_cols[0]!r}) appears in more than one stratum "
                    f"({st_values[:5]}); pass nest=True if PSU ids are only unique within strata")
    else:
        clusters = np.arange(n, dtype=np.int64)

    fpc_arrays: list[np.ndarray | None] = []
    for i in range(max(len(psu_cols), 1)):
        if i < len(spec.fpc) and spec.fpc[i]:
            col = _column(data, spec.fpc[i], "FPC")
            arr = pd.to_numeric(col, errors="coerce").to_numpy(dtype=float)
            if np.any(~np.isfinite(arr)):
                raise DesignError(f"FPC column {spec.fpc[i]!r} has non-numeric values")
            fpc_arrays.append(arr)
        else:
            fpc_arrays.append(None)

    stages = [_stage(strata, clusters, fpc_arrays[0], 1, spec.fpc[0] if spec.fpc else None)]
    for i in range(1, len(psu_cols)):
        raw = _column(data, psu_cols[i], "cluster")
        prev = stages[-1].clusters
        sub = pd.factorize(pd.MultiIndex.from_arrays([prev, raw.to_numpy()]), sort=True)[0]
        stages.append(_stage(prev, sub.astype(np.int64), fpc_arrays[i] if i < len(fpc_arrays) else None,
                             i + 1, spec.fpc[i] if i < len(spec.fpc) else None))

    # ---- lonely PSUs
    st1 = stages[0]
    lonely = np.flatnonzero((st1.n_clusters == 1) & (st1.popsize > 1))
    if lonely.size and spec.lonely_psu == "fail":
        names = (pd.factorize(data[spec.strata], sort=True)[1][lonely].tolist() if spec.strata
                 else ["(whole sample)"])
        raise DesignError(
            f"stratum {names[:10]} has only one PSU, so its variance cannot be estimated; pass "
            "lonely_psu='adjust' (centre on the grand mean), 'average', 'remove' or 'certainty', "
            "or collapse strata")

    # ---- weights
    if spec.weights:
        w = _positive_weights(data, spec.weights)
    elif any(a is not None for a in fpc_arrays):
        prob = np.ones(n)
        for st, arr in zip(stages, fpc_arrays):
            if arr is not None:
                prob *= st.n_clusters[st.strata] / st.popsize[st.strata]
        w = 1.0 / prob
    else:
        w = np.ones(n)

    degf = int(st1.n_total_clusters - st1.n_strata)
    return Design(spec=spec, n=n, weights=w, stages=tuple(stages), degf=degf)
