"""Schema checks: every rule has a bad-input case whose message names the YAML path."""

from __future__ import annotations

import copy

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trustsurvey.errors import QuestionnaireError
from trustsurvey.questionnaire import Questionnaire, bundled, lint, validate


@pytest.fixture()
def good() -> dict:
    return copy.deepcopy(bundled().to_dict())


def _q(d, qid):
    return next(q for q in d["questions"] + d["demographics"] if q["id"] == qid)


def _set(path, value):
    def f(d):
        obj = d
        for k in path[:-1]:
            obj = obj[k]
        obj[path[-1]] = value
    return f


def _del(path):
    def f(d):
        obj = d
        for k in path[:-1]:
            obj = obj[k]
        del obj[path[-1]]
    return f


def _do(*fns):
    def f(d):
        for fn in fns:
            fn(d)
    return f


def _append(path, value):
    def f(d):
        obj = d
        for k in path:
            obj = obj[k]
        obj.append(value)
    return f


# (rule, mutation, expected problem text: YAML path + message)
CASES = [
    # header
    ("unknown top key", _set(("colour",), "red"), "colour: unknown key 'colour'"),
    ("required key", _del(("survey_id",)), "survey_id: required"),
    ("wave type", _set(("wave",), "2025"), "wave: must be the survey year as an integer"),
    ("version type", _set(("version",), ["1"]), "version: must be a text"),
    ("no languages", _set(("languages",), []), "languages: must be a non-empty list of language codes"),
    ("language code", _set(("languages",), ["sq", "sr", "en", "Serbian (Latin)"]),
     "languages[3]: 'Serbian (Latin)' is not a language code"),
    ("label in an undeclared language", _set(("languages",), ["sq", "en"]),
     "questions[0].text.sr: unknown language 'sr' (languages: sq, en)"),
    ("duplicate language", _set(("languages",), ["sq", "sr", "en", "en"]), "languages: duplicate language(s) en"),
    ("label language unknown", _set(("questions", 0, "text", "de"), "Wie sehr"),
     "questions[0].text.de: unknown language 'de' (languages: sq, sr, en)"),
    ("label empty", _set(("questions", 0, "text", "sq"), "  "), "questions[0].text.sq: must be a non-empty text"),
    ("label not a mapping", _set(("questions", 0, "text"), "How much?"), "questions[0].text: must map languages to texts"),
    ("untranslated unknown", _set(("untranslated",), ["de"]), "untranslated[0]: unknown language 'de'"),
    # scales
    ("scale not mapping", _set(("scales",), ["trust5"]), "scales: must be a mapping of scale id to scale"),
    ("scale id", _set(("scales", "bad id"), {"codes": [{"code": 1}]}), "scales.bad id: scale id 'bad id' must be letters"),
    ("scale unknown key", _set(("scales", "trust5", "colour"), 1), "scales.trust5.colour: unknown key 'colour'"),
    ("scale without codes", _set(("scales", "trust5", "codes"), []), "scales.trust5.codes: must be a non-empty list"),
    ("code not integer or text", _set(("scales", "trust5", "codes", 0, "code"), 1.5),
     "scales.trust5.codes[0].code: must be an integer or a text code, found 1.5"),
    ("code given as text and integer", _set(("scales", "trust5", "codes", 1, "code"), "1"),
     "scales.trust5.codes[1].code: duplicate code '1' (also at scales.trust5.codes[0])"),
    ("code name twice", _do(_set(("scales", "trust5", "codes", 0, "name"), "low"),
                            _set(("scales", "trust5", "codes", 1, "name"), "low")),
     "scales.trust5.codes[1].name: name 'low' is also the name of code 1"),
    ("code name is another code", _set(("scales", "trust5", "codes", 0, "name"), "2"),
     "scales.trust5.codes: name '2' of code 1 is also a code of the scale"),
    ("code duplicate", _set(("scales", "trust5", "codes", 1, "code"), 1),
     "scales.trust5.codes[1].code: duplicate code 1 (also at scales.trust5.codes[0])"),
    ("missing code duplicates a valid code", _set(("scales", "trust5", "missing", 0, "code"), 5),
     "scales.trust5.missing[0].code: duplicate code 5"),
    ("missing kind not an identifier", _set(("scales", "trust5", "missing", 0, "kind"), "Don't know"),
     "scales.trust5.missing[0].kind: kind \"Don't know\" must be a lower-case identifier"),
    ("missing kind reserved", _set(("scales", "trust5", "missing", 0, "kind"), "not_asked"),
     "scales.trust5.missing[0].kind: 'not_asked' is reserved for questions routing skipped"),
    ("score type", _set(("scales", "trust5", "codes", 0, "score"), "low"), "scales.trust5.codes[0].score: must be a number"),
    ("favourable value", _set(("scales", "trust5", "favourable"), "up"), "scales.trust5.favourable: must be 'high', 'low' or null"),
    ("favourable without scores", _set(("scales", "region", "favourable"), "high"),
     "scales.region.favourable: a scale with a favourable direction needs a numeric score"),
    ("neutral not a code", _set(("scales", "trust5", "neutral"), 98), "scales.trust5.neutral: code 98 is not a valid code"),
    ("net code invalid", _set(("scales", "trust5", "nets", "top2"), [4, 5, 98]),
     "scales.trust5.nets.top2: code(s) 98 not valid codes of the scale (1, 2, 3, 4, 5)"),
    ("net empty", _set(("scales", "trust5", "nets", "top2"), []), "scales.trust5.nets.top2: must be a non-empty list"),
    ("net duplicate code", _set(("scales", "trust5", "nets", "top2"), [5, 5]), "scales.trust5.nets.top2: lists a code twice"),
    # questions
    ("unknown scale", _set(("questions", 4, "scale"), "agree7"), "questions[4].scale: unknown scale 'agree7'"),
    ("single without scale", _del(("questions", 0, "scale")), "questions[0].scale: a single-choice question needs a scale"),
    ("unknown type", _set(("questions", 0, "type"), "likert"), "questions[0].type: unknown type 'likert'"),
    ("demographic type", _set(("demographics", 0, "type"), "text"), "demographics[0].type: unknown type 'text' (allowed: single, numeric)"),
    ("question id", _set(("questions", 0, "id"), "1trust"), "questions[0].id: id '1trust' must be letters"),
    ("duplicate id", _set(("questions", 1, "id"), "trust_kp"),
     "questions[1].id: duplicate id 'trust_kp' (already defined at questions[0].id)"),
    ("duplicate id across sections", _set(("demographics", 0, "id"), "trust_kp"),
     "demographics[0].id: duplicate id 'trust_kp' (already defined at questions[0].id)"),
    ("question unknown key", _set(("questions", 0, "wording"), "x"), "questions[0].wording: unknown key 'wording'"),
    ("question without text", _del(("questions", 0, "text")), "questions[0].text: missing label"),
    ("scale on numeric", _set(("demographics", 4, "scale"), "age_group"),
     "demographics[4].scale: only single-choice questions take a scale (type is 'numeric')"),
    ("reverse on yes/no text", _set(("questions", -1, "reverse"), True),
     "questions[24].reverse: only a single-choice question with a scored scale can be reverse-coded"),
    ("reverse type", _set(("questions", 0, "reverse"), "yes"), "questions[0].reverse: must be true or false"),
    ("multiple without options", _set(("questions", 23, "options"), []),
     "questions[23].options: a multiple-response question needs a list of options"),
    ("options on single", _set(("questions", 0, "options"), [{"id": "x"}]),
     "questions[0].options: only multiple-response questions take options"),
    ("option id duplicate", _set(("questions", 23, "options", 1, "id"), "concern_theft"),
     "questions[23].options[1].id: duplicate id 'concern_theft'"),
    ("option exclusive type", _set(("questions", 23, "options", 7, "exclusive"), "yes"),
     "questions[23].options[7].exclusive: must be true or false"),
    ("numeric min > max", _set(("demographics", 4, "min"), 120), "demographics[4].min: min 120 is greater than max 95"),
    ("range on single", _set(("questions", 0, "max"), 5), "questions[0].max: only numeric questions take a range"),
    ("missing code inside range", _set(("demographics", 4, "missing"), [{"code": 90, "kind": "refused"}]),
     "demographics[4].missing[0].code: missing code 90 lies inside the valid range 18..95"),
    ("missing on single", _set(("questions", 0, "missing"), [{"code": 97, "kind": "refused"}]),
     "questions[0].missing: single-choice questions take their missing codes from the scale"),
    ("block type", _set(("questions", 0, "block"), 3), "questions[0].block: must be a text"),
    # routing
    ("routing syntax", _set(("questions", 15, "asked_if"), "contact_12m = 1"),
     "questions[15].asked_if: invalid expression 'contact_12m = 1': unexpected character '=' (use '==' to compare) at position 12"),
    ("routing not text", _set(("questions", 15, "asked_if"), 1), "questions[15].asked_if: must be an expression text"),
    ("routing unknown variable", _set(("questions", 15, "asked_if"), "contact == 1"),
     "questions[15].asked_if: refers to unknown variable 'contact'"),
    ("routing invalid code", _set(("questions", 15, "asked_if"), "contact_12m == 3"),
     "questions[15].asked_if: 3 is not a code of 'contact_12m' (codes: 1, 2, 98, 99)"),
    ("routing text vs code", _set(("questions", 15, "asked_if"), "contact_12m in ['yes']"),
     "questions[15].asked_if: 'yes' is not a code of 'contact_12m'"),
    ("routing self reference", _set(("questions", 15, "asked_if"), "contact_satisfaction == 1"),
     "questions[15].asked_if: refers to the question itself"),
    ("routing numeric vs text", _set(("questions", 15, "asked_if"), "age == 'old'"),
     "questions[15].asked_if: compares the numeric variable 'age' with the text 'old'"),
    ("routing on an index", _set(("questions", 15, "asked_if"), "trust_index > 50"),
     "questions[15].asked_if: refers to unknown variable 'trust_index'"),
    # source columns
    ("columns wave key", _set(("questions", 1, "columns"), {"2024": "trust_local_station"}),
     "questions[1].columns.2024: key must be a wave (year)"),
    ("columns not mapping", _set(("questions", 1, "columns"), ["trust_local_station"]),
     "questions[1].columns: must map waves to source column names"),
    ("two items on one source column", _set(("questions", 2, "columns"), {2024: "trust_local_station"}),
     "questions[2].columns: source column 'trust_local_station' of wave 2024 is also used by questions[1]"),
    # derived
    ("derived unknown source", _set(("derived", 0, "from"), "birth_year"),
     "derived[0].from: unknown variable 'birth_year'"),
    ("derived unknown scale", _set(("derived", 0, "scale"), "ages"), "derived[0].scale: unknown scale 'ages'"),
    ("derived bands and recode", _set(("derived", 0, "recode"), {1: 1}), "derived[0]: give exactly one of 'bands'"),
    ("derived bands codes", _set(("derived", 0, "bands"), {1: 18, 2: 25, 3: 35}),
     "derived[0].bands: codes 1, 2, 3 must be the valid codes of scale 'age_group' (1, 2, 3, 4, 5, 6)"),
    ("derived bands order", _set(("derived", 0, "bands"), {1: 18, 2: 35, 3: 25, 4: 45, 5: 55, 6: 65}),
     "derived[0].bands: lower bounds must increase from code to code"),
    ("derived bands on a coded variable", _set(("derived", 0, "from"), "gender"),
     "derived[0].from: bands need a numeric variable; 'gender' is 'single'"),
    ("derived recode target", _set(("derived", 1, "recode", 7), 4),
     "derived[1].recode.7: new code 4 is not a valid code of scale 'community' (1, 2, 3)"),
    ("derived recode source", _set(("derived", 1, "recode", 8), 3), "derived[1].recode.8: code 8 is not a code of 'ethnicity'"),
    ("derived duplicate id", _set(("derived", 1, "id"), "age_group"), "derived[1].id: duplicate id 'age_group'"),
    # indices
    ("index unknown item", _set(("indices", 0, "items"), ["trust_kp", "trust_police"]),
     "indices[0].items[1]: unknown item 'trust_police'"),
    ("index item not single", _set(("indices", 0, "items"), ["trust_kp", "comment_open"]),
     "indices[0].items[1]: item 'comment_open' is 'text': an index needs single-choice items"),
    ("index item without scores", _set(("indices", 0, "items"), ["trust_kp", "region"]),
     "indices[0].items[1]: item 'region' has scale 'region' without numeric scores"),
    ("index item twice", _set(("indices", 0, "items"), ["trust_kp", "trust_kp"]), "indices[0].items[0]: item 'trust_kp' listed twice"),
    ("index min_valid", _set(("indices", 0, "min_valid"), 4),
     "indices[0].min_valid: must be an integer from 1 to the number of items (3)"),
    ("index rescale", _set(("indices", 0, "rescale"), [100, 0]), "indices[0].rescale: must be [low, high] with low < high"),
    ("index without items", _set(("indices", 0, "items"), []), "indices[0].items: must be a non-empty list"),
    # design
    ("design id not a name", _set(("design", "respondent_id"), 7), "design.respondent_id: must be a column name"),
    ("design column is a variable", _set(("design", "strata"), "region"),
     "design.strata: column 'region' is also a questionnaire variable (demographics[0].id)"),
    ("design column twice", _set(("design", "psu"), "stratum"), "design.psu: column 'stratum' is also the design's strata"),
    ("design nest", _set(("design", "nest"), "no"), "design.nest: must be true or false"),
    ("design lonely_psu", _set(("design", "lonely_psu"), "drop"),
     "design.lonely_psu: must be one of fail, remove, adjust, average, certainty"),
    ("design psu list", _set(("design", "psu"), ["psu", 2]), "design.psu: must be a column name or a list of names"),
    ("design unknown key", _set(("design", "weights"), "w"), "design.weights: unknown key 'weights'"),
    # weighting
    ("weighting method", _set(("weighting", "method"), "ipf"), "weighting.method: unknown method 'ipf'"),
    ("weighting variable unknown", _set(("weighting", "variables", "district"),
                                        {"source": "x", "estimate": False, "targets": {1: 1.0}}),
     "weighting.variables.district: 'district' is not a coded demographic or derived variable"),
    ("weighting code not in scale", _set(("weighting", "variables", "gender", "targets"), {1: 0.5, 2: 0.49, 3: 0.01}),
     "weighting.variables.gender.targets.3: code 3 is not a valid code of 'gender' (1, 2)"),
    ("weighting code missing", _set(("weighting", "variables", "gender", "targets"), {1: 1.0}),
     "weighting.variables.gender.targets: no target for code(s) 2 of 'gender'"),
    ("weighting shares sum", _set(("weighting", "variables", "settlement", "targets"), {1: 0.4, 2: 0.4}),
     "weighting.variables.settlement.targets: shares sum to 0.8, not 1"),
    ("weighting negative", _set(("weighting", "variables", "settlement", "targets"), {1: -0.1, 2: 1.1}),
     "weighting.variables.settlement.targets.1: must be a non-negative number"),
    ("weighting without source", _set(("weighting", "variables", "gender", "source"), ""),
     "weighting.variables.gender.source: must cite where the figures come from"),
    ("weighting source required", _del(("weighting", "variables", "gender", "source")),
     "weighting.variables.gender.source: required"),
    ("weighting estimate flag", _set(("weighting", "variables", "gender", "estimate"), "yes"),
     "weighting.variables.gender.estimate: must be true (the figure is an estimate) or false"),
    ("weighting unit", _set(("weighting", "variables", "gender", "unit"), "percent"),
     "weighting.variables.gender.unit: must be 'share' or 'count'"),
    ("weighting shares need total", _del(("weighting", "total")),
     "weighting.total: required: 'region' gives shares, which need the population total"),
    ("weighting total value", _set(("weighting", "total", "value"), 0), "weighting.total.value: must be a positive number"),
    ("weighting counts total", _do(_set(("weighting", "variables", "gender", "unit"), "count"),
                                   _set(("weighting", "variables", "gender", "targets"), {1: 500000, 2: 500000})),
     "weighting.variables.gender.targets: counts sum to 1,000,000, not the population total 1,057,660"),
    # targets
    ("target unknown item", _set(("targets", 0, "item"), "trust_police"),
     "targets[0].item: unknown item 'trust_police'"),
    ("target metric for index", _set(("targets", 0, "metric"), "index_mean"),
     "targets[0].metric: metric 'index_mean' needs an index, 'trust_kp' is not one"),
    ("target unknown metric", _set(("targets", 0, "metric"), "top3"), "targets[0].metric: unknown metric 'top3'"),
    ("target net missing", _set(("targets", 14, "metric"), "neutral"), "targets[14].metric: unknown metric 'neutral'"),
    ("target share goal", _set(("targets", 0, "goal"), 70), "targets[0].goal: a share goal must be between 0 and 1"),
    ("target goal type", _set(("targets", 0, "goal"), "high"), "targets[0].goal: must be a number"),
    ("target direction", _set(("targets", 0, "direction"), "up"), "targets[0].direction: must be 'higher' or 'lower'"),
    ("target by", _set(("targets", 0, "by"), "district"), "targets[0].by: unknown demographic 'district'"),
    ("target on text", _set(("targets", 0, "item"), "comment_open"), "targets[0].item: unknown item 'comment_open'"),
    ("target index with top2", _set(("targets", 17, "metric"), "top2"),
     "targets[17].metric: index 'trust_index' takes the metric 'index_mean'"),
    # recommendations
    ("rule type", _set(("recommendations", 0, "rule"), "below_goal"), "recommendations[0].rule: unknown rule 'below_goal'"),
    ("rule id duplicate", _set(("recommendations", 1, "id"), "below_target"),
     "recommendations[1].id: duplicate rule id 'below_target'"),
    ("rule unknown item", _set(("recommendations", 2, "items"), ["trust_kp", "trust_police"]),
     "recommendations[2].items[1]: unknown item 'trust_police'"),
    ("rule items type", _set(("recommendations", 2, "items"), "some"), "recommendations[2].items: must be 'all' or a non-empty list"),
    ("rule unknown parameter", _set(("recommendations", 0, "params", "threshold"), 0.5),
     "recommendations[0].params.threshold: unknown parameter 'threshold' for rule 'below_target'"),
    ("rule parameter type", _set(("recommendations", 1, "params", "min_change"), "5%"),
     "recommendations[1].params.min_change: must be int or float"),
    ("rule alpha", _set(("recommendations", 0, "params", "alpha"), 5), "recommendations[0].params.alpha: must be between 0 and 1"),
    ("rule threshold", _set(("recommendations", 4, "params", "threshold"), 50.0),
     "recommendations[4].params.threshold: is a share: between 0 and 1"),
    ("rule by", _set(("recommendations", 2, "params", "by"), ["region", "district"]),
     "recommendations[2].params.by: unknown demographic 'district'"),
    ("rule placeholder", _set(("recommendations", 0, "text", "en"), "{item} is low"),
     "recommendations[0].text.en: unknown placeholder {item}"),
    ("rule template braces", _set(("recommendations", 0, "text", "en"), "{item_label is low"),
     "recommendations[0].text.en: bad template"),
    ("rule without text", _del(("recommendations", 0, "text")), "recommendations[0].text: required"),
    ("rule supporting", _set(("recommendations", 0, "supporting"), [{"en": "{x}"}]),
     "recommendations[0].supporting[0].en: unknown placeholder {x}"),
    ("rule min_gap", _set(("recommendations", 2, "params", "min_gap"), 0), "recommendations[2].params.min_gap: must be positive"),
]


