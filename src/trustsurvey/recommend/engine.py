"""From rule specifications and tidy tables to ranked, merged, worded recommendations.

The rule specifications are :class:`~trustsurvey.questionnaire.sections.RecommendationRule`
objects (the questionnaire's ``recommendations`` section), plain dicts with
the same keys (an analysis plan), or the defaults of :func:`default_rules`.

The steps: :func:`candidates` applies every rule (one candidate row per rule,
item and group that breaks it); :func:`rank` scores them
(:mod:`~trustsurvey.recommend.priority`) and gives each its recommendation id
``item:by:group``; :func:`build` merges the candidates of one id into one
:class:`~trustsurvey.recommend.model.Recommendation` (its findings, strongest
first) and words it in every language.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..errors import PlanError
from ..labels import meaning as _meaning
from ..labels.catalogue import fill
from ..questionnaire.sections import RULE_PARAMS, RecommendationRule
from ..vocabulary import INDEX_MEAN
from . import rules as R
from .local import LOCAL_RULES
from .model import Finding, Recommendation, finding_id, make_id
from .priority import add_priority
from .texts import (
    COST,
    TO_BE_ASSIGNED,
    deadline_text,
    default_action,
    evidence_comment,
    finding_text,
    indicator_text,
    template_values,
)

__all__ = ["default_rules", "resolve_rules", "candidates", "rank", "build", "scale_ranges"]

#: keyword arguments a rule function takes beyond the questionnaire schema's RULE_PARAMS
_EXTRA_PARAMS = {
    "below_target": ("items", "significant_only"),
    "decline": ("by", "adjusted"),
    "group_gap": (),
    "low_awareness": ("by", "alpha", "metric"),
    "integrity_concern": ("by", "metric"),
    "high_dont_know": ("by", "alpha"),
    "local_gap": (),
}
#: every rule type -> (function, input table: "breakdown", "trend" or "local", the small-area estimates)
RULE_FUNCTIONS = {**R.RULES, **LOCAL_RULES}
_KEY = ["item", "metric", "level", "by", "group"]


# --------------------------------------------------------------------------- questionnaire facts
def scale_ranges(questionnaire: Any = None, items: Sequence[str] = ()) -> dict[str, tuple[float, float]]:
    """``{item: (min, max)}`` of the scores of scored items and rescaled indices (from the meaning layer)."""
    m = _meaning(questionnaire)
    out = {}
    for i in dict.fromkeys(items):
        r = m.score_range(i)
        if r is not None:
            out[i] = r
    return out


def _index_ids(questionnaire: Any) -> tuple[str, ...]:
    return tuple(getattr(questionnaire, "index_ids", ()) or ()) if questionnaire is not None else ()


def _named_items(questionnaire: Any, rule: str) -> tuple[str, ...]:
    """Items the questionnaire's own rules of type ``rule`` name (none when it names none)."""
    named: list[str] = []
    for r in getattr(questionnaire, "recommendations", ()) or ():
        if r.rule == rule and r.items != "all":
            named += list(r.items)
    return tuple(dict.fromkeys(named))


