"""Numbers as a reader of each language writes them: separators, percentages, points, p-values.

Separators follow the Unicode CLDR conventions of the language through Babel
(``1,204.5`` in English, ``1.204,5`` in Serbian, ``1 204,5`` in Albanian); a
minus sign is the typographic ``−`` and a value that rounds to zero has no sign.
Languages Babel does not know are written in English style.
"""

from __future__ import annotations

import functools
import math
from typing import Any

from ..vocabulary import is_proportion
from .catalogue import catalogue

__all__ = ["format_number", "format_percent", "format_value", "format_points", "format_p", "format_p_short",
           "babel_locale", "decimal_mark", "is_finite"]

MISSING = "—"


def is_finite(x: Any) -> bool:
    """Whether ``x`` is a finite number (not None, NA, NaN or text)."""
    try:
        return x is not None and math.isfinite(float(x))
    except (TypeError, ValueError):
        return False


@functools.lru_cache(maxsize=None)
def babel_locale(lang: str) -> str:
    """The Babel locale of a language code (``sr`` -> ``sr_Latn``, ``sr-Cyrl`` -> ``sr_Cyrl``).

    >>> babel_locale("sr"), babel_locale("sr-Cyrl"), babel_locale("xx")
    ('sr_Latn', 'sr_Cyrl', 'en')
    """
    from babel import Locale, UnknownLocaleError

    tag = {"sr": "sr_Latn"}.get(lang, str(lang).replace("-", "_"))
    try:
        Locale.parse(tag)
    except (UnknownLocaleError, ValueError, TypeError):
        return "en"
    return tag


def decimal_mark(lang: str) -> str:
    """The decimal mark of a language (``.`` or ``,``)."""
    from babel.numbers import get_decimal_symbol

    return get_decimal_symbol(babel_locale(lang))


@functools.lru_cache(maxsize=None)
def _symbols(lang: str) -> tuple[str, str]:
    """The decimal mark and the group separator of a language (CLDR, through Babel)."""
    from babel.numbers import get_decimal_symbol, get_group_symbol

    loc = babel_locale(lang)
    return get_decimal_symbol(loc), get_group_symbol(loc)


def format_number(x: Any, decimals: int = 1, lang: str = "en", *, grouping: bool = True) -> str:
    """A number with the language's separators and a fixed number of decimals.

    The separators are CLDR's (Babel's locale data), applied to Python's own
    rounding, so a report of thousands of numbers is formatted quickly.

    Examples
    --------
    >>> format_number(1204.53, 1, "sr"), format_number(1204.53, 1, "en"), format_number(-0.04, 1)
    ('1.204,5', '1,204.5', '0.0')
    >>> format_number(-2.5, 1, "sq"), format_number(float("nan"))
    ('−2,5', '—')
    """
    if not is_finite(x):
        return MISSING
    v = round(float(x), decimals)
    if v == 0:
        v = 0.0
    text = f"{v:,.{max(decimals, 0)}f}" if grouping else f"{v:.{max(decimals, 0)}f}"
    dec, group = _symbols(lang)
    if (dec, group) != (".", ","):
        text = text.replace(",", "\x00").replace(".", dec).replace("\x00", group)
    return text.replace("-", "−")


def format_percent(x: Any, decimals: int = 1, lang: str = "en") -> str:
    """A proportion as a percentage: ``0.4531`` -> ``45.3%`` (``45,3%`` in Albanian and Serbian).

    >>> format_percent(0.4531), format_percent(0.4531, 1, "sq"), format_percent(None)
    ('45.3%', '45,3%', '—')
    """
    if not is_finite(x):
        return MISSING
    return format_number(100 * float(x), decimals, lang) + "%"


def format_value(x: Any, metric: str, lang: str = "en", decimals: int = 1) -> str:
    """A level: a share as a percentage, a mean or an index value as a number.

    >>> format_value(0.4531, "top2"), format_value(0.4531, "top2", "sq"), format_value(3.14, "mean")
    ('45.3%', '45,3%', '3.1')
    """
    if is_proportion(metric):
        return format_percent(x, decimals, lang)
    return format_number(x, decimals, lang)


def format_points(x: Any, metric: str, lang: str = "en", *, signed: bool = False, decimals: int = 1) -> str:
    """A difference: percentage points for shares, points for means (the unit in the language).

    >>> format_points(-0.052, "top2", signed=True), format_points(0.4, "mean", "sr")
    ('−5.2 percentage points', '0,4 poena')
    """
    if not is_finite(x):
        return MISSING
    t = catalogue(lang)
    prop = is_proportion(metric)
    v = 100 * float(x) if prop else float(x)
    num = format_number(v if signed else abs(v), decimals, lang)
    if signed and round(v, decimals) > 0:
        num = "+" + num
    unit = t.pgettext("unit", "percentage points") if prop else t.pgettext("unit", "points")
    return f"{num} {unit}"


def format_p(p: Any, lang: str = "en") -> str:
    """A p-value in a sentence: ``p < 0.001`` or ``p = 0.012`` (empty when there is no test).

    >>> format_p(0.0123), format_p(1e-5, "sq"), format_p(float("nan"))
    ('p = 0.012', 'p < 0,001', '')
    """
    if not is_finite(p):
        return ""
    return "p " + format_p_short(p, lang, equals=True)


def format_p_short(p: Any, lang: str = "en", *, equals: bool = False) -> str:
    """A p-value in a table cell: ``<0.001`` or ``0.012`` (``—`` when there is no test).

    >>> format_p_short(0.0004), format_p_short(0.2, "sr")
    ('<0.001', '0,200')
    """
    if not is_finite(p):
        return MISSING
    if float(p) < 0.001:
        return ("< " if equals else "<") + format_number(0.001, 3, lang)
    return ("= " if equals else "") + format_number(float(p), 3, lang)
