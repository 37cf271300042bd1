"""Estimates against R's survey package (4.1-1), case by case, to 1e-6 relative.

Every case of ``tests/reference/r_survey_cases.json`` whose call is ``mean``,
``total``, ``proportion_ci``, ``mean_by``, ``total_by``, ``ratio``,
``quantile`` or ``mean_replicate`` (the domain case is a ``mean`` with a
``domain`` argument) is one test, named by its case id. The R calls that
produced them are in ``tests/reference/make_reference.R``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

RTOL = 1e-6

#: R's names of the as.svrepdesign types used by the mean_replicate cases.
REPLICATE_TYPES = {"JK1 (delete one PSU)": "jk1", "JKn (delete one PSU within stratum)": "jkn"}


def close(got, expected, what: str, case_id: str) -> None:
    got = np.atleast_1d(np.asarray(got, dtype=float))
    expected = np.atleast_1d(np.asarray(expected, dtype=float))
    np.testing.assert_allclose(got, expected, rtol=RTOL, atol=0,
                               err_msg=f"{case_id}: {what} differs from R")


def check(frame: pd.DataFrame, result: dict, case_id: str,
          fields=("estimate", "se", "deff", "ci_low", "ci_high", "df")) -> None:
    """Compare every field R gives (``df`` is a scalar in R's output) with the frame's column."""
    for field in fields:
        if field not in result:
            continue
        expected = result[field]
        got = frame[field].to_numpy(dtype=float)
        if np.ndim(expected) == 0:
            expected = np.full(got.shape, float(expected))
        close(got, expected, field, case_id)


@pytest.mark.r_calls("mean", "total")
def test_mean_and_total(r_case, survey):
    s = survey(r_case["design"])
    args = r_case["args"]
    if "domain" in args:
        s = s.subset(args["domain"])
    frame = getattr(s, r_case["call"])(args["variable"]).to_frame()
    result = r_case["result"]
    names = np.atleast_1d(result.get("names", args["variable"]))
    assert len(frame) == len(names)
    if len(names) > 1:  # a factor: R names the columns <variable><level>
        assert [args["variable"] + lev for lev in frame["level"]] == list(names)
    check(frame, result, r_case["id"])


def test_domain_case_is_present(reference):
    """The domain case is part of the ``mean`` cases above; make sure it stays in the file."""
    ids = [c["id"] for c in reference["cases"] if "domain" in c["args"]]
    assert ids == ["clus1_domain_H_mean_api00"]


@pytest.mark.r_calls("proportion_ci")
def test_proportion_interval(r_case, survey):
    s = survey(r_case["design"])
    args = r_case["args"]
    est = s.proportion(args["variable"], ci_method=args["method"], conf_level=args.get("level_conf", 0.95))
    frame = est.to_frame()
    row = frame[frame["level"] == str(args["level"])]
    assert len(row) == 1, f"level {args['level']!r} not among {frame['level'].tolist()}"
    check(row, r_case["result"], r_case["id"], fields=("estimate", "se", "ci_low", "ci_high"))


@pytest.mark.r_calls("mean_by", "total_by")
def test_by(r_case, survey):
    s = survey(r_case["design"])
    args = r_case["args"]
    method = s.mean if r_case["call"] == "mean_by" else s.total
    frame = method(args["variable"], by=args["by"]).to_frame()
    result = r_case["result"]
    groups = [str(g) for g in frame[args["by"]]]
    names = result["coef_names"]
    if len(names) == len(result["groups"]):  # numeric variable: one coefficient per group
        assert groups == result["groups"]
    else:
        # a factor: R orders svyby's coefficients level-major (E:No, H:No, M:No, E:Yes, ...)
        n_groups = len(result["groups"])
        order = [lev * n_groups + g for g in range(n_groups) for lev in range(len(names) // n_groups)]
        result = {"coef": [result["coef"][i] for i in order], "se": [result["se"][i] for i in order]}
        expected_names = [names[i] for i in order]
        assert [f"{g}:{args['variable']}{lev}" for g, lev in zip(groups, frame["level"])] == expected_names
    close(frame["estimate"], result["coef"], "estimate", r_case["id"])
    close(frame["se"], result["se"], "se", r_case["id"])


@pytest.mark.r_calls("ratio")
def test_ratio(r_case, survey):
    s = survey(r_case["design"])
    args = r_case["args"]
    frame = s.ratio(args["numerator"], args["denominator"]).to_frame()
    assert frame["variable"].tolist() == [f"{args['numerator']}/{args['denominator']}"]
    check(frame, r_case["result"], r_case["id"], fields=("estimate", "se"))


@pytest.mark.r_calls("quantile")
def test_quantile(r_case, survey):
    s = survey(r_case["design"])
    args = r_case["args"]
    assert args["qrule"] == "math" and args["interval_type"] == "mean"  # what trustsurvey implements
    frame = s.quantile(args["variable"], args["probs"]).to_frame()
    assert frame["level"].tolist() == [f"{p:g}" for p in args["probs"]]
    check(frame, r_case["result"], r_case["id"], fields=("estimate", "se", "ci_low", "ci_high"))


@pytest.mark.r_calls("mean_replicate")
def test_mean_replicate(r_case, survey):
    s = survey(r_case["design"]).to_replicate(REPLICATE_TYPES[r_case["args"]["type"]])
    frame = s.mean(r_case["args"]["variable"]).to_frame()
    check(frame, r_case["result"], r_case["id"], fields=("estimate", "se"))


def test_every_estimation_case_is_tested(reference):
    """No estimation case of the reference file is skipped by the parametrisations above."""
    tested = {"mean", "total", "proportion_ci", "mean_by", "total_by", "ratio", "quantile", "mean_replicate"}
    n = sum(c["call"] in tested for c in reference["cases"])
    assert n == 37
    assert reference["source"].startswith("R 4") and "survey 4.1" in reference["source"]
