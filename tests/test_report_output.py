"""The output directory: refused when it exists, replaced only with force, never left half-written."""

from __future__ import annotations

import os
import warnings

import pytest

from trustsurvey.errors import ReportError, TrustSurveyWarning
from trustsurvey.report import MARKER, prepare_output_dir


def siblings(path):
    return sorted(p.name for p in path.parent.iterdir())


def write_report(path, force=False, files=("report.html", "tables.xlsx"), fail=False):
    with prepare_output_dir(path, force=force) as tmp:
        assert tmp.parent == path.parent and tmp != path
        for name in files:
            (tmp / name).write_text(name, encoding="utf-8")
        if fail:
            raise RuntimeError("figure failed")


def test_new_directory_appears_complete(tmp_path):
    out = tmp_path / "nested" / "report"
    write_report(out)
    assert sorted(os.listdir(out)) == sorted([MARKER, "report.html", "tables.xlsx"])
    assert siblings(out) == ["report"]  # no temporary directory left
    assert (out.stat().st_mode & 0o777) == 0o777 & ~_umask()


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_existing_directory_is_refused_without_force(tmp_path):
    out = tmp_path / "report"
    write_report(out, files=("old.csv",))
    with pytest.raises(ReportError, match=r"'.*report' already exists and is not empty.*--force"):
        write_report(out, files=("new.csv",))
    assert sorted(os.listdir(out)) == sorted([MARKER, "old.csv"])
    assert siblings(out) == ["report"]


def test_empty_existing_directory_is_used(tmp_path):
    out = tmp_path / "report"
    out.mkdir()
    write_report(out)
    assert "report.html" in os.listdir(out)


def test_force_replaces_an_earlier_report(tmp_path):
    out = tmp_path / "report"
    write_report(out, files=("old.csv",))
    write_report(out, force=True, files=("new.csv",))
    assert sorted(os.listdir(out)) == sorted([MARKER, "new.csv"])
    assert siblings(out) == ["report"]


def test_failure_leaves_nothing_behind(tmp_path):
    out = tmp_path / "report"
    with pytest.raises(RuntimeError, match="figure failed"):
        write_report(out, fail=True)
    assert not out.exists() and siblings(out) == []
    # and an earlier report survives a failed forced rewrite untouched
    write_report(out, files=("old.csv",))
    with pytest.raises(RuntimeError):
        write_report(out, force=True, files=("new.csv",), fail=True)
    assert sorted(os.listdir(out)) == sorted([MARKER, "old.csv"])
    assert siblings(out) == ["report"]
    with pytest.raises(KeyboardInterrupt):
        with prepare_output_dir(tmp_path / "other"):
            raise KeyboardInterrupt
    assert siblings(out) == ["report"]


def test_force_never_deletes_a_foreign_directory(tmp_path):
    out = tmp_path / "Documents"
    out.mkdir()
    (out / "thesis.docx").write_text("precious", encoding="utf-8")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        write_report(out, force=True)
    assert any(issubclass(w.category, TrustSurveyWarning) and "Documents.old" in str(w.message) for w in caught)
    assert (tmp_path / "Documents.old" / "thesis.docx").read_text(encoding="utf-8") == "precious"
    assert "report.html" in os.listdir(out)


def test_a_file_is_not_a_directory(tmp_path):
    target = tmp_path / "report"
    target.write_text("x", encoding="utf-8")
    with pytest.raises(ReportError, match="is a file, not a directory"):
        write_report(target, force=True)
    assert target.read_text(encoding="utf-8") == "x"
