"""Schema checks of the header, scales, questions, demographics, derived variables and indices."""

from __future__ import annotations

from collections.abc import Mapping

from ._checks import LANGUAGE_RE, Checker, SafeDict, codes_text as _codes, is_int, is_number, kind as _kind
from ._codes import canonical_code, is_code
from .scales import check_kind
from .variables import QUESTION_TYPES

__all__ = ["VariableChecks"]

_SCALE_KEYS = ("label", "codes", "missing", "favourable", "neutral", "nets")
_QUESTION_KEYS = (
    "id", "type", "scale", "block", "label", "text", "reverse", "asked_if", "options", "min", "max",
    "missing", "columns", "favourable", "blank", "mentions",
)


class VariableChecks(Checker):
    """Checks of the sections that define variables (mixin of the schema validator)."""

    # ---------------------------------------------------------------- header
    def header(self, d):
        sid = d.get("survey_id")
        if "survey_id" in d and not (isinstance(sid, str) and sid.strip()):
            self.add("survey_id", f"must be a non-empty text, found {sid!r}")
        wave = d.get("wave")
        if "wave" in d and not (is_int(wave) and 1900 <= wave <= 2200):
            self.add("wave", f"must be the survey year as an integer (e.g. 2025), found {wave!r}")
        ver = d.get("version")
        if "version" in d and not (isinstance(ver, (str, int, float)) and not isinstance(ver, bool)):
            self.add("version", f"must be a text such as '1.0', found {ver!r}")
        langs = d.get("languages")
        self.languages = None
        if "languages" in d:
            if not (isinstance(langs, list) and langs and all(isinstance(x, str) for x in langs)):
                self.add("languages", "must be a non-empty list of language codes such as [en] or [sq, sr, en], "
                         f"found {langs!r}")
            else:
                self.languages = list(langs)
                for i, x in enumerate(langs):
                    if not LANGUAGE_RE.match(x):
                        self.add(f"languages[{i}]", f"{x!r} is not a language code (en, fr, sr-Cyrl, ...)")
                dups = sorted({x for x in langs if langs.count(x) > 1})
                if dups:
                    self.add("languages", f"duplicate language(s) {', '.join(dups)}")
        self.labels(d.get("title"), "title", required=False)
        self.labels(d.get("population"), "population", required=False)
        unt = d.get("untranslated")
        if unt is not None:
            if not (isinstance(unt, list) and all(isinstance(x, str) for x in unt)):
                self.add("untranslated", f"must be a list of language codes, found {unt!r}")
            else:
                for i, lang in enumerate(unt):
                    if lang not in self.languages:
                        self.add(f"untranslated[{i}]", f"unknown language {lang!r} (languages: {', '.join(self.languages)})")
                    elif self.strict:
                        self.add(
                            f"untranslated[{i}]",
                            f"the {lang!r} labels are placeholders copied from another language: "
                            f"translate them and remove {lang!r} from 'untranslated'",
                        )
        for key in ("notes", "unanalysed"):
            v = d.get(key)
            if v is not None and not (isinstance(v, list) and all(isinstance(x, str) for x in v)):
                self.add(key, "must be a list of texts")

    # ---------------------------------------------------------------- scales
    def scales(self, scales):
        self.scale_info: dict[str, dict] = SafeDict()
        if scales is None:
            return
        if not isinstance(scales, Mapping):
            self.add("scales", f"must be a mapping of scale id to scale, found {_kind(scales)}")
            return
        for sid, s in scales.items():
            p = f"scales.{sid}"
            if not self.ident(sid, p, "scale id"):
                continue
            info = {"valid": [], "missing": [], "scored": False, "nets": SafeDict(), "kinds": {}, "names": {}}
            self.scale_info[sid] = info
            if not isinstance(s, Mapping):
                self.add(p, f"must be a mapping with codes, missing, nets, ...; found {_kind(s)}")
                continue
            self.keys(s, p, _SCALE_KEYS, required=("codes",))
            self.labels(s.get("label"), f"{p}.label", required=False)
            seen: dict[int, str] = {}
            codes = s.get("codes")
            scores = []
            if "codes" in s and not (isinstance(codes, list) and codes):
                self.add(f"{p}.codes", "must be a non-empty list of {code, label, score}")
                codes = []
            for i, c in enumerate(codes or []):
                cp = f"{p}.codes[{i}]"
                if not isinstance(c, Mapping):
                    self.add(cp, f"must be a mapping with code, label and score, found {_kind(c)}")
                    continue
                self.keys(c, cp, ("code", "name", "label", "score"), required=("code",))
                code = c.get("code")
                if "code" in c and self.code(code, f"{cp}.code", seen, cp):
                    info["valid"].append(canonical_code(code))
                    self.code_name(c.get("name"), f"{cp}.name", info, code)
                sc = c.get("score")
                if sc is not None and not is_number(sc):
                    self.add(f"{cp}.score", f"must be a number or null, found {sc!r}")
                scores.append(sc)
                self.labels(c.get("label"), f"{cp}.label", required=True)
            info["scored"] = bool(scores) and all(is_number(x) for x in scores)
            for i, m in enumerate(self.list_of(s.get("missing"), f"{p}.missing")):
                mp = f"{p}.missing[{i}]"
                if not isinstance(m, Mapping):
                    self.add(mp, f"must be a mapping with code, kind and label, found {_kind(m)}")
                    continue
                self.keys(m, mp, ("code", "name", "kind", "label"), required=("code", "kind"))
                if "code" in m and self.code(m.get("code"), f"{mp}.code", seen, mp):
                    info["missing"].append(canonical_code(m["code"]))
                    info["kinds"][canonical_code(m["code"])] = m.get("kind")
                    self.code_name(m.get("name"), f"{mp}.name", info, m["code"])
                if "kind" in m:
                    self.kind_of_missing(m.get("kind"), f"{mp}.kind")
                self.labels(m.get("label"), f"{mp}.label", required=True)
            for name, code in info["names"].items():
                other = canonical_code(name)
                if other in seen and other != canonical_code(code):
                    self.add(f"{p}.codes", f"name {name!r} of code {code} is also a code of the scale; "
                             "a data value could mean either: rename it")
            fav = s.get("favourable")
            if fav not in (None, "high", "low"):
                self.add(f"{p}.favourable", f"must be 'high', 'low' or null, found {fav!r}")
            elif fav is not None and not info["scored"]:
                self.add(f"{p}.favourable", "a scale with a favourable direction needs a numeric score on every code")
            neutral = s.get("neutral")
            if neutral is not None and canonical_code(neutral) not in info["valid"]:
                self.add(f"{p}.neutral", f"code {neutral!r} is not a valid code of the scale ({_codes(info['valid'])})")
            nets = s.get("nets")
            if nets is not None:
                if not isinstance(nets, Mapping):
                    self.add(f"{p}.nets", f"must be a mapping of net name to codes, found {_kind(nets)}")
                else:
                    for name, ncodes in nets.items():
                        np_ = f"{p}.nets.{name}"
                        if not self.ident(name, np_, "net name"):
                            continue
                        if not (isinstance(ncodes, list) and ncodes):
                            self.add(np_, f"must be a non-empty list of codes, found {ncodes!r}")
                            continue
                        canon = [canonical_code(c) if is_code(c) else c for c in ncodes]
                        # true/false are not codes, though Python counts True as 1
                        bad = [c for c in canon if isinstance(c, bool) or c not in info["valid"]]
                        if bad:
                            self.add(np_, f"code(s) {_codes(bad)} not valid codes of the scale ({_codes(info['valid'])})")
                        if len(set(map(repr, canon))) != len(canon):
                            self.add(np_, "lists a code twice")
                        info["nets"][name] = canon

    def code(self, code, path: str, seen: dict, where: str) -> bool:
        """An integer or text code, unique in its scale (``1`` and ``"1"`` are the same code)."""
        if not is_code(code):
            self.add(path, f"must be an integer or a text code, found {code!r}")
            return False
        key = canonical_code(code)
        if key in seen:
            self.add(path, f"duplicate code {code!r} (also at {seen[key]})")
            return False
        seen[key] = where
        return True

    def code_name(self, name, path: str, info: dict, code) -> None:
        """A code's choice name (XLSForm): a text, unique in its scale."""
        if name is None:
            return
        if not (isinstance(name, str) and name.strip()):
            self.add(path, f"must be a non-empty text, found {name!r}")
        elif name in info["names"]:
            self.add(path, f"name {name!r} is also the name of code {info['names'][name]}")
        else:
            info["names"][name] = code

    def kind_of_missing(self, kind, path: str) -> None:
        problem = check_kind(kind)
        if problem:
            self.add(path, problem)
        elif self.strict and kind == "unclassified":
            self.add(path, "an imported missing code nobody has classified yet: set its kind "
                     "(dont_know, refused, not_applicable, no_answer, ...)")

    # ---------------------------------------------------------------- questions
    def questions(self, items, section: str):
        if items is None:
            return
        if not isinstance(items, list):
            self.add(section, f"must be a list of questions, found {_kind(items)}")
            return
        if section == "questions" and not items and self.strict:
            self.add(section, "must list at least one question (a form whose questions all sit in repeat groups "
                     "has them in the repeats' own tables)")
        kind = "question" if section == "questions" else "demographic"
        allowed_types = QUESTION_TYPES if section == "questions" else ("single", "numeric")
        for i, q in enumerate(items):
            p = f"{section}[{i}]"
            if not isinstance(q, Mapping):
                self.add(p, f"must be a mapping with id, type, text, ...; found {_kind(q)}")
                continue
            self.keys(q, p, _QUESTION_KEYS, required=("id", "type"))
            qid = q.get("id")
            if "id" in q and self.ident(qid, f"{p}.id", "id"):
                self.define(qid, kind, q, f"{p}.id")
            qtype = q.get("type")
            if "type" in q and qtype not in allowed_types:
                self.add(f"{p}.type", f"unknown type {qtype!r} (allowed: {', '.join(allowed_types)})")
            self.labels(q.get("text"), f"{p}.text", required=True, must_exist=True)
            self.labels(q.get("label"), f"{p}.label", required=False)
            if q.get("block") is not None and not isinstance(q.get("block"), str):
                self.add(f"{p}.block", f"must be a text, found {q.get('block')!r}")
            scale = q.get("scale")
            if qtype == "single":
                if scale is None:
                    self.add(f"{p}.scale", "a single-choice question needs a scale")
                elif scale not in self.scale_info:
                    self.add(f"{p}.scale", f"unknown scale {scale!r} (scales: {', '.join(self.scale_info) or 'none defined'})")
            elif scale is not None:
                self.add(f"{p}.scale", f"only single-choice questions take a scale (type is {qtype!r})")
            rev = q.get("reverse", False)
            if not isinstance(rev, bool):
                self.add(f"{p}.reverse", f"must be true or false, found {rev!r}")
            elif rev and not (qtype == "single" and self.scale_info.get(scale, {}).get("scored")):
                self.add(f"{p}.reverse", "only a single-choice question with a scored scale can be reverse-coded")
            fav = q.get("favourable")
            if fav is not None and fav not in ("high", "low", "none"):
                self.add(f"{p}.favourable", f"must be high, low or none, found {fav!r}")
            elif fav in ("high", "low") and not (qtype == "single" and scale in self.scale_info):
                self.add(f"{p}.favourable", "only a single-choice question with a scale has a favourable end")
            if q.get("blank") is not None:
                if qtype not in ("single", "numeric", "multiple"):
                    self.add(f"{p}.blank", "only single-choice, numeric and multiple-response questions take a blank kind")
                else:
                    self.kind_of_missing(q.get("blank"), f"{p}.blank")
            if q.get("asked_if") is not None and not isinstance(q.get("asked_if"), str):
                self.add(f"{p}.asked_if", f"must be an expression text such as 'contacted == 1', found {q.get('asked_if')!r}")
            self.columns_map(q.get("columns"), f"{p}.columns")
            opts = q.get("options")
            if qtype == "multiple":
                if not (isinstance(opts, list) and opts):
                    self.add(f"{p}.options", "a multiple-response question needs a list of options")
                else:
                    self.options(opts, f"{p}.options", kind)
            elif opts is not None:
                self.add(f"{p}.options", f"only multiple-response questions take options (type is {qtype!r})")
            mentions = q.get("mentions")
            if mentions is not None:
                if qtype != "multiple":
                    self.add(f"{p}.mentions", "only multiple-response questions take mention columns")
                elif not (isinstance(mentions, list) and mentions and all(isinstance(m, str) and m.strip() for m in mentions)):
                    self.add(f"{p}.mentions", f"must be a non-empty list of column names, found {mentions!r}")
                elif isinstance(opts, list) and any(isinstance(o, Mapping) and o.get("name") is None for o in opts):
                    self.add(f"{p}.mentions", "every option needs the 'name' (the value) its mention columns hold")
            lo, hi = q.get("min"), q.get("max")
            for name, v in (("min", lo), ("max", hi)):
                if v is not None and (qtype != "numeric" or not is_number(v)):
                    self.add(f"{p}.{name}", "only numeric questions take a range" if qtype != "numeric" else f"must be a number, found {v!r}")
            if qtype == "numeric" and is_number(lo) and is_number(hi) and lo > hi:
                self.add(f"{p}.min", f"min {lo} is greater than max {hi}")
            miss = q.get("missing")
            if miss is not None:
                if qtype not in ("numeric", "multiple"):
                    self.add(f"{p}.missing", "single-choice questions take their missing codes from the scale")
                seen: dict = {}
                for j, m in enumerate(self.list_of(miss, f"{p}.missing")):
                    mp = f"{p}.missing[{j}]"
                    if not isinstance(m, Mapping):
                        self.add(mp, f"must be a mapping with code, kind and label, found {_kind(m)}")
                        continue
                    self.keys(m, mp, ("code", "name", "kind", "label"), required=("code", "kind"))
                    c = m.get("code")
                    if "code" in m and self.code(c, f"{mp}.code", seen, mp):
                        if is_number(lo) and is_number(hi) and is_number(canonical_code(c)) and lo <= canonical_code(c) <= hi:
                            self.add(f"{mp}.code", f"missing code {c} lies inside the valid range {lo}..{hi}")
                    if "kind" in m:
                        self.kind_of_missing(m.get("kind"), f"{mp}.kind")
                    self.labels(m.get("label"), f"{mp}.label", required=True)

    def options(self, opts, p, kind):
        for j, o in enumerate(opts):
            op = f"{p}[{j}]"
            if not isinstance(o, Mapping):
                self.add(op, f"must be a mapping with id and label, found {_kind(o)}")
                continue
            self.keys(o, op, ("id", "name", "label", "exclusive", "columns"), required=("id",))
            if o.get("name") is not None and not (isinstance(o.get("name"), str) and o["name"].strip()):
                self.add(f"{op}.name", f"must be a non-empty text, found {o.get('name')!r}")
            if "id" in o and self.ident(o.get("id"), f"{op}.id", "option id"):
                self.define(o["id"], "option", o, f"{op}.id")
            if not isinstance(o.get("exclusive", False), bool):
                self.add(f"{op}.exclusive", f"must be true or false, found {o.get('exclusive')!r}")
            self.labels(o.get("label"), f"{op}.label", required=True)
            self.columns_map(o.get("columns"), f"{op}.columns")

    def columns_map(self, cols, p):
        if cols is None:
            return
        if not isinstance(cols, Mapping):
            self.add(p, f"must map waves to source column names (2024: q7_old_name), found {_kind(cols)}")
            return
        for wave, name in cols.items():
            if not (is_int(wave) and 1900 <= wave <= 2200):
                self.add(f"{p}.{wave}", f"key must be a wave (year), found {wave!r}")
            if not (isinstance(name, str) and name.strip()):
                self.add(f"{p}.{wave}", f"must be a column name, found {name!r}")

    # ---------------------------------------------------------------- derived and indices
    def derived(self, items):
        for i, x in enumerate(self.list_of(items, "derived")):
            p = f"derived[{i}]"
            if not isinstance(x, Mapping):
                self.add(p, f"must be a mapping with id, from, scale and bands or recode; found {_kind(x)}")
                continue
            self.keys(x, p, ("id", "from", "scale", "bands", "recode", "label"), required=("id", "from", "scale"))
            if "id" in x and self.ident(x.get("id"), f"{p}.id", "id"):
                self.define(x["id"], "derived", x, f"{p}.id")
            self.labels(x.get("label"), f"{p}.label", required=True)
            scale = x.get("scale")
            info = self.scale_info.get(scale)
            if "scale" in x and info is None:
                self.add(f"{p}.scale", f"unknown scale {scale!r} (scales: {', '.join(self.scale_info) or 'none defined'})")
            src = x.get("from")
            kind, sd = self.variables.get(src, (None, None))
            if "from" in x and kind not in ("question", "demographic"):
                self.add(f"{p}.from", f"unknown variable {src!r}: derive from a demographic or question")
            has_b, has_r = "bands" in x, "recode" in x
            if has_b == has_r:
                self.add(p, "give exactly one of 'bands' ({code: lower bound}) or 'recode' ({code: new code})")
            elif has_b:
                bands = x["bands"]
                if kind in ("question", "demographic") and sd.get("type") != "numeric":
                    self.add(f"{p}.from", f"bands need a numeric variable; {src!r} is {sd.get('type')!r}")
                if not (isinstance(bands, Mapping) and bands):
                    self.add(f"{p}.bands", "must map each code to its lower bound, e.g. {1: 18, 2: 25}")
                else:
                    bad = [k for k, v in bands.items() if not (is_code(k) and is_number(v))]
                    if bad:
                        self.add(f"{p}.bands", f"codes must be integers or texts and bounds numbers (bad: {bad!r})")
                    else:
                        bounds = list(bands.values())
                        if any(b2 <= b1 for b1, b2 in zip(bounds, bounds[1:])):
                            self.add(f"{p}.bands", f"lower bounds must increase from code to code, found {bounds}")
                        if info is not None and sorted(map(repr, map(canonical_code, bands))) != sorted(map(repr, info["valid"])):
                            self.add(
                                f"{p}.bands",
                                f"codes {_codes(list(bands))} must be the valid codes of scale {scale!r} ({_codes(info['valid'])})",
                            )
            else:
                recode = x["recode"]
                if not (isinstance(recode, Mapping) and recode):
                    self.add(f"{p}.recode", "must map source codes to new codes, e.g. {4: 3, 5: 3}")
                else:
                    src_scale = self.scale_info.get((sd or {}).get("scale"))
                    if kind in ("question", "demographic") and sd.get("type") != "single":
                        self.add(f"{p}.from", f"a recode needs a single-choice variable; {src!r} is {sd.get('type')!r}")
                    for k, v in recode.items():
                        if not is_code(k) or not is_code(v):
                            self.add(f"{p}.recode.{k}", f"codes must be integers or texts, found {k!r}: {v!r}")
                            continue
                        k, v = canonical_code(k), canonical_code(v)
                        if src_scale is not None and k not in src_scale["valid"] + src_scale["missing"]:
                            self.add(f"{p}.recode.{k}", f"code {k} is not a code of {src!r} ({_codes(src_scale['valid'])})")
                        if info is not None and v not in info["valid"]:
                            self.add(f"{p}.recode.{k}", f"new code {v} is not a valid code of scale {scale!r} ({_codes(info['valid'])})")

    def indices(self, items):
        for i, x in enumerate(self.list_of(items, "indices")):
            p = f"indices[{i}]"
            if not isinstance(x, Mapping):
                self.add(p, f"must be a mapping with id, items, min_valid, rescale; found {_kind(x)}")
                continue
            self.keys(x, p, ("id", "items", "min_valid", "rescale", "label"), required=("id", "items"))
            if "id" in x and self.ident(x.get("id"), f"{p}.id", "id"):
                self.define(x["id"], "index", x, f"{p}.id")
            self.labels(x.get("label"), f"{p}.label", required=True)
            items_ = x.get("items")
            if not (isinstance(items_, list) and items_):
                self.add(f"{p}.items", "must be a non-empty list of item ids")
                items_ = []
            for j, it in enumerate(items_):
                kind, qd = self.variables.get(it, (None, None))
                if kind not in ("question", "demographic"):
                    self.add(f"{p}.items[{j}]", f"unknown item {it!r}")
                elif qd.get("type") != "single":
                    self.add(f"{p}.items[{j}]", f"item {it!r} is {qd.get('type')!r}: an index needs single-choice items")
                elif qd.get("scale") in self.scale_info and not self.scale_info[qd["scale"]]["scored"]:
                    self.add(f"{p}.items[{j}]", f"item {it!r} has scale {qd.get('scale')!r} without numeric scores")
                if items_.count(it) > 1 and items_.index(it) == j:
                    self.add(f"{p}.items[{j}]", f"item {it!r} listed twice")
            mv = x.get("min_valid", 1)
            if not (is_int(mv) and 1 <= mv <= max(len(items_), 1)):
                self.add(f"{p}.min_valid", f"must be an integer from 1 to the number of items ({len(items_)}), found {mv!r}")
            rs = x.get("rescale")
            if rs is not None and not (
                isinstance(rs, list) and len(rs) == 2 and all(is_number(v) for v in rs) and rs[0] < rs[1]
            ):
                self.add(f"{p}.rescale", f"must be [low, high] with low < high (e.g. [0, 100]) or null, found {rs!r}")


