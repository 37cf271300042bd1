"""Design-based tests of independence in a two-way table, as R's ``svychisq``.

Four statistics, with R's conventions:

- ``"F"`` (default): Pearson's X^2 of the weighted table (scaled to the number of
  rows ``N``) divided by the trace of the generalised design-effect matrix
  ``Delta``, referred to an F distribution with ``d0 = tr(Delta)^2 / tr(Delta^2)``
  and ``d0 * nu`` degrees of freedom (Rao-Scott second-order correction; ``nu`` is
  the design's degrees of freedom).
- ``"Chisq"``: the first-order correction; R reports Pearson's X^2 itself as the
  statistic and refers ``X^2 / mean(diag(Delta))`` to chi-square on
  ``(r - 1)(c - 1)`` degrees of freedom.
- ``"Wald"`` and ``"adjWald"``: Wald tests of the interaction contrasts
  ``N_rc - N_r N_c / N`` of the estimated totals, as F statistics with
  ``((r-1)(c-1), nu)`` resp. ``((r-1)(c-1), nu - (r-1)(c-1) + 1)`` degrees of freedom.

``Delta = (C' D^-1 C / N)^-1 (C' D^-1 V D^-1 C)`` with ``V`` the design-based
covariance of the estimated cell proportions, ``D`` their diagonal and ``C`` the
interaction contrasts orthogonalised against the main effects.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..distributions import chi2_sf, f_sf
from ..errors import SignificanceError
from ..estimation import batch_estimates
from ..sample import as_sample
from ._common import check_columns, codes_of, level_text, parts, present_levels
from .results import ChisqResult

__all__ = ["chisq", "STATISTICS"]

STATISTICS = ("F", "Chisq", "adjWald", "Wald")


def _two_levels(data: pd.DataFrame, name: str, ok: np.ndarray, role: str) -> list:
    levels = present_levels(data[name], ok)
    if len(levels) < 2:
        shown = f" (only {level_text(levels[0])!r})" if levels else ""
        raise SignificanceError(
            f"{role} variable {name!r} has {len(levels)} level(s) with respondents in the analysed "
            f"rows{shown}; a test of association needs at least two")
    return levels


def _design_df(design: Any, domain: np.ndarray | None) -> float:
    """R's ``nu``: PSUs minus strata among the rows of the (subset) design."""
    if domain is not None and design.calibration and not design.is_replicate:
        return float(design.degf)  # R keeps every row of a calibrated design (weights set to 0)
    return float(design.domain_degf(domain))


def _n_rows(design: Any, domain: np.ndarray | None, n: int) -> int:
    if domain is None or (design.calibration and not design.is_replicate):
        return n
    return int(domain.sum())


