"""Subcommands that run the annual analysis: ``run``, ``example``, ``reproduce`` and ``weight``."""

from __future__ import annotations

import argparse
import sys
from importlib import resources
from pathlib import Path
from typing import Callable

from ..errors import TrustSurveyError

__all__ = ["add_report_commands"]


class _Progress:
    """A progress bar on stderr (tqdm), silent with ``--quiet``."""

    def __init__(self, total: int, quiet: bool):
        from tqdm import tqdm

        self.bar = tqdm(total=total, disable=quiet or not sys.stderr.isatty(), file=sys.stderr, leave=False,
                        bar_format="{l_bar}{bar}| {n_fmt}/{total_fmt} [{elapsed}]")

    def __call__(self, message: str) -> None:
        self.bar.set_description_str(message)
        self.bar.update(1)

    def close(self) -> None:
        self.bar.close()


def check_plan_methods(plan) -> None:
    """The plan's ``adjust`` must be a method the package knows: said in the plan's own spelling."""
    from ..errors import PlanError, SignificanceError
    from ..multiplicity import ADJUST_METHODS, method_name

    try:
        method_name(plan.adjust)
    except SignificanceError:
        raise PlanError(f"{plan.path or 'the plan'}: adjust: {plan.adjust!r} is not a known adjustment; "
                        f"write one of {', '.join(ADJUST_METHODS)} (or bh)") from None


def _steps(plan) -> int:
    # reading + weighting + breakdown + recommendations per wave, trend; then tables, plans, figures per language, manifest
    return 4 * len(plan.waves) + 1 + 4 + len(plan.languages)


def _run_plan(plan, out: str, *, force: bool, quiet: bool, lang: str | None, out_fn: Callable[[str], None],
              extra=None, pdf: bool = False) -> int:
    from dataclasses import replace

    from ..pipeline import compute
    from ..publish import publish, report_workers

    if lang is not None:
        plan = replace(plan, languages=(lang,))
    progress = _Progress(_steps(plan), quiet)
    try:
        # the drawing processes start first, and get ready while the statistics are computed
        with report_workers(plan.languages) as workers:
            result = compute(plan, progress=progress)
            written = publish(result, out, force=force, progress=progress, extra=extra, pdf=pdf or None,
                              workers=workers)
    finally:
        progress.close()
    recs = result.recommendations.get(result.current)
    out_fn(f"wave {result.current}: {len(result.surveys[result.current].data)} respondents, "
           f"{len(result.tables[result.current])} table rows, "
           f"{0 if recs is None else len(recs.to_frame())} recommendations"
           + ("" if recs is None or recs.addressed_count is None
              else f", {recs.addressed_count} of last year's recommendations addressed"))
    for name, path in written.items():
        out_fn(f"  {name}: {path}")
    return 0


def _add_run(sub, out_fn) -> None:
    p = sub.add_parser("run", help="run an analysis plan: tables, figures, report, action plan, manifest",
                       description="Run an analysis plan (YAML) and write the report into --out.")
    p.add_argument("plan", metavar="PLAN", help="the analysis plan (YAML)")
    p.add_argument("--out", required=True, metavar="DIR", help="output directory (must not exist or be empty)")
    p.add_argument("--lang", help="only this language (one the questionnaire declares; default: the plan's)")
    p.add_argument("--force", action="store_true", help="replace an existing output directory")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--pdf", action="store_true", help="also write each report as an A4 PDF (needs trustsurvey[pdf])")

    def cmd(args: argparse.Namespace) -> int:
        from ..plan import AnalysisPlan

        from . import UsageError

        if not Path(args.plan).is_file():
            raise UsageError(f"plan file {args.plan!r} does not exist")
        plan = AnalysisPlan.from_yaml(args.plan)
        check_plan_methods(plan)
        return _run_plan(plan, args.out, force=args.force, quiet=args.quiet, lang=args.lang, out_fn=out_fn,
                         pdf=args.pdf)

    p.set_defaults(func=cmd)


