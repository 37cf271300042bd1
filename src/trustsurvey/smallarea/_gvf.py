"""Model-scale inputs: transformation of direct estimates and smoothed sampling variances (private).

Sampling variances: a generalised variance function
---------------------------------------------------
The Fay-Herriot model treats the sampling variances as known, but the design
variance of an area with a dozen respondents is itself a poor estimate (zero
when every respondent gave the same answer). Areas with at least ``min_n``
respondents keep their design variance; the others get a design-effect
generalised variance function (Wolter 2007, ch. 7):

    v_d = deff * S2_d / n_d

with ``n_d`` the area's respondents, ``S2_d`` the unit variance (``p (1 - p)``
for a share, the pooled unit variance of the sample for a mean) and ``deff``
the pooled design effect: the ``n``-weighted mean of the areas' own design
effects ``deff_d = v_d n_d / S2_d`` over the areas that keep their variance
(with-replacement design effects; the national one when no area qualifies).

Shares are modelled on the arcsine-square-root scale, ``y = asin(sqrt(p))``,
where the sampling variance is by the delta method ``v / (4 p (1 - p)) =
deff_d / (4 n_d)``, so the GVF variance is ``deff / (4 n_d)`` and needs no
estimate of ``p`` (Casas-Cordero, Encina and Lahiri 2016; Hadam, Wuerz and
Kreutzmann 2020). On the share scale (``transform="none"``) the GVF uses the
share of the area's region (the national share without regions) in ``p (1 - p)``.
Areas whose direct share is 0 or 1, or whose design variance is zero (a design
effect below 1e-9: all respondents in one PSU), always take the GVF.

``variance="gvf"`` applies the GVF to every area, ``"direct"`` to none except
those whose design variance is unusable (zero or undefined).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import EstimationError

__all__ = ["TRANSFORMS", "VARIANCES", "ModelInputs", "model_inputs", "back_transform", "interval", "BACK_TRANSFORMS"]

TRANSFORMS = ("auto", "arcsine", "none")
VARIANCES = ("smoothed", "gvf", "direct")
BACK_TRANSFORMS = ("naive", "bias_corrected")


@dataclass(frozen=True, eq=False)
class ModelInputs:
    """Response and sampling variance of every sampled area on the model scale."""

    y: np.ndarray
    vardir: np.ndarray
    source: np.ndarray  # "direct" or "gvf"
    deff: float  # pooled design effect of the GVF
    transform: str  # "arcsine" or "none"


def model_inputs(estimate, se, n, kind: str, transform: str, variance: str, min_n: int,
                 unit_variance: float, fallback_p, national_deff: float) -> ModelInputs:
    """Transform the direct estimates and choose each area's sampling variance.

    Parameters
    ----------
    estimate, se, n : arrays
        Direct estimates, their design standard errors and respondents per area.
    kind : {"proportion", "mean"}
    transform : {"arcsine", "none"}
    variance : {"smoothed", "gvf", "direct"}
    min_n : int
        Areas with fewer respondents take the GVF variance (``smoothed``).
    unit_variance : float
        Pooled unit variance (means).
    fallback_p : array
        Share used in ``p (1 - p)`` for GVF variances on the share scale.
    national_deff : float
        Design effect used when no area can give one.

    Examples
    --------
    >>> mi = model_inputs(np.array([0.5, 0.8, 1.0]), np.array([0.05, 0.06, 0.0]), np.array([100, 50, 8]),
    ...                   "proportion", "arcsine", "smoothed", 30, 0.25, np.full(3, 0.7), 1.5)
    >>> mi.source.tolist(), round(mi.deff, 4)
    (['direct', 'direct', 'gvf'], 1.0417)
    >>> round(float(mi.vardir[2]), 6) == round(mi.deff / (4 * 8), 6)
    True
    """
    estimate = np.asarray(estimate, dtype=float)
    v = np.asarray(se, dtype=float) ** 2
    n = np.asarray(n, dtype=float)
    if kind == "proportion":
        s2 = estimate * (1.0 - estimate)
    else:
        s2 = np.full(estimate.shape, float(unit_variance))
    with np.errstate(divide="ignore", invalid="ignore"):
        deff_d = v * n / s2
    # a design effect below 1e-9 is a variance of zero up to rounding (one PSU, or no variation)
    usable = np.isfinite(deff_d) & (deff_d > 1e-9) & (s2 > 0) & (n > 0)
    deff_d = np.where(usable, deff_d, np.nan)
    if variance == "gvf":
        keep = np.zeros(estimate.shape, dtype=bool)
    elif variance == "direct":
        keep = usable
    else:
        keep = usable & (n >= min_n)
    pool = usable & (n >= min_n)
    if pool.any():
        deff = float(np.sum(n[pool] * deff_d[pool]) / np.sum(n[pool]))
    else:
        deff = float(national_deff)
    if not np.isfinite(deff) or deff <= 0:
        raise EstimationError("cannot estimate a design effect for the variance function: no area has a "
                              "positive design variance; check the design and the item")
    if transform == "arcsine":
        if kind != "proportion":
            raise EstimationError("transform='arcsine' is for shares (a net such as metric='top2'); use "
                                  "transform='none' for means")
        y = np.arcsin(np.sqrt(np.clip(estimate, 0.0, 1.0)))
        with np.errstate(divide="ignore", invalid="ignore"):
            psi = np.where(keep, deff_d / (4.0 * n), deff / (4.0 * n))
    else:
        y = estimate
        if kind == "proportion":
            fp = np.asarray(fallback_p, dtype=float)
            gvf = deff * fp * (1.0 - fp) / n
        else:
            gvf = deff * s2 / n
        psi = np.where(keep, v, gvf)
    if not (np.isfinite(psi) & (psi > 0)).all():
        raise EstimationError("some areas have no usable sampling variance (a share of 0 or 1 in the region "
                              "as well); use transform='arcsine'")
    return ModelInputs(y=y, vardir=psi, source=np.where(keep, "direct", "gvf"), deff=deff, transform=transform)


def back_transform(theta, mse, transform: str, how: str = "naive") -> np.ndarray:
    """From the model scale back to shares.

    ``naive``: ``sin(theta)^2`` with ``theta`` clipped to ``[0, pi/2]``.
    ``bias_corrected``: ``E[sin(T)^2]`` for ``T ~ N(theta, mse)``, which is
    ``(1 - cos(2 theta) exp(-2 mse)) / 2`` (closed form of the correction of
    Hadam, Wuerz and Kreutzmann 2020, without their truncation).

    >>> round(float(back_transform(np.pi / 4, 0.0, "arcsine")), 6)
    0.5
    """
    theta = np.asarray(theta, dtype=float)
    if transform == "none":
        return theta
    if how == "bias_corrected":
        return 0.5 * (1.0 - np.cos(2.0 * theta) * np.exp(-2.0 * np.asarray(mse, dtype=float)))
    return np.sin(np.clip(theta, 0.0, np.pi / 2)) ** 2


def interval(final, mse_final, mse_theta, use: str, kind: str, level: float):
    """Normal intervals on the model scale, transformed back (asymmetric and inside [0, 1] for shares).

    On the arcsine scale the variance is the final MSE carried back by the delta
    method, ``mse / (sin 2 theta)^2`` (the model-scale MSE where ``theta`` is 0 or pi/2).
    """
    from ..inference import t_critical

    z = float(t_critical(level, np.inf))
    if use == "arcsine":
        theta = np.arcsin(np.sqrt(np.clip(final, 0.0, 1.0)))
        slope2 = np.sin(2 * theta) ** 2
        with np.errstate(divide="ignore", invalid="ignore"):
            var = np.where(slope2 > 1e-12, mse_final / slope2, mse_theta)
        half = z * np.sqrt(var)
        return back_transform(theta - half, 0.0, use), back_transform(theta + half, 0.0, use)
    half = z * np.sqrt(mse_final)
    lo, hi = final - half, final + half
    if kind == "proportion":
        lo, hi = np.clip(lo, 0.0, 1.0), np.clip(hi, 0.0, 1.0)
    return lo, hi
