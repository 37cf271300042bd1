"""Constants describing the simulated adult population of Kosovo.

Municipal populations are the 2011 census figures (Kosovo Agency of
Statistics) and, for the four northern municipalities that were not
enumerated in 2011, a split of the agency's end-2014 estimate of 39,566
(the split is an estimate). Urban shares and ethnic compositions are rounded
approximations from the 2011 census results by settlement and OSCE municipal
profiles; Serb shares are raised above the 2011 census (boycotted in Serb
areas). They are good enough for a realistic simulation and are not official
figures: never use them as weighting targets.
"""

from __future__ import annotations

import numpy as np

#: Share of the population aged 18 and over (an estimate: about 70% after the
#: 2024 census's average age of 34.8; used to turn municipal populations into
#: adult populations).
ADULT_SHARE = 0.70

REGIONS = {
    1: "Prishtina",
    2: "Prizren",
    3: "Peja",
    4: "Gjakova",
    5: "Mitrovica South",
    6: "Mitrovica North",
    7: "Gjilan",
    8: "Ferizaj",
}

# Ethnicity codes (data dictionary): 1 Albanian, 2 Serb, 3 Bosniak, 4 Turkish,
# 5 Roma/Ashkali/Egyptian, 6 Gorani, 7 other.
ETHNICITIES = {
    1: "Albanian",
    2: "Serb",
    3: "Bosniak",
    4: "Turkish",
    5: "Roma/Ashkali/Egyptian",
    6: "Gorani",
    7: "other",
}

# code: (name, population, urban share, {ethnicity code: share}); shares of
# Albanians are the remainder.
_MUNICIPALITIES: dict[int, tuple[str, int, float, dict[int, float]]] = {
    101: ("Prishtinë", 198_897, 0.81, {2: 0.003, 3: 0.003, 4: 0.011, 5: 0.004, 7: 0.004}),
    102: ("Podujevë", 88_499, 0.27, {5: 0.005, 7: 0.002}),
    103: ("Drenas", 58_531, 0.10, {7: 0.001}),
    104: ("Lipjan", 57_605, 0.12, {2: 0.06, 5: 0.03, 7: 0.003}),
    105: ("Fushë Kosovë", 34_827, 0.45, {2: 0.01, 5: 0.10, 7: 0.005}),
    106: ("Obiliq", 21_549, 0.31, {2: 0.05, 5: 0.04, 7: 0.005}),
    107: ("Graçanicë", 10_675, 0.15, {2: 0.68, 5: 0.07, 7: 0.01}),
    201: ("Prizren", 177_781, 0.48, {2: 0.002, 3: 0.095, 4: 0.051, 5: 0.022, 6: 0.002, 7: 0.004}),
    202: ("Suharekë", 59_722, 0.17, {5: 0.01}),
    203: ("Dragash", 33_997, 0.03, {3: 0.12, 6: 0.26, 7: 0.005}),
    204: ("Mamushë", 5_507, 0.00, {4: 0.93, 5: 0.01}),
    301: ("Pejë", 96_450, 0.50, {2: 0.003, 3: 0.039, 5: 0.038, 7: 0.005}),
    302: ("Istog", 39_289, 0.14, {2: 0.01, 3: 0.03, 5: 0.02}),
    303: ("Klinë", 38_496, 0.15, {2: 0.01, 5: 0.02}),
    401: ("Gjakovë", 94_556, 0.43, {5: 0.075, 7: 0.003}),
    402: ("Deçan", 40_019, 0.09, {5: 0.008}),
    403: ("Junik", 6_084, 0.40, {}),
    404: ("Rahovec", 56_208, 0.28, {2: 0.01, 5: 0.01}),
    405: ("Malishevë", 54_613, 0.06, {}),
    501: ("Mitrovicë (South)", 71_909, 0.65, {3: 0.006, 4: 0.007, 5: 0.025, 7: 0.003}),
    502: ("Vushtrri", 69_870, 0.38, {5: 0.01, 7: 0.002}),
    503: ("Skenderaj", 50_858, 0.13, {5: 0.002}),
    601: ("Mitrovicë North", 17_500, 0.95, {2: 0.76, 3: 0.06, 5: 0.015, 6: 0.005, 4: 0.005, 7: 0.005}),
    602: ("Zveçan", 7_900, 0.30, {2: 0.93, 5: 0.02}),
    603: ("Zubin Potok", 6_400, 0.15, {2: 0.93}),
    604: ("Leposaviq", 7_766, 0.25, {2: 0.96, 5: 0.02}),
    701: ("Gjilan", 90_178, 0.60, {2: 0.006, 4: 0.011, 5: 0.009, 7: 0.002}),
    702: ("Kamenicë", 36_085, 0.22, {2: 0.045, 5: 0.01}),
    703: ("Viti", 46_987, 0.10, {7: 0.007}),
    704: ("Novobërdë", 6_729, 0.00, {2: 0.36, 5: 0.01}),
    705: ("Ranillug", 3_866, 0.00, {2: 0.95}),
    706: ("Partesh", 1_787, 0.00, {2: 0.99}),
    707: ("Kllokot", 2_556, 0.30, {2: 0.50, 5: 0.01}),
    801: ("Ferizaj", 108_610, 0.39, {5: 0.015, 7: 0.003}),
    802: ("Kaçanik", 33_409, 0.22, {}),
    803: ("Shtime", 27_324, 0.26, {5: 0.01}),
    804: ("Shtërpcë", 6_949, 0.20, {2: 0.60}),
    805: ("Hani i Elezit", 9_403, 0.27, {}),
}

