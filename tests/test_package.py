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
