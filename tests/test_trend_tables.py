"""ts.trend reuses breakdown tables it is given (the annual run computes each wave's table once)."""

from __future__ import annotations

import pandas as pd
import pytest

import trustsurvey as ts


@pytest.fixture(scope="module")
def waves():
    return {2024: ts.datasets.load_example(2024, raw=False), 2025: ts.datasets.load_example(2025, raw=False)}


def test_given_tables_give_the_same_trend(waves):
    q = waves[2025].questionnaire
    opts = dict(items=list(q.question_ids[:3]), by=["gender"], metrics=["top2", "mean"])
    tables = {y: ts.breakdown(s, **opts) for y, s in waves.items()}
    pd.testing.assert_frame_equal(ts.trend(waves, tables=tables, **opts), ts.trend(waves, **opts))


def test_a_table_that_is_not_a_breakdown_is_refused(waves):
    with pytest.raises(ts.EstimationError, match=r"tables\[2024\]"):
        ts.trend(waves, tables={2024: pd.DataFrame({"x": [1]})}, items=["x"])
