"""ts.breakdown and ts.trend: same numbers as the estimation API, tests, multiplicity, small bases."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import trustsurvey as ts
from trustsurvey.breakdown import BREAKDOWN_COLUMNS, TREND_COLUMNS
from trustsurvey.errors import LanguageError


from pathlib import Path

from trustsurvey.questionnaire import bundled

HERE = Path(__file__).parent


def _example(wave):
    return ts.read_survey(ts.datasets.example_path(wave), bundled(), wave=wave)


@pytest.fixture(scope="module")
def s25():
    return _example(2025)


@pytest.fixture(scope="module")
def table(s25):
    return ts.breakdown(s25)


def test_columns_and_national_rows(table, s25):
    assert list(table.columns) == BREAKDOWN_COLUMNS
    nat = table[table["by"] == "national"]
    assert set(nat["group"]) == {"all"}
    assert nat["p_value"].isna().all()
    q = s25.questionnaire
    assert set(table["item"]) >= {"trust_kp", "pf_index", "concerns", "contact_satisfaction"}
    assert "municipality" not in set(table["by"])  # too fine for the default tables
    assert {"region", "gender", "age_group", "settlement"} <= set(table["by"])
    assert table.loc[table["item"] == "trust_kp", "item_label"].iloc[0] == q.label("trust_kp", "en")


def test_numbers_equal_the_estimation_api(table, s25):
    rows = table[(table["item"] == "trust_kp") & (table["metric"] == "top2") & (table["by"] == "region")
                 & (table["flag"] != "suppressed")]
    top2 = s25.data["trust_kp"].isin([4, 5]).astype(float).where(s25.data["trust_kp"].notna())
    est = s25.with_columns({"t2": top2}).proportion("t2", by="region").to_frame()
    est = est[est["level"] == "1"]
    est = est.set_index(est["region"].astype(int).astype(str))
    got = rows.set_index("group")
    np.testing.assert_allclose(got["estimate"], est.loc[got.index, "estimate"], rtol=1e-10)
    np.testing.assert_allclose(got["se"], est.loc[got.index, "se"], rtol=1e-10)
    np.testing.assert_allclose(got["ci_low"], est.loc[got.index, "ci_low"], rtol=1e-10)
    mean = s25.mean("pf_index", by="gender").to_frame()
    rows = table[(table["item"] == "pf_index") & (table["by"] == "gender")]
    np.testing.assert_allclose(rows["estimate"], mean["estimate"], rtol=1e-10)
    np.testing.assert_allclose(rows["se"], mean["se"], rtol=1e-10)
    np.testing.assert_allclose(rows["deff"], mean["deff"], rtol=1e-10)


def test_adjusted_p_never_below_raw(table):
    ok = table["p_value"].notna()
    assert ok.sum() > 100
    assert (table.loc[ok, "p_adj"] >= table.loc[ok, "p_value"] - 1e-15).all()
    assert (table.loc[ok, "p_adj"] <= 1).all()


def test_small_groups_are_suppressed(table):
    small = table["n_unweighted"] < 30
    assert small.any()  # e.g. the Gorani community
    assert (table.loc[small, "flag"] == "suppressed").all()
    assert table.loc[small, ["estimate", "se", "ci_low", "ci_high", "p_value"]].isna().all().all()
    gorani = table[(table["by"] == "ethnicity") & (table["group"] == "6")]
    assert (gorani["flag"] == "suppressed").all()
    low = (table["n_unweighted"] >= 30) & (table["n_unweighted"] < 100)
    assert (table.loc[low, "flag"] == "low_base").all()


def test_shares_sum_to_one_and_filtered_base(table, s25):
    shares = table[(table["metric"] == "share") & (table["flag"] != "suppressed")]
    sums = shares.groupby(["item", "by", "group"])["estimate"].sum()
    np.testing.assert_allclose(sums.to_numpy(), 1.0, rtol=1e-10)
    # contact_satisfaction is asked only after contact: its base is those who had contact
    nat = table[(table["item"] == "contact_satisfaction") & (table["metric"] == "top2")
                & (table["by"] == "national")]
    asked = (s25.data["contact_12m"] == 1).sum()
    assert int(nat["n_unweighted"].iloc[0]) <= asked < len(s25.data)


def test_group_vs_rest_matches_r_svyttest_for_two_groups():
    """For a two-level demographic, group vs rest is the two-sample design t-test.

    R: svyttest(api00 ~ sch_wide, dclus1) gives t = 2.10898984779292 (see
    tests/reference/r_survey_cases.json, case clus1_ttest_api00_sch_wide).
    """
    api = pd.read_csv(HERE / "reference" / "data" / "apiclus1.csv")
    s = ts.Survey(api, weights="pw", psu="dnum", fpc="fpc")
    t = ts.breakdown(s, items=["api00"], by=["sch_wide"], min_base=0, low_base=0)
    rows = t[t["by"] == "sch_wide"]
    tstat = stats.t.isf(rows["p_value"].to_numpy() / 2, s.degf)
    np.testing.assert_allclose(tstat, 2.10898984779292, rtol=1e-6)


def test_trend_changes(s25):
    s24 = _example(2024)
    tr = ts.trend({2024: s24, 2025: s25}, items=["trust_kp", "app_aware"], by=["region"], metrics=["top2", "share"])
    assert list(tr.columns) == TREND_COLUMNS
    first = tr[tr["wave"] == 2024]
    assert first["change"].isna().all()
    later = tr[(tr["wave"] == 2025) & tr["estimate"].notna()]
    prev = tr[tr["wave"] == 2024].set_index(["item", "metric", "level", "by", "group"])["estimate"]
    key = later.set_index(["item", "metric", "level", "by", "group"])
    np.testing.assert_allclose(key["change"], key["estimate"] - prev.loc[key.index], rtol=1e-12)
    ok = tr["change_p"].notna()
    assert (tr.loc[ok, "change_p_adj"] >= tr.loc[ok, "change_p"] - 1e-15).all()
    assert tr["trend_slope"].isna().all()  # two waves: no trend test


def test_bad_metric(s25):
    with pytest.raises(ts.EstimationError, match="unknown metric"):
        ts.breakdown(s25, metrics=["top3"])


def test_a_language_the_questionnaire_does_not_declare(s25):
    with pytest.raises(LanguageError, match="lang='de' is not a language of questionnaire.*choose one of"):
        ts.breakdown(s25, items=["trust_kp"], by=["gender"], lang="de")


@pytest.mark.parametrize("kind", ["taylor", "raked", "jk1"])
def test_group_vs_rest_equals_the_pairwise_contrast(kind):
    """Two groups: "A vs rest" is "A vs B", whose SE comes from the covariance of the two
    domain means (another route: the vcov of the estimates) — for plain, raked and replicate designs."""
    from trustsurvey.significance import compare_groups

    api = pd.read_csv(HERE / "reference" / "data" / "apiclus1.csv")
    s = ts.Survey(api, weights="pw", psu="dnum", fpc="fpc")
    if kind == "raked":
        s = s.rake({"stype": {"E": 4421, "H": 755, "M": 1018}, "sch_wide": {"No": 1072, "Yes": 5122}})
    elif kind == "jk1":
        s = s.to_replicate("jk1")
    t = ts.breakdown(s, items=["api00", "api99"], by=["comp_imp"], min_base=0, low_base=0)
    rows = t[t["by"] == "comp_imp"].set_index(["item", "group"])
    est = s.mean(["api00", "api99"], by="comp_imp")
    frame = est.to_frame()
    vcov = est.vcov.to_numpy()
    for k, item in enumerate(["api00", "api99"]):
        i_no = frame.index[(frame["comp_imp"] == "No") & (frame["variable"] == item)][0]
        i_yes = frame.index[(frame["comp_imp"] == "Yes") & (frame["variable"] == item)][0]
        diff = frame.loc[i_yes, "estimate"] - frame.loc[i_no, "estimate"]
        se = np.sqrt(vcov[i_yes, i_yes] + vcov[i_no, i_no] - 2 * vcov[i_yes, i_no])
        np.testing.assert_allclose(rows.loc[(item, "Yes"), "p_value"], stats.t.sf(abs(diff / se), s.degf) * 2,
                                   rtol=1e-9)
    pairs = compare_groups(s, ["api00"], "comp_imp")
    assert len(pairs) == 1


# --------------------------------------------------------------------------- multiplicity, flags, change:
# each test has an outside expectation (statsmodels' Holm, a hand computation, scipy's t distribution)


def test_default_adjustment_is_holm_within_item_metric_level_and_demographic(table):
    """p_adj of a demographic with three or more groups is statsmodels' Holm over the groups of one
    item x metric x level x demographic (suppressed groups have no test and do not count)."""
    from statsmodels.stats.multitest import multipletests

    many = table[table["by"].isin(["region", "age_group"]) & table["item"].isin(["trust_kp", "safe_night"])]
    checked = 0
    for _, fam in many.groupby(["item", "metric", "level", "by"]):
        ok = fam["p_value"].notna().to_numpy()
        assert ok.sum() >= 3
        expected = multipletests(fam["p_value"].to_numpy()[ok], method="holm")[1]
        np.testing.assert_allclose(fam["p_adj"].to_numpy()[ok], expected, rtol=1e-12)
        assert np.isnan(fam["p_adj"].to_numpy()[~ok]).all()
        checked += 1
    assert checked > 20
    # the shares of the codes of one item are separate families (one per level)
    shares = many[(many["metric"] == "share") & (many["by"] == "region")]
    assert shares.groupby("item")["level"].nunique().max() >= 5


def test_two_group_demographic_keeps_its_p_value(table):
    """With two groups, "a against the rest" and "b against the rest" are one test: nothing to adjust."""
    two = table[table["by"] == "gender"]
    assert two["group"].nunique() == 2
    ok = two["p_value"].notna()
    assert ok.sum() > 50
    np.testing.assert_array_equal(two.loc[ok, "p_adj"].to_numpy(), two.loc[ok, "p_value"].to_numpy())
    pairs = two[ok].groupby(["item", "metric", "level"])["p_value"]
    np.testing.assert_allclose(pairs.max(), pairs.min(), rtol=1e-9)  # the same test seen from both sides


def _srs(sizes: dict, seed: int = 5) -> ts.Survey:
    """A simple random sample (one PSU per respondent, weight 1) with groups of the given sizes."""
    rng = np.random.default_rng(seed)
    g = np.concatenate([[k] * n for k, n in sizes.items()])
    return ts.Survey(pd.DataFrame({"g": g, "y": rng.normal(10, 3, g.size), "psu": np.arange(g.size),
                                   "w": 1.0}), weights="w", psu="psu")


def test_base_thresholds_are_strict_inequalities():
    """A group of exactly min_base respondents is shown (flagged low base); exactly low_base is not flagged."""
    s = _srs({"a": 29, "b": 30, "c": 99, "d": 100, "e": 150})
    t = ts.breakdown(s, items=["y"], by=["g"], min_base=30, low_base=100, max_cv=10.0)
    flags = dict(zip(t.loc[t["by"] == "g", "group"], t.loc[t["by"] == "g", "flag"]))
    assert flags == {"a": "suppressed", "b": "low_base", "c": "low_base", "d": "", "e": ""}
    rows = t.set_index("group")
    assert np.isnan(rows.loc["a", "estimate"]) and np.isfinite(rows.loc["b", "estimate"])


def test_cv_threshold_by_hand():
    """Simple random sample: the national mean's SE is s / sqrt(n), so its CV is s / (sqrt(n) |ybar|)."""
    y = np.array([1.0, 2.0, 2.0, 3.0, 5.0, 8.0] * 40)
    s = ts.Survey(pd.DataFrame({"y": y, "g": ["a", "b"] * 120, "psu": np.arange(y.size), "w": 1.0}),
                  weights="w", psu="psu")
    cv = y.std(ddof=1) / np.sqrt(y.size) / y.mean()
    t = ts.breakdown(s, items=["y"], by=["g"], min_base=0, low_base=0, max_cv=cv * 1.05)
    national = t[t["by"] == "national"].iloc[0]
    assert national["se"] == pytest.approx(y.std(ddof=1) / np.sqrt(y.size), rel=1e-10)
    assert national["flag"] == ""
    t = ts.breakdown(s, items=["y"], by=["g"], min_base=0, low_base=0, max_cv=cv * 0.95)
    assert t[t["by"] == "national"].iloc[0]["flag"] == "unreliable"


