"""Allocation of a sample to strata: proportional, Neyman, equal and power (compromise) allocation."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from ..errors import EstimationError

__all__ = ["allocate", "Allocation", "ALLOCATION_METHODS", "ALLOCATION_COLUMNS"]

ALLOCATION_METHODS = ("proportional", "neyman", "equal", "power")
#: Columns of :meth:`Allocation.to_frame`.
ALLOCATION_COLUMNS = ["stratum", "population", "sd", "n", "share_of_sample", "sampling_fraction", "fixed"]


@dataclass(frozen=True, eq=False)
class Allocation:
    """Stratum sample sizes (unrounded), frozen.

    Attributes
    ----------
    method : str
    n : float
        Total sample size.
    strata : tuple
        Stratum labels.
    Nh, Sh, nh : ndarray
        Population sizes, unit standard deviations (NaN if not given) and
        sample sizes.
    fixed : ndarray of str
        ``""``, ``"minimum"`` (raised to ``min_per_stratum``) or ``"all"``
        (take-all: the stratum's whole population).
    power : float
        Exponent of the power allocation.
    """

    method: str
    n: float
    strata: tuple
    Nh: np.ndarray
    Sh: np.ndarray
    nh: np.ndarray
    fixed: np.ndarray
    power: float = 0.5

    @property
    def se(self) -> float:
        """Anticipated standard error of the estimated population mean, as PracTools' ``strAlloc``:
        ``sqrt(sum(Nh (Nh / nh - 1) Sh^2)) / N`` (NaN without ``Sh``)."""
        if np.isnan(self.Sh).any():
            return float("nan")
        return float(np.sqrt(np.sum(self.Nh * (self.Nh / self.nh - 1) * self.Sh ** 2)) / self.Nh.sum())

    @property
    def allocation_deff(self) -> float:
        """Kish's design effect of the allocation for a national estimate, ``sum(Wh^2 / (nh / n))``:
        the variance against proportional allocation when all strata have the same unit variance."""
        W = self.Nh / self.Nh.sum()
        return float(np.sum(W ** 2 / (self.nh / self.nh.sum())))

    def rounded(self) -> pd.Series:
        """Whole interviews per stratum, adding up to the total rounded up (largest remainders;
        never below a stratum's minimum or above its population)."""
        total = math.ceil(float(self.nh.sum()) - 1e-9)
        base = np.floor(self.nh + 1e-9).astype(np.int64)
        room = np.where(self.fixed == "all", 0, 1)
        order = np.argsort(-(self.nh - base) * room, kind="stable")
        short = total - int(base.sum())
        base[order[:max(short, 0)]] += 1
        return pd.Series(base, index=pd.Index(self.strata, name="stratum"), name="n")

    def to_frame(self) -> pd.DataFrame:
        """One row per stratum.

        Returns
        -------
        pandas.DataFrame
            ``stratum, population, sd, n, share_of_sample, sampling_fraction,
            fixed``: the stratum, its population, unit standard deviation,
            sample size (unrounded), its share of the sample, ``n / population``
            and whether a constraint fixed it (``minimum``, ``all``, or empty).
        """
        return pd.DataFrame({"stratum": list(self.strata), "population": self.Nh, "sd": self.Sh, "n": self.nh,
                             "share_of_sample": self.nh / self.nh.sum(), "sampling_fraction": self.nh / self.Nh,
                             "fixed": self.fixed}, columns=ALLOCATION_COLUMNS)


def _vector(values, name: str, labels=None) -> tuple[list, np.ndarray]:
    if isinstance(values, Mapping):
        values = pd.Series(values)
    if isinstance(values, pd.Series):
        keys = list(values.index)
        arr = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
    else:
        arr = np.asarray(values, dtype=float).ravel()
        keys = list(range(arr.size)) if labels is None else list(labels)
    if labels is not None:
        if isinstance(values, pd.Series):
            missing = [k for k in labels if k not in set(keys)]
            if missing:
                raise EstimationError(f"{name} has no value for stratum(s) {missing[:10]}")
            arr = pd.Series(arr, index=keys).reindex(labels).to_numpy(dtype=float)
        elif arr.size != len(labels):
            raise EstimationError(f"{name} has {arr.size} values for {len(labels)} strata")
    if arr.size == 0:
        raise EstimationError(f"{name} is empty: give one value per stratum")
    if not (np.isfinite(arr) & (arr > 0)).all():
        raise EstimationError(f"{name} must be positive numbers, one per stratum; got {arr.tolist()[:10]}")
    return keys, arr


def allocate(n: float, Nh: Mapping | Sequence[float] | pd.Series, Sh: Mapping | Sequence[float] | None = None,
             method: str = "proportional", min_per_stratum: float = 0, power: float = 0.5) -> Allocation:
    """Allocate ``n`` interviews to strata (unrounded; :meth:`Allocation.rounded` gives whole numbers).

    Parameters
    ----------
    n : float
        Total sample size.
    Nh : mapping, Series or sequence
        Stratum population sizes (labels from the keys or index).
    Sh : mapping, Series or sequence, optional
        Unit standard deviations per stratum (``sqrt(p (1 - p))`` for a
        share). Needed for ``neyman``; used by ``power`` if given.
    method : {"proportional", "neyman", "equal", "power"}
        - ``proportional``: ``nh = n Nh / N`` (PracTools ``strAlloc(alloc="prop")``);
        - ``neyman``: ``nh = n Nh Sh / sum(Nh Sh)`` (``strAlloc(alloc="neyman")``),
          the smallest variance of the national mean;
        - ``equal``: ``n / H`` per stratum;
        - ``power``: ``nh`` proportional to ``Nh^power`` (times ``Sh`` if
          given): Bankier's (1988) power allocation, which minimises
          ``sum(Nh^(2 power) V(mean_h))``, a compromise between national
          precision (``power=1``: proportional or Neyman) and equal precision
          in every stratum (``power=0``). Bankier, M. D. (1988), "Power
          allocations: determining sample sizes for subnational areas", *The
          American Statistician* 42(3), 174-177.
    min_per_stratum : float
        Every stratum gets at least this many (or its whole population if
        smaller); the rest is allocated to the others by the method.
    power : float
        Exponent of the power allocation, in [0, 1].

    Returns
    -------
    Allocation
        ``.nh``, ``.to_frame()``, ``.rounded()``, ``.se``, ``.allocation_deff``.
        No stratum gets more than its population: such strata are taken
        whole (``fixed == "all"``) and the rest is re-allocated, as are strata
        raised to the minimum.

    Examples
    --------
    >>> a = allocate(1500, {"north": 40_000, "centre": 500_000, "south": 260_000}, method="power")
    >>> a.rounded().tolist()
    [212, 748, 540]
    >>> allocate(1500, {"north": 40_000, "centre": 500_000, "south": 260_000}, min_per_stratum=150).rounded().tolist()
    [150, 888, 462]
    """
    if method not in ALLOCATION_METHODS:
        raise EstimationError(f"method={method!r} is not known; choose one of {', '.join(ALLOCATION_METHODS)}")
    try:
        total = float(n)
    except (TypeError, ValueError):
        raise EstimationError(f"n={n!r} is not a number") from None
    labels, N = _vector(Nh, "Nh")
    if Sh is not None:
        _, S = _vector(Sh, "Sh", labels)
    else:
        S = np.full(N.shape, np.nan)
        if method == "neyman":
            raise EstimationError("Neyman allocation needs Sh, the unit standard deviation of every stratum")
    if not 0 <= power <= 1:
        raise EstimationError(f"power={power!r} must lie in [0, 1]")
    if not 0 < total <= N.sum():
        raise EstimationError(f"n={n!r} must be positive and at most the population ({N.sum():g})")
    minimum = np.minimum(float(min_per_stratum), N)
    if min_per_stratum < 0 or minimum.sum() > total:
        raise EstimationError(f"min_per_stratum={min_per_stratum!r} for {N.size} strata needs "
                              f"{minimum.sum():g} interviews, more than n={n!r}")
    if method == "proportional":
        weight = N.copy()
    elif method == "neyman":
        weight = N * S
    elif method == "equal":
        weight = np.ones(N.shape)
    else:
        weight = N ** power * (S if Sh is not None else 1.0)
    nh = np.zeros(N.shape)
    fixed = np.full(N.shape, "", dtype=object)
    free = np.ones(N.shape, dtype=bool)
    for _ in range(2 * N.size + 1):
        rest = total - nh[~free].sum()
        nh[free] = rest * weight[free] / weight[free].sum()
        over = free & (nh > N)
        under = free & (nh < minimum)
        if not (over.any() or under.any()):
            break
        nh[over], fixed[over] = N[over], "all"
        nh[under] = minimum[under]
        fixed[under] = np.where(minimum[under] >= N[under], "all", "minimum")
        free &= ~(over | under)
        if not free.any():
            break
    return Allocation(method=method, n=total, strata=tuple(labels), Nh=N, Sh=S, nh=nh,
                      fixed=fixed.astype(str), power=float(power))
