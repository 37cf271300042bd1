"""The catalogue of interface text: one gettext catalogue per language.

Every word of the interface — report headings, methodology sentences,
statuses, column headers, figure captions, the default wording of
recommendations — is an English message in the code (``t("Key indicators")``)
translated in ``locale/<lang>/LC_MESSAGES/trustsurvey.po``. The ``.po`` files
are the source a translator reviews in ordinary tools (Poedit, Weblate, a text
editor); the ``.mo`` files beside them are compiled from them with Babel
(``python -m trustsurvey.labels.compile``), and a test checks that they agree.

English needs no catalogue (the messages are English). ``sr-Cyrl`` is made from
the Serbian Latin catalogue by the standard transliteration
(:func:`~trustsurvey.labels.transliterate.to_cyrillic`). A language without a
catalogue falls back to English (:func:`has_catalogue` tells).

Messages are Python format strings with named fields (``"Change since
{year}"``); :meth:`Catalogue.format` translates and fills them.
"""

from __future__ import annotations

import functools
import gettext as _gettext
import string
from pathlib import Path
from typing import Any

from .transliterate import to_cyrillic

__all__ = ["Catalogue", "catalogue", "has_catalogue", "catalogue_languages", "LOCALE_DIR", "DOMAIN"]

DOMAIN = "trustsurvey"
LOCALE_DIR = Path(__file__).parent / "locale"
_DERIVED = {"sr-Cyrl": ("sr", to_cyrillic)}


def _mo_path(lang: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.mo"


def catalogue_languages() -> tuple[str, ...]:
    """Languages with a catalogue (English, those with a ``.mo`` file, and derived ones).

    >>> catalogue_languages()
    ('en', 'sq', 'sr', 'sr-Cyrl')
    """
    found = sorted(p.name for p in LOCALE_DIR.iterdir() if _mo_path(p.name).is_file()) if LOCALE_DIR.is_dir() else []
    derived = [k for k, (base, _) in _DERIVED.items() if base in found]
    return ("en", *found, *derived)


def has_catalogue(lang: str) -> bool:
    """Whether the interface is translated into ``lang`` (otherwise it is shown in English)."""
    return lang in catalogue_languages()


class Catalogue:
    """The interface text in one language.

    Examples
    --------
    >>> t = catalogue("sq")
    >>> t("Key indicators")
    'Treguesit kryesorë'
    >>> catalogue("sr-Cyrl")("Key indicators")
    'Кључни показатељи'
    >>> catalogue("en").format("Annual survey report {year}", year=2025)
    'Annual survey report 2025'
    """

    def __init__(self, lang: str, translations: _gettext.NullTranslations, convert=None) -> None:
        self.lang = lang
        self._t = translations
        self._convert = convert

    def gettext(self, message: str) -> str:
        """``message`` in this language (the message itself where it is not translated)."""
        out = self._t.gettext(message)
        return self._convert(out) if self._convert is not None and out != message else out

    __call__ = gettext

    def pgettext(self, context: str, message: str) -> str:
        """``message`` in ``context`` (the same English word may need two translations)."""
        out = self._t.pgettext(context, message)
        return self._convert(out) if self._convert is not None and out != message else out

    def translated(self, message: str, context: str | None = None) -> bool:
        """Whether the catalogue has a translation of ``message`` (always True in English)."""
        if self.lang == "en":
            return True
        out = self._t.gettext(message) if context is None else self._t.pgettext(context, message)
        return out != message

    def format(self, message: str, context: str | None = None, /, **values: Any) -> str:
        """Translate ``message`` and fill its ``{fields}``; unknown fields are left as written."""
        text = self.gettext(message) if context is None else self.pgettext(context, message)
        return fill(text, values)


def fill(template: str, values: dict[str, Any]) -> str:
    """Fill plain ``{name}`` fields of ``template``; anything else is left as written.

    Unknown names, positional fields and attribute or index access
    (``{x.__class__}``) stay as they are, and a malformed template is returned
    unchanged, so a template from a file can never reach into Python objects.

    >>> fill("{a} and {b.__class__} {0} {c:.1f}", {"a": "x", "c": 2.25})
    'x and {b.__class__} {0} 2.2'
    >>> fill("odd {brace", {})
    'odd {brace'
    """
    try:
        parts = list(string.Formatter().parse(template))
    except ValueError:
        return template
    out = []
    for literal, name, spec, conversion in parts:
        out.append(literal)
        if name is None:
            continue
        if name.isidentifier() and name in values:
            value = values[name]
            try:
                if conversion:
                    value = {"s": str, "r": repr, "a": ascii}.get(conversion, str)(value)
                out.append(format(value, spec or ""))
                continue
            except (ValueError, TypeError):
                pass
        out.append("{" + name + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "") + "}")
    return "".join(out)


@functools.lru_cache(maxsize=None)
def catalogue(lang: str) -> Catalogue:
    """The catalogue of ``lang`` (English for a language without one), loaded once."""
    if lang in _DERIVED:
        base, convert = _DERIVED[lang]
        return Catalogue(lang, catalogue(base)._t, convert)
    path = _mo_path(lang)
    if lang == "en" or not path.is_file():
        return Catalogue(lang, _gettext.NullTranslations())
    with open(path, "rb") as fh:
        return Catalogue(lang, _gettext.GNUTranslations(fh))
