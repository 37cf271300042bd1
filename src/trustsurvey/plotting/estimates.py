"""Estimates with confidence intervals by group, against the national reference line."""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from ..labels import Meaning
from ._style import (BETTER, DIFFERENT, GREY, LIGHT_GREY, NEUTRAL_COLOUR, WORSE, add_caption, axis_label,
                     by_label, check_lang, default_title, judgement, new_axes, numeric, polarity_of, require_columns,
                     scale_factor, select, style, text, value_text)

__all__ = ["plot_estimates"]

_NEEDED = ("item", "item_label", "metric", "level", "by", "group", "group_label", "estimate",
           "ci_low", "ci_high", "n_unweighted", "p_adj", "flag")


def plot_estimates(frame: pd.DataFrame, *, ax=None, lang: str = "en", item: str | None = None,
                   metric: str | None = None, level: str | None = None, by: str | Sequence[str] | None = None,
                   alpha: float = 0.05, caption: str | None = None, title: str | None = None,
                   values: bool = True, figsize: tuple[float, float] | None = None,
                   meaning: Meaning | None = None):
    """Dot-and-interval chart of one item's estimate in every group, with the national line.

    Groups significantly better than the rest of the population (adjusted p below
    ``alpha``) are green triangles pointing up, those significantly worse are
    vermillion triangles pointing down, the others blue dots (shape and colour both
    carry the meaning). Better and worse follow the item's polarity from the
    meaning layer: for a negatively worded item (agreeing that officers take
    bribes), a group significantly *above* the rest is worse. An estimate without
    a favourable direction (the share of one answer) that differs significantly is
    a purple diamond. Low-base and unreliable estimates are hollow; suppressed
    groups show no estimate, only the words "not shown: too few respondents".

    Parameters
    ----------
    frame : pandas.DataFrame
        A ``ts.breakdown`` table (its labels are already in a language).
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new pyplot-free figure otherwise.
    lang : str
        Language of the figure's own words (axis, legend, notes): one with a catalogue.
    item, metric, level : str, optional
        Which estimate; needed when the table holds several. The metric defaults
        to ``top2`` (else ``mean``, ...).
    by : str or list of str, optional
        Demographics to show (all in the table by default), one block each.
    alpha : float
        Significance level for the adjusted p-values.
    caption, title : str, optional
        Caption under the chart (source, base, year: see :func:`caption_text`) and title.
    values : bool
        Print each estimate beside its interval.
    figsize : (float, float), optional
    meaning : Meaning, optional
        The survey's meaning layer: names of the demographics, the item's score range and its
        polarity (without it: their ids, "mean score", and higher taken to be better).

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> from trustsurvey.plotting._examples import example_breakdown
    >>> ax = plot_estimates(example_breakdown(), item="trust_police", by="district")
    >>> [t.get_text() for t in ax.get_yticklabels()][:2]
    ['District A', 'District B']
    """
    t = check_lang(lang)
    require_columns(frame, _NEEDED, "plot_estimates")
    rows = select(frame, "plot_estimates", item=item, metric=metric, level=level)
    metric = str(rows["metric"].iloc[0])
    item_id = str(rows["item"].iloc[0])
    national = rows[rows["by"] == "national"]
    groups = rows[rows["by"] != "national"]
    if by is not None:
        wanted = [by] if isinstance(by, str) else list(by)
        groups = groups[groups["by"].isin(wanted)]
    blocks = list(dict.fromkeys(groups["by"].astype(str)))
    multi = len(blocks) > 1

    # one y slot per group, a heading slot per block when there are several
    labels, ys, kinds, y = [], [], [], 0.0
    order = []
    for b in blocks:
        g = groups[groups["by"].astype(str) == b]
        if multi:
            labels.append(by_label(b, meaning))
            ys.append(y)
            kinds.append("heading")
            y += 1
        for idx in g.index:
            labels.append(str(g.at[idx, "group_label"]))
            ys.append(y)
            kinds.append("group")
            order.append((idx, y))
            y += 1
        y += 0.4
    n_slots = max(len(ys), 1)
    with style():
        ax = new_axes(ax, figsize or (7.5, 1.2 + 0.32 * n_slots))
        f = scale_factor(metric)
        sel = groups.loc[[i for i, _ in order]]
        est = numeric(sel["estimate"]) * f
        lo = numeric(sel["ci_low"]) * f
        hi = numeric(sel["ci_high"]) * f
        padj = numeric(sel["p_adj"])
        flags = text(sel["flag"])
        ypos = np.array([yy for _, yy in order], dtype=float)
        nat_est = numeric(national["estimate"])[0] * f if len(national) else np.nan
        nat_lo = numeric(national["ci_low"])[0] * f if len(national) else np.nan
        nat_hi = numeric(national["ci_high"])[0] * f if len(national) else np.nan
        handles = []
        if np.isfinite(nat_est):
            if np.isfinite(nat_lo) and np.isfinite(nat_hi):
                ax.axvspan(nat_lo, nat_hi, color=LIGHT_GREY, alpha=0.6, lw=0, zorder=0)
            ax.axvline(nat_est, color="black", ls="--", lw=1.0, zorder=1)
            nat_label = f"{national['group_label'].iloc[0]}: {value_text(nat_est / f, metric, lang)}"
            handles.append(Line2D([], [], color="black", ls="--", lw=1.0, label=nat_label))
        polarity = polarity_of(meaning, item_id, metric)
        judged = judgement(est, nat_est, padj, polarity, alpha)
        for mask, colour, marker in ((judged == 1, BETTER, "^"), (judged == -1, WORSE, "v"),
                                     (judged == 2, DIFFERENT, "D"), (judged == 0, NEUTRAL_COLOUR, "o")):
            for hollow in (False, True):
                weak = np.array([fl in ("low_base", "unreliable") for fl in flags], dtype=bool)
                m = mask & (weak == hollow) & np.isfinite(est)
                if not m.any():
                    continue
                ax.hlines(ypos[m], lo[m], hi[m], color=colour, lw=2.2, zorder=2)
                ax.scatter(est[m], ypos[m], marker=marker, s=48, zorder=3, edgecolors=colour, linewidths=1.4,
                           facecolors="white" if hollow else colour)
        lims = [v for v in (np.nanmin(lo) if np.isfinite(lo).any() else np.nan,
                            np.nanmax(hi) if np.isfinite(hi).any() else np.nan, nat_lo, nat_hi)
                if np.isfinite(v)]
        if f == 100.0:
            ax.set_xlim(0, 100)
        elif lims:
            span = max(lims) - min(lims) or 1.0
            ax.set_xlim(min(lims) - 0.1 * span, max(lims) + 0.25 * span)
        x0, x1 = ax.get_xlim()
        for j, fl in enumerate(flags):
            if fl == "suppressed" or not np.isfinite(est[j]):
                ax.text(x0 + 0.01 * (x1 - x0), ypos[j], t("not shown: too few respondents"), va="center", ha="left",
                        fontsize=8, style="italic", color="#555555")
            elif values:
                ax.text(hi[j] + 0.01 * (x1 - x0), ypos[j], value_text(est[j] / f, metric, lang),
                        va="center", ha="left", fontsize=8,
                        bbox=dict(facecolor="white", edgecolor="none", alpha=0.8, pad=0.6))
        ax.set_yticks(ys, labels)
        for tick, kind in zip(ax.get_yticklabels(), kinds):
            if kind == "heading":
                tick.set_fontweight("bold")
        ax.set_ylim(max(ys, default=0) + 0.7, -0.7)
        ax.tick_params(axis="y", length=0)
        ax.set_xlabel(axis_label(item_id, metric, lang, meaning))
        ax.grid(axis="x", color="#EEEEEE", lw=0.8, zorder=0)
        ax.set_axisbelow(True)
        for side in ("top", "right", "left"):
            ax.spines[side].set_visible(False)
        if polarity != 0:
            handles += [Line2D([], [], color=BETTER, marker="^", ls="-", label=t("significantly better than the rest")),
                        Line2D([], [], color=WORSE, marker="v", ls="-", label=t("significantly worse than the rest"))]
        else:
            handles.append(Line2D([], [], color=DIFFERENT, marker="D", ls="-",
                                  label=t("significantly different from the rest")))
        handles.append(Line2D([], [], color=NEUTRAL_COLOUR, marker="o", ls="-", label=t("no significant difference")))
        if any(fl in ("low_base", "unreliable") for fl in flags):
            handles.append(Line2D([], [], color=GREY, marker="o", mfc="white", ls="-", label=t("low base or large sampling error: interpret with care")))
        if np.isfinite(nat_lo):
            handles.append(Patch(color=LIGHT_GREY, label=f"{national['group_label'].iloc[0]}: {t('confidence interval')}"))
        ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=7.5, frameon=False)
        add_caption(ax, caption, title if title is not None else default_title(rows))
    return ax
