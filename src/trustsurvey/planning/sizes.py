"""Sample sizes for a margin of error and for detecting a change, and the minimum detectable change.

All sizes are unrounded floats (round up before fieldwork); the normal
approximation throughout, as PracTools (Valliant, Dever and Kreuter 2018,
*Practical Tools for Designing and Weighting Survey Samples*, ch. 3 and 4).
"""

from __future__ import annotations

import math

from ..errors import EstimationError

__all__ = ["sample_size", "n_for_change", "min_detectable_change", "margin_of_error"]

_SIDES = ("two-sided", "less", "greater")


def _z(p: float) -> float:
    from ..distributions import norm_ppf

    return float(norm_ppf(p))


def _check(name: str, value, low: float, high: float, *, low_open: bool = True, high_open: bool = True) -> float:
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise EstimationError(f"{name}={value!r} is not a number") from None
    ok = (x > low if low_open else x >= low) and (x < high if high_open else x <= high)
    if not ok or math.isnan(x):
        lo, hi = ("(" if low_open else "["), (")" if high_open else "]")
        raise EstimationError(f"{name}={value!r} must lie in {lo}{low}, {high}{hi}")
    return x


def _population(N) -> float | None:
    if N is None:
        return None
    n = _check("N", N, 1, math.inf)
    return n


def sample_size(moe: float, p: float = 0.5, deff: float = 1.0, N: float | None = None, conf: float = 0.95,
                response_rate: float = 1.0) -> float:
    """Sample size for a margin of error on a share (unrounded).

    Completed interviews ``n`` so that the half-width of the ``conf``
    interval of a share ``p`` is ``moe``, for a design with design effect
    ``deff``, then divided by the response rate (the units to issue)::

        n = a deff z^2 p q / (moe^2 + deff z^2 p q / (N - 1)),   a = N / (N - 1)

    (``a = 1`` and no second term without ``N``). With ``deff=1`` and
    ``response_rate=1`` this is PracTools' ``nPropMoe(moe.sw=1, e=moe,
    alpha=1-conf, pU=p, N=N)``; the design effect multiplies the variance of
    simple random sampling without replacement (Kish 1965).

    Parameters
    ----------
    moe : float
        Margin of error as a share (0.03 for 3 percentage points).
    p : float
        Anticipated share (0.5, the default, is the worst case).
    deff : float
        Design effect (clustering and weighting), e.g. from last wave.
    N : float, optional
        Population size (no finite population correction without it).
    conf : float
        Confidence level.
    response_rate : float
        Expected share of issued units that complete the interview.

    Returns
    -------
    float

    Examples
    --------
    >>> round(sample_size(0.03), 2)
    1067.07
    >>> round(sample_size(0.03, deff=1.6, response_rate=0.8), 1)
    2134.1
    """
    e = _check("moe", moe, 0, 1)
    p = _check("p", p, 0, 1)
    d = _check("deff", deff, 0, math.inf)
    c = _check("conf", conf, 0, 1)
    rr = _check("response_rate", response_rate, 0, 1, high_open=False)
    Np = _population(N)
    z2pq = _z(1 - (1 - c) / 2) ** 2 * p * (1 - p) * d
    if Np is None:
        n = z2pq / e ** 2
    else:
        n = Np / (Np - 1) * z2pq / (e ** 2 + z2pq / (Np - 1))
    return n / rr


def margin_of_error(n: float, p: float = 0.5, deff: float = 1.0, N: float | None = None,
                    conf: float = 0.95) -> float:
    """Expected margin of error of a share with ``n`` completed interviews (inverse of :func:`sample_size`).

    >>> round(margin_of_error(sample_size(0.03, deff=1.7, N=50_000), deff=1.7, N=50_000), 10)
    0.03
    """
    n = _check("n", n, 0, math.inf)
    p = _check("p", p, 0, 1)
    d = _check("deff", deff, 0, math.inf)
    c = _check("conf", conf, 0, 1)
    Np = _population(N)
    fpc = 1.0 if Np is None else max(Np - n, 0.0) / (Np - 1)
    return _z(1 - (1 - c) / 2) * math.sqrt(d * p * (1 - p) / n * fpc)


def _za(alpha: float, alternative: str) -> float:
    if alternative not in _SIDES:
        raise EstimationError(f"alternative={alternative!r} is not known; choose one of {', '.join(_SIDES)}")
    return _z(1 - alpha / 2) if alternative == "two-sided" else _z(1 - alpha)


def _feasible(p1, p2, rho) -> bool:
    """Whether the share answering yes in both waves, ``p1 p2 + rho sqrt(s1 s2)``, is a possible one."""
    pxy = p1 * p2 + rho * math.sqrt(p1 * (1 - p1) * p2 * (1 - p2))
    return max(0.0, p1 + p2 - 1) <= pxy <= min(p1, p2)


def _change_terms(power, alpha, overlap, rho, ratio, deff, alternative) -> tuple[float, ...]:
    """The checked arguments of a change between two waves: ``z_alpha, z_power, overlap, rho, ratio, deff``."""
    pw = _check("power", power, 0, 1)
    a = _check("alpha", alpha, 0, 1)
    g = _check("overlap", overlap, 0, 1, low_open=False, high_open=False)
    rho = _check("rho", rho, -1, 1, low_open=False, high_open=False)
    r = _check("ratio", ratio, 0, math.inf)
    d = _check("deff", deff, 0, math.inf)
    return _za(a, alternative), _z(pw), g, rho, r, d


