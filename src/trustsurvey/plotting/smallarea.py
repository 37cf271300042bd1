"""Small-area estimates: a ranked dot plot of model estimates with intervals, direct estimates beside them."""

from __future__ import annotations

from typing import Mapping

import numpy as np
import pandas as pd
from matplotlib.lines import Line2D

from ..errors import ReportError
from ._style import GREY, NEUTRAL_COLOUR, OKABE_ITO, add_caption, format_number, new_axes, numeric, style, text

__all__ = ["plot_small_area"]

_NEEDED = ("estimate", "ci_low", "ci_high", "direct", "flag", "source")
CAUTION_COLOUR = OKABE_ITO["orange"]
DIRECT_COLOUR = "#555555"

def _words(lang: str):
    """The figure's own words in ``lang`` (the interface catalogue)."""
    from ._style import check_lang

    return check_lang(lang)


def _check(frame, area):
    if not isinstance(frame, pd.DataFrame):
        raise ReportError("plot_small_area needs the table of ts.small_area(...).to_frame(), "
                          f"got {type(frame).__name__}")
    missing = [c for c in _NEEDED if c not in frame.columns]
    if missing:
        raise ReportError(f"plot_small_area: the table lacks column(s) {', '.join(missing)}; pass "
                          "ts.small_area(...).to_frame()")
    if area is None:
        area = frame.columns[0]
    if area not in frame.columns:
        raise ReportError(f"plot_small_area: area={area!r} is not a column of the table")
    if len(frame) == 0:
        raise ReportError("plot_small_area: the table has no rows")
    return area


