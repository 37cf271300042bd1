"""The meaning layer: what every id of a survey means, in the reader's language.

:class:`Meaning` is built from a questionnaire (or from nothing) and a language,
and answers every question a table, figure, text or workbook asks about the
survey: the label of an item, index, option, demographic and group, of a metric
and a level, the name of the population (the national rows), and each item's
polarity — which answers are favourable. Breakdowns, recommendations, figures
and reports all ask it; none keeps a table, fallback or guess of its own.

Languages are those the questionnaire declares, plus ``sr-Cyrl`` wherever ``sr``
is declared (its labels transliterated, unless the questionnaire gives Cyrillic
ones). Interface words (metric names, "All respondents") come from the
catalogue (:mod:`~trustsurvey.labels.catalogue`).

Polarity: the favourable end of an item's scale is the question's
``favourable`` (``high``, ``low`` or ``none``) if it says, otherwise the scale's
``favourable``, reversed for a ``reverse`` (reverse-worded) question. A metric
inherits it: the top-2 share and the mean point the item's way, the bottom-2
share the other way; a "don't know" share is always unfavourable; the share of
one code or of an option has no direction. Indices (rescaled after reversal)
are favourable when high. Without a questionnaire, higher is taken to be better.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any, Iterable

import numpy as np

from ..errors import LanguageError
from ..vocabulary import INDEX_MEAN, INTERFACE_LANGUAGES, NATIONAL
from .catalogue import Catalogue, catalogue
from .transliterate import to_cyrillic

__all__ = ["Meaning", "meaning", "languages_of", "code_text"]

_METRIC_NAMES = {
    "top2": "top two answers",
    "bottom2": "bottom two answers",
    "mean": "mean score",
    INDEX_MEAN: "index",
    "share": "share of answers",
    "dont_know": "don't know",
    "option_share": "mentioned",
}
_METRIC_SIGN = {"top2": 1, "bottom2": -1, "mean": 1, INDEX_MEAN: 1, "share": 0, "option_share": 0}


def code_text(value: Any) -> str:
    """A code as text: ``1.0`` -> ``"1"``, ``"UKI"`` -> ``"UKI"``.

    >>> code_text(1.0), code_text(3), code_text("UKI"), code_text(None)
    ('1', '3', 'UKI', '')
    """
    if value is None:
        return ""
    if isinstance(value, (float, np.floating)):
        if value != value:
            return ""
        if float(value).is_integer():
            return str(int(value))
    return str(value)


def languages_of(questionnaire: Any = None) -> tuple[str, ...]:
    """The languages labels can be given in: the questionnaire's, plus ``sr-Cyrl`` where ``sr`` is one.

    >>> from trustsurvey.questionnaire import bundled
    >>> languages_of(bundled()), languages_of(None)
    (('sq', 'sr', 'en', 'sr-Cyrl'), ('en', 'sq', 'sr', 'sr-Cyrl'))
    """
    if questionnaire is None:
        return INTERFACE_LANGUAGES
    langs = tuple(getattr(questionnaire, "languages", ()) or ())
    if "sr" in langs and "sr-Cyrl" not in langs:
        langs = langs + ("sr-Cyrl",)
    return langs


class Meaning:
    """The labels and polarities of one survey in one language.

    Parameters
    ----------
    questionnaire : Questionnaire or None
        Without one, labels are the ids and higher is taken to be better.
    lang : str
        One of :func:`languages_of` the questionnaire.

    Raises
    ------
    LanguageError
        For a language the questionnaire does not declare (the message lists those it does).

    Examples
    --------
    >>> from trustsurvey.questionnaire import bundled
    >>> q = bundled()
    >>> m = Meaning(q, "en")
    >>> item = q.items[0]
    >>> m.item(item) == q.label(item, "en"), m.group("national", "all") == q.population["en"]
    (True, True)
    >>> Meaning(None, "sq").population
    'Të gjithë të anketuarit'
    >>> Meaning(q, "de")
    Traceback (most recent call last):
    ...
    trustsurvey.errors.LanguageError: lang='de' is not a language of questionnaire 'kp_trust'; choose one of sq, sr, en, sr-Cyrl
    """

    def __init__(self, questionnaire: Any = None, lang: str = "en") -> None:
        available = languages_of(questionnaire)
        if lang not in available:
            whose = (f"questionnaire {getattr(questionnaire, 'survey_id', '')!r}" if questionnaire is not None
                     else "the interface")
            raise LanguageError(f"lang={lang!r} is not a language of {whose}; choose one of {', '.join(available)}")
        self.questionnaire = questionnaire
        self.lang = lang
        self.t: Catalogue = catalogue(lang)
        self._sign_cache: dict[tuple[str, str], int] = {}

    def __repr__(self) -> str:
        sid = getattr(self.questionnaire, "survey_id", None)
        return f"Meaning({sid!r}, {self.lang!r})"

    # ------------------------------------------------------------------ text of a labels mapping
    def text(self, labels: Mapping[str, str] | None, fallback: str = "") -> str:
        """The text of a ``{lang: text}`` mapping in this language.

        ``sr-Cyrl`` falls back to the transliterated ``sr`` text; any language then
        to English, then to the first text given, then to ``fallback``.
        """
        if not labels:
            return fallback
        if self.lang in labels and labels[self.lang]:
            return labels[self.lang]
        if self.lang == "sr-Cyrl" and labels.get("sr"):
            return to_cyrillic(labels["sr"])
        if labels.get("en"):
            return labels["en"]
        return next((v for v in labels.values() if v), fallback)

    # ------------------------------------------------------------------ labels
    def _variable(self, id: str):
        q = self.questionnaire
        if q is None or not q.has_variable(id):
            return None
        return q.variable(id)

    def item(self, id: str) -> str:
        """The short label of an item, option, index, demographic or derived variable (the id if unknown)."""
        v = self._variable(id)
        if v is None:
            return str(id)
        return self.text(v.label or getattr(v, "text", None), str(id))

    def demographic(self, by: str) -> str:
        """The label of a breakdown variable (the population's name for the national rows)."""
        if by == NATIONAL:
            return self.population
        return self.item(by)

    def group(self, by: str, group: Any) -> str:
        """The label of a group: a code of a breakdown variable, or the population for the national rows."""
        if by == NATIONAL:
            return self.population
        return self.value(by, group)

    def value(self, id: str, code: Any) -> str:
        """The label of a code of a variable (the code as text if the questionnaire has no label for it)."""
        q = self.questionnaire
        text = code_text(code)
        if q is None or not q.has_variable(id):
            return text
        scale = q.scale_for(id)
        entries = []
        if scale is not None:
            entries = [*scale.codes, *scale.missing]
        entries += list(getattr(q.variable(id), "missing", ()))
        for c in entries:
            if code_text(c.code) == text:
                return self.text(c.label, text)
        return text

    def level(self, item: str, metric: str, level: Any) -> str:
        """The label of a row's level: the answer of a ``share`` row, the option of an ``option_share`` row."""
        if metric == "share":
            return self.value(item, level)
        if metric == "option_share":
            return self.item(code_text(level))
        return ""

    def metric(self, metric: str) -> str:
        """The name of a metric (a net the catalogue does not know keeps its own name)."""
        msg = _METRIC_NAMES.get(metric)
        return self.t(msg) if msg else str(metric).replace("_", " ")

    @property
    def population(self) -> str:
        """The name of the population the survey describes (its national rows)."""
        q = self.questionnaire
        name = self.text(getattr(q, "population", None)) if q is not None else ""
        return name or self.t("All respondents")

    @property
    def title(self) -> str:
        """The questionnaire's title in this language (empty without one)."""
        q = self.questionnaire
        return self.text(getattr(q, "title", None)) if q is not None else ""

    # ------------------------------------------------------------------ polarity
    def favourable(self, item: str) -> str | None:
        """Which end of an item is favourable: ``"high"``, ``"low"`` or None (no direction).

        >>> from trustsurvey.questionnaire import bundled
        >>> q = bundled()
        >>> low = [i for i in q.question_ids if q.question(i).favourable == "low"]
        >>> {Meaning(q).favourable(i) for i in low}
        {'low'}
        """
        q = self.questionnaire
        if q is None:
            return "high"
        v = self._variable(item)
        if v is None:
            return "high"
        kind = type(v).__name__
        if kind == "Index":
            return "high"
        if kind == "Option":
            return None
        own = getattr(v, "favourable", None)
        if own is not None:
            return None if own == "none" else own
        scale = q.scale_for(item)
        base = getattr(scale, "favourable", None)
        if base is not None and getattr(v, "reverse", False):
            base = "low" if base == "high" else "high"
        return base

    def _net_sign(self, item: str, metric: str) -> int:
        """+1 when a net's codes lie at the high end of the item's scale, -1 at the low end, 0 otherwise."""
        q = self.questionnaire
        scale = q.scale_for(item) if q is not None and q.has_variable(item) else None
        nets = dict(getattr(scale, "nets", {}) or {})
        if scale is None or metric not in nets or not scale.scored:
            return 0
        scores = scale.score_map()
        net = [scores[c] for c in nets[metric] if c in scores]
        if not net:
            return 0
        middle = (min(scores.values()) + max(scores.values())) / 2
        mean = float(np.mean(net))
        return 1 if mean > middle else -1 if mean < middle else 0

    def polarity(self, item: str, metric: str) -> int:
        """Favourable direction of an estimate: +1 higher is better, -1 lower is better, 0 neither.

        >>> m = Meaning(None)
        >>> m.polarity("x", "top2"), m.polarity("x", "bottom2"), m.polarity("x", "dont_know"), m.polarity("x", "share")
        (1, -1, -1, 0)
        """
        key = (str(item), str(metric))
        if key in self._sign_cache:
            return self._sign_cache[key]
        if metric == "dont_know":
            sign = -1
        else:
            fav = self.favourable(item)
            item_sign = 1 if fav == "high" else -1 if fav == "low" else 0
            msign = _METRIC_SIGN.get(metric)
            if msign is None:
                msign = self._net_sign(item, metric)
            sign = item_sign * msign
        self._sign_cache[key] = sign
        return sign

    def polarities(self, items: Iterable, metrics: Iterable) -> np.ndarray:
        """:meth:`polarity` of every row (vectorised over the distinct item x metric pairs)."""
        items = [str(i) for i in items]
        metrics = [str(m) for m in metrics]
        return np.array([self.polarity(i, m) for i, m in zip(items, metrics)], dtype=int)

    def score_range(self, item: str) -> tuple[float, float] | None:
        """``(min, max)`` of an item's scores (or an index's rescaled range); None if unscored."""
        v = self._variable(item)
        if v is None:
            return None
        if type(v).__name__ == "Index":
            r = getattr(v, "rescale", None)
            return None if r is None else (float(r[0]), float(r[1]))
        scale = self.questionnaire.scale_for(item)
        if scale is None or not scale.scored:
            return None
        lo, hi = scale.score_range
        return float(lo), float(hi)


@functools.lru_cache(maxsize=64)
def _cached(questionnaire: Any, lang: str) -> Meaning:
    return Meaning(questionnaire, lang)


def meaning(questionnaire: Any = None, lang: str = "en") -> Meaning:
    """The :class:`Meaning` of a questionnaire in ``lang`` (cached per questionnaire and language)."""
    try:
        return _cached(questionnaire, lang)
    except TypeError:  # an unhashable questionnaire-like object
        return Meaning(questionnaire, lang)
