"""Schema checks that cross-reference sections: routing, source columns, design, weighting,
targets and recommendation rules."""

from __future__ import annotations

import string
from collections.abc import Mapping

from ..errors import QuestionnaireError
from ._checks import Checker, SafeDict, codes_text as _codes, is_int, is_number, kind as _kind
from ._codes import canonical_code, is_code
from .expressions import parse_expression
from .sections import (
    LONELY_PSU_RULES,
    RULE_PARAMS,
    RULE_TYPES,
    TARGET_DIRECTIONS,
    TARGET_METRICS,
    TEMPLATE_FIELDS,
    WEIGHTING_METHODS,
)

__all__ = ["ReferenceChecks"]

_SHARE_TOLERANCE = 1e-3
_COUNT_TOLERANCE = 5e-3


class ReferenceChecks(Checker):
    """Cross-reference checks (mixin of the schema validator)."""

    # ---------------------------------------------------------------- helpers
    def _sections(self):
        for section in ("questions", "demographics"):
            items = self.d.get(section)
            if isinstance(items, list):
                for i, q in enumerate(items):
                    if isinstance(q, Mapping):
                        yield f"{section}[{i}]", q

    def codes_of(self, vid) -> list | None:
        """Valid + missing codes of a coded variable, ``None`` if it is numeric/text/unknown."""
        kind, d = self.variables.get(vid, (None, None))
        if kind == "option":
            return [0, 1]
        if kind in ("question", "demographic") and d.get("type") == "single":
            info = self.scale_info.get(d.get("scale"))
            return None if info is None else info["valid"] + info["missing"]
        if kind == "derived":
            info = self.scale_info.get(d.get("scale"))
            return None if info is None else info["valid"]
        return None

    def valid_codes_of(self, vid) -> list | None:
        kind, d = self.variables.get(vid, (None, None))
        if kind == "option":
            return [0, 1]
        if kind in ("question", "demographic", "derived") and (kind == "derived" or d.get("type") == "single"):
            info = self.scale_info.get(d.get("scale"))
            return None if info is None else info["valid"]
        return None

    def coded_variable(self, vid) -> bool:
        kind, d = self.variables.get(vid, (None, None))
        return kind == "derived" or (kind in ("question", "demographic") and d.get("type") == "single")

    # ---------------------------------------------------------------- routing
    def routing(self):
        for p, q in self._sections():
            text = q.get("asked_if")
            if not isinstance(text, str):
                continue
            try:
                expr = parse_expression(text)
            except QuestionnaireError as exc:
                where = f" (the routing of {q['id']!r})" if isinstance(q.get("id"), str) else ""
                self.add(f"{p}.asked_if", str(exc).replace("\n", " ").replace("    ", " ") + where)
                continue
            for comp in expr.comparisons():
                col = comp.column
                kind, d = self.variables.get(col, (None, None))
                if kind is None or kind == "index":
                    self.add(f"{p}.asked_if", f"refers to unknown variable {col!r}")
                    continue
                if col == q.get("id"):
                    self.add(f"{p}.asked_if", f"refers to the question itself ({col!r})")
                    continue
                codes = self.codes_of(col)
                for lit in comp.literals:
                    if codes is not None:
                        if canonical_code(lit) not in codes or (isinstance(lit, str) and isinstance(canonical_code(lit), int)):
                            self.add(
                                f"{p}.asked_if",
                                f"{lit!r} is not a code of {col!r} (codes: {_codes(codes)})",
                            )
                    elif kind in ("question", "demographic") and d.get("type") == "numeric" and isinstance(lit, str):
                        self.add(f"{p}.asked_if", f"compares the numeric variable {col!r} with the text {lit!r}")

    # ---------------------------------------------------------------- source columns
    def columns(self):
        waves = set()
        wave = self.d.get("wave")
        if is_int(wave):
            waves.add(wave)
        entries = []  # (path, id, columns)
        for p, q in self._sections():
            if q.get("type") == "multiple" and isinstance(q.get("options"), list):
                for j, o in enumerate(q["options"]):
                    if isinstance(o, Mapping) and isinstance(o.get("id"), str):
                        entries.append((f"{p}.options[{j}]", o["id"], o.get("columns")))
            elif isinstance(q.get("id"), str):
                entries.append((p, q["id"], q.get("columns")))
        for _, _, cols in entries:
            if isinstance(cols, Mapping):
                waves.update(w for w in cols if is_int(w))
        for w in sorted(waves):
            seen: dict[str, str] = {}
            for p, vid, cols in entries:
                name = cols.get(w, vid) if isinstance(cols, Mapping) else vid
                if not isinstance(name, str):
                    continue
                if name in seen:
                    self.add(f"{p}.columns", f"source column {name!r} of wave {w} is also used by {seen[name]}")
                else:
                    seen[name] = p

    # ---------------------------------------------------------------- design
    def design(self, d):
        if d is None:
            return
        if not isinstance(d, Mapping):
            self.add("design", f"must be a mapping (respondent_id, weight, strata, psu, fpc, nest, lonely_psu), "
                     f"found {_kind(d)}")
            return
        self.keys(d, "design", ("respondent_id", "weight", "strata", "psu", "fpc", "nest", "lonely_psu"))
        names: dict[str, str] = {}
        for key in ("respondent_id", "weight", "strata", "psu", "fpc"):
            v = d.get(key)
            if v is None:
                continue
            vals = v if isinstance(v, list) and key in ("psu", "fpc") else [v]
            if not vals or not all(isinstance(x, str) and x.strip() for x in vals):
                many = " or a list of names (one per stage)" if key in ("psu", "fpc") else ""
                self.add(f"design.{key}", f"must be a column name{many}, found {v!r}")
                continue
            for x in vals:
                if x in self.variables:
                    self.add(f"design.{key}", f"column {x!r} is also a questionnaire variable ({self.where[x]})")
                if x in names:
                    self.add(f"design.{key}", f"column {x!r} is also the design's {names[x]}")
                names[x] = key
        if not isinstance(d.get("nest", False), bool):
            self.add("design.nest", f"must be true or false, found {d.get('nest')!r}")
        lonely = d.get("lonely_psu")
        if lonely is not None and lonely not in LONELY_PSU_RULES:
            self.add("design.lonely_psu", f"must be one of {', '.join(LONELY_PSU_RULES)} (what to do with a stratum "
                     f"that has a single PSU), found {lonely!r}")

    # ---------------------------------------------------------------- weighting
    def weighting(self, w):
        if w is None:
            return
        if not isinstance(w, Mapping):
            self.add("weighting", f"must be a mapping (method, total, variables), found {_kind(w)}")
            return
        self.keys(w, "weighting", ("method", "population", "total", "variables"), required=("variables",))
        if w.get("method", "rake") not in WEIGHTING_METHODS:
            self.add("weighting.method", f"unknown method {w.get('method')!r} (allowed: {', '.join(WEIGHTING_METHODS)})")
        if w.get("population") is not None and not isinstance(w.get("population"), str):
            self.add("weighting.population", "must be a text describing the target population")
        total = w.get("total")
        total_value = None
        if total is not None:
            if not isinstance(total, Mapping):
                self.add("weighting.total", f"must be a mapping with value, source, estimate; found {_kind(total)}")
            else:
                self.keys(total, "weighting.total", ("value", "source", "estimate", "note"), required=("value", "source", "estimate"))
                self.citation(total, "weighting.total")
                v = total.get("value")
                if "value" in total and not (is_number(v) and v > 0):
                    self.add("weighting.total.value", f"must be a positive number, found {v!r}")
                elif is_number(v):
                    total_value = float(v)
        variables = w.get("variables")
        if not isinstance(variables, Mapping):
            if variables is not None:
                self.add("weighting.variables", f"must map variable ids to their targets, found {_kind(variables)}")
            return
        count_sums = {}
        for name, v in variables.items():
            p = f"weighting.variables.{name}"
            if not isinstance(v, Mapping):
                self.add(p, f"must be a mapping with unit, source, estimate, targets; found {_kind(v)}")
                continue
            self.keys(v, p, ("unit", "source", "estimate", "note", "targets"), required=("source", "estimate", "targets"))
            self.citation(v, p)
            unit = v.get("unit", "share")
            if unit not in ("share", "count"):
                self.add(f"{p}.unit", f"must be 'share' or 'count', found {unit!r}")
            valid = self.valid_codes_of(name)
            if not self.coded_variable(name):
                self.add(p, f"{name!r} is not a coded demographic or derived variable of the questionnaire")
            targets = v.get("targets")
            if not (isinstance(targets, Mapping) and targets):
                if "targets" in v:
                    self.add(f"{p}.targets", "must map each code to its population count or share")
                continue
            ok = True
            canon = {}
            for code, t in targets.items():
                if not is_code(code):
                    self.add(f"{p}.targets.{code}", f"key must be a code (an integer or a text), found {code!r}")
                    ok = False
                    continue
                if canonical_code(code) in canon:
                    self.add(f"{p}.targets.{code}", f"code {code!r} given twice")
                canon[canonical_code(code)] = t
                code = canonical_code(code)
                if valid is not None and code not in valid:
                    self.add(f"{p}.targets.{code}", f"code {code} is not a valid code of {name!r} ({_codes(valid)})")
                if not (is_number(t) and t >= 0):
                    self.add(f"{p}.targets.{code}", f"must be a non-negative number, found {t!r}")
                    ok = False
            if valid is not None:
                absent = [c for c in valid if c not in canon]
                if absent:
                    self.add(f"{p}.targets", f"no target for code(s) {_codes(absent)} of {name!r}")
            if not ok:
                continue
            s = float(sum(targets.values()))
            if unit == "share":
                if abs(s - 1.0) > _SHARE_TOLERANCE:
                    self.add(f"{p}.targets", f"shares sum to {s:.6g}, not 1")
                if total is None:
                    self.add("weighting.total", f"required: {name!r} gives shares, which need the population total")
            elif unit == "count":
                count_sums[name] = s
                if total_value is not None and abs(s - total_value) > _COUNT_TOLERANCE * total_value:
                    self.add(f"{p}.targets", f"counts sum to {s:,.0f}, not the population total {total_value:,.0f}")
        if total_value is None and len(set(round(x) for x in count_sums.values())) > 1:
            self.add("weighting.variables", f"count targets sum to different totals: {count_sums}")

    def citation(self, d: Mapping, p: str):
        src = d.get("source")
        if "source" in d and not (isinstance(src, str) and src.strip()):
            self.add(f"{p}.source", "must cite where the figures come from (publisher, table, year)")
        if "estimate" in d and not isinstance(d.get("estimate"), bool):
            self.add(f"{p}.estimate", f"must be true (the figure is an estimate) or false, found {d.get('estimate')!r}")
        if d.get("note") is not None and not isinstance(d.get("note"), str):
            self.add(f"{p}.note", "must be a text")

    # ---------------------------------------------------------------- targets
    def item_kind(self, vid) -> str | None:
        """``single`` / ``numeric`` / ``option`` / ``index`` for a statistical item, else ``None``."""
        kind, d = self.variables.get(vid, (None, None))
        if kind == "option":
            return "option"
        if kind == "index":
            return "index"
        if kind == "question" and d.get("type") in ("single", "numeric"):
            return d["type"]
        return None

    def metric_problem(self, vid, metric) -> str | None:
        if not isinstance(vid, str) or vid not in self.variables:
            return None  # an unknown or malformed item is reported at the item itself
        ik = self.item_kind(vid)
        if metric == "index_mean":
            return None if ik == "index" else f"metric 'index_mean' needs an index, {vid!r} is not one"
        if ik == "single" and self.variables[vid][1].get("scale") not in self.scale_info:
            return None  # the unknown scale is reported at the question
        if metric == "mean":
            if ik in ("numeric", "index", "option"):
                return None
            info = self.scale_info.get(self.variables[vid][1].get("scale"), {})
            return None if info.get("scored") else f"metric 'mean' needs scores on the scale of {vid!r}"
        if ik == "index":
            return f"index {vid!r} takes the metric 'index_mean'"
        if ik == "numeric":
            return f"numeric item {vid!r} takes the metric 'mean'"
        nets = SafeDict({"yes": [1]}) if ik == "option" else self.scale_info.get(self.variables[vid][1].get("scale"), {}).get("nets", {})
        if metric in nets:
            return None
        allowed = list(TARGET_METRICS) + [n for n in nets if n not in TARGET_METRICS]
        if metric in ("top2", "bottom2"):
            return f"the scale of {vid!r} has no net {metric!r} (nets: {', '.join(nets) or 'none'})"
        return f"unknown metric {metric!r} (allowed: {', '.join(allowed)})"

    def targets(self, items):
        for i, t in enumerate(self.list_of(items, "targets")):
            p = f"targets[{i}]"
            if not isinstance(t, Mapping):
                self.add(p, f"must be a mapping with item, metric, goal, direction; found {_kind(t)}")
                continue
            self.keys(t, p, ("item", "metric", "goal", "direction", "by", "label"), required=("item", "metric", "goal"))
            item, metric = t.get("item"), t.get("metric")
            if "item" in t and self.item_kind(item) is None:
                self.add(f"{p}.item", f"unknown item {item!r}: targets refer to questionnaire items or indices")
            elif "metric" in t:
                problem = self.metric_problem(item, metric)
                if problem:
                    self.add(f"{p}.metric", problem)
            goal = t.get("goal")
            if "goal" in t and not is_number(goal):
                self.add(f"{p}.goal", f"must be a number, found {goal!r}")
            elif metric not in ("mean", "index_mean") and is_number(goal) and not 0 <= goal <= 1:
                self.add(f"{p}.goal", f"a share goal must be between 0 and 1 (0.7 for 70%), found {goal!r}")
            if t.get("direction", "higher") not in TARGET_DIRECTIONS:
                self.add(f"{p}.direction", f"must be 'higher' or 'lower', found {t.get('direction')!r}")
            by = t.get("by")
            if by is not None and self.variables.get(by, (None,))[0] not in ("demographic", "derived"):
                self.add(f"{p}.by", f"unknown demographic {by!r}")
            self.labels(t.get("label"), f"{p}.label", required=False)

    # ---------------------------------------------------------------- recommendations
    def recommendations(self, items):
        ids: dict[str, str] = {}
        for i, r in enumerate(self.list_of(items, "recommendations")):
            p = f"recommendations[{i}]"
            if not isinstance(r, Mapping):
                self.add(p, f"must be a mapping with id, rule, items, params, text, ...; found {_kind(r)}")
                continue
            self.keys(
                r, p,
                ("id", "rule", "items", "params", "text", "responsible", "supporting", "indicator", "deadline"),
                required=("id", "rule", "text", "responsible"),
            )
            rid = r.get("id")
            if "id" in r and self.ident(rid, f"{p}.id", "rule id"):
                if rid in ids:
                    self.add(f"{p}.id", f"duplicate rule id {rid!r} (also at {ids[rid]})")
                ids[rid] = p
            rule = r.get("rule")
            if "rule" in r and rule not in SafeDict(RULE_PARAMS):
                self.add(f"{p}.rule", f"unknown rule {rule!r} (allowed: {', '.join(RULE_TYPES)})")
            its = r.get("items", "all")
            if its != "all":
                if not (isinstance(its, list) and its):
                    self.add(f"{p}.items", f"must be 'all' or a non-empty list of item ids, found {its!r}")
                else:
                    for j, it in enumerate(its):
                        if self.item_kind(it) is None:
                            self.add(f"{p}.items[{j}]", f"unknown item {it!r}")
            self.params(r.get("params"), f"{p}.params", rule)
            for key in ("text", "responsible", "indicator", "deadline"):
                self.template(r.get(key), f"{p}.{key}", must_exist=key in ("text", "responsible"))
            for j, s in enumerate(self.list_of(r.get("supporting"), f"{p}.supporting")):
                self.template(s, f"{p}.supporting[{j}]", must_exist=True)

    def params(self, params, p, rule):
        if params is None:
            return
        if not isinstance(params, Mapping):
            self.add(p, f"must be a mapping of parameter names to values, found {_kind(params)}")
            return
        allowed = SafeDict(RULE_PARAMS).get(rule)
        if allowed is None:
            return
        for key, value in params.items():
            if key not in allowed:
                self.add(f"{p}.{key}", f"unknown parameter {key!r} for rule {rule!r} (allowed: {', '.join(allowed) or 'none'})")
                continue
            types = allowed[key]
            ok = isinstance(value, types) and not isinstance(value, bool) or (bool in types and isinstance(value, bool))
            if float in types and is_int(value):
                ok = True
            if not ok:
                self.add(f"{p}.{key}", f"must be {' or '.join(t.__name__ for t in types)}, found {value!r}")
                continue
            if key == "alpha" and not 0 < value < 1:
                self.add(f"{p}.{key}", f"must be between 0 and 1, found {value!r}")
            if key == "threshold" and not 0 <= value <= 1:
                self.add(f"{p}.{key}", f"is a share: between 0 and 1 (0.5 for 50%), found {value!r}")
            if key in ("min_change", "min_gap") and value <= 0:
                self.add(f"{p}.{key}", f"must be positive, found {value!r}")
            if key == "min_base" and value < 1:
                self.add(f"{p}.{key}", f"must be a positive number of respondents, found {value!r}")
            if key == "metric" and value not in TARGET_METRICS:
                self.add(f"{p}.{key}", f"unknown metric {value!r} (allowed: {', '.join(TARGET_METRICS)})")
            if key == "by":
                for v in [value] if isinstance(value, str) else value:
                    if self.variables.get(v, (None,))[0] not in ("demographic", "derived"):
                        self.add(f"{p}.by", f"unknown demographic {v!r}")

    def template(self, value, p, must_exist):
        self.labels(value, p, required=True, must_exist=must_exist)
        if not isinstance(value, Mapping):
            return
        for lang, text in value.items():
            if not isinstance(text, str):
                continue
            try:
                fields = [f for _, f, _, _ in string.Formatter().parse(text) if f is not None]
            except ValueError as exc:
                self.add(f"{p}.{lang}", f"bad template ({exc}); write literal braces as '{{{{' and '}}}}'")
                continue
            for f in fields:
                name = f.split(".")[0].split("[")[0].split("!")[0].split(":")[0]
                if name not in TEMPLATE_FIELDS:
                    self.add(f"{p}.{lang}", f"unknown placeholder {{{f}}} (allowed: {', '.join(TEMPLATE_FIELDS)})")
