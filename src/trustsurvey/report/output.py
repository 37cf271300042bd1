"""A safe output directory: never overwrite without ``--force``, never leave half a report.

:func:`prepare_output_dir` hands out a fresh temporary directory beside the
target (same file system, so the final move is a rename), and only when the
``with`` block succeeds moves it into place. On any failure it removes its own
temporary directory and nothing else: an earlier report in the target stays as
it was.

With ``force=True`` an existing target is replaced. A directory written by
trustsurvey (it holds the marker file :data:`MARKER`) or an empty one is
deleted after the new one is in place; any other directory is never deleted but
renamed to ``<name>.old`` (``<name>.old-2``, ...) with a warning, so that
``--out ~/Documents --force`` cannot destroy anything.

A run stopped by ``SIGTERM`` (or ``SIGHUP``: the terminal closed) cleans up
after itself too: while a report is being written in the main thread, those
signals (where nothing else handles them) raise :class:`Terminated`, so the
temporary directory is removed as on any failure; during the final move they
wait until the move is done, so the previous report is never left aside.
"""

from __future__ import annotations

import os
import shutil
import signal
import tempfile
import threading
import warnings
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from ..errors import ReportError, TrustSurveyWarning

__all__ = ["prepare_output_dir", "MARKER", "Terminated"]

#: The file that marks a directory as trustsurvey output (safe to replace with force).
MARKER = ".trustsurvey-output"


class Terminated(SystemExit):
    """The process was asked to stop (SIGTERM, SIGHUP) while a report was being written.

    A :class:`SystemExit` with the shell's code ``128 + signal number`` (143 for SIGTERM), so an
    uncaught one ends the program quietly with that code; ``signum`` is the signal.
    """

    def __init__(self, signum: int):
        super().__init__(128 + int(signum))
        self.signum = int(signum)


class _SignalGuard:
    """Turn SIGTERM/SIGHUP into :class:`Terminated` (main thread, default handlers only)."""

    def __init__(self) -> None:
        self.previous: dict[int, object] = {}
        self.deferring = False
        self.pending: int | None = None

    def _handler(self, signum, _frame) -> None:
        if self.deferring:
            self.pending = signum
        else:
            raise Terminated(signum)

    def __enter__(self) -> "_SignalGuard":
        if threading.current_thread() is threading.main_thread():
            for name in ("SIGTERM", "SIGHUP"):
                sig = getattr(signal, name, None)
                if sig is not None and signal.getsignal(sig) is signal.SIG_DFL:
                    self.previous[sig] = signal.signal(sig, self._handler)
        return self

    def __exit__(self, *exc) -> None:
        for sig, handler in self.previous.items():
            signal.signal(sig, handler)

    @contextmanager
    def deferred(self) -> Iterator[None]:
        """Hold the signals back until the block is done, then act on them."""
        self.deferring = True
        try:
            yield
        finally:
            self.deferring = False
        if self.pending is not None:
            raise Terminated(self.pending)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _free_name(path: Path, suffix: str) -> Path:
    candidate = path.with_name(path.name + suffix)
    k = 2
    while candidate.exists() or candidate.is_symlink():
        candidate = path.with_name(f"{path.name}{suffix}-{k}")
        k += 1
    return candidate


@contextmanager
def prepare_output_dir(path: str | Path, force: bool = False) -> Iterator[Path]:
    """Write a report into ``path`` all at once.

    Parameters
    ----------
    path : str or pathlib.Path
        The output directory. It may not exist yet (its parent is created) or be
        empty; an existing non-empty directory needs ``force``.
    force : bool
        Replace an existing non-empty directory (see the module notes).

    Yields
    ------
    pathlib.Path
        A temporary directory to write every file into. When the block ends
        without an exception it becomes ``path``.

    Raises
    ------
    ReportError
        ``path`` is a file, or a non-empty directory and ``force`` is false, or
        the directory cannot be created or moved.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "report"
    >>> with prepare_output_dir(out) as tmp:
    ...     _ = (tmp / "table.csv").write_text("a\\n")
    >>> sorted(p.name for p in out.iterdir())
    ['.trustsurvey-output', 'table.csv']
    >>> with prepare_output_dir(out) as tmp:
    ...     pass
    Traceback (most recent call last):
    ...
    trustsurvey.errors.ReportError: output directory ... already exists and is not empty; ...
    """
    target = Path(path).expanduser()
    if target.exists() and not target.is_dir():
        raise ReportError(f"output path {str(target)!r} is a file, not a directory; choose another --out")
    existing = target.is_dir() and any(target.iterdir())
    if existing and not force:
        raise ReportError(f"output directory {str(target)!r} already exists and is not empty; choose a new "
                          "directory or pass --force to replace it")
    parent = target.parent
    with _SignalGuard() as guard:
        try:
            parent.mkdir(parents=True, exist_ok=True)
            tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=parent))
        except OSError as exc:
            raise ReportError(f"cannot create the output directory in {str(parent)!r}: {exc.strerror}") from exc
        try:
            (tmp / MARKER).write_text("This directory was written by trustsurvey; `--force` may replace it.\n",
                                      encoding="utf-8")
            yield tmp
            os.chmod(tmp, 0o777 & ~_umask())
            with guard.deferred():
                _move_into_place(tmp, target, force)
        except BaseException:
            guard.deferring = True  # a second signal must not interrupt the clean-up
            shutil.rmtree(tmp, ignore_errors=True)
            raise


def _move_into_place(tmp: Path, target: Path, force: bool) -> None:
    if not target.exists():
        try:
            os.rename(tmp, target)
        except OSError as exc:
            raise ReportError(f"cannot move the finished report into {str(target)!r}: {exc.strerror}") from exc
        return
    contents = list(target.iterdir())
    if contents and not force:  # appeared while we were writing
        raise ReportError(f"output directory {str(target)!r} was filled by someone else while the report was "
                          "being written; choose a new directory or pass --force")
    ours = not contents or (target / MARKER).is_file()
    aside = _free_name(target, ".old") if not ours else Path(tempfile.mkdtemp(
        prefix=f".{target.name}.old-", dir=target.parent))
    try:
        if ours:
            os.rmdir(aside)  # mkdtemp reserved the name; the rename needs it free
        os.rename(target, aside)
    except OSError as exc:
        raise ReportError(f"cannot move the existing {str(target)!r} aside to replace it: {exc.strerror}") from exc
    try:
        os.rename(tmp, target)
    except OSError as exc:
        os.rename(aside, target)  # put the old report back
        raise ReportError(f"cannot move the finished report into {str(target)!r}: {exc.strerror}") from exc
    if ours:
        shutil.rmtree(aside, ignore_errors=True)
    else:
        warnings.warn(f"{str(target)!r} was not a trustsurvey output directory; its old contents were moved to "
                      f"{str(aside)!r}, not deleted", TrustSurveyWarning, stacklevel=4)