@pytest.mark.parametrize("rule, mutate, expected", CASES, ids=[c[0] for c in CASES])
def test_each_rule_names_its_yaml_path(good, rule, mutate, expected):
    mutate(good)
    problems = validate(good)
    assert any(expected in p for p in problems), f"{expected!r} not in {problems}"
    with pytest.raises(QuestionnaireError) as exc:
        Questionnaire.from_dict(good, source="kp.yaml")
    assert exc.value.problems == problems
    assert str(exc.value).startswith("kp.yaml: the questionnaire has")


def test_the_good_questionnaire_has_no_problems(good):
    assert validate(good) == []


def test_issue_example_message(good):
    good["questions"][4]["scale"] = "agree7"
    assert validate(good) == [
        "questions[4].scale: unknown scale 'agree7' (scales: trust5, agree5, satisf5, safe4, freq5, likely4, "
        "yesno, region, municipality, settlement, gender, age_group, ethnicity, community, education, "
        "employment, interview_language)"
    ]


def test_root_must_be_a_mapping():
    assert validate(["survey_id"]) == ["<root>: a questionnaire must be a mapping of sections, found a list"]
    assert validate(None) == ["<root>: a questionnaire must be a mapping of sections, found nothing"]


def test_every_problem_is_reported_at_once(good):
    good["questions"][4]["scale"] = "agree7"
    good["wave"] = "x"
    good["weighting"]["variables"]["gender"]["targets"] = {1: 1.0}
    assert len(validate(good)) == 3


