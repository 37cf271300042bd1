"""Benchmark: the mean of every item within every level of every demographic, with Taylor SEs.

The yardstick of issue 3 (estimation engine) and of the breakdown issue: N
respondents in 16 strata, about 100 respondents per PSU, 40 five-point items
with about 3% missing each (independently per item), 8 demographic variables
of 2-8 levels, sampling weights. The timed work is the public API::

    for demo in demographics:
        s.mean(items, by=demo)      # 40 items x all levels, one vectorised call

with the data (and the Survey) already in memory. Each N runs in its own
subprocess so that its peak memory (``ru_maxrss``, which includes the data) is
its own.

Usage::

    python benchmarks/bench_breakdown.py                 # N = 1e4, 1e5, 1e6
    python benchmarks/bench_breakdown.py 100000 --repeat 5
    python benchmarks/bench_breakdown.py 1000000 --profile  # cProfile of one run, top 25 by cumulative time
    python benchmarks/bench_breakdown.py --breakdown        # also time ts.breakdown(s, items, demographics)

Targets (2 cores): N = 100,000 in <= 0.5 s; N = 1,000,000 in <= 6 s with peak
memory under 3 GB. Wall-clock time is the measure; the process CPU time is
printed beside it because it is less disturbed by other work on the machine
(the engine is single-threaded, so on an idle machine the two agree).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time

import numpy as np
import pandas as pd

N_STRATA = 16
PSU_SIZE = 100
N_ITEMS = 40
MISSING = 0.03
#: Levels of the 8 demographics (gender, settlement, age group, region, ...).
DEMO_LEVELS = (2, 2, 6, 8, 3, 4, 5, 7)
TARGETS = {100_000: 0.5, 1_000_000: 6.0}
MEMORY_TARGET_GB = 3.0


def make_data(n: int, seed: int = 2025) -> pd.DataFrame:
    """The benchmark's survey data: design columns, 8 demographics, 40 items (float, NaN = missing)."""
    rng = np.random.default_rng(seed)
    n_psu = max(N_STRATA * 2, int(round(n / PSU_SIZE)))
    psu = np.sort(rng.integers(0, n_psu, n))  # about PSU_SIZE respondents each
    psu_stratum = np.sort(rng.integers(0, N_STRATA, n_psu))
    psu_stratum[:N_STRATA] = np.arange(N_STRATA)  # every stratum has PSUs ...
    psu_stratum[N_STRATA:2 * N_STRATA] = np.arange(N_STRATA)  # ... at least two
    stratum = psu_stratum[psu]
    data = {"stratum": stratum, "psu": psu, "weight": rng.lognormal(4.0, 0.4, n)}
    for j, k in enumerate(DEMO_LEVELS):
        data[f"demo{j + 1}"] = rng.integers(1, k + 1, n).astype(np.int64)
    psu_effect = rng.normal(0.0, 0.4, n_psu)[psu]
    for i in range(N_ITEMS):  # column by column, so that building the data needs no n x 40 temporaries
        item = np.clip(np.rint(3.3 + psu_effect + rng.normal(0.0, 1.0, n)), 1, 5)
        item[rng.random(n) < MISSING] = np.nan
        data[f"q{i + 1:02d}"] = item
    return pd.DataFrame(data)


def item_names() -> list[str]:
    return [f"q{i + 1:02d}" for i in range(N_ITEMS)]


def demo_names() -> list[str]:
    return [f"demo{j + 1}" for j in range(len(DEMO_LEVELS))]


def numpy_floor(df: pd.DataFrame, items: list[str], demos: list[str], repeat: int) -> float:
    """The floor: the work no design-based implementation can avoid, done with bare numpy/scipy.

    For every demographic, the weighted totals of every item and of its valid-answer
    indicator in every PSU x group cell -- the sums that the estimates and their
    Taylor variances are made of -- as ONE sparse product of the (PSU x group) by
    respondent weight matrix with the (respondent x 2K) matrix ``[y with 0 for
    missing | valid]``. The item matrix is prepared once, outside the timing (the
    engine keeps its prepared columns too); building each demographic's sparse
    matrix is timed. Best of ``repeat``.
    """
    import scipy.sparse as sp

    w = df["weight"].to_numpy(float)
    psu = pd.factorize(df["psu"])[0]
    n_psu = int(psu.max()) + 1
    y = df[items].to_numpy(float)
    valid = ~np.isnan(y)
    a = np.hstack([np.where(valid, y, 0.0), valid.astype(float)])
    rows = np.arange(len(df))
    best = np.inf
    for _ in range(repeat):
        c0 = time.process_time()
        for demo in demos:
            codes, levels = pd.factorize(df[demo], sort=True)
            g = len(levels)
            m = sp.csr_matrix((w, (psu * g + codes, rows)), shape=(n_psu * g, len(df)))
            (m @ a).sum()
        best = min(best, time.process_time() - c0)
    return best


