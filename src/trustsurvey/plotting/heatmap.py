"""A heatmap of items by groups (regions by default), suppressed cells hatched."""

from __future__ import annotations

import textwrap
from typing import Sequence

import numpy as np
import pandas as pd
from matplotlib.patches import Patch, Rectangle

from ..errors import ReportError
from ..labels import Meaning
from ._style import (LIGHT_GREY, MARK_BETTER, MARK_DIFFERENT, MARK_WORSE, PROPORTION_METRICS, add_caption,
                     below_axes_transform, check_lang, format_number, judgement, new_axes, numeric, polarity_of,
                     require_columns, style, text, text_colour_on)

__all__ = ["plot_heatmap", "favourable_rows"]

_MARKS = {0: "", 1: MARK_BETTER, -1: MARK_WORSE, 2: MARK_DIFFERENT}


def favourable_rows(frame: pd.DataFrame, meaning: Meaning | None) -> pd.DataFrame:
    """Each item's share of favourable answers: its top-two rows, or its bottom-two rows when low is favourable.

    Items whose top-two share has no favourable direction are left out; without a meaning
    layer, the top-two rows.

    Examples
    --------
    >>> from trustsurvey.plotting._examples import example_breakdown
    >>> sorted(set(favourable_rows(example_breakdown(), None)["metric"]))
    ['top2']
    """
    top = frame[(frame["metric"] == "top2") & (frame["level"].astype(str) == "")]
    if meaning is None:
        return top
    bottom = frame[(frame["metric"] == "bottom2") & (frame["level"].astype(str) == "")]
    keep_top = [i for i in dict.fromkeys(top["item"]) if meaning.polarity(i, "top2") > 0]
    keep_bottom = [i for i in dict.fromkeys(bottom["item"]) if meaning.polarity(i, "bottom2") > 0
                   and i not in keep_top]
    order = list(dict.fromkeys(frame["item"]))
    out = pd.concat([top[top["item"].isin(keep_top)], bottom[bottom["item"].isin(keep_bottom)]])
    return out.assign(_o=out["item"].map({i: k for k, i in enumerate(order)})).sort_values(
        "_o", kind="mergesort").drop(columns="_o")

_NEEDED = ("item", "item_label", "metric", "level", "by", "group", "group_label", "estimate", "p_adj", "flag")


