"""Bundled data: the example survey, and R's ``api`` data.

**The example survey**: two simulated waves of a police public-trust survey.

The files are drawn by :mod:`trustsurvey.simulate` (``examples/make_example_data.py``
regenerates them): about 1,500 respondents per wave from a stratified
two-stage sample (16 strata = region x settlement, PPS-selected enumeration
areas, 10-15 interviews each), with the columns of the agreed data dictionary,
98/99 missing codes, blanks where routing skipped a question, and
``design_weight`` the base weight (not adjusted for nonresponse). In the 2024
file one item has its source name (the questionnaire's ``columns``).

**R's api data** (:func:`load_api`): the California Academic Performance Index
data sets of R's ``survey`` package (GPL-2 or later; see ``data/api/PROVENANCE.md``),
the population ``apipop`` and four samples from it, so that every example of R's
survey documentation can be run here and compared number by number.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pandas as pd

from trustsurvey.errors import TrustSurveyError

__all__ = ["EXAMPLE_WAVES", "example_path", "load_example", "API_DATASETS", "api_path", "load_api"]

#: Waves of the bundled example.
EXAMPLE_WAVES = (2024, 2025)
#: R's api data sets (survey package), with their designs as R's documentation declares them.
API_DATASETS = {
    "apipop": "the population: 6194 California schools with at least 100 students",
    "apisrs": "simple random sample of 200 schools: Survey(df, fpc='fpc')",
    "apistrat": "stratified by school type: Survey(df, weights='pw', strata='stype', fpc='fpc')",
    "apiclus1": "cluster sample of 15 school districts: Survey(df, weights='pw', psu='dnum', fpc='fpc')",
    "apiclus2": ("two-stage sample of districts, then schools: "
                 "Survey(df, weights='pw', psu=('dnum', 'snum'), fpc=('fpc1', 'fpc2'))"),
}
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


def api_path(name: str = "apistrat") -> Path:
    """Path of one of R's api data files (gzipped CSV).

    >>> api_path("apiclus1").name
    'apiclus1.csv.gz'
    """
    if name not in API_DATASETS:
        raise TrustSurveyError(f"api data set {name!r} is not bundled; choose one of {', '.join(API_DATASETS)}")
    return Path(str(resources.files("trustsurvey").joinpath("data", "api", f"{name}.csv.gz")))


def load_api(name: str = "apistrat") -> pd.DataFrame:
    """One of R's ``api`` data sets (``data(api)`` of R's survey package) as a DataFrame.

    Column names are R's with ``.`` written as ``_`` (``sch_wide``, ``api_stu``);
    R's factors are text columns (``stype`` is ``"E"``, ``"H"`` or ``"M"``; the
    yes/no targets ``"No"``/``"Yes"``); missing values are NA. The samples carry the
    sampling weight ``pw`` and the finite population corrections R's examples use.

    Parameters
    ----------
    name : {"apistrat", "apisrs", "apiclus1", "apiclus2", "apipop"}
        See :data:`API_DATASETS` for each one's design.

    Returns
    -------
    pandas.DataFrame

    Examples
    --------
    >>> import trustsurvey as ts
    >>> df = ts.datasets.load_api("apistrat")
    >>> df.shape, sorted(df["stype"].unique())
    ((200, 39), ['E', 'H', 'M'])
    >>> s = ts.Survey(df, weights="pw", strata="stype", fpc="fpc")   # R: svydesign(id=~1, strata=~stype, ...)
    >>> round(float(s.mean("api00").to_frame()["estimate"][0]), 3)
    662.287
    """
    return pd.read_csv(api_path(name), compression="gzip", encoding="utf-8")
