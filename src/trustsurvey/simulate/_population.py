"""Demographics and enumeration areas of the simulated adult population.

Everything here is vectorised over persons; the only Python loop runs over the
70 municipality x settlement cells to cut them into enumeration areas.
"""

from __future__ import annotations

import numpy as np

from trustsurvey.simulate import _frame as F

#: Mean number of adults in an enumeration area (PSU); areas hold about
#: 0.6-1.4 times this.
EA_MEAN_SIZE = 200


def _cells(scale: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Municipality code, settlement and adult count of each populated cell."""
    adults = np.rint(F.MUNICIPALITY_POPULATION * F.ADULT_SHARE * scale).astype(np.int64)
    urban = np.rint(adults * F.URBAN_SHARE).astype(np.int64)
    counts = np.column_stack([urban, adults - urban]).ravel()
    muni = np.repeat(F.MUNICIPALITY_CODES, 2)
    settlement = np.tile(np.array([1, 2], dtype=np.int8), F.MUNICIPALITY_CODES.size)
    keep = counts > 0
    return muni[keep], settlement[keep], counts[keep]


def _enumeration_areas(rng: np.random.Generator, counts: np.ndarray) -> list[np.ndarray]:
    """Cut each cell's adults into areas of about :data:`EA_MEAN_SIZE` adults."""
    sizes = []
    for n in counts:
        k = max(1, int(round(n / EA_MEAN_SIZE)))
        w = rng.uniform(0.6, 1.4, k)
        edges = np.rint(n * np.concatenate([[0.0], np.cumsum(w) / w.sum()])).astype(np.int64)
        sizes.append(np.diff(edges))
    return sizes


def _pick(rng: np.random.Generator, cum: np.ndarray) -> np.ndarray:
    """Row-wise categorical draw (codes 1..k) from cumulative probabilities."""
    u = rng.random(cum.shape[0], dtype=np.float32)
    return (u[:, None] > cum[:, :-1]).sum(axis=1).astype(np.int8) + 1


def build_people(rng: np.random.Generator, scale: float = 1.0) -> dict[str, np.ndarray]:
    """Draw the adult population's demographics.

    Parameters
    ----------
    rng : numpy.random.Generator
        The demographic stream (the same for every wave).
    scale : float
        Fraction of the real population size to draw (1.0: about 1.25
        million adults).

    Returns
    -------
    dict of numpy arrays, one entry per person and column
        ``municipality, region, settlement, stratum, psu, gender, age,
        ethnicity_true, ethnicity, education, employment,
        interview_language``.
    """
    muni_cell, settle_cell, counts = _cells(scale)
    ea_sizes = _enumeration_areas(rng, counts)
    n_ea = np.array([s.size for s in ea_sizes])
    sizes = np.concatenate(ea_sizes)
    ea_muni = np.repeat(muni_cell, n_ea)
    ea_settlement = np.repeat(settle_cell, n_ea)
    # PSU ids: municipality * 1000 + running number within the municipality.
    first = np.r_[True, ea_muni[1:] != ea_muni[:-1]]
    start = np.flatnonzero(first)
    running = np.arange(sizes.size) - np.repeat(start, np.diff(np.r_[start, sizes.size])) + 1
    ea_id = ea_muni.astype(np.int32) * 1000 + running.astype(np.int32)

    n = int(sizes.sum())
    ea_index = np.repeat(np.arange(sizes.size), sizes)
    municipality = ea_muni[ea_index].astype(np.int16)
    region = (municipality // 100).astype(np.int8)
    settlement = ea_settlement[ea_index].astype(np.int8)
    psu = ea_id[ea_index]

    age = rng.choice(F.AGES, size=n, p=F.AGE_PROBABILITIES).astype(np.int8)
    p_female = np.where(age >= 70, 0.56, 0.495)
    gender = np.where(rng.random(n) < p_female, 2, 1).astype(np.int8)

    # Ethnicity is segregated by area: each EA's mix is a Dirichlet draw around
    # its municipality's composition, so minorities live in a few areas.
    row = np.searchsorted(F.MUNICIPALITY_CODES, ea_muni)
    alpha = 4.0 * F.ETHNIC_COMPOSITION[row] + 1e-4
    mix = rng.gamma(alpha)
    mix /= mix.sum(axis=1, keepdims=True)
    cum_ea = np.cumsum(mix, axis=1).astype(np.float32)
    ethnicity_true = _pick(rng, cum_ea[ea_index])

    minority = ethnicity_true != 1
    rae = ethnicity_true == 5
    female = gender == 2
    urban = settlement == 1
    z = rng.standard_normal(n, dtype=np.float32)
    edu_latent = (
        z
        + 0.45 * urban
        - 0.022 * (age - 45)
        - 0.35 * (female & (age >= 50))
        - 0.9 * rae
        - 0.15 * (minority & ~rae)
    )
    edu = (1 + (edu_latent > -0.45) + (edu_latent > 0.95)).astype(np.int8)

    young = age <= 24
    p_student = np.select(
        [age <= 21, age <= 24, age <= 29], [0.62, 0.40, 0.10], 0.0
    ) * np.where(edu == 1, 0.3, 1.0)
    p_retired = np.select([age >= 65, age >= 60], [np.where(female, 0.55, 0.85), 0.2], 0.01)
    rest = 1.0 - p_student - p_retired
    emp = np.where(female, 0.20, 0.52) + 0.22 * (edu == 3) - 0.15 * (edu == 1)
    emp = np.clip(emp + 0.05 * urban - 0.15 * young, 0.03, 0.95)
    p_employed = rest * emp
    p_unemployed = rest * (1 - emp) * np.where(female, 0.30, 0.65)
    cum = np.column_stack(
        [p_employed, p_employed + p_unemployed, p_employed + p_unemployed + p_student,
         p_employed + p_unemployed + p_student + p_retired, np.ones(n)]
    ).astype(np.float32)
    employment = _pick(rng, cum)

    # Interview language follows ethnicity: 1 Albanian, 2 Serbian, 3 Turkish, 4 Bosnian.
    u = rng.random(n, dtype=np.float32)
    north = region == 6
    language = np.select(
        [
            ethnicity_true == 2,
            ethnicity_true == 3,
            ethnicity_true == 4,
            rae,
            ethnicity_true == 6,
            ethnicity_true == 7,
        ],
        [
            2,
            np.where(u < 0.85, 4, np.where(north, 2, 1)),
            np.where(u < 0.85, 3, 1),
            np.where(north | (u < 0.2), 2, 1),
            np.where(u < 0.7, 4, 2),
            np.where(north | (u < 0.3), 2, 1),
        ],
        1,
    ).astype(np.int8)

    # Reported demographics: a few refuse to give ethnicity, education or employment.
    u = rng.random((3, n), dtype=np.float32)
    ethnicity = np.where(u[0] < 0.004, 99, ethnicity_true).astype(np.int8)
    education = np.where(u[1] < 0.004, 99, edu).astype(np.int8)
    employment_rep = np.where(u[2] < 0.003, 99, employment).astype(np.int8)

    return {
        "region": region,
        "municipality": municipality,
        "settlement": settlement,
        "stratum": (region.astype(np.int16) * 10 + settlement).astype(np.int8),
        "psu": psu,
        "gender": gender,
        "age": age,
        "ethnicity_true": ethnicity_true,
        "ethnicity": ethnicity,
        "education_true": edu,
        "education": education,
        "employment_true": employment,
        "employment": employment_rep,
        "interview_language": language,
    }
