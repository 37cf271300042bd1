"""Wording of recommendations: words from the catalogue, labels from the meaning layer.

Every word here is an English message of the interface catalogue
(:mod:`trustsurvey.labels.catalogue`), translated in the ``.po`` files; every
label (item, group, demographic, the population's name) comes from
:class:`~trustsurvey.labels.Meaning`; numbers are written by
:mod:`trustsurvey.labels.numbers`. Nothing names a survey.

A recommendation reads, in the action plan's *Activity* column::

    <subject> — <item>: <estimate>, <comparison> [and <comparison> ...][; <item>: ...]. <action> [<action> ...]

* the **subject** names the population and, for a group, the group and its
  demographic: ``North Shire, Farmers (Occupation)`` (labels of the
  questionnaire, all in the nominative, so that no language has to inflect a
  label);
* each finding says how the estimate compares, right for the row's polarity:
  ``below the target of 55.0%`` where higher is better, ``above the ceiling of
  35.0%`` where lower is better; ``12.0 percentage points below the level of
  all respondents (66.7%)``; ``down 6.0 percentage points from 72.0% in 2024``;
  findings about the same estimate share one ``<item>: <estimate>``;
* the **action** is what to do: the questionnaire rule's ``text`` (a template,
  per language; ``sr-Cyrl`` transliterated from ``sr``), or the catalogue's
  default for the rule type; the actions of every rule that fired, in order.

The *Measurement indicator* is the outcome the next survey must show, in the
same polarity (``<item>: the result reaches at least 55.0% in the 2026
survey``, ``... falls to at most 35.0% ...``; of several goals of one estimate
the one that binds), followed by the rules' own ``indicator`` texts (output
indicators such as "regional action plan adopted"), if they give them.

Templates of a questionnaire rule (``text``, ``responsible``, ``supporting``,
``indicator``, ``deadline``) are filled with
:func:`~trustsurvey.labels.catalogue.fill` (plain ``{name}`` fields only) from
:func:`template_values`, whose fields are those of
:data:`trustsurvey.questionnaire.sections.TEMPLATE_FIELDS`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..labels.catalogue import NC_, fill
from ..labels.numbers import (
    format_number,
    format_p,
    format_points,
    format_value,
    is_finite,
)
from ..vocabulary import NATIONAL

__all__ = [
    "subject",
    "item_phrase",
    "comparison",
    "finding_text",
    "indicator_text",
    "default_action",
    "template_values",
    "evidence_comment",
    "deadline_text",
    "plan_headers",
    "status_label",
    "status_rule",
    "PLAN_COLUMNS",
    "STATUS_LABELS",
    "STATUS_RULES",
    "TO_BE_ASSIGNED",
    "COST",
]

#: an institution the questionnaire's rules do not name
TO_BE_ASSIGNED = NC_("institution", "to be assigned")
#: the action plan's cost: not known to the package
COST = NC_("cost", "to be determined")

#: the strategy's action-plan columns
PLAN_COLUMNS = (
    NC_("action plan column", "Activity"),
    NC_("action plan column", "Measurement indicator"),
    NC_("action plan column", "Responsible institution"),
    NC_("action plan column", "Supporting institution"),
    NC_("action plan column", "Implementation deadline"),
    NC_("action plan column", "Cost"),
    NC_("action plan column", "Comments"),
)

#: a recommendation's status: ``new`` this wave, or how last year's recommendation fared
STATUS_LABELS = {
    "new": NC_("status", "new"),
    "target_met": NC_("status", "target met"),
    "improved": NC_("status", "improved significantly"),
    "no_change": NC_("status", "no significant change"),
    "worsened": NC_("status", "worsened significantly"),
    "not_measurable": NC_("status", "not measurable"),
}
#: the rule of each monitoring status, in words (``{alpha}`` is the significance level)
STATUS_RULES = {
    "target_met": NC_("status rule", "This year's estimate reaches the goal the recommendation set: its target, "
                                     "threshold or earlier level; for a group's gap, the gap to all respondents is "
                                     "within the allowed size."),
    "improved": NC_("status rule", "The goal is not reached, but the estimate changed in the favourable direction "
                                   "since the previous wave, significant at the {alpha} level (two-sided t test of "
                                   "the change between the two waves, unadjusted p-value)."),
    "no_change": NC_("status rule", "The goal is not reached and the change since the previous wave is not "
                                    "significant at the {alpha} level, or could not be tested."),
    "worsened": NC_("status rule", "The goal is not reached and the estimate changed in the unfavourable "
                                   "direction since the previous wave, significant at the {alpha} level "
                                   "(two-sided t test of the change, unadjusted p-value)."),
    "not_measurable": NC_("status rule", "No estimate this year: the item or the group is not in this year's "
                                         "tables, or its estimate is suppressed because too few respondents "
                                         "answered."),
}

# ---------------------------------------------------------------------------------- findings
#: (rule, direction) -> how the estimate compares, after "{item}: {estimate}, "
_COMPARISON = {
    ("below_target", "higher"): NC_("finding", "below the target of {goal}"),
    ("below_target", "lower"): NC_("finding", "above the ceiling of {goal}"),
    ("decline", "higher"): NC_("finding", "down {change} from {previous} in {previous_wave}"),
    ("decline", "lower"): NC_("finding", "up {change} from {previous} in {previous_wave}"),
    ("group_gap", "higher"): NC_("finding", "{gap} below the level of all respondents ({national})"),
    ("group_gap", "lower"): NC_("finding", "{gap} above the level of all respondents ({national})"),
    ("local_gap", "higher"): NC_("finding", "{gap} below the level of all respondents ({national}) by the "
                                            "small-area model, its whole 95% interval ({ci_low} to {ci_high}) "
                                            "below that level"),
    ("local_gap", "lower"): NC_("finding", "{gap} above the level of all respondents ({national}) by the "
                                           "small-area model, its whole 95% interval ({ci_low} to {ci_high}) "
                                           "above that level"),
    ("threshold", "higher"): NC_("finding", "below the threshold of {threshold}"),
    ("threshold", "lower"): NC_("finding", "above the threshold of {threshold}"),
}
_ITEM_BLOCK = NC_("finding", "{item}: {estimate}, {comparisons}")
_DONT_KNOW_ITEM = NC_("finding", "“don't know” answers to {item}")
_INDICATOR = {
    "higher": NC_("indicator", "{item}: the result reaches at least {goal} in {survey}"),
    "lower": NC_("indicator", "{item}: the result falls to at most {goal} in {survey}"),
    "gap": NC_("indicator", "{item}: the gap to all respondents is less than {threshold} in {survey}"),
}
_ACTIONS = {
    "below_target": NC_("action", "Prepare targeted measures and report on their implementation in the "
                                  "monitoring report."),
    "decline": NC_("action", "Analyse the causes of the change and propose corrective measures."),
    "group_gap": NC_("action", "Analyse the causes of the difference with representatives of this group and "
                               "adapt the activities to it."),
    "low_awareness": NC_("action", "Run an information campaign."),
    "integrity_concern": NC_("action", "Strengthen integrity measures and publish their results regularly."),
    "high_dont_know": NC_("action", "Inform the public better about this area of police work."),
    "local_gap": NC_("action", "Analyse the causes with the local police and the local authorities of this area, "
                               "and agree local measures."),
}
#: rules whose goal is a gap to the level of all respondents
_GAP_RULES = ("group_gap", "local_gap")
_THRESHOLD_RULES = ("low_awareness", "integrity_concern", "high_dont_know")


def _f(row: Mapping[str, Any], key: str) -> Any:
    v = row.get(key)
    return v if is_finite(v) else float("nan")


def _direction(row: Mapping[str, Any]) -> str:
    return "lower" if str(row.get("direction")) == "lower" else "higher"


def _key(row: Mapping[str, Any]) -> str:
    return str(row.get("item_key") or row.get("item", ""))


def subject(m: Any, by: str, group: Any) -> str:
    """Whom a recommendation is about: the population, or the population, the group and its demographic.

    Examples
    --------
    >>> from trustsurvey.labels import Meaning
    >>> subject(Meaning(None, "en"), "national", "all"), subject(Meaning(None, "en"), "region", "3")
    ('All respondents', 'All respondents, 3 (region)')
    """
    if by == NATIONAL:
        return m.population
    return m.t.format("{population}, {group} ({demographic})", population=m.population, group=m.group(by, group),
                      demographic=m.demographic(by))


def item_phrase(m: Any, item_key: str, metric: str, level: Any = "") -> str:
    """What an estimate measures: the item's label (the net, answer or "don't know" named where it matters).

    >>> from trustsurvey.labels import Meaning
    >>> m = Meaning(None, "en")
    >>> item_phrase(m, "q1", "top2"), item_phrase(m, "q1", "bottom2"), item_phrase(m, "q1", "dont_know")
    ('q1', 'q1 (bottom two answers)', "“don't know” answers to q1")
    """
    label = m.item(item_key)
    if metric == "bottom2":
        return f"{label} ({m.metric(metric)})"
    if metric == "share":
        return f"{label}: {m.level(item_key, metric, level)}"
    if metric == "dont_know":
        return m.t.format(_DONT_KNOW_ITEM, "finding", item=label)
    return label


def _survey_phrase(m: Any, wave: int | None) -> str:
    if wave is None:
        return m.t.pgettext("survey", "the next survey")
    return m.t.format("the {year} survey", "survey", year=str(int(wave) + 1))


def _numbers(m: Any, row: Mapping[str, Any], *, wave: int | None, previous_wave: int | None) -> dict[str, str]:
    lang = m.lang
    metric = str(row.get("metric", ""))
    rule = str(row.get("rule", ""))
    fv = lambda c: format_value(_f(row, c), metric, lang)
    pw = previous_wave if previous_wave is not None else (None if wave is None else int(wave) - 1)
    threshold = _f(row, "threshold")
    return {
        "estimate": fv("estimate"), "goal": fv("goal"), "national": fv("national"), "previous": fv("previous"),
        "change": format_points(_f(row, "change"), metric, lang),
        "gap": format_points(_f(row, "gap"), metric, lang),
        "threshold": (format_points(threshold, metric, lang) if rule in _GAP_RULES + ("decline",)
                      else format_value(threshold, metric, lang)),
        "ci_low": fv("ci_low"), "ci_high": fv("ci_high"),
        "wave": "" if wave is None else str(int(wave)),
        "previous_wave": "" if pw is None else str(int(pw)),
    }


def _and(m: Any, parts: Sequence[str]) -> str:
    """``a``, ``a and b``, ``a, b and c`` in ``m.lang``."""
    parts = list(parts)
    if len(parts) <= 1:
        return "".join(parts)
    head = parts[0]
    for p in parts[1:-1]:
        head = m.t.format("{first}, {second}", "list", first=head, second=p)
    return m.t.format("{first} and {second}", "list", first=head, second=parts[-1])


def comparison(m: Any, row: Mapping[str, Any], *, wave: int | None = None, previous_wave: int | None = None) -> str:
    """How one finding's estimate compares (with the target, threshold, earlier wave or all respondents).

    >>> from trustsurvey.labels import Meaning
    >>> comparison(Meaning(None, "en"), {"rule": "below_target", "metric": "top2", "goal": 0.35,
    ...                                  "direction": "lower"})
    'above the ceiling of 35.0%'
    """
    rule = str(row.get("rule", ""))
    key = ("threshold" if rule in _THRESHOLD_RULES else rule, _direction(row))
    message = _COMPARISON.get(key, _COMPARISON[("below_target", key[1])])
    return m.t.format(message, "finding", **_numbers(m, row, wave=wave, previous_wave=previous_wave))


def _blocks(rows: Sequence[Mapping[str, Any]]) -> dict[tuple[str, str, str], list[Mapping[str, Any]]]:
    """The findings grouped by what they measure (item, metric, level), in order."""
    out: dict[tuple[str, str, str], list[Mapping[str, Any]]] = {}
    for r in rows:
        out.setdefault((_key(r), str(r.get("metric", "")), str(r.get("level", ""))), []).append(r)
    return out


def finding_text(m: Any, rows: Sequence[Mapping[str, Any]], *, wave: int | None = None,
                 previous_wave: int | None = None) -> str:
    """The finding sentence of a recommendation in ``m.lang``: whom it is about, each estimate, how it compares.

    ``rows`` are the findings about one item and group (candidate rows:
    ``rule``, ``item``/``item_key``, ``metric``, ``level``, ``by``, ``group``,
    ``estimate``, ``goal``, ``direction``, ``threshold``, ``gap``, ``national``,
    ``previous``, ``change``); every comparison reads right for the row's direction.

    Examples
    --------
    >>> from trustsurvey.labels import Meaning
    >>> rows = [{"rule": "below_target", "item": "q1", "metric": "top2", "by": "national", "group": "all",
    ...          "estimate": 0.485, "goal": 0.35, "direction": "lower"},
    ...         {"rule": "integrity_concern", "item": "q1", "metric": "top2", "by": "national", "group": "all",
    ...          "estimate": 0.485, "threshold": 0.40, "direction": "lower"}]
    >>> finding_text(Meaning(None, "en"), rows)
    'All respondents — q1: 48.5%, above the ceiling of 35.0% and above the threshold of 40.0%.'
    """
    first = rows[0]
    blocks = []
    for (key, metric, level), block in _blocks(rows).items():
        comparisons = list(dict.fromkeys(comparison(m, r, wave=wave, previous_wave=previous_wave) for r in block))
        blocks.append(m.t.format(_ITEM_BLOCK, "finding", item=item_phrase(m, key, metric, level),
                                 estimate=format_value(_f(block[0], "estimate"), metric, m.lang),
                                 comparisons=_and(m, comparisons)))
    return m.t.format("{subject} — {findings}.", "finding", subject=subject(m, first.get("by"), first.get("group")),
                      findings="; ".join(blocks))


def indicator_text(m: Any, rows: Sequence[Mapping[str, Any]], *, wave: int | None = None) -> str:
    """The outcome the next survey must show, right for each finding's direction.

    Goals of one estimate are combined into the one that binds (the highest
    of "at least" goals, the lowest of "at most" ones); a gap to all
    respondents is its own clause.

    >>> from trustsurvey.labels import Meaning
    >>> rows = [{"rule": "below_target", "item": "q1", "metric": "top2", "by": "national", "group": "all",
    ...          "goal": 0.35, "direction": "lower"},
    ...         {"rule": "integrity_concern", "item": "q1", "metric": "top2", "by": "national", "group": "all",
    ...          "goal": 0.40, "direction": "lower"}]
    >>> indicator_text(Meaning(None, "en"), rows, wave=2025)
    'All respondents — q1: the result falls to at most 35.0% in the 2026 survey.'
    """
    first = rows[0]
    survey = _survey_phrase(m, wave)
    clauses = []
    for (key, metric, level), block in _blocks(rows).items():
        item = item_phrase(m, key, metric, level)
        for direction in ("higher", "lower"):
            goals = [_f(r, "goal") for r in block if r.get("rule") not in _GAP_RULES and _direction(r) == direction]
            goals = [g for g in goals if is_finite(g)]
            if goals:
                goal = max(goals) if direction == "higher" else min(goals)
                clauses.append(m.t.format(_INDICATOR[direction], "indicator", item=item, survey=survey,
                                          goal=format_value(goal, metric, m.lang)))
        for r in block:
            if r.get("rule") in _GAP_RULES:
                clauses.append(m.t.format(_INDICATOR["gap"], "indicator", item=item, survey=survey,
                                          threshold=format_points(_f(r, "threshold"), metric, m.lang)))
    return m.t.format("{subject} — {findings}.", "finding", subject=subject(m, first.get("by"), first.get("group")),
                      findings="; ".join(dict.fromkeys(clauses)))


def default_action(m: Any, rule: str) -> str:
    """The catalogue's default action for a rule type (used when the rule has no ``text``)."""
    return m.t.pgettext("action", _ACTIONS.get(rule, _ACTIONS["below_target"]))


