"""Tests of the seeded survey simulator (trustsurvey.simulate) and its spec file."""

from __future__ import annotations

import copy
from importlib import resources

import numpy as np
import pandas as pd
import pyreadstat
import pytest
import yaml
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from trustsurvey.errors import DesignError
from trustsurvey.questionnaire import bundled
from trustsurvey.simulate import (
    CONCERNS,
    DEFAULT_SEED,
    ITEMS,
    ROUTED_ITEMS,
    SAMPLE_COLUMNS,
    SOURCE_COLUMNS,
    WAVES,
    age_group,
    default_spec,
    draw_sample,
    load_spec,
    population_margins,
    population_truth,
    simulate_population,
)
from trustsurvey.simulate._export import write_sav
from trustsurvey.simulate._formula import Formula
from trustsurvey.simulate._functions import common_functions
from trustsurvey.simulate._sample import _proportional, allocate_psus

STRATA = {r * 10 + s for r in range(1, 9) for s in (1, 2)}


@pytest.fixture(scope="module")
def pop25():
    return simulate_population(DEFAULT_SEED, 2025)


@pytest.fixture(scope="module")
def pop24():
    return simulate_population(DEFAULT_SEED, 2024)


@pytest.fixture(scope="module")
def sample25(pop25):
    return draw_sample(pop25, DEFAULT_SEED)


@pytest.fixture(scope="module")
def sample24(pop24):
    return draw_sample(pop24, DEFAULT_SEED)


def _top2(frame, item, weight=None):
    code = frame[item].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    valid = ~np.isnan(code) & (code < 98)
    w = np.ones(len(frame)) if weight is None else frame[weight].to_numpy()
    return float((w * (code >= 4))[valid].sum() / w[valid].sum())


# --- determinism -------------------------------------------------------------

def test_same_seed_same_population_and_sample():
    a = simulate_population(7, 2025, scale=0.05)
    b = simulate_population(7, 2025, scale=0.05)
    pd.testing.assert_frame_equal(a, b)
    pd.testing.assert_frame_equal(draw_sample(a, 3, n_psu=48, min_psu_region=4),
                                  draw_sample(b, 3, n_psu=48, min_psu_region=4))


def test_other_seed_other_draws():
    a = simulate_population(7, 2025, scale=0.05)
    b = simulate_population(8, 2025, scale=0.05)
    assert not a["age"].equals(b["age"])
    s1 = draw_sample(a, 1, n_psu=48, min_psu_region=4)
    s2 = draw_sample(a, 2, n_psu=48, min_psu_region=4)
    assert set(s1["psu"]) != set(s2["psu"])


def test_waves_share_the_people_but_not_the_answers():
    a = simulate_population(7, 2024, scale=0.05)
    b = simulate_population(7, 2025, scale=0.05)
    people = ["region", "municipality", "settlement", "psu", "gender", "age", "ethnicity", "education"]
    pd.testing.assert_frame_equal(a[people], b[people])
    assert (a["trust_kp"] != b["trust_kp"]).mean() > 0.2
    # ... yet the persistent part makes answers correlate across waves
    va, vb = a["latent_trust"], b["latent_trust"]
    assert 0.5 < np.corrcoef(va, vb)[0, 1] < 0.95


def test_bad_arguments_raise_design_errors(pop25):
    with pytest.raises(DesignError, match="wave=2023"):
        simulate_population(1, 2023)
    with pytest.raises(DesignError, match="scale"):
        simulate_population(1, 2025, scale=0)
    with pytest.raises(DesignError, match="take"):
        draw_sample(pop25, 1, take=(0, 5))
    with pytest.raises(DesignError, match="n_psu=20"):
        draw_sample(pop25, 1, n_psu=20)
    bare = pop25[["psu", "stratum"]].copy()
    bare.attrs.clear()
    with pytest.raises(DesignError, match="pass wave="):
        draw_sample(bare, 1)


# --- population ---------------------------------------------------------------

