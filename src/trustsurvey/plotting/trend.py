"""Trend lines with interval bands across survey waves."""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from ..errors import ReportError
from ..labels import Meaning
from ._style import (CYCLE, DASHES, add_caption, axis_label, check_lang, default_title, format_number, new_axes, numeric,
                     require_columns, scale_factor, select, style, text, value_text)

__all__ = ["plot_trend"]

_NEEDED = ("item", "item_label", "metric", "level", "by", "group", "group_label", "wave", "estimate",
           "ci_low", "ci_high", "flag")


def plot_trend(frame: pd.DataFrame, *, ax=None, lang: str = "en", item: str | None = None,
               metric: str | None = None, level: str | None = None, by: str = "national",
               groups: Sequence[str] | None = None, national: bool = True, alpha: float = 0.05,
               caption: str | None = None, title: str | None = None,
               figsize: tuple[float, float] | None = None, meaning: Meaning | None = None):
    """Lines of one estimate across waves, one per group, with confidence bands.

    A filled marker on a wave says the change since the previous wave is
    significant (``change_p_adj`` below ``alpha``, or ``change_p`` when there
    is no adjusted value); hollow markers, not significant. Suppressed
    estimates leave a gap. The last value of each line is printed with its
    change in points.

    Parameters
    ----------
    frame : pandas.DataFrame
        A ``ts.trend`` table.
    ax : matplotlib.axes.Axes, optional
    lang : {"en", "sq", "sr"}
    item, metric, level : str, optional
        Which estimate (needed when the table holds several).
    by : str
        ``"national"`` (one line) or a demographic (a line per group).
    groups : list of str, optional
        Group codes to keep.
    national : bool
        With a demographic, also draw the national line (black, dashed).
    alpha : float
    caption, title : str, optional
    figsize : (float, float), optional

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> from trustsurvey.plotting._examples import example_trend
    >>> ax = plot_trend(example_trend(), item="trust_police", by="gender")
    >>> [t.get_text() for t in ax.get_xticklabels()]
    ['2023', '2024', '2025']
    """
    t = check_lang(lang)
    require_columns(frame, _NEEDED, "plot_trend")
    rows = select(frame, "plot_trend", item=item, metric=metric, level=level)
    metric = str(rows["metric"].iloc[0])
    item_id = str(rows["item"].iloc[0])
    if by not in set(rows["by"]):
        raise ReportError(f"plot_trend: demographic {by!r} not in the table; available: "
                          f"{', '.join(dict.fromkeys(rows['by']))}")
    keep = rows["by"] == by
    if groups is not None and by != "national":
        keep &= rows["group"].astype(str).isin({str(g) for g in groups})
    if national and by != "national":
        keep |= rows["by"] == "national"
    rows = rows[keep]
    waves = sorted(pd.unique(numeric(rows["wave"])))
    f = scale_factor(metric)
    p_col = "change_p_adj" if "change_p_adj" in rows.columns else ("change_p" if "change_p" in rows.columns
                                                                   else None)
    with style():
        ax = new_axes(ax, figsize or (7.5, 4.2))
        lines = list(dict.fromkeys(zip(rows["by"], rows["group"].astype(str))))
        lines.sort(key=lambda k: k[0] == "national")  # national drawn last, on top
        handles = []
        ends: list[tuple[float, float, str, str]] = []  # x, y, text, colour of each line's last value
        colour_i = 0
        band_alpha = 0.12 if len(lines) <= 3 else 0.05
        for b, g in lines:
            sub = rows[(rows["by"] == b) & (rows["group"].astype(str) == g)].sort_values("wave")
            x = numeric(sub["wave"])
            est = numeric(sub["estimate"]) * f
            lo = numeric(sub["ci_low"]) * f
            hi = numeric(sub["ci_high"]) * f
            est[np.array([fl == "suppressed" for fl in text(sub["flag"])], dtype=bool)] = np.nan
            is_nat = b == "national"
            if is_nat and len(lines) > 1:
                colour, ls, lw = "black", "--", 1.8
            else:
                colour, ls, lw = CYCLE[colour_i % len(CYCLE)], DASHES[(colour_i // len(CYCLE)) % len(DASHES)], 1.8
                colour_i += 1
            ax.fill_between(x, lo, hi, color=colour, alpha=band_alpha, lw=0)
            ax.plot(x, est, color=colour, ls=ls, lw=lw, zorder=3)
            pv = numeric(sub[p_col]) if p_col else np.full(len(sub), np.nan)
            sig = np.isfinite(pv) & (pv < alpha)
            ax.scatter(x[~sig], est[~sig], s=30, facecolors="white", edgecolors=colour, zorder=4, linewidths=1.4)
            ax.scatter(x[sig], est[sig], s=30, color=colour, zorder=4)
            label = str(sub["group_label"].iloc[0])
            handles.append(Line2D([], [], color=colour, ls=ls, lw=lw, marker="o", label=label))
            finite = np.flatnonzero(np.isfinite(est))
            if finite.size:
                j = finite[-1]
                note = value_text(est[j] / f, metric, lang)
                if "change" in sub.columns:
                    ch = numeric(sub["change"])[j] * f
                    if np.isfinite(ch):
                        sign = "+" if ch > 0 else ""
                        note += f" ({sign}{format_number(ch, 1, lang)} {t('pts') if f == 100 else ''})".replace(
                            " )", ")")
                ends.append((x[j], est[j], note, colour))
        ax.set_xticks(waves, [str(int(w)) for w in waves])
        if len(waves) > 1:
            pad = 0.35 * (waves[-1] - waves[0]) / max(len(waves) - 1, 1)
            ax.set_xlim(waves[0] - 0.15 * pad, waves[-1] + pad)
        if f == 100.0:
            lo_all, hi_all = numeric(rows["ci_low"]) * f, numeric(rows["ci_high"]) * f
            lo_v = np.nanmin(lo_all) if np.isfinite(lo_all).any() else 0.0
            hi_v = np.nanmax(hi_all) if np.isfinite(hi_all).any() else 100.0
            ax.set_ylim(max(0.0, lo_v - 10), min(100.0, hi_v + 10))
        _label_ends(ax, ends)
        ax.set_xlabel(t("Year"))
        ax.set_ylabel(axis_label(item_id, metric, lang, meaning))
        ax.grid(axis="y", color="#EEEEEE", lw=0.8)
        ax.set_axisbelow(True)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        handles.append(Line2D([], [], color="#555555", marker="o", ls="", label=t("significant change since the previous year")))
        handles.append(Patch(color="#555555", alpha=0.12, label=t("confidence interval")))
        ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=7.5, frameon=False)
        add_caption(ax, caption, title if title is not None else default_title(rows))
    return ax


#: Text in the light Okabe-Ito yellow is hard to read on white: a darker shade of it.
_TEXT_COLOUR = {"#F0E442": "#9A8F00"}


def _label_ends(ax, ends: list[tuple[float, float, str, str]]) -> None:
    """Print each line's last value beside it, nudged apart so that no two labels overlap."""
    if not ends:
        return
    y0, y1 = ax.get_ylim()
    gap = (y1 - y0) * 0.045
    ends = sorted(ends, key=lambda e: e[1])
    pos = [e[1] for e in ends]
    for i in range(1, len(pos)):
        pos[i] = max(pos[i], pos[i - 1] + gap)
    if pos[-1] > y1:  # pushed past the top: slide the stack down
        pos[-1] = y1
        for i in range(len(pos) - 2, -1, -1):
            pos[i] = min(pos[i], pos[i + 1] - gap)
    for (x, y, note, colour), p in zip(ends, pos):
        moved = abs(p - y) > gap / 3
        ax.annotate(note, (x, y), xytext=(10, p), textcoords=("offset points", "data"), va="center",
                    fontsize=7.5, color=_TEXT_COLOUR.get(colour, colour), annotation_clip=False,
                    arrowprops=dict(arrowstyle="-", color=colour, lw=0.6, shrinkA=0, shrinkB=3) if moved else None)
