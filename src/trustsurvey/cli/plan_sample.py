"""``trustsurvey plan-sample``: next year's sample from the plan's current wave.

Reads the analysis plan, the current wave (weighted as the plan says), the
design effects of the plan's key items, and prints the sample size for the
target margin of error, its allocation (by one variable, and within it by a
second), the expected margins of error and the cost (see
:func:`trustsurvey.planning.next_wave`).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

__all__ = ["add_parser", "run"]

# trustsurvey.planning's choices, spelled out so that building the parser imports no numpy or pandas
# (a test checks they agree)
ALLOCATION_METHODS = ("proportional", "neyman", "equal", "power")
DEFF_STATISTICS = ("mean", "median", "max")


def _share(text: str) -> float:
    try:
        x = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0 < x < 1:
        raise argparse.ArgumentTypeError(f"{text} must lie between 0 and 1 (0.03 = 3 points)")
    return x


def _positive(text: str) -> float:
    try:
        x = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not x > 0:
        raise argparse.ArgumentTypeError(f"{text} must be positive")
    return x


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Register ``plan-sample`` on the subcommand parsers of ``trustsurvey``."""
    p = subparsers.add_parser(
        "plan-sample", help="plan next year's sample from the current wave's design effects",
        description="Size and allocate next year's sample from the plan's current wave: the design effects "
        "of the key items, the interviews needed for a margin of error, their allocation by region (and "
        "within it by a second variable), the expected margins of error and the cost.")
    p.add_argument("plan", metavar="PLAN", help="the analysis plan (YAML)")
    p.add_argument("--moe", type=_share, required=True, help="national margin of error of a share (0.03 = 3 points)")
    p.add_argument("--by", action="append", default=None, metavar="VAR",
                   help="allocate by this variable; give it twice (--by region --by municipality) to allocate "
                   "within the first by the second")
    p.add_argument("--wave", type=int, default=None, help="the wave to plan from (default: the plan's current)")
    p.add_argument("--items", nargs="+", default=None, metavar="ITEM",
                   help="items whose design effects count (default: the plan's key_items)")
    p.add_argument("--deff", type=_positive, default=None, help="use this design effect instead of the wave's")
    p.add_argument("--deff-statistic", choices=DEFF_STATISTICS, default="mean",
                   help="how the key items' design effects are combined (default: mean)")
    p.add_argument("--p", type=_share, default=0.5, help="anticipated share (default 0.5, the worst case)")
    p.add_argument("--conf", type=_share, default=0.95, help="confidence level (default 0.95)")
    p.add_argument("--response-rate", type=_share_or_one, default=1.0,
                   help="share of issued addresses expected to complete the interview (default 1)")
    p.add_argument("--method", choices=ALLOCATION_METHODS, default="proportional",
                   help="allocation to the first --by variable (default: proportional)")
    p.add_argument("--power", type=float, default=0.5, help="exponent of --method power (default 0.5)")
    p.add_argument("--min-per-stratum", type=float, default=0, help="at least this many interviews per stratum")
    p.add_argument("--cost-per-interview", type=_positive, default=None, metavar="X",
                   help="cost of one completed interview")
    p.add_argument("--budget", type=_positive, default=None, help="a fixed budget: what it buys (needs "
                   "--cost-per-interview)")
    p.add_argument("--lang", default="en", help="language of the text and the labels (one the questionnaire "
                   "declares; default: en)")
    p.add_argument("--json", action="store_true", help="print the plan as JSON")
    p.set_defaults(func=run)
    return p


def _share_or_one(text: str) -> float:
    if text.strip() in ("1", "1.0"):
        return 1.0
    return _share(text)


def _label(m, variable: str, code) -> str:
    if code == "total":
        return m.t("total")
    try:
        return str(m.group(variable, code))
    except Exception:  # noqa: BLE001 - no label: the code itself
        return str(code)


