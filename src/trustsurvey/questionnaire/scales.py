"""Answer scales: codes (integers or texts), scores, labels, missing codes, nets."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from ..errors import QuestionnaireError
from ._codes import canonical_code
from ._frozen import FrozenDict, make_labels, nfc

__all__ = ["Code", "MissingCode", "Scale", "MISSING_KINDS", "RESERVED_KINDS", "SELECTED_SCALE", "check_kind"]

#: the well-known kinds of missing code (any identifier is allowed: ``no_answer``, ``skipped``, ...)
MISSING_KINDS = ("dont_know", "refused", "not_applicable")
#: kinds no missing code may have: ``not_asked`` is a blank cell that routing skipped
RESERVED_KINDS = ("not_asked",)
_KIND_RE = re.compile(r"^[a-z][a-z0-9_]*$")


def check_kind(kind) -> str | None:
    """Why ``kind`` cannot be the kind of a missing code, or ``None`` if it can.

    >>> check_kind("no_answer") is None, check_kind("not_asked")
    (True, "'not_asked' is reserved for questions routing skipped (a blank cell)")
    """
    if not (isinstance(kind, str) and _KIND_RE.match(kind)):
        return (f"kind {kind!r} must be a lower-case identifier such as "
                f"{', '.join(MISSING_KINDS)}, no_answer")
    if kind in RESERVED_KINDS:
        return f"{kind!r} is reserved for questions routing skipped (a blank cell)"
    return None


def _code(value, what: str):
    c = canonical_code(value)
    if not isinstance(c, (int, str)):
        raise QuestionnaireError(f"{what}: a code must be an integer or a text, not {value!r}")
    return c


def _label_text(labels: Mapping[str, str], lang: str, fallback: str) -> str:
    if lang in labels:
        return labels[lang]
    if "en" in labels:
        return labels["en"]
    return next(iter(labels.values()), fallback)


@dataclass(frozen=True)
class Code:
    """A valid answer code of a scale, with its label and its score (``None``: not scored).

    ``code`` is an integer or a text (``"UKI"``); ``"1"`` and ``1.0`` become ``1``.
    ``name`` is the choice name a form gave the code (XLSForm ``yes``), which data
    exported by KoboToolbox or ODK hold instead of the code.
    """

    code: int | str
    label: FrozenDict = field(default_factory=FrozenDict)
    score: float | None = None
    name: str | None = None

    def __post_init__(self):
        object.__setattr__(self, "code", _code(self.code, "scale code"))
        object.__setattr__(self, "label", make_labels(self.label))
        if self.name is not None:
            object.__setattr__(self, "name", nfc(str(self.name)))


@dataclass(frozen=True)
class MissingCode:
    """A code meaning "no substantive answer".

    ``kind`` is any identifier: the well-known :data:`MISSING_KINDS`
    (``dont_know``, ``refused``, ``not_applicable``) or others (``no_answer``,
    ``unclassified``, ...); ``not_asked`` is reserved for routing.
    """

    code: int | str
    kind: str
    label: FrozenDict = field(default_factory=FrozenDict)
    name: str | None = None

    def __post_init__(self):
        object.__setattr__(self, "code", _code(self.code, "missing code"))
        object.__setattr__(self, "label", make_labels(self.label))
        if self.name is not None:
            object.__setattr__(self, "name", nfc(str(self.name)))
        problem = check_kind(self.kind)
        if problem:
            raise QuestionnaireError(f"missing code {self.code}: {problem}")


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
    neutral : int or str or None
        The neutral (midpoint) code.
    nets : mapping of str to tuple of codes
        Named groups of codes with any names, e.g. ``top2: (4, 5)``, ``top3: (8, 9, 10)``.
    label : mapping
        Optional name of the scale in each language.

    Examples
    --------
    >>> s = Scale("yn", codes=(Code(1, {"en": "yes"}, 1), Code(2, {"en": "no"}, 0)),
    ...           missing=(MissingCode(98, "dont_know", {"en": "don't know"}),),
    ...           nets={"yes": [1]})
    >>> s.valid_codes, s.missing_codes, s.missing_kind(98), s.score(1), s.score(98)
    ((1, 2), (98,), 'dont_know', 1, None)
    >>> s.code_of("1"), s.code_of(98.0), s.code_of(3), s.label_of("2")
    (1, 98, None, 'no')
    """

    id: str
    codes: tuple[Code, ...] = ()
    missing: tuple[MissingCode, ...] = ()
    favourable: str | None = None
    neutral: int | str | None = None
    nets: FrozenDict = field(default_factory=FrozenDict)
    label: FrozenDict = field(default_factory=FrozenDict)

    def __post_init__(self):
        object.__setattr__(self, "codes", tuple(self.codes))
        object.__setattr__(self, "missing", tuple(self.missing))
        object.__setattr__(
            self, "nets",
            FrozenDict({str(k): tuple(_code(c, f"scale {self.id!r} net {k!r}") for c in v)
                        for k, v in dict(self.nets).items()}),
        )
        if self.neutral is not None:
            object.__setattr__(self, "neutral", _code(self.neutral, f"scale {self.id!r} neutral"))
        object.__setattr__(self, "label", make_labels(self.label))
        index: dict = {}
        for c in (*self.codes, *self.missing):
            index.setdefault(c.code, c)
        names: dict = {}
        for c in (*self.codes, *self.missing):
            if c.name is not None and c.name not in index:
                names.setdefault(c.name, c)
        object.__setattr__(self, "_index", index)
        object.__setattr__(self, "_names", names)
        if self.favourable not in (None, "high", "low"):
            raise QuestionnaireError(
                f"scale {self.id!r}: favourable must be 'high', 'low' or null, not {self.favourable!r}"
            )

    # -- codes
    def code_of(self, value) -> int | str | None:
        """The scale's code for a data value, or ``None`` if it is none of its codes.

        ``1``, ``1.0`` and ``"1"`` are the same code; a code's ``name`` (a form's
        choice name such as ``yes``) also gives its code.
        """
        c = canonical_code(value)
        if c is None:
            return None
        hit = self._index.get(c)
        if hit is None and isinstance(c, str):
            hit = self._names.get(c)
        return None if hit is None else hit.code

    def _entry(self, value):
        c = self.code_of(value)
        return None if c is None else self._index[c]

    @property
    def numeric_codes(self) -> bool:
        """Whether every code is an integer (the data column holds numbers)."""
        return all(isinstance(c.code, int) for c in (*self.codes, *self.missing))

    @property
    def valid_codes(self) -> tuple:
        """The substantive codes, in order."""
        return tuple(c.code for c in self.codes)

    @property
    def missing_codes(self) -> tuple:
        """The missing-value codes, in order."""
        return tuple(m.code for m in self.missing)

    @property
    def all_codes(self) -> tuple:
        """Valid codes followed by missing codes."""
        return self.valid_codes + self.missing_codes

    def missing_kind(self, code) -> str | None:
        """The kind of a missing code (``dont_know``, ...), or ``None`` if ``code`` is not missing."""
        entry = self._entry(code)
        return entry.kind if isinstance(entry, MissingCode) else None

    def is_valid(self, code) -> bool:
        """Whether ``code`` is one of the substantive codes (in any of its forms)."""
        return isinstance(self._entry(code), Code)

    # -- scores
    @property
    def scored(self) -> bool:
        """Whether every valid code has a numeric score."""
        return bool(self.codes) and all(c.score is not None for c in self.codes)

    def score(self, code) -> float | None:
        """The score of a valid code; ``None`` for missing or unscored codes."""
        entry = self._entry(code)
        return entry.score if isinstance(entry, Code) else None

    def score_map(self) -> dict:
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
        entry = self._entry(code)
        if entry is not None:
            return _label_text(entry.label, lang, str(entry.code))
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

    def lookup(self, *, labels: bool = True) -> dict:
        """``{text: code}`` for reading data: each code as text, each name and (optionally) each label.

        Codes win over names, names over labels; a label that two codes share
        (in some language) is left out. Keys are stripped and case-folded.

        Examples
        --------
        >>> yn = Scale("yn", codes=(Code(1, {"en": "Yes", "sq": "Po"}, name="yes"), Code(2, {"en": "No"}, name="no")))
        >>> sorted(yn.lookup().items())
        [('1', 1), ('2', 2), ('no', 2), ('po', 1), ('yes', 1)]
        """
        entries = (*self.codes, *self.missing)
        out: dict = {}
        for c in entries:
            out.setdefault(str(c.code).strip().casefold(), c.code)
        for c in entries:
            if c.name is not None:
                out.setdefault(c.name.strip().casefold(), c.code)
        if labels:
            seen: dict = {}
            for c in entries:
                for text in set(c.label.values()):
                    key = text.strip().casefold()
                    if key in seen and seen[key] != c.code:
                        seen[key] = None  # ambiguous
                    else:
                        seen.setdefault(key, c.code)
            for key, code in seen.items():
                if code is not None:
                    out.setdefault(key, code)
        return out

    def net(self, name: str) -> tuple:
        """The codes of net ``name`` (``top2``, ``bottom2``, ``yes``, ...)."""
        try:
            return self.nets[name]
        except KeyError:
            raise QuestionnaireError(
                f"scale {self.id!r} has no net {name!r} (nets: {', '.join(self.nets) or 'none'})"
            ) from None


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
