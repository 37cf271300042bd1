"""Replicate weights built from a linearisation design (R's ``as.svrepdesign``).

The types and their names are R's:

- ``jk1``: delete one PSU at a time; the others are multiplied by ``n / (n - 1)``;
  ``scale = (n - 1) / n``. For unstratified designs only: on a stratified design
  it ignores the strata and overstates the variance, so it is refused (as R does);
  use ``jkn``.
- ``jkn``: delete one PSU within its stratum; the stratum's other PSUs are
  multiplied by ``n_h / (n_h - 1)``; ``rscales = (n_h - 1) / n_h``. Stratified designs.
- ``bootstrap``: Canty and Davison's bootstrap (R's ``type="bootstrap"``): in each
  stratum ``n_h`` PSUs are drawn with replacement (with a first-stage FPC:
  without replacement from the ``N_h`` population units, the sampled PSUs standing
  in for them in turn) and the weights multiplied by the times drawn;
  ``scale = n' / ((n' - 1)(R - 1))`` with ``n'`` the harmonic mean of the ``n_h``.
- ``subbootstrap``: Rao and Wu's rescaling bootstrap (R's ``type="subbootstrap"``):
  ``n_h - 1`` PSUs drawn with replacement, weights multiplied by
  ``n_h / (n_h - 1)`` times the times drawn; ``scale = 1 / (R - 1)``.
- ``brr``: balanced half-samples from a Hadamard matrix, for designs with exactly
  two PSUs per stratum; ``scale = 1 / R``.

The bootstraps are random: seeded, and reproducible from the seed (not R's
random numbers). As R does by default (``options(survey.replicates.mse=FALSE)``),
variances are centred on the mean of the replicates. A first-stage finite
population correction multiplies ``scale`` (``jk1``) or each stratum's ``rscales``
(``jkn``) by ``1 - n_h / N_h`` and shapes the ``bootstrap`` draws, as R does;
``subbootstrap`` and ``brr`` ignore it. R's names in R's case (``"JK1"``,
``"JKn"``, ``"BRR"``) are accepted too.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from .design import Design, DesignSpec, replicate_rank
from .errors import DesignError

__all__ = ["make_replicate_design", "hadamard", "BUILD_METHODS"]


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


#: Replicate types :func:`make_replicate_design` builds (R's ``as.svrepdesign`` types).
BUILD_METHODS = ("jk1", "jkn", "bootstrap", "subbootstrap", "brr")


def make_replicate_design(design: Design, method: str, *, replicates: int | None = None,
                          seed: int | None = 2025) -> Design:
    """Replicate weights for a linearisation ``design``; returns a replicate :class:`Design`.

    Parameters
    ----------
    design : Design
        A linearisation design, before any weighting step.
    method : {"auto", "jk1", "jkn", "bootstrap", "subbootstrap", "brr"}
        R's ``as.svrepdesign`` type (see the module docstring); ``auto``: ``jk1``
        for an unstratified design, ``jkn`` for a stratified one.
    replicates : int, optional
        Number of bootstrap replicates (default 200).
    seed : int, optional
        Seed of the bootstrap draws.

    Raises
    ------
    DesignError
        ``jk1`` on a stratified design (use ``jkn``), ``jkn`` or ``brr`` on an
        unstratified one (use ``jk1`` or a bootstrap), a stratum with too few PSUs.

    Examples
    --------
    >>> import pandas as pd
    >>> from trustsurvey.design import DesignSpec, prepare_design
    >>> df = pd.DataFrame({"h": [1, 1, 2, 2, 2], "psu": [1, 2, 3, 4, 5]})
    >>> d = prepare_design(df, DesignSpec(strata="h", psu=("psu",)))
    >>> make_replicate_design(d, "jkn").n_replicates
    5
    >>> make_replicate_design(d, "jk1")
    Traceback (most recent call last):
    ...
    trustsurvey.errors.DesignError: to_replicate('jk1') ...
    """
    if design.is_replicate:
        raise DesignError("the design already uses replicate weights")
    if design.calibration:
        raise DesignError("build replicate weights before weighting (rake/calibrate the replicate design)")
    name = method.lower() if isinstance(method, str) else method
    if name == "auto":  # R's default: JK1 without strata, JKn with them
        name = "jkn" if design.spec.strata is not None else "jk1"
    if name not in BUILD_METHODS:
        raise DesignError(f"to_replicate method {method!r} is not known; choose jk1, jkn, bootstrap or brr, "
                          "or subbootstrap (R's as.svrepdesign types)")
    method = name
    stratified = design.spec.strata is not None
    if method == "jk1" and stratified:
        raise DesignError(
            "to_replicate('jk1') deletes one PSU at a time across the whole sample and ignores the strata "
            f"({design.spec.strata!r}), which overstates the variance of a stratified design (R refuses it: "
            "\"Can't use JK1 for a stratified design\"); use to_replicate('jkn') (one PSU deleted within "
            "its stratum), 'bootstrap' or 'subbootstrap'")
    if method in ("jkn", "brr") and not stratified:
        raise DesignError(f"to_replicate({method!r}) needs a stratified design (R: \"Must use JK1 or bootstrap "
                          "for an unstratified design\"); use to_replicate('jk1'), 'bootstrap' or 'subbootstrap'")
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
        R = _replicate_count(replicates)
        mult = _canty_davison(st, R, np.random.default_rng(seed))
        rep = w[:, None] * mult[psu]
        nbar = H / float(np.sum(1.0 / n_h))  # harmonic mean of the PSUs per stratum
        if nbar <= 1:
            raise DesignError("the bootstrap needs a stratum with at least two PSUs")
        scale, rscales = nbar / ((nbar - 1.0) * (R - 1.0)), np.ones(R)
    elif method == "subbootstrap":
        R = _replicate_count(replicates)
        mult = _rao_wu(st, R, np.random.default_rng(seed))
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
    return Design(spec=spec, n=design.n, weights=w.copy(), repweights=rep, scale=float(scale),
                  rscales=np.asarray(rscales, float), mse=False, degf=replicate_rank(rep) - 1)


def _replicate_count(replicates: int | None) -> int:
    R = 200 if replicates is None else int(replicates)
    if R < 2:
        raise DesignError(f"replicates={replicates!r}: a bootstrap needs at least 2 replicates")
    return R


def _strata_members(st) -> list[np.ndarray]:
    """The clusters of each stratum (cluster codes), from one sort."""
    cs = st.cluster_stratum
    order = np.argsort(cs, kind="stable")
    bounds = np.searchsorted(cs[order], np.arange(st.n_strata + 1))
    return [order[bounds[h]:bounds[h + 1]] for h in range(st.n_strata)]


def _canty_davison(st, R: int, rng: np.random.Generator) -> np.ndarray:
    """Multipliers (clusters x replicates): the times each PSU is drawn among ``n_h`` draws of its stratum.

    Without an FPC the draws are with replacement (multinomial); with one, ``n_h``
    draws without replacement from a population of ``floor(N_h)`` units in which
    the sampled PSUs, in a random order, stand in for ``N_h / n_h`` units each
    (multivariate hypergeometric), as R's ``bootweights`` does.
    """
    mult = np.zeros((st.n_total_clusters, R))
    for h, members in enumerate(_strata_members(st)):
        m = members.size
        if m == 0:
            continue
        N = st.popsize[h]
        if np.isfinite(N) and N < 1e8:  # beyond, without and with replacement differ by less than 1e-7
            N = int(np.floor(N + 1e-9))
            copies = np.full(m, N // m, dtype=np.int64)
            copies[rng.permutation(m)[: N % m]] += 1
            counts = rng.multivariate_hypergeometric(copies, m, size=R)
        else:
            counts = rng.multinomial(m, np.full(m, 1.0 / m), size=R)
        mult[members] = counts.T
    return mult


def _rao_wu(st, R: int, rng: np.random.Generator) -> np.ndarray:
    """Multipliers (clusters x replicates): ``n_h / (n_h - 1)`` times the times each PSU is drawn
    among ``n_h - 1`` draws with replacement in its stratum."""
    mult = np.zeros((st.n_total_clusters, R))
    for members in _strata_members(st):
        m = members.size
        if m == 0:
            continue
        if m < 2:
            raise DesignError("the subbootstrap (Rao-Wu) needs at least two PSUs in every stratum; "
                              "use bootstrap, or collapse strata")
        counts = rng.multinomial(m - 1, np.full(m, 1.0 / m), size=R)
        mult[members] = counts.T * m / (m - 1.0)
    return mult
