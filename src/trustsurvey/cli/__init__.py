"""The ``trustsurvey`` command line: ``make_parser()`` and ``main(argv) -> int``.

This is the only module that prints. Exit codes (:data:`EXIT_CODES`): 0 success,
1 problems found or an error in the input (a message on stderr, never a
traceback), 2 usage errors (bad options, a file that does not exist), 130
interrupted (Ctrl-C), 143 terminated (SIGTERM; 129 for SIGHUP). Messages name
options and keys as the user writes them: ``--force``, the plan's ``extra: ignore``.

Each subcommand is one small ``_cmd_*`` function registered by an ``_add_*``
function, so new subcommands (``run``, ``weight``, ``reproduce``) slot in beside
them.
"""

from __future__ import annotations

import argparse
import errno
import json
import os
import re
import shlex
import sys
import tempfile
from pathlib import Path
from typing import Callable, Sequence

from .. import __version__
from ..errors import ReportError, TrustSurveyError
from .plan_sample import add_parser as add_plan_sample
from .report_commands import add_report_commands

__all__ = ["make_parser", "main"]

#: Problems printed by ``validate`` before the rest are only counted.
MAX_PROBLEM_ROWS = 50

#: What each exit code of ``trustsurvey`` means.
EXIT_CODES = {
    0: "success (validate: the data are valid; reproduce: every number reproduced from the same inputs)",
    1: "problems found (invalid data, a questionnaire with problems, numbers not reproduced, changed inputs), "
       "or an input or output that cannot be used; a message on stderr, never a traceback",
    2: "usage error: an unknown option, a missing argument, an input file that does not exist",
    130: "interrupted (Ctrl-C); the output folder was left as it was",
    143: "terminated (SIGTERM; 129 for SIGHUP); the output folder was left as it was",
}

#: Python spellings in messages from the layers below, and how each command's user writes them.
_RUN_EXTRA = "add `extra: ignore` (or `extra: keep`) to the analysis plan"
_SPELLINGS = {
    "read with extra='ignore' (or 'keep')": {
        "validate": "pass --extra ignore (or --extra keep)", "run": _RUN_EXTRA, "example": _RUN_EXTRA,
        "reproduce": _RUN_EXTRA, "weight": "pass --extra ignore (or --extra keep)",
    },
    "pass force=True (--force)": {"*": "add --force"},
    "force=True": {"*": "--force"},
}


def interface_spelling(message: str, command: str) -> str:
    """``message`` with the Python spellings of options replaced by those of ``command``'s user.

    >>> interface_spelling("out.csv already exists; choose another name or pass force=True (--force)", "weight")
    'out.csv already exists; choose another name or add --force'
    >>> interface_spelling("sheet 'Field data' has them all: read it with sheet='Field data'", "validate")
    "sheet 'Field data' has them all: read it with --sheet 'Field data'"
    """
    for python, spelled in _SPELLINGS.items():
        if python in message:
            message = message.replace(python, spelled.get(command, spelled.get("*", python)))
    return _SHEET.sub(lambda m: f"--sheet {shlex.quote(m.group(2))}", message)


#: ``sheet='Data'`` (the readers' keyword) in a message: the command line's ``--sheet Data``.
_SHEET = re.compile(r"""\bsheet=(['"])(.*?)\1""")


class UsageError(Exception):
    """A usage error found after parsing (e.g. an input file that does not exist): exit 2."""


# ---------------------------------------------------------------- helpers


def _out(text: str = "") -> None:
    print(text, file=sys.stdout)


def _err(text: str) -> None:
    print(text, file=sys.stderr)


def _existing_file(path: str, what: str) -> Path:
    p = Path(path)
    if not p.exists():
        raise UsageError(f"{what} not found: {path}")
    if p.is_dir():
        raise UsageError(f"{what} is a directory, not a file: {path}")
    return p


def _new_file(path: str, force: bool) -> Path:
    p = Path(path)
    if p.is_dir():
        raise UsageError(f"output {path} is a directory; give a file name such as {Path(path) / 'questionnaire.yaml'}")
    if p.exists() and not force:
        raise ReportError(f"output file {path} already exists; choose another name or add --force to overwrite it")
    if not p.parent.exists():
        raise UsageError(f"output folder {p.parent} does not exist; create it first")
    return p


