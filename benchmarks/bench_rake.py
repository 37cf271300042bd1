"""Benchmark: rake 1,000,000 respondents on four margins (8, 2, 6 and 2 levels).

Run ``python benchmarks/bench_rake.py [n]``. Prints the time of the raking call
(the Survey is built beforehand and not timed), the number of sweeps, the
largest margin error and the peak memory the call allocated (tracemalloc, which
numpy reports to). Target: under 2 s on 2 cores.
"""

from __future__ import annotations

import sys
import time
import tracemalloc

import numpy as np
import pandas as pd

import trustsurvey as ts


def make_survey(n: int, seed: int = 1) -> tuple[ts.Survey, dict]:
    rng = np.random.default_rng(seed)
    region = rng.choice(np.arange(1, 9), size=n, p=[0.3, 0.15, 0.1, 0.12, 0.1, 0.03, 0.1, 0.1])
    settlement = rng.choice([1, 2], size=n, p=[0.45, 0.55])
    age_group = rng.choice(np.arange(1, 7), size=n, p=[0.12, 0.18, 0.2, 0.2, 0.17, 0.13])
    gender = rng.choice([1, 2], size=n, p=[0.46, 0.54])
    psu = rng.integers(0, 5000, size=n)
    w = rng.uniform(50, 150, size=n)
    df = pd.DataFrame({"region": region, "settlement": settlement, "age_group": age_group,
                       "gender": gender, "psu": psu, "w": w})
    margins = {
        "region": dict(zip(range(1, 9), [0.26446, 0.15568, 0.09792, 0.14133, 0.10826, 0.02224, 0.10576, 0.10436])),
        "settlement": {1: 0.383, 2: 0.617},
        "age_group": dict(zip(range(1, 7), [0.2424, 0.19, 0.174, 0.159, 0.133, 0.1016])),
        "gender": {1: 0.50108, 2: 0.49892},
    }
    return ts.Survey(df, weights="w", psu="psu"), margins


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    n = int(argv[0]) if argv else 1_000_000
    t0 = time.perf_counter()
    s, margins = make_survey(n)
    t_build = time.perf_counter() - t0
    s.rake(margins, population=1_057_660)  # warm-up (imports, first-call costs)
    tracemalloc.start()
    t0 = time.perf_counter()
    raked = s.rake(margins, population=1_057_660)
    elapsed = time.perf_counter() - t0
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    diag = raked.attrs["weighting"]
    print(f"respondents          {n:,}")
    print(f"survey build         {t_build:.2f} s (not timed below)")
    print(f"rake                 {elapsed:.3f} s  ({'OK' if elapsed < 2 else 'SLOW'}: target < 2 s)")
    print(f"sweeps               {diag.iterations} (converged: {diag.converged})")
    print(f"largest margin error {diag.max_margin_error:.2e}")
    print(f"peak memory (rake)   {peak / 2**20:.0f} MiB")
    t0 = time.perf_counter()
    est = raked.mean("gender")
    print(f"mean after raking    {time.perf_counter() - t0:.3f} s (variance with 40 raking projections)")
    del est
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