def bundled_plan_path() -> Path:
    """The analysis plan of the bundled example (in the installed package)."""
    ref = resources.files("trustsurvey").joinpath("data", "examples", "plan.yaml")
    path = Path(str(ref))
    if not path.is_file():
        raise TrustSurveyError("the bundled example plan is missing from the installation; reinstall trustsurvey")
    return path


def _add_example(sub, out_fn, summarise) -> None:
    p = sub.add_parser("example", help="run the bundled example survey end to end (both waves)",
                       description="Validate, weight and analyse the bundled example survey "
                       "(waves 2024 and 2025) and write the full report into --out.")
    p.add_argument("--out", required=True, metavar="DIR", help="output directory (must not exist or be empty)")
    p.add_argument("--lang", help="only this language (one the questionnaire declares; default: the plan's)")
    p.add_argument("--force", action="store_true", help="replace an existing output directory")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--pdf", action="store_true", help="also write each report as an A4 PDF (needs trustsurvey[pdf])")

    def cmd(args: argparse.Namespace) -> int:
        from ..plan import AnalysisPlan

        plan = AnalysisPlan.from_yaml(bundled_plan_path())
        lines: list[str] = []

        def extra(tmp: Path) -> None:
            folder = tmp / "validation"
            folder.mkdir()
            lines.extend(summarise(folder))

        code = _run_plan(plan, args.out, force=args.force, quiet=args.quiet, lang=args.lang, out_fn=out_fn,
                         extra=extra, pdf=args.pdf)
        for line in lines:
            out_fn(line)
        return code

    p.set_defaults(func=cmd)


def _add_reproduce(sub, out_fn, table_fn) -> None:
    p = sub.add_parser("reproduce", help="recompute a report from its manifest and compare number by number",
                       description="Recompute every published number of a report from its manifest.json, "
                       "check the checksum of every input, and list, cell by cell and in the tables' order, "
                       "what was not reproduced. Exit 0: every number reproduced from the same inputs; "
                       "1: a number differs, or an input differs from the one the manifest records "
                       "(unless --accept-changed-inputs); 2: usage error.")
    p.add_argument("manifest", metavar="MANIFEST", help="the report's manifest.json")
    p.add_argument("--plan", metavar="PLAN", help="the analysis plan (default: the one the manifest records, "
                   "relative to the manifest's folder)")
    p.add_argument("--data", action="append", default=[], metavar="YEAR=FILE",
                   help="use FILE as the data of wave YEAR (repeatable)")
    p.add_argument("--rtol", type=float, default=1e-9, help="relative tolerance (default 1e-9)")
    p.add_argument("--accept-changed-inputs", action="store_true",
                   help="exit 0 when every number is reproduced even if an input's checksum differs")
    p.add_argument("--all", action="store_true", help="list every difference (default: the first 50)")
    p.add_argument("--json", action="store_true", help="print the result as JSON (every difference)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")

    def cmd(args: argparse.Namespace) -> int:
        import json

        from ..reproduce import reproduce

        from . import UsageError

        if not Path(args.manifest).is_file():
            raise UsageError(f"manifest {args.manifest!r} does not exist")
        if args.plan is not None and not Path(args.plan).is_file():
            raise UsageError(f"--plan {args.plan!r}: file does not exist")
        if not args.rtol >= 0:
            raise UsageError(f"--rtol {args.rtol!r}: give a tolerance of 0 or more, e.g. 1e-9")
        data = {}
        for item in args.data:
            year, sep, file = item.partition("=")
            if not sep or not year.strip().isdigit():
                raise UsageError(f"--data {item!r}: write YEAR=FILE, e.g. --data 2025=our_copy.csv")
            if int(year) in data:
                raise UsageError(f"--data: wave {int(year)} is given twice; give each wave once")
            if not Path(file).is_file():
                raise UsageError(f"--data {item!r}: file {file!r} does not exist")
            data[int(year)] = file
        progress = _Progress(12, args.quiet or args.json)
        try:
            rep = reproduce(args.manifest, plan_path=args.plan, data=data or None, rtol=args.rtol,
                            progress=progress)
        finally:
            progress.close()
        changed = rep.changed_inputs
        inputs_ok = not changed or args.accept_changed_inputs
        if args.json:
            out_fn(json.dumps({**rep.to_dict(), "rtol": args.rtol, "changed_inputs_accepted":
                               bool(changed and args.accept_changed_inputs)}, ensure_ascii=False, indent=2))
            return 0 if rep.ok and inputs_ok else 1
        for name, file, status in rep.inputs.itertuples(index=False, name=None):
            if status in ("changed", "missing"):
                what = "differs from the one the manifest records (SHA-256)" if status == "changed" else \
                    "is recorded in the manifest but not an input of the plan now"
                out_fn(f"input {name!r} ({file}) {what}")
        if rep.ok:
            out_fn(f"reproduced: all {rep.n_numbers} published numbers match (rtol {args.rtol:g})")
        else:
            out_fn(f"NOT reproduced: {len(rep.mismatches)} of {rep.n_numbers} published numbers differ")
            out_fn(table_fn(rep.mismatches, None if args.all else 50))
        if changed and not args.accept_changed_inputs:
            out_fn(f"inputs changed: {', '.join(changed)}; these are not the inputs the report was made from "
                   "(exit 1). Pass --accept-changed-inputs if that is intended.")
        return 0 if rep.ok and inputs_ok else 1

    p.set_defaults(func=cmd)


