"""Figures: they render (PNG, SVG) in Albanian and Serbian without missing glyphs, draw what the tables say,
are deterministic, and leave matplotlib's global state alone."""

from __future__ import annotations

import subprocess
import sys
import warnings
import xml.etree.ElementTree as ET

import matplotlib as mpl
import numpy as np
import pandas as pd
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import PathCollection, PolyCollection
from matplotlib.figure import Figure
from matplotlib.image import AxesImage
from matplotlib.patches import Rectangle

import trustsurvey as ts
from trustsurvey.errors import ReportError
from trustsurvey.fonts import missing_glyphs
from trustsurvey.plotting import (OKABE_ITO, caption_text, figure_bytes, plot_estimates, plot_heatmap,
                                  plot_likert, plot_trend, save_figure)
from trustsurvey.plotting._examples import example_breakdown, example_trend

SQ_CAPTION = caption_text(source="Anketa e besimit në Policinë e Kosovës", base="të rriturit 18+", year=2025,
                          n=1450, lang="sq")


@pytest.fixture(scope="module")
def sq_tables():
    return example_breakdown("sq"), example_trend("sq")


@pytest.fixture(scope="module")
def real_sr():
    """ts.breakdown on the bundled example survey, labels in Serbian."""
    s = ts.datasets.load_example(2025, raw=False)
    return ts.breakdown(s, items=["trust_kp", "pf_respect", "pf_equal", "safe_night", "app_aware", "trust_index",
                                  "concerns"], by=["region", "gender", "age_group"], lang="sr")


