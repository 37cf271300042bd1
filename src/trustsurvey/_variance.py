"""Private variance kernels: Taylor linearisation and replicate weights.

Every variance is returned as a *factor* ``F`` (``m x k``) with
``vcov = F.T @ F``: the diagonal (standard errors) costs one pass over ``F``
and the full covariance matrix is only formed when asked for.

Linearisation follows R's ``svyrecvar``: within each stratum the cluster totals
of the influence values are centred on their stratum mean and scaled by
``(1 - n_h / N_h) * n_h / (n_h - 1)``; later stages add their own
within-cluster variance times the sampling fraction of the stage above; strata
with a single PSU are handled as ``options(survey.lonely.psu)`` says (and, for
domains, ``options(survey.adjust.domain.lonely)``); and
weighting steps (post-stratification, raking, calibration) are accounted for by
replacing the influence values by their residuals first.
"""

from __future__ import annotations

import warnings

import numpy as np
import scipy.sparse as sp

from .design import Design, Stage

__all__ = [
    "stage_factor",
    "needs_presence",
    "taylor_factor_from_totals",
    "taylor_factor_from_units",
    "residualise",
    "replicate_factor",
    "aggregate",
    "variance_diag",
]


def aggregate(codes: np.ndarray, n_codes: int, values: np.ndarray) -> np.ndarray:
    """Sum the rows of ``values`` (``n x k``) by integer ``codes`` (``-1`` drops a row).

    >>> aggregate(np.array([0, 1, 0, -1]), 2, np.array([[1.0], [2.0], [3.0], [9.0]]))
    array([[4.],
           [2.]])
    """
    values = np.asarray(values, dtype=float)
    keep = codes >= 0
    rows = np.flatnonzero(keep)
    M = sp.csr_matrix((np.ones(rows.size), (codes[keep], rows)), shape=(n_codes, codes.shape[0]))
    out = M @ values
    return np.asarray(out)


def stage_factor(stage: Stage, totals: np.ndarray, lonely_psu: str, *, present: np.ndarray | None = None,
                 adjust_domain_lonely: bool = False, later_stage: bool = False) -> np.ndarray:
    """The variance factor of one stage from the cluster totals of the influence values.

    Parameters
    ----------
    stage : Stage
        Codes of the stage (strata, clusters, counts, population sizes).
    totals : ndarray, shape (n_clusters, k)
        Totals of the influence values within each cluster of this stage.
    lonely_psu : str
        R's ``survey.lonely.psu`` option.
    present : ndarray of bool, shape (n_clusters, k), optional
        Whether each cluster has respondents (with an answer) in the domain of
        each column; None: every cluster. R computes a domain's variance on the
        domain's rows, so this matters where R counts PSUs or strata: under
        ``adjust_domain_lonely`` and under ``lonely_psu="average"``.
    adjust_domain_lonely : bool
        R's ``survey.adjust.domain.lonely``: a stratum with one present PSU of
        several is treated as lonely (``adjust``: not centred; ``average``: left out).
    later_stage : bool
        A second or later stage, whose strata R handles one previous-stage
        cluster at a time: under ``average`` a lonely stratum there makes the
        variance undefined (NaN), as in R.

    Returns
    -------
    ndarray, shape (n_clusters, k)
        ``F`` with ``F.T @ F`` the stage's variance contribution.
    """
    totals = np.asarray(totals, dtype=float)
    n_h = stage.n_clusters.astype(float)
    N_h = stage.popsize
    with np.errstate(divide="ignore", invalid="ignore"):
        f = np.where(np.isfinite(N_h), (N_h - n_h) / N_h, 1.0)
        scale = np.where(n_h > 1, f * n_h / np.maximum(n_h - 1, 1), f)
    census = f < 1e-7
    scale = np.where(census, 0.0, scale)
    cs = stage.cluster_stratum
    H = stage.n_strata
    sums = aggregate(cs, H, totals)
    means = sums / np.maximum(n_h, 1)[:, None]
    lonely = (n_h == 1)[:, None]
    if present is None:
        n_sub = np.broadcast_to(n_h[:, None], sums.shape)
    else:
        n_sub = aggregate(cs, H, np.asarray(present, dtype=float))
    domain_lonely = (n_sub == 1) & ~lonely & adjust_domain_lonely
    # R centres a stratum's PSU totals on their mean unless, under "adjust", it has one PSU (or one in the domain)
    keep = (lonely_psu == "adjust") & (n_sub <= 1) & (lonely | adjust_domain_lonely)
    centred = np.where(keep[cs], totals, totals - means[cs])
    ok = np.ones(sums.shape, dtype=bool)
    if lonely_psu in ("remove", "certainty", "average", "fail"):
        ok &= ~lonely  # a lonely PSU contributes nothing (R: its centred total is zero)
    undefined = np.zeros(sums.shape, dtype=bool)
    if lonely_psu == "average":
        undefined = (lonely | domain_lonely) & (n_sub >= 1) & ~census[:, None]
        ok &= ~undefined
    F = centred * np.sqrt(scale[:, None] * ok)[cs]
    if lonely_psu == "average" and undefined.any():
        with np.errstate(divide="ignore", invalid="ignore"):
            if later_stage:  # one previous-stage cluster at a time: an undefined stratum is the whole variance
                mult = np.where(undefined.any(axis=0), np.nan, 1.0)
            else:  # R: the sum over estimable strata times (strata present) / (estimable strata present)
                n_strata = np.sum(n_sub >= 1, axis=0)
                n_ok = n_strata - np.sum(undefined, axis=0)
                mult = np.where(n_ok > 0, np.sqrt(n_strata / n_ok), np.nan)
        F = F * mult[None, :]
    return F


