"""Model-based estimates for every area of a survey: :func:`small_area`.

From a :class:`~trustsurvey.Survey` and a table of area covariates (census or
administrative figures, one row per area), in order:

1. direct estimates and design variances per area, per region and nationally
   (:meth:`Survey.mean` on the item's net indicator or score);
2. the model scale: shares on the arcsine-square-root scale; sampling variances
   of areas with few respondents from a generalised variance function (see
   :mod:`trustsurvey.smallarea._gvf`);
3. the Fay-Herriot model (:func:`~trustsurvey.fay_herriot`'s kernels) over the
   sampled areas; synthetic regression estimates ``x' beta`` for areas without
   respondents, with MSE ``A + x' V(beta) x``;
4. back to shares (``sin^2``), MSE by the delta method (or a parametric
   bootstrap through the back-transformation), intervals on the model scale
   transformed back (so they are asymmetric and inside [0, 1]);
5. ratio benchmarking so that the population-weighted areas add up to the
   direct estimate of their region (or the national one) (see
   :mod:`trustsurvey.smallarea._benchmark`);
6. a flag per area from the coefficient of variation of the final estimate.
"""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import EstimationError, TrustSurveyWarning
from ._benchmark import benchmark_estimates
from ._direct import area_key, direct_estimates
from ._fit import METHODS, bootstrap
from ._formula import design_matrix, parse_formula
from ._gvf import BACK_TRANSFORMS, TRANSFORMS, VARIANCES, interval, model_inputs
from ._gvf import back_transform as _back
from .fayherriot import MSE_METHODS, FayHerriotResult, _fit_model, warn_failed

__all__ = ["small_area", "SmallAreaResult", "SMALL_AREA_COLUMNS", "LOCAL_COLUMNS", "FLAGS"]

#: Columns of :meth:`SmallAreaResult.to_frame` after the area (and region) column.
SMALL_AREA_COLUMNS = ["n_unweighted", "n_weighted", "direct", "direct_se", "direct_cv", "vardir", "vardir_source",
                      "synthetic", "eblup", "gamma", "std_residual", "benchmark_factor", "estimate", "se",
                      "ci_low", "ci_high", "mse", "cv", "source", "flag"]
#: Columns of :meth:`SmallAreaResult.tidy` (the house's tidy layout: one row per area).
LOCAL_COLUMNS = ["item", "metric", "level", "by", "group", "region", "estimate", "se", "ci_low", "ci_high", "cv",
                 "n_unweighted", "n_weighted", "direct", "direct_se", "source", "flag", "national", "regional"]
#: Flags, from the most to the least reliable.
FLAGS = ("publish", "caution", "suppress")