def plot_small_area(frame: pd.DataFrame, *, ax=None, lang: str = "en", area: str | None = None,
                    labels: Mapping | None = None, percent: bool | None = None, reference: float | None = None,
                    reference_label: str | None = None, direct: bool = True, caption: str | None = None,
                    title: str | None = None, figsize: tuple[float, float] | None = None):
    """Ranked dot plot of small-area estimates with their intervals, the direct estimates beside them.

    Areas are sorted by their model estimate (highest on top), suppressed
    areas last in name order (their rank would give their estimate away). Publishable
    estimates are blue dots, those to interpret with care hollow orange
    diamonds, synthetic ones (areas without respondents) squares; suppressed
    areas show no number, only the words "not shown: too uncertain". The
    direct survey estimate of each shown area is a grey cross. Shape and
    colour both carry the meaning (Okabe-Ito palette).

    Parameters
    ----------
    frame : pandas.DataFrame
        ``ts.small_area(...).to_frame()``.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new pyplot-free figure otherwise.
    lang : str
        Language of the figure's own words (one with a catalogue)
        Language of the figure's own words.
    area : str, optional
        The area column (default: the table's first column).
    labels : mapping, optional
        Area code -> name for the y axis (default: the codes).
    percent : bool, optional
        Show shares as percentages (default: when every estimate lies in [0, 1]).
    reference, reference_label : float and str, optional
        A reference line (the national estimate, say) and its label.
    direct : bool
        Show the direct estimates.
    caption, title : str, optional
    figsize : (float, float), optional

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    Invented areas (as ``ts.small_area(...).to_frame()`` gives them):

    >>> import pandas as pd
    >>> t = pd.DataFrame({"district": [11, 12, 13, 14], "estimate": [0.62, 0.71, 0.83, 0.05],
    ...                   "ci_low": [0.55, 0.60, 0.50, 0.01], "ci_high": [0.69, 0.80, 0.97, 0.14],
    ...                   "direct": [0.60, 0.77, 0.9, float("nan")],
    ...                   "flag": ["publish", "caution", "suppress", "suppress"],
    ...                   "source": ["model", "model", "model", "synthetic"]})
    >>> names = {11: "Aldford", 12: "Brinton", 13: "Carwick", 14: "Dunmore"}
    >>> ax = plot_small_area(t, labels=names)
    >>> [tick.get_text() for tick in ax.get_yticklabels()]
    ['Brinton', 'Aldford', 'Carwick', 'Dunmore']
    """
    t = _words(lang)
    area = _check(frame, area)
    est = numeric(frame["estimate"])
    hidden = np.array([fl == "suppress" for fl in text(frame["flag"])]) | ~np.isfinite(est)
    names_all = [str(labels.get(a, a)) if labels is not None else str(a) for a in frame[area].tolist()]
    # shown areas ranked by estimate; suppressed ones after them in name order (their place would tell)
    order = sorted(range(len(frame)), key=lambda i: (hidden[i], -est[i] if not hidden[i] else 0.0,
                                                      names_all[i] if hidden[i] else ""))
    rows = frame.iloc[order].reset_index(drop=True)
    est = numeric(rows["estimate"])
    lo, hi, dir_ = numeric(rows["ci_low"]), numeric(rows["ci_high"]), numeric(rows["direct"])
    flags, sources = text(rows["flag"]), text(rows["source"])
    unknown = sorted(set(flags) - {"publish", "caution", "suppress"})
    if unknown:
        raise ReportError(f"plot_small_area: unknown flag(s) {unknown}; flags are publish, caution, suppress")
    if percent is None:
        values = np.concatenate([est, lo, hi])
        values = values[np.isfinite(values)]
        percent = bool(values.size) and bool(((values >= 0) & (values <= 1)).all())
    f = 100.0 if percent else 1.0
    names = [names_all[i] for i in order]
    y = np.arange(len(rows), dtype=float)
    shown = np.array([fl != "suppress" for fl in flags]) & np.isfinite(est)
    caution = np.array([fl == "caution" for fl in flags])
    synthetic = np.array([src == "synthetic" for src in sources])
    with style():
        ax = new_axes(ax, figsize or (7.5, 1.2 + 0.28 * len(rows)))
        handles = [Line2D([], [], color=NEUTRAL_COLOUR, marker="o", ls="-", label=t("model estimate and interval"))]
        for mask, colour, marker, hollow in (
                (shown & ~caution & ~synthetic, NEUTRAL_COLOUR, "o", False),
                (shown & ~caution & synthetic, NEUTRAL_COLOUR, "s", False),
                (shown & caution & ~synthetic, CAUTION_COLOUR, "D", True),
                (shown & caution & synthetic, CAUTION_COLOUR, "s", True)):
            if not mask.any():
                continue
            ax.hlines(y[mask], lo[mask] * f, hi[mask] * f, color=colour, lw=2.0, zorder=2)
            ax.scatter(est[mask] * f, y[mask], marker=marker, s=40, zorder=3, edgecolors=colour, linewidths=1.4,
                       facecolors="white" if hollow else colour)
        if direct:
            dm = shown & np.isfinite(dir_)
            if dm.any():
                ax.scatter(dir_[dm] * f, y[dm], marker="x", s=28, color=DIRECT_COLOUR, linewidths=1.2, zorder=4)
                handles.append(Line2D([], [], color=DIRECT_COLOUR, marker="x", ls="none",
                                      label=t("direct survey estimate")))
        if (shown & caution).any():
            handles.append(Line2D([], [], color=CAUTION_COLOUR, marker="D", mfc="white", ls="-",
                                  label=t("interpret with care")))
        if (shown & synthetic).any():
            handles.append(Line2D([], [], color=GREY, marker="s", ls="none", label=t("no respondents: model only")))
        if reference is not None and np.isfinite(reference):
            ax.axvline(reference * f, color="black", ls="--", lw=1.0, zorder=1)
            value = format_number(reference * f, 0 if percent else 1, lang) + ("%" if percent else "")
            handles.append(Line2D([], [], color="black", ls="--", lw=1.0,
                                  label=f"{reference_label}: {value}" if reference_label else value))
        if percent:
            ax.set_xlim(0, 100)
        x0, x1 = ax.get_xlim()
        for j in np.nonzero(~shown)[0]:
            ax.text(x0 + 0.01 * (x1 - x0), y[j], t("not shown: too uncertain"), va="center", ha="left", fontsize=8,
                    style="italic", color="#555555")
        ax.set_yticks(y, names)
        ax.set_ylim(len(rows) - 0.4, -0.6)
        ax.tick_params(axis="y", length=0)
        ax.set_xlabel(t("Share of respondents (%)") if percent else t("Mean score"))
        ax.grid(axis="x", color="#EEEEEE", lw=0.8, zorder=0)
        ax.set_axisbelow(True)
        for side in ("top", "right", "left"):
            ax.spines[side].set_visible(False)
        ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=7.5, frameon=False)
        add_caption(ax, caption, title)
    return ax
