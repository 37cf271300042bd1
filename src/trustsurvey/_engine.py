"""The vectorised estimation engine (private): ratio estimates of many columns in many groups.

Every estimate is ``theta = sum(w a) / sum(w b)`` over the rows of a group with
a valid answer (``b = 1`` for means, a total has no denominator). For all
columns and groups at once, one sparse matrix product per stage sums
``[w a, w b, valid, w a^2]`` by (cluster x group); estimates, counts and design
effects follow from those sums, and the cluster totals of the influence values
``(w a - theta w b) / sum(w b)`` feed the variance kernels. Columns are processed
in blocks so that memory stays bounded for a million respondents.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from . import _variance as V
from ._calibration import projector
from .design import Design

__all__ = ["BatchResult", "batch_estimates", "batch_estimates_many", "prepare_columns", "sorted_groups",
           "versus_rest"]

_BLOCK_ELEMENTS = 50_000_000  # entries of each (n x k) work array of a column block (400 MB)
_SQUARE_ELEMENTS = 8_000_000  # entries of the squares formed at once for design effects (64 MB)


@dataclass(frozen=True, eq=False)
class BatchResult:
    """Estimates of K columns in G groups; factors are flattened group-major (``g * K + k``).

    ``factor`` is the variance factor of ``theta`` (``vcov = factor.T @ factor``).
    With ``rest=True``: ``rest_estimate`` (the other groups together), ``rest_difference``
    (group minus rest) and its standard error ``rest_se``.
    """

    theta: np.ndarray
    se: np.ndarray
    factor: np.ndarray
    n_unweighted: np.ndarray
    n_weighted: np.ndarray
    deff: np.ndarray
    N: np.ndarray
    D: np.ndarray
    rest_estimate: np.ndarray | None = None
    rest_difference: np.ndarray | None = None
    rest_se: np.ndarray | None = None


def sorted_groups(codes: np.ndarray, G: int) -> list[np.ndarray]:
    """Row indices of each group, from one sort (rows with code -1 are left out)."""
    order = np.argsort(codes, kind="stable")
    bounds = np.searchsorted(codes[order], np.arange(G + 1))
    return [order[bounds[g]:bounds[g + 1]] for g in range(G)]


def batch_estimates(design: Design, values: np.ndarray, codes: np.ndarray, G: int, *,
                    denominator: np.ndarray | None = None, total: bool = False,
                    deff: bool = True, rest: bool = False, prepared: list | None = None) -> BatchResult:
    """Ratio estimates ``sum(w a) / sum(w b)`` of every column in every group, with variances.

    Parameters
    ----------
    design : Design
    values : ndarray (n, K)
        Numerator variables ``a`` (NaN: missing).
    codes : ndarray (n,)
        Group of each row, ``0 .. G-1`` (``-1``: in no group).
    G : int
        Number of groups.
    denominator : ndarray (n, K), optional
        Denominator variables ``b`` (ratios); by default 1 on valid rows (means).
    total : bool
        Estimate totals ``sum(w a)`` instead of ratios.
    deff : bool
        Compute design effects (means and totals only).
    rest : bool
        Also compare every group with the rest (the other groups together): the
        difference and its linearised (or replicate) standard error, computed from the
        same cluster totals.
    """
    return batch_estimates_many(design, values, [(codes, G)], denominator=denominator, total=total,
                                deff=deff, rest=rest, prepared=prepared)[0]


def batch_estimates_many(design: Design, values: np.ndarray, groupings: list[tuple[np.ndarray, int]], *,
                         denominator: np.ndarray | None = None, total: bool = False, deff: bool = True,
                         rest: bool = False, prepared: list | None = None) -> list[BatchResult]:
    """:func:`batch_estimates` for several groupings of the same columns (one per demographic).

    The columns are prepared once and shared by every grouping; ``prepared``
    (from :func:`prepare_columns` on the same values) skips even that.
    """
    blocks = prepare_columns(values, denominator, deff) if prepared is None else prepared
    contexts = [_Context(design, codes, G) for codes, G in groupings]
    parts: list[list[BatchResult]] = [[] for _ in groupings]
    for prep in blocks:
        for i, ctx in enumerate(contexts):
            parts[i].append(_block(ctx, prep, total, deff, rest))
    return [_concat(p, G) for p, (_, G) in zip(parts, groupings)]


def prepare_columns(values: np.ndarray, denominator: np.ndarray | None = None, deff: bool = True,
                    own: bool = False) -> list:
    """The columns prepared for the engine, in blocks of bounded memory (reusable across calls).

    ``own``: the caller hands ``values`` over (it is not used afterwards), so the
    preparation may work in it instead of copying it.
    """
    n, K = values.shape
    width = max(1, min(K, _BLOCK_ELEMENTS // max(n, 1)))
    return [_Prepared(values[:, s:s + width], None if denominator is None else denominator[:, s:s + width], deff,
                      own=own) for s in range(0, K, width)]


def _concat(parts: list[BatchResult], G: int) -> BatchResult:
    if len(parts) == 1:
        return parts[0]

    def cat(name):
        arrays = [getattr(p, name) for p in parts]
        if arrays[0] is None:
            return None
        if name != "factor":
            return np.concatenate(arrays, axis=1)
        m = arrays[0].shape[0]
        return np.concatenate([a.reshape(m, G, -1) for a in arrays], axis=2).reshape(m, -1)

    return BatchResult(**{f: cat(f) for f in BatchResult.__dataclass_fields__})


class _Sum:
    """Sums of data rows into the cells of a grouping (``target`` per row, ``-1``: none), weighted.

    ``self @ X`` is a sparse product; for the valid-answer indicator the missing
    cells are subtracted from the cell totals with one bincount over the (few)
    missing answers.
    """

    def __init__(self, target: np.ndarray, weights: np.ndarray, n_cells: int):
        keep = target >= 0
        rows = np.flatnonzero(keep)
        self.matrix = sp.csr_matrix((weights[rows], (target[rows], rows)), shape=(n_cells, target.size))
        self.target = target
        self.weights = weights
        self.n_cells = n_cells
        self.totals = np.bincount(target[rows], weights=weights[rows], minlength=n_cells)

    def __matmul__(self, X):
        return self.matrix @ X

    def valid(self, missing: sp.csr_matrix) -> np.ndarray:
        """``self @ valid`` where ``valid = 1 - missing`` (``missing``: sparse n x k indicator)."""
        k = missing.shape[1]
        coo = missing.tocoo()
        t = self.target[coo.row]
        ok = t >= 0
        lost = np.bincount(t[ok] * k + coo.col[ok], weights=self.weights[coo.row[ok]],
                           minlength=self.n_cells * k).reshape(self.n_cells, k)
        return self.totals[:, None] - lost


class _Context:
    """Grouping structures of one call, built once and shared by the column blocks.

    The sums carry the weights, so the data columns are never multiplied by them.
    """

    def __init__(self, design: Design, codes: np.ndarray, G: int):
        self.design = design
        self.G = G
        self.stage_mats = []
        self.groups = None
        self.projector = None
        w = design.weights
        self.count_mat = _Sum(codes, np.ones(codes.size), G)
        self.group_mat = _Sum(codes, w, G)
        if design.is_replicate:
            self.groups = sorted_groups(codes, G)
            return
        for st in design.stages:
            idx = np.where(codes >= 0, st.clusters * G + codes, -1)
            self.stage_mats.append(_Sum(idx, w, st.n_total_clusters * G))
        if design.calibration:
            self.projector = projector(design)
            self.step_mats = self.projector.group_matrices(design, codes, G)


class _Prepared:
    """The columns of one block, prepared once and shared by every grouping.

    ``a`` holds the values with 0 where missing. For means (no denominator) the
    denominator is the valid indicator, which is never stored densely: missing
    answers are few, so ``M @ valid = rowsum(M) - M @ missing`` with ``missing``
    a sparse matrix of the missing cells. Ratios keep a dense denominator.
    The squares that feed the design effects are formed a few columns at a time
    when they are needed (:meth:`times_a2`), so a prepared block holds one ``n x k``
    array and the sparse missing cells.
    """

    def __init__(self, values, denominator, deff: bool, own: bool = False):
        n, k = values.shape
        self.k = k
        self.ratio = denominator is not None
        self.deff = bool(deff and denominator is None)
        if denominator is None:
            # row-major: the sparse products by cluster x group read a row-major block fastest
            a = np.ascontiguousarray(values, dtype=float)
            if np.shares_memory(a, values) and not (own and a.flags.writeable):
                a = a.copy()
            miss = np.isnan(a)
            rows, cols = np.nonzero(miss)
            a[rows, cols] = 0.0
            self.missing = sp.csr_matrix((np.ones(rows.size), (rows, cols)), shape=(n, k))
            self.a = a
            self.b = None
            self.valid = None
        else:
            valid = ~(np.isnan(values) | np.isnan(denominator))
            self.a = np.where(valid, values, 0.0)
            self.b = np.where(valid, denominator, 0.0)
            self.valid = valid.astype(float)

    @property
    def nbytes(self) -> int:
        """Memory held by the prepared block."""
        total = self.a.nbytes
        for arr in (self.b, self.valid):
            if arr is not None:
                total += arr.nbytes
        if self.b is None:
            m = self.missing
            total += m.data.nbytes + m.indices.nbytes + m.indptr.nbytes
        return int(total)

    def times_a2(self, S: "_Sum") -> np.ndarray:
        """``S @ a**2`` for a grouping's sums, squaring a few rows at a time (contiguous blocks;
        no second ``n x k`` array is kept)."""
        n, k = self.a.shape
        step = max(1, _SQUARE_ELEMENTS // max(k, 1))
        out = np.zeros((S.n_cells, k))
        for r0 in range(0, n, step):
            r1 = min(n, r0 + step)
            target = S.target[r0:r1]
            idx = np.flatnonzero(target >= 0)
            if idx.size:
                m = sp.csr_matrix((S.weights[r0:r1][idx], (target[idx], idx)), shape=(S.n_cells, r1 - r0))
                out += m @ np.square(self.a[r0:r1])
        return out

    def times_a(self, M) -> np.ndarray:
        """``M @ a``."""
        return np.asarray(M @ self.a)

    def times_b(self, M) -> np.ndarray:
        """``M @ b`` (for means: ``M @ valid``)."""
        if self.b is not None:
            return np.asarray(M @ self.b)
        if isinstance(M, _Sum):
            return M.valid(self.missing)
        rowsum = np.asarray(M.sum(axis=1)).reshape(-1, 1)
        return rowsum - np.asarray((M @ self.missing).todense())

    def times_valid(self, M) -> np.ndarray:
        """``M @ valid``."""
        if self.valid is not None:
            return np.asarray(M @ self.valid)
        return self.times_b(M)

    def dense_b(self) -> np.ndarray:
        """``b`` as a dense array (replicate designs)."""
        if self.b is not None:
            return self.b
        return 1.0 - np.asarray(self.missing.todense())


def _block(ctx: _Context, prep: _Prepared, total, deff, rest) -> BatchResult:
    design, G, k = ctx.design, ctx.G, prep.k
    stage_sums = None
    if ctx.stage_mats:
        stage_sums = []
        for s, M in enumerate(ctx.stage_mats):
            Cs = design.stages[s].n_total_clusters
            stage_sums.append(np.concatenate([prep.times_a(M), prep.times_b(M)], axis=1).reshape(Cs, G, 2 * k))
        sums = stage_sums[0].sum(axis=0)
    else:
        sums = np.concatenate([prep.times_a(ctx.group_mat), prep.times_b(ctx.group_mat)], axis=1)
    N, D = sums[:, :k], sums[:, k:]
    n_unw = prep.times_valid(ctx.count_mat)
    W = prep.times_valid(ctx.group_mat) if prep.ratio else D
    with np.errstate(divide="ignore", invalid="ignore"):
        theta = N.copy() if total else N / D
        rest_parts = _Rest(N, D, total) if rest else None
        if stage_sums is not None:
            factor, f_diff = _taylor_totals(ctx, prep, stage_sums, theta, D, total, k, rest_parts)
        else:
            factor, f_diff = _replicate(design, ctx.groups, prep, theta, total, k, rest_parts)
        var = V.variance_diag(factor).reshape(G, k)
        se = np.sqrt(var)
        dvals = np.full((G, k), np.nan)
        if deff and prep.deff:
            swa2 = prep.times_a2(ctx.group_mat)
            mean = N / D
            ss = swa2 - 2 * mean * N + mean**2 * D  # sum w (a - mean)^2, expanded
            constant = ss <= 1e-12 * np.abs(swa2)  # every valid value equal: no SRS variance
            ss = np.where(constant, 0.0, ss)
            s2 = ss / W * n_unw / (n_unw - 1)
            if total:
                vsrs = s2 * W**2 * (W - n_unw) / (W * n_unw)
            else:
                vsrs = s2 / n_unw * (W - n_unw) / W
            dvals = var / vsrs
            # a constant cell: a mean has neither variance (0/0), a total's design variance over 0 is inf
            dvals = np.where(constant, np.inf if total else np.nan, dvals)
    empty = n_unw == 0
    extra = {}
    if rest_parts is not None:
        bad = rest_parts.undefined
        extra = dict(rest_estimate=np.where(rest_parts.D_r <= 0, np.nan, rest_parts.theta_r),
                     rest_difference=np.where(bad, np.nan, theta - rest_parts.theta_r),
                     rest_se=np.where(bad, np.nan, np.sqrt(V.variance_diag(f_diff).reshape(G, k))))
    return BatchResult(theta=np.where(empty, np.nan, theta), se=np.where(empty, np.nan, se),
                       factor=factor, n_unweighted=n_unw, n_weighted=W, deff=dvals, N=N, D=D, **extra)


class _Rest:
    """Each group against the rest (the other groups together): ``theta_r = (N - N_g) / (D - D_g)``.

    The difference ``theta_g - theta_r`` is a smooth function of totals, so its
    influence values are the same combination of the totals' influence values, in
    any array whose ``axis`` runs over the groups (cluster totals, cell sums, replicates).
    """

    def __init__(self, N, D, total):
        self.total = total
        self.N, self.D = N, D
        with np.errstate(divide="ignore", invalid="ignore"):
            self.N_r = N.sum(axis=0)[None] - N
            self.D_r = D.sum(axis=0)[None] - D
            self.theta = N if total else N / D
            self.theta_r = self.N_r if total else self.N_r / self.D_r
        self.undefined = (D <= 0) | (self.D_r <= 0)

    def influence(self, A, B, axis):
        """Totals of the difference's influence values from those of the numerators ``A`` and denominators ``B``."""
        A_r = A.sum(axis=axis, keepdims=True) - A
        B_r = B.sum(axis=axis, keepdims=True) - B
        shape = [1] * A.ndim
        shape[axis] = A.shape[axis]
        shape[-1] = A.shape[-1]

        def b(x):
            return x.reshape(shape)

        with np.errstate(divide="ignore", invalid="ignore"):
            if self.total:
                out = A - A_r
            else:
                out = (A - b(self.theta) * B) / b(self.D) - (A_r - b(self.theta_r) * B_r) / b(self.D_r)
        return _clean(out)


