"""Nonresponse adjustment within weighting classes.

The sample holds respondents and nonrespondents. Within each weighting class
(a category of one variable, or a combination of several), the respondents'
weights are multiplied by ``(weight of everyone sampled in the class) /
(weight of the respondents in the class)``, so they carry the nonrespondents'
share; nonrespondents get weight 0 (their rows stay in the data and drop out of
every estimate).

Variances: replicate designs adjust every replicate column within the same
classes, so the adjustment is fully reflected in their standard errors. For
linearisation designs the adjusted weights are treated as given (as base
weights delivered with a data file usually are); convert to a replicate design
(``s.to_replicate("jk1")``) before adjusting to carry the adjustment into the
variance.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
import pandas as pd

from ..design import Design
from ..errors import WeightingError
from ._common import finish, safe_ratio, weight_matrix
from ._margins import Margin, apply_missing
from .diagnostics import WeightedDesign, build_result
from .registry import register

__all__ = ["nonresponse_adjust"]


def _respondent_mask(data: pd.DataFrame, respondent: Any) -> np.ndarray:
    if isinstance(respondent, str):
        if respondent not in data.columns:
            raise WeightingError(f"respondent indicator column {respondent!r} is not in the data")
        col = data[respondent]
        where = f"column {respondent!r}"
    else:
        col = pd.Series(np.asarray(respondent))
        where = "the respondent mask"
        if len(col) != len(data):
            raise WeightingError(f"{where} has {len(col)} values for {len(data)} rows")
    if col.isna().any():
        rows = (np.flatnonzero(col.isna().to_numpy()) + 1)[:10].tolist()
        raise WeightingError(f"{where} is missing for rows {rows}; every sampled unit must be marked "
                             "as respondent (1/True) or nonrespondent (0/False)")
    if pd.api.types.is_bool_dtype(col):
        return col.to_numpy(dtype=bool)
    values = pd.to_numeric(col, errors="coerce")
    if values.isna().any() or not values.isin([0, 1]).all():
        bad = sorted(set(col[~pd.to_numeric(col, errors="coerce").isin([0, 1])].astype(str)))[:5]
        raise WeightingError(f"{where} must hold 1/True (respondent) or 0/False (nonrespondent); found {bad}")
    return values.to_numpy() == 1


@register("nonresponse", summary="nonresponse adjustment within weighting classes")
def nonresponse_adjust(design: Design, data: pd.DataFrame, respondent: Any, *,
                       classes: str | Sequence[str] | None = None,
                       missing: str = "error") -> WeightedDesign:
    """Move nonrespondents' weight to the respondents of their weighting class.

    Parameters
    ----------
    design : Design
        The whole sample's design, respondents and nonrespondents.
    data : pandas.DataFrame
        The sampled units' data, aligned with the design.
    respondent : str or array of bool
        A column (1/True respondent, 0/False nonrespondent) or a boolean mask.
    classes : str or list of str, optional
        Weighting class variable(s), crossed; omitted: one class (the whole sample).
    missing : {"error", "impute", "exclude"}
        Sampled units with a missing class variable.

    Returns
    -------
    WeightedDesign
        ``.design``: respondents' weights adjusted, nonrespondents' weights 0; ``.result``: diagnostics.

    Raises
    ------
    WeightingError
        A class with sampled units but no respondent (collapse classes), a bad
        respondent indicator, missing class variables under ``missing="error"``.

    Examples
    --------
    >>> import pandas as pd, trustsurvey as ts
    >>> df = pd.DataFrame({"c": ["a", "a", "b", "b"], "r": [1, 0, 1, 1], "w": [10.0, 10.0, 5.0, 5.0]})
    >>> nonresponse_adjust(ts.Survey(df, weights="w").design, df, "r", classes="c").design.weights.tolist()
    [20.0, 0.0, 5.0, 5.0]
    """
    resp = _respondent_mask(data, respondent)
    w0 = design.weights
    class_vars = [] if classes is None else ([classes] if isinstance(classes, str) else list(classes))
    for v in class_vars:
        if v not in data.columns:
            raise WeightingError(f"weighting class variable {v!r} is not in the data")
    active = w0 > 0
    cols, active, n_excluded, n_imputed = apply_missing(data, class_vars, set(), active, w0, missing)
    if class_vars:
        keys = pd.MultiIndex.from_arrays([cols[v].to_numpy() for v in class_vars])
        codes, uniques = pd.factorize(keys, sort=True)
        labels = tuple(":".join(map(str, u)) for u in uniques)
    else:
        codes, labels = np.zeros(len(data), dtype=np.int64), ("(all)",)
    codes = np.where(active, codes, -1).astype(np.int64)
    n_classes = len(labels)
    W = weight_matrix(design, active)
    keep = codes >= 0
    everyone = np.zeros((n_classes, W.shape[1]))
    np.add.at(everyone, codes[keep], W[keep])
    responding = np.zeros_like(everyone)
    rk = keep & resp
    np.add.at(responding, codes[rk], W[rk])
    empty = (responding[:, 0] == 0) & (everyone[:, 0] > 0)
    if empty.any():
        listed = ", ".join(repr(labels[i]) for i in np.flatnonzero(empty)[:10])
        raise WeightingError(
            f"weighting class(es) {listed} of {':'.join(class_vars) or 'the sample'} have sampled units but "
            "no respondent, so their weight cannot be moved; collapse them with a neighbouring class")
    factor = safe_ratio(everyone, responding)
    W_new = np.where((keep & resp)[:, None], W * factor[np.maximum(codes, 0)], 0.0)
    weights = W_new[:, 0]
    margin = Margin(name=":".join(class_vars) or "(all)", variables=tuple(class_vars), levels=labels,
                    targets=everyone[:, 0], codes=codes)
    result = build_result("nonresponse", np.where(active, w0, 0.0), weights, margins=(margin,),
                          n_excluded=n_excluded, n_imputed=n_imputed,
                          details={"n_respondents": int((keep & resp).sum()),
                                   "n_nonrespondents": int((keep & ~resp).sum()),
                                   "max_factor": float(factor[:, 0].max())})
    return finish(design, weights, W_new[:, 1:] if design.is_replicate else None, (), result)
