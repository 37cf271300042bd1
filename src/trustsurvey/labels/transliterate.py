"""Serbian Latin -> Cyrillic by the standard one-to-one correspondence (Vuk's alphabet).

Serbian is written in two alphabets with a one-to-one mapping between them:
the Latin digraphs ``lj``, ``nj`` and ``dž`` are single Cyrillic letters
(``љ``, ``њ``, ``џ``), every other letter maps to one letter. Placeholders
(``{item_label}``), numbers, punctuation and markup are left alone, and so are
words that contain letters outside the Serbian Latin alphabet (``q``, ``w``,
``x``, ``y``: foreign names such as ``trustsurvey``), URLs and e-mail addresses.
Acronyms in Latin capitals are transliterated like any word (``PIK`` -> ``ПИК``),
as Serbian Cyrillic texts write them.
"""

from __future__ import annotations

import re

__all__ = ["to_cyrillic"]

_DIGRAPHS = {"Lj": "Љ", "LJ": "Љ", "lj": "љ", "Nj": "Њ", "NJ": "Њ", "nj": "њ", "Dž": "Џ", "DŽ": "Џ", "dž": "џ"}
_LETTERS = dict(zip(
    "ABVGDĐEŽZIJKLMNOPRSTĆUFHCČŠabvgdđežzijklmnoprstćufhcčš",
    "АБВГДЂЕЖЗИЈКЛМНОПРСТЋУФХЦЧШабвгдђежзијклмнопрстћуфхцчш"))
_FOREIGN = re.compile(r"[QWXYqwxy]")
# pieces never transliterated: {placeholders}, <markup>, &entities;, URLs, e-mail addresses
_PROTECTED = re.compile(r"\{[^{}]*\}|<[^<>]*>|&[#a-zA-Z0-9]+;|https?://\S+|\S+@\S+")
_WORD = re.compile(r"[A-Za-zĐđŽžĆćČčŠš]+")


def _word(match: re.Match) -> str:
    w = match.group(0)
    if _FOREIGN.search(w):
        return w
    out, i = [], 0
    while i < len(w):
        two = w[i:i + 2]
        if two in _DIGRAPHS:
            out.append(_DIGRAPHS[two])
            i += 2
            continue
        out.append(_LETTERS.get(w[i], w[i]))
        i += 1
    return "".join(out)


def to_cyrillic(text: str) -> str:
    """Serbian Latin text in Cyrillic; placeholders, markup and foreign words unchanged.

    Examples
    --------
    >>> to_cyrillic("Poverenje u policiju: {estimate} (ljudi, njihov džep)")
    'Поверење у полицију: {estimate} (људи, њихов џеп)'
    >>> to_cyrillic("Izrađeno pomoću trustsurvey <b>x</b>")
    'Израђено помоћу trustsurvey <b>x</b>'
    """
    if not text:
        return text
    out, pos = [], 0
    for m in _PROTECTED.finditer(text):
        out.append(_WORD.sub(_word, text[pos:m.start()]))
        out.append(m.group(0))
        pos = m.end()
    out.append(_WORD.sub(_word, text[pos:]))
    return "".join(out)
