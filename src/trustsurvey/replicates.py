"""Replicate weights built from a linearisation design (R's ``as.svrepdesign``).

- ``jk1``: delete one PSU at a time; the others are multiplied by ``n / (n - 1)``;
  ``scale = (n - 1) / n``.
- ``jkn``: delete one PSU within its stratum; the stratum's other PSUs are
  multiplied by ``n_h / (n_h - 1)``; ``rscales = (n_h - 1) / n_h``.
- ``bootstrap``: Rao-Wu rescaling bootstrap: in each stratum ``n_h - 1`` PSUs are
  drawn with replacement and weights multiplied by ``n_h / (n_h - 1)`` times the
  times drawn; ``scale = 1 / (R - 1)``. Seeded.
- ``brr``: balanced half-samples from a Hadamard matrix, for designs with exactly
  two PSUs per stratum; ``scale = 1 / R``.

As R does by default (``options(survey.replicates.mse=FALSE)``), variances are
centred on the mean of the replicates. A first-stage finite population
correction multiplies ``scale`` (``jk1``) or each stratum's ``rscales`` (``jkn``)
by ``1 - n_h / N_h``, as R does; the bootstrap and BRR ignore it.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from .design import Design, DesignSpec
from .errors import DesignError

__all__ = ["make_replicate_design", "hadamard"]


def hadamard(min_size: int) -> np.ndarray:
    """A Sylvester Hadamard matrix with at least ``min_size`` rows (entries +1/-1).

    >>> h = hadamard(3)
    >>> h.shape, bool((h @ h.T == 4 * np.eye(4)).all())
    ((4, 4), True)
    """
    h = np.array([[1]])
    while h.shape[0] < min_size:
        h = np.block([[h, h], [h, -h]])
    return h


def make_replicate_design(design: Design, method: str, *, replicates: int | None = None,
                          seed: int | None = 2025) -> Design:
    """Replicate weights for a linearisation ``design``; returns a replicate :class:`Design`."""
    if design.is_replicate:
        raise DesignError("the design already uses replicate weights")
    if design.calibration:
        raise DesignError("build replicate weights before weighting (rake/calibrate the replicate design)")
    if method not in ("jk1", "jkn", "bootstrap", "brr"):
        raise DesignError(f"to_replicate method {method!r} is not known; choose jk1, jkn, bootstrap or brr")
    st = design.stages[0]
    psu, strata = st.clusters, st.strata
    C, H = st.n_total_clusters, st.n_strata
    n_h = st.n_clusters
    w = design.weights
    if method == "jk1":
        mult = np.full((C, C), C / (C - 1.0))
        np.fill_diagonal(mult, 0.0)
        rep = w[:, None] * mult[psu]
        scale, rscales = (C - 1.0) / C, np.ones(C)
        if np.all(np.isfinite(st.popsize)):
            scale *= 1.0 - C / float(st.popsize.sum())
    elif method == "jkn":
        if np.any(n_h < 2):
            raise DesignError("jkn needs at least two PSUs in every stratum")
        cs = st.cluster_stratum
        mult = np.ones((C, C))  # mult[cluster, replicate]
        same = cs[:, None] == cs[None, :]
        fac = (n_h / (n_h - 1.0))[cs]
        mult = np.where(same, fac[None, :], 1.0)
        np.fill_diagonal(mult, 0.0)
        rep = w[:, None] * mult[psu]
        fpc = np.where(np.isfinite(st.popsize), 1.0 - n_h / st.popsize, 1.0)
        scale, rscales = 1.0, ((n_h - 1.0) / n_h * fpc)[cs]
    elif method == "bootstrap":
        R = int(replicates or 200)
        rng = np.random.default_rng(seed)
        cs = st.cluster_stratum
        mult = np.zeros((C, R))
        order = np.argsort(cs, kind="stable")
        bounds = np.searchsorted(cs[order], np.arange(H + 1))
        for h in range(H):
            members = order[bounds[h]:bounds[h + 1]]
            m = members.size
            if m < 2:
                raise DesignError("the bootstrap needs at least two PSUs in every stratum")
            draws = rng.integers(0, m, size=(m - 1, R))
            counts = np.zeros((m, R))
            np.add.at(counts, (draws, np.broadcast_to(np.arange(R), draws.shape)), 1.0)
            mult[members] = counts * m / (m - 1.0)
        rep = w[:, None] * mult[psu]
        scale, rscales = 1.0 / (R - 1.0), np.ones(R)
    else:  # brr
        if np.any(n_h != 2):
            raise DesignError("brr needs exactly two PSUs in every stratum; use jkn or bootstrap")
        had = hadamard(H + 1)[:, 1:H + 1]  # drop the constant column
        R = had.shape[0]
        cs = st.cluster_stratum
        first = np.zeros(C, dtype=bool)
        seen: set[int] = set()
        for c in range(C):
            if cs[c] not in seen:
                first[c] = True
                seen.add(int(cs[c]))
        sign = had[:, cs].T  # (C, R)
        mult = np.where(first[:, None], np.where(sign > 0, 2.0, 0.0), np.where(sign > 0, 0.0, 2.0))
        rep = w[:, None] * mult[psu]
        scale, rscales = 1.0 / R, np.ones(R)
    spec = replace(DesignSpec(weights=design.spec.weights), replicate_method=method)
    gram = rep.T @ rep
    sv = np.linalg.svd(gram, compute_uv=False)
    rank = int(np.sum(np.sqrt(np.maximum(sv, 0)) > 1e-5 * np.sqrt(sv.max())))
    return Design(spec=spec, n=design.n, weights=w.copy(), repweights=rep, scale=float(scale),
                  rscales=np.asarray(rscales, float), mse=False, degf=rank - 1)