def test_population_size_and_settlement(pop25):
    assert 1_200_000 <= len(pop25) <= 1_300_000
    assert 0.36 < (pop25["settlement"] == 1).mean() < 0.40
    assert set(pop25["stratum"].unique()) == STRATA
    assert (pop25["stratum"] == pop25["region"] * 10 + pop25["settlement"]).all()
    assert (pop25["region"] == pop25["municipality"] // 100).all()
    assert pop25["age"].between(18, 95).all()
    assert pop25["municipality"].nunique() == 38


def test_enumeration_areas(pop25):
    sizes = pop25.groupby("psu").size()
    lo, hi = sizes.quantile([0.05, 0.95])
    assert 100 <= lo and hi <= 300
    # each PSU lies in one municipality and one settlement type; ids are municipality*1000+k
    per = pop25.groupby("psu")[["municipality", "settlement"]].nunique()
    assert (per == 1).all().all()
    first = pop25.groupby("psu")["municipality"].first()
    assert (first.index // 1000 == first).all()


def test_ethnic_geography(pop25):
    eth = pop25["ethnicity_true"]
    share = pd.crosstab(pop25["municipality"], eth, normalize="index")
    assert share.loc[601, 2] > 0.6 and share.loc[107, 2] > 0.5  # Serbs: Mitrovica North, Graçanicë
    assert share.loc[203, 6] > 0.15                            # Gorani in Dragash
    assert share.loc[204, 4] > 0.8                             # Turkish in Mamushë
    gorani = pop25.loc[eth == 6, "municipality"].value_counts(normalize=True)
    assert gorani.index[0] == 203 and gorani.iloc[0] > 0.8
    national = eth.value_counts(normalize=True)
    assert 0.88 < national[1] < 0.94 and 0.02 < national[2] < 0.05
    # interview language follows ethnicity
    lang = pop25["interview_language"]
    assert (lang[eth == 2] == 2).all() and (lang[eth == 1] == 1).all()


def test_population_codes_and_routing(pop25):
    for item in ITEMS:
        col = pop25[item]
        codes = set(col.dropna().unique())
        assert codes <= set(range(1, 6)) | {98, 99}, item
        assert {98, 99} <= codes, item
    for item, (filter_item, value) in ROUTED_ITEMS.items():
        assert (pop25[item].isna() == (pop25[filter_item] != value)).all(), item


# --- sample -------------------------------------------------------------------

def test_sample_columns_and_dtypes(sample25):
    assert tuple(sample25.columns) == SAMPLE_COLUMNS
    assert "age_group" not in sample25.columns
    for col in SAMPLE_COLUMNS:
        dtype = sample25[col].dtype
        if col in ROUTED_ITEMS:
            assert dtype == "Int64", col
        elif col == "design_weight":
            assert dtype == np.float64
        elif col == "comment_open":
            assert pd.api.types.is_string_dtype(dtype)
        else:
            assert dtype == np.int64, col
    assert sample25["respondent_id"].is_unique
    assert sample25["respondent_id"].iloc[0] == 250001


def test_sample_design(sample25, sample24, pop25):
    for s in (sample24, sample25):
        assert 1400 <= len(s) <= 1600
        assert set(s["stratum"].unique()) == STRATA
        per_psu = s.groupby("psu").size()
        assert per_psu.between(10, 15).all()
        assert (s.groupby("psu")["stratum"].nunique() == 1).all()
        assert (s.groupby("stratum")["psu"].nunique() >= 2).all()
        assert (s["design_weight"] > 0).all()
        assert s["design_weight"].sum() == pytest.approx(len(pop25), rel=1e-6)
        assert 110 <= (s["region"] == 6).sum() <= 150   # the minimum allocation of Mitrovica North
    # the weights of a stratum add up to its adults
    totals = sample25.groupby("stratum")["design_weight"].sum()
    adults = pop25.groupby("stratum").size()
    np.testing.assert_allclose(totals.to_numpy(), adults.loc[totals.index].to_numpy(), rtol=1e-6)


def test_design_weight_is_inverse_inclusion_probability(sample25, pop25):
    # w = 1 / (n_h M_i / M_h * m_i / M_i) = M_h / (n_h m_i)
    m_i = sample25.groupby("psu")["psu"].transform("size")
    n_h = sample25.groupby("stratum")["psu"].transform("nunique")
    m_h = sample25["stratum"].map(pop25.groupby("stratum").size())
    np.testing.assert_allclose(sample25["design_weight"], m_h / (n_h * m_i), atol=5e-5)


def test_sample_rows_are_population_answers(sample25, pop25):
    # every respondent is a person of their PSU with those answers (join on the PSU's people)
    cols = ["psu", "gender", "age", "trust_kp", "pf_fair", "contact_12m"]
    merged = sample25[cols].merge(pop25[cols].drop_duplicates(), how="left", indicator=True)
    assert (merged["_merge"] == "both").all()


def test_sample_routing_and_concerns(sample25, sample24):
    for s in (sample24, sample25):
        for item, (filter_item, value) in ROUTED_ITEMS.items():
            assert (s[item].isna() == (s[filter_item] != value)).all(), item
        concerns = s[list(CONCERNS)]
        assert concerns.isin([0, 1]).all().all()
        others = concerns.drop(columns="concern_none").sum(axis=1)
        assert ((s["concern_none"] == 1) == (others == 0)).all()
        assert 0.05 < s["concern_none"].mean() < 0.3


def test_missing_codes_realistic(sample25):
    dk = {item: (sample25[item] == 98).mean() for item in ITEMS if item not in ROUTED_ITEMS}
    assert 0.005 < dk["trust_kp"] < 0.05
    assert dk["eff_dv"] > 0.08 and dk["eff_dv"] > 2 * dk["trust_kp"]
    refused = np.mean([(sample25[item] == 99).mean() for item in ITEMS if item not in ROUTED_ITEMS])
    assert 0.003 < refused < 0.02


def test_small_groups_and_awareness(sample25, sample24):
    for s in (sample24, sample25):
        assert (s["ethnicity"] == 6).sum() < 30          # Gorani: very few respondents
        assert (s["ethnicity"] == 2).sum() > 60          # Serbs: mostly the north
        assert 0.20 < (s["contact_12m"] == 1).mean() < 0.35
        assert 0.12 < (s["lpsc_aware"] == 1).mean() < 0.35
    assert (sample24["app_aware"] == 1).mean() < (sample25["app_aware"] == 1).mean()


def test_realistic_national_trust(sample25, sample24):
    for s in (sample24, sample25):
        assert 0.55 < _top2(s, "trust_kp", "design_weight") < 0.75
    serb = sample25[sample25["ethnicity"] == 2]
    assert _top2(serb, "trust_kp") < _top2(sample25, "trust_kp") - 0.3


def test_comments(sample25, sample24):
    for s in (sample24, sample25):
        text = s["comment_open"].dropna()
        assert 0.03 < len(text) / len(s) < 0.15
        assert text.str.startswith("=").any()
        assert s["comment_open"].isna().any()


def test_nonresponse_underrepresents_young_men(sample25, pop25):
    young_men = lambda f: (f["gender"] == 1) & (f["age"] < 25)  # noqa: E731
    w = sample25["design_weight"]
    assert w[young_men(sample25)].sum() / w.sum() < 0.8 * young_men(pop25).mean()


# --- population truth and the design ---------------------------------------------

def test_population_truth(pop25, pop24):
    t25 = population_truth(population=pop25, items=["trust_kp", "contact_12m"])
    assert list(t25.columns) == ["variable", "statistic", "value", "n_valid"]
    top = t25.query("variable == 'trust_kp' and statistic == 'top2'")["value"].iloc[0]
    assert top == pytest.approx(_top2(pop25, "trust_kp"), abs=1e-12)
    t24 = population_truth(population=pop24, items=["trust_kp"])
    top24 = t24.query("statistic == 'top2'")["value"].iloc[0]
    assert 0.58 < top24 < top < 0.72
    yes = t25.query("variable == 'contact_12m' and statistic == 'mean'")["value"].iloc[0]
    valid = pop25["contact_12m"] < 98
    assert yes == pytest.approx((pop25.loc[valid, "contact_12m"] == 1).mean())


def test_real_changes_between_waves(pop25, pop24):
    def by(pop, item, var, stat="top2"):
        t = population_truth(population=pop, items=[item], by=var)
        return t[t["statistic"] == stat].set_index(var)["value"]

    assert by(pop25, "trust_kp", "region")[2] - by(pop24, "trust_kp", "region")[2] > 0.1
    assert by(pop25, "trust_kp", "age_group")[1] - by(pop24, "trust_kp", "age_group")[1] > 0.08
    assert by(pop24, "pf_fair", "region")[6] - by(pop25, "pf_fair", "region")[6] > 0.08
    assert by(pop25, "app_aware", "region").min() > by(pop24, "app_aware", "region").min()
    # a region without a change of its own moves only with the young (much less than Prizren)
    change = by(pop25, "trust_kp", "region") - by(pop24, "trust_kp", "region")
    assert abs(change[4]) < 0.06 and change[2] > 2.5 * abs(change[4])


def test_population_margins(pop25):
    m = population_margins(pop25)
    assert sorted(m["age_group"]) == [1, 2, 3, 4, 5, 6]
    for var in m:
        assert sum(m[var].values()) == len(pop25)
    assert list(age_group(np.array([18, 24, 25, 64, 65]))) == [1, 1, 2, 5, 6]


def test_weighted_estimates_are_nearly_unbiased(pop25):
    """Over repeated samples, design-weighted shares hit the population truth
    when nonresponse is unrelated to the variable, and after poststratifying
    to age x gender when it is not."""
    truth = population_truth(population=pop25, items=["trust_kp"])
    top = truth.query("statistic == 'top2'")["value"].iloc[0]
    serb_share = (pop25["ethnicity"] == 2).mean()
    cells = pd.MultiIndex.from_arrays([pop25["gender"], age_group(pop25["age"].to_numpy())])
    cell_totals = pd.Series(1, index=cells).groupby(level=[0, 1]).sum()
    serb, trust = [], []
    for seed in range(40):
        s = draw_sample(pop25, 1000 + seed)
        w = s["design_weight"]
        serb.append((w * (s["ethnicity"] == 2)).sum() / w.sum())
        cell = pd.MultiIndex.from_arrays([s["gender"], age_group(s["age"].to_numpy())])
        adj = cell_totals / pd.Series(w.to_numpy(), index=cell).groupby(level=[0, 1]).sum()
        s = s.assign(w_ps=w.to_numpy() * adj.reindex(cell).to_numpy())
        trust.append(_top2(s, "trust_kp", "w_ps"))
    assert abs(np.mean(serb) - serb_share) < 3 * np.std(serb) / np.sqrt(40)
    assert abs(np.mean(trust) - top) < 3 * np.std(trust) / np.sqrt(40)


# --- allocation -----------------------------------------------------------------

def test_allocation_respects_minimum_and_total():
    sizes = pd.Series({11: 100_000, 12: 50_000, 61: 20_000, 62: 8_000})
    alloc = allocate_psus(sizes, 30, 10)
    assert alloc.sum() == 30 and alloc.loc[[61, 62]].sum() == 10 and (alloc >= 2).all()


@settings(max_examples=60, deadline=None)
@given(
    sizes=st.lists(st.integers(1, 10_000), min_size=1, max_size=8),
    extra=st.integers(0, 50),
    minimum=st.integers(0, 3),
)
def test_proportional_allocation_properties(sizes, extra, minimum):
    sizes = np.array(sizes, dtype=float)
    total = minimum * sizes.size + extra
    alloc = _proportional(sizes, total, minimum)
    assert alloc.sum() == total
    assert (alloc >= minimum).all()
    if minimum == 0:
        # largest remainder: within one of the exact proportional share
        assert (np.abs(alloc - sizes / sizes.sum() * total) < 1).all()
    # larger units never get fewer PSUs than smaller ones
    order = np.argsort(sizes, kind="stable")
    assert (np.diff(alloc[order]) >= 0).all() or len(set(sizes)) < sizes.size


# --- the spec file ----------------------------------------------------------------

def _spec_data() -> dict:
    ref = resources.files("trustsurvey").joinpath("data", "examples", "simulation.yaml")
    return yaml.safe_load(ref.read_text(encoding="utf-8"))


def _write_spec(tmp_path, data, name="spec.yaml"):
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def test_spec_agrees_with_the_bundled_questionnaire():
    q = bundled()
    spec = default_spec()
    single = [i for i in q.question_ids if q.question(i).type in ("single", "yesno")]
    assert list(ITEMS) == [i for i in q.question_ids if i in set(ITEMS)] and set(ITEMS) <= set(single)
    assert {k: f"{f} == {v}" for k, (f, v) in ROUTED_ITEMS.items()} == {k: e.text for k, e in q.routing.items()}
    assert list(CONCERNS) == [o.id for o in q.question("concerns").options]
    assert CONCERNS[-1] == spec.none_option and q.question("concerns").options[-1].exclusive
    for wave in WAVES:
        renamed = {item: col for col, item in q.column_map(wave).items() if col != item}
        assert SOURCE_COLUMNS[wave] == renamed
    assert set(spec.sample_demographics) <= set(q.demographic_ids)
    assert [c.code for c in q.scale("region").codes] == list(spec.areas)
    assert [c.code for c in q.scale("municipality").codes] == spec.subarea_codes.tolist()
    assert [c.code for c in q.scale("ethnicity").codes] == list(spec.groups)
    assert spec.comment_column in q.text_ids
    assert DEFAULT_SEED == spec.seed and SAMPLE_COLUMNS == spec.sample_columns


def test_default_spec_is_read_once():
    assert default_spec() is default_spec()
    assert load_spec(default_spec().source) is not default_spec()


def test_spec_drives_the_simulation(tmp_path):
    """A change in the file changes the simulation there and only there."""
    data = _spec_data()
    data["answers"]["parameters"]["region_effect"][2025][2] += 1.5
    spec = load_spec(_write_spec(tmp_path, data))
    base = simulate_population(5, 2025, scale=0.05)
    moved = simulate_population(5, 2025, scale=0.05, spec=spec)
    pd.testing.assert_frame_equal(base[["psu", "age", "gender", "ethnicity"]], moved[["psu", "age", "gender", "ethnicity"]])
    change = (population_truth(population=moved, items=["trust_kp"], by="region", spec=spec)
              .query("statistic == 'top2'").set_index("region")["value"]
              - population_truth(population=base, items=["trust_kp"], by="region")
              .query("statistic == 'top2'").set_index("region")["value"])
    assert change[2] > 0.2 and change.drop(2).abs().max() < 0.02


def test_a_smaller_survey_from_its_own_spec(tmp_path):
    """Areas, sub-areas, items and labels come from the spec: a two-area survey with fewer items works."""
    data = _spec_data()
    pop = data["population"]
    pop["areas"] = {1: "Area one", 2: "Area two"}
    pop["subareas"] = {k: v for k, v in pop["subareas"].items() if k // 100 in (1, 2)}
    ans = data["answers"]
    keep = ["trust_kp", "contact_12m", "contact_satisfaction", "report_crime"]
    ans["items"] = {k: v for k, v in ans["items"].items() if k in keep}
    ans["missing"]["rates"] = {k: v for k, v in ans["missing"]["rates"].items() if k in keep}
    ans["routing"] = {"contact_satisfaction": ["contact_12m", 1]}
    data["source_columns"] = {2024: {}, 2025: {"trust_kp": "trust_police"}}
    data["truth"]["items"] = ["trust_kp", "contact_12m"]
    data["export"]["file_label"] = "Two-area survey {wave}"
    path = _write_spec(tmp_path, data)
    s = draw_sample(simulate_population(2, 2025, scale=0.2, spec=path), 2, n_psu=16, min_psu_region=6, spec=path)
    spec = load_spec(path)
    assert tuple(s.columns) == spec.sample_columns and "pf_fair" not in s
    assert set(s["region"]) == {1, 2} and set(s["stratum"]) == {11, 12, 21, 22}
    assert (s["contact_satisfaction"].isna() == (s["contact_12m"] != 1)).all()
    out = write_sav(s.rename(columns={"trust_kp": "trust_police"}), tmp_path / "two.sav", wave=2025,
                    source_columns={"trust_kp": "trust_police"}, spec=spec)
    _, meta = pyreadstat.read_sav(out, user_missing=True)
    assert meta.file_label == "Two-area survey 2025"
    assert meta.variable_value_labels["region"] == {1: "Area one", 2: "Area two"}
    assert meta.column_names_to_labels["trust_police"] == "How much do you trust the Kosovo Police?"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.pop("sample"), r"spec\.yaml: sample: missing"),
        (lambda d: d["answers"]["routing"].update(app_used=["no_such_item", 1]), r"answers\.routing\.app_used"),
        (lambda d: d["answers"]["items"]["trust_kp"].update(scale="seven"), r"answers\.items\.trust_kp\.scale: unknown scale 'seven'"),
        (lambda d: d["answers"]["wave"].update(trust="trust.__class__"), r"answers\.wave\.trust: .*attribute access"),
        (lambda d: d["answers"]["wave"].update(trust="trust if 1 else 0"), r"answers\.wave\.trust: .*where\(cond, a, b\)"),
        (lambda d: d["answers"]["parameters"].update(pf_north={2024: "high", 2025: 1.0}), r"answers\.parameters\.pf_north\.2024"),
        (lambda d: d["truth"].update(items=["trust_kp", "nope"]), r"truth\.items: 'nope'"),
        (lambda d: d["population"]["subareas"].update({905: ["X", 10, 0.5, {}]}), r"subareas\.905: code // 100 = 9"),
        (lambda d: d["population"]["subareas"].update({101: ["X", 10, 0.5, {9: 0.1}]}), r"subareas\.101: group 9"),
        (lambda d: d["people"]["columns"].append("shoe_size"), r"people: column 'shoe_size'"),
    ],
)
def test_bad_spec_names_file_and_key(tmp_path, change, message):
    data = copy.deepcopy(_spec_data())
    change(data)
    with pytest.raises(DesignError, match=message):
        load_spec(_write_spec(tmp_path, data))


