"""Small tidy summaries of validated data: why answers are missing, who is in the sample.

These are descriptive counts of the data as read (no design-based inference);
the command line writes them next to the validation result.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
import pandas as pd

from ..errors import TrustSurveyError
from .spec import MISSING_KINDS

__all__ = ["missing_summary", "sample_summary"]


def missing_summary(missing_kinds: pd.DataFrame, data: pd.DataFrame | None = None) -> pd.DataFrame:
    """Counts of answered and missing answers per item, by kind of missing.

    Parameters
    ----------
    missing_kinds : pandas.DataFrame
        As returned by :func:`trustsurvey.io.validate_responses`.
    data : pandas.DataFrame, optional
        Unused; accepted so that callers can pass a Survey's data alongside.

    Returns
    -------
    pandas.DataFrame
        Columns ``item, n, answered, dont_know, refused, not_applicable``, then the
        questionnaire's other kinds (``no_answer``, ...), then ``not_asked``
        (``n`` counts every respondent; ``answered + ... + not_asked == n``).

    Examples
    --------
    >>> import pandas as pd
    >>> kinds = pd.DataFrame({"q1": pd.Categorical(
    ...     [None, "dont_know", None], categories=["dont_know", "refused", "not_applicable", "not_asked"])})
    >>> missing_summary(kinds).to_dict("records")[0]
    {'item': 'q1', 'n': 3, 'answered': 2, 'dont_know': 1, 'refused': 0, 'not_applicable': 0, 'not_asked': 0}
    """
    kinds = [k for k in MISSING_KINDS if k != "not_asked"]
    for item in missing_kinds.columns:
        col = missing_kinds[item]
        for k in (col.cat.categories if isinstance(col.dtype, pd.CategoricalDtype) else ()):
            if k not in kinds and k != "not_asked":
                kinds.append(k)
    kinds.append("not_asked")
    rows = []
    for item in missing_kinds.columns:
        codes = pd.Categorical(missing_kinds[item], categories=kinds).codes
        counts = np.bincount(codes + 1, minlength=len(kinds) + 1)
        rows.append({"item": item, "n": int(len(codes)), "answered": int(counts[0]),
                     **{k: int(c) for k, c in zip(kinds, counts[1:])}})
    columns = ["item", "n", "answered", *kinds]
    return pd.DataFrame(rows, columns=columns)


def sample_summary(
    data: pd.DataFrame,
    questionnaire: Any,
    variables: Sequence[str],
    *,
    weight: str | None = None,
    lang: str = "en",
) -> pd.DataFrame:
    """Respondents per code of some categorical variables, unweighted and weighted.

    Parameters
    ----------
    data : pandas.DataFrame
        Clean data (codes, NA for missing).
    questionnaire : Questionnaire
        For the code labels.
    variables : sequence of str
        Coded variables (demographics, derived variables); absent ones are skipped.
    weight : str, optional
        Column of design weights for ``n_weighted`` (default: no weights, so
        ``n_weighted == n_unweighted``).
    lang : str
        Language of the labels.

    Returns
    -------
    pandas.DataFrame
        Columns ``variable, code, label, n_unweighted, n_weighted``; missing values
        are counted under an empty code and the label ``(missing)``.
    """
    w = np.ones(len(data)) if weight is None else data[weight].to_numpy(dtype=float, na_value=np.nan)
    rows = []
    for var in variables:
        if var not in data.columns:
            continue
        values = data[var].to_numpy(dtype=float, na_value=np.nan)
        missing = np.isnan(values)
        codes, inverse = np.unique(values[~missing], return_inverse=True)
        n = np.bincount(inverse, minlength=len(codes))
        nw = np.bincount(inverse, weights=np.nan_to_num(w[~missing]), minlength=len(codes))
        for code, count, wsum in zip(codes, n, nw):
            try:
                label = questionnaire.value_label(var, int(code), lang)
            except TrustSurveyError:  # no scale / unknown code: show the code
                label = str(int(code))
            rows.append({"variable": var, "code": int(code), "label": label,
                         "n_unweighted": int(count), "n_weighted": float(wsum)})
        if missing.any():
            rows.append({"variable": var, "code": pd.NA, "label": "(missing)",
                         "n_unweighted": int(missing.sum()), "n_weighted": float(np.nansum(w[missing]))})
    out = pd.DataFrame(rows, columns=["variable", "code", "label", "n_unweighted", "n_weighted"])
    out["code"] = out["code"].astype("Int64")
    return out
