"""Diverging stacked bars of Likert items: neutral centred, "don't know" apart."""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter

from ..errors import ReportError
from ..labels import Meaning
from ._style import (GREY, add_caption, below_axes_transform, check_lang, format_number, new_axes, numeric,
                     require_columns, style, text, text_colour_on)

__all__ = ["plot_likert"]

_NEEDED = ("item", "item_label", "metric", "level", "level_label", "by", "group", "group_label",
           "estimate", "flag")
# Unfavourable side from the extreme inwards, favourable side from the extreme inwards (Okabe-Ito based).
_NEGATIVE = ("#D55E00", "#E69F00", "#F3CE85", "#F8E3BA")
_POSITIVE = ("#0072B2", "#56B4E9", "#A9D8F3", "#D3ECF9")
_NEUTRAL = "#C8C8C8"


def _colours(n_neg: int, n_pos: int, neutral: bool) -> list[str]:
    if n_neg > len(_NEGATIVE) or n_pos > len(_POSITIVE):
        raise ReportError(f"plot_likert draws scales of up to {2 * len(_NEGATIVE) + 1} points; "
                          f"this one has {n_neg + n_pos + neutral}")
    neg = list(_NEGATIVE[:n_neg])            # extreme first
    pos = list(_POSITIVE[:n_pos])[::-1]      # inner first, extreme last
    return neg + ([_NEUTRAL] if neutral else []) + pos


def _rgba(hex_colour: str):
    h = hex_colour.lstrip("#")
    return tuple(int(h[i:i + 2], 16) / 255 for i in (0, 2, 4))


