"""Comparisons of the groups of a demographic, for many items at once.

- :func:`compare_groups`: every pair of groups (difference, SE, t, df, p, adjusted p);
- :func:`group_vs_rest`: each group against the rest of the population (the other
  groups of the same demographic);
- :func:`wald_groups`: one design-based Wald test of equal means (or shares)
  across all groups, as ``regTermTest(svyglm(y ~ factor(group)), ~factor(group))``.

All items and groups of a demographic are estimated in one pass of the
estimation engine; the covariance between groups (which share PSUs) comes from
the same variance factor ``F`` (``vcov = F.T @ F``), so differences of
subpopulation estimates get the right standard errors. Numeric items compare
means; text and categorical items compare the share of every level.

Degrees of freedom: pairwise and group-vs-rest tests use the design's degrees of
freedom of the analysed domain (R's ``degf``, as ``svyby`` + ``svycontrast``);
the k-group Wald F uses the residual degrees of freedom of the regression on the
group (``degf - k + 1``), as R's ``regTermTest``. With two groups, a pairwise
difference and its SE equal :func:`~trustsurvey.significance.ttest`'s, whose
t reference has ``degf - 1`` degrees of freedom (R's ``svyttest``).
"""

from __future__ import annotations

import warnings
from typing import Any, Sequence

import numpy as np
import pandas as pd

from .. import _variance as V
from .._engine import BatchResult, versus_rest
from ..distributions import chi2_sf, f_sf
from ..errors import SignificanceError, TrustSurveyWarning
from ..estimation import batch_estimates, variable_matrix
from ..inference import t_test
from ..multiplicity import adjust_pvalues, adjust_versus_rest
from ..sample import as_sample
from ..tidy import grid_frame
from ._common import as_list, check_columns, domain_group_codes, level_text, parts
from .results import GroupTestResult

__all__ = ["compare_groups", "group_vs_rest", "versus_rest_test", "wald_groups", "COMPARE_COLUMNS",
           "REST_COLUMNS", "WALD_COLUMNS"]

#: Columns of :func:`compare_groups`.
COMPARE_COLUMNS = ["by", "group", "reference", "variable", "level", "estimate", "reference_estimate",
                   "difference", "se", "statistic", "df", "p_value", "p_adj"]
#: Columns of :func:`group_vs_rest`.
REST_COLUMNS = ["by", "group", "variable", "level", "estimate", "rest", "difference", "se", "statistic",
                "df", "p_value", "p_adj"]
#: Columns of :func:`wald_groups`.
WALD_COLUMNS = ["by", "variable", "level", "n_groups", "statistic", "ndf", "ddf", "df", "p_value", "p_adj"]


def _setup(survey: Any, variables, by):
    data, design, _ = parts(survey)
    variables = as_list(variables)
    by = as_list(by)
    if not variables:
        raise SignificanceError("name at least one variable to compare")
    if not by:
        raise SignificanceError("name at least one by-variable (demographic) whose groups to compare")
    check_columns(data, variables + by, "variable(s)")
    overlap = sorted(set(variables) & set(by))
    if overlap:
        raise SignificanceError(f"{overlap} is both a variable and a by-variable")
    values, meta = variable_matrix(data, variables)
    return data, design, as_sample(survey).domain, values, meta


def _meta_frame(meta) -> pd.DataFrame:
    return pd.DataFrame({"variable": [m[0] for m in meta], "level": [m[1] for m in meta]})


