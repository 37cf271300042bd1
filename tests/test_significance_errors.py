"""Bad input to the significance layer: clear errors and warnings that name the cause."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import trustsurvey as ts
from trustsurvey.errors import SignificanceError, TrustSurveyError, TrustSurveyWarning
from trustsurvey.significance import (adjust_pvalues, change, chisq, compare_groups, cronbach_alpha, glm,
                                      group_vs_rest, trend_test, ttest, wald_groups)


@pytest.fixture(scope="module")
def s():
    rng = np.random.default_rng(70)
    n = 120
    df = pd.DataFrame({
        "psu": np.repeat(np.arange(30), 4), "w": rng.uniform(1, 3, n), "y": rng.normal(size=n),
        "g": rng.choice(np.array(["a", "b"], dtype=object), n),
        "g3": rng.choice(np.array(["a", "b", "c"], dtype=object), n),
        "one": "only", "text": rng.choice(np.array(["p", "q"], dtype=object), n),
    })
    df["yes"] = (df["y"] > 0).astype(int)
    df["sep"] = np.where(df["g"] == "a", 1, rng.integers(0, 2, n))  # always 1 in group a
    return ts.Survey(df, weights="w", psu="psu")


def test_errors_belong_to_the_hierarchy():
    assert issubclass(SignificanceError, TrustSurveyError)


def test_one_level_group_variable(s):
    with pytest.raises(SignificanceError, match=r"'one'.*only one level"):
        ttest(s, "y", "one")
    with pytest.raises(SignificanceError, match=r"'one'.*1 level"):
        chisq(s, "g", "one")
    with pytest.raises(SignificanceError, match=r"'one' has only one level"):
        compare_groups(s, "y", "one")
    with pytest.raises(SignificanceError, match=r"'one' has only one level"):
        group_vs_rest(s, "y", "one")


def test_more_than_two_groups_in_a_ttest(s):
    with pytest.raises(SignificanceError, match=r"'g3' has 3 levels.*levels=\(a, b\)"):
        ttest(s, "y", "g3")
    t = ttest(s, "y", "g3", levels=("a", "c"))
    assert t.levels == ("a", "c")


def test_a_level_with_no_respondents(s):
    with pytest.raises(SignificanceError, match=r"level 'zz' of 'g3' has no respondents"):
        ttest(s, "y", "g3", levels=("a", "zz"))
    dom = s.subset(s.data["g3"].to_numpy(object) != "c")
    with pytest.raises(SignificanceError, match=r"level 'c' of 'g3' has no respondents"):
        ttest(dom, "y", "g3", levels=("a", "c"))


def test_perfect_separation_warns_and_names_the_term(s):
    with pytest.warns(TrustSurveyWarning, match=r"separation.*constant within \['the reference level of C\(g\)'\]"):
        m = glm(s, "sep ~ C(g) + y", family="binomial")
    assert m.to_frame()["term"].tolist() == ["Intercept", "C(g)[T.b]", "y"]


def test_no_warning_for_an_ordinary_logistic_model(s):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        glm(s, "yes ~ C(g3)", family="binomial")


def test_too_few_degrees_of_freedom():
    df = pd.DataFrame({"y": [1.0, 2, 3, 4, 5, 6], "g": ["a", "b"] * 3, "psu": [1, 1, 1, 2, 2, 2],
                       "h": ["x", "y", "z", "x", "y", "z"]})
    tiny = ts.Survey(df, psu="psu")  # 2 PSUs: 1 design degree of freedom
    with pytest.raises(SignificanceError, match="too few degrees of freedom"):
        ttest(tiny, "y", "g")
    with pytest.raises(SignificanceError, match="adjWald needs more design degrees of freedom"):
        chisq(tiny, "g", "h", statistic="adjWald")
    with pytest.warns(TrustSurveyWarning, match="no residual degrees of freedom"):
        m = glm(tiny, "y ~ C(g) + C(h)")
    assert m.to_frame()["p_value"].isna().all()
    with pytest.warns(TrustSurveyWarning, match="degrees of freedom"):
        wald_groups(tiny, "y", "g")


def test_unknown_options_list_the_choices(s):
    with pytest.raises(SignificanceError, match="statistic='G'.*F, Chisq, adjWald, Wald"):
        chisq(s, "g", "g3", statistic="G")
    with pytest.raises(SignificanceError, match="family='poisson'.*gaussian, binomial, ordinal"):
        glm(s, "y ~ g", family="poisson")
    with pytest.raises(SignificanceError, match="adjust='tukey'.*holm"):
        adjust_pvalues([0.1, 0.2], "tukey")
    with pytest.raises(SignificanceError, match="statistic='adjWald'.*'F' or 'Chisq'"):
        wald_groups(s, "y", "g3", statistic="adjWald")
    with pytest.raises(SignificanceError, match="df_method"):
        change(s, s, "y", df_method="welch")


def test_bad_formulas_and_outcomes(s):
    with pytest.raises(SignificanceError, match="formula must look like"):
        glm(s, "y + g")
    with pytest.raises(SignificanceError, match="response 'nope'"):
        glm(s, "nope ~ g")
    with pytest.raises(SignificanceError, match="not in the data|cannot build"):
        glm(s, "y ~ missing_column")
    with pytest.raises(SignificanceError, match="'g3' has 3 levels.*outcome_level"):
        glm(s, "g3 ~ y", family="binomial")
    with pytest.raises(SignificanceError, match="outside \\[0, 1\\]"):
        glm(s, "y ~ g", family="binomial")
    with pytest.raises(SignificanceError, match="not numeric"):
        glm(s, "g ~ y")
    m = glm(s, "g3 ~ y", family="binomial", outcome_level="c")
    assert m.extra["outcome_level"] == "c"


def test_ordinal_outcome_must_be_ordered_with_three_levels(s):
    with pytest.raises(SignificanceError, match="ordered Categorical"):
        glm(s, "g3 ~ y", family="ordinal")
    two = s.with_columns({"o": pd.Categorical(s.data["g"], categories=["a", "b"], ordered=True)})
    with pytest.raises(SignificanceError, match="at least three"):
        glm(two, "o ~ y", family="ordinal")


def test_text_and_missing_variables(s):
    with pytest.raises(SignificanceError, match="'text' is not numeric"):
        ttest(s, "text", "g")
    with pytest.raises(SignificanceError, match=r"\['nope'\] not in the data"):
        compare_groups(s, "nope", "g")
    with pytest.raises(SignificanceError, match="both 'g'"):
        chisq(s, "g", "g")


def test_waves_and_reliability(s):
    other = s.with_columns({"g": np.where(s.data["g"] == "a", "a", "new")})
    with pytest.warns(TrustSurveyWarning, match="one wave only"):
        c = change(s, other, "y", by="g")
    assert c.to_frame()["estimate"].isna().sum() == 2
    with pytest.raises(SignificanceError, match="at least three waves"):
        trend_test({2024: s, 2025: s}, "y")
    with pytest.raises(SignificanceError, match="at least two items"):
        cronbach_alpha(s, ["y"])
    with pytest.raises(SignificanceError, match="'g' is not numeric"):
        cronbach_alpha(s, ["y", "g"])


def test_nullable_columns_with_missing_values():
    """Nullable integer and string columns (as read_survey makes them) with NA work everywhere."""
    rng = np.random.default_rng(71)
    n = 100
    df = pd.DataFrame({"y": pd.array(rng.integers(0, 2, n), dtype="Int64"),
                       "x": pd.array(rng.integers(1, 6, n), dtype="Int64"),
                       "g": pd.array(rng.choice(["a", "b"], n), dtype="str"), "psu": np.arange(n)})
    df.loc[3, "x"] = pd.NA
    df.loc[5, "g"] = None
    df.loc[7, "y"] = pd.NA
    s = ts.Survey(df, psu="psu")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert glm(s, "y ~ x + C(g)", family="binomial").n == 97
        assert chisq(s, "x", "g", statistic="Wald").ndf == 4
        assert ttest(s, "x", "g").df == 98 - 1 - 1  # 98 complete cases, svyttest: degf - 1
        assert len(compare_groups(s, ["x", "y"], "g")) == 2
        assert change(s, s, "x", level=5, by="g").to_frame()["estimate"].tolist() == [0.0, 0.0]
        o = s.with_columns({"xo": pd.Categorical(df["x"].astype("float"), categories=[1.0, 2, 3, 4, 5],
                                                 ordered=True)})
        assert glm(o, "xo ~ C(g)", family="ordinal").n_slopes == 1