@pytest.fixture(scope="module")
def two_waves(s25):
    s24 = _example(2024)
    return ts.trend({2024: s24, 2025: s25}, items=["trust_kp", "trust_index"], by=["region"],
                    metrics=["top2", "mean"]), {2024: s24.degf, 2025: s25.degf}


def test_change_se_and_t_test_of_independent_waves(two_waves):
    """change_se = sqrt(se_2024^2 + se_2025^2); change_p from the t distribution on df_2024 + df_2025."""
    tr, dfs = two_waves
    key = ["item", "metric", "level", "by", "group"]
    before = tr[tr["wave"] == 2024].set_index(key)
    now = tr[(tr["wave"] == 2025) & tr["change"].notna()].set_index(key)
    assert len(now) > 10
    se = np.sqrt(before.loc[now.index, "se"] ** 2 + now["se"] ** 2)
    np.testing.assert_allclose(now["change_se"], se, rtol=1e-12)
    p = 2 * stats.t.sf(np.abs(now["change"] / se), dfs[2024] + dfs[2025])
    np.testing.assert_allclose(now["change_p"], p, rtol=1e-10)
    assert not np.allclose(p, 2 * stats.norm.sf(np.abs(now["change"] / se)), rtol=1e-6)


def test_trend_slope_is_the_weighted_least_squares_slope(s25):
    """Three waves: the slope and its z test equal numpy's weighted polyfit with weights 1/se."""
    s24 = _example(2024)
    tr = ts.trend({2023: s24, 2024: s25, 2026: s24}, items=["trust_kp"], by=["gender"], metrics=["top2"])
    for _, series in tr.groupby(["by", "group"]):
        x, y, se = series["wave"].to_numpy(float), series["estimate"].to_numpy(), series["se"].to_numpy()
        coef, cov = np.polyfit(x, y, 1, w=1 / se, cov="unscaled")
        assert series["trend_slope"].to_numpy() == pytest.approx(coef[0], rel=1e-9)
        p = 2 * stats.norm.sf(abs(coef[0]) / np.sqrt(cov[0, 0]))
        np.testing.assert_allclose(series["trend_p"], p, rtol=1e-9)