# ------------------------------------------------------------------ lint


def test_lint_requires_every_language(good):
    del good["scales"]["trust5"]["codes"][2]["label"]["sr"]
    del good["questions"][23]["options"][0]["label"]
    del good["recommendations"][0]["indicator"]["sq"]
    q = Questionnaire.from_dict(good)
    assert lint(q) == [
        "scales.trust5.codes[2].label: missing 'sr' label",
        "questions[23].options[0].label: missing label (give it in sq, sr, en)",
        "recommendations[0].indicator: missing 'sq' label",
    ]


def test_lint_flags_untranslated_languages(good):
    good["untranslated"] = ["sr"]
    q = Questionnaire.from_dict(good)
    assert validate(good) == []
    assert lint(q) == [
        "untranslated[0]: the 'sr' labels are placeholders copied from another language: "
        "translate them and remove 'sr' from 'untranslated'"
    ]


def test_lint_checks_optional_cyrillic_when_declared(good):
    good["languages"] = ["sq", "sr", "en", "sr-Cyrl"]
    good["questions"][0]["text"]["sr-Cyrl"] = "Колико верујете Полицији Косова?"
    q = Questionnaire.from_dict(good)
    problems = lint(q)
    assert "questions[0].text: missing 'sr-Cyrl' label" not in problems
    assert "questions[1].text: missing 'sr-Cyrl' label" in problems


