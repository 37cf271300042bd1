"""The bundled example survey: two simulated waves of a police public-trust survey.

The files are drawn by :mod:`trustsurvey.simulate` (``examples/make_example_data.py``
regenerates them): about 1,500 respondents per wave from a stratified
two-stage sample (16 strata = region x settlement, PPS-selected enumeration
areas, 10-15 interviews each), with the columns of the agreed data dictionary,
98/99 missing codes, blanks where routing skipped a question, and
``design_weight`` the base weight (not adjusted for nonresponse). In the 2024
file one item has its source name (the questionnaire's ``columns``).
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pandas as pd

from trustsurvey.errors import TrustSurveyError

__all__ = ["EXAMPLE_WAVES", "example_path", "load_example"]

#: Waves of the bundled example.
EXAMPLE_WAVES = (2024, 2025)
_FORMATS = ("csv", "sav")


def example_path(wave: int = 2025, fmt: str = "csv") -> Path:
    """Path of a bundled example file.

    Parameters
    ----------
    wave : int
        2024 or 2025.
    fmt : {"csv", "sav"}
        UTF-8 CSV, or SPSS with variable and value labels (98/99 declared
        user-missing: read it with ``pyreadstat.read_sav(path, user_missing=True)``).

    Returns
    -------
    pathlib.Path

    Examples
    --------
    >>> example_path(2024, "sav").name
    'kp_trust_2024.sav'
    """
    if wave not in EXAMPLE_WAVES:
        raise TrustSurveyError(f"wave={wave!r}: the bundled example has the waves {list(EXAMPLE_WAVES)}")
    if fmt not in _FORMATS:
        raise TrustSurveyError(f"fmt={fmt!r}: choose one of {list(_FORMATS)}")
    return Path(str(resources.files("trustsurvey").joinpath("data", "examples", f"kp_trust_{wave}.{fmt}")))


def load_example(wave: int = 2025, *, raw: bool = True):
    """Load a wave of the bundled example survey.

    Parameters
    ----------
    wave : int
        2024 or 2025.
    raw : bool
        True: the data file as it is (a DataFrame); False: the validated
        :class:`~trustsurvey.Survey` (read against the bundled questionnaire, design
        weights, missing codes as NA), as :func:`trustsurvey.read_survey` returns it.

    Returns
    -------
    pandas.DataFrame or Survey
        One row per respondent, columns as in the file: integer codes
        (``Int64`` for the questions that routing skips, blank where not
        asked), ``design_weight`` (float) and the open questions (text,
        missing when empty).

    Examples
    --------
    >>> df = load_example(2025)
    >>> len(df) > 1400, df["stratum"].nunique(), int(df["design_weight"].sum().round(-3))
    (True, 16, 1246000)
    >>> list(load_example(2024).columns) == list(load_example(2025).columns)  # a renamed column
    False
    """
    from .questionnaire import bundled

    if not raw:
        from .io import read_survey

        return read_survey(example_path(wave, "csv"), bundled(), wave=wave)
    path = example_path(wave, "csv")
    q = bundled()
    source = {item: column for column, item in q.column_map(wave).items()}
    dtype = {source.get(c, c): "Int64" for c in q.routing}  # routed questions: blank where not asked
    dtype.update({source.get(c, c): "str" for c in q.text_ids})
    return pd.read_csv(path, dtype=dtype, encoding="utf-8")
