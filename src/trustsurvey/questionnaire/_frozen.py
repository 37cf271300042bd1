"""Immutable, hashable containers and text normalisation for the questionnaire model.

The questionnaire is a frozen specification: its mappings (labels, nets,
targets, ...) are :class:`FrozenDict` objects, its lists are tuples, and every
string is in Unicode normalisation form NFC (so ``"ë"`` typed as one code point
and ``"e" + U+0308`` compare equal).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator, Mapping
from typing import Any, TypeVar

__all__ = ["FrozenDict", "freeze", "thaw", "nfc", "Labels", "make_labels"]

K = TypeVar("K")
V = TypeVar("V")


class FrozenDict(Mapping[K, V]):
    """A read-only, hashable, picklable mapping that keeps insertion order.

    Examples
    --------
    >>> d = FrozenDict({"sq": "Po", "en": "Yes"})
    >>> d["en"], len(d), d == {"sq": "Po", "en": "Yes"}
    ('Yes', 2, True)
    """

    __slots__ = ("_data", "_hash")

    def __init__(self, data: Mapping[K, V] | None = None, /):
        object.__setattr__(self, "_data", dict(data or {}))
        object.__setattr__(self, "_hash", None)

    def __getitem__(self, key: K) -> V:
        return self._data[key]

    def __iter__(self) -> Iterator[K]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __hash__(self) -> int:
        if self._hash is None:
            object.__setattr__(self, "_hash", hash(tuple(self._data.items())))
        return self._hash

    def __eq__(self, other: object) -> bool:
        if isinstance(other, FrozenDict):
            return self._data == other._data
        if isinstance(other, Mapping):
            return self._data == dict(other)
        return NotImplemented

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("FrozenDict is read-only")

    def __repr__(self) -> str:
        return f"FrozenDict({self._data!r})"

    def __reduce__(self):
        return (FrozenDict, (self._data,))


Labels = FrozenDict  # lang -> text


def nfc(text: str) -> str:
    """Return ``text`` in Unicode normalisation form NFC.

    Examples
    --------
    >>> nfc("C\\u030cac\\u030cak") == "Čačak"
    True
    """
    return unicodedata.normalize("NFC", text)


def freeze(value: Any) -> Any:
    """Recursively turn dicts into :class:`FrozenDict`, lists into tuples, strings into NFC."""
    if isinstance(value, str):
        return nfc(value)
    if isinstance(value, Mapping):
        return FrozenDict({freeze(k): freeze(v) for k, v in value.items()})
    if isinstance(value, (list, tuple)):
        return tuple(freeze(v) for v in value)
    return value


def thaw(value: Any) -> Any:
    """Inverse of :func:`freeze`: plain dicts and lists (for YAML output)."""
    if isinstance(value, Mapping):
        return {thaw(k): thaw(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [thaw(v) for v in value]
    return value


def make_labels(labels: Mapping[str, str] | None) -> FrozenDict:
    """Labels as a frozen ``lang -> text`` mapping with NFC text (``None`` -> empty)."""
    if labels is None:
        return FrozenDict()
    if isinstance(labels, FrozenDict) and all(
        unicodedata.is_normalized("NFC", v) for v in labels.values() if isinstance(v, str)
    ):
        return labels
    return FrozenDict({str(k): nfc(str(v)) for k, v in labels.items()})
