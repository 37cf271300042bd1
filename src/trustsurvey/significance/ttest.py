"""Design-based two-group t-test, as R's ``svyttest``.

R fits ``svyglm(y ~ group)`` and tests the group coefficient: the difference of
the two domain means (second level minus first) with its linearised (or
replicate) standard error, on the regression's residual degrees of freedom
``degf - 1``. The same numbers follow directly from the two domain means and
their covariance, which is what this module computes (one pass of the
estimation engine).
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
import pandas as pd

from ..errors import SignificanceError
from ..estimation import batch_estimates
from ..inference import t_interval, t_test
from ._common import check_columns, codes_of, level_text, parts, present_levels
from .results import TTestResult

__all__ = ["ttest", "numeric_values"]


def numeric_values(data: pd.DataFrame, name: str) -> np.ndarray:
    """A numeric (or boolean) column as floats with NaN for missing; text is refused."""
    col = data[name]
    if pd.api.types.is_bool_dtype(col) or pd.api.types.is_numeric_dtype(col):
        return pd.to_numeric(col, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    raise SignificanceError(
        f"variable {name!r} is not numeric (dtype {col.dtype}); t-tests compare means: recode it "
        "(e.g. a 0/1 indicator of one level to compare shares)")


def ttest(survey: Any, variable: str, group: str, *, levels: Sequence[Any] | None = None,
          alternative: str = "two-sided", level: float = 0.95) -> TTestResult:
    """Design-based t-test of a difference of means between two groups, like R's ``svyttest``.

    Parameters
    ----------
    survey : Survey
    variable : str
        A numeric (or 0/1) variable.
    group : str
        A variable with exactly two levels among the respondents with an answer
        (or pick two with ``levels``).
    levels : (first, second), optional
        The two levels to compare (others are left out); default the two levels
        present, sorted (categorical order for a Categorical).
    alternative : {"two-sided", "less", "greater"}
        For ``mean(second) - mean(first)``.
    level : float
        Confidence level of the interval.

    Returns
    -------
    TTestResult
        ``estimate`` = mean(second level) - mean(first level), ``se``, ``statistic``,
        ``df`` (design degrees of freedom of the complete cases minus one, as R's
        ``svyglm``), ``p_value``, ``ci_low``, ``ci_high``.

    Examples
    --------
    >>> import numpy as np, pandas as pd, trustsurvey as ts
    >>> df = pd.DataFrame({"y": [1.0, 2, 3, 4, 5, 6, 7, 9], "g": ["a", "b"] * 4,
    ...                    "psu": [1, 1, 2, 2, 3, 3, 4, 4]})
    >>> t = ts.Survey(df, psu="psu").ttest("y", "g")
    >>> t.levels, round(t.estimate, 4), t.df
    (('a', 'b'), 1.25, 2.0)
    """
    data, design, in_dom = parts(survey)
    check_columns(data, [variable, group], "variable(s)")
    y = numeric_values(data, variable)
    complete = in_dom & ~np.isnan(y) & data[group].notna().to_numpy()
    if not complete.any():
        raise SignificanceError(f"no respondent has both {variable!r} and {group!r} in the analysed rows")
    present = present_levels(data[group], complete)
    if levels is not None:
        levels = list(levels)
        if len(levels) != 2:
            raise SignificanceError(f"levels= must name exactly two levels of {group!r}, got {levels}")
        shown = {level_text(v): v for v in present}
        chosen = []
        for lev in levels:
            if lev in present:
                chosen.append(lev)
            elif level_text(lev) in shown:
                chosen.append(shown[level_text(lev)])
            else:
                raise SignificanceError(
                    f"level {lev!r} of {group!r} has no respondents with {variable!r} in the analysed "
                    f"rows; levels present: {[level_text(v) for v in present]}")
        present = chosen
    if len(present) != 2:
        what = "only one level" if len(present) == 1 else f"{len(present)} levels"
        raise SignificanceError(
            f"group variable {group!r} has {what} among respondents with {variable!r} "
            f"({[level_text(v) for v in present]}); a t-test compares two groups: pass levels=(a, b), "
            "or use compare_groups()/wald_groups() for more")
    codes = codes_of(data[group], present)
    codes = np.where(complete, codes, -1)
    use = codes >= 0
    res = batch_estimates(design, y[:, None], codes, 2, deff=False)
    theta = res.theta[:, 0]
    diff = float(theta[1] - theta[0])
    fd = res.factor[:, 1] - res.factor[:, 0]
    se = float(np.sqrt(fd @ fd))
    df = float(design.domain_degf(use)) - 1.0
    if not df > 0:
        raise SignificanceError(
            f"too few degrees of freedom: the respondents compared lie in {df + 1:g} PSU(s) beyond "
            "their strata; a design-based t-test needs at least two")
    t, p = t_test(diff, se, df, alternative=alternative)
    lo, hi = t_interval(diff, se, df, level)
    return TTestResult(variable=variable, group=group, levels=(present[0], present[1]), estimate=diff,
                       se=se, statistic=float(t), df=df, p_value=float(p), ci_low=float(lo),
                       ci_high=float(hi), means=(float(theta[0]), float(theta[1])),
                       alternative=alternative, level=level)
