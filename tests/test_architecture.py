"""The house's import rules (pyproject.toml's import-linter contracts) hold, and one of each remains."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src" / "trustsurvey"


def test_import_contracts_are_kept(capsys):
    """Every import points down (docs/architecture.md); a module importing upward breaks a contract."""
    from importlinter.cli import lint_imports

    code = lint_imports(config_filename=str(ROOT / "pyproject.toml"), no_cache=True)
    out = capsys.readouterr().out
    assert code == 0, out
    assert "2 kept, 0 broken" in out


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level:
            parts = path.relative_to(SRC).with_suffix("").parts[:-1]
            base = parts[: len(parts) - node.level + 1]
            mod = ".".join(("trustsurvey", *base, *(node.module.split(".") if node.module else ())))
            out.add(mod)
            out.update(f"{mod}.{a.name}" for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            out.add(node.module)
        elif isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
    return out


@pytest.mark.parametrize("package", ["estimation.py", "weighting", "significance", "design.py", "sample.py",
                                     "_engine.py", "_variance.py", "multiplicity.py", "breakdown.py"])
def test_nothing_below_the_survey_imports_it(package):
    """A second, independent check of the rule the issue names: no statistics module imports ``Survey``."""
    paths = [SRC / package] if package.endswith(".py") else sorted((SRC / package).rglob("*.py"))
    offenders = [str(p.relative_to(SRC)) for p in paths if "trustsurvey.survey" in _imports(p)]
    assert offenders == []


def test_one_tidy_builder_and_one_multiplicity_module():
    """The step "engine output -> tidy table" and p-value adjustment live in one place each."""
    assert not (SRC / "significance" / "adjust.py").exists()
    assert not (SRC / "report" / "i18n.py").exists()
    users = {str(p.relative_to(SRC)) for p in SRC.rglob("*.py") if "trustsurvey.tidy.grid_frame" in _imports(p)}
    assert {"estimation.py", "breakdown.py", "significance/change.py", "significance/compare.py"} <= users
    holm_like = []
    for p in SRC.rglob("*.py"):
        text = p.read_text(encoding="utf-8")
        if p.name != "multiplicity.py" and ("cummax" in text or "maximum.accumulate" in text):
            holm_like.append(str(p.relative_to(SRC)))
    assert holm_like == [], "a p-value adjustment outside multiplicity.py"


def test_vocabulary_lists_are_not_repeated():
    """Metric and language lists are defined once (vocabulary.py), not re-typed in modules."""
    metric_tuple = '"top2", "bottom2", "share", "dont_know", "option_share"'
    offenders = [str(p.relative_to(SRC)) for p in SRC.rglob("*.py")
                 if p.name != "vocabulary.py" and metric_tuple in p.read_text(encoding="utf-8")]
    assert offenders == []