def _write_atomically(path: Path, write: Callable[[Path], object]) -> None:
    """Write through ``write(tmp_path)`` into a temporary file beside ``path``, then move it into place."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        tmp_path.unlink()
        write(tmp_path)
        os.replace(tmp_path, path)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def _problem_records(problems) -> list[dict]:
    records = []
    for row, rid, column, value, problem in problems.itertuples(index=False, name=None):
        records.append(
            {
                "row": None if _isna(row) else int(row),
                "respondent_id": None if _isna(rid) else str(rid),
                "column": str(column),
                "value": None if _isna(value) else str(value),
                "problem": str(problem),
            }
        )
    return records


def _isna(value) -> bool:
    import pandas as pd

    return value is None or bool(pd.isna(value))


def _problem_table(problems, limit: int = MAX_PROBLEM_ROWS) -> str:
    """The first ``limit`` problems as a left-aligned text table, then a count of the rest."""
    records = _problem_records(problems.head(limit))
    header = ("row", "respondent_id", "column", "value", "problem")
    cells = [["" if r[h] is None else str(r[h]) for h in header] for r in records]
    for row in cells:
        if len(row[3]) > 30:
            row[3] = row[3][:27] + "..."
    widths = [max([len(h)] + [len(row[i]) for row in cells]) for i, h in enumerate(header)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(header, widths)).rstrip()]
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in cells]
    if len(problems) > limit:
        lines.append(f"... and {len(problems) - limit} more problem(s); use --json for the full list")
    return "\n".join(lines)


# ---------------------------------------------------------------- validate


def _add_validate(sub) -> None:
    p = sub.add_parser(
        "validate",
        help="check a data file against a questionnaire",
        description="Check a response file (CSV, Excel, SPSS, Stata, Parquet) against a questionnaire "
        "and list every problem. Exit 0 if valid, 1 if problems were found, 2 on usage errors.",
    )
    p.add_argument("questionnaire", metavar="QUESTIONNAIRE", help="questionnaire YAML file")
    p.add_argument("data", metavar="DATA", help="response data file")
    p.add_argument("--wave", type=int, default=None, help="the wave whose column names the file uses")
    p.add_argument("--sheet", default=None, help="Excel sheet name (default: the first sheet)")
    p.add_argument("--extra", choices=("error", "ignore", "keep"), default="error",
                   help="columns the questionnaire does not know: report (default), ignore or keep")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.set_defaults(func=_cmd_validate)


def _cmd_validate(args: argparse.Namespace) -> int:
    from ..io import validate_file
    from ..questionnaire import Questionnaire

    qpath = _existing_file(args.questionnaire, "questionnaire file")
    dpath = _existing_file(args.data, "data file")
    q = Questionnaire.from_yaml(qpath)
    result = validate_file(dpath, q, wave=args.wave, sheet=args.sheet, extra=args.extra)
    problems = result.problems.assign(
        problem=result.problems["problem"].map(lambda p: interface_spelling(p, "validate")).astype(
            result.problems["problem"].dtype))
    if args.json:
        payload = {
            "file": str(dpath),
            "wave": result.wave,
            "respondents": int(len(result.data)),
            "items": result.n_items,
            "valid": result.ok,
            "n_problems": int(len(problems)),
            "problems": _problem_records(problems),
            "set_aside": dict(result.set_aside_reasons or {}),
        }
        _out(json.dumps(payload, ensure_ascii=False, indent=2))
        return 0 if result.ok else 1
    _out(result.summary())
    reasons = result.set_aside_reasons or {}
    for column, why in list(reasons.items())[:MAX_PROBLEM_ROWS]:
        _out(f"  set aside: {column} ({why})")
    if len(reasons) > MAX_PROBLEM_ROWS:
        _out(f"  ... and {len(reasons) - MAX_PROBLEM_ROWS} more column(s) set aside; use --json for the full list")
    if not result.ok:
        _out("row = data row (1 = the first row after the header)")
        _out(_problem_table(problems))
    return 0 if result.ok else 1


# ---------------------------------------------------------------- questionnaire


def _add_questionnaire(sub) -> None:
    p = sub.add_parser("questionnaire", help="check or import questionnaire definitions",
                       description="Check a questionnaire YAML file or build one from an XLSForm, SPSS or Stata file.")
    qsub = p.add_subparsers(dest="questionnaire_command", metavar="COMMAND", required=True)
    lint = qsub.add_parser("lint", help="check a questionnaire YAML file",
                           description="Check a questionnaire: schema, labels in every language, codes, "
                           "nets, routing, indices. Exit 0 if clean, 1 if problems were found.")
    lint.add_argument("file", metavar="FILE", help="questionnaire YAML file")
    lint.set_defaults(func=_cmd_lint)
    for name, what, suffix, func in (
        ("import-xlsform", "an XLSForm (.xlsx or .xls; ODK, KoboToolbox)", "FORM.xlsx", _cmd_import_xlsform),
        ("import-spss", "an SPSS (.sav, .zsav, .por) or Stata (.dta) file's variables and labels", "FILE.sav",
         _cmd_import_spss),
        ("import-stata", "a Stata .dta (or SPSS) file's variables and labels", "FILE.dta", _cmd_import_spss),
    ):
        imp = qsub.add_parser(name, help=f"build a questionnaire skeleton from {what}",
                              description=f"Build a questionnaire YAML skeleton from {what}.")
        imp.add_argument("source", metavar=suffix)
        imp.add_argument("-o", "--output", required=True, metavar="OUT.yaml", help="YAML file to write")
        imp.add_argument("--force", action="store_true", help="overwrite an existing output file")
        imp.add_argument("--wave", type=int, default=None, help="survey year (default: from the file, else this year)")
        imp.add_argument("--survey-id", default=None, help="survey id (default: from the file or its name)")
        imp.add_argument("--language", default=None, help="language of unmarked labels (default: en)")
        if name == "import-xlsform":
            imp.add_argument("--repeat", default=None, metavar="NAME",
                             help="import the table of this repeat group (one row per repetition)")
        else:
            imp.add_argument("--select", default=None, metavar="V1,V2,...",
                             help="keep only these variables (comma separated; glob patterns such as 'trst*'); "
                             "weight, stratum and PSU variables are kept")
        imp.set_defaults(func=func)


def _cmd_lint(args: argparse.Namespace) -> int:
    from ..questionnaire import Questionnaire, lint_file

    path = _existing_file(args.file, "questionnaire file")
    problems = [str(p) for p in lint_file(path)]
    if problems:
        _out(f"{path}: {len(problems)} problem(s)")
        for p in problems:
            _out(f"  - {p}")
        return 1
    q = Questionnaire.from_yaml(path)
    _out(f"{path}: ok ({len(q.questions)} questions, {len(q.demographics)} demographics, "
         f"{len(q.scales)} scales, {len(q.indices)} indices)")
    return 0


def _import(args: argparse.Namespace, importer_name: str, what: str) -> int:
    from .. import questionnaire as qmod

    source = _existing_file(args.source, what)
    out = _new_file(args.output, args.force)
    options = {"wave": args.wave, "survey_id": args.survey_id}
    if args.language is not None:
        options["language"] = args.language
    for key in ("repeat", "select"):
        if getattr(args, key, None) is not None:
            options[key] = getattr(args, key)
    q = getattr(qmod, importer_name)(source, **options)
    _write_atomically(out, lambda tmp: q.to_yaml(tmp))
    design = "" if q.design is None else ", a design section"
    _out(f"wrote {out}: {len(q.questions)} questions, {len(q.demographics)} demographics, {len(q.scales)} scales"
         f"{design}; {len(q.notes)} notes list what was left out or guessed "
         "(a skeleton: read its notes, check labels, routing and design, then run 'trustsurvey questionnaire lint')")
    return 0


def _cmd_import_xlsform(args: argparse.Namespace) -> int:
    return _import(args, "import_xlsform", "XLSForm file")


def _cmd_import_spss(args: argparse.Namespace) -> int:
    return _import(args, "import_spss", "SPSS or Stata file")


# ---------------------------------------------------------------- example


def _example_files() -> dict[int, Path]:
    """The bundled example data files (CSV), by wave."""
    from ..datasets import EXAMPLE_WAVES, example_path

    files = {wave: example_path(wave, "csv") for wave in EXAMPLE_WAVES}
    missing = [str(p) for p in files.values() if not p.is_file()]
    if missing:
        raise TrustSurveyError(f"the bundled example data are missing from the installation ({', '.join(missing)}); "
                               "reinstall trustsurvey")
    return files


def _mismatch_table(frame, limit: int | None = MAX_PROBLEM_ROWS) -> str:
    """The mismatches of a reproduction as text (the first ``limit``; all with ``None``)."""
    shown = frame if limit is None else frame.head(limit)
    text = shown.to_string(index=False, max_colwidth=80)
    if len(frame) > len(shown):
        text += f"\n... and {len(frame) - len(shown)} more; use --all or --json for the full list"
    return text


def _inputs_of(args: argparse.Namespace) -> str:
    """The input files a command was given (for messages that cannot name one themselves)."""
    names = [str(getattr(args, a)) for a in ("plan", "manifest", "questionnaire", "file", "source", "data")
             if isinstance(getattr(args, a, None), str)]
    if isinstance(getattr(args, "plan", None), str):  # the plan's questionnaire, where the routing is
        from ..plan import AnalysisPlan

        try:
            names.append(str(AnalysisPlan.from_yaml(args.plan).questionnaire))
        except TrustSurveyError:
            pass
    return ", ".join(names) or "the input"


def _outputs_of(args: argparse.Namespace) -> str | None:
    for a, flag in (("out", "--out"), ("output", "-o")):
        if isinstance(getattr(args, a, None), str):
            return f"{flag} {getattr(args, a)}"
    return None


def _summarise_example(out: Path) -> list[str]:
    """Validate the bundled example waves; write the summaries into ``out``; return lines to print."""
    import pandas as pd

    from ..io import validate_file
    from ..io.summary import missing_summary, sample_summary
    from ..spreadsheet import escape_frame
    from ..questionnaire import bundled

    q = bundled()
    lines, files, problems, missing, sample = [], [], [], [], []
    for wave, path in _example_files().items():
        result = validate_file(path, q)
        lines.append(result.summary())
        files.append({"wave": wave, "file": path.name, "respondents": int(len(result.data)),
                      "items": result.n_items, "valid": result.ok, "n_problems": int(len(result.problems))})
        problems.append(result.problems.assign(wave=wave))
        missing.append(missing_summary(result.missing_kinds).assign(wave=wave))
        weight = q.design.weight if q.design is not None else None
        variables = [d for d in q.demographic_ids if q.scale_for(d) is not None]
        sample.append(sample_summary(result.data, q, variables, weight=weight).assign(wave=wave))

    def first(frame: pd.DataFrame) -> pd.DataFrame:
        return frame[["wave", *[c for c in frame.columns if c != "wave"]]]

    summary = {"questionnaire": {"survey_id": q.survey_id, "version": q.version, "wave": q.wave}, "files": files}
    (out / "validation.json").write_text(json.dumps(summary, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    escape_frame(first(pd.concat(problems, ignore_index=True))).to_csv(
        out / "validation_problems.csv", index=False)
    first(pd.concat(missing, ignore_index=True)).to_csv(out / "missing_answers.csv", index=False)
    first(pd.concat(sample, ignore_index=True)).to_csv(out / "sample_composition.csv", index=False,
                                                        float_format="%.6f")
    return lines


# ---------------------------------------------------------------- parser and main


def make_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``trustsurvey`` command.

    >>> make_parser().parse_args(["validate", "q.yaml", "d.csv", "--json"]).json
    True
    """
    parser = argparse.ArgumentParser(
        prog="trustsurvey",
        description="Design-based analysis of police trust and satisfaction surveys.",
    )
    parser.add_argument("--version", action="version", version=f"trustsurvey {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    _add_validate(sub)
    _add_questionnaire(sub)
    add_report_commands(sub, out_fn=_out, table_fn=_mismatch_table, summarise=_summarise_example)
    add_plan_sample(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``trustsurvey`` command; returns the exit code.

    Parameters
    ----------
    argv : sequence of str, optional
        The arguments (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        The exit code (:data:`EXIT_CODES`): 0 success, 1 problems found or bad input, 2 usage error,
        130 interrupted, 143 terminated.
    """
    parser = make_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse: --help, --version (0) or a usage error (2)
        return int(exc.code or 0) if not isinstance(exc.code, str) else 2
    command = args.command
    try:
        return int(args.func(args))
    except UsageError as exc:
        _err(f"trustsurvey {command}: error: {interface_spelling(str(exc), command)}")
        return 2
    except TrustSurveyError as exc:
        _err(f"trustsurvey {command}: error: {interface_spelling(str(exc), command)}")
        return 1
    except RecursionError:
        _err(f"trustsurvey {command}: error: {_inputs_of(args)}: nested too deeply to read (for example "
             "hundreds of parentheses in a routing expression); write the expression with fewer levels")
        return 1
    except BrokenPipeError:  # output piped into e.g. `head`, which stopped reading
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    except OSError as exc:
        where = getattr(exc, "filename", None) or _outputs_of(args) or _inputs_of(args)
        full = exc.errno in (errno.ENOSPC, errno.EFBIG, getattr(errno, "EDQUOT", errno.ENOSPC))
        _err(f"trustsurvey {command}: error: {where}: {exc.strerror or exc}"
             + ("; free some space or write elsewhere" if full else ""))
        return 1
    except KeyboardInterrupt:
        _err("interrupted; the output folder was left as it was")
        return 130
    except SystemExit as exc:
        signum = getattr(exc, "signum", None)
        if signum is None:
            raise
        _err(f"terminated (signal {signum}); the output folder was left as it was")
        return int(exc.code)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