def plot_likert(frame: pd.DataFrame, *, ax=None, lang: str = "en", items: str | Sequence[str] | None = None,
                by: str = "national", groups: Sequence[str] | None = None, neutral: str | None = "auto",
                dont_know: bool = True, caption: str | None = None, title: str | None = None,
                figsize: tuple[float, float] | None = None, meaning: Meaning | None = None):
    """Diverging stacked bars of the answer shares of Likert items.

    Unfavourable answers extend left of zero (in vermillion and orange) and favourable ones right
    (in blues); which end of the scale is favourable is the items' polarity from ``meaning``
    (for a negatively worded item, agreeing is unfavourable and drawn on the left), the
    neutral answer (the middle code of an odd scale) is split across zero, and
    the "don't know" share (metric ``dont_know``, a share of those asked) is
    drawn apart in a narrow panel on the right, never mixed into the scale.

    Parameters
    ----------
    frame : pandas.DataFrame
        A ``ts.breakdown`` table with ``share`` rows (one per scale code).
    ax : matplotlib.axes.Axes, optional
    lang : {"en", "sq", "sr"}
    items : str or list of str, optional
        Items to draw, one bar each (they must share a scale). With one item and
        ``by`` a demographic, the bars are the groups of ``by`` (national first).
    by : str
        ``"national"`` (default) or a demographic.
    groups : list of str, optional
        Group codes to keep.
    neutral : "auto", str or None
        The neutral code: ``"auto"`` takes the middle code of an odd scale;
        ``None`` means no neutral answer.
    dont_know : bool
        Draw the "don't know" panel when the table has ``dont_know`` rows.
    caption, title : str, optional
    figsize : (float, float), optional
    meaning : Meaning, optional
        The survey's meaning layer: which end of the scale is favourable (without it, the high codes).
        Items drawn together must agree.

    Returns
    -------
    matplotlib.axes.Axes
        The main panel (the "don't know" panel is an inset of it).

    Examples
    --------
    >>> from trustsurvey.plotting._examples import example_breakdown
    >>> t = example_breakdown()
    >>> ax = plot_likert(t, items=["respect", "equal_treatment"])
    >>> [x.get_text() for x in ax.get_yticklabels()]
    ['Police treat people with respect', 'Police treat all groups equally']
    """
    t = check_lang(lang)
    require_columns(frame, _NEEDED, "plot_likert")
    shares = frame[frame["metric"] == "share"]
    if shares.empty:
        raise ReportError("plot_likert needs 'share' rows (one per scale code); run ts.breakdown with "
                          "metrics including 'share'")
    if items is not None:
        wanted = [items] if isinstance(items, str) else list(items)
        unknown = [i for i in wanted if i not in set(shares["item"])]
        if unknown:
            raise ReportError(f"plot_likert: no 'share' rows for item(s) {', '.join(unknown)}; available: "
                              f"{', '.join(dict.fromkeys(shares['item']))}")
    else:
        wanted = list(dict.fromkeys(shares["item"]))
    if len(wanted) > 1 and by != "national":
        raise ReportError("plot_likert: draw several items for one group (by='national'), or one item "
                          f"across the groups of {by!r}; pass items= a single item")
    rows = shares[shares["item"].isin(wanted)]
    if by == "national":
        rows = rows[rows["by"] == "national"]
        bar_keys = [(i, "national", "all") for i in wanted]
    else:
        if by not in set(rows["by"]):
            raise ReportError(f"plot_likert: demographic {by!r} not in the table; available: "
                              f"{', '.join(dict.fromkeys(rows['by']))}")
        rows = rows[rows["by"].isin(["national", by])]
        if groups is not None:
            keep = {str(g) for g in groups}
            rows = rows[(rows["by"] == "national") | rows["group"].astype(str).isin(keep)]
        bar_keys = list(dict.fromkeys(zip(rows["item"], rows["by"], rows["group"].astype(str))))
        bar_keys.sort(key=lambda k: k[1] != "national")
    if rows.empty:
        raise ReportError("plot_likert: no rows left to draw after choosing items, by and groups")

    # the scale: codes and labels must agree across the bars
    scale = {}
    for item, sub in rows.groupby("item", sort=False):
        pairs = tuple(dict.fromkeys(zip(sub["level"].astype(str), text(sub["level_label"]))))
        scale[item] = tuple(sorted(pairs, key=lambda p: (float(p[0]) if _isnum(p[0]) else np.inf, p[0])))
    first = scale[wanted[0]]
    for item, sc in scale.items():
        if sc != first:
            raise ReportError(f"plot_likert: items {wanted[0]!r} and {item!r} have different scales; "
                              "draw them in separate figures")
    favourable = {i: (meaning.favourable(i) if meaning is not None else "high") for i in wanted}
    if len(set(favourable.values())) > 1:
        raise ReportError(f"plot_likert: items {', '.join(wanted)} do not agree on which answers are favourable "
                          "(a negatively worded item among them); draw them in separate figures")
    if favourable[wanted[0]] == "low":  # agreeing is unfavourable: the high codes go to the left
        first = tuple(reversed(first))
    codes = [c for c, _ in first]
    level_labels = [lab or c for c, lab in first]
    k = len(codes)
    if neutral == "auto":
        neutral_code = codes[k // 2] if k % 2 == 1 and k >= 3 else None
    else:
        neutral_code = None if neutral is None else str(neutral)
        if neutral_code is not None and neutral_code not in codes:
            raise ReportError(f"plot_likert: neutral code {neutral!r} is not a code of the scale "
                              f"({', '.join(codes)})")
    ni = codes.index(neutral_code) if neutral_code is not None else None
    n_neg = ni if ni is not None else k // 2
    n_pos = k - n_neg - (1 if ni is not None else 0)
    colours = _colours(n_neg, n_pos, ni is not None)

    # shares matrix: bars x codes (vectorised through a keyed reindex)
    key = pd.MultiIndex.from_arrays([rows["item"], rows["by"], rows["group"].astype(str), rows["level"].astype(str)])
    est = pd.Series(numeric(rows["estimate"]), index=key)
    est = est[~est.index.duplicated()]
    full = pd.MultiIndex.from_tuples([(i, b, g, c) for i, b, g in bar_keys for c in codes])
    mat = 100 * est.reindex(full).to_numpy(float).reshape(len(bar_keys), k)
    flag_of = rows.assign(_g=rows["group"].astype(str)).groupby(["item", "by", "_g"], sort=False)["flag"].first()
    suppressed = np.array([flag_of.get(b, "") == "suppressed" or np.isnan(mat[j]).all()
                           for j, b in enumerate(bar_keys)])
    if by == "national":
        bar_labels = [str(rows.loc[rows["item"] == i, "item_label"].iloc[0]) for i, _, _ in bar_keys]
    else:
        lab = rows.assign(_g=rows["group"].astype(str)).groupby(["by", "_g"], sort=False)["group_label"].first()
        bar_labels = [str(lab[(b, g)]) for _, b, g in bar_keys]

    dk = None
    if dont_know:
        dk_rows = frame[(frame["metric"] == "dont_know") & frame["item"].isin(wanted)]
        if not dk_rows.empty:
            dk_key = pd.MultiIndex.from_arrays([dk_rows["item"], dk_rows["by"], dk_rows["group"].astype(str)])
            dk_ser = pd.Series(numeric(dk_rows["estimate"]), index=dk_key)
            dk_ser = dk_ser[~dk_ser.index.duplicated()]
            dk = 100 * dk_ser.reindex(pd.MultiIndex.from_tuples(bar_keys)).to_numpy(float)

    nb = len(bar_keys)
    with style():
        ax = new_axes(ax, figsize or (8.5, 1.6 + 0.45 * nb))
        y = np.arange(nb, dtype=float)
        filled = np.nan_to_num(mat)
        left = -(filled[:, :n_neg].sum(axis=1) + (filled[:, ni] / 2 if ni is not None else 0.0))
        start = left.copy()
        for j in range(k):
            width = filled[:, j]
            ax.barh(y, width, left=start, height=0.62, color=colours[j], edgecolor="white", linewidth=0.6,
                    label=level_labels[j])
            for b in range(nb):
                if width[b] >= 6 and not suppressed[b]:
                    ax.text(start[b] + width[b] / 2, y[b], format_number(width[b], 0, lang), ha="center",
                            va="center", fontsize=7.5, color=text_colour_on(_rgba(colours[j])))
            start = start + width
        for b in np.flatnonzero(suppressed):
            ax.text(0, y[b], t("not shown: too few respondents"), ha="center", va="center", fontsize=8, style="italic",
                    color="#555555")
        lim = max(50.0, float(np.ceil(max(-left.min(initial=0), (left + filled.sum(axis=1)).max(initial=0)) / 10)
                              * 10))
        ax.set_xlim(-lim, lim)
        ax.axvline(0, color="#333333", lw=0.8)
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: format_number(abs(v), 0, lang)))
        ax.set_xlabel(t("Share of respondents (%)"))
        ax.set_yticks(y, bar_labels)
        if by != "national" and bar_keys and bar_keys[0][1] == "national":
            ax.get_yticklabels()[0].set_fontweight("bold")
            if nb > 1:
                ax.axhline(0.5, color="#999999", lw=0.6)
        ax.set_ylim(nb - 0.5, -0.5)
        ax.tick_params(axis="y", length=0)
        for side in ("top", "right", "left"):
            ax.spines[side].set_visible(False)
        handles = [Patch(facecolor=colours[j], label=level_labels[j]) for j in range(k)]
        if dk is not None:
            inset = ax.inset_axes([1.06, 0.0, 0.13, 1.0], sharey=ax)
            inset.barh(y, np.nan_to_num(dk), height=0.62, color=GREY, hatch="//", edgecolor="white", lw=0)
            top = np.nanmax(dk) if np.isfinite(dk).any() else 10.0
            inset.set_xlim(0, max(10.0, top * 1.6))
            for b in range(nb):
                if np.isfinite(dk[b]) and not suppressed[b]:
                    inset.text(dk[b] + 0.5, y[b], format_number(dk[b], 0, lang), va="center", fontsize=7.5)
            inset.set_title(t("Don't know"), fontsize=8)
            inset.tick_params(axis="y", left=False, labelleft=False)
            inset.tick_params(axis="x", labelsize=7)
            for side in ("top", "right", "left"):
                inset.spines[side].set_visible(False)
            handles.append(Patch(facecolor=GREY, hatch="//", edgecolor="white", label=t("Don't know")))
        legend = ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, 0.0),
                  bbox_transform=below_axes_transform(ax, 34), ncol=_legend_columns(handles, figsize_in=ax.figure
                                                                                     .get_figwidth()),
                  fontsize=7.5, frameon=False)
        add_caption(ax, caption, title, below=legend)
    return ax


def _legend_columns(handles, figsize_in: float) -> int:
    """As many legend columns as fit the figure's width (7.5 pt text: about 4.4 pt per character)."""
    widths = [len(h.get_label()) * 4.4 + 30 for h in handles]  # points: text plus the swatch
    room = figsize_in * 72 * 0.95
    for ncol in range(len(handles), 0, -1):
        nrows = -(-len(widths) // ncol)  # matplotlib fills legend columns top to bottom
        columns = [widths[c * nrows:(c + 1) * nrows] for c in range(ncol)]
        if sum(max(c) for c in columns if c) <= room:
            return ncol
    return 1


def _isnum(value: str) -> bool:
    try:
        float(value)
    except ValueError:
        return False
    return True