@dataclass(frozen=True, eq=False)
class SmallAreaResult:
    """Small-area estimates of one item (frozen).

    Attributes
    ----------
    item, metric, area, region : str
        What was estimated, by which area column (and region column, or None).
    kind : str
        ``proportion`` or ``mean``.
    transform : str
        Model scale: ``arcsine`` or ``none``.
    fit : FayHerriotResult
        The model on the model scale (sampled areas only): ``.refvar``, ``.coef``.
    benchmark : pandas.DataFrame
        One row per benchmark group and a last ``national`` row: ``level``
        (``region`` or ``national``), ``group``, ``direct``, ``direct_se``,
        ``model`` (population-weighted mean of the area estimates before
        benchmarking), ``factor`` and ``benchmarked`` (after).
    diagnostics : pandas.DataFrame
        ``statistic, value``: areas, refvar, shrinkage, standardised
        residuals, direct against model (see :func:`small_area`). Computed
        when first read (its Shapiro-Wilk test needs :mod:`scipy.stats`, which
        a run that never reads it does not import).
    deff : float
        Pooled design effect of the variance function.
    cv_caution, cv_suppress : float
        Flag thresholds.
    """

    item: str
    metric: str
    area: str
    region: str | None
    kind: str
    transform: str
    fit: FayHerriotResult
    table: pd.DataFrame = field(repr=False)
    benchmark: pd.DataFrame = field(repr=False)
    deff: float = 1.0
    cv_caution: float = 0.2
    cv_suppress: float = 0.3
    level: float = 0.95
    _diagnostic_inputs: tuple = field(default=(), repr=False, compare=False)

    @cached_property
    def diagnostics(self) -> pd.DataFrame:
        """``statistic, value``: the fit's diagnostics (computed once, when first read)."""
        return _diagnostics(*self._diagnostic_inputs)

    def to_frame(self) -> pd.DataFrame:
        """One row per area (the covariate table's order).

        Returns
        -------
        pandas.DataFrame
            ``<area>, [<region>,] n_unweighted, n_weighted, direct, direct_se,
            direct_cv, vardir, vardir_source, synthetic, eblup, gamma,
            std_residual, benchmark_factor, estimate, se, ci_low, ci_high, mse,
            cv, source, flag``.

            ``direct*`` are the design-based estimate, its standard error and
            CV (NaN without respondents); ``vardir`` the sampling variance the
            model used (on the model scale) and ``vardir_source`` whether it is
            the area's design variance (``direct``) or from the variance function
            (``gvf``); ``synthetic`` and ``eblup`` the regression and the model
            estimate before benchmarking; ``gamma`` the shrinkage (weight of the
            direct estimate), ``std_residual`` the standardised residual;
            ``estimate``, ``se`` (square root of ``mse``), ``ci_low``,
            ``ci_high``, ``cv`` the final, benchmarked estimate; ``source``
            ``model`` or ``synthetic`` (no respondents); ``flag`` ``publish``,
            ``caution`` or ``suppress``.
        """
        return self.table.copy()

    def tidy(self) -> pd.DataFrame:
        """The estimates in the house's tidy layout (one row per area), for reports and recommendation rules.

        Returns
        -------
        pandas.DataFrame
            :data:`LOCAL_COLUMNS`: ``item, metric, level`` (empty), ``by`` (the
            area column's name), ``group`` (the area code as text), ``region``
            (its region's code as text; empty without a region), the final
            ``estimate, se, ci_low, ci_high, cv``, ``n_unweighted,
            n_weighted`` (respondents), ``direct, direct_se``, ``source``,
            ``flag`` (``publish``, ``caution``, ``suppress``), and the direct
            estimates the areas were benchmarked to: ``national`` and
            ``regional`` (NaN without a region).

        Examples
        --------
        >>> import trustsurvey as ts
        >>> from trustsurvey.datasets import load_example
        >>> from trustsurvey.smallarea import example_covariates_path
        >>> s = load_example(2025, raw=False).weight()
        >>> item = s.questionnaire.question_ids[0]
        >>> t = ts.small_area(s, item, area="municipality", region="region",
        ...                   covariates=example_covariates_path(), population="adults").tidy()
        >>> t.loc[0, ["by", "group", "region", "flag"]].tolist(), round(float(t.loc[0, "national"]), 3)
        (['municipality', '101', '1', 'publish'], 0.667)
        """
        t = self.table
        n = len(t)
        regions = (area_key(t[self.region]) if self.region is not None else np.full(n, None, dtype=object))
        bench = self.benchmark
        nat = bench.loc[bench["level"] == "national", "direct"]
        national = float(nat.iloc[0]) if len(nat) else np.nan
        by_region = dict(zip(bench.loc[bench["level"] == "region", "group"].astype(str),
                             bench.loc[bench["level"] == "region", "direct"].astype(float)))
        out = pd.DataFrame({
            "item": self.item, "metric": self.metric, "level": "", "by": self.area,
            "group": area_key(t[self.area]),
            "region": ["" if r is None else str(r) for r in regions],
        }, index=range(n))
        for c in ("estimate", "se", "ci_low", "ci_high", "cv"):
            out[c] = t[c].to_numpy(dtype=float)
        out["n_unweighted"] = t["n_unweighted"].to_numpy(dtype=np.int64)
        for c in ("n_weighted", "direct", "direct_se"):
            out[c] = t[c].to_numpy(dtype=float)
        out["source"] = t["source"].to_numpy(dtype=object)
        out["flag"] = t["flag"].to_numpy(dtype=object)
        out["national"] = national
        out["regional"] = [by_region.get(r, np.nan) if r else np.nan for r in out["region"]]
        return out[LOCAL_COLUMNS]

    def __repr__(self) -> str:
        counts = self.table["flag"].value_counts()
        return (f"<SmallAreaResult {self.item} {self.metric} by {self.area}: {len(self.table)} areas "
                f"({(self.table['source'] == 'synthetic').sum()} synthetic); "
                + ", ".join(f"{counts.get(f, 0)} {f}" for f in FLAGS) + ">")