def test_lint_catches_problems_of_programmatic_changes():
    q = bundled()
    bad = q.with_changes(questions=q.questions[1:])  # drop trust_kp, still used by an index and targets
    problems = lint(bad)
    assert "indices[0].items[0]: unknown item 'trust_kp'" in problems
    assert "targets[0].item: unknown item 'trust_kp': targets refer to questionnaire items or indices" in problems


# ------------------------------------------------------------------ robustness: junk anywhere never crashes

def _paths(obj, prefix=()):
    yield prefix
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from _paths(v, prefix + (k,))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from _paths(v, prefix + (i,))


_GOOD = bundled().to_dict()
_ALL_PATHS = [p for p in _paths(_GOOD) if p]
_DELETE = object()
_JUNK = st.one_of(
    st.just(_DELETE), st.none(), st.booleans(), st.integers(-5, 200), st.floats(allow_nan=True), st.text(max_size=5),
    st.lists(st.one_of(st.integers(0, 5), st.text(max_size=3), st.none()), max_size=3),
    st.dictionaries(st.one_of(st.text(max_size=3), st.integers(0, 3)), st.one_of(st.integers(0, 3), st.none()), max_size=2),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(_ALL_PATHS), _JUNK), min_size=1, max_size=3))
def test_junk_values_give_problems_not_crashes(edits):
    d = copy.deepcopy(_GOOD)
    for path, value in edits:
        obj = d
        try:
            for k in path[:-1]:
                obj = obj[k]
            if value is _DELETE:
                del obj[path[-1]]
            else:
                obj[path[-1]] = value
        except (KeyError, IndexError, TypeError):
            continue  # an earlier edit removed the container
    problems = validate(d)
    assert all(isinstance(p, str) and ": " in p for p in problems)
    if problems:
        with pytest.raises(QuestionnaireError):
            Questionnaire.from_dict(d)
    else:
        q = Questionnaire.from_dict(d)
        assert Questionnaire.from_dict(q.to_dict()) == q
