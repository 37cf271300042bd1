"""Questions, demographics (both :class:`Question`), multiple-response options and derived variables."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..errors import QuestionnaireError
from ._frozen import FrozenDict, make_labels
from .expressions import Expression, parse_expression
from .scales import MissingCode

__all__ = ["Question", "Option", "Derived", "QUESTION_TYPES"]

#: question types: single choice, multiple response (0/1 column per option), numeric, open text
QUESTION_TYPES = ("single", "multiple", "numeric", "text")


def _columns(columns) -> FrozenDict:
    return FrozenDict({int(k): str(v) for k, v in dict(columns or {}).items()})


@dataclass(frozen=True)
class Option:
    """An option of a multiple-response question; ``id`` is its 0/1 column.

    ``exclusive`` options (e.g. "none of these") exclude every other option.
    """

    id: str
    label: FrozenDict = field(default_factory=FrozenDict)
    exclusive: bool = False
    columns: FrozenDict = field(default_factory=FrozenDict)

    def __post_init__(self):
        object.__setattr__(self, "label", make_labels(self.label))
        object.__setattr__(self, "columns", _columns(self.columns))

    def column(self, wave: int) -> str:
        """Source column name in ``wave``'s data file (the id unless renamed)."""
        return self.columns.get(int(wave), self.id)


@dataclass(frozen=True)
class Question:
    """A question or a demographic variable.

    Parameters
    ----------
    id : str
        Stable item id (the column name in harmonised data).
    type : {"single", "multiple", "numeric", "text"}
    text : mapping
        Question wording per language.
    scale : str or None
        Scale id (single choice; required there).
    label : mapping
        Short label for tables (defaults to ``text`` in :meth:`Questionnaire.label`).
    reverse : bool
        Reverse-code the scores in indices (a high score is unfavourable).
    favourable : {"high", "low", "none"} or None
        Which end of the item's scale is favourable, overriding the scale's
        ``favourable`` (``None``: as the scale says; with ``reverse`` and no
        override, the opposite of the scale). ``"none"``: the item has no
        favourable direction. Agreeing that "some officers take bribes" is
        unfavourable: ``favourable: low`` on an agree scale.
    asked_if : Expression or str or None
        Routing condition; respondents for whom it is false were not asked.
    options : tuple of Option
        Options of a multiple-response question.
    min, max : float or None
        Allowed range of a numeric question.
    missing : tuple of MissingCode
        Missing codes of a numeric question (single choice uses its scale's).
    columns : mapping of int to str
        Source column name per wave, where it differs from ``id``.
    block : str or None
        Thematic block (``trust``, ``procedural_fairness``, ...).
    """

    id: str
    type: str
    text: FrozenDict = field(default_factory=FrozenDict)
    scale: str | None = None
    label: FrozenDict = field(default_factory=FrozenDict)
    reverse: bool = False
    asked_if: Expression | None = None
    options: tuple[Option, ...] = ()
    min: float | None = None
    max: float | None = None
    missing: tuple[MissingCode, ...] = ()
    columns: FrozenDict = field(default_factory=FrozenDict)
    block: str | None = None
    favourable: str | None = None

    def __post_init__(self):
        if self.favourable not in (None, "high", "low", "none"):
            raise QuestionnaireError(
                f"question {self.id!r}: favourable must be 'high', 'low' or 'none', not {self.favourable!r}"
            )
        if self.type not in QUESTION_TYPES:
            raise QuestionnaireError(
                f"question {self.id!r}: unknown type {self.type!r} (allowed: {', '.join(QUESTION_TYPES)})"
            )
        object.__setattr__(self, "text", make_labels(self.text))
        object.__setattr__(self, "label", make_labels(self.label))
        if isinstance(self.asked_if, str):
            object.__setattr__(self, "asked_if", parse_expression(self.asked_if))
        object.__setattr__(self, "options", tuple(self.options))
        object.__setattr__(self, "missing", tuple(self.missing))
        object.__setattr__(self, "columns", _columns(self.columns))

    def column(self, wave: int) -> str:
        """Source column name in ``wave``'s data file (the id unless renamed)."""
        return self.columns.get(int(wave), self.id)

    @property
    def option_ids(self) -> tuple[str, ...]:
        """Ids (0/1 columns) of a multiple-response question's options."""
        return tuple(o.id for o in self.options)

    @property
    def missing_codes(self) -> tuple[int, ...]:
        """Missing codes declared on the question itself (numeric questions)."""
        return tuple(m.code for m in self.missing)

    def missing_kind(self, code) -> str | None:
        """Kind of a missing code declared on the question, or ``None``."""
        for m in self.missing:
            if m.code == code:
                return m.kind
        return None