# --------------------------------------------------------------------------- rules
def default_rules(questionnaire: Any = None, table: pd.DataFrame | None = None) -> tuple[RecommendationRule, ...]:
    """The rules used when neither the questionnaire nor the caller gives any.

    * ``below_target`` on every target of the questionnaire (or of ``targets=``);
    * ``decline``: a significant unfavourable change of the top-2 share by at
      least 5 points since the previous wave (national rows), and of an index
      by at least 5 index points;
    * ``group_gap``: a group significantly worse than all respondents by at
      least 10 points (10 index points for indices), every demographic;
    * ``low_awareness`` (below 50 %) and ``integrity_concern`` (significantly
      above 30 %): only for items the questionnaire's rules of that type name
      -- none by default; a plan names them (``rules: {low_awareness: {items: [...]}}``);
    * ``high_dont_know``: more than 20 % "don't know" on any item (national).

    The default rules name no institution: the action plan shows "to be assigned".
    """
    indices = _index_ids(questionnaire)
    rules = [
        RecommendationRule(id="below_target", rule="below_target"),
        RecommendationRule(id="decline", rule="decline", params={"metric": "top2", "min_change": 0.05,
                                                                 "alpha": 0.05}),
        RecommendationRule(id="group_gap", rule="group_gap", params={"metric": "top2", "min_gap": 0.10,
                                                                     "alpha": 0.05, "by": "all"}),
    ]
    if indices:
        rules += [
            RecommendationRule(id="decline_index", rule="decline", items=indices,
                               params={"metric": INDEX_MEAN, "min_change": 5.0, "alpha": 0.05}),
            RecommendationRule(id="group_gap_index", rule="group_gap", items=indices,
                               params={"metric": INDEX_MEAN, "min_gap": 10.0, "alpha": 0.05, "by": "all"}),
        ]
    rules += [
        RecommendationRule(id="low_awareness", rule="low_awareness",
                           items=_named_items(questionnaire, "low_awareness"), params={"threshold": 0.5}),
        RecommendationRule(id="integrity_concern", rule="integrity_concern",
                           items=_named_items(questionnaire, "integrity_concern"),
                           params={"threshold": 0.3, "alpha": 0.05}),
        RecommendationRule(id="high_dont_know", rule="high_dont_know", params={"threshold": 0.2}),
    ]
    return tuple(rules)


_RULE_KEYS = ("id", "rule", "items", "params", "text", "responsible", "supporting", "indicator", "deadline")


def _as_rule(spec: Any, where: str) -> RecommendationRule:
    if isinstance(spec, RecommendationRule):
        rule = spec
    elif isinstance(spec, Mapping):
        unknown = sorted(set(spec) - set(_RULE_KEYS))
        if unknown or "rule" not in spec:
            raise PlanError(f"{where}: a rule needs 'rule' (one of {', '.join(RULE_PARAMS)}) and may have "
                            f"{', '.join(_RULE_KEYS)}" + (f"; unknown key(s) {', '.join(unknown)}" if unknown else ""))
        d = dict(spec)
        d.setdefault("id", str(d["rule"]))
        try:
            rule = RecommendationRule(**d)
        except Exception as exc:  # QuestionnaireError for an unknown rule type, TypeError for bad values
            raise PlanError(f"{where}: {exc}") from None
    else:
        raise PlanError(f"{where}: a rule must be a mapping or a RecommendationRule, not {type(spec).__name__}")
    allowed = set(RULE_PARAMS[rule.rule]) | set(_EXTRA_PARAMS[rule.rule])
    bad = sorted(set(rule.params) - allowed)
    if bad:
        raise PlanError(f"{where} ({rule.id}): unknown parameter(s) {', '.join(bad)} for rule {rule.rule!r}; "
                        f"allowed: {', '.join(sorted(allowed))}")
    return rule


def resolve_rules(rules: Any = None, questionnaire: Any = None, table: pd.DataFrame | None = None
                  ) -> tuple[RecommendationRule, ...]:
    """The rules to apply.

    Parameters
    ----------
    rules : None, sequence or mapping
        ``None``: the questionnaire's ``recommendations`` (or
        :func:`default_rules` if it has none). A sequence of rules (dicts with
        ``id, rule, items, params, text, ...`` or RecommendationRule objects)
        replaces them. A mapping ``{rule id or rule type: {param: value}}``
        overrides parameters (and ``items``) of the base rules (an analysis plan's tweaks).

    Raises
    ------
    PlanError
        For unknown rule types, parameters or rule ids.
    """
    base = tuple(getattr(questionnaire, "recommendations", ()) or ()) or default_rules(questionnaire, table)
    if rules is None:
        return tuple(_as_rule(r, f"recommendations[{i}]") for i, r in enumerate(base))
    if isinstance(rules, Mapping):
        out = [_as_rule(r, f"recommendations[{i}]") for i, r in enumerate(base)]
        for key, params in rules.items():
            if not isinstance(params, Mapping):
                raise PlanError(f"rules[{key!r}]: give a mapping of parameters, not {type(params).__name__}")
            hits = [i for i, r in enumerate(out) if r.id == key] or [i for i, r in enumerate(out) if r.rule == key]
            if not hits:
                raise PlanError(f"rules[{key!r}]: no rule with this id or type; rules: "
                                f"{', '.join(r.id for r in out)}")
            for i in hits:
                r = out[i]
                items = params.get("items", r.items)
                new = {k: v for k, v in params.items() if k != "items"}
                out[i] = _as_rule(RecommendationRule(id=r.id, rule=r.rule, items=items,
                                                     params={**dict(r.params), **new}, text=r.text,
                                                     responsible=r.responsible, supporting=r.supporting,
                                                     indicator=r.indicator, deadline=r.deadline), f"rules[{key!r}]")
        return tuple(out)
    if isinstance(rules, (str, bytes)) or not isinstance(rules, Sequence):
        raise PlanError("rules must be None, a list of rules or a mapping of parameter overrides")
    return tuple(_as_rule(r, f"rules[{i}]") for i, r in enumerate(rules))