MUNICIPALITY_CODES = np.array(sorted(_MUNICIPALITIES), dtype=np.int16)
MUNICIPALITY_NAMES = {code: _MUNICIPALITIES[code][0] for code in _MUNICIPALITIES}
MUNICIPALITY_POPULATION = np.array(
    [_MUNICIPALITIES[c][1] for c in MUNICIPALITY_CODES], dtype=np.int64
)
URBAN_SHARE = np.array([_MUNICIPALITIES[c][2] for c in MUNICIPALITY_CODES])


def _ethnic_matrix() -> np.ndarray:
    """Municipality x ethnicity (7 columns) composition, rows summing to 1."""
    out = np.zeros((len(MUNICIPALITY_CODES), len(ETHNICITIES)))
    for i, code in enumerate(MUNICIPALITY_CODES):
        for eth, share in _MUNICIPALITIES[int(code)][3].items():
            out[i, eth - 1] = share
        out[i, 0] = 1.0 - out[i, 1:].sum()
    return out


ETHNIC_COMPOSITION = _ethnic_matrix()

#: Relative frequency of each single year of age 18..95 among adults (an
#: approximation of Kosovo's young age structure: about 17% aged 18-24, 22%
#: 25-34, 19% 35-44, 16% 45-54, 13% 55-64 and 13% aged 65+).
AGES = np.arange(18, 96)


def _age_weights() -> np.ndarray:
    bands = [(18, 24, 0.17), (25, 34, 0.22), (35, 44, 0.19), (45, 54, 0.16), (55, 64, 0.13)]
    w = np.zeros(AGES.size)
    for lo, hi, share in bands:
        sel = (AGES >= lo) & (AGES <= hi)
        w[sel] = share / sel.sum()
    old = AGES >= 65
    decay = np.exp(-0.09 * (AGES[old] - 65))
    w[old] = 0.13 * decay / decay.sum()
    return w / w.sum()


AGE_PROBABILITIES = _age_weights()

#: Dictionary age bands (derived variable ``age_group``): 1 18-24 ... 6 65+.
AGE_GROUP_BREAKS = np.array([25, 35, 45, 55, 65])


def age_group(age: np.ndarray) -> np.ndarray:
    """Dictionary age band code (1 18-24, ..., 6 65+) of ages in years."""
    return (np.searchsorted(AGE_GROUP_BREAKS, np.asarray(age), side="right") + 1).astype(np.int8)
