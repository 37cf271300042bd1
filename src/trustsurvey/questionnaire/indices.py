"""Indices: the mean of item scores after reversal, with a minimum of valid items and an optional rescale."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..errors import QuestionnaireError
from ._frozen import FrozenDict, make_labels

if TYPE_CHECKING:  # pragma: no cover
    from .model import Questionnaire

__all__ = ["Index", "ItemScoring"]


@dataclass(frozen=True)
class ItemScoring:
    """How one index item's codes become scores: ``{code: score}``, score range, reversal."""

    item: str
    codes: tuple[int, ...]
    scores: tuple[float, ...]
    reverse: bool = False

    @property
    def low(self) -> float:
        return min(self.scores)

    @property
    def high(self) -> float:
        return max(self.scores)

    def score(self, values: np.ndarray) -> np.ndarray:
        """Scores of the codes in ``values`` (NaN for anything else), reversed if needed."""
        codes = np.asarray(self.codes, dtype=float)
        scores = np.asarray(self.scores, dtype=float)
        order = np.argsort(codes)
        codes, scores = codes[order], scores[order]
        out = np.full(values.shape, np.nan)
        pos = np.clip(np.searchsorted(codes, values), 0, len(codes) - 1)
        hit = ~np.isnan(values) & (codes[pos] == values)
        out[hit] = scores[pos[hit]]
        if self.reverse:
            out = self.low + self.high - out
        return out


@dataclass(frozen=True)
class Index:
    """A composite index over single-choice items.

    Parameters
    ----------
    id : str
    items : tuple of str
        Item ids.
    min_valid : int
        Minimum number of valid (non-missing) items for a respondent to get a value.
    rescale : (float, float) or None
        Rescale to this range (``(0, 100)``): each item's score is first mapped
        from its scale's ``[min, max]`` to ``[0, 1]``, then the mean is mapped to
        the range. ``None``: the plain mean of the scores.
    label : mapping

    Notes
    -----
    An Index obtained from a :class:`Questionnaire` knows its items' scales and
    reversal; a free-standing one is bound with :meth:`bind`.
    """

    id: str
    items: tuple[str, ...]
    min_valid: int = 1
    rescale: tuple[float, float] | None = None
    label: FrozenDict = field(default_factory=FrozenDict)
    scoring: tuple[ItemScoring, ...] | None = field(default=None, compare=False, repr=False)

    def __post_init__(self):
        object.__setattr__(self, "items", tuple(self.items))
        object.__setattr__(self, "label", make_labels(self.label))
        if self.rescale is not None:
            object.__setattr__(self, "rescale", tuple(self.rescale))
        if self.scoring is not None:
            object.__setattr__(self, "scoring", tuple(self.scoring))

    def bind(self, questionnaire: Questionnaire) -> Index:
        """A copy that knows the scores of its items in ``questionnaire``."""
        scoring = []
        for item in self.items:
            q = questionnaire.question(item)
            if q.type != "single" or q.scale is None:
                raise QuestionnaireError(f"index {self.id!r}: item {item!r} is not a single-choice question")
            scale = questionnaire.scale(q.scale)
            smap = scale.score_map()
            if len(smap) < 2:
                raise QuestionnaireError(
                    f"index {self.id!r}: item {item!r} has scale {scale.id!r} without scores on its codes"
                )
            scoring.append(ItemScoring(item, tuple(smap), tuple(float(v) for v in smap.values()), q.reverse))
        return replace(self, scoring=tuple(scoring))

    def scores(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Item scores after reversal (NaN where missing), one column per item."""
        scoring = self._require_scoring()
        index = frame.index
        cols = {}
        for sc in scoring:
            if sc.item not in frame.columns:
                raise QuestionnaireError(
                    f"index {self.id!r} needs item column {sc.item!r}, which the data do not have"
                )
            values = pd.to_numeric(frame[sc.item], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
            cols[sc.item] = sc.score(values)
        return pd.DataFrame(cols, index=index)

    def compute(self, frame: pd.DataFrame) -> pd.Series:
        """The index for every row of ``frame`` (float, NaN below ``min_valid``).

        ``frame`` holds the item columns as valid codes or NA (codes that are not
        valid codes of the item's scale, e.g. 98, are treated as missing).

        Examples
        --------
        >>> from trustsurvey.questionnaire import bundled
        >>> import pandas as pd
        >>> q = bundled()
        >>> idx = q.index(q.index_ids[0])            # three items on 1-5 scales, at least two answered
        >>> a, b, c = idx.items
        >>> frame = pd.DataFrame({a: [5, 1, 4, None], b: [5, 1, None, None], c: [5, 1, 2, 3]})
        >>> idx.compute(frame).tolist()
        [100.0, 0.0, 50.0, nan]
        """
        scoring = self._require_scoring()
        s = self.scores(frame).to_numpy(dtype=float)
        valid = ~np.isnan(s)
        nvalid = valid.sum(axis=1)
        if self.rescale is not None:
            lo = np.array([sc.low for sc in scoring])
            hi = np.array([sc.high for sc in scoring])
            s = (s - lo) / (hi - lo)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = np.where(valid, s, 0.0).sum(axis=1) / nvalid
        mean[nvalid < self.min_valid] = np.nan
        if self.rescale is not None:
            a, b = self.rescale
            mean = a + (b - a) * mean
        return pd.Series(mean, index=frame.index, name=self.id, dtype=float)

    def _require_scoring(self) -> tuple[ItemScoring, ...]:
        if self.scoring is None:
            raise QuestionnaireError(
                f"index {self.id!r} does not know its items' scales: use questionnaire.index({self.id!r}) "
                "or index.bind(questionnaire)"
            )
        return self.scoring