def template_values(m: Any, row: Mapping[str, Any], *, wave: int | None, previous_wave: int | None,
                    responsible: str = "") -> dict[str, str]:
    """The placeholder values of a questionnaire rule's templates in ``m.lang``.

    Fields: those of :data:`trustsurvey.questionnaire.sections.TEMPLATE_FIELDS`
    -- ``item_label``, ``item_id``, ``group_label``, ``group_variable``,
    ``estimate``, ``goal``, ``change``, ``gap``, ``threshold``, ``dont_know``,
    ``previous``, ``wave``, ``previous_wave``, ``next_wave``, ``p_value``, ``n``,
    ``national``, ``where`` (`` (Region: North)``; empty for the population),
    ``ci``, ``relation`` (``below``/``above``: where the estimate lies from the
    goal, by the row's direction) and ``responsible``.
    """
    lang = m.lang
    by, group = str(row.get("by", "")), row.get("group", "")
    item_key = str(row.get("item_key") or row.get("item", ""))
    nums = _numbers(m, row, wave=wave, previous_wave=previous_wave)
    group_label = m.group(by, group)
    by_label = "" if by == NATIONAL else m.demographic(by)
    p = row.get("p_adj") if is_finite(row.get("p_adj")) else row.get("p_value")
    return {
        "item_label": m.item(item_key), "item_id": item_key, "group_label": group_label,
        "group_variable": by_label,
        "where": "" if by == NATIONAL else m.t.format(" ({demographic}: {group})", demographic=by_label,
                                                      group=group_label),
        "estimate": nums["estimate"], "goal": nums["goal"], "national": nums["national"],
        "previous": nums["previous"], "dont_know": nums["estimate"], "change": nums["change"],
        "gap": nums["gap"], "threshold": nums["threshold"],
        "ci": m.t.format("{low} to {high}", low=nums["ci_low"], high=nums["ci_high"]),
        "wave": nums["wave"], "previous_wave": nums["previous_wave"],
        "next_wave": "" if wave is None else str(int(wave) + 1),
        "p_value": format_p(p, lang),
        "n": format_number(row.get("n_unweighted"), 0, lang) if is_finite(row.get("n_unweighted")) else "",
        "relation": (m.t.pgettext("relation", "above") if str(row.get("direction")) == "lower"
                     else m.t.pgettext("relation", "below")),
        "responsible": responsible,
    }


