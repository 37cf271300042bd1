"""Language codes from the names forms use: ``English (en)``, ``English``, ``EN``, ``العربية``.

Codes are BCP-47-like (``en``, ``sq``, ``sr-Latn``, ``ar``). Names are looked
up in the Unicode CLDR data that Babel ships: first as a code, then as an
English language name, then as a language's name in its own language (``shqip``,
``srpski``, ``العربية``). A name none of these know becomes a slug and is
reported as unknown.
"""

from __future__ import annotations

import functools
import re
import unicodedata

__all__ = ["language_code"]

_PAREN = re.compile(r"\(\s*([A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*)\s*\)\s*$")


def _bcp47(identifier: str) -> str:
    parts = identifier.replace("_", "-").split("-")
    out = [parts[0].lower()]
    for p in parts[1:]:
        out.append(p.title() if len(p) == 4 else p.upper() if len(p) == 2 else p)
    return "-".join(out)


@functools.lru_cache(maxsize=None)
def _known(code: str) -> str | None:
    """``code`` as a BCP-47 code if CLDR knows it, else ``None``."""
    from babel import Locale, UnknownLocaleError

    try:
        loc = Locale.parse(code.replace("-", "_"))
    except (UnknownLocaleError, ValueError, TypeError):
        return None
    parts = [loc.language] + [p for p in (loc.script, loc.territory) if p]
    return _bcp47("-".join(parts))


@functools.lru_cache(maxsize=1)
def _english_names() -> dict[str, str]:
    from babel import Locale

    out: dict[str, str] = {}
    for code, name in Locale("en").languages.items():
        out.setdefault(_fold(name), _bcp47(code))
    return out


@functools.lru_cache(maxsize=1)
def _native_names() -> dict[str, str]:
    from babel import Locale
    from babel.localedata import locale_identifiers

    out: dict[str, str] = {}
    for ident in sorted(locale_identifiers(), key=len):
        parts = ident.split("_")
        if len(parts) > 2 or (len(parts) == 2 and len(parts[1]) != 4):
            continue  # language or language_Script only
        try:
            loc = Locale.parse(ident)
            name = loc.languages.get(loc.language)
        except Exception:  # noqa: BLE001 - a broken locale entry is simply skipped
            continue
        if name:
            out.setdefault(_fold(name), _bcp47(ident))
    return out


def _fold(text: str) -> str:
    return unicodedata.normalize("NFC", text).strip().casefold()


def _slug(text: str) -> str:
    ascii_ = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_.lower()).strip("-")


def language_code(name: str) -> tuple[str, bool]:
    """The language code of a form's language name, and whether the name was recognised.

    Examples
    --------
    >>> language_code("English (en)"), language_code("english"), language_code("EN")
    (('en', True), ('en', True), ('en', True))
    >>> language_code("العربية"), language_code("Shqip"), language_code("Srpski (sr)")
    (('ar', True), ('sq', True), ('sr', True))
    >>> language_code("Elvish Tengwar")
    ('elvish-tengwar', False)
    """
    text = unicodedata.normalize("NFC", str(name)).strip()
    m = _PAREN.search(text)
    if m:
        code = _known(m.group(1))
        if code is not None:
            return code, True
        return _bcp47(m.group(1)), False
    if re.fullmatch(r"[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*", text):
        code = _known(text)
        if code is not None and len(text.split("-")[0].split("_")[0]) <= 3:
            if _fold(text) not in _english_names() or len(text) <= 3:
                return code, True
    key = _fold(text)
    for table in (_english_names, _native_names):
        code = table().get(key)
        if code is not None:
            return code, True
    return _slug(text) or "und", False