def _plain(v: Any) -> Any:
    if isinstance(v, Mapping):
        return {k: _plain(x) for k, x in v.items()}
    if isinstance(v, tuple):
        return list(v)
    return v


# --------------------------------------------------------------------------- evaluation
def _previous_values(trend: pd.DataFrame | None) -> pd.DataFrame | None:
    """Per series of the latest wave: the previous wave's estimate, the change and the change's own p-values."""
    if trend is None or not len(trend):
        return None
    t = R._check(trend, R.TREND_REQUIRED, "trend")
    waves = pd.to_numeric(t["wave"], errors="coerce")
    last = waves.max()
    extra = [c for c in ("change_p_adj",) if c in t.columns]
    cur = t.loc[waves == last, _KEY + ["estimate", "change", "change_p"] + extra].drop_duplicates(_KEY)
    prev = (t.loc[waves < last].assign(_w=waves[waves < last]).sort_values("_w")
            .drop_duplicates(_KEY, keep="last")[_KEY + ["estimate"]].rename(columns={"estimate": "_p"}))
    cur = cur.merge(prev, on=_KEY, how="left", sort=False)
    change = pd.to_numeric(cur["change"], errors="coerce")
    prev_v = pd.to_numeric(cur["_p"], errors="coerce").fillna(pd.to_numeric(cur["estimate"], errors="coerce") - change)
    out = cur.assign(_prev=prev_v, _chg=change, change_p=pd.to_numeric(cur["change_p"], errors="coerce"))
    return out[_KEY + ["_prev", "_chg", "change_p"]]


