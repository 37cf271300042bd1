"""From rule specifications and tidy tables to ranked, worded recommendations.

The rule specifications are :class:`~trustsurvey.questionnaire.sections.RecommendationRule`
objects (the questionnaire's ``recommendations`` section), plain dicts with
the same keys (an analysis plan), or the defaults of :func:`default_rules`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from ..errors import PlanError
from ..questionnaire._frozen import FrozenDict
from ..questionnaire.sections import RULE_PARAMS, RecommendationRule
from . import rules as R
from .model import Recommendation, make_id, recommendation_from_row
from .priority import add_priority
from .texts import (COST, DEFAULT_TEMPLATES, LANGUAGES, Labeller, deadline_text, evidence_comment, fill,
                    region_of, supporting_institutions, template_values)

__all__ = ["default_rules", "resolve_rules", "candidates", "build", "item_signs", "scale_ranges"]

#: keyword arguments a rule function takes beyond the questionnaire schema's RULE_PARAMS
_EXTRA_PARAMS = {
    "below_target": ("items",),
    "decline": ("by", "adjusted"),
    "group_gap": (),
    "low_awareness": ("by", "alpha", "metric"),
    "integrity_concern": ("by", "metric"),
    "high_dont_know": ("by", "alpha"),
}
#: item ids of the Kosovo Police questionnaire the default rules look at (when present in the tables)
AWARENESS_ITEMS = ("lpsc_aware", "mcsc_aware", "app_aware")
INTEGRITY_ITEMS = ("int_bribes", "int_political")
#: reverse-worded items assumed when no questionnaire says which items are reversed
DEFAULT_ITEM_SIGN = {"int_bribes": -1, "int_political": -1}


# --------------------------------------------------------------------------- questionnaire facts
def item_signs(questionnaire: Any = None) -> dict[str, int]:
    """``{item: +1 | -1 | 0}``: which direction of each item's score is favourable.

    From the questionnaire: a scale marked ``favourable: low`` or a
    ``reverse`` question gives -1 (both: +1), options of multiple-response
    questions 0 (no direction), everything else +1. Without a questionnaire
    :data:`DEFAULT_ITEM_SIGN`.
    """
    if questionnaire is None:
        return dict(DEFAULT_ITEM_SIGN)
    out: dict[str, int] = {}
    for q in getattr(questionnaire, "questions", ()):
        if q.type == "multiple":
            for o in q.options:
                out[o.id] = 0
            continue
        sign = 1
        scale = questionnaire.scales.get(q.scale) if q.scale else None
        if scale is not None and scale.favourable == "low":
            sign = -sign
        if q.reverse:
            sign = -sign
        out[q.id] = sign
    return out


def scale_ranges(questionnaire: Any = None) -> dict[str, tuple[float, float]]:
    """``{item: (min, max)}`` of the scores of scored items and rescaled indices."""
    out: dict[str, tuple[float, float]] = {}
    if questionnaire is None:
        return out
    for q in getattr(questionnaire, "questions", ()):
        scale = questionnaire.scales.get(q.scale) if q.scale else None
        if scale is not None and scale.scored:
            out[q.id] = tuple(float(x) for x in scale.score_range)
    for idx in getattr(questionnaire, "indices", ()):
        if idx.rescale is not None:
            out[idx.id] = tuple(float(x) for x in idx.rescale)
    return out


def _index_ids(questionnaire: Any, table: pd.DataFrame | None) -> tuple[str, ...]:
    if questionnaire is not None:
        return tuple(getattr(questionnaire, "index_ids", ()))
    if table is None or "item" not in table.columns:
        return ()
    return tuple(sorted({i for i in table["item"].astype(str) if i.endswith("_index")}))


# --------------------------------------------------------------------------- rules
def default_rules(questionnaire: Any = None, table: pd.DataFrame | None = None) -> tuple[RecommendationRule, ...]:
    """The rules used when neither the questionnaire nor the caller gives any.

    * ``below_target`` on every target;
    * ``decline``: a significant fall of the top-2 share by at least 5 points
      (and of an index by at least 5 index points);
    * ``group_gap``: a group significantly below Kosovo by at least 10 points
      (10 index points for indices), every demographic;
    * ``low_awareness``: LPSC, MCSC and app awareness below 50 %;
    * ``integrity_concern``: agreement that officers take bribes / that politics
      influences police work significantly above 30 %;
    * ``high_dont_know``: more than 20 % "don't know" on any item (national).
    """
    indices = _index_ids(questionnaire, table)
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
                               params={"metric": "index_mean", "min_change": 5.0, "alpha": 0.05}),
            RecommendationRule(id="group_gap_index", rule="group_gap", items=indices,
                               params={"metric": "index_mean", "min_gap": 10.0, "alpha": 0.05, "by": "all"}),
        ]
    rules += [
        RecommendationRule(id="low_awareness", rule="low_awareness", items=AWARENESS_ITEMS,
                           params={"threshold": 0.5}),
        RecommendationRule(id="integrity_concern", rule="integrity_concern", items=INTEGRITY_ITEMS,
                           params={"threshold": 0.3, "alpha": 0.05}),
        RecommendationRule(id="high_dont_know", rule="high_dont_know", params={"threshold": 0.2}),
    ]
    return tuple(rules)


def _as_rule(spec: Any, where: str) -> RecommendationRule:
    if isinstance(spec, RecommendationRule):
        rule = spec
    elif isinstance(spec, Mapping):
        known = ("id", "rule", "items", "params", "text", "responsible", "supporting", "indicator", "deadline")
        unknown = sorted(set(spec) - set(known))
        if unknown or "rule" not in spec:
            raise PlanError(f"{where}: a rule needs 'rule' (one of {', '.join(RULE_PARAMS)}) and may have "
                            f"{', '.join(known)}" + (f"; unknown key(s) {', '.join(unknown)}" if unknown else ""))
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
        overrides parameters of the base rules (an analysis plan's tweaks).

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
    """Per series: the previous wave's estimate and the latest change (for the evidence columns)."""
    if trend is None or not len(trend):
        return None
    t = R._check(trend, R.TREND_REQUIRED, "trend")
    waves = pd.to_numeric(t["wave"], errors="coerce")
    key = ["item", "metric", "level", "by", "group"]
    last = waves.max()
    cur = t.loc[waves == last, key + ["estimate", "change"]].drop_duplicates(key)
    prev = (t.loc[waves < last].assign(_w=waves[waves < last]).sort_values("_w")
            .drop_duplicates(key, keep="last")[key + ["estimate"]].rename(columns={"estimate": "_p"}))
    cur = cur.merge(prev, on=key, how="left", sort=False)
    change = pd.to_numeric(cur["change"], errors="coerce")
    prev_v = pd.to_numeric(cur["_p"], errors="coerce").fillna(pd.to_numeric(cur["estimate"], errors="coerce") - change)
    return cur.assign(_prev=prev_v, _chg=change)[key + ["_prev", "_chg"]]