def _stage_multiplier(design: Design, s: int) -> np.ndarray | None:
    """Per-cluster multiplier (square-rooted) of stage ``s``'s contribution, or None to skip it."""
    if s == 0:
        return None
    mult = None
    for t in range(s):
        st = design.stages[t]
        if not np.all(np.isfinite(st.popsize)):
            return np.zeros(0)
        frac = st.n_clusters / st.popsize  # sampling fraction per stratum of stage t
        # map stage-t stratum fraction to stage-s clusters
        per_unit = frac[st.strata]
        clus = design.stages[s].clusters
        per_cluster = np.zeros(design.stages[s].n_total_clusters)
        per_cluster[clus] = per_unit
        mult = per_cluster if mult is None else mult * per_cluster
    return np.sqrt(mult)


def needs_presence(design: Design) -> bool:
    """Whether linearised variances of domains depend on which clusters have respondents in them.

    True under ``adjust_domain_lonely`` and under ``lonely_psu="average"`` with a
    lonely stratum; then callers pass ``present`` (R computes a domain's variance on
    the domain's rows). Weighted (calibrated) designs keep every row in R's
    domains, so there every cluster counts as present.
    """
    if design.is_replicate or design.calibration or not design.stages:
        return False
    if design.spec.adjust_domain_lonely:
        return True
    return design.spec.lonely_psu == "average" and any(bool(np.any(st.n_clusters == 1)) for st in design.stages)


def taylor_factor_from_totals(design: Design, totals_by_stage: list[np.ndarray],
                              present_by_stage: list[np.ndarray] | None = None) -> np.ndarray:
    """Stack the stage factors given cluster totals at every stage.

    ``totals_by_stage[s]`` has one row per cluster of stage ``s``;
    ``present_by_stage[s]`` (optional, same shape, bool) says which clusters have
    respondents in each column's domain (see :func:`stage_factor`).
    """
    parts = []
    lonely = design.spec.lonely_psu
    if present_by_stage is not None and design.calibration:
        present_by_stage = None
    for s, stage in enumerate(design.stages):
        if s >= len(totals_by_stage):
            break
        F = stage_factor(stage, totals_by_stage[s], lonely,
                         present=None if present_by_stage is None else present_by_stage[s],
                         adjust_domain_lonely=design.spec.adjust_domain_lonely, later_stage=s > 0)
        if s > 0:
            m = _stage_multiplier(design, s)
            if m is None or m.size == 0:
                continue
            F = F * m[:, None]
        parts.append(F)
    return np.vstack(parts) if len(parts) > 1 else parts[0]


def residualise(design: Design, z: np.ndarray) -> np.ndarray:
    """Replace unit-level influence values by their residuals from the weighting steps."""
    from ._calibration import residualise_units

    return residualise_units(design, z)


def taylor_factor_from_units(design: Design, z: np.ndarray, present: np.ndarray | None = None) -> np.ndarray:
    """Linearisation factor from unit-level influence values ``z`` (``n x k``).

    ``present`` (bool, ``n`` or ``n x k``): the rows in each column's domain with an
    answer, for the designs where R's domain variance depends on them
    (:func:`needs_presence`); None: every row.
    """
    if design.calibration:
        z = residualise(design, z)
    totals = [aggregate(st.clusters, st.n_total_clusters, z) for st in design.stages]
    present_by_stage = None
    if present is not None and needs_presence(design):
        rows = np.asarray(present, dtype=float).reshape(design.n, -1)
        rows = np.broadcast_to(rows, (design.n, np.shape(z)[1])) if rows.shape[1] == 1 else rows
        present_by_stage = [aggregate(st.clusters, st.n_total_clusters, rows) > 0 for st in design.stages]
    return taylor_factor_from_totals(design, totals, present_by_stage)


def replicate_factor(design: Design, theta: np.ndarray, reps: np.ndarray) -> np.ndarray:
    """Replicate-weight variance factor: ``scale * sum_r rscales_r (theta_r - centre)^2``.

    ``theta`` has shape ``(k,)``, ``reps`` ``(R, k)``; the centre is the full-sample
    estimate when ``mse`` is true, the mean of the replicates otherwise.
    """
    if design.mse:
        centre = theta[None, :]
    else:
        with warnings.catch_warnings():  # an estimate undefined in every replicate stays NaN
            warnings.simplefilter("ignore", RuntimeWarning)
            centre = np.nanmean(reps, axis=0, keepdims=True)
    mult = np.sqrt(design.scale * design.rscales)[:, None]
    return (reps - centre) * mult


def variance_diag(F: np.ndarray) -> np.ndarray:
    """The variances (diagonal of ``F.T @ F``)."""
    return np.einsum("ij,ij->j", F, F)