def _clean(x: np.ndarray) -> np.ndarray:
    return np.nan_to_num(x, nan=0.0, posinf=0.0, neginf=0.0)


def _taylor_totals(ctx, prep, stage_sums, theta, D, total, k, rest):
    design = ctx.design
    infl, diff = [], []
    for S in stage_sums:
        C = S.shape[0]
        SA, SB = S[..., :k], S[..., k:2 * k]
        T = SA if total else (SA - theta[None] * SB) / D[None]
        infl.append(_clean(T.reshape(C, -1)))
        if rest is not None:
            diff.append(rest.influence(SA, SB, axis=1).reshape(C, -1))
    if ctx.projector is not None:
        infl, diff = _calibrated(ctx, prep, theta, D, total, k, rest, infl, diff)
    present = _presence(ctx, prep, stage_sums, k) if V.needs_presence(design) else None
    factor = V.taylor_factor_from_totals(design, infl, present)
    return factor, (V.taylor_factor_from_totals(design, diff) if rest is not None else None)


def _presence(ctx, prep, stage_sums, k):
    """Which clusters have respondents with an answer in each (group, column): R computes a domain's
    variance on the domain's rows, which matters under lonely_psu="average" and adjust_domain_lonely."""
    out = []
    for S, M in zip(stage_sums, ctx.stage_mats):
        C = S.shape[0]
        counts = S[..., k:2 * k] if not prep.ratio else prep.times_valid(M).reshape(C, ctx.G, k)
        out.append((counts > 0).reshape(C, -1))
    return out