def _read_covariates(covariates, area: str) -> pd.DataFrame:
    if isinstance(covariates, pd.DataFrame):
        frame = covariates.copy()
        where = "the covariates"
    elif isinstance(covariates, (str, os.PathLike)):
        path = Path(covariates)
        if not path.is_file():
            raise EstimationError(f"covariates file {str(path)!r} does not exist")
        with path.open(encoding="utf-8") as fh:
            skip = 0
            for line in fh:
                if not line.startswith("#"):
                    break
                skip += 1
        try:
            frame = pd.read_csv(path, skiprows=skip)
        except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
            raise EstimationError(f"covariates file {path}: cannot read it as CSV ({exc})") from None
        where = f"covariates file {path}"
    else:
        raise EstimationError("covariates must be a DataFrame or the path of a CSV file with one row per area, "
                              f"not {type(covariates).__name__}")
    if area not in frame.columns:
        raise EstimationError(f"{where} has no column {area!r} (the area column); columns: "
                              f"{', '.join(map(str, frame.columns))}")
    keys = area_key(frame[area])
    if any(k is None for k in keys):
        raise EstimationError(f"{where}: column {area!r} has empty cells; every row needs an area code")
    dup = pd.Series(keys)[pd.Series(keys).duplicated()]
    if len(dup):
        raise EstimationError(f"{where}: area(s) {', '.join(dup.unique()[:10])} appear more than once in "
                              f"column {area!r}; give one row per area")
    frame.attrs["where"] = where
    return frame.reset_index(drop=True)


def _default_formula(cov: pd.DataFrame, exclude) -> str:
    cols = [c for c in cov.columns if c not in exclude and pd.api.types.is_numeric_dtype(cov[c].dtype)
            and not pd.api.types.is_bool_dtype(cov[c].dtype)]
    if not cols:
        raise EstimationError(f"{cov.attrs.get('where', 'the covariates')} has no numeric covariate beside "
                              f"{', '.join(e for e in exclude if e)}; add some or give formula=")
    return " + ".join(c if c.isidentifier() else f"`{c}`" for c in cols)


def _choice(value, choices, name):
    if value not in choices:
        raise EstimationError(f"{name}={value!r} is not known; choose one of {', '.join(map(repr, choices))}")


def _regions(cov, keys, region, direct, benchmark):
    """Region key of every covariate area: from the data, else from the covariates' region column."""
    out = np.array([direct.region_of.get(k) for k in keys], dtype=object)
    where = cov.attrs.get("where", "the covariates")
    if region in cov.columns:
        given = area_key(cov[region])
        clash = [(k, o, g) for k, o, g in zip(keys, out, given) if o is not None and g is not None and o != g]
        if clash:
            k, o, g = clash[0]
            raise EstimationError(f"{where}: area {k} is in {region} {g}, but its respondents are in {region} {o}")
        out = np.where(out == None, given, out)  # noqa: E711 (elementwise on object arrays)
    missing = [k for k, r in zip(keys, out) if r is None]
    if missing and benchmark:
        raise EstimationError(f"areas {', '.join(missing[:10])} have no respondents, so their {region} is not known "
                              f"from the data; add a {region!r} column to {where} (or benchmark=False)")
    return out