def _add_weight(sub, out_fn) -> None:
    p = sub.add_parser("weight", help="weight a data file with the questionnaire's scheme",
                       description="Read DATA against QUESTIONNAIRE, rake it to the questionnaire's population "
                       "margins and write the data with a new weight column (never over the input).")
    p.add_argument("questionnaire", metavar="QUESTIONNAIRE")
    p.add_argument("data", metavar="DATA")
    p.add_argument("-o", "--output", required=True, metavar="WEIGHTED.csv",
                   help="where to write the weighted data: .csv, .xlsx, .parquet, or .sav/.zsav/.dta with "
                   "variable and value labels")
    p.add_argument("--weight-column", default="weight", help="name of the new column (default: weight)")
    p.add_argument("--force", action="store_true", help="replace an existing output file")
    p.add_argument("--sheet", default=None, help="Excel sheet name (default: the first sheet)")
    p.add_argument("--extra", choices=("error", "ignore", "keep"), default="error",
                   help="columns the questionnaire does not know: an error (default), or accepted and copied "
                   "to the output as they are (ignore, keep)")

    def cmd(args: argparse.Namespace) -> int:
        from ..errors import ReportError
        from ..io.weighted import weight_file

        from . import UsageError

        for f in (args.questionnaire, args.data):
            if not Path(f).is_file():
                raise UsageError(f"file {f!r} does not exist")
        out = Path(args.output)
        if out.exists() and Path(args.data).exists() and out.resolve() == Path(args.data).resolve():
            raise ReportError(f"-o {args.output}: that is the input data file, which is never overwritten; "
                              "choose another output name")
        if out.exists() and not args.force:
            raise ReportError(f"-o {args.output}: the file already exists; choose another name or add --force "
                              "to replace it")
        result = weight_file(args.questionnaire, args.data, args.output, weight_column=args.weight_column,
                             force=args.force, sheet=args.sheet, extra=args.extra)
        out_fn(str(result))
        out_fn(f"wrote {args.output}")
        return 0

    p.set_defaults(func=cmd)


def add_report_commands(sub, *, out_fn, table_fn, summarise) -> None:
    """Register ``run``, ``example``, ``reproduce`` and ``weight`` on the subparsers ``sub``."""
    _add_run(sub, out_fn)
    _add_example(sub, out_fn, summarise)
    _add_reproduce(sub, out_fn, table_fn)
    _add_weight(sub, out_fn)
