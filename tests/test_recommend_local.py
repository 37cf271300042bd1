"""The local_gap rule: a small area named only when its publishable model estimate lies wholly on the bad side."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from trustsurvey.errors import PlanError, TrustSurveyError
from trustsurvey.recommend import local_gap


def table(**columns) -> pd.DataFrame:
    """One row per area around a national level of 0.60 (a higher-is-better share by default)."""
    n = len(next(iter(columns.values())))
    base = {"item": "q1", "metric": "top2", "level": "", "by": "district", "group": [str(i) for i in range(n)],
            "estimate": 0.45, "se": 0.03, "ci_low": 0.40, "ci_high": 0.50, "n_unweighted": 100,
            "n_weighted": 1000.0, "flag": "publish", "national": 0.60}
    base.update(columns)
    return pd.DataFrame({k: (v if isinstance(v, list) else [v] * n) for k, v in base.items()})


def triggered(frame: pd.DataFrame, **kwargs) -> list[str]:
    return local_gap(frame, polarity=kwargs.pop("polarity", np.ones(len(frame), dtype=int)), **kwargs)["group"].tolist()


def test_only_a_publish_flag_names_an_area():
    t = table(flag=["publish", "caution", "suppress"])
    assert triggered(t) == ["0"]


def test_the_whole_interval_must_lie_below_the_national_level():
    # the same estimate and gap; only the upper end of the interval differs: below, at, above the national
    t = table(ci_high=[0.59, 0.60, 0.61])
    assert triggered(t) == ["0"]


def test_a_lower_is_better_item_triggers_above_the_national_level():
    # area 0 above the national level (bad where lower is better), area 1 below it (good)
    t = table(estimate=[0.75, 0.45], ci_low=[0.62, 0.40], ci_high=[0.85, 0.50])
    assert triggered(t, polarity=np.array([-1, -1])) == ["0"]
    assert triggered(t, polarity=np.array([1, 1])) == ["1"]
    # the interval must lie wholly above: its lower end at or under the national level does not trigger
    t2 = table(estimate=[0.75, 0.75], ci_low=[0.60, 0.59], ci_high=[0.85, 0.85])
    assert triggered(t2, polarity=np.array([-1, -1])) == []
    out = local_gap(t, polarity=np.array([-1, -1]))
    assert out["direction"].tolist() == ["lower"]
    assert out["gap"].iloc[0] == pytest.approx(0.15) and out["goal"].iloc[0] == pytest.approx(0.70)


def test_an_item_without_a_direction_never_triggers():
    assert triggered(table(flag=["publish"]), polarity=np.array([0])) == []


def test_min_gap():
    # gaps of 0.09 and 0.11 (intervals both wholly below the national level)
    t = table(estimate=[0.51, 0.49], ci_low=[0.45, 0.43], ci_high=[0.56, 0.55])
    assert triggered(t) == ["1"]
    assert triggered(t, min_gap=0.05) == ["0", "1"]
    out = local_gap(t, polarity=np.ones(2, dtype=int), min_gap=0.05)
    assert out["threshold"].tolist() == [0.05, 0.05]
    assert np.allclose(out["goal"], 0.55) and np.allclose(out["gap"], [0.09, 0.11])
    with pytest.raises(PlanError, match="min_gap must be at least 0"):
        local_gap(t, min_gap=-0.1)


def test_min_base_and_items():
    t = table(n_unweighted=[10, 100], item=["q1", "q2"])
    assert triggered(t) == ["0", "1"]
    assert triggered(t, min_base=30) == ["1"]
    assert triggered(t, items=["q1"]) == ["0"]


def test_missing_columns_are_named():
    with pytest.raises(TrustSurveyError, match=r"lacks column\(s\) flag; pass the tidy table of ts.small_area"):
        local_gap(table(flag=["publish"]).drop(columns="flag"))