def rendered(ax, tmp_path, name):
    """Save PNG and SVG, recording every warning; return (paths, warnings)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        paths = save_figure(ax, tmp_path / name, dpi=72)
    return paths, [str(w.message) for w in caught]


def check_files(paths):
    png, svg = paths
    assert png.suffix == ".png" and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(png.read_bytes()[16:20], "big"), int.from_bytes(png.read_bytes()[20:24], "big")
    assert width > 300 and height > 150
    root = ET.fromstring(svg.read_bytes())  # well-formed XML
    assert root.tag.endswith("svg")
    text = svg.read_text(encoding="utf-8")
    # text is drawn as paths (no font needed to view it), and no date is stamped in
    assert "<text" not in text and "<dc:date>" not in text


def all_labels(frame):
    cols = [c for c in ("item_label", "level_label", "group_label") if c in frame.columns]
    return " ".join(frame[cols].astype(str).to_numpy().ravel())


def test_every_figure_renders_in_albanian(sq_tables, tmp_path):
    breakdown, trend = sq_tables
    assert missing_glyphs(all_labels(breakdown) + SQ_CAPTION) == ""
    figures = {
        "estimates": plot_estimates(breakdown, item="trust_police", lang="sq", caption=SQ_CAPTION),
        "likert": plot_likert(breakdown, items=["respect", "equal_treatment"], lang="sq", caption=SQ_CAPTION),
        "trend": plot_trend(trend, item="trust_police", by="district", lang="sq", caption=SQ_CAPTION),
        "heatmap": plot_heatmap(breakdown, by="district", lang="sq", caption=SQ_CAPTION),
    }
    for name, ax in figures.items():
        paths, caught = rendered(ax, tmp_path, name)
        assert caught == [], (name, caught)
        check_files(paths)


def test_figures_from_a_real_breakdown_in_serbian(real_sr, tmp_path):
    assert missing_glyphs(all_labels(real_sr)) == ""
    assert "Đakovica" in set(real_sr["group_label"])
    cap = caption_text(source="Anketa o poverenju u Kosovsku policiju", base="odrasli 18+", year=2025,
                       n=int(real_sr["n_unweighted"].max()), lang="sr")
    figures = {
        "estimates": plot_estimates(real_sr, item="trust_index", lang="sr", caption=cap),
        "options": plot_estimates(real_sr, item="concerns", metric="option_share", level="concern_theft",
                                  by="region", lang="sr", caption=cap),
        "likert": plot_likert(real_sr, items="trust_kp", by="region", lang="sr", caption=cap),
        "heatmap": plot_heatmap(real_sr, by="age_group", lang="sr", caption=cap),
    }
    for name, ax in figures.items():
        paths, caught = rendered(ax, tmp_path, name)
        assert caught == [], (name, caught)
        check_files(paths)
    ticks = [t.get_text() for t in figures["likert"].get_yticklabels()]
    assert ticks[0] == "Kosovo" and "Severna Mitrovica" in ticks


def test_the_glyph_check_would_catch_a_missing_letter():
    # the negative control of the two tests above: a letter DejaVu Sans lacks is reported
    assert missing_glyphs("Prishtinë 漢") == "漢"
    fig = Figure()
    fig.add_subplot().set_title("Prishtinë 漢")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        figure_bytes(fig, "png", dpi=40)
    assert any("missing from font" in str(w.message) for w in caught)


def test_estimates_draw_the_table(sq_tables):
    breakdown, _ = sq_tables
    ax = plot_estimates(breakdown, item="equal_treatment", by="district", lang="sq")
    rows = breakdown[(breakdown["item"] == "equal_treatment") & (breakdown["metric"] == "top2")]
    regions = rows[rows["by"] == "district"]
    assert [t.get_text() for t in ax.get_yticklabels()] == regions["group_label"].tolist()
    national = rows.loc[rows["by"] == "national", "estimate"].iloc[0]
    dashed = [ln for ln in ax.get_lines() if ln.get_linestyle() == "--"]
    assert len(dashed) == 1 and dashed[0].get_xdata()[0] == pytest.approx(100 * national)
    # every shown estimate is a marker at 100 x estimate; the suppressed group has none, only words
    markers = [c for c in ax.collections if isinstance(c, PathCollection)]
    xs = np.sort(np.concatenate([c.get_offsets()[:, 0] for c in markers]))
    shown = regions[regions["flag"] != "suppressed"]["estimate"].to_numpy() * 100
    np.testing.assert_allclose(xs, np.sort(shown))
    assert any(t.get_text() == "nuk shfaqet: shumë pak të anketuar" for t in ax.texts)
    # significance is drawn in colour and shape: below the rest = vermillion downward triangles
    below = regions[(regions["p_adj"] < 0.05) & (regions["estimate"] < national)]
    assert len(below) > 0
    vermillion = [c for c in markers if mpl.colors.to_hex(c.get_edgecolor()[0]) == OKABE_ITO["vermillion"].lower()]
    assert sum(len(c.get_offsets()) for c in vermillion) == len(below)
    assert all(c.get_paths()[0] == vermillion[0].get_paths()[0] for c in vermillion)


def test_likert_is_centred_on_the_neutral_answer(sq_tables):
    breakdown, _ = sq_tables
    ax = plot_likert(breakdown, items=["respect", "equal_treatment"], lang="sq")
    bars = [p for p in ax.patches if isinstance(p, Rectangle)]
    assert len(bars) == 2 * 5
    # per item: segments tile [left, left + 100 x sum of shares], the neutral one straddles zero
    shares = breakdown[(breakdown["metric"] == "share") & (breakdown["by"] == "national")]
    for k, item in enumerate(["respect", "equal_treatment"]):
        s = shares[shares["item"] == item].sort_values("level")["estimate"].to_numpy() * 100
        segs = sorted((b for b in bars if abs(b.get_y() + b.get_height() / 2 - k) < 1e-9), key=lambda b: b.get_x())
        widths = np.array([b.get_width() for b in segs])
        np.testing.assert_allclose(widths, s)
        neutral = segs[2]
        assert neutral.get_x() + neutral.get_width() / 2 == pytest.approx(0.0, abs=1e-9)
        assert segs[0].get_x() == pytest.approx(-(s[0] + s[1] + s[2] / 2))
    inset = ax.child_axes[0]
    assert inset.get_title() == "Nuk e di"
    dk = breakdown[(breakdown["metric"] == "dont_know") & (breakdown["by"] == "national")].set_index("item")
    np.testing.assert_allclose(sorted(p.get_width() for p in inset.patches),
                               sorted(100 * dk.loc[["respect", "equal_treatment"], "estimate"]))


def test_likert_even_scale_has_no_neutral(sq_tables):
    breakdown, _ = sq_tables
    ax = plot_likert(breakdown, items="safe_dark", by="district", lang="en", dont_know=False)
    assert not ax.child_axes
    shares = breakdown[(breakdown["item"] == "safe_dark") & (breakdown["metric"] == "share")
                       & (breakdown["by"] == "national")].sort_values("level")["estimate"].to_numpy() * 100
    first = sorted((p for p in ax.patches if abs(p.get_y() + p.get_height() / 2) < 1e-9), key=lambda b: b.get_x())
    # national bar first; unfavourable codes 1-2 left of zero, favourable 3-4 right
    assert first[2].get_x() == pytest.approx(0.0, abs=1e-9)
    assert first[0].get_x() == pytest.approx(-(shares[0] + shares[1]))


def test_trend_lines_and_bands(sq_tables):
    _, trend = sq_tables
    ax = plot_trend(trend, item="confidence_index", by="gender", lang="sq")
    rows = trend[(trend["item"] == "confidence_index") & trend["by"].isin(["gender", "national"])]
    lines = [ln for ln in ax.get_lines() if len(ln.get_xdata()) == 3]
    assert len(lines) == 3  # men, women, national
    ys = sorted(tuple(np.round(ln.get_ydata(), 9)) for ln in lines)
    expected = sorted(tuple(np.round(g.sort_values("wave")["estimate"].to_numpy(), 9))
                      for _, g in rows.groupby(["by", "group"]))
    assert ys == expected
    assert sum(isinstance(c, PolyCollection) for c in ax.collections) == 3
    assert [t.get_text() for t in ax.get_xticklabels()] == ["2023", "2024", "2025"]


def test_heatmap_values_and_hatched_suppressed_cells(sq_tables):
    breakdown, _ = sq_tables
    ax = plot_heatmap(breakdown, metric="top2", by="district", lang="sq")
    image = next(a for a in ax.get_children() if isinstance(a, AxesImage))
    data = image.get_array()
    top2 = breakdown[breakdown["metric"] == "top2"]
    items = list(dict.fromkeys(top2["item"]))
    regions = list(dict.fromkeys(top2.loc[top2["by"] == "district", "group"]))
    for r, item in enumerate(items):
        sub = top2[top2["item"] == item]
        assert data[r, 0] == pytest.approx(100 * sub.loc[sub["by"] == "national", "estimate"].iloc[0])
        for c, g in enumerate(regions, start=1):
            row = sub[(sub["by"] == "district") & (sub["group"] == g)].iloc[0]
            if row["flag"] == "suppressed":
                assert data.mask[r, c]
            else:
                assert data[r, c] == pytest.approx(100 * row["estimate"])
    hatched = [p for p in ax.patches if p.get_hatch() == "///"]
    n_suppressed = int(((top2["by"] == "district") & (top2["flag"] == "suppressed")).sum())
    assert len(hatched) == n_suppressed == 1


def test_caption_sits_under_the_axis_label(sq_tables):
    breakdown, _ = sq_tables
    ax = plot_estimates(breakdown, item="trust_police", lang="sq", caption=SQ_CAPTION)
    canvas = FigureCanvasAgg(ax.figure)
    ax.figure.draw(canvas.get_renderer())
    renderer = canvas.get_renderer()
    cap = next(t for t in ax.texts if t.get_text() == SQ_CAPTION)
    assert cap.get_window_extent(renderer).y1 <= ax.xaxis.label.get_window_extent(renderer).y0 + 1e-6


def test_same_figure_same_bytes(sq_tables):
    breakdown, _ = sq_tables
    a = plot_estimates(breakdown, item="respect", by="gender", lang="sq", caption=SQ_CAPTION)
    b = plot_estimates(breakdown, item="respect", by="gender", lang="sq", caption=SQ_CAPTION)
    assert figure_bytes(a, "svg") == figure_bytes(b, "svg")
    assert figure_bytes(a, "png", dpi=50) == figure_bytes(b, "png", dpi=50)


def test_draws_on_given_axes_and_leaves_global_state_alone(sq_tables):
    breakdown, trend = sq_tables
    before = {k: str(v) for k, v in mpl.rcParams.items()}
    fig = Figure(figsize=(12, 5), layout="constrained")
    left, right = fig.subplots(1, 2)
    assert plot_estimates(breakdown, item="trust_police", by="gender", ax=left) is left
    assert plot_trend(trend, item="trust_police", ax=right) is right
    figure_bytes(fig, "png", dpi=40)
    assert {k: str(v) for k, v in mpl.rcParams.items()} == before
    code = "import sys, trustsurvey.plotting, trustsurvey.report; print('matplotlib.pyplot' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_save_figure_paths_and_formats(sq_tables, tmp_path):
    breakdown, _ = sq_tables
    ax = plot_estimates(breakdown, item="hotline_aware", by="gender")
    paths = save_figure(ax, tmp_path / "sub" / "fig", formats=("svg", "pdf"), dpi=50)
    assert [p.name for p in paths] == ["fig.svg", "fig.pdf"] and all(p.stat().st_size > 1000 for p in paths)
    with pytest.raises(ReportError, match="unknown figure format.*jpeg"):
        save_figure(ax, tmp_path / "x", formats=("jpeg",))


def test_errors_name_the_choices(sq_tables):
    breakdown, trend = sq_tables
    with pytest.raises(ReportError, match="several items; pass item= one of trust_police"):
        plot_estimates(breakdown)
    with pytest.raises(ReportError, match="several levels; pass level="):
        plot_estimates(breakdown, item="trust_police", metric="share")
    with pytest.raises(ReportError, match="unknown language 'de'"):
        plot_estimates(breakdown, item="trust_police", lang="de")
    with pytest.raises(ReportError, match="different scales"):
        plot_likert(breakdown, items=["trust_police", "safe_dark"])
    with pytest.raises(ReportError, match="demographic 'municipality' not in the table"):
        plot_heatmap(breakdown, by="municipality")
    with pytest.raises(ReportError, match="lacks column"):
        plot_trend(breakdown, item="trust_police")
    with pytest.raises(ReportError, match="pandas DataFrame"):
        plot_estimates([1, 2, 3])


@pytest.fixture(scope="module")
def integrity():
    """The bundled survey's negatively worded items (agreeing is unfavourable) and trust, by region."""
    from trustsurvey.labels import meaning

    s = ts.datasets.load_example(2025, raw=False)
    table = ts.breakdown(s, items=["trust_kp", "int_bribes", "int_political", "pf_respect"], by=["region"],
                         lang="en")
    return table, meaning(s.questionnaire, "en")