def candidates(rules: Sequence[RecommendationRule], table: pd.DataFrame | None, trend: pd.DataFrame | None = None,
               targets: Any = (), *, meaning: Any = None, alpha: float = 0.05,
               min_base: int | None = None, local: pd.DataFrame | None = None) -> pd.DataFrame:
    """Apply every rule; one candidate table (:data:`~trustsurvey.recommend.rules.CANDIDATE_COLUMNS`
    plus ``change_p``, the trend table's p-value of each row's change).

    ``meaning`` (a :class:`~trustsurvey.labels.Meaning`) gives every row's
    polarity. ``alpha`` and ``min_base`` are defaults that a rule's own
    parameters override. ``local`` is the tidy table of small-area estimates
    (:meth:`trustsurvey.SmallAreaResult.tidy`) of the ``local_gap`` rule. Rules
    whose table is missing (``decline`` without a trend table, ``local_gap``
    without small-area estimates) are skipped.
    """
    parts = []
    for rule in rules:
        func, needs = RULE_FUNCTIONS[rule.rule]
        data = {"trend": trend, "local": local}.get(needs, table)
        if data is None:
            continue
        params = {k: _plain(v) for k, v in rule.params.items()}
        allowed = set(RULE_PARAMS[rule.rule]) | set(_EXTRA_PARAMS[rule.rule])
        if "alpha" in allowed and rule.rule not in ("low_awareness", "high_dont_know"):
            params.setdefault("alpha", alpha)
        if min_base is not None:
            params.setdefault("min_base", min_base)
        items = None if rule.items == "all" else list(rule.items)
        kwargs: dict[str, Any] = dict(params)
        if rule.rule == "below_target":
            kwargs.setdefault("items", items)
            cand = func(data, targets, polarity=meaning, **kwargs)
        else:
            if rule.rule in ("decline", "group_gap", "local_gap"):
                kwargs["polarity"] = meaning
            cand = func(data, items=items, **kwargs)
        if len(cand):
            parts.append(cand.assign(rule_id=rule.id))
    if not parts:
        return R._frame(pd.DataFrame(), "").assign(change_p=np.array([], float))
    out = pd.concat(parts, ignore_index=True)
    out["change_p"] = np.nan
    prev = _previous_values(trend)
    if prev is not None:
        out = out.drop(columns="change_p").merge(prev, on=_KEY, how="left", sort=False)
        out["previous"] = out["previous"].fillna(out["_prev"])
        out["change"] = out["change"].fillna(out["_chg"])
        out = out.drop(columns=["_prev", "_chg"])
    if table is not None and "n_weighted" in table.columns:
        shares = R._with_national(R._check(table, R.BREAKDOWN_REQUIRED, "breakdown"))[_KEY + ["share", "n_weighted"]]
        shares = shares.drop_duplicates(_KEY).rename(columns={"share": "_s", "n_weighted": "_nw"})
        out = out.merge(shares, on=_KEY, how="left", sort=False)
        is_decline = out["rule"] == "decline"
        out.loc[is_decline & out["_s"].notna(), "share"] = out.loc[is_decline & out["_s"].notna(), "_s"]
        out["n_weighted"] = out["n_weighted"].fillna(out["_nw"])
        out = out.drop(columns=["_s", "_nw"])
    return out


def _item_key(frame: pd.DataFrame) -> pd.Series:
    """The item part of an id: the option id for a multiple-response option row, else the item."""
    opt = (frame["metric"] == "option_share") & (frame["level"] != "")
    return frame["item"].where(~opt, frame["level"])


def rank(cands: pd.DataFrame, *, scale_range: Mapping[str, tuple[float, float]] | None = None) -> pd.DataFrame:
    """Score the candidates and give each its recommendation id; strongest first.

    Adds ``gap_points``, ``strength``, ``priority`` (see
    :mod:`~trustsurvey.recommend.priority`), ``item_key``, ``finding_id``
    (``rule:item:by:group``; of two findings with one id the stronger is kept)
    and ``id`` (``item:by:group``). Rows are ordered by the priority of their
    recommendation's strongest finding (then id), and within a recommendation
    by priority (then finding id).
    """
    extra = ("item_key", "finding_id", "id", "gap_points", "strength", "priority")
    if not len(cands):
        out = cands.copy()
        for c in extra:
            out[c] = pd.Series(dtype=object if c in ("item_key", "finding_id", "id") else float)
        return out
    out = add_priority(cands, scale_range=scale_range)
    out["item_key"] = _item_key(out)
    out["finding_id"] = [finding_id(r, i, b, g) for r, i, b, g in
                         zip(out["rule"], out["item_key"], out["by"], out["group"])]
    out["id"] = [make_id(i, b, g) for i, b, g in zip(out["item_key"], out["by"], out["group"])]
    out = out.sort_values(["priority", "finding_id"], ascending=[False, True], kind="mergesort")
    out = out.drop_duplicates("finding_id", keep="first")
    top = out.groupby("id", sort=False)["priority"].transform("max")
    out = out.assign(_top=top).sort_values(["_top", "id", "priority", "finding_id"],
                                           ascending=[False, True, False, True], kind="mergesort")
    return out.drop(columns="_top").reset_index(drop=True)


# --------------------------------------------------------------------------- wording
def _unique(texts: Sequence[str]) -> list[str]:
    return [t for t in dict.fromkeys(texts) if t]


