"""Regenerate the example survey files (both waves) from the seeded simulator.

Writes ``examples/data/kp_trust_<wave>.csv`` and ``.sav`` and copies them to the
package data (``src/trustsurvey/data/examples/``). The output is deterministic:
re-running with the same seed gives byte-identical files.

Usage::

    python examples/make_example_data.py [--seed 20250] [--out examples/data]
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

from trustsurvey.simulate import DEFAULT_SEED, SOURCE_COLUMNS, WAVES, draw_sample, simulate_population
from trustsurvey.simulate._export import write_csv, write_sav

ROOT = Path(__file__).resolve().parent.parent


def make_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seed", type=int, default=DEFAULT_SEED, help="population and sample seed")
    p.add_argument("--out", type=Path, default=ROOT / "examples" / "data", help="output directory")
    p.add_argument(
        "--package-copy", type=str, default=str(ROOT / "src" / "trustsurvey" / "data" / "examples"),
        help="also copy the files here ('' to skip)",
    )
    return p


def main(argv: list[str] | None = None) -> int:
    args = make_parser().parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    for wave in WAVES:
        population = simulate_population(args.seed, wave)
        sample = draw_sample(population, args.seed).rename(columns=SOURCE_COLUMNS[wave])
        files = [
            write_csv(sample, args.out / f"kp_trust_{wave}.csv"),
            write_sav(sample, args.out / f"kp_trust_{wave}.sav", wave=wave, source_columns=SOURCE_COLUMNS[wave]),
        ]
        if args.package_copy:  # '' skips the copy (Path('') would be the current directory)
            copy_dir = Path(args.package_copy)
            copy_dir.mkdir(parents=True, exist_ok=True)
            for f in files:
                shutil.copyfile(f, copy_dir / f.name)
        print(f"{wave}: {len(sample)} respondents, {sample['psu'].nunique()} PSUs -> "
              + ", ".join(str(f.relative_to(ROOT)) if f.is_relative_to(ROOT) else str(f) for f in files))
    return 0


if __name__ == "__main__":
    sys.exit(main())
