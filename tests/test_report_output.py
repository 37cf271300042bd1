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


# the signals' default actions, as in a terminal (a parent run under `nohup` would pass SIGHUP on ignored)
DEFAULTS = "import signal\nsignal.signal(signal.SIGTERM, signal.SIG_DFL)\nsignal.signal(signal.SIGHUP, signal.SIG_DFL)\n"
SLOW_WRITER = DEFAULTS + """
import sys, time
from pathlib import Path
from trustsurvey.report.output import prepare_output_dir
out = Path(sys.argv[1])
with prepare_output_dir(out, force=True) as tmp:
    (tmp / "half.csv").write_text("a\\n")
    print("writing", flush=True)
    time.sleep(60)
"""


@pytest.mark.parametrize("signame", ["SIGTERM", "SIGHUP"])
def test_a_terminated_run_leaves_nothing_behind(tmp_path, signame):
    """SIGTERM (or SIGHUP) while a report is being written: the temporary folder goes, the old report stays."""
    import signal
    import subprocess
    import sys

    out = tmp_path / "report"
    write_report(out, files=("old.csv",))
    proc = subprocess.Popen([sys.executable, "-c", SLOW_WRITER, str(out)], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "writing"
        assert any(name.startswith(".report.tmp-") for name in siblings(out))
        proc.send_signal(getattr(signal, signame))
        code = proc.wait(timeout=30)
    finally:
        proc.kill()
    assert code == 128 + getattr(signal, signame)
    assert siblings(out) == ["report"]
    assert sorted(os.listdir(out)) == sorted([MARKER, "old.csv"])


MOVE_INTERRUPTED = DEFAULTS + """
import os, signal, sys
from pathlib import Path
from trustsurvey.report import output
out = Path(sys.argv[1])
real = output._move_into_place

def move_and_get_terminated(tmp, target, force):
    os.kill(os.getpid(), signal.SIGTERM)  # arrives in the middle of the move
    real(tmp, target, force)

output._move_into_place = move_and_get_terminated
try:
    with output.prepare_output_dir(out, force=True) as tmp:
        (tmp / "new.csv").write_text("b\\n")
finally:
    print(signal.getsignal(signal.SIGTERM) is signal.SIG_DFL)
"""


def test_a_signal_during_the_final_move_waits_for_it(tmp_path):
    """The replacement is never left half-done: a signal during the move acts after it."""
    import signal
    import subprocess
    import sys

    out = tmp_path / "report"
    write_report(out, files=("old.csv",))
    proc = subprocess.run([sys.executable, "-c", MOVE_INTERRUPTED, str(out)], capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 128 + signal.SIGTERM, proc.stderr
    assert proc.stdout.strip() == "True"  # the default handler is put back
    assert "Traceback" not in proc.stderr
    assert sorted(os.listdir(out)) == sorted([MARKER, "new.csv"])
    assert siblings(out) == ["report"]
