"""The meaning layer and the interface catalogue.

- :mod:`~trustsurvey.labels.meaning`: from a questionnaire and a language, the
  label of any item, metric, level, demographic and group, the population's name,
  each item's polarity (:class:`Meaning`);
- :mod:`~trustsurvey.labels.catalogue`: every word of the interface, one gettext
  catalogue per language (:func:`catalogue`);
- :mod:`~trustsurvey.labels.transliterate`: Serbian Latin to Cyrillic;
- :mod:`~trustsurvey.labels.numbers`: numbers, percentages and p-values in the
  conventions of each language.
"""

from __future__ import annotations

from .catalogue import Catalogue, catalogue, catalogue_languages, fill, has_catalogue
from .meaning import Meaning, code_text, languages_of, meaning
from .transliterate import to_cyrillic

__all__ = ["Meaning", "meaning", "languages_of", "code_text", "Catalogue", "catalogue", "catalogue_languages",
           "has_catalogue", "fill", "to_cyrillic"]