def small_area(survey, item: str, *, area: str, covariates, region: str | None = None, metric: str = "top2",
               formula: str | None = None, population: str | None = None, method: str = "REML",
               transform: str = "auto", variance: str = "gvf", min_n: int = 30,
               back_transform: str = "naive", benchmark: bool = True, mse: str = "analytic",
               B: int = 200, seed: int | None = None, cv_caution: float = 0.2, cv_suppress: float = 0.3,
               level: float = 0.95) -> SmallAreaResult:
    """Model-based (Fay-Herriot) estimates of an item for every area, from a survey and area covariates.

    Parameters
    ----------
    survey : Survey
        Weighted as it should be for direct estimates (the design gives the variances).
    item : str
        Item id (or any numeric column).
    area : str
        Column of area codes in the data and in the covariates (municipality,
        police station area, ...).
    covariates : pandas.DataFrame or path of a CSV file
        One row per area of the population, also those without respondents
        (they get synthetic estimates). Lines at the top of the CSV that start
        with ``#`` are skipped (notes on the source).
    region : str, optional
        Column of the larger domains the areas nest in (from the data; for
        areas without respondents from the covariates): the estimates are
        benchmarked to the regions' direct estimates. Without it, to the
        national one.
    metric : str
        A net of the item's scale (``top2``, ``bottom2``, ...) for a share, or
        ``mean`` (the scale's scores, or the column itself without a scale).
    formula : str, optional
        Right-hand side of the model (``"urban_share + C(region)"``); default
        every numeric covariate except the area, region and population columns.
    population : str, optional
        Column of the covariates with each area's population (the weights of
        benchmarking and of the national aggregate); default the survey's
        weighted count of respondents (areas without respondents then do not
        count in the benchmark sums, but take their group's factor).
    method : {"REML", "ML", "FH"}
        Variance estimator (as R's ``sae::eblupFH``).
    transform : {"auto", "arcsine", "none"}
        ``auto``: arcsine-square-root for shares, none for means.
    variance : {"gvf", "smoothed", "direct"}
        Sampling variances (see :mod:`trustsurvey.smallarea._gvf`): the
        generalised variance function for every area (``gvf``, the default),
        the design variance for areas with at least ``min_n`` respondents and
        the GVF for the others (``smoothed``), or the design variance wherever
        it is positive (``direct``). The default because an area's design
        variance rests on the few PSUs it has (1 to 10 in the example): in 20
        simulated samples of the example population the GVF gave an average
        squared error 7% lower than ``smoothed`` and intervals closer to their
        level (96% against 94% coverage at 95%).
    min_n : int
        Areas with fewer respondents never keep their design variance, nor
        give their design effect to the pooled one.
    back_transform : {"naive", "bias_corrected"}
        ``sin^2`` of the model estimate, or its expectation under the model's
        normal error (see :func:`trustsurvey.smallarea._gvf.back_transform`).
    benchmark : bool
        Ratio-benchmark to the direct regional (or national) estimates.
    mse : {"analytic", "bootstrap"}
        ``analytic``: Prasad-Rao / Datta-Lahiri on the model scale, carried to
        shares by the delta method (``(sin 2 theta)^2 mse``). ``bootstrap``:
        parametric bootstrap with ``B`` replicates through the back-transformation
        (reproducible with ``seed``).
    cv_caution, cv_suppress : float
        Flags from the CV of the final estimate: ``publish`` up to
        ``cv_caution`` (20%), ``caution`` up to ``cv_suppress`` (30%),
        ``suppress`` above (the usual thresholds of statistical offices, e.g.
        the ONS and the ABS). Synthetic estimates (no respondents) are at least
        ``caution``: they rest on the model alone.
    level : float
        Confidence level of the intervals (normal on the model scale).

    Returns
    -------
    SmallAreaResult
        ``.to_frame()`` one row per area (see :meth:`SmallAreaResult.to_frame`),
        ``.fit`` the Fay-Herriot fit, ``.benchmark`` and ``.diagnostics``.

    Examples
    --------
    The bundled example: the first item in each of the 38 municipalities (32
    with respondents), with the simulated census covariates.

    >>> import trustsurvey as ts
    >>> from trustsurvey.datasets import load_example
    >>> from trustsurvey.smallarea import example_covariates_path
    >>> s = load_example(2025, raw=False).weight()
    >>> item = s.questionnaire.question_ids[0]
    >>> sa = ts.small_area(s, item, area="municipality", region="region",
    ...                    covariates=example_covariates_path(), population="adults")
    >>> sa
    <SmallAreaResult ... top2 by municipality: 38 areas (6 synthetic); ... publish, ... caution, ... suppress>
    >>> t = sa.to_frame()
    >>> t.loc[t["municipality"] == 101, ["n_unweighted", "direct", "estimate", "flag"]].round(3)
       n_unweighted  direct  estimate     flag
    0           136   0.648     0.646  publish
    """
    _choice(method, METHODS, "method")
    _choice(transform, TRANSFORMS, "transform")
    _choice(variance, VARIANCES, "variance")
    _choice(back_transform, BACK_TRANSFORMS, "back_transform")
    _choice(mse, MSE_METHODS, "mse")
    if not 0 < cv_caution <= cv_suppress:
        raise EstimationError(f"cv_caution={cv_caution!r} and cv_suppress={cv_suppress!r}: give "
                              "0 < cv_caution <= cv_suppress (e.g. 0.2 and 0.3)")
    for attr in ("questionnaire", "with_columns", "mean", "data"):
        if not hasattr(survey, attr):
            raise EstimationError(f"small_area needs a trustsurvey Survey, not {type(survey).__name__}")
    direct = direct_estimates(survey, item, metric, area, region)
    cov = _read_covariates(covariates, area)
    where = cov.attrs["where"]
    if population is not None:
        if population not in cov.columns:
            raise EstimationError(f"population={population!r} is not a column of {where}")
        pop = pd.to_numeric(cov[population], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        if not (np.isfinite(pop) & (pop >= 0)).all():
            raise EstimationError(f"{where}: column {population!r} needs a population count >= 0 for every area")
    keys = area_key(cov[area])
    pos = {k: i for i, k in enumerate(keys)}
    sampled_keys = direct.areas["key"].tolist()
    absent = [k for k in sampled_keys if k not in pos]
    if absent:
        raise EstimationError(f"{where} has no row for {area} {', '.join(absent[:10])} (which have respondents); "
                              "every area needs its covariates")
    rhs = formula if formula is not None else _default_formula(cov, (area, region, population))
    f = parse_formula(rhs, response=False)
    X_all, names = design_matrix(f, cov, what=where)
    regions = _regions(cov, keys, region, direct, benchmark) if region is not None else None

    idx = np.array([pos[k] for k in sampled_keys], dtype=np.int64)
    is_sampled = np.zeros(len(cov), dtype=bool)
    is_sampled[idx] = True
    order = np.argsort(idx)  # sampled areas in the covariates' order
    idx = idx[order]
    d_areas = direct.areas.iloc[order].reset_index(drop=True)
    est_d = d_areas["estimate"].to_numpy(dtype=float)
    se_d = d_areas["se"].to_numpy(dtype=float)
    n_d = d_areas["n_unweighted"].to_numpy(dtype=float)

    nat = direct.national
    if direct.kind == "proportion":
        s2_nat = nat["estimate"] * (1 - nat["estimate"])
    else:
        s2_nat = direct.unit_variance
    national_deff = nat["se"] ** 2 * nat["n_unweighted"] / s2_nat if s2_nat > 0 else np.nan
    fallback = np.full(len(idx), nat["estimate"])
    if direct.regions is not None:
        reg_est = dict(zip(direct.regions["key"], direct.regions["estimate"]))
        fallback = np.array([reg_est.get(direct.region_of.get(k), nat["estimate"]) for k in keys[idx]])
    use = "arcsine" if (transform == "auto" and direct.kind == "proportion") else \
        ("none" if transform == "auto" else transform)
    mi = model_inputs(est_d, se_d, n_d, direct.kind, use, variance, min_n, direct.unit_variance, fallback,
                      national_deff)
    model_formula = f"y ~ {rhs.lstrip().lstrip('~').strip()}"
    fit = _fit_model(mi.y, X_all[idx], mi.vardir, names, method, formula=model_formula, area=area,
                     areas=cov[area].to_numpy()[idx], mse="analytic", B=B, seed=seed, level=level, maxiter=100,
                     precision=1e-4)

    m_all = len(cov)
    ms = _predict(fit, X_all, idx, is_sampled, use, back_transform, mse, B, seed, mi.vardir, method, level)
    est, mse_out = ms["estimate"], ms["mse"]

    # benchmarking
    if population is not None:
        weight = pop
    else:
        weight = np.zeros(m_all)
        weight[idx] = d_areas["n_weighted"].to_numpy(dtype=float)
    if region is not None:
        groups = regions
        targets = {k: (e, s) for k, e, s in zip(direct.regions["key"], direct.regions["estimate"],
                                                direct.regions["se"])}
    else:
        groups = np.full(m_all, "national", dtype=object)
        targets = {}
    targets["national"] = (nat["estimate"], nat["se"])
    final, mse_final, factor, btable = benchmark_estimates(est, mse_out, weight, groups, targets, benchmark,
                                                           region is not None)
    if direct.kind == "proportion" and (final > 1).any():
        over = [str(k) for k in keys[final > 1][:10]]
        warnings.warn(f"benchmarking pushed the estimates of {area} {', '.join(over)} above 1; they are set to 1",
                      TrustSurveyWarning, stacklevel=2)
        final = np.minimum(final, 1.0)
    lo, hi = interval(final, mse_final, ms["mse_theta"], use, direct.kind, level)

    se = np.sqrt(mse_final)
    with np.errstate(divide="ignore", invalid="ignore"):
        cv = se / np.abs(final)
    source = np.where(is_sampled, "model", "synthetic")
    flag = np.where(~np.isfinite(cv) | (cv > cv_suppress), "suppress",
                    np.where((cv > cv_caution) | ~is_sampled, "caution", "publish"))

    # the table
    out = pd.DataFrame({area: cov[area].to_numpy()})
    if region is not None:
        out[region] = _region_values(regions, direct)
    n_unw = np.zeros(m_all, dtype=np.int64)
    n_unw[idx] = d_areas["n_unweighted"].to_numpy()
    n_w = np.zeros(m_all)
    n_w[idx] = d_areas["n_weighted"].to_numpy(dtype=float)
    full = lambda values, fill=np.nan: _scatter(m_all, idx, values, fill)  # noqa: E731
    with np.errstate(divide="ignore", invalid="ignore"):
        direct_cv = se_d / np.abs(est_d)
    cols = {
        "n_unweighted": n_unw, "n_weighted": n_w, "direct": full(est_d), "direct_se": full(se_d),
        "direct_cv": full(direct_cv), "vardir": full(mi.vardir), "vardir_source": full(mi.source, None),
        "synthetic": ms["synthetic"], "eblup": est, "gamma": full(fit.gamma), "std_residual": full(fit.std_residual),
        "benchmark_factor": factor, "estimate": final, "se": se, "ci_low": lo, "ci_high": hi, "mse": mse_final,
        "cv": cv, "source": source, "flag": flag,
    }
    for c in SMALL_AREA_COLUMNS:
        out[c] = cols[c]
    return SmallAreaResult(item=item, metric=metric, area=area, region=region, kind=direct.kind, transform=use,
                           fit=fit, table=out, benchmark=btable, deff=mi.deff,
                           cv_caution=cv_caution, cv_suppress=cv_suppress, level=level,
                           _diagnostic_inputs=(fit, est_d, est[idx], m_all))


def _predict(fit, X_all, idx, is_sampled, use, how, mse, B, seed, vardir, method, level) -> dict:
    """Estimates and MSEs of every area: EBLUPs where sampled, synthetic elsewhere.

    On the model scale the MSE is sae's (or the bootstrap's) for EBLUPs and
    ``A + x' V(beta) x`` for synthetic estimates. On the share scale it is the
    delta method's ``(sin 2 theta)^2 mse`` (analytic) or the bootstrap's
    through the back-transformation.
    """
    A = fit.refvar
    synthetic_theta = X_all @ fit.beta
    syn_mse = A + np.einsum("mp,pq,mq->m", X_all, fit.vcov, X_all)
    theta = synthetic_theta.copy()
    theta[idx] = fit.eblup
    mse_theta = syn_mse.copy()
    mse_theta[idx] = fit.mse
    if mse == "bootstrap":
        if int(B) < 2:
            raise EstimationError(f"B={B!r}: a bootstrap needs at least 2 replicates (200 or more is usual)")
        g = (lambda t: _back(t, 0.0, use)) if use == "arcsine" else None
        boot = bootstrap(X_all[idx], vardir, A, fit.beta, method, int(B), np.random.default_rng(seed),
                         X_new=X_all[~is_sampled], transform=g)
        warn_failed(boot.failed, B)
        mse_out = np.empty(len(theta))
        mse_out[idx], mse_theta[idx] = boot.mse, boot.mse_model
        if boot.mse_new is not None:
            mse_out[~is_sampled], mse_theta[~is_sampled] = boot.mse_new, boot.mse_new_model
    elif use == "arcsine":
        mse_out = np.sin(2 * np.clip(theta, 0, np.pi / 2)) ** 2 * mse_theta
    else:
        mse_out = mse_theta.copy()
    return {"estimate": _back(theta, mse_theta, use, how),
            "synthetic": _back(synthetic_theta, syn_mse, use, how), "mse": mse_out,
            "mse_theta": mse_theta}


def _scatter(m: int, idx: np.ndarray, values, fill):
    values = np.asarray(values)
    out = np.full(m, fill, dtype=object if values.dtype == object or fill is None else float)
    out[idx] = values
    return out


def _region_values(regions, direct):
    """Region codes as the data spell them (keys mapped back to the data's values)."""
    values = [direct.region_values.get(k, k) for k in regions]
    try:
        return pd.array(values, dtype=direct.region_dtype)
    except (TypeError, ValueError):
        return np.array(values, dtype=object)


def _diagnostics(fit, direct, model, m_all) -> pd.DataFrame:
    """Fit diagnostics: areas, variance, shrinkage, residuals, and direct against model.

    ``median_rmse_ratio_model_to_direct`` is the median over the sampled areas of
    ``sqrt(mse / vardir)`` on the model scale: the root MSE of the model estimate
    relative to the sampling error of the direct one (below 1: the model helps).
    """
    from scipy import stats

    z = fit.std_residual
    shapiro = float(stats.shapiro(z).pvalue) if 3 <= z.size <= 5000 and np.ptp(z) > 0 else np.nan
    eff = float(np.median(np.sqrt(fit.mse / fit.vardir)))
    corr = float(np.corrcoef(direct, model)[0, 1]) if direct.size > 2 else np.nan
    rows = [
        ("areas", m_all), ("areas_with_respondents", len(direct)), ("areas_synthetic", m_all - len(direct)),
        ("refvar", fit.refvar), ("mean_shrinkage", float(np.mean(fit.gamma))),
        ("std_residual_mean", float(np.mean(z))), ("std_residual_sd", float(np.std(z, ddof=1))),
        ("share_abs_std_residual_over_2", float(np.mean(np.abs(z) > 2))), ("shapiro_wilk_p", shapiro),
        ("corr_direct_model", corr), ("mean_abs_direct_minus_model", float(np.mean(np.abs(direct - model)))),
        ("median_rmse_ratio_model_to_direct", eff),
    ]
    return pd.DataFrame(rows, columns=["statistic", "value"])


def example_covariates_path() -> Path:
    """The bundled example's (simulated) municipal covariates CSV."""
    from importlib import resources

    return Path(str(resources.files("trustsurvey").joinpath("data", "examples", "municipal_covariates.csv")))
