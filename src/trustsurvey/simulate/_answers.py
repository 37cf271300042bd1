"""Answers of every person to every item, from a latent trust model.

A person's latent trust is a national level plus demographic effects (Kosovo
Serbs markedly lower, especially in the north; the young lower; some regions
differ), an enumeration-area (PSU) effect, a persistent personal component
and wave noise. Item families load on it: procedural fairness, effectiveness
and integrity each add a factor of their own; integrity items are agreement
with negative statements ("some officers take bribes"), so agreement means
low trust. Latent responses are cut into 5- or 4-point codes by fixed
thresholds; then don't know (98) and refusal (99) replace some answers, and
routing blanks questions that were not asked.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from trustsurvey.simulate._frame import age_group

#: The five-point cut points on the latent response scale (codes 1..5).
CUTS5 = np.array([-1.45, -0.75, -0.2, 1.25], dtype=np.float32)
#: The four-point cut points (codes 1..4).
CUTS4 = np.array([-1.3, -0.55, 1.0], dtype=np.float32)

# Region effects on latent trust, by wave (1 Prishtina ... 8 Ferizaj).
_REGION_EFFECT = {
    2024: np.array([0, -0.10, -0.25, 0.05, 0.15, 0.0, -0.40, 0.05, 0.10], dtype=np.float32),
    2025: np.array([0, -0.08, 0.10, 0.05, 0.15, 0.0, -0.40, 0.05, 0.10], dtype=np.float32),
}
# Effect of age group 1..6 (18-24 ... 65+), by wave: trust rises among the young in 2025.
_AGE_EFFECT = {
    2024: np.array([0, -0.45, -0.25, -0.08, 0.0, 0.12, 0.25], dtype=np.float32),
    2025: np.array([0, -0.15, -0.05, -0.05, 0.0, 0.12, 0.25], dtype=np.float32),
}
# Ethnicity 1..7 (Albanian, Serb, Bosniak, Turkish, RAE, Gorani, other).
_ETHNIC_EFFECT = np.array([0, 0.0, -1.25, -0.15, 0.10, -0.35, -0.25, -0.1], dtype=np.float32)
#: Procedural fairness shift in Mitrovica North (region 6), by wave: down in 2025.
_PF_NORTH = {2024: 0.3, 2025: -0.35}
#: Share aware of the "Lajmëro Policinë" app (intercept on the logit scale), by wave.
_APP_AWARE_LOGIT = {2024: -2.3, 2025: -1.8}

# item: (don't-know base rate, refusal base rate)
_MISSING = {
    "trust_kp": (0.02, 0.008),
    "trust_station": (0.035, 0.008),
    "satisfaction_neighbourhood": (0.035, 0.008),
    "safe_night": (0.012, 0.006),
    "police_visibility": (0.03, 0.006),
    "pf_respect": (0.045, 0.008),
    "pf_fair": (0.06, 0.01),
    "pf_explain": (0.07, 0.01),
    "pf_equal": (0.06, 0.012),
    "eff_response": (0.07, 0.008),
    "eff_crime": (0.06, 0.008),
    "eff_dv": (0.11, 0.01),
    "int_bribes": (0.08, 0.015),
    "int_political": (0.07, 0.015),
    "contact_12m": (0.004, 0.006),
    "contact_satisfaction": (0.02, 0.008),
    "report_crime": (0.04, 0.008),
    "cooperate": (0.05, 0.008),
    "lpsc_aware": (0.07, 0.006),
    "lpsc_participate": (0.01, 0.006),
    "mcsc_aware": (0.08, 0.006),
    "app_aware": (0.06, 0.006),
    "app_used": (0.01, 0.006),
}

CONCERNS = (
    "concern_theft",
    "concern_drugs",
    "concern_traffic",
    "concern_domestic_violence",
    "concern_corruption",
    "concern_youth_violence",
    "concern_ethnic_tension",
    "concern_none",
)

#: Open comments by language (sq, sr, en). The last Albanian one starts with
#: "=" (and is drawn rarely) so that spreadsheet export can be checked for
#: formula escaping.
COMMENTS = {
    "sq": (
        "Policia duhet të patrullojë më shpesh natën.",
        "Jam i kënaqur me punën e policisë në lagjen tonë.",
        "Policia vjen shumë vonë kur e thërret.",
        "Duhet më shumë polici afër shkollave.",
        "Trafiku është problem i madh, shpejtësia duhet të kontrollohet.",
        "Policët janë të sjellshëm, por nuk ka mjaft prej tyre.",
        "Korrupsioni ende ekziston, sidomos në trafik.",
        'Aplikacioni "Lajmëro Policinë" është i dobishëm, por pak njerëz e dinë.',
        "Nuk kam asnjë koment.",
        "=Më shumë patrulla, më pak fjalë.",
    ),
    "sr": (
        "Policija treba više da razgovara sa građanima.",
        "Ne osećam se bezbedno noću na ulici.",
        "Policajci su ljubazni, ali spori.",
        "Potrebno je više policajaca koji govore srpski.",
        "Saobraćaj je najveći problem u našem mestu.",
    ),
    "en": (
        "More patrols near the school, please.",
        "The police helped me quickly when my car was stolen.",
        "Corruption is still a problem, especially with traffic fines.",
        "Good work overall, keep it up.",
    ),
}
COMMENT_TEXTS = tuple(t for lang in ("sq", "sr", "en") for t in COMMENTS[lang])


@lru_cache(maxsize=1)
def _normal_table() -> np.ndarray:
    """Standard normal quantiles at the midpoints of 65,536 equal-probability bins."""
    from scipy.special import ndtri

    return ndtri((np.arange(65536) + 0.5) / 65536).astype(np.float32)


def normals(rng: np.random.Generator, shape: int | tuple[int, ...]) -> np.ndarray:
    """Standard normal draws (float32) by table look-up of 16-bit uniforms.

    Four times faster than :meth:`numpy.random.Generator.standard_normal` and
    accurate to the 1/65,536 quantile (tails end at +-4.3), which is plenty
    for a simulation.
    """
    return _normal_table()[rng.integers(0, 65536, size=shape, dtype=np.uint16)]


def _logistic(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float32)
    return np.float32(1.0) / (np.float32(1.0) + np.exp(-x))


def _ordinal(ystar: np.ndarray, cuts: np.ndarray) -> np.ndarray:
    """Codes 1..len(cuts)+1: one plus the number of cut points below the latent value."""
    code = np.ones(ystar.shape, dtype=np.int8)
    for c in cuts:
        code += ystar > c
    return code


def _masked(values: np.ndarray, asked: np.ndarray):
    """A nullable Int8 array: blank where the question was not asked."""
    import pandas as pd

    return pd.arrays.IntegerArray(np.where(asked, values, 0).astype(np.int8), ~asked)


def simulate_answers(
    people: dict[str, np.ndarray],
    wave: int,
    rng_person: np.random.Generator,
    rng_wave: np.random.Generator,
) -> dict[str, object]:
    """Draw every item's answer for every person.

    Parameters
    ----------
    people : dict of arrays
        From :func:`trustsurvey.simulate._population.build_people`.
    wave : int
        2024 or 2025 (the year selects the wave effects).
    rng_person : numpy.random.Generator
        Stream of the persistent components (PSU and person effects), the same
        for every wave so that the population keeps its character.
    rng_wave : numpy.random.Generator
        Stream of this wave's noise.

    Returns
    -------
    dict
        ``latent_trust`` (float32) and one array per item, concern and
        ``comment_open`` (integer template index, -1 for no comment).
    """
    n = people["age"].size
    psu_ids, psu_index = np.unique(people["psu"], return_inverse=True)
    n_psu = psu_ids.size
    region = people["region"]
    eth = people["ethnicity_true"]
    ag = age_group(people["age"])
    edu = people["education_true"]

    def ind(mask: np.ndarray) -> np.ndarray:
        return mask.astype(np.float32)

    # 0/1 indicators as float32, so arithmetic stays in single precision.
    female = ind(people["gender"] == 2)
    male = 1 - female
    urban = ind(people["settlement"] == 1)
    rural = 1 - urban
    serb = ind(eth == 2)
    north = ind(region == 6)
    other_minority = ind((eth != 1) & (eth != 2))
    young = ind(ag <= 2)
    old = ind(ag == 6)
    tertiary = ind(edu == 3)
    primary = ind(edu == 1)
    prishtina = ind(region == 1)

    # Persistent components (same in both waves).
    psu_trust = 0.28 * normals(rng_person, n_psu)
    psu_visibility = 0.55 * normals(rng_person, n_psu)
    psu_safety = 0.35 * normals(rng_person, n_psu)
    person = normals(rng_person, (4, n))
    # Wave components.
    psu_wave = 0.12 * normals(rng_wave, n_psu)
    z = normals(rng_wave, (26, n))

    trust = (
        0.27
        + _REGION_EFFECT[wave][region]
        + _AGE_EFFECT[wave][ag]
        + _ETHNIC_EFFECT[eth]
        - 0.45 * serb * north
        + 0.05 * female
        - 0.10 * urban
        - 0.10 * tertiary
        + psu_trust[psu_index]
        + psu_wave[psu_index]
        + 0.62 * person[0]
        + 0.45 * z[0]
    ).astype(np.float32)

    pf = 0.8 * trust + 0.5 * person[1] + 0.35 * z[1] + _PF_NORTH[wave] * north
    eff = 0.75 * trust + 0.45 * person[2] + 0.4 * z[2]
    integrity = 0.55 * trust + 0.55 * person[3] + 0.5 * z[3] - 0.2
    safety = (
        0.62 + 0.3 * trust - 0.45 * female - 0.25 * urban - 0.3 * old
        - 0.35 * serb * north + psu_safety[psu_index] + 0.8 * z[4]
    )
    visibility = (
        -0.72 + 0.7 * urban + 0.25 * prishtina - 0.2 * north + 0.15 * trust
        + psu_visibility[psu_index] + 0.7 * z[5]
    )

    out: dict[str, object] = {"latent_trust": trust}

    # One noise row per latent item below (rows 6-19, in this order); rows
    # 20-25 drive contact satisfaction, civic engagement, don't-know and
    # refusal propensities and the concerns.
    item_noise = iter(z[6:20])
    z_contact, civic, z_dk, z_ref, z_worry, z_traffic = z[20:26]

    def nxt(latent, shift, noise=0.6, cuts=CUTS5):
        return _ordinal(latent + np.float32(shift) + np.float32(noise) * next(item_noise), cuts)

    out["trust_kp"] = nxt(trust, 0.0, 0.45)
    out["trust_station"] = nxt(trust, -0.05, 0.6)
    out["satisfaction_neighbourhood"] = nxt(trust, -0.1, 0.7)
    out["safe_night"] = _ordinal(safety, CUTS4)
    out["police_visibility"] = _ordinal(visibility, CUTS5)
    out["pf_respect"] = nxt(pf, 0.15)
    out["pf_fair"] = nxt(pf, -0.05)
    out["pf_explain"] = nxt(pf, -0.25)
    out["pf_equal"] = nxt(pf - 0.6 * serb - 0.35 * other_minority, -0.05)
    out["eff_response"] = nxt(eff - 0.25 * rural, -0.05)
    out["eff_crime"] = nxt(eff, 0.0)
    out["eff_dv"] = nxt(eff, 0.05)
    # Integrity: a clean-police latent cut into codes, then reversed to
    # agreement with the negative statement (agree = low integrity).
    out["int_bribes"] = (6 - nxt(integrity, -0.64)).astype(np.int8)
    out["int_political"] = (6 - nxt(integrity, -1.3)).astype(np.int8)
    out["report_crime"] = nxt(trust, 0.2, 0.8, CUTS4)
    out["cooperate"] = nxt(trust, -0.08, 0.8, CUTS4)
    if next(item_noise, None) is not None:
        raise RuntimeError("simulate_answers: a noise row was left unused")  # pragma: no cover

    u = rng_wave.random((12, n), dtype=np.float32)
    contact = u[0] < _logistic(-1.35 + 0.45 * male + 0.3 * young + 0.2 * urban - 0.3 * old)
    out["contact_12m"] = np.where(contact, 1, 2).astype(np.int8)
    out["contact_satisfaction"] = _ordinal(0.85 * trust + 0.8 * z_contact - 0.05, CUTS5)
    lpsc = u[1] < _logistic(-1.35 + 0.6 * civic + 0.25 * male + 0.2 * rural + 0.15 * ind(ag >= 4) + 0.1 * trust)
    out["lpsc_aware"] = np.where(lpsc, 1, 2).astype(np.int8)
    out["lpsc_participate"] = np.where(u[2] < _logistic(-1.6 + 0.6 * civic), 1, 2).astype(np.int8)
    mcsc = u[3] < _logistic(-1.75 + 0.8 * civic + 0.3 * ind(lpsc) + 0.2 * male)
    out["mcsc_aware"] = np.where(mcsc, 1, 2).astype(np.int8)
    app = u[4] < _logistic(
        _APP_AWARE_LOGIT[wave] + 0.45 * young + 0.4 * urban + 0.35 * prishtina
        + 0.35 * tertiary - 0.6 * serb + 0.3 * civic
    )
    out["app_aware"] = np.where(app, 1, 2).astype(np.int8)
    out["app_used"] = np.where(u[5] < _logistic(-1.35 + 0.35 * female), 1, 2).astype(np.int8)

    # Don't know / refused, with personal propensities (older, less educated
    # and women say "don't know" more often; some people refuse a lot).
    dk_scale = np.exp(
        0.5 * z_dk + 0.35 * old + 0.2 * female + 0.35 * primary - 0.3 * tertiary - 0.2
    )
    ref_scale = np.exp(0.8 * z_ref - 0.32 + 0.4 * serb * north)
    for name, (p_dk, p_ref) in _MISSING.items():
        v = rng_wave.random(n, dtype=np.float32)
        p_r = p_ref * ref_scale
        p_d = np.minimum(p_dk * dk_scale, 0.6)
        code = out[name]
        out[name] = np.where(v < p_r, 99, np.where(v < p_r + p_d, 98, code)).astype(np.int8)

    # Routing: filtered questions are blank where they were not asked.
    out["contact_satisfaction"] = _masked(out["contact_satisfaction"], out["contact_12m"] == 1)
    out["lpsc_participate"] = _masked(out["lpsc_participate"], out["lpsc_aware"] == 1)
    out["app_used"] = _masked(out["app_used"], out["app_aware"] == 1)

    # Neighbourhood concerns (multiple response, "none" exclusive).
    worry = 0.7 * z_worry - 0.3 * (safety - 0.62)
    low_integrity = -(integrity - integrity.mean())
    logits = np.stack([
        -0.85 + 0.35 * urban + worry,
        -1.1 + 0.35 * urban + 0.25 * young + worry,
        -0.55 + 0.1 * urban + 0.5 * z_traffic,
        -1.95 + 0.55 * female + worry,
        -1.35 + 0.5 * low_integrity + 0.2 * tertiary,
        -1.6 + 0.25 * ind((ag == 3) | (ag == 4)) + worry,
        -3.4 + 2.4 * serb + 1.0 * north + 0.8 * other_minority + 0.5 * worry,
    ])
    ticks = rng_wave.random((7, n), dtype=np.float32) < _logistic(logits)
    for name, col in zip(CONCERNS[:-1], ticks):
        out[name] = col.astype(np.int8)
    out["concern_none"] = (~ticks.any(axis=0)).astype(np.int8)

    # Open comments: about 8% write something, in their interview language.
    lang = people["interview_language"]
    writes = u[7] < _logistic(-2.5 + 0.4 * tertiary - 0.2 * trust)
    n_sq, n_sr, n_en = (len(COMMENTS[x]) for x in ("sq", "sr", "en"))
    english = u[8] < 0.12
    serbian = (lang == 2) | ((lang == 4) & (u[9] < 0.6))
    pick = u[10]
    idx = np.where(
        english,
        n_sq + n_sr + (pick * n_en).astype(np.int16),
        np.where(serbian, n_sq + (pick * n_sr).astype(np.int16), (pick * (n_sq - 0.65)).astype(np.int16)),
    )
    out["comment_open"] = np.where(writes, idx, -1).astype(np.int16)
    return out
