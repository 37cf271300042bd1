"""Answer codes: integers or texts, and the canonical form of a data value.

A scale's codes are integers (``1``, ``98``) or texts (``"UKI"``). Data arrive
from CSV, Excel, SPSS and Stata with the same code written as ``1``, ``1.0`` or
``"1"``: :func:`canonical_code` turns each of them into the one form the
questionnaire uses, so that every comparison of a data value with a code treats
them as the same code.
"""

from __future__ import annotations

import math
import re
import unicodedata
from typing import Any

__all__ = ["canonical_code", "is_code", "code_key", "codes_text"]

_INT_RE = re.compile(r"^[+-]?\d+$")
_FLOAT_RE = re.compile(r"^[+-]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][+-]?\d+)?$")


def canonical_code(value: Any) -> int | str | float | None:
    """The canonical form of a code or data value: ``int`` for whole numbers, stripped ``str`` for texts.

    ``None``, NaN and blank texts give ``None``; a number that is not whole stays a ``float``
    (it matches no code).

    Examples
    --------
    >>> canonical_code(1), canonical_code(1.0), canonical_code("1"), canonical_code(" 1.0 ")
    (1, 1, 1, 1)
    >>> canonical_code("UKI"), canonical_code(""), canonical_code(float("nan")), canonical_code(2.5)
    ('UKI', None, None, 2.5)
    """
    if value is None:
        return None
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, str):
        text = unicodedata.normalize("NFC", value.strip())
        if not text:
            return None
        if _INT_RE.match(text):
            return int(text)
        if _FLOAT_RE.match(text):
            f = float(text)
            return int(f) if math.isfinite(f) and f.is_integer() else f
        return text
    try:
        f = float(value)  # numpy numbers, Decimal, ...
    except (TypeError, ValueError):
        text = str(value).strip()
        return text or None
    if math.isnan(f):
        return None
    if math.isfinite(f) and f.is_integer():
        return int(f)
    return f


def is_code(value: Any) -> bool:
    """Whether ``value`` can be a scale code as written in a questionnaire: an int or a non-blank text.

    >>> is_code(3), is_code("UKI"), is_code(True), is_code(2.5), is_code(" ")
    (True, True, False, False, False)
    """
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return True
    return isinstance(value, str) and bool(value.strip())


def code_key(value: Any) -> tuple:
    """A sort key that orders integer codes before text codes (``sorted(codes, key=code_key)``)."""
    c = canonical_code(value)
    if isinstance(c, (int, float)):
        return (0, c, "")
    return (1, 0, "" if c is None else str(c))


def codes_text(codes) -> str:
    """``1, 2, 3`` or ``UKI, UKC`` (``none`` for no codes).

    >>> codes_text([1, 2, "UKI"])
    '1, 2, UKI'
    """
    return ", ".join(str(c) for c in codes) or "none"