def _fmt(x: float, decimals: int = 0, lang: str = "en") -> str:
    from ..labels.numbers import format_number

    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "-"
    return format_number(x, decimals, lang)


def _table(frame, by, m, cost: bool) -> str:
    t, lang = m.t, m.lang
    header = [*(m.demographic(b) for b in by), t.pgettext("column", "Population"), t.pgettext("column", "Interviews"),
              t.pgettext("column", "Issued"), t.pgettext("column", "Margin of error (pts)")]
    header += [t.pgettext("column", "Cost")] if cost else []
    rows = []
    for rec in frame.to_dict("records"):
        cells = [_label(m, b, rec[b]) for b in by]
        cells += [_fmt(rec["population"], 0, lang), _fmt(rec["n_rounded"], 0, lang), _fmt(rec["issued"], 0, lang),
                  _fmt(100 * rec["moe"], 1, lang)]
        if cost:
            cells.append(_fmt(rec["cost"], 0, lang))
        rows.append(cells)
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]
    left = len(by)

    def line(cells):
        return "  ".join(c.ljust(w) if i < left else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths)))

    return "\n".join([line(header)] + [line(r) for r in rows])


def _text(plan, wave: int, n_resp: int, method: str, power: float, by, given: bool, statistic: str, m) -> str:
    t, lang = m.t, m.lang
    d = plan.deffs
    items = ", ".join(f"{i} {_fmt(x, 2, lang)}" for i, x in zip(d["item"], d["deff"]))
    need = math.ceil(plan.n - 1e-9)
    if given:
        source = t.format("given; the key items' in {year}", year=wave)
    else:
        source = {"mean": t("the mean of the key items'"), "median": t("the median of the key items'"),
                  "max": t("the largest of the key items'")}[statistic]
    issued = (" " + t.format("({issued} issued at a response rate of {rate}%)",
                             issued=_fmt(math.ceil(plan.issued - 1e-9), 0, lang),
                             rate=_fmt(100 * plan.response_rate, _decimals(100 * plan.response_rate), lang))
              if plan.response_rate < 1 else "")
    lines = [
        t.format("Plan for {year} from the {wave} wave ({n} respondents).", year=wave + 1, wave=wave,
                 n=_fmt(n_resp, 0, lang)),
        t.format("Design effect {deff} ({source}: {items}).", deff=_fmt(plan.deff, 2, lang), source=source,
                 items=items),
        t.format("For a national margin of error of ±{moe} points at {conf}% confidence on a share of {p}%, the "
                 "{year} wave needs {n} completed interviews{issued}.", moe=_fmt(100 * plan.moe, 1, lang),
                 conf=_fmt(100 * plan.conf, _decimals(100 * plan.conf), lang),
                 p=_fmt(100 * plan.p, _decimals(100 * plan.p), lang), year=wave + 1, n=_fmt(need, 0, lang),
                 issued=issued),
    ]
    if math.isfinite(plan.cost):
        lines.append(t.format("Cost: {cost} at {price} per completed interview.", cost=_fmt(plan.cost, 0, lang),
                              price=_fmt(plan.cost_per_interview, 2, lang)))
    if by:
        how = {"proportional": t.pgettext("allocation", "proportional"),
               "neyman": t.pgettext("allocation", "Neyman"), "equal": t.pgettext("allocation", "equal"),
               "power": t.format("power (exponent {power})", power=_fmt(power, _decimals(power), lang))}[method]
        within = (t.format(", then proportionally by {by} within each", by=m.demographic(by[1]))
                  if len(by) > 1 else "")
        lines.append(t.format("Allocation: {how} by {by}{within}; expected national margin of error ±{moe} points.",
                              how=how, by=m.demographic(by[0]), within=within,
                              moe=_fmt(100 * plan.moe_national, 1, lang)))
    if math.isfinite(plan.budget):
        lines.append(t.format("A budget of {budget} buys {n} interviews: national margin of error ±{moe} points.",
                              budget=_fmt(plan.budget, 0, lang), n=_fmt(math.floor(plan.n_budget), 0, lang),
                              moe=_fmt(100 * plan.moe_budget, 1, lang)))
    return "\n".join(lines)


