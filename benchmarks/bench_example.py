"""Time the whole annual run of the bundled example, its statistics, `import trustsurvey` and `reproduce`.

Issue 17's yardsticks (2 cores):

* ``trustsurvey example`` end to end in at most 5 s, and at most 3x the time of its own statistics
  (read, weight, breakdowns, trends, recommendations: ``pipeline.compute``) measured in the same run;
* ``import trustsurvey`` in at most 0.3 s;
* ``trustsurvey reproduce`` no slower than the run that wrote the manifest.

Every timing is taken in a fresh process (as a user meets it): the run's wall clock is measured by
this script around the child process, interpreter start included; the statistics are timed inside
the child around ``pipeline.compute``. The median of ``--repeat`` runs is reported.

In the run, the drawing processes start before the statistics and load matplotlib meanwhile, on
the other processor: that slows the statistics a little (the two processors share a machine). So
the statistics are also timed alone, in a process of their own with nothing else running, and the
ratio is given both ways: against the statistics in the same run (the issue's yardstick) and
against the statistics alone (the stricter one).

    python benchmarks/bench_example.py              # 5 repetitions
    python benchmarks/bench_example.py --repeat 9
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CHILD = r"""
import json, sys, time
t0 = time.perf_counter()
import trustsurvey.pipeline as pipeline
from trustsurvey.cli import main
spent = []
compute = pipeline.compute
def timed(*args, **kwargs):
    t = time.perf_counter()
    try:
        return compute(*args, **kwargs)
    finally:
        spent.append(time.perf_counter() - t)
pipeline.compute = timed
code = main(sys.argv[1:])
print(json.dumps({"code": code, "stats": sum(spent), "inside": time.perf_counter() - t0}), file=sys.stderr)
"""

ALONE = r"""
import time
import trustsurvey.pipeline as pipeline
from trustsurvey.cli.report_commands import bundled_plan_path
from trustsurvey.plan import AnalysisPlan
plan = AnalysisPlan.from_yaml(bundled_plan_path())
t = time.perf_counter()
pipeline.compute(plan)
print(time.perf_counter() - t)
"""


def _wall(argv: list[str], env: dict) -> tuple[float, subprocess.CompletedProcess]:
    t = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, text=True, env=env)
    wall = time.perf_counter() - t
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv[:3])} ... failed:\n{done.stdout}\n{done.stderr}")
    return wall, done


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    env = {**os.environ, "MPLBACKEND": "Agg"}
    py = sys.executable
    imports, runs, stats, alone, repro = [], [], [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(args.repeat):
            wall, _ = _wall([py, "-c", "import time; t = time.perf_counter(); import trustsurvey; "
                             "print(time.perf_counter() - t)"], env)
            imports.append(float(_.stdout))
            out = Path(tmp) / f"run{i}"
            wall, done = _wall([py, "-c", CHILD, "example", "--out", str(out), "--quiet"], env)
            record = json.loads(done.stderr.strip().splitlines()[-1])
            runs.append(wall)
            stats.append(record["stats"])
            wall, _ = _wall([py, "-m", "trustsurvey.cli", "reproduce", str(out / "manifest.json"), "--quiet"], env)
            repro.append(wall)
            _, done = _wall([py, "-c", ALONE], env)
            alone.append(float(done.stdout))
            print(f"run {i + 1}: import {imports[-1]:.3f} s, example {runs[-1]:.2f} s "
                  f"(statistics {stats[-1]:.2f} s, x{runs[-1] / stats[-1]:.2f}; alone {alone[-1]:.2f} s, "
                  f"x{runs[-1] / alone[-1]:.2f}), reproduce {repro[-1]:.2f} s", flush=True)
    med = statistics.median
    print(f"median of {args.repeat}: import trustsurvey {med(imports):.3f} s (target 0.3 s); "
          f"trustsurvey example {med(runs):.2f} s (target 5 s), its statistics {med(stats):.2f} s, "
          f"ratio {med(r / s for r, s in zip(runs, stats)):.2f} (target 3); statistics alone {med(alone):.2f} s, "
          f"ratio {med(r / a for r, a in zip(runs, alone)):.2f}; "
          f"reproduce {med(repro):.2f} s ({med(p / r for p, r in zip(repro, runs)):.2f} x the run)")


if __name__ == "__main__":
    main()
