"""Internal consistency of an index: Cronbach's alpha, unweighted and design-weighted."""

from __future__ import annotations

import warnings
from typing import Any, Sequence

import numpy as np
import pandas as pd

from ..errors import SignificanceError, TrustSurveyWarning
from ._common import check_columns, parts
from .results import ReliabilityResult

__all__ = ["cronbach_alpha"]


def cronbach_alpha(survey: Any, items: Sequence[str], *, name: str = "") -> ReliabilityResult:
    """Cronbach's alpha of the items of an index.

    ``alpha = k / (k - 1) * (1 - sum(var(item)) / var(sum of items))`` over the
    respondents (in the domain) who answered every item. The unweighted value and
    its 95% interval come from :func:`pingouin.cronbach_alpha`; the weighted one
    uses the design-weighted covariance matrix (the population alpha, as R's
    ``svycralpha``).

    Parameters
    ----------
    survey : Survey
    items : list of str
        At least two numeric items (reverse-code negatively worded items first).
    name : str
        The index's name, carried into the result.

    Returns
    -------
    ReliabilityResult
        ``alpha, ci_low, ci_high, alpha_weighted, n``; ``.to_frame()``.

    Examples
    --------
    >>> import numpy as np, pandas as pd, trustsurvey as ts
    >>> rng = np.random.default_rng(9)
    >>> f = rng.normal(size=100)
    >>> df = pd.DataFrame({f"q{i}": f + rng.normal(size=100) for i in range(3)})
    >>> df["w"] = rng.uniform(1, 2, 100)
    >>> r = cronbach_alpha(ts.Survey(df, weights="w"), ["q0", "q1", "q2"])
    >>> 0.6 < r.alpha < 0.9, 0.6 < r.alpha_weighted < 0.9
    (True, True)
    """
    import pingouin

    items = [items] if isinstance(items, str) else list(items)
    if len(items) < 2:
        raise SignificanceError(f"Cronbach's alpha needs at least two items, got {items}")
    data, design, in_dom = parts(survey)
    check_columns(data, items, "item(s)")
    frame = data[items]
    for c in items:
        if not (pd.api.types.is_numeric_dtype(frame[c]) or pd.api.types.is_bool_dtype(frame[c])):
            raise SignificanceError(f"item {c!r} is not numeric (dtype {frame[c].dtype}); alpha needs scores")
    X = frame.apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    ok = in_dom & ~np.isnan(X).any(axis=1)
    n = int(ok.sum())
    if n < 3:
        raise SignificanceError(f"only {n} respondent(s) answered all of {items}; alpha needs at least three")
    X = X[ok]
    w = design.weights[ok]
    k = len(items)
    xm = (w[:, None] * X).sum(axis=0) / w.sum()
    dev = X - xm
    S = (dev * w[:, None]).T @ dev / w.sum()
    total = float(S.sum())
    if total <= 0:
        raise SignificanceError(f"the items {items} do not vary among the respondents; alpha is undefined")
    alpha_w = k / (k - 1) * (1 - float(np.trace(S)) / total)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a, ci = pingouin.cronbach_alpha(data=pd.DataFrame(X, columns=items), nan_policy="listwise")
    if alpha_w < 0 or a < 0:
        warnings.warn(f"negative Cronbach's alpha for {items}: some items are probably not coded in the "
                      "same direction (reverse-code them)", TrustSurveyWarning, stacklevel=2)
    return ReliabilityResult(items=tuple(items), alpha=float(a), ci_low=float(ci[0]), ci_high=float(ci[1]),
                             alpha_weighted=float(alpha_w), n=n, name=name)