def _word(rows: list[dict], specs: list[Any], m: Any, *, wave: int | None, previous_wave: int | None,
          status: str) -> dict[str, str]:
    """Every text field of one recommendation in ``m.lang``."""
    t = m.t
    first, spec0 = rows[0], specs[0]
    by, group = first["by"], first["group"]
    finding = finding_text(m, rows, wave=wave, previous_wave=previous_wave)
    # institutions: the primary rule's; the other rules' institutions support
    resp_values = template_values(m, first, wave=wave, previous_wave=previous_wave)
    responsible = fill(m.text(getattr(spec0, "responsible", None)), resp_values).strip()
    values = [template_values(m, r, wave=wave, previous_wave=previous_wave, responsible=responsible) for r in rows]
    actions, outputs, supporting = [], [], []
    for r, spec, v in zip(rows, specs, values):
        own = m.text(getattr(spec, "text", None))
        actions.append(fill(own, v) if own else default_action(m, r["rule"]))
        out = m.text(getattr(spec, "indicator", None))
        if out:
            outputs.append(fill(out, v))
        if spec is not spec0:
            supporting.append(fill(m.text(getattr(spec, "responsible", None)), v).strip())
        supporting += [fill(m.text(s), v).strip() for s in getattr(spec, "supporting", ()) or ()]
    supporting = [s for s in _unique(supporting) if s != responsible]
    assigned = t.pgettext("institution", TO_BE_ASSIGNED)
    outcome = indicator_text(m, rows, wave=wave)
    return {
        "finding": finding,
        "action": " ".join(_unique(actions)),
        "text": " ".join([finding] + _unique(actions)),
        "indicator": " ".join([outcome] + _unique(outputs)),
        "responsible": responsible or assigned,
        "supporting": "; ".join(supporting) if supporting else ("" if responsible else assigned),
        "deadline": deadline_text(m, wave, getattr(spec0, "deadline", None), values[0]),
        "cost": t.pgettext("cost", COST),
        "comments": evidence_comment(m, first, rows, wave=wave, previous_wave=previous_wave, status=status),
        "item_label": m.item(first["item_key"]),
        "group_label": m.group(by, group),
        "by_label": m.demographic(by),
    }


def build(ranked: pd.DataFrame, rules: Sequence[RecommendationRule], questionnaire: Any = None, *,
          languages: Sequence[str] = ("en",), wave: int | None, previous_wave: int | None,
          status: Mapping[str, str] | None = None) -> tuple[Recommendation, ...]:
    """Merge the ranked candidates of each id into one Recommendation, worded in every language.

    The first row of an id (its strongest finding) is the primary finding:
    its numbers, rule, institutions and deadline are the recommendation's.
    """
    by_id = {r.id: r for r in rules}
    status = dict(status or {})
    meanings = [_meaning(questionnaire, lang) for lang in languages]
    records = ranked.to_dict("records")
    groups: dict[str, list[dict]] = {}
    for row in records:
        groups.setdefault(row["id"], []).append(row)
    out = []
    for rank_no, (rid, rows) in enumerate(groups.items(), start=1):
        first = rows[0]
        specs = [by_id.get(r.get("rule_id", "")) for r in rows]
        st = status.get(rid, "new")
        rec = first
        texts: dict[str, dict[str, str]] = {}
        for m in meanings:
            for k, v in _word(rows, specs, m, wave=wave, previous_wave=previous_wave, status=st).items():
                texts.setdefault(k, {})[m.lang] = v
        fields = {k: rec.get(k) for k in Recommendation.__dataclass_fields__ if k in rec}
        for k in ("estimate", "se", "ci_low", "ci_high", "n_unweighted", "n_weighted", "national", "previous",
                  "change", "change_p", "p_value", "p_adj", "goal", "threshold", "gap", "share", "gap_points",
                  "strength", "priority"):
            v = rec.get(k)
            fields[k] = float(v) if v is not None and pd.notna(v) else float("nan")
        for k in ("rule", "rule_id", "item", "item_key", "metric", "level", "by", "group", "direction", "basis",
                  "flag"):
            fields[k] = "" if rec.get(k) is None else str(rec.get(k))
        fields.update(id=rid, rank=rank_no, status=st, wave=wave, previous_wave=previous_wave,
                      findings=tuple(Finding.from_row(r) for r in rows), **texts)
        out.append(Recommendation(**fields))
    return tuple(out)

