"""Simulate the example data of the neighbourhood safety survey (seeded; rerun to regenerate byte for byte).

    python examples/neighbourhood_safety/make_data.py

Writes ``responses_2025.csv`` beside this file: 480 simulated respondents (nobody real answered), six
regions (strata, text codes), 8 PSUs per region, 10 interviews per PSU, design weights, routing
respected (``contact_fair`` only after contact), "no answer" (99 / 9) and "don't know" codes.
Choice names (``yes``, ``male``) and codes are mixed on purpose: the reader accepts both.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

REGIONS = ["UKC", "UKD", "UKE", "UKF", "UKI", "UKK"]
SHARE = {"UKC": 0.10, "UKD": 0.27, "UKE": 0.20, "UKF": 0.18, "UKI": 0.15, "UKK": 0.10}


def simulate(seed: int = 2025) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    rid = 1
    for r, region in enumerate(REGIONS):
        for p in range(8):
            psu_effect = rng.normal(0, 0.6)
            for _ in range(10):
                age = int(rng.integers(18, 91))
                gender = int(rng.choice([1, 2], p=[0.44, 0.56]))
                latent = 6.0 + 0.3 * (r - 2.5) + 0.02 * (age - 45) + psu_effect + rng.normal(0, 2)
                trust = int(np.clip(np.round(latent), 0, 10))
                if rng.random() < 0.04:
                    trust = int(rng.choice([88, 99]))
                fair = int(np.clip(np.round(3 + (latent - 6) / 2.5 + rng.normal(0, 0.8)), 1, 5))
                bribes = int(np.clip(np.round(3 - (latent - 6) / 3 + rng.normal(0, 0.9)), 1, 5))
                if rng.random() < 0.03:
                    fair = 8
                contact = int(rng.random() < 0.35)
                worries = rng.random(3) < [0.3, 0.25, 0.15]
                rows.append({
                    "respondent_id": rid,
                    "design_weight": round(SHARE[region] * 21_000_000 / 80 * rng.uniform(0.8, 1.2), 3),
                    "stratum": region,
                    "psu": f"{region}-{p + 1:02d}",
                    "region": region,
                    "gender": "male" if gender == 1 and rng.random() < 0.5 else gender,
                    "age": age,
                    "trust_police": trust,
                    "police_fair": fair,
                    "police_bribes": bribes,
                    "contact": "yes" if contact else "no",
                    "contact_fair": int(np.clip(fair + rng.integers(-1, 2), 1, 5)) if contact else None,
                    "worry_burglary": int(worries[0]),
                    "worry_vandalism": int(worries[1]),
                    "worry_drugs": int(worries[2]),
                    "worry_none": int(not worries.any()),
                    "comments": "More patrols at night" if rng.random() < 0.05 else "",
                })
                rid += 1
    return pd.DataFrame(rows)


if __name__ == "__main__":
    simulate().to_csv(Path(__file__).with_name("responses_2025.csv"), index=False)
