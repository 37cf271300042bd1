"""Private: the weighting steps of a design as small linear operators on cell sums.

Linearised variances after weighting replace the influence values ``z`` by
their residuals from each weighting step in turn (R's ``svyrecvar``): a
post-stratification removes, within each cell, the cell mean of ``z / psw``
times ``psw``; a calibration (GREG) step removes ``w * X @ beta`` with
``beta = (X' diag(w_half^2) X)^+ X' (z / g)``; raking repeats the
post-stratification of every margin (ten sweeps, as R does).

Every step has the form ``z <- z - B_s @ M_s^+ @ F_s.T @ z_current``, so the whole
sequence only ever needs ``F_s.T @ z`` of the *original* ``z`` (cell sums,
computed in one aggregation with the estimates) and small cross products
``F_t.T @ B_s``, computed once per design. The residualised cluster totals are
then the plain cluster totals minus ``(cluster totals of B_s) @ Gamma_s``. This
costs the same whatever the number of steps or respondents, and gives exactly
the residuals of applying the steps one by one (:func:`residualise_units`).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from .design import Design, GregStep, PostStratStep

__all__ = ["Projector", "projector", "residualise_units"]


class _Step:
    """``F`` (n x c), ``B`` (n x c) and ``M^+`` (c x c) of one distinct weighting step."""

    def __init__(self, step, n: int):
        if isinstance(step, PostStratStep):
            cells = np.asarray(step.cells, dtype=np.int64)
            c = int(cells.max()) + 1
            rows = np.arange(n)
            psw = np.asarray(step.weights, dtype=float)
            self.F = sp.csr_matrix((1.0 / psw, (rows, cells)), shape=(n, c))
            self.B = sp.csr_matrix((psw, (rows, cells)), shape=(n, c))
            counts = np.bincount(cells, minlength=c).astype(float)
            with np.errstate(divide="ignore"):
                self.Minv = np.diag(np.where(counts > 0, 1.0 / counts, 0.0))
        elif isinstance(step, GregStep):
            X = np.asarray(step.X, dtype=float)
            g = np.asarray(step.g, dtype=float)
            w_half = np.asarray(step.w_half, dtype=float)
            self.F = sp.csr_matrix(X / g[:, None])
            self.B = sp.csr_matrix(X * (g * w_half**2)[:, None])
            self.Minv = np.linalg.pinv(X.T @ (X * (w_half**2)[:, None]))
        else:  # pragma: no cover - a programming error, not user input
            raise TypeError(f"unknown calibration step {type(step).__name__}")
        self.c = self.F.shape[1]


class Projector:
    """The weighting steps of a design, prepared once (see the module docstring)."""

    def __init__(self, design: Design):
        distinct: list = []
        self.sequence: list[int] = []
        for step in design.calibration:
            for j, d in enumerate(distinct):
                if d is step:
                    self.sequence.append(j)
                    break
            else:
                distinct.append(step)
                self.sequence.append(len(distinct) - 1)
        self.steps = [_Step(s, design.n) for s in distinct]
        self.cross = [[np.asarray((t.F.T @ s.B).todense()) for s in self.steps] for t in self.steps]
        self.cluster_B = [[np.asarray((_cluster_matrix(st) @ s.B).todense()) for s in self.steps]
                          for st in design.stages]

    def gammas(self, FTz: list[np.ndarray]) -> list[np.ndarray]:
        """Accumulated coefficients ``Gamma_s`` of every distinct step, given ``F_s.T @ z``."""
        gam = [np.zeros_like(f) for f in FTz]
        for s in self.sequence:
            current = FTz[s].copy()
            for e, ge in enumerate(gam):
                if ge.any():
                    current -= self.cross[s][e] @ ge
            gam[s] += self.steps[s].Minv @ current
        return gam

    def correct_totals(self, totals: list[np.ndarray], gam: list[np.ndarray]) -> list[np.ndarray]:
        """Cluster totals of the residualised ``z`` from those of ``z`` (one array per stage)."""
        out = []
        for st_index, T in enumerate(totals):
            T = T.copy()
            for e, ge in enumerate(gam):
                T -= self.cluster_B[st_index][e] @ ge
            out.append(T)
        return out

    def group_matrices(self, design: Design, codes: np.ndarray, G: int) -> list[sp.csr_matrix]:
        """Per step, the matrix whose product with data columns gives ``F_s.T @ z`` by group.

        Row ``g * c_s + j`` sums ``F_s[i, j] * w_i`` over the rows ``i`` of group ``g``.
        """
        out = []
        keep = codes >= 0
        w = design.weights
        for step in self.steps:
            F = step.F.tocoo()
            ok = keep[F.row]
            rows = codes[F.row[ok]] * step.c + F.col[ok]
            data = F.data[ok] * w[F.row[ok]]
            out.append(sp.csr_matrix((data, (rows, F.row[ok])), shape=(G * step.c, design.n)))
        return out


def _cluster_matrix(stage) -> sp.csr_matrix:
    n = stage.clusters.shape[0]
    return sp.csr_matrix((np.ones(n), (stage.clusters, np.arange(n))), shape=(stage.n_total_clusters, n))


def projector(design: Design) -> Projector:
    """The design's projector, built once and kept with the design."""
    key = "calibration_projector"
    if key not in design.extra:
        design.extra[key] = Projector(design)
    return design.extra[key]


def residualise_units(design: Design, z: np.ndarray) -> np.ndarray:
    """Unit-level influence values ``z`` (n x k) replaced by their residuals from the weighting steps."""
    if not design.calibration:
        return z
    proj = projector(design)
    gam = proj.gammas([np.asarray(s.F.T @ z) for s in proj.steps])
    for step, ge in zip(proj.steps, gam):
        z = z - np.asarray(step.B @ ge)
    return z
