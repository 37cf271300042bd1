"""Weighting against R's survey package (4.1-1), case by case, to 1e-6 relative.

Every ``rake``, ``poststratify``, ``calibrate`` and ``trim_weights`` case of
``tests/reference/r_survey_cases.json``: the weights, and the mean/total and
their standard errors after weighting (see ``tests/reference/make_reference.R``).
"""

from __future__ import annotations

import numpy as np
import pytest

RTOL = 1e-6


def close(got, expected, what: str, case_id: str) -> None:
    np.testing.assert_allclose(np.asarray(got, dtype=float), np.asarray(expected, dtype=float), rtol=RTOL,
                               atol=0, err_msg=f"{case_id}: {what} differs from R")


def r_totals_to_margins(totals: dict) -> dict:
    """R's treatment-coded totals of ``~stype + api99`` as trustsurvey margins."""
    e = totals["Intercept"] - totals["stypeH"] - totals["stypeM"]
    return {"stype": {"E": e, "H": totals["stypeH"], "M": totals["stypeM"]}, "api99": totals["api99"]}


def weighted(case, survey):
    s = survey(case["design"])
    args = case["args"]
    call = case["call"]
    if call == "rake":
        return s.rake(args["margins"], tol=1e-12)  # R: epsilon = 1e-12
    if call == "poststratify":
        return s.poststratify(args["population"])
    if call == "calibrate":
        # R's calibrate(): totals of ~stype + api99 with an intercept; the raking case used
        # epsilon = 1e-12, maxit = 200
        return s.calibrate(r_totals_to_margins(args["totals"]), method=args["calfun"], tol=1e-12,
                           max_iter=200)
    if call == "trim_weights":
        return s.trim_weights(lower=args["lower"], upper=args["upper"], strict=args["strict"])
    raise AssertionError(call)


@pytest.mark.r_calls("rake", "poststratify", "calibrate", "trim_weights")
def test_weights_match_r(r_case, survey):
    out = weighted(r_case, survey)
    close(out.weights.to_numpy(), r_case["result"]["weights"], "weights", r_case["id"])


@pytest.mark.r_calls("rake", "poststratify", "calibrate", "trim_weights")
def test_estimates_after_weighting_match_r(r_case, survey):
    out = weighted(r_case, survey)
    result = r_case["result"]
    m = out.mean("api00").to_frame()
    close(m["estimate"], [result["mean_api00"]], "mean of api00", r_case["id"])
    close(m["se"], [result["se_mean_api00"]], "SE of the mean of api00", r_case["id"])
    if "total_enroll" in result:
        t = out.total("enroll").to_frame()
        close(t["estimate"], [result["total_enroll"]], "total of enroll", r_case["id"])
        close(t["se"], [result["se_total_enroll"]], "SE of the total of enroll", r_case["id"])


def test_every_weighting_call_is_covered(reference):
    calls = {c["call"] for c in reference["cases"]}
    assert {"rake", "poststratify", "calibrate", "trim_weights"} <= calls


def test_weighting_changes_the_standard_error(survey):
    """The weighting step is in the variance: ignoring it would give a different SE."""
    s = survey("clus1")
    ps = s.poststratify({"stype": {"E": 4421, "H": 755, "M": 1018}})
    import trustsurvey as ts

    plain = ts.Survey(ps.data.assign(_w=ps.weights.to_numpy()), weights="_w", psu="dnum", fpc="fpc")
    se_ps = float(ps.mean("api00").to_frame()["se"][0])
    se_plain = float(plain.mean("api00").to_frame()["se"][0])
    assert abs(se_ps - se_plain) > 1e-3 * se_plain


def test_poststratify_with_varying_weights_uses_rs_weighted_projection(survey):
    """R (survey >= 3.32) removes psw * (cell total of z) / N_c: check the variance by hand."""
    s = survey("strat")  # weights vary within the sch_wide cells
    pop = {"sch_wide": {"No": 1072, "Yes": 5122}}
    ps = s.poststratify(pop)
    w = ps.weights.to_numpy()
    y = ps.data["api00"].to_numpy(float)
    cells = (ps.data["sch_wide"] == "Yes").to_numpy().astype(int)
    N = np.array([1072.0, 5122.0])
    total = float(w @ y)
    z = w * y  # influence of the total
    cell_tot = np.bincount(cells, weights=z)
    resid = z - w * cell_tot[cells] / N[cells]
    # stratified SRS without replacement: the strata of apistrat with their fpc
    strata = ps.data["stype"].to_numpy()
    fpc = ps.data["fpc"].to_numpy(float)
    var = 0.0
    for h in np.unique(strata):
        idx = strata == h
        n_h = idx.sum()
        var += (1 - n_h / fpc[idx][0]) * n_h / (n_h - 1) * np.sum((resid[idx] - resid[idx].mean()) ** 2)
    t = ps.total("api00").to_frame()
    close(t["estimate"], [total], "total", "strat poststratify")
    close(t["se"], [np.sqrt(var)], "SE", "strat poststratify")
