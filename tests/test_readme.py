"""The README's Python tour runs as written (a doctest-like check of the documentation).

The block under "## A tour for researchers (Python)" is extracted and executed
statement by statement from the repository root, so a failure names the line of
the README that raised.
"""

from __future__ import annotations

import ast
import os
import re
import warnings
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"


def tour_block() -> tuple[str, int]:
    """The Python block of the researchers' tour and the README line it starts on."""
    text = README.read_text(encoding="utf-8")
    head = text.index("## A tour for researchers (Python)")
    match = re.compile(r"```python\n(.*?)```", re.S).search(text, head)
    assert match is not None, "the researchers' tour has no ```python block"
    return match.group(1), text[:match.start(1)].count("\n") + 1


def test_tour_block_is_found():
    code, first_line = tour_block()
    assert "import trustsurvey as ts" in code and first_line > 1


def test_readme_tour_runs(monkeypatch):
    code, first_line = tour_block()
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("MPLBACKEND", os.environ.get("MPLBACKEND", "Agg"))
    namespace: dict = {"__name__": "readme_tour"}
    for stmt in ast.parse(code).body:
        line = first_line + stmt.lineno - 1
        source = ast.get_source_segment(code, stmt)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                exec(compile(ast.Module([stmt], type_ignores=[]), f"README.md:{line}", "exec"), namespace)
        except Exception as exc:  # a documented line that raises is the failure this test is for
            pytest.fail(f"README.md line {line}: {source!r} raised {type(exc).__name__}: {exc}")
    assert namespace["s"].degf == 197  # apistrat: 200 schools in 3 strata (R: degf(dstrat))
