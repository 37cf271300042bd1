"""SmallAreaResult.tidy(): the house's tidy layout of the small-area estimates, value for value."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd

import trustsurvey as ts
from trustsurvey.smallarea import LOCAL_COLUMNS, example_covariates_path


@lru_cache(maxsize=1)
def example():
    return ts.datasets.load_example(2025, raw=False).weight()


@lru_cache(maxsize=None)
def fit(region: str | None = "region"):
    return ts.small_area(example(), "trust_kp", area="municipality", region=region,
                         covariates=example_covariates_path(), population="adults")


def test_columns_and_values_follow_to_frame():
    r = fit()
    t, f = r.tidy(), r.to_frame()
    assert list(t.columns) == LOCAL_COLUMNS and len(t) == len(f)
    assert (t["item"] == "trust_kp").all() and (t["metric"] == "top2").all() and (t["level"] == "").all()
    assert (t["by"] == "municipality").all()
    codes = pd.read_csv(example_covariates_path(), comment="#")
    assert t["group"].tolist() == [str(c) for c in f["municipality"]]
    assert set(t["group"]) == {str(c) for c in codes["municipality"]}
    assert t["region"].tolist() == [str(c) for c in f["region"]]
    for c in ("estimate", "se", "ci_low", "ci_high", "cv", "n_weighted", "direct", "direct_se"):
        np.testing.assert_array_equal(t[c].to_numpy(float), f[c].to_numpy(float), err_msg=c)
    assert t["n_unweighted"].tolist() == f["n_unweighted"].astype(int).tolist()
    assert t["source"].tolist() == f["source"].tolist() and t["flag"].tolist() == f["flag"].tolist()
    assert r.tidy() is not r.tidy() and r.tidy().equals(t)  # a new frame each time


def test_national_and_regional_levels_are_the_direct_estimates():
    # the benchmark levels, checked against the breakdown table's own direct estimates (another route)
    t = fit().tidy()
    b = ts.breakdown(example(), items=["trust_kp"], by=["region"], metrics=["top2"])
    b = b[b["metric"] == "top2"]
    national = float(b.loc[b["by"] == "national", "estimate"].iloc[0])
    np.testing.assert_allclose(t["national"].to_numpy(float), national, rtol=1e-9)
    regional = dict(zip(b.loc[b["by"] == "region", "group"].astype(str),
                        b.loc[b["by"] == "region", "estimate"].astype(float)))
    np.testing.assert_allclose(t["regional"].to_numpy(float), t["region"].map(regional).to_numpy(float), rtol=1e-9)
    assert t["region"].nunique() > 1 and t["regional"].nunique() == t["region"].nunique()


def test_without_a_region():
    t = fit(region=None).tidy()
    assert list(t.columns) == LOCAL_COLUMNS
    assert (t["region"] == "").all() and t["regional"].isna().all() and t["national"].notna().all()
