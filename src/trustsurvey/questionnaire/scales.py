"""Answer scales: codes, scores, labels, missing codes, nets."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

from ..errors import QuestionnaireError
from ._frozen import FrozenDict, make_labels

__all__ = ["Code", "MissingCode", "Scale", "MISSING_KINDS", "SELECTED_SCALE"]

#: the kinds a missing code can have; ``not_asked`` is reserved for routing (a blank cell)
MISSING_KINDS = ("dont_know", "refused", "not_applicable")


def _label_text(labels: Mapping[str, str], lang: str, fallback: str) -> str:
    if lang in labels:
        return labels[lang]
    if "en" in labels:
        return labels["en"]
    return next(iter(labels.values()), fallback)


@dataclass(frozen=True)
class Code:
    """A valid answer code of a scale, with its label and its score (``None``: not scored)."""

    code: int
    label: FrozenDict = field(default_factory=FrozenDict)
    score: float | None = None

    def __post_init__(self):
        object.__setattr__(self, "label", make_labels(self.label))


@dataclass(frozen=True)
class MissingCode:
    """A code meaning "no substantive answer": ``kind`` is dont_know, refused or not_applicable."""

    code: int
    kind: str
    label: FrozenDict = field(default_factory=FrozenDict)

    def __post_init__(self):
        object.__setattr__(self, "label", make_labels(self.label))
        if self.kind not in MISSING_KINDS:
            raise QuestionnaireError(
                f"missing code {self.code}: unknown kind {self.kind!r} (allowed: {', '.join(MISSING_KINDS)})"
            )


@dataclass(frozen=True)
class Scale:
    """A reusable answer scale.

    Parameters
    ----------
    id : str
        Scale identifier (``trust5``).
    codes : tuple of Code
        The valid (substantive) codes, in order.
    missing : tuple of MissingCode
        Codes for "don't know", "refused", "not applicable".
    favourable : {"high", "low", None}
        Which end of the score range is the favourable one (``None``: nominal scale).
    neutral : int or None
        The neutral (midpoint) code.
    nets : mapping of str to tuple of int
        Named groups of codes, e.g. ``top2: (4, 5)``.
    label : mapping
        Optional name of the scale in each language.

    Examples
    --------
    >>> s = Scale("yn", codes=(Code(1, {"en": "yes"}, 1), Code(2, {"en": "no"}, 0)),
    ...           missing=(MissingCode(98, "dont_know", {"en": "don't know"}),),
    ...           nets={"yes": [1]})
    >>> s.valid_codes, s.missing_codes, s.missing_kind(98), s.score(1), s.score(98)
    ((1, 2), (98,), 'dont_know', 1, None)
    """

    id: str
    codes: tuple[Code, ...] = ()
    missing: tuple[MissingCode, ...] = ()
    favourable: str | None = None
    neutral: int | None = None
    nets: FrozenDict = field(default_factory=FrozenDict)
    label: FrozenDict = field(default_factory=FrozenDict)

    def __post_init__(self):
        object.__setattr__(self, "codes", tuple(self.codes))
        object.__setattr__(self, "missing", tuple(self.missing))
        object.__setattr__(
            self, "nets", FrozenDict({str(k): tuple(int(c) for c in v) for k, v in dict(self.nets).items()})
        )
        object.__setattr__(self, "label", make_labels(self.label))
        if self.favourable not in (None, "high", "low"):
            raise QuestionnaireError(
                f"scale {self.id!r}: favourable must be 'high', 'low' or null, not {self.favourable!r}"
            )

    # -- codes
    @property
    def valid_codes(self) -> tuple[int, ...]:
        """The substantive codes, in order."""
        return tuple(c.code for c in self.codes)

    @property
    def missing_codes(self) -> tuple[int, ...]:
        """The missing-value codes, in order."""
        return tuple(m.code for m in self.missing)

    @property
    def all_codes(self) -> tuple[int, ...]:
        """Valid codes followed by missing codes."""
        return self.valid_codes + self.missing_codes

    def missing_kind(self, code) -> str | None:
        """The kind of a missing code (``dont_know``, ...), or ``None`` if ``code`` is not missing."""
        for m in self.missing:
            if _same(m.code, code):
                return m.kind
        return None

    def is_valid(self, code) -> bool:
        """Whether ``code`` is one of the substantive codes."""
        return any(_same(c.code, code) for c in self.codes)

    # -- scores
    @property
    def scored(self) -> bool:
        """Whether every valid code has a numeric score."""
        return bool(self.codes) and all(c.score is not None for c in self.codes)

    def score(self, code) -> float | None:
        """The score of a valid code; ``None`` for missing or unscored codes."""
        for c in self.codes:
            if _same(c.code, code):
                return c.score
        return None

    def score_map(self) -> dict[int, float]:
        """``{code: score}`` for the scored valid codes."""
        return {c.code: c.score for c in self.codes if c.score is not None}

    @property
    def score_range(self) -> tuple[float, float]:
        """``(min, max)`` of the scores (raises if the scale is not scored)."""
        scores = [c.score for c in self.codes if c.score is not None]
        if not scores:
            raise QuestionnaireError(f"scale {self.id!r} has no scores; give each code a 'score'")
        return min(scores), max(scores)

    def reversed_score(self, code) -> float | None:
        """``(min + max) - score``: the score of a reverse-coded item."""
        s = self.score(code)
        if s is None:
            return None
        lo, hi = self.score_range
        return lo + hi - s

    # -- labels
    def label_of(self, code, lang: str = "en") -> str:
        """The label of a valid or missing code in ``lang`` (English if not translated)."""
        for c in (*self.codes, *self.missing):
            if _same(c.code, code):
                return _label_text(c.label, lang, str(code))
        raise QuestionnaireError(
            f"scale {self.id!r} has no code {code!r} (codes: {', '.join(map(str, self.all_codes))})"
        )

    def to_frame(self, lang: str = "en"):
        """The codes as a table: ``code, label, score, missing_kind`` plus one boolean column per net.

        Examples
        --------
        >>> SELECTED_SCALE.to_frame().to_numpy().tolist()
        [[0, 'Not mentioned', 0, None, False], [1, 'Mentioned', 1, None, True]]
        """
        import pandas as pd

        rows = [(c.code, _label_text(c.label, lang, str(c.code)), c.score, None) for c in self.codes]
        rows += [(m.code, _label_text(m.label, lang, str(m.code)), None, m.kind) for m in self.missing]
        frame = pd.DataFrame(rows, columns=["code", "label", "score", "missing_kind"]).astype(
            {"score": object, "missing_kind": object})
        for name, codes in self.nets.items():
            frame[f"net_{name}"] = frame["code"].isin(codes)
        return frame

    def net(self, name: str) -> tuple[int, ...]:
        """The codes of net ``name`` (``top2``, ``bottom2``, ``yes``, ...)."""
        try:
            return self.nets[name]
        except KeyError:
            raise QuestionnaireError(
                f"scale {self.id!r} has no net {name!r} (nets: {', '.join(self.nets) or 'none'})"
            ) from None


def _same(a, b) -> bool:
    try:
        if isinstance(b, float) and math.isnan(b):
            return False
        return a == b
    except (TypeError, ValueError):
        return False


#: The implicit scale of a multiple-response option column (0 = not selected, 1 = selected).
SELECTED_SCALE = Scale(
    "selected",
    codes=(
        Code(0, {"sq": "Nuk u përmend", "sr": "Nije pomenuto", "en": "Not mentioned"}, 0),
        Code(1, {"sq": "U përmend", "sr": "Pomenuto", "en": "Mentioned"}, 1),
    ),
    favourable=None,
    nets={"yes": (1,)},
    label={"sq": "Përmendur", "sr": "Pomenuto", "en": "Mentioned"},
)