def test_unknown_formula_name_is_reported_when_run(tmp_path):
    data = _spec_data()
    data["people"]["formulas"]["gender"] = "int8(where(uniform() < shoe_size, 2, 1))"
    path = _write_spec(tmp_path, data)
    with pytest.raises(DesignError, match=r"people\.formulas\.gender: .*unknown name 'shoe_size'"):
        simulate_population(1, 2025, scale=0.01, spec=path)


def test_missing_spec_file(tmp_path):
    with pytest.raises(DesignError, match="cannot read the simulation spec"):
        load_spec(tmp_path / "nope.yaml")


@settings(max_examples=60, deadline=None)
@given(
    a=st.lists(st.floats(-50, 50, width=32), min_size=1, max_size=20),
    c=st.floats(-10, 10),
    k=st.integers(1, 5),
)
def test_formulas_compute_what_python_computes(a, c, k):
    """Same operands, order, dtypes and rounding as the expression written in numpy code."""
    x = np.array(a, dtype=np.float32)
    assume(np.all(x != 0))
    env = {"x": x, "c": c, "k": k, "t": np.arange(x.size, dtype=np.int8) % 3}
    text = "float32(c + 0.27 * x - x / k + where(x > 0, 1.5, -0.5) * (t == 1)) + logistic(-x) - ind(~(t == 2)) ** 2 // 1"
    got = Formula.parse(text, where="t").evaluate(env, common_functions())
    f = common_functions()
    want = (f["float32"](c + 0.27 * x - x / k + np.where(x > 0, 1.5, -0.5) * (env["t"] == 1))
            + f["logistic"](-x) - f["ind"](~(env["t"] == 2)) ** 2 // 1)
    assert got.dtype == want.dtype
    np.testing.assert_array_equal(got, want)