def candidates(rules: Sequence[RecommendationRule], table: pd.DataFrame | None, trend: pd.DataFrame | None = None,
               targets: Any = (), *, item_sign: Mapping[str, int] | None = None,
               alpha: float = 0.05, min_base: int | None = None) -> pd.DataFrame:
    """Apply every rule; one candidate table (:data:`~trustsurvey.recommend.rules.CANDIDATE_COLUMNS`).

    ``alpha`` and ``min_base`` are defaults that a rule's own parameters override.
    Rules whose table is missing (``decline`` without a trend table) are skipped.
    """
    parts = []
    for rule in rules:
        func, needs = R.RULES[rule.rule]
        data = trend if needs == "trend" else table
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
            cand = func(data, targets, **kwargs)
        else:
            if rule.rule in ("decline", "group_gap"):
                kwargs["item_sign"] = item_sign
            cand = func(data, items=items, **kwargs)
        if len(cand):
            parts.append(cand.assign(rule_id=rule.id))
    if not parts:
        return R._frame(pd.DataFrame(), "")
    out = pd.concat(parts, ignore_index=True)
    key = ["item", "metric", "level", "by", "group"]
    prev = _previous_values(trend)
    if prev is not None:
        out = out.merge(prev, on=key, how="left", sort=False)
        out["previous"] = out["previous"].fillna(out["_prev"])
        out["change"] = out["change"].fillna(out["_chg"])
        out = out.drop(columns=["_prev", "_chg"])
    if table is not None and "n_weighted" in table.columns:
        shares = R._with_national(R._check(table, R.BREAKDOWN_REQUIRED, "breakdown"))[key + ["share", "n_weighted"]]
        shares = shares.drop_duplicates(key).rename(columns={"share": "_s", "n_weighted": "_nw"})
        out = out.merge(shares, on=key, how="left", sort=False)
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
    """Add ids and priorities, keep the strongest candidate per id, order by priority then id."""
    if not len(cands):
        out = cands.copy()
        for c in ("item_key", "id", "gap_points", "strength", "priority"):
            out[c] = pd.Series(dtype=object if c in ("item_key", "id") else float)
        return out
    out = add_priority(cands, scale_range=scale_range)
    out["item_key"] = _item_key(out)
    out["id"] = [make_id(r, i, b, g) for r, i, b, g in zip(out["rule"], out["item_key"], out["by"], out["group"])]
    out = out.sort_values(["priority", "id"], ascending=[False, True], kind="mergesort")
    out = out.drop_duplicates("id", keep="first")
    return out.reset_index(drop=True)