def chisq(survey: Any, row: str, col: str, *, statistic: str = "F") -> ChisqResult:
    """Design-based test of independence of two categorical variables, like R's ``svychisq``.

    Parameters
    ----------
    survey : Survey
        The sample (a domain of it is respected: variances use the whole design).
    row, col : str
        Categorical (or coded) variables; respondents missing either are left out.
    statistic : {"F", "Chisq", "adjWald", "Wald"}
        ``"F"``: Rao-Scott second-order correction (default); ``"Chisq"``: first-order;
        ``"adjWald"``/``"Wald"``: Wald tests of the interaction contrasts.

    Returns
    -------
    ChisqResult
        ``statistic, ndf, ddf, df, p_value`` as R reports them; ``.to_frame()``.

    Raises
    ------
    SignificanceError
        Unknown statistic or columns, a variable with fewer than two levels, or no
        degrees of freedom left.

    Examples
    --------
    >>> import numpy as np, pandas as pd, trustsurvey as ts
    >>> rng = np.random.default_rng(1)
    >>> df = pd.DataFrame({"a": rng.choice(["x", "y"], 200), "b": rng.choice(["u", "v", "w"], 200),
    ...                    "psu": np.repeat(np.arange(40), 5), "w": rng.uniform(1, 3, 200)})
    >>> r = ts.Survey(df, weights="w", psu="psu").chisq("a", "b")
    >>> r.method, r.ddf > r.ndf, 0 <= r.p_value <= 1
    ('F', True, True)
    """
    if statistic not in STATISTICS:
        raise SignificanceError(f"statistic={statistic!r} is not known; choose one of {', '.join(STATISTICS)}")
    data, design, in_dom = parts(survey)
    check_columns(data, [row, col], "variable(s)")
    if row == col:
        raise SignificanceError(f"row and col are both {row!r}; name two different variables")
    domain = as_sample(survey).domain
    complete = in_dom & data[row].notna().to_numpy() & data[col].notna().to_numpy()
    if not complete.any():
        raise SignificanceError(f"no respondent answered both {row!r} and {col!r} in the analysed rows")
    rlev = _two_levels(data, row, complete, "row")
    clev = _two_levels(data, col, complete, "column")
    nr, nc = len(rlev), len(clev)
    rc = codes_of(data[row], rlev)
    cc = codes_of(data[col], clev)
    ok = complete & (rc >= 0) & (cc >= 0)
    cell = np.where(ok, rc + nr * cc, -1)  # rows vary fastest, as R's interaction()
    K = nr * nc
    nu = _design_df(design, domain)
    if not nu > 0:
        raise SignificanceError(
            f"the design has {nu:g} degrees of freedom in the analysed rows; a design-based test "
            "needs at least one (more PSUs than strata)")
    N = _n_rows(design, domain, len(data))
    dom_codes = np.where(in_dom, 0, -1).astype(np.int64)
    props = pd.DataFrame(np.zeros((nr, nc)), index=[level_text(v) for v in rlev],
                         columns=[level_text(v) for v in clev])

    # weighted table (complete cases) scaled to N rows, and Pearson's X^2 as chisq.test computes it
    w = design.weights
    tab = np.bincount(cell[ok], weights=w[ok], minlength=K).reshape(nc, nr).T
    tab_n = tab / tab.sum() * N
    expected = np.outer(tab_n.sum(1), tab_n.sum(0)) / N
    pearson = float(np.sum((tab_n - expected) ** 2 / expected))
    props.iloc[:, :] = tab / tab.sum()
    ndf0 = (nr - 1) * (nc - 1)

    if statistic in ("Wald", "adjWald"):
        cols = np.full((len(data), K + nr + nc + 1), np.nan)
        cols[ok] = 0.0
        idx = np.flatnonzero(ok)
        cols[idx, cell[idx]] = 1.0
        cols[idx, K + rc[idx]] = 1.0
        cols[idx, K + nr + cc[idx]] = 1.0
        cols[idx, -1] = 1.0
        res = batch_estimates(design, cols, dom_codes, 1, total=True, deff=False)
        tot = res.theta[0]
        Nr, Nc, Nt = tot[K:K + nr], tot[K + nr:K + nr + nc], tot[-1]
        r_of = np.tile(np.arange(nr), nc)
        c_of = np.repeat(np.arange(nc), nr)
        J = np.zeros((K, K + nr + nc + 1))
        J[:, :K] = np.eye(K)
        J[np.arange(K), K + r_of] = -Nc[c_of] / Nt
        J[np.arange(K), K + nr + c_of] = -Nr[r_of] / Nt
        J[:, -1] = Nr[r_of] * Nc[c_of] / Nt**2
        Y = tot[:K] - Nr[r_of] * Nc[c_of] / Nt
        FJ = res.factor @ J.T
        use = np.flatnonzero((r_of > 0) & (c_of > 0))
        if statistic == "adjWald" and nu - ndf0 + 1 <= 0:
            raise SignificanceError(
                f"adjWald needs more design degrees of freedom ({nu:g}) than contrasts ({ndf0}); "
                "use statistic='F'")
        Vu = FJ[:, use].T @ FJ[:, use]
        try:
            wald = float(Y[use] @ np.linalg.solve(Vu, Y[use]))
        except np.linalg.LinAlgError:
            raise SignificanceError(
                f"the covariance of the {row!r} x {col!r} contrasts is singular (too few PSUs for "
                f"{ndf0} contrasts, or empty cells); use statistic='F'") from None
        if statistic == "Wald":
            ndf, ddf = float(ndf0), nu
            stat = wald / ndf0
        else:
            ndf, ddf = float(ndf0), nu - ndf0 + 1
            stat = wald * ddf / (ndf0 * nu)
        p = float(f_sf(stat, ndf, ddf))
        return ChisqResult(row=row, col=col, method=statistic, statistic=stat, ndf=ndf, ddf=float(ddf),
                           df=np.nan, p_value=p, pearson=pearson, n=N, design_effects=np.zeros(0),
                           levels=(rlev, clev), proportions=props)

    ind = np.full((len(data), K), np.nan)
    ind[in_dom & ok] = 0.0
    ind[np.flatnonzero(in_dom & ok), cell[in_dom & ok]] = 1.0
    res = batch_estimates(design, ind, dom_codes, 1, deff=False)
    p_hat = res.theta[0]
    F = res.factor
    # interaction contrasts orthogonal to the main effects
    r_of = np.tile(np.arange(nr), nc)
    c_of = np.repeat(np.arange(nc), nr)
    X1 = np.column_stack([np.ones(K)] + [(r_of == i).astype(float) for i in range(1, nr)]
                         + [(c_of == j).astype(float) for j in range(1, nc)])
    X12 = np.column_stack([((r_of == i) & (c_of == j)).astype(float)
                           for j in range(1, nc) for i in range(1, nr)])
    coef, *_ = np.linalg.lstsq(X1, X12, rcond=None)
    C = X12 - X1 @ coef
    with np.errstate(divide="ignore"):
        inv_p = np.where(p_hat == 0, 0.0, 1.0 / p_hat)
    CD = C * inv_p[:, None]
    denom = (C.T * inv_p) @ C / N
    FD = F @ CD
    numr = FD.T @ FD
    try:
        delta = np.linalg.solve(denom, numr)
    except np.linalg.LinAlgError:
        raise SignificanceError(f"the {row!r} x {col!r} table has empty rows or columns among the "
                                "complete cases; drop unused levels") from None
    tr = float(np.trace(delta))
    tr2 = float(np.trace(delta @ delta))
    eig = np.sort(np.linalg.eigvals(delta).real)[::-1]
    if statistic == "F":
        d0 = tr**2 / tr2
        stat = pearson / tr
        p = float(f_sf(stat, d0, d0 * nu))
        return ChisqResult(row=row, col=col, method="F", statistic=stat, ndf=d0, ddf=d0 * nu, df=np.nan,
                           p_value=p, pearson=pearson, n=N, design_effects=eig, levels=(rlev, clev),
                           proportions=props)
    p = float(chi2_sf(pearson / (tr / delta.shape[0]), delta.shape[0]))
    return ChisqResult(row=row, col=col, method="Chisq", statistic=pearson, ndf=np.nan, ddf=np.nan,
                       df=float(delta.shape[0]), p_value=p, pearson=pearson, n=N, design_effects=eig,
                       levels=(rlev, clev), proportions=props)
