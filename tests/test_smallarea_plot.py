"""plot_small_area: the ranked dot plot draws what the small-area table says, in every language."""

from __future__ import annotations

import warnings
from functools import lru_cache

import matplotlib as mpl
import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import LineCollection, PathCollection
from matplotlib.figure import Figure

import trustsurvey as ts
from trustsurvey.errors import ReportError
from trustsurvey.fonts import missing_glyphs
from trustsurvey.plotting import figure_bytes, save_figure
from trustsurvey.plotting.smallarea import plot_small_area
from trustsurvey.smallarea import example_covariates_path


@lru_cache(maxsize=1)
def table() -> pd.DataFrame:
    s = ts.datasets.load_example(2025, raw=False).weight()
    return ts.small_area(s, "trust_kp", area="municipality", region="region", covariates=example_covariates_path(),
                         population="adults").to_frame()


@lru_cache(maxsize=1)
def names(lang: str = "sr") -> dict:
    q = ts.datasets.load_example(2025, raw=False).questionnaire
    return {c: q.value_label("municipality", int(c), lang) for c in table()["municipality"]}


def points(ax):
    """(x, y) of every marker set drawn, by marker kind."""
    out = []
    for coll in ax.collections:
        if isinstance(coll, PathCollection):
            out.append(coll.get_offsets())
    return out


def test_ranked_with_suppressed_areas_last_and_unnumbered():
    t = table()
    ax = plot_small_area(t, labels=names())
    ticks = [x.get_text() for x in ax.get_yticklabels()]
    assert len(ticks) == len(t)
    shown = t[t["flag"] != "suppress"].sort_values("estimate", ascending=False)
    hidden = t[t["flag"] == "suppress"]
    assert ticks[:len(shown)] == [names()[c] for c in shown["municipality"]]
    assert ticks[len(shown):] == sorted(names()[c] for c in hidden["municipality"])
    # markers: one model estimate per shown area, one cross per shown area with respondents
    xs = np.concatenate([p[:, 0] for p in points(ax)])
    n_direct = int(shown["direct"].notna().sum())
    assert len(xs) == len(shown) + n_direct
    model_x = np.sort(np.concatenate([p[:, 0] for p in points(ax)[:-1]]))
    np.testing.assert_allclose(model_x, np.sort(100 * shown["estimate"].to_numpy()))
    # intervals: one segment per shown area, none for suppressed ones
    segs = [s for c in ax.collections if isinstance(c, LineCollection) for s in c.get_segments()]
    assert len(segs) == len(shown)
    notes = [x.get_text() for x in ax.texts]
    assert notes.count("not shown: too uncertain") == len(hidden)


def test_renders_in_albanian_and_serbian_without_missing_glyphs(tmp_path):
    for lang in ("sq", "sr"):
        ax = plot_small_area(table(), labels=names(lang), lang=lang, reference=0.667, reference_label="Kosovo",
                             caption="Izvor: simulirana anketa. Godina: 2025.", title="Poverenje po opštinama")
        texts = " ".join([t.get_text() for t in ax.get_yticklabels()] + [t.get_text() for t in ax.texts]
                         + [t.get_text() for t in ax.get_legend().get_texts()])
        assert not missing_glyphs(texts)
    with warnings.catch_warnings():  # e.g. a glyph missing from the font would warn while drawing
        warnings.simplefilter("error")
        paths = save_figure(ax, tmp_path / "sa_sr", formats=("png",), dpi=40)
    assert paths[0].stat().st_size > 1000
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "direktna procena iz ankete" in legend and "Kosovo: 67%" in legend


def test_deterministic_on_given_axes_and_no_global_state():
    before = {k: str(v) for k, v in mpl.rcParams.items()}
    fig = Figure(figsize=(7, 9))
    ax = fig.add_subplot()
    assert plot_small_area(table(), ax=ax) is ax
    assert figure_bytes(plot_small_area(table()), "png", dpi=30) == figure_bytes(plot_small_area(table()), "png",
                                                                                 dpi=30)
    assert {k: str(v) for k, v in mpl.rcParams.items()} == before


def test_means_are_not_percentages():
    t = table().assign(estimate=lambda d: 1 + 4 * d["estimate"], ci_low=lambda d: 1 + 4 * d["ci_low"],
                       ci_high=lambda d: 1 + 4 * d["ci_high"], direct=lambda d: 1 + 4 * d["direct"])
    ax = plot_small_area(t)
    assert ax.get_xlabel() == "Mean score"


@pytest.mark.parametrize("frame, kwargs, message", [
    (pd.DataFrame({"a": [1]}), {}, "lacks column(s) estimate, ci_low"),
    ([1, 2], {}, "needs the table of ts.small_area"),
    (None, {"area": "commune"}, "area='commune' is not a column"),
    (None, {"lang": "de"}, "unknown language 'de'"),
])
def test_errors(frame, kwargs, message):
    with pytest.raises(ReportError) as info:
        plot_small_area(table() if frame is None else frame, **kwargs)
    assert message in str(info.value)
