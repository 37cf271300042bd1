"""Model formulas (``"y ~ x1 + C(x2)"``) to arrays, via patsy (private).

Columns keep the order of the terms in the formula (as R's ``model.matrix``),
categorical terms use treatment coding against their first level (``C(var)``,
or ``C(var, Treatment("b"))`` for another reference), and rows with a missing
value in any variable of the model are left out (R's ``na.omit``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import SignificanceError

__all__ = ["ModelFrame", "model_frame"]


@dataclass(frozen=True, eq=False)
class ModelFrame:
    """The response column, the design matrix and the rows (of the full data) they come from."""

    response: str
    y: pd.Series  # the raw response values of the used rows
    X: np.ndarray  # (n_used, p)
    names: list
    rows: np.ndarray  # indices into the full data


def _patsy_ready(frame: pd.DataFrame, rhs: str) -> pd.DataFrame:
    """The columns the formula names, with nullable numeric columns as float (NaN for NA):
    patsy cannot test pandas' ``NA`` for missingness."""
    import re

    words = set(re.findall(r"[A-Za-z_][A-Za-z0-9_.]*", rhs))
    cols = [c for c in frame.columns if str(c) in words]
    out = frame[cols].copy()
    for c in cols:
        col = out[c]
        if pd.api.types.is_extension_array_dtype(col.dtype) and (
                pd.api.types.is_numeric_dtype(col.dtype) or pd.api.types.is_bool_dtype(col.dtype)):
            out[c] = col.to_numpy(dtype=float, na_value=np.nan)
    return out


def model_frame(formula: str, data: pd.DataFrame, in_domain: np.ndarray) -> ModelFrame:
    """Parse ``formula`` and build the design matrix on the complete cases of the domain."""
    import patsy

    if not isinstance(formula, str) or formula.count("~") != 1:
        raise SignificanceError(f"formula must look like 'y ~ x1 + C(x2)', got {formula!r}")
    lhs, rhs = (part.strip() for part in formula.split("~"))
    lhs = lhs.strip("`")
    if not lhs:
        raise SignificanceError(f"formula {formula!r} has no response on the left of '~'")
    if lhs not in data.columns:
        raise SignificanceError(f"response {lhs!r} of formula {formula!r} is not in the data; "
                                f"available columns: {', '.join(map(str, list(data.columns)[:40]))}")
    if not rhs:
        rhs = "1"
    keep = in_domain & data[lhs].notna().to_numpy()
    if not keep.any():
        raise SignificanceError(f"no respondent in the analysed rows has a value of {lhs!r}")
    sub = _patsy_ready(data.loc[keep], rhs)
    try:
        desc = patsy.ModelDesc.from_formula(rhs)
        mat = patsy.dmatrix(rhs, sub, NA_action="drop", return_type="dataframe")
    except patsy.PatsyError as exc:
        raise SignificanceError(f"cannot build the model matrix of {formula!r}: {exc}") from None
    except NameError as exc:
        raise SignificanceError(f"formula {formula!r} names a variable that is not in the data: "
                                f"{exc}") from None
    info = mat.design_info
    order = []
    for term in desc.rhs_termlist:
        if term in info.term_slices:
            sl = info.term_slices[term]
            order.extend(range(sl.start, sl.stop))
    for j in range(mat.shape[1]):  # anything patsy added that the term list does not name
        if j not in order:
            order.append(j)
    rows = mat.index.to_numpy()
    if rows.size == 0:
        raise SignificanceError(f"no complete case for formula {formula!r} in the analysed rows")
    X = mat.to_numpy(dtype=float)[:, order]
    names = [mat.columns[j] for j in order]
    return ModelFrame(response=lhs, y=data[lhs].iloc[rows], X=X, names=names, rows=rows)
