"""Private variance kernels: Taylor linearisation and replicate weights.

Every variance is returned as a *factor* ``F`` (``m x k``) with
``vcov = F.T @ F``: the diagonal (standard errors) costs one pass over ``F``
and the full covariance matrix is only formed when asked for.

Linearisation follows R's ``svyrecvar``: within each stratum the cluster totals
of the influence values are centred on their stratum mean and scaled by
``(1 - n_h / N_h) * n_h / (n_h - 1)``; later stages add their own
within-cluster variance times the sampling fraction of the stage above; strata
with a single PSU are handled as ``options(survey.lonely.psu)`` says; and
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


def stage_factor(stage: Stage, totals: np.ndarray, lonely_psu: str) -> np.ndarray:
    """The variance factor of one stage from the cluster totals of the influence values.

    Parameters
    ----------
    stage : Stage
        Codes of the stage (strata, clusters, counts, population sizes).
    totals : ndarray, shape (n_clusters, k)
        Totals of the influence values within each cluster of this stage.
    lonely_psu : str
        R's ``survey.lonely.psu`` option.

    Returns
    -------
    ndarray, shape (n_clusters, k)
        ``F`` with ``F.T @ F`` the stage's variance contribution.
    """
    n_h = stage.n_clusters.astype(float)
    N_h = stage.popsize
    with np.errstate(divide="ignore", invalid="ignore"):
        f = np.where(np.isfinite(N_h), (N_h - n_h) / N_h, 1.0)
        scale = np.where(n_h > 1, f * n_h / np.maximum(n_h - 1, 1), f)
    scale = np.where(f < 1e-7, 0.0, scale)
    cs = stage.cluster_stratum
    sums = aggregate(cs, stage.n_strata, totals)
    means = sums / np.maximum(n_h, 1)[:, None]
    lonely = n_h == 1
    centred = totals - means[cs]
    if lonely.any():
        if lonely_psu == "adjust":
            rows = lonely[cs]
            centred[rows] = totals[rows]
        elif lonely_psu in ("remove", "certainty", "average", "fail"):
            scale = np.where(lonely, 0.0, scale)
    F = centred * np.sqrt(scale)[cs][:, None]
    if lonely.any() and lonely_psu == "average":
        n_ok = int(np.sum(~lonely))
        # R: the sum over estimable strata times n_strata / n_ok; with none, NaN (0 * H / 0)
        F = F * np.sqrt(stage.n_strata / n_ok) if n_ok > 0 else np.full_like(F, np.nan)
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


def taylor_factor_from_totals(design: Design, totals_by_stage: list[np.ndarray]) -> np.ndarray:
    """Stack the stage factors given cluster totals at every stage.

    ``totals_by_stage[s]`` has one row per cluster of stage ``s``.
    """
    parts = []
    lonely = design.spec.lonely_psu
    for s, stage in enumerate(design.stages):
        if s >= len(totals_by_stage):
            break
        F = stage_factor(stage, totals_by_stage[s], lonely)
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


def taylor_factor_from_units(design: Design, z: np.ndarray) -> np.ndarray:
    """Linearisation factor from unit-level influence values ``z`` (``n x k``)."""
    if design.calibration:
        z = residualise(design, z)
    totals = [aggregate(st.clusters, st.n_total_clusters, z) for st in design.stages]
    return taylor_factor_from_totals(design, totals)


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