def _n_change(p1, p2, za, zb, g, rho, r, d) -> float:
    s1, s2 = p1 * (1 - p1), p2 * (1 - p2)
    s12 = rho * math.sqrt(s1 * s2)
    if not _feasible(p1, p2, rho):
        raise EstimationError(f"rho={rho!r} is impossible for shares {p1!r} and {p2!r}: the share answering yes in "
                              "both waves would be outside [max(0, p1 + p2 - 1), min(p1, p2)]; lower rho")
    return d * (s1 + r * s2 - 2 * g * r * s12) / (p1 - p2) ** 2 * (za + zb) ** 2


def n_for_change(p1: float, p2: float, power: float = 0.8, alpha: float = 0.05, overlap: float = 0.0, *,
                 rho: float = 0.0, ratio: float = 1.0, deff: float = 1.0,
                 alternative: str = "two-sided") -> float:
    """Interviews in the first wave to detect a change of a share from ``p1`` to ``p2`` (unrounded).

    The test of the difference of two waves' shares at level ``alpha`` with
    the given ``power``, as PracTools' ``nProp2sam`` (before it rounds up)::

        n1 = deff (s1 + r s2 - 2 g r s12) / (p1 - p2)^2 (z_alpha + z_power)^2

    with ``s = p (1 - p)``, ``s12 = rho sqrt(s1 s2)`` the covariance of a
    panel member's two answers, ``g`` the overlap and ``r`` the ratio.

    Parameters
    ----------
    p1, p2 : float
        The share in the first and the second wave.
    power : float
        Probability of detecting the change.
    alpha : float
        Significance level.
    overlap : float
        Share of the first wave's respondents interviewed again in the
        second (PracTools' ``gamma``); 0 for independent samples. It matters
        only with a correlation ``rho``.
    rho : float
        Correlation between a panel member's answers in the two waves
        (PracTools' ``pxy = p1 p2 + rho sqrt(s1 s2)``).
    ratio : float
        ``n1 / n2`` (the second wave has ``n1 / ratio`` interviews).
    deff : float
        Design effect (multiplies the size).
    alternative : {"two-sided", "less", "greater"}
        A one-sided test (either direction) uses ``z_(1 - alpha)``.

    Returns
    -------
    float

    Examples
    --------
    >>> round(n_for_change(0.60, 0.65, power=0.8), 2)
    1467.74
    """
    p1 = _check("p1", p1, 0, 1)
    p2 = _check("p2", p2, 0, 1)
    if p1 == p2:
        raise EstimationError("p1 and p2 are equal: there is no change to detect")
    za, zb, g, rho, r, d = _change_terms(power, alpha, overlap, rho, ratio, deff, alternative)
    return _n_change(p1, p2, za, zb, g, rho, r, d)


def min_detectable_change(n: float, p: float, power: float = 0.8, alpha: float = 0.05, overlap: float = 0.0, *,
                          rho: float = 0.0, ratio: float = 1.0, deff: float = 1.0,
                          alternative: str = "two-sided", direction: str = "conservative") -> float:
    """The smallest change of a share from ``p`` that ``n`` interviews detect (inverse of :func:`n_for_change`).

    The change ``delta > 0`` with ``n_for_change(p, p + delta, ...) == n``
    (``direction="up"``) or ``n_for_change(p, p - delta, ...) == n``
    (``"down"``), solved numerically; ``"conservative"`` (the default) gives
    the larger of the two, which is the change towards 50%.

    Parameters
    ----------
    n : float
        Interviews in the first wave (the second has ``n / ratio``).
    p : float
        The share in the first wave.
    power, alpha, overlap, rho, ratio, deff, alternative
        As in :func:`n_for_change`.
    direction : {"conservative", "up", "down"}

    Returns
    -------
    float
        NaN when no change in that direction is detectable with ``n`` (with a
        correlation ``rho``, only changes to shares compatible with it count).

    Examples
    --------
    >>> d = min_detectable_change(1500, 0.6)
    >>> round(d, 4)
    0.0505
    >>> round(n_for_change(0.6, 0.6 - d), 6)
    1500.0
    """
    from scipy.optimize import brentq

    n = _check("n", n, 0, math.inf)
    p = _check("p", p, 0, 1)
    if direction not in ("conservative", "up", "down"):
        raise EstimationError(f"direction={direction!r} is not known; choose conservative, up or down")
    za, zb, g, rho, r, d = _change_terms(power, alpha, overlap, rho, ratio, deff, alternative)

    def solve(sign: int) -> float:
        room = (1 - p) if sign > 0 else p
        hi = room * (1 - 1e-12)
        if not _feasible(p, p + sign * hi, rho):  # a correlation bounds how far the second share can go
            ok, bad = 0.0, hi
            for _ in range(80):
                mid = (ok + bad) / 2
                ok, bad = (mid, bad) if _feasible(p, p + sign * mid, rho) else (ok, mid)
            hi = ok

        def f(delta):
            return _n_change(p, p + sign * delta, za, zb, g, rho, r, d) - n

        if f(hi) > 0:
            return math.nan
        return float(brentq(f, 1e-12, hi, xtol=1e-14, rtol=1e-13, maxiter=500))

    if direction == "up":
        return solve(1)
    if direction == "down":
        return solve(-1)
    both = [x for x in (solve(1), solve(-1)) if not math.isnan(x)]
    return max(both) if both else math.nan
