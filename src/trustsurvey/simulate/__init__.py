"""A seeded survey simulator driven by a spec file; by default the bundled example survey.

The simulator draws a finite adult population (areas, sub-areas, urban and
rural enumeration areas) with demographics and the true answer of every
person to every item, then a stratified two-stage sample like a national
face-to-face survey (see :mod:`trustsurvey.simulate._sample`). The code is
generic: a simulation spec (:class:`SimulationSpec`, read by
:func:`load_spec`) gives the population tables, the formulas of the
demographic and answer models, the changes between waves, the sample design
and the export labels. Without a ``spec`` argument every function uses the
bundled example survey's spec, ``data/examples/simulation.yaml``, which
produced the shipped example data (two annual waves of one population, with
changes planted between them).

Everything is vectorised with a :class:`numpy.random.Generator`; the same seed
gives the same population and sample on the same numpy version.

Public functions: :func:`simulate_population`, :func:`draw_sample`,
:func:`simulate_survey`, :func:`population_truth`, :func:`population_margins`,
:func:`age_group`, :func:`load_spec`, :func:`default_spec`. The constants
``DEFAULT_SEED``, ``WAVES``, ``SOURCE_COLUMNS``, ``ITEMS``, ``ROUTED_ITEMS``,
``SAMPLE_COLUMNS`` and ``CONCERNS`` are those of the bundled example's spec (read on first use).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from trustsurvey.errors import DesignError
from trustsurvey.simulate._answers import simulate_answers
from trustsurvey.simulate._population import build_people
from trustsurvey.simulate._sample import select_sample
from trustsurvey.simulate._spec import SimulationSpec, age_group, default_spec, load_spec, resolve_spec
from trustsurvey.simulate._truth import population_margins, population_truth

__all__ = [
    "DEFAULT_SEED",
    "WAVES",
    "SOURCE_COLUMNS",
    "ITEMS",
    "ROUTED_ITEMS",
    "SAMPLE_COLUMNS",
    "SimulationSpec",
    "load_spec",
    "default_spec",
    "simulate_population",
    "draw_sample",
    "simulate_survey",
    "population_truth",
    "population_margins",
    "age_group",
]

SpecLike = SimulationSpec | str | Path | None

# The bundled example's constants, computed from its spec on first use (no file is read at import).
_CONSTANTS = {
    # Seed of the shipped example data.
    "DEFAULT_SEED": lambda s: s.seed,
    # Waves the simulator knows.
    "WAVES": lambda s: s.waves,
    # Source column names that differ from the item ids, per wave.
    "SOURCE_COLUMNS": lambda s: {w: dict(m) for w, m in s.source_columns.items()},
    # Single-choice items in questionnaire order.
    "ITEMS": lambda s: s.item_ids,
    # Items asked only of some respondents: item -> (filter item, value).
    "ROUTED_ITEMS": lambda s: dict(s.routing),
    # Columns of a sample, in order (item ids; see SOURCE_COLUMNS).
    "SAMPLE_COLUMNS": lambda s: s.sample_columns,
    # The multiple-response columns, the exclusive "none" option last.
    "CONCERNS": lambda s: s.multiple_response,
}


def __getattr__(name: str) -> Any:
    if name in _CONSTANTS:
        return _CONSTANTS[name](default_spec())
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_CONSTANTS))


def _rng(*key: int) -> np.random.Generator:
    """An independent random stream for a tuple of integers (SFC64: fast and well tested)."""
    return np.random.Generator(np.random.SFC64(np.random.SeedSequence([int(k) for k in key])))


def _check_wave(wave: int | None, spec: SimulationSpec) -> int:
    if wave is None:
        return spec.waves[-1]
    if wave not in spec.waves:
        raise DesignError(f"wave={wave!r}: the simulator knows the waves {list(spec.waves)} ({spec.source})")
    return int(wave)


def simulate_population(
    seed: int | None = None, wave: int | None = None, *, scale: float = 1.0, spec: SpecLike = None
) -> pd.DataFrame:
    """Draw the finite adult population with everyone's true answers.

    Parameters
    ----------
    seed : int, optional
        Population seed (default the spec's seed). The demographics and the
        persistent part of the attitudes depend on it only, so all waves of
        one seed describe the same people.
    wave : int, optional
        One of the spec's waves (default the last).
    scale : float
        Fraction of the real population size (smaller values are for quick
        experiments).
    spec : SimulationSpec, str or Path, optional
        The simulation spec or its file (default the bundled example's).

    Returns
    -------
    pandas.DataFrame
        One row per adult, grouped by PSU: the area, sub-area, settlement,
        stratum and PSU columns, the spec's ``people.columns`` (reported, with
        refusal codes), every item (codes with the missing codes; routed items
        are nullable and blank where not asked), the multiple-response
        columns, the comment column (categorical, missing when no comment),
        and the truth behind them: the spec's latent columns and
        ``people.truth`` columns. ``attrs`` holds ``wave`` and ``seed``.

    Examples
    --------
    >>> pop = simulate_population(1, 2025, scale=0.05)
    >>> len(pop) > 60_000, pop["stratum"].nunique()
    (True, 16)
    """
    spec = resolve_spec(spec)
    seed = spec.seed if seed is None else seed
    wave = _check_wave(wave, spec)
    if not 0 < scale <= 1:
        raise DesignError(f"scale={scale!r}: give a fraction in (0, 1]")
    people = build_people(_rng(seed, 0), spec, scale)
    answers = simulate_answers(people, wave, _rng(seed, 1), _rng(seed, wave), spec)
    truth = {k: people.pop(k) for k in spec.truth_columns}
    comment_codes = answers.pop(spec.comment_column)
    latent = {k: answers.pop(k) for k in spec.latent_columns}
    columns = {**people, **answers}
    columns[spec.comment_column] = pd.Categorical.from_codes(comment_codes, categories=list(spec.comment_categories))
    columns.update(latent)
    columns.update(truth)
    out = pd.DataFrame(columns)
    out.attrs.update(wave=wave, seed=int(seed))
    return out


def draw_sample(
    population: pd.DataFrame,
    seed: int | None = None,
    *,
    wave: int | None = None,
    n_psu: int | None = None,
    min_psu_region: int | None = None,
    take: tuple[int, int] | None = None,
    spec: SpecLike = None,
) -> pd.DataFrame:
    """Draw a stratified two-stage PPS sample and return the survey data file.

    Parameters
    ----------
    population : pandas.DataFrame
        From :func:`simulate_population`.
    seed : int, optional
        Sample seed (combined with the wave, so the waves' samples are
        independent); default the spec's seed.
    wave : int, optional
        Wave of the respondent ids (2024 gives 240001, ...); default the
        population's ``attrs["wave"]``.
    n_psu : int, optional
        Number of PSUs (default the spec's ``sample.n_psu``).
    min_psu_region : int, optional
        Minimum PSUs per area (default the spec's ``sample.min_psu_per_area``).
    take : (int, int), optional
        Minimum and maximum interviews per PSU (default the spec's ``sample.take``).
    spec : SimulationSpec, str or Path, optional
        The simulation spec (default the bundled example's).

    Returns
    -------
    pandas.DataFrame
        The columns of :data:`SAMPLE_COLUMNS` (item ids, not the wave's
        source names): integer codes (``Int64`` where routing leaves blanks),
        the design weight (float, rounded to 4 decimals) and the comment
        column (text, missing when empty).

    Examples
    --------
    >>> pop = simulate_population(1, 2025, scale=0.1)
    >>> s = draw_sample(pop, 1, n_psu=48, min_psu_region=4)
    >>> s["stratum"].nunique(), bool(s.groupby("psu").size().between(10, 15).all())
    (16, True)
    """
    spec = resolve_spec(spec)
    seed = spec.seed if seed is None else seed
    if wave is None:
        wave = population.attrs.get("wave")
        if wave is None:
            raise DesignError("draw_sample: the population has no attrs['wave']: pass wave= one of "
                              f"{list(spec.waves)}")
    wave = _check_wave(wave, spec)
    rng = _rng(seed, wave, 2)
    rows, weight = select_sample(
        population, rng, spec,
        n_psu=spec.n_psu if n_psu is None else n_psu,
        min_psu_region=spec.min_psu_per_area if min_psu_region is None else min_psu_region,
        take=spec.take if take is None else take,
    )
    pick = population.take(rows)
    columns = spec.sample_columns
    out = {
        columns[0]: (wave % 100) * 10_000 + np.arange(1, rows.size + 1, dtype=np.int64),
        columns[1]: np.round(weight, 4),
    }
    for col in columns[2:]:
        if col == spec.comment_column:
            out[col] = pick[col].astype("str").to_numpy()
        elif col in spec.routing:
            out[col] = pick[col].astype("Int64").array
        else:
            out[col] = pick[col].to_numpy().astype(np.int64)
    frame = pd.DataFrame(out)
    frame[spec.comment_column] = frame[spec.comment_column].astype("str")
    frame.attrs.update(wave=wave, seed=int(seed))
    return frame


def simulate_survey(
    wave: int | None = None, *, seed: int | None = None, source_names: bool = True, spec: SpecLike = None
) -> pd.DataFrame:
    """The example survey file of a wave, exactly as shipped.

    Parameters
    ----------
    wave : int, optional
        One of the spec's waves (default the last).
    seed : int, optional
        Seed of population and sample (default the spec's seed).
    source_names : bool
        Rename columns to the wave's source names (:data:`SOURCE_COLUMNS`),
        as in the shipped files.
    spec : SimulationSpec, str or Path, optional
        The simulation spec (default the bundled example's).

    Returns
    -------
    pandas.DataFrame
        One row per respondent.
    """
    spec = resolve_spec(spec)
    wave = _check_wave(wave, spec)
    seed = spec.seed if seed is None else seed
    sample = draw_sample(simulate_population(seed, wave, spec=spec), seed, spec=spec)
    if source_names:
        sample = sample.rename(columns=spec.source_columns[wave])
    return sample
