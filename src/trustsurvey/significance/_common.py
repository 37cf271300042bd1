"""Shared helpers of the significance layer: inputs, levels, domains (private)."""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
import pandas as pd

from ..errors import SignificanceError, TrustSurveyError
from ..sample import as_sample

__all__ = ["parts", "check_columns", "present_levels", "as_list", "indicator_matrix", "level_text",
           "domain_group_codes", "codes_of", "matches"]


def parts(survey: Any) -> tuple[pd.DataFrame, Any, np.ndarray]:
    """``(data, design, in_domain)`` of a Sample (or a Survey's ``.sample``); ``in_domain`` is all-True
    without a domain. The data are shared, not copied: read only."""
    try:
        sample = as_sample(survey)
    except TrustSurveyError:
        raise SignificanceError(f"expected a trustsurvey.Survey, got {type(survey).__name__}") from None
    return sample.data, sample.design, sample.mask


def as_list(x: str | Sequence[str] | None) -> list[str]:
    if x is None:
        return []
    if isinstance(x, str):
        return [x]
    return list(x)


def check_columns(data: pd.DataFrame, names: Sequence[str], role: str) -> None:
    missing = [c for c in names if c not in data.columns]
    if missing:
        raise SignificanceError(
            f"{role} {missing} not in the data; available columns: "
            f"{', '.join(map(str, list(data.columns)[:40]))}")


def present_levels(col: pd.Series, mask: np.ndarray) -> list:
    """Levels of ``col`` observed among the rows of ``mask`` (categorical order, else sorted)."""
    vals = col[mask & col.notna().to_numpy()]
    if isinstance(col.dtype, pd.CategoricalDtype):
        seen = set(vals.unique().tolist())
        return [c for c in col.cat.categories if c in seen]
    uniq = pd.unique(vals).tolist()
    try:
        return sorted(uniq)
    except TypeError:
        return sorted(uniq, key=str)


def level_text(v: Any) -> str:
    """A level as text: ``1.0`` -> ``"1"``."""
    if isinstance(v, (float, np.floating)) and float(v).is_integer():
        return str(int(v))
    return str(v)


def codes_of(col: pd.Series, levels: list) -> np.ndarray:
    """Integer code of each row's level (``-1``: missing or not among ``levels``)."""
    codes = np.full(len(col), -1, dtype=np.int64)
    ok = col.notna().to_numpy()
    if ok.any():
        codes[ok] = pd.Index(levels, dtype=object).get_indexer(col[ok].to_numpy(dtype=object))
    return codes


def matches(col: pd.Series, value: Any) -> np.ndarray:
    """Rows equal to ``value`` (or to its text, so ``5`` matches ``5.0`` and ``"5"``); NaN where missing."""
    miss = col.isna().to_numpy()
    text = level_text(value)
    vals = col.to_numpy(dtype=object)
    hit = np.zeros(len(col), dtype=float)
    ok = np.flatnonzero(~miss)
    hit[ok] = [float(v == value or level_text(v) == text) for v in vals[ok]]
    hit[miss] = np.nan
    return hit


def indicator_matrix(codes: np.ndarray, k: int) -> np.ndarray:
    """``n x k`` indicators of ``codes`` with NaN rows where the code is ``-1``."""
    out = (codes[:, None] == np.arange(k)[None, :]).astype(float)
    out[codes < 0] = np.nan
    return out


def domain_group_codes(data: pd.DataFrame, by: Sequence[str], domain: np.ndarray | None
                       ) -> tuple[np.ndarray, pd.DataFrame]:
    """:func:`trustsurvey.estimation.group_codes` restricted to a domain (groups present in it only)."""
    from ..errors import EstimationError
    from ..estimation import group_codes

    if domain is None or not by:
        return group_codes(data, list(by), domain)
    idx = np.flatnonzero(domain)
    try:
        sub_codes, groups = group_codes(data.iloc[idx].reset_index(drop=True), list(by), None)
    except EstimationError as exc:
        raise SignificanceError(f"{exc} (in the analysed domain)") from None
    codes = np.full(len(data), -1, dtype=np.int64)
    codes[idx] = sub_codes
    return codes, groups