def run_one(n: int, repeat: int, breakdown: bool) -> dict:
    """Build the data and the Survey, time the 8 calls (best of ``repeat``), report memory."""
    import trustsurvey as ts

    t0 = time.perf_counter()
    df = make_data(n)
    t_data = time.perf_counter() - t0
    rss_data = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20  # GiB (Linux: KiB)
    t0 = time.perf_counter()
    s = ts.Survey(df, weights="weight", strata="stratum", psu="psu")
    t_design = time.perf_counter() - t0
    items, demos = item_names(), demo_names()
    times, cpu = [], []
    rows = 0
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        frames = [s.mean(items, by=demo).to_frame() for demo in demos]
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
        rows = sum(len(f) for f in frames)
    out = {
        "n": n, "psus": int(df["psu"].nunique()), "data_s": t_data, "design_s": t_design,
        "mean_s": min(times), "mean_all_s": times, "cpu_s": min(cpu), "rows": rows,
        "rss_after_data_gb": rss_data,
    }
    if breakdown:
        t0 = time.perf_counter()
        table = ts.breakdown(s, items=items, by=demos)
        out["breakdown_s"] = time.perf_counter() - t0
        out["breakdown_rows"] = len(table)
    out["peak_rss_gb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    del s
    out["floor_cpu_s"] = numpy_floor(df, items, demos, repeat)  # after the peak is read: its arrays are its own
    return out


def profile_one(n: int) -> None:
    import cProfile
    import pstats

    import trustsurvey as ts

    df = make_data(n)
    s = ts.Survey(df, weights="weight", strata="stratum", psu="psu")
    items, demos = item_names(), demo_names()
    s.mean(items[:2], by=demos[0])  # warm-up
    prof = cProfile.Profile(time.process_time)  # CPU time: robust to other processes on the machine
    prof.enable()
    for demo in demos:
        s.mean(items, by=demo).to_frame()
    prof.disable()
    pstats.Stats(prof).sort_stats("cumulative").print_stats(25)
    pstats.Stats(prof).sort_stats("tottime").print_stats(15)


def report(res: dict) -> str:
    n = res["n"]
    target = TARGETS.get(n)
    verdict = ""
    if target is not None:
        ok = res["mean_s"] <= target and (n < 1_000_000 or res["peak_rss_gb"] < MEMORY_TARGET_GB)
        verdict = f"  {'OK' if ok else 'SLOW'} (target {target:g} s" + \
            (f", < {MEMORY_TARGET_GB:g} GB)" if n >= 1_000_000 else ")")
    lines = [
        f"N = {n:>9,}  PSUs {res['psus']:>6,}  estimates {res['rows']:,}",
        f"  8 x s.mean({N_ITEMS} items, by=demo): {res['mean_s']:7.3f} s (best of {len(res['mean_all_s'])}: "
        + ", ".join(f"{t:.3f}" for t in res["mean_all_s"]) + f"; CPU {res['cpu_s']:.3f} s)" + verdict,
        f"  numpy floor (one sparse product per demographic, CPU): {res['floor_cpu_s']:.3f} s; "
        f"engine / floor (CPU): {res['cpu_s'] / res['floor_cpu_s']:.2f}x",
        f"  building the data {res['data_s']:.2f} s, ts.Survey {res['design_s']:.3f} s (not timed above)",
        f"  peak RSS {res['peak_rss_gb']:.2f} GiB (data alone {res['rss_after_data_gb']:.2f} GiB)",
    ]
    if "breakdown_s" in res:
        lines.append(f"  ts.breakdown(s, items, 8 demographics): {res['breakdown_s']:.3f} s "
                     f"({res['breakdown_rows']:,} rows)")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("n", nargs="*", type=int, help="numbers of respondents (default 1e4 1e5 1e6)")
    parser.add_argument("--repeat", type=int, default=None, help="timed repetitions (default 3; 2 for 1e6)")
    parser.add_argument("--profile", action="store_true", help="cProfile one run instead of timing")
    parser.add_argument("--breakdown", action="store_true", help="also time ts.breakdown on the same data")
    parser.add_argument("--items", type=int, default=None, help="number of items (default 40)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    global N_ITEMS
    if args.items:
        N_ITEMS = args.items
    sizes = args.n or [10_000, 100_000, 1_000_000]
    if args.profile:
        for n in sizes:
            profile_one(n)
        return 0
    if args.child:
        n = sizes[0]
        repeat = args.repeat or (2 if n >= 1_000_000 else 3)
        print(json.dumps(run_one(n, repeat, args.breakdown)))
        return 0
    import platform
    import os

    print(f"python {platform.python_version()}, numpy {np.__version__}, pandas {pd.__version__}, "
          f"{os.cpu_count()} CPU(s)")
    for n in sizes:
        cmd = [sys.executable, __file__, str(n), "--child"]
        if args.repeat:
            cmd += ["--repeat", str(args.repeat)]
        if args.breakdown:
            cmd.append("--breakdown")
        if args.items:
            cmd += ["--items", str(args.items)]
        done = subprocess.run(cmd, capture_output=True, text=True)
        if done.returncode != 0:
            print(f"N = {n:,}: failed\n{done.stderr}")
            return 1
        print(report(json.loads(done.stdout.strip().splitlines()[-1])), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