@dataclass(frozen=True)
class Derived:
    """A variable computed from another: age bands or a recode of codes.

    Parameters
    ----------
    id : str
    source : str
        The variable it is computed from (``from:`` in YAML).
    scale : str
        Scale of the result (its labels).
    bands : mapping of int to float
        ``{code: lower bound}``: a value ``x`` gets the code of the largest lower
        bound ``<= x``; values below the first bound get NA.
    recode : mapping of int to int
        ``{source code: code}``; codes not listed get NA.
    label : mapping

    Examples
    --------
    >>> import pandas as pd
    >>> d = Derived("age_group", "age", "age_group", bands={1: 18, 2: 25, 3: 35})
    >>> d.compute(pd.DataFrame({"age": [17, 18, 24.5, 25, 80, None]})).tolist()
    [<NA>, 1, 1, 2, 3, <NA>]
    >>> r = Derived("community", "ethnicity", "community", recode={1: 1, 2: 2, 3: 3, 4: 3})
    >>> r.compute(pd.DataFrame({"ethnicity": [1, 4, 99]})).tolist()
    [1, 3, <NA>]
    """

    id: str
    source: str
    scale: str
    bands: FrozenDict | None = None
    recode: FrozenDict | None = None
    label: FrozenDict = field(default_factory=FrozenDict)

    def __post_init__(self):
        object.__setattr__(self, "label", make_labels(self.label))
        if (self.bands is None) == (self.recode is None):
            raise QuestionnaireError(f"derived variable {self.id!r}: give exactly one of 'bands' or 'recode'")
        if self.bands is not None:
            object.__setattr__(self, "bands", FrozenDict({int(k): v for k, v in dict(self.bands).items()}))
        if self.recode is not None:
            object.__setattr__(
                self, "recode", FrozenDict({int(k): int(v) for k, v in dict(self.recode).items()})
            )

    @property
    def method(self) -> str:
        """``"bands"`` or ``"recode"``."""
        return "bands" if self.bands is not None else "recode"

    def compute(self, frame: pd.DataFrame | Mapping) -> pd.Series:
        """Compute the variable from ``frame[self.source]`` (vectorised).

        Returns
        -------
        pandas.Series
            Nullable integer codes (``Int64``) named ``self.id``, aligned with ``frame``.
        """
        if self.source not in frame:
            raise QuestionnaireError(
                f"derived variable {self.id!r} needs column {self.source!r}, which the data do not have"
            )
        src = frame[self.source]
        index = getattr(src, "index", None)
        x = pd.to_numeric(pd.Series(src, index=index), errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        out = np.full(x.shape, np.nan)
        if self.bands is not None:
            codes = np.array(list(self.bands.keys()), dtype=float)
            lows = np.array(list(self.bands.values()), dtype=float)
            order = np.argsort(lows, kind="stable")
            codes, lows = codes[order], lows[order]
            ok = ~np.isnan(x) & (x >= lows[0])
            pos = np.searchsorted(lows, x[ok], side="right") - 1
            out[ok] = codes[pos]
        else:
            keys = np.array(list(self.recode.keys()), dtype=float)
            vals = np.array(list(self.recode.values()), dtype=float)
            order = np.argsort(keys)
            keys, vals = keys[order], vals[order]
            if len(keys):
                pos = np.clip(np.searchsorted(keys, x), 0, len(keys) - 1)
                hit = ~np.isnan(x) & (keys[pos] == x)
                out[hit] = vals[pos[hit]]
        return pd.Series(out, index=index, name=self.id).astype("Int64")