def _marks(ax):
    """{group label: (colour, marker path)} of the estimate chart's markers."""
    ticks = {round(t.get_position()[1], 6): t.get_text() for t in ax.get_yticklabels()}
    out = {}
    for c in ax.collections:
        if isinstance(c, PathCollection):
            for (x, y) in c.get_offsets():
                out[ticks[round(float(y), 6)]] = (mpl.colors.to_hex(c.get_edgecolor()[0]), c.get_paths()[0])
    return out


def test_a_negatively_worded_item_above_the_rest_is_worse(integrity):
    table, m = integrity
    assert m.polarity("int_bribes", "top2") == -1 and m.polarity("trust_kp", "top2") == 1
    rows = table[(table["item"] == "int_bribes") & (table["metric"] == "top2") & (table["by"] == "region")]
    nat = table[(table["item"] == "int_bribes") & (table["metric"] == "top2") & (table["by"] == "national")]
    above = rows[(rows["p_adj"] < 0.05) & (rows["estimate"] > nat["estimate"].iloc[0])]
    assert len(above) > 0  # more agree that officers take bribes there: worse
    marks = _marks(plot_estimates(table, item="int_bribes", by="region", lang="en", meaning=m))
    up = plot_estimates(table, item="trust_kp", by="region", lang="en", meaning=m)
    better_path = next(p for col, p in _marks(up).values() if col == OKABE_ITO["bluish_green"].lower())
    for label in above["group_label"]:
        colour, path = marks[label]
        assert colour == OKABE_ITO["vermillion"].lower()  # the unfavourable colour ...
        assert path != better_path                          # ... and the "worse" mark, though it lies above
    # the heatmap of favourable answers shows the bottom-two share of the item, marked worse there
    ax = plot_heatmap(table, metric="favourable", by="region", lang="en", meaning=m)
    rows_text = [t.get_text() for t in ax.get_yticklabels()]
    assert rows_text[0] == m.item("trust_kp") and rows_text[1].startswith(m.item("int_bribes") + " (")
    cells = {(round(t.get_position()[1]), round(t.get_position()[0])): t.get_text() for t in ax.texts
             if t.get_position()[0] >= 0 and t.get_text()[:1].isdigit()}
    groups = list(dict.fromkeys(rows["group_label"]))
    for label in above["group_label"]:
        assert cells[(1, groups.index(label) + 1)].rstrip("*†").endswith("▼")
    # Likert bars: agreeing with a negative statement is drawn on the unfavourable (left) side
    lk = plot_likert(table, items=["int_bribes", "int_political"], lang="en", meaning=m)
    agree = [c for c in lk.containers if c.get_label() == m.value("int_bribes", 5)]
    assert len(agree) == 1 and all(b.get_x() + b.get_width() <= 1e-9 for b in agree[0])
    plain = plot_likert(table, items=["int_bribes", "int_political"], lang="en")  # without polarity: right
    assert all(b.get_x() >= -1e-9 for c in plain.containers if c.get_label() == m.value("int_bribes", 5)
               for b in c)
    with pytest.raises(ReportError, match="do not agree on which answers are favourable"):
        plot_likert(table, items=["int_bribes", "pf_respect"], lang="en", meaning=m)


