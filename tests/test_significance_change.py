"""Change between independent waves and the slope across waves, by hand and against R.

R 4.2 (base stats), the reference of the t and normal p-values below:
    2 * pt(-0.05 / sqrt(0.02^2 + 0.02^2), df = 80)   # 0.0809127756879
    2 * pnorm(-0.05 / sqrt(0.02^2 + 0.02^2))          # 0.0770998717435
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from trustsurvey.significance.change import difference_test, series_slope


def test_difference_of_two_independent_waves_by_hand():
    r = difference_test(0.50, 0.02, 40, 0.55, 0.02, 40)
    assert float(r["estimate"]) == pytest.approx(0.05, rel=1e-12)
    assert float(r["se"]) == pytest.approx(np.sqrt(0.02**2 + 0.02**2), rel=1e-12)  # both waves' variance
    assert float(r["df"]) == 80.0
    assert float(r["statistic"]) == pytest.approx(0.05 / np.sqrt(0.0008), rel=1e-12)
    assert float(r["p_value"]) == pytest.approx(0.0809127756879, rel=1e-9)  # R: t on 80 df, not the normal's 0.0771


def test_difference_with_unequal_standard_errors():
    r = difference_test([0.40, 0.60], [0.03, 0.01], [30, 30], [0.45, 0.58], [0.04, 0.02], [50, 50])
    np.testing.assert_allclose(r["se"], [0.05, np.sqrt(0.0005)], rtol=1e-12)  # 3-4-5, and 1-2
    np.testing.assert_allclose(r["p_value"], 2 * stats.t.sf(np.abs([0.05 / 0.05, -0.02 / np.sqrt(0.0005)]), 80),
                               rtol=1e-10)
    welch = difference_test(0.40, 0.03, 30, 0.45, 0.04, 50, df_method="satterthwaite")
    v1, v2 = 0.03**2, 0.04**2
    assert float(welch["df"]) == pytest.approx((v1 + v2) ** 2 / (v1**2 / 30 + v2**2 / 50), rel=1e-12)


def test_weighted_slope_by_hand():
    """Years 2023-2025, estimates .50/.58/.62, variances 1e-4/4e-4/1e-4: weights 1e4/2.5e3/1e4 centre the
    years on 2024, so the slope is (.62 - .50) / 2 = 0.06 with variance 1 / (1e4 + 1e4) = 5e-5."""
    slope, se, k = series_slope(np.zeros(3, int), 1, [2023, 2024, 2025], [0.50, 0.58, 0.62], [1e-4, 4e-4, 1e-4])
    assert float(slope[0]) == pytest.approx(0.06, rel=1e-12)
    assert float(se[0]) == pytest.approx(np.sqrt(5e-5), rel=1e-12)
    assert int(k[0]) == 3


def test_ordinary_slope_is_a_contrast_by_hand():
    """OLS on 2023/2024/2025: the contrast (-1/2, 0, 1/2), variance (v1 + v3) / 4."""
    slope, se, _ = series_slope(np.zeros(3, int), 1, [2023, 2024, 2025], [0.50, 0.58, 0.62], [1e-4, 4e-4, 1e-4],
                                method="ols")
    assert float(slope[0]) == pytest.approx(0.06, rel=1e-12)
    assert float(se[0]) == pytest.approx(np.sqrt((1e-4 + 1e-4) / 4), rel=1e-12)


def test_series_are_separate_and_short_ones_have_no_slope():
    codes = np.array([0, 0, 0, 1, 1])
    slope, se, k = series_slope(codes, 2, [1, 2, 3, 1, 2], [1.0, 2.0, 3.0, 5.0, 4.0], [1.0] * 5)
    assert slope[0] == pytest.approx(1.0) and se[0] == pytest.approx(np.sqrt(1 / 2))
    assert np.isnan(slope[1]) and np.isnan(se[1]) and k.tolist() == [3, 2]