def plot_heatmap(frame: pd.DataFrame, *, ax=None, lang: str = "en", metric: str = "top2", by: str,
                 items: Sequence[str] | None = None, national: bool = True, annotate: bool = True,
                 alpha: float = 0.05, cmap: str = "cividis", vmin: float | None = None,
                 vmax: float | None = None, caption: str | None = None, title: str | None = None,
                 figsize: tuple[float, float] | None = None, meaning: Meaning | None = None):
    """Items (rows) by the groups of a demographic (columns), coloured by the estimate.

    With ``metric="favourable"`` each row is the item's share of *favourable* answers: its top-two
    share when agreeing is favourable, its bottom-two share for a negatively worded item
    (``favourable: low``; from the meaning layer), so that a higher value and a brighter colour
    always mean better; items without a favourable direction are left out.

    Cells print the value; ``▲``/``▼`` mark groups significantly better/worse than
    the rest of the population (adjusted p below ``alpha``; the direction that is
    better is the item's polarity from ``meaning``: a negatively worded item
    significantly above the rest is worse), ``◆`` a significant difference without
    a favourable direction, ``*`` a low base and
    ``†`` an unreliable estimate (large coefficient of variation). Suppressed cells
    (too few respondents) are grey and hatched, with no value. The colour map
    is ``cividis``, readable with every common colour-vision deficiency.

    Parameters
    ----------
    frame : pandas.DataFrame
        A ``ts.breakdown`` table.
    ax : matplotlib.axes.Axes, optional
    lang : {"en", "sq", "sr"}
    metric : str
        One metric without levels (``top2`` default, ``bottom2``, ``mean``, ``dont_know``), or
        ``"favourable"`` (see above).
    by : str
        The demographic of the columns.
    items : list of str, optional
        The rows, in this order (default: every item with the metric).
    national : bool
        Add the national value as the first column.
    annotate : bool
    alpha : float
    cmap : str
    vmin, vmax : float, optional
        Colour limits (in percent for proportions).
    caption, title : str, optional
    figsize : (float, float), optional
    meaning : Meaning, optional
        The survey's meaning layer: each item's polarity (without it, higher is taken to be better).

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> from trustsurvey.plotting._examples import example_breakdown
    >>> ax = plot_heatmap(example_breakdown(), metric="favourable", by="district")
    >>> len(ax.get_xticklabels()), len(ax.get_yticklabels())
    (9, 5)
    """
    t = check_lang(lang)
    require_columns(frame, _NEEDED, "plot_heatmap")
    if metric == "favourable":
        rows = favourable_rows(frame, meaning)
        if rows.empty:
            raise ReportError("plot_heatmap: no item has a top-two or bottom-two share with a favourable direction")
    else:
        rows = frame[frame["metric"] == metric]
    if rows.empty:
        raise ReportError(f"plot_heatmap: no rows with metric {metric!r}; available: "
                          f"{', '.join(dict.fromkeys(frame['metric']))}")
    if rows["level"].astype(str).ne("").any():
        raise ReportError(f"plot_heatmap: metric {metric!r} has levels; choose a metric with one value per "
                          "item (top2, bottom2, mean, dont_know)")
    if by not in set(rows["by"]):
        raise ReportError(f"plot_heatmap: demographic {by!r} not in the table; available: "
                          f"{', '.join(dict.fromkeys(rows['by']))}")
    if items is None:
        items = list(dict.fromkeys(rows["item"]))
    else:
        items = [items] if isinstance(items, str) else list(items)
        unknown = [i for i in items if i not in set(rows["item"])]
        if unknown:
            raise ReportError(f"plot_heatmap: no {metric!r} rows for item(s) {', '.join(unknown)}")
    rows = rows[rows["item"].isin(items)]
    cols = [("national", "all")] if national and (rows["by"] == "national").any() else []
    grp = rows[rows["by"] == by]
    cols += list(dict.fromkeys(zip(grp["by"], grp["group"].astype(str))))
    col_labels = []
    lab = rows.assign(_g=rows["group"].astype(str)).groupby(["by", "_g"], sort=False)["group_label"].first()
    for key in cols:
        col_labels.append("\n".join(textwrap.wrap(str(lab[key]), 12, break_long_words=False)) or " ")
    row_labels = []
    for i in items:
        first = rows.loc[rows["item"] == i].iloc[0]
        label = str(first["item_label"])
        if metric == "favourable" and first["metric"] != "top2" and meaning is not None:
            label += f" ({meaning.metric(str(first['metric']))})"  # the favourable share is the bottom two
        row_labels.append(label)

    key = pd.MultiIndex.from_arrays([rows["item"], rows["by"], rows["group"].astype(str)])
    full = pd.MultiIndex.from_tuples([(i, b, g) for i in items for b, g in cols])

    def grid(column):
        ser = pd.Series(column, index=key)
        return ser[~ser.index.duplicated()].reindex(full).to_numpy().reshape(len(items), len(cols))

    f = 100.0 if metric in PROPORTION_METRICS or metric == "favourable" else 1.0
    est = grid(numeric(rows["estimate"])).astype(float) * f
    padj = grid(numeric(rows["p_adj"])).astype(float)
    flags = grid(np.array(text(rows["flag"]), dtype=object))
    pol = np.array([1 if metric == "favourable" else polarity_of(meaning, i, metric) for i in items])[:, None]
    nat_col = bool(cols) and cols[0][0] == "national"
    nat = est[:, [0]] if nat_col else np.full((len(items), 1), np.nan)
    suppressed = (flags == "suppressed") | ~np.isfinite(est)

    with style():
        ax = new_axes(ax, figsize or (1.6 + 0.85 * len(cols) + 0.06 * max(map(len, row_labels)),
                                      1.8 + 0.45 * len(items)))
        masked = np.ma.masked_invalid(np.where(suppressed, np.nan, est))
        values = masked.compressed()
        lo_v, hi_v = (float(values.min()), float(values.max())) if values.size else (0.0, 100.0)
        step = 10.0 if f == 100 else (10.0 if hi_v - lo_v > 20 else 1.0)
        lo = vmin if vmin is not None else np.floor(lo_v / step) * step
        hi = vmax if vmax is not None else max(np.ceil(hi_v / step) * step, lo + step)
        im = ax.imshow(masked, cmap=cmap, vmin=lo, vmax=hi, aspect="auto", interpolation="nearest")
        colormap = im.get_cmap()
        for r, c in zip(*np.nonzero(suppressed)):
            ax.add_patch(Rectangle((c - 0.5, r - 0.5), 1, 1, facecolor=LIGHT_GREY, edgecolor="#888888",
                                   hatch="///", lw=0))
        if annotate:
            for r in range(len(items)):
                for c in range(len(cols)):
                    if suppressed[r, c]:
                        continue
                    v = est[r, c]
                    label = format_number(v, 0 if f == 100 or abs(v) >= 10 else 1, lang)
                    label += _MARKS[int(judgement(v, nat[r, 0], padj[r, c], pol[r, 0], alpha))]
                    label += {"low_base": "*", "unreliable": "†"}.get(flags[r, c], "")
                    colour = text_colour_on(colormap(im.norm(v)))
                    ax.text(c, r, label, ha="center", va="center", fontsize=8, color=colour)
        if cols and cols[0][0] == "national" and len(cols) > 1:
            ax.axvline(0.5, color="white", lw=3)
        ax.set_xticks(range(len(cols)), col_labels, fontsize=8)
        ax.set_yticks(range(len(items)), row_labels)
        ax.tick_params(length=0)
        for side in ax.spines.values():
            side.set_visible(False)
        cbar = ax.figure.colorbar(im, ax=ax, fraction=0.04, pad=0.02)
        cbar.ax.tick_params(labelsize=7)
        cbar.outline.set_visible(False)
        handles = [Patch(facecolor=LIGHT_GREY, edgecolor="#888888", hatch="///", label=t("not shown: too few respondents"))]
        if (flags == "low_base").any():
            handles.append(Patch(facecolor="white", edgecolor="white", label="* " + t("low base: interpret with care")))
        if (flags == "unreliable").any():
            handles.append(Patch(facecolor="white", edgecolor="white", label="† " + t("unreliable: large sampling error")))
        handles.append(Patch(facecolor="white", edgecolor="white",
                             label=f"{MARK_BETTER} {t('significantly better than the rest')}   "
                                   f"{MARK_WORSE} {t('significantly worse than the rest')}"))
        if (pol == 0).any():
            handles.append(Patch(facecolor="white", edgecolor="white",
                                 label=f"{MARK_DIFFERENT} {t('significantly different from the rest')}"))
        legend = ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(0.0, 0.0), ncol=1, fontsize=7.5,
                  frameon=False,
                  bbox_transform=below_axes_transform(ax, 14 + 10 * max(c.count("\n") + 1 for c in col_labels)))
        add_caption(ax, caption, title, below=legend)
    return ax