def build(ranked: pd.DataFrame, rules: Sequence[RecommendationRule], labeller: Labeller, *, wave: int | None,
          previous_wave: int | None, status: Mapping[str, str] | None = None) -> tuple[Recommendation, ...]:
    """Word each ranked candidate in every language and make the Recommendation objects."""
    by_id = {r.id: r for r in rules}
    status = dict(status or {})
    out = []
    for row in ranked.to_dict("records"):
        spec = by_id.get(row.get("rule_id", ""))
        st = status.get(row["id"], "new")
        texts: dict[str, dict[str, str]] = {k: {} for k in ("text", "indicator", "responsible", "supporting",
                                                           "deadline", "cost", "comments", "item_label",
                                                           "group_label")}
        defaults = DEFAULT_TEMPLATES[row["rule"]]
        for lang in LANGUAGES:
            v = template_values(row, lang, labeller, wave=wave, previous_wave=previous_wave)
            own = lambda name: (getattr(spec, name, None) or FrozenDict()).get(lang)  # noqa: E731
            texts["text"][lang] = fill(own("text") or defaults["text"][lang], v)
            texts["indicator"][lang] = fill(own("indicator") or defaults["indicator"][lang], v)
            # a region's (or municipality's) row goes to its Regional Police Directorate unless the rule's
            # own template is written per group (has placeholders); other rows use the rule's institution
            resp = own("responsible")
            regional = region_of(row["by"], row["group"]) is not None
            texts["responsible"][lang] = (fill(resp, v) if resp and (not regional or "{" in resp)
                                          else v["responsible"])
            extra = tuple(getattr(spec, "supporting", ()) or ())
            if extra:
                names = [fill(s.get(lang) or s.get("en") or "", v) for s in extra]
                texts["supporting"][lang] = "; ".join(n for n in names if n)
            else:
                texts["supporting"][lang] = supporting_institutions(row["rule"], row["by"], row["group"], lang,
                                                                    labeller)
            texts["deadline"][lang] = (fill(own("deadline"), v) if own("deadline")
                                       else deadline_text(lang, wave))
            texts["cost"][lang] = COST[lang]
            texts["comments"][lang] = evidence_comment(row, lang, v, status=st)
            texts["item_label"][lang] = v["item_label"]
            texts["group_label"][lang] = v["group_label"]
        fields = dict(row)
        fields.update({k: FrozenDict(d) for k, d in texts.items()})
        fields.update(status=st, wave=wave)
        out.append(recommendation_from_row(fields))
    return tuple(out)