def versus_rest_test(res: BatchResult, df: float, alternative: str = "two-sided"
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Each group against the rest of the population, from one engine pass with ``rest=True``.

    Returns ``(difference, se, rest_estimate, statistic, p_value)``, each ``(G, K)``:
    the difference ``estimate - rest`` with its linearised standard error (the
    group's and the whole sample's totals share PSUs, so their covariance comes
    from the same variance factor), and its t test on ``df`` degrees of freedom.
    """
    diff, se, theta_r = versus_rest(res)
    t, p = t_test(diff, se, df, alternative=alternative)
    return diff, se, theta_r, np.asarray(t), np.asarray(p)


def _groups(data, demo, domain):
    codes, groups = domain_group_codes(data, [demo], domain)
    G = len(groups)
    labels = [level_text(v) for v in groups[demo].tolist()]
    if G < 2:
        raise SignificanceError(
            f"by-variable {demo!r} has only one level with respondents in the analysed rows "
            f"({labels}); comparisons need at least two groups")
    return codes, G, labels


def _check_df(df: float, what: str) -> None:
    if not df > 0:
        warnings.warn(f"{what}: the design has {df:g} degrees of freedom in the analysed rows (PSUs minus "
                      "strata); p-values are NaN", TrustSurveyWarning, stacklevel=4)


def compare_groups(survey: Any, variables: str | Sequence[str], by: str | Sequence[str], *,
                   adjust: str = "holm", alternative: str = "two-sided") -> pd.DataFrame:
    """Every pair of groups of each demographic, for every item: differences with design-based tests.

    Parameters
    ----------
    survey : Survey
    variables : str or list of str
        Items: numeric ones compare means, text/categorical ones the share of each level.
    by : str or list of str
        Demographics; each is treated separately.
    adjust : str
        Multiplicity adjustment within each (demographic, item, level) over its
        pairs: ``holm`` (default), ``bonferroni``, ``fdr_bh``/``bh``, ``none`` (see
        :func:`adjust_pvalues`).
    alternative : {"two-sided", "less", "greater"}

    Returns
    -------
    pandas.DataFrame
        Columns ``by, group, reference, variable, level, estimate, reference_estimate,
        difference, se, statistic, df, p_value, p_adj``: one row per pair (``reference``
        the earlier level in sort order) and item; ``difference = estimate -
        reference_estimate``.

    Examples
    --------
    >>> import numpy as np, pandas as pd, trustsurvey as ts
    >>> rng = np.random.default_rng(2)
    >>> df = pd.DataFrame({"y": rng.normal(size=90), "g": rng.choice(["a", "b", "c"], 90),
    ...                    "psu": np.repeat(np.arange(30), 3)})
    >>> t = compare_groups(ts.Survey(df, psu="psu"), "y", "g")
    >>> t[["group", "reference"]].values.tolist()
    [['b', 'a'], ['c', 'a'], ['c', 'b']]
    >>> bool((t["p_adj"] >= t["p_value"]).all())
    True
    """
    data, design, domain, values, meta = _setup(survey, variables, by)
    df = float(design.domain_degf(domain))
    _check_df(df, "compare_groups")
    K = values.shape[1]
    frames = []
    for demo in as_list(by):
        codes, G, labels = _groups(data, demo, domain)
        res = batch_estimates(design, values, codes, G, deff=False)
        F = res.factor.reshape(res.factor.shape[0], G, K)
        ii, jj = np.triu_indices(G, k=1)
        D = F[:, jj, :] - F[:, ii, :]
        se = np.sqrt(np.einsum("mpk,mpk->pk", D, D))
        est = res.theta[jj]
        ref = res.theta[ii]
        diff = est - ref
        empty = (res.n_unweighted[ii] == 0) | (res.n_unweighted[jj] == 0)
        diff = np.where(empty, np.nan, diff)
        se = np.where(empty, np.nan, se)
        t, p = t_test(diff, se, df, alternative=alternative)
        pairs = pd.DataFrame({"by": demo, "group": np.asarray(labels, dtype=object)[jj],
                              "reference": np.asarray(labels, dtype=object)[ii]})
        frames.append(grid_frame(pairs, _meta_frame(meta), {
            "estimate": est, "reference_estimate": ref, "difference": diff, "se": se, "statistic": t,
            "df": df, "p_value": p}))
    out = pd.concat(frames, ignore_index=True)
    out["p_adj"] = adjust_pvalues(out["p_value"].to_numpy(float), adjust, out[["by", "variable", "level"]])
    return out[COMPARE_COLUMNS]


def group_vs_rest(survey: Any, variables: str | Sequence[str], by: str | Sequence[str], *,
                  adjust: str = "holm", alternative: str = "two-sided") -> pd.DataFrame:
    """Each group of each demographic against the rest of the population, for every item.

    "The rest" of group ``g`` are the respondents of the analysed rows in the
    other groups of the same demographic (respondents whose demographic is
    missing belong to neither). The difference ``estimate - rest`` is a smooth
    function of the group's and the whole sample's totals; its linearised standard
    error uses their covariance from the same variance factor.

    Parameters
    ----------
    survey : Survey
    variables : str or list of str
        Items: numeric ones compare means, text/categorical ones the share of each level.
    by : str or list of str
        Demographics; each is treated separately.
    adjust : str
        Multiplicity adjustment within each (demographic, item, level) over its
        groups: ``holm`` (default), ``bonferroni``, ``fdr_bh``/``bh``, ``none``. A
        demographic with two groups gives one test twice (mirrored), so its
        ``p_adj`` equals ``p_value``.
    alternative : {"two-sided", "less", "greater"}

    Returns
    -------
    pandas.DataFrame
        Columns ``by, group, variable, level, estimate, rest, difference, se,
        statistic, df, p_value, p_adj``: one row per group and item.

    Examples
    --------
    >>> import numpy as np, pandas as pd, trustsurvey as ts
    >>> rng = np.random.default_rng(4)
    >>> df = pd.DataFrame({"y": rng.normal(size=60), "g": rng.choice(["a", "b"], 60),
    ...                    "psu": np.repeat(np.arange(20), 3)})
    >>> t = group_vs_rest(ts.Survey(df, psu="psu"), "y", "g")
    >>> t["group"].tolist(), bool(np.isclose(t["difference"][0], -t["difference"][1]))
    (['a', 'b'], True)
    """
    data, design, domain, values, meta = _setup(survey, variables, by)
    df = float(design.domain_degf(domain))
    _check_df(df, "group_vs_rest")
    frames = []
    for demo in as_list(by):
        codes, G, labels = _groups(data, demo, domain)
        res = batch_estimates(design, values, codes, G, deff=False, rest=True)
        diff, se, theta_r, t, p = versus_rest_test(res, df, alternative)
        theta_g = np.where(res.D <= 0, np.nan, res.theta)
        groups = pd.DataFrame({"by": demo, "group": np.asarray(labels, dtype=object)})
        frames.append(grid_frame(groups, _meta_frame(meta), {
            "estimate": theta_g, "rest": theta_r, "difference": diff, "se": se, "statistic": t, "df": df,
            "p_value": p, "_two": G == 2}))
    out = pd.concat(frames, ignore_index=True)
    out["p_adj"] = adjust_versus_rest(out["p_value"].to_numpy(float), adjust, out[["by", "variable", "level"]],
                                      out["_two"].to_numpy(bool))
    return out[REST_COLUMNS]


def _item_degf(design, valid: np.ndarray) -> np.ndarray:
    """R's ``degf`` of the subset design of each column's valid rows (``valid`` is ``n x K``)."""
    K = valid.shape[1]
    if design.is_replicate or not design.stages:
        return np.full(K, float(design.degf))
    st = design.stages[0]
    ok = valid & (design.weights != 0)[:, None]
    clus = V.aggregate(st.clusters, st.n_total_clusters, ok.astype(float)) > 0
    strata = V.aggregate(st.cluster_stratum, st.n_strata, clus.astype(float)) > 0
    return clus.sum(axis=0).astype(float) - strata.sum(axis=0).astype(float)


def wald_groups(survey: Any, variables: str | Sequence[str], by: str | Sequence[str], *,
                statistic: str = "F", adjust: str = "holm") -> GroupTestResult:
    """Design-based Wald test that an item's mean (or share) is equal in all groups of a demographic.

    For each item the contrasts ``theta_g - theta_1`` of the groups with
    respondents are tested jointly: ``W = d' V^-1 d`` with ``V`` their design-based
    covariance. ``statistic="F"`` refers ``W / (k - 1)`` to F on ``k - 1`` and
    ``degf - k + 1`` degrees of freedom (``degf`` of the item's respondents), as
    R's ``regTermTest(svyglm(y ~ factor(g), design), ~factor(g))``; ``"Chisq"``
    refers ``W`` to chi-square on ``k - 1``.

    Parameters
    ----------
    survey : Survey
    variables, by : str or list of str
    statistic : {"F", "Chisq"}
    adjust : str
        Adjustment of the p-values across items within each demographic.

    Returns
    -------
    GroupTestResult
        ``.to_frame()`` columns ``by, variable, level, n_groups, statistic, ndf, ddf, df,
        p_value, p_adj``.

    Examples
    --------
    >>> import numpy as np, pandas as pd, trustsurvey as ts
    >>> rng = np.random.default_rng(6)
    >>> df = pd.DataFrame({"y": rng.normal(size=90), "g": rng.choice(["a", "b", "c"], 90),
    ...                    "psu": np.repeat(np.arange(30), 3)})
    >>> r = wald_groups(ts.Survey(df, psu="psu"), "y", "g")
    >>> r.ndf, r.ddf
    (2.0, 27.0)
    """
    if statistic not in ("F", "Chisq"):
        raise SignificanceError(f"statistic={statistic!r} is not known; choose 'F' or 'Chisq'")
    data, design, domain, values, meta = _setup(survey, variables, by)
    K = values.shape[1]
    rows = []
    for demo in as_list(by):
        codes, G, labels = _groups(data, demo, domain)
        res = batch_estimates(design, values, codes, G, deff=False)
        F = res.factor.reshape(res.factor.shape[0], G, K)
        valid = ~np.isnan(values) & (codes >= 0)[:, None]
        degf = _item_degf(design, valid)
        present = res.n_unweighted > 0  # (G, K)
        W = np.full(K, np.nan)
        k_used = present.sum(axis=0)
        for pattern in {tuple(col) for col in present.T}:
            cols = np.flatnonzero([tuple(c) == pattern for c in present.T])
            gs = np.flatnonzero(pattern)
            if gs.size < 2:
                continue
            d = (res.theta[gs[1:]][:, cols] - res.theta[gs[0]][cols]).T  # (k, g-1)
            Fd = F[:, gs[1:]][:, :, cols] - F[:, gs[:1]][:, :, cols]  # (m, g-1, k)
            Vk = np.einsum("mgk,mhk->kgh", Fd, Fd)
            try:
                sol = np.linalg.solve(Vk, d[..., None])[..., 0]
            except np.linalg.LinAlgError:
                sol = np.einsum("kgh,kh->kg", np.linalg.pinv(Vk), d)
            W[cols] = np.einsum("kg,kg->k", d, sol)
        ndf = (k_used - 1).astype(float)
        ndf = np.where(ndf > 0, ndf, np.nan)
        if statistic == "F":
            ddf = degf - k_used + 1
            ddf = np.where(ddf > 0, ddf, np.nan)
            stat = W / ndf
            p = f_sf(stat, ndf, ddf)
            dfc = np.full(K, np.nan)
        else:
            ddf = np.full(K, np.nan)
            stat = W
            dfc = ndf
            p = chi2_sf(stat, ndf)
            ndf = np.full(K, np.nan)
        if np.any(np.isnan(p) & np.isfinite(W)):
            _check_df(float(np.nanmin(degf - k_used + 1)), f"wald_groups by {demo!r}")
        rows.append(pd.DataFrame({"by": demo, "variable": [m[0] for m in meta], "level": [m[1] for m in meta],
                                  "n_groups": k_used.astype(np.int64), "statistic": stat, "ndf": ndf,
                                  "ddf": ddf, "df": dfc, "p_value": p}))
    out = pd.concat(rows, ignore_index=True)
    out["p_adj"] = adjust_pvalues(out["p_value"].to_numpy(float), adjust, out[["by"]])
    return GroupTestResult(table=out[WALD_COLUMNS])