def _calibrated(ctx, prep, theta, D, total, k, rest, infl, diff):
    """Cluster totals of the influence values residualised for the design's weighting steps."""
    G = ctx.G
    proj = ctx.projector
    ft_theta, ft_diff = [], []
    for step, mat in zip(proj.steps, ctx.step_mats):
        A = prep.times_a(mat).reshape(G, step.c, k)
        Bs = prep.times_b(mat).reshape(G, step.c, k)
        T = A if total else (A - theta[:, None, :] * Bs) / D[:, None, :]
        ft_theta.append(_clean(T.transpose(1, 0, 2).reshape(step.c, G * k)))
        if rest is not None:
            ft_diff.append(rest.influence(A, Bs, axis=0).transpose(1, 0, 2).reshape(step.c, G * k))
    infl = proj.correct_totals(infl, proj.gammas(ft_theta))
    if rest is not None:
        diff = proj.correct_totals(diff, proj.gammas(ft_diff))
    return infl, diff


def _replicate(design, groups, prep, theta, total, k, rest):
    R = design.n_replicates
    G = len(groups)
    reps_N = np.zeros((R, G, k))
    reps_D = np.zeros((R, G, k))
    b = prep.dense_b()
    for g, rows in enumerate(groups):
        if rows.size == 0:
            continue
        wr = design.repweights[rows]
        reps_N[:, g, :] = wr.T @ prep.a[rows]
        reps_D[:, g, :] = wr.T @ b[rows]
    with np.errstate(divide="ignore", invalid="ignore"):
        reps = reps_N if total else reps_N / reps_D
        factor = _clean(V.replicate_factor(design, theta.reshape(-1), reps.reshape(R, -1)))
        if rest is None:
            return factor, None
        reps_r = (reps_N.sum(axis=1, keepdims=True) - reps_N)
        if not total:
            reps_r = reps_r / (reps_D.sum(axis=1, keepdims=True) - reps_D)
        full = (rest.theta - rest.theta_r).reshape(-1)
        f_diff = _clean(V.replicate_factor(design, full, (reps - reps_r).reshape(R, -1)))
    return factor, f_diff


def versus_rest(res: BatchResult) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each group against the rest (the other groups together): difference, se, rest estimate.

    ``res`` must come from ``batch_estimates(..., rest=True)``.
    """
    if res.rest_difference is None:
        raise ValueError("versus_rest needs a BatchResult computed with rest=True")
    return res.rest_difference, res.rest_se, res.rest_estimate