def _svg_box(data: bytes) -> tuple[float, ...]:
    root = ET.fromstring(data)
    width, height = (float(root.get(k).removesuffix("pt")) for k in ("width", "height"))
    return (width, height, *map(float, root.get("viewBox").split()))


def _axes_corner(data: bytes) -> tuple[float, float]:
    """Where the axes' background starts, in the SVG's coordinates (its path's first point)."""
    ns = {"s": "http://www.w3.org/2000/svg"}
    path = ET.fromstring(data).find(".//s:g[@id='patch_2']/s:path", ns)
    x, y = path.get("d").split()[1:3]
    return float(x), float(y)


def test_svg_drawn_once_is_cropped_as_a_tight_box():
    """The SVG is drawn once and its viewport set to the content plus padding: the size
    ``savefig(bbox_inches="tight")`` gives, with the content at the same place in it (text past the
    figure's left edge and above its top edge included), on a white ground."""
    import io

    from trustsurvey.fonts import MATPLOTLIB_RC
    from trustsurvey.plotting.save import _PAD_INCHES

    fig = Figure(figsize=(4, 3))
    ax = fig.add_subplot()
    ax.plot([0, 1], [0, 1])
    ax.set_yticks([0, 1], ["a label much longer than the left margin of the figure", "b"])
    fig.text(0.9, 1.08, "above the top", ha="left")
    data = figure_bytes(fig, "svg")
    width, height, x0, y0, vw, vh = _svg_box(data)
    buf = io.BytesIO()
    with mpl.rc_context(MATPLOTLIB_RC):
        fig.savefig(buf, format="svg", bbox_inches="tight", pad_inches=_PAD_INCHES, facecolor="white")
    tight = buf.getvalue()
    assert (width, height) == pytest.approx(_svg_box(tight)[:2], abs=0.05) and (vw, vh) == (width, height)
    assert x0 < 0 and y0 < 0  # the label sticks out on the left, the text above the top
    ours, theirs = _axes_corner(data), _axes_corner(tight)
    assert (ours[0] - x0, ours[1] - y0) == pytest.approx(theirs, abs=0.05)  # the same place in the picture
    ground = ET.fromstring(data).find("{http://www.w3.org/2000/svg}rect")
    assert ground is not None and "#ffffff" in ground.get("style")
    assert [float(ground.get(k)) for k in ("x", "y", "width", "height")] == [x0, y0, vw, vh]
