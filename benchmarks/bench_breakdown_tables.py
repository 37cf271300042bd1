"""Issue 6's yardstick: ts.breakdown of 40 items x 8 demographics, top-2 share and mean, with tests.

Run: python benchmarks/bench_breakdown_tables.py [N ...]   (default 1e5 and 1e6; one process each)

The data are built from a fixed seed: N respondents, 16 strata, ~100 per PSU, 40 five-point items
with ~3% missing, 8 demographics of 2-8 levels. Each item enters twice, as its score (the mean) and
as its top-2 indicator (the top-2 share), so the work is exactly that of a questionnaire-driven
breakdown with metrics top2 and mean. Prints the wall time and the peak resident memory.
Targets (2 cores, data in memory): N = 100,000 in at most 1 s, N = 1,000,000 in at most 10 s.
"""

from __future__ import annotations

import resource
import subprocess
import sys
import time


def run(n: int) -> None:
    import numpy as np
    import pandas as pd

    import trustsurvey as ts

    rng = np.random.default_rng(1)
    psu = np.repeat(np.arange(n // 100), 100)[:n]
    d = {"psu": psu, "stratum": psu % 16, "w": rng.uniform(50, 150, n)}
    for j in range(40):
        x = rng.integers(1, 6, n).astype(float)
        x[rng.random(n) < 0.03] = np.nan
        d[f"q{j}"] = x
        d[f"t{j}"] = np.where(np.isnan(x), np.nan, (x >= 4).astype(float))
    for k, levels in enumerate([2, 2, 6, 8, 3, 4, 5, 7]):
        d[f"d{k}"] = rng.integers(1, levels + 1, n)
    df = pd.DataFrame(d)
    del d
    s = ts.Survey(df, weights="w", strata="stratum", psu="psu")
    items = [f"q{j}" for j in range(40)] + [f"t{j}" for j in range(40)]
    start = time.perf_counter()
    table = ts.breakdown(s, items=items, by=[f"d{k}" for k in range(8)])
    elapsed = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    print(f"N = {n:>9,}: ts.breakdown {elapsed:6.2f} s, {len(table):,} rows, peak RSS {peak:.2f} GiB")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--one":
        run(int(float(sys.argv[2])))
    else:
        for n in sys.argv[1:] or ["1e5", "1e6"]:
            subprocess.run([sys.executable, __file__, "--one", n], check=True)