def _decimals(x: float) -> int:
    """The decimals that show ``x`` as ``:g`` would (95 -> 0, 97.5 -> 1, 0.5 -> 1)."""
    text = f"{x:g}"
    return len(text.split(".")[1]) if "." in text else 0


def _clean(x):
    if isinstance(x, float) and not math.isfinite(x):
        return None
    if hasattr(x, "item"):
        return _clean(x.item())
    return x


def run(args: argparse.Namespace) -> int:
    """Run ``plan-sample``; returns the exit code (errors are raised for ``main`` to report)."""
    from ..errors import PlanError
    from ..io import read_survey
    from ..labels import meaning
    from ..plan import AnalysisPlan
    from ..planning import next_wave
    from ..questionnaire import Questionnaire
    from . import UsageError

    if not Path(args.plan).is_file():
        raise UsageError(f"plan file {args.plan!r} does not exist")
    if args.budget is not None and args.cost_per_interview is None:
        raise UsageError("--budget needs --cost-per-interview")
    plan = AnalysisPlan.from_yaml(args.plan)
    wave = plan.current if args.wave is None else args.wave
    if wave not in plan.waves:
        raise PlanError(f"--wave {wave}: the plan has the waves {sorted(plan.waves)}")
    q = Questionnaire.from_yaml(plan.questionnaire)
    if not args.json:
        meaning(q, args.lang)  # an unknown --lang is refused before the data are read
    survey = read_survey(plan.waves[wave], q, wave=wave)
    if plan.weighting and q.weighting is not None:
        survey = survey.weight()
    by = []
    for b in args.by or []:
        by.extend(x.strip() for x in b.split(",") if x.strip())
    if len(by) > 2:
        raise UsageError(f"--by given {len(by)} times: at most two variables (strata, then cells within them)")
    items = list(args.items or plan.key_items)
    result = next_wave(survey, args.moe, items=items, by=by or None, p=args.p, deff=args.deff,
                       deff_statistic=args.deff_statistic, conf=args.conf, response_rate=args.response_rate,
                       method=args.method, power=args.power, min_per_stratum=args.min_per_stratum,
                       cost_per_interview=args.cost_per_interview, budget=args.budget)
    frame = result.to_frame()
    if args.json:
        payload = {
            "plan": str(args.plan), "wave": wave, "target_wave": wave + 1, "respondents": survey.n,
            "deff": result.deff, "deff_statistic": "given" if args.deff is not None else args.deff_statistic,
            "design_effects": [{k: _clean(v) for k, v in r.items()} for r in result.deffs.to_dict("records")],
            "moe": result.moe, "p": result.p, "conf": result.conf, "response_rate": result.response_rate,
            "population": result.population, "interviews": result.n, "issued": result.issued,
            "moe_national": result.moe_national, "method": args.method, "by": by,
            "cost_per_interview": _clean(result.cost_per_interview), "cost": _clean(result.cost),
            "budget": _clean(result.budget), "interviews_for_budget": _clean(result.n_budget),
            "moe_for_budget": _clean(result.moe_budget),
            "allocation": [{k: _clean(v) for k, v in r.items()} for r in frame.to_dict("records")],
        }
        print(json.dumps(payload, ensure_ascii=False, indent=2), file=sys.stdout)
        return 0
    m = meaning(q, args.lang)
    print(_text(result, wave, survey.n, args.method, args.power, by, args.deff is not None, args.deff_statistic, m),
          file=sys.stdout)
    print(file=sys.stdout)
    print(_table(frame, by, m, math.isfinite(result.cost)), file=sys.stdout)
    return 0
