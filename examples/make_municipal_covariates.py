"""Regenerate the bundled example's municipal covariates from the simulated population's own census.

Writes ``src/trustsurvey/data/examples/municipal_covariates.csv`` (and its copy
``examples/data/municipal_covariates.csv``, beside the example plan's data): one row per
municipality of the population drawn by
``trustsurvey.simulate.simulate_population(seed, 2025)`` (the population of the
shipped example data), with figures a census would give. They are simulated, not
real: the file says so in its header lines (starting with ``#``; read it with
``pandas.read_csv(path, comment="#")`` or pass the path to ``ts.small_area``).
The output is deterministic: re-running with the same seed gives a
byte-identical file.

Columns: ``municipality, region`` (codes of the questionnaire), ``adults``
(population aged 18 and over), and the shares of adults who live in urban
settlements (``urban_share``), are Serbs (``serb_share``) or members of the other
non-majority communities (``minority_share``), are aged 18-34 (``young_share``)
or have a university education (``tertiary_share``). Ethnicity and education are
the true values, not the answers the survey records.

Usage::

    python examples/make_municipal_covariates.py [--seed 20250] [--out FILE]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from trustsurvey.simulate import DEFAULT_SEED, simulate_population

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "src" / "trustsurvey" / "data" / "examples" / "municipal_covariates.csv"
#: the copy the source checkout's example plan (examples/kp_trust_plan.yaml) reads
COPY = ROOT / "examples" / "data" / "municipal_covariates.csv"
WAVE = 2025
HEADER = (
    "# SIMULATED census figures of the bundled example survey (not real data): one row per municipality\n"
    "# of the population drawn by trustsurvey.simulate.simulate_population(seed={seed}, wave={wave}).\n"
    "# Regenerate with: python examples/make_municipal_covariates.py --seed {seed}\n"
    "# adults: population aged 18+; *_share: shares of adults (urban settlement, Serb, other\n"
    "# non-majority community, aged 18-34, university education).\n"
)


def municipal_covariates(population: pd.DataFrame) -> pd.DataFrame:
    """Census-type figures per municipality of a simulated population.

    Parameters
    ----------
    population : pandas.DataFrame
        From :func:`trustsurvey.simulate.simulate_population` (any ``scale``).

    Returns
    -------
    pandas.DataFrame
        ``municipality, region, adults, urban_share, serb_share, minority_share,
        young_share, tertiary_share``, sorted by municipality.
    """
    muni = population["municipality"].to_numpy()
    codes, index = np.unique(muni, return_inverse=True)
    adults = np.bincount(index, minlength=codes.size)

    def share(mask) -> np.ndarray:
        return np.bincount(index, weights=np.asarray(mask, dtype=float), minlength=codes.size) / adults

    region = pd.Series(population["region"].to_numpy()).groupby(index).agg(["min", "max"])
    if (region["min"] != region["max"]).any():
        raise ValueError("a municipality lies in two regions")
    eth = population["ethnicity_true"].to_numpy()
    return pd.DataFrame({
        "municipality": codes.astype(np.int64),
        "region": region["min"].to_numpy().astype(np.int64),
        "adults": adults.astype(np.int64),
        "urban_share": share(population["settlement"].to_numpy() == 1),
        "serb_share": share(eth == 2),
        "minority_share": share((eth != 1) & (eth != 2)),
        "young_share": share(population["age"].to_numpy() < 35),
        "tertiary_share": share(population["education_true"].to_numpy() == 3),
    })


def csv_text(frame: pd.DataFrame, seed: int) -> str:
    """The file's text: the header lines, then the table (shares to 6 decimals, ``\\n`` line ends)."""
    body = frame.to_csv(index=False, float_format="%.6f", lineterminator="\n")
    return HEADER.format(seed=seed, wave=WAVE) + body


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seed", type=int, default=DEFAULT_SEED, help="population seed (default: the example's)")
    p.add_argument("--out", type=Path, default=OUT, help="output CSV file")
    p.add_argument("--copy", type=str, default=str(COPY), help="also write the file here ('' to skip)")
    args = p.parse_args(argv)
    frame = municipal_covariates(simulate_population(args.seed, WAVE))
    data = csv_text(frame, args.seed).encode("utf-8")
    args.out.write_bytes(data)
    print(f"{len(frame)} municipalities -> {args.out}")
    if args.copy:
        Path(args.copy).write_bytes(data)
        print(f"copied -> {args.copy}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