def deadline_text(m: Any, wave: int | None, template: Mapping[str, str] | None = None,
                  values: Mapping[str, str] | None = None) -> str:
    """The implementation deadline: the rule's own template, else the end of the next survey year."""
    own = m.text(template) if template else ""
    if own:
        return fill(own, dict(values or {}))
    if wave is None:
        return m.t.pgettext("deadline", "end of the next survey year")
    return m.t.format("31 December {year}", "deadline", year=str(int(wave) + 1))


# ---------------------------------------------------------------------------------- evidence
def _test_sentence(m: Any, f: Mapping[str, Any], *, wave: int | None, previous_wave: int | None) -> str:
    """The test behind one finding, with its own p-value (and its adjusted one, named as such)."""
    lang = m.lang
    rule = str(f.get("rule", ""))
    p, p_adj = format_p(f.get("p_value"), lang), format_p(f.get("p_adj"), lang)
    nums = _numbers(m, f, wave=wave, previous_wave=previous_wave)
    if rule == "decline":
        text = m.t.format("t test of the change {previous_wave}→{wave}: {p}", "evidence",
                          previous_wave=nums["previous_wave"], wave=nums["wave"], p=p)
        if p_adj and p_adj != p:
            text += m.t.format(" (adjusted for multiple comparisons: {p})", "evidence", p=p_adj)
        return text
    if rule == "group_gap":
        text = m.t.format("test of the group against the rest: {p}", "evidence", p=p)
        if p_adj:
            text += m.t.format(" (adjusted for multiple comparisons: {p})", "evidence", p=p_adj)
        return text
    if rule == "local_gap":
        text = m.t.format("model-based estimate of a small area (Fay-Herriot model), reliable enough to publish; "
                          "one-sided test against the level of all respondents: {p}", "evidence", p=p)
        if p_adj:
            text += m.t.format(" (Holm-adjusted: {p})", "evidence", p=p_adj)
        return text
    if not p:
        return ""
    text = m.t.format("one-sided test against {goal}: {p}", "evidence", goal=nums["goal"], p=p)
    if p_adj:
        text += m.t.format(" (Holm-adjusted: {p})", "evidence", p=p_adj)
    return text


