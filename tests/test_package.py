"""The package itself: importing it is cheap and has no side effects; functions named like modules stay functions."""

from __future__ import annotations

import subprocess
import sys


def _run(code: str) -> str:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()


def test_import_loads_no_heavy_module():
    """``import trustsurvey`` imports neither numpy, pandas, scipy nor matplotlib (they load when used)."""
    out = _run("import sys, trustsurvey; print(sorted(m for m in ('numpy', 'pandas', 'scipy', 'matplotlib') "
               "if m in sys.modules))")
    assert out == "[]"


def test_a_runs_main_process_loads_neither_scipy_stats_nor_matplotlib():
    """The statistics use scipy.special (scipy.stats takes a third of a second to import), and the main
    process writes the tables, workbook and manifest without matplotlib (the drawing processes load it)."""
    out = _run("import sys, trustsurvey.cli, trustsurvey.pipeline, trustsurvey.publish\n"
               "import trustsurvey.report.action_plan, trustsurvey.report.excel, trustsurvey.report.manifest\n"
               "import trustsurvey.report.output, trustsurvey.report.tables, trustsurvey.plotting._style\n"
               "print(sorted(m for m in ('scipy.stats', 'matplotlib', 'jinja2', 'statsmodels') if m in sys.modules))")
    assert out == "[]"


def test_report_and_plotting_names_load_when_used():
    out = _run("import sys, trustsurvey.report as r, trustsurvey.plotting as p\n"
               "print('matplotlib' in sys.modules, all(callable(getattr(r, n)) or n == 'MARKER' for n in r.__all__), "
               "all(getattr(p, n) is not None for n in p.__all__), 'matplotlib' in sys.modules, "
               "sorted(dir(r)) == sorted(r.__all__))")
    assert out == "False True True True True"


def test_functions_named_like_their_modules_survive_the_module_import():
    out = _run("import trustsurvey as ts\n"
               "import trustsurvey.breakdown, trustsurvey.recommend.rules\n"
               "from trustsurvey.breakdown import relabel\n"
               "print(callable(ts.breakdown), type(ts.breakdown).__name__, type(ts.recommend).__name__, "
               "ts.trend.__name__)")
    assert out == "True function function trend"


def test_import_has_no_side_effects():
    """No logging set-up, no warnings filters, no matplotlib backend changes at import."""
    out = _run("import logging, warnings, numpy, pandas, scipy.stats, statsmodels.api, matplotlib\n"
               "before = (len(logging.root.handlers), len(warnings.filters))\n"
               "import trustsurvey, trustsurvey.breakdown, trustsurvey.plotting, trustsurvey.report\n"
               "print(before == (len(logging.root.handlers), len(warnings.filters)))")
    assert out == "True"
