"""A seeded simulation of the Kosovo Police trust survey.

The simulator draws a finite adult population of Kosovo (about 1.25 million
people in 38 municipalities, 8 police regions, urban and rural enumeration
areas) with demographics and the true answer of every person to every item of
the agreed data dictionary, then a stratified two-stage sample like a national
face-to-face survey (see :mod:`trustsurvey.simulate._sample`). Two annual waves,
2024 and 2025, share the population; answers change in some groups between
them (trust up in the Prizren region and among the young, procedural fairness
down in Mitrovica North, awareness of the police app up).

Everything is vectorised with a :class:`numpy.random.Generator`; the same seed
gives the same population and sample on the same numpy version.

Public functions: :func:`simulate_population`, :func:`draw_sample`,
:func:`simulate_survey`, :func:`population_truth`, :func:`population_margins`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from trustsurvey.errors import DesignError
from trustsurvey.simulate._answers import COMMENT_TEXTS, CONCERNS, simulate_answers
from trustsurvey.simulate._frame import age_group
from trustsurvey.simulate._population import build_people
from trustsurvey.simulate._sample import select_sample
from trustsurvey.simulate._truth import population_margins, population_truth

__all__ = [
    "DEFAULT_SEED",
    "WAVES",
    "SOURCE_COLUMNS",
    "ITEMS",
    "ROUTED_ITEMS",
    "SAMPLE_COLUMNS",
    "simulate_population",
    "draw_sample",
    "simulate_survey",
    "population_truth",
    "population_margins",
    "age_group",
]

#: Seed of the shipped example data.
DEFAULT_SEED = 20250
#: Waves the simulator knows.
WAVES = (2024, 2025)
#: Source column names that differ from the item ids, per wave.
SOURCE_COLUMNS: dict[int, dict[str, str]] = {
    2024: {"trust_station": "trust_local_station"},
    2025: {},
}

DESIGN_COLUMNS = ("respondent_id", "design_weight", "stratum", "psu")
DEMOGRAPHICS = (
    "region", "municipality", "settlement", "gender", "age", "ethnicity",
    "education", "employment", "interview_language",
)
#: Single-choice items in questionnaire order.
ITEMS = (
    "trust_kp", "trust_station", "satisfaction_neighbourhood", "safe_night",
    "police_visibility", "pf_respect", "pf_fair", "pf_explain", "pf_equal",
    "eff_response", "eff_crime", "eff_dv", "int_bribes", "int_political",
    "contact_12m", "contact_satisfaction", "report_crime", "cooperate",
    "lpsc_aware", "lpsc_participate", "mcsc_aware", "app_aware", "app_used",
)
#: Items asked only of some respondents, and the condition.
ROUTED_ITEMS = {
    "contact_satisfaction": ("contact_12m", 1),
    "lpsc_participate": ("lpsc_aware", 1),
    "app_used": ("app_aware", 1),
}
#: Columns of a sample, in order (item ids; see :data:`SOURCE_COLUMNS`).
SAMPLE_COLUMNS = DESIGN_COLUMNS + DEMOGRAPHICS + ITEMS + CONCERNS + ("comment_open",)


def _rng(*key: int) -> np.random.Generator:
    """An independent random stream for a tuple of integers (SFC64: fast and well tested)."""
    return np.random.Generator(np.random.SFC64(np.random.SeedSequence([int(k) for k in key])))


def _check_wave(wave: int) -> int:
    if wave not in WAVES:
        raise DesignError(f"wave={wave!r}: the simulator knows the waves {list(WAVES)}")
    return int(wave)


def simulate_population(seed: int = DEFAULT_SEED, wave: int = 2025, *, scale: float = 1.0) -> pd.DataFrame:
    """Draw the finite adult population with everyone's true answers.

    Parameters
    ----------
    seed : int
        Population seed. The demographics and the persistent part of the
        attitudes depend on it only, so both waves of one seed describe the
        same people.
    wave : int
        2024 or 2025.
    scale : float
        Fraction of the real population size (1.0 gives about 1.25 million
        adults; smaller values are for quick experiments).

    Returns
    -------
    pandas.DataFrame
        One row per adult, grouped by PSU: ``region, municipality, settlement,
        stratum, psu, gender, age, ethnicity, education, employment,
        interview_language`` (reported, with 99 for refusals), every item of
        :data:`ITEMS` (codes with 98/99; routed items are nullable and blank
        where not asked), the ``concern_*`` columns, ``comment_open``
        (categorical, missing when no comment), and the truth behind them:
        ``latent_trust``, ``ethnicity_true``, ``education_true``,
        ``employment_true``. ``attrs`` holds ``wave`` and ``seed``.

    Examples
    --------
    >>> pop = simulate_population(1, 2025, scale=0.05)
    >>> len(pop) > 60_000, pop["stratum"].nunique()
    (True, 16)
    """
    wave = _check_wave(wave)
    if not 0 < scale <= 1:
        raise DesignError(f"scale={scale!r}: give a fraction in (0, 1]")
    people = build_people(_rng(seed, 0), scale)
    answers = simulate_answers(people, wave, _rng(seed, 1), _rng(seed, wave))
    truth = {k: people.pop(k) for k in ("ethnicity_true", "education_true", "employment_true")}
    comment_codes = answers.pop("comment_open")
    latent = answers.pop("latent_trust")
    columns = {**people, **answers}
    columns["comment_open"] = pd.Categorical.from_codes(comment_codes, categories=list(COMMENT_TEXTS))
    columns["latent_trust"] = latent
    columns.update(truth)
    out = pd.DataFrame(columns)
    out.attrs.update(wave=wave, seed=int(seed))
    return out


def draw_sample(
    population: pd.DataFrame,
    seed: int = DEFAULT_SEED,
    *,
    wave: int | None = None,
    n_psu: int = 120,
    min_psu_region: int = 10,
    take: tuple[int, int] = (10, 15),
) -> pd.DataFrame:
    """Draw a stratified two-stage PPS sample and return the survey data file.

    Parameters
    ----------
    population : pandas.DataFrame
        From :func:`simulate_population`.
    seed : int
        Sample seed (combined with the wave, so the waves' samples are independent).
    wave : int, optional
        Wave of the respondent ids (2024 gives 240001, ...); default the
        population's ``attrs["wave"]``.
    n_psu : int
        Number of PSUs (about 12.5 interviews each: 120 gives about 1,500).
    min_psu_region : int
        Minimum PSUs per police region (10 gives Mitrovica North about 125 interviews).
    take : (int, int)
        Minimum and maximum interviews per PSU.

    Returns
    -------
    pandas.DataFrame
        The columns of :data:`SAMPLE_COLUMNS` (item ids, not the wave's
        source names): integer codes (``Int64`` where routing leaves blanks),
        ``design_weight`` (float, rounded to 4 decimals) and ``comment_open``
        (text, missing when empty).

    Examples
    --------
    >>> pop = simulate_population(1, 2025, scale=0.1)
    >>> s = draw_sample(pop, 1, n_psu=48, min_psu_region=4)
    >>> s["stratum"].nunique(), bool(s.groupby("psu").size().between(10, 15).all())
    (16, True)
    """
    if wave is None:
        wave = population.attrs.get("wave")
        if wave is None:
            raise DesignError("draw_sample: the population has no attrs['wave']: pass wave=2024 or wave=2025")
    wave = _check_wave(wave)
    rng = _rng(seed, wave, 2)
    rows, weight = select_sample(population, rng, n_psu=n_psu, min_psu_region=min_psu_region, take=take)
    pick = population.take(rows)
    out = {
        "respondent_id": (wave % 100) * 10_000 + np.arange(1, rows.size + 1, dtype=np.int64),
        "design_weight": np.round(weight, 4),
    }
    for col in SAMPLE_COLUMNS[2:]:
        if col == "comment_open":
            out[col] = pick[col].astype("str").to_numpy()
        elif col in ROUTED_ITEMS:
            out[col] = pick[col].astype("Int64").array
        else:
            out[col] = pick[col].to_numpy().astype(np.int64)
    frame = pd.DataFrame(out)
    frame["comment_open"] = frame["comment_open"].astype("str")
    frame.attrs.update(wave=wave, seed=int(seed))
    return frame


def simulate_survey(
    wave: int = 2025, *, seed: int = DEFAULT_SEED, source_names: bool = True
) -> pd.DataFrame:
    """The example survey file of a wave, exactly as shipped.

    Parameters
    ----------
    wave : int
        2024 or 2025.
    seed : int
        Seed of population and sample.
    source_names : bool
        Rename columns to the wave's source names (:data:`SOURCE_COLUMNS`),
        as in the shipped files.

    Returns
    -------
    pandas.DataFrame
        About 1,500 respondents.
    """
    wave = _check_wave(wave)
    sample = draw_sample(simulate_population(seed, wave), seed)
    if source_names:
        sample = sample.rename(columns=SOURCE_COLUMNS[wave])
    return sample