def _basis_sentence(m: Any, f: Mapping[str, Any]) -> str:
    basis = str(f.get("basis", ""))
    if basis not in ("interval", "estimate") or str(f.get("rule")) == "local_gap":  # its finding says it
        return ""
    goal = format_value(_f(f, "goal"), str(f.get("metric", "")), m.lang)
    lower = str(f.get("direction")) == "lower"
    msg = {
        ("interval", False): NC_("evidence", "the whole confidence interval is below {goal}"),
        ("interval", True): NC_("evidence", "the whole confidence interval is above {goal}"),
        ("estimate", False): NC_("evidence", "only the point estimate is below {goal}; the confidence interval "
                                             "includes it"),
        ("estimate", True): NC_("evidence", "only the point estimate is above {goal}; the confidence interval "
                                            "includes it"),
    }[(basis, lower)]
    return m.t.format(msg, "evidence", goal=goal)


def evidence_comment(m: Any, rec: Mapping[str, Any], findings: Sequence[Mapping[str, Any]], *, wave: int | None,
                     previous_wave: int | None, status: str = "new") -> str:
    """The Comments cell: the estimate, each finding's test with its own p-value, the status and the id.

    A change since the previous wave is quoted with the trend table's own
    test of that change (``change_p``; the decline rule's adjusted
    ``change_p_adj`` is named as adjusted): one comparison, one p-value.
    """
    lang = m.lang
    metric = str(rec.get("metric", ""))
    nums = _numbers(m, rec, wave=wave, previous_wave=previous_wave)
    head = m.t.format("estimate {estimate} (confidence interval {low} to {high})", "evidence",
                      estimate=nums["estimate"], low=nums["ci_low"], high=nums["ci_high"])
    if is_finite(rec.get("n_unweighted")):
        head += f", n = {format_number(rec.get('n_unweighted'), 0, lang)}"  # a symbol, not a word
    parts = [head]
    if rec.get("by") != NATIONAL and is_finite(rec.get("national")):
        parts.append(m.t.format("all respondents {national}", "evidence", national=nums["national"]))
    seen_change = False
    for f in findings:
        sentence = _test_sentence(m, f, wave=wave, previous_wave=previous_wave)
        if sentence:
            parts.append(sentence)
        seen_change = seen_change or str(f.get("rule")) == "decline"
        basis = _basis_sentence(m, f)
        if basis:
            parts.append(basis)
    if not seen_change and is_finite(rec.get("change")):
        change = format_points(rec.get("change"), metric, lang, signed=True)
        if is_finite(rec.get("change_p")):
            parts.append(m.t.format("change since {previous_wave}: {change} (t test of the change: {p})",
                                    "evidence", previous_wave=nums["previous_wave"], change=change,
                                    p=format_p(rec.get("change_p"), lang)))
        else:
            parts.append(m.t.format("change since {previous_wave}: {change} (not tested)", "evidence",
                                    previous_wave=nums["previous_wave"], change=change))
    flag = str(rec.get("flag", ""))
    if flag == "low_base":
        parts.append(m.t.pgettext("evidence", "caution: small base"))
    elif flag == "unreliable":
        parts.append(m.t.pgettext("evidence", "caution: imprecise estimate"))
    if status != "new":
        parts.append(m.t.format("status of last year's recommendation: {status}", "evidence",
                                status=status_label(m, status)))
    if is_finite(rec.get("priority")):
        parts.append(m.t.format("priority {priority}", "evidence", priority=format_number(rec["priority"], 1, lang)))
    parts.append(f"id {rec.get('id', '')}")
    return "; ".join(parts) + "."


# ---------------------------------------------------------------------------------- labels of tables
def plan_headers(m: Any) -> list[str]:
    """The action plan's column headers in ``m.lang``."""
    return [m.t.pgettext("action plan column", c) for c in PLAN_COLUMNS]


def status_label(m: Any, status: str) -> str:
    """A status in words (``target met``, ...)."""
    msg = STATUS_LABELS.get(status)
    return m.t.pgettext("status", msg) if msg else status


def status_rule(m: Any, status: str, alpha: float = 0.05) -> str:
    """The rule of a monitoring status in words, with the significance level."""
    msg = STATUS_RULES.get(status)
    if msg is None:
        return ""
    return m.t.format(msg, "status rule", alpha=format_number(100 * float(alpha), 0, m.lang) + "%")
