"""Benchmark: Fay-Herriot fits and small-area estimates.

Times (wall and process CPU, best of ``--repeat``):

- ``ts.fay_herriot`` (REML, analytic MSE) on m = 40, 400 and 4,000 simulated
  areas with 5 covariates;
- the same with a parametric bootstrap MSE of B = 200 replicates (all
  replicates are refitted together, vectorised);
- ``ts.small_area`` on the bundled example (1,496 respondents, 38
  municipalities, 32 with respondents), analytic and bootstrap MSE.

Usage::

    python benchmarks/bench_smallarea.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

import trustsurvey as ts
from trustsurvey.smallarea import example_covariates_path


def areas(m: int, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    X = rng.uniform(0, 1, (m, 5))
    psi = rng.uniform(0.002, 0.02, m)
    theta = 0.3 + X @ np.array([0.2, -0.1, 0.15, 0.05, -0.2]) + rng.normal(0, 0.08, m)
    frame = pd.DataFrame(X, columns=[f"x{i}" for i in range(5)])
    frame["y"] = theta + rng.normal(0, np.sqrt(psi))
    frame["v"] = psi
    return frame


def timed(fn, repeat: int) -> tuple[float, float]:
    best = (np.inf, np.inf)
    for _ in range(repeat):
        w, c = time.perf_counter(), time.process_time()
        fn()
        best = min(best, (time.perf_counter() - w, time.process_time() - c))
    return best


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeat", type=int, default=3)
    args = p.parse_args()
    formula = "y ~ x0 + x1 + x2 + x3 + x4"
    print(f"{'case':48s} {'wall s':>8s} {'cpu s':>8s}")
    for m in (40, 400, 4000):
        d = areas(m)
        w, c = timed(lambda: ts.fay_herriot(d, formula, "v"), args.repeat)
        print(f"{f'fay_herriot REML, m={m}':48s} {w:8.4f} {c:8.4f}")
        w, c = timed(lambda: ts.fay_herriot(d, formula, "v", mse="bootstrap", B=200, seed=1), args.repeat)
        print(f"{f'fay_herriot REML, bootstrap B=200, m={m}':48s} {w:8.4f} {c:8.4f}")
    s = ts.datasets.load_example(2025, raw=False).weight()
    cov = pd.read_csv(example_covariates_path(), comment="#")
    kw = dict(area="municipality", region="region", covariates=cov, population="adults")
    w, c = timed(lambda: ts.small_area(s, "trust_kp", **kw), args.repeat)
    print(f"{'small_area, bundled example':48s} {w:8.4f} {c:8.4f}")
    w, c = timed(lambda: ts.small_area(s, "trust_kp", mse="bootstrap", B=200, seed=1, **kw), args.repeat)
    print(f"{'small_area, bundled example, bootstrap B=200':48s} {w:8.4f} {c:8.4f}")


if __name__ == "__main__":
    main()
