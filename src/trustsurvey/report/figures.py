"""The report's standard set of figures, drawn from the breakdown and trend tables.

:func:`standard_figures` returns :class:`~trustsurvey.report.html.ReportFigure`
objects (matplotlib figures, ids, titles, captions) ready for
:func:`~trustsurvey.report.render_html` and for saving with
:func:`~trustsurvey.plotting.save_figure`:

- ``estimates_<item>``: each key item by the chosen demographics, with the national line;
- ``likert_<k>``: the answer distribution of every group of items sharing a scale and a favourable end
  (national; unfavourable answers on the left);
- ``heatmap_<by>``: each item's share of favourable answers by the first demographic of ``by``
  (the bottom-two share of a negatively worded item; polarity from ``meaning``);
- ``trend_<item>``: each key item across waves, national and by the first demographic of ``by``
  (when a trend table is given).
"""

from __future__ import annotations

from typing import Sequence

import pandas as pd

from ..errors import ReportError
from ..plotting import plot_estimates, plot_heatmap, plot_likert, plot_trend
from ..labels import Meaning
from ..plotting._style import by_label, check_lang
from .html import ReportFigure

__all__ = ["standard_figures"]


def _key_items(table: pd.DataFrame, items: Sequence[str] | None, limit: int) -> list[str]:
    national = table[(table["by"] == "national") & (table["level"].astype(str) == "")]
    available = list(dict.fromkeys(national.loc[national["metric"].isin(["top2", "mean"]), "item"]))
    if items is None:
        return available[:limit]
    unknown = [i for i in items if i not in available]
    if unknown:
        raise ReportError(f"standard_figures: item(s) {', '.join(unknown)} have no national top-2 or mean row; "
                          f"available: {', '.join(available)}")
    return list(items)


def _scale_groups(table: pd.DataFrame, max_items: int, meaning: Meaning | None = None) -> list[list[str]]:
    """Items sharing a scale and a favourable end (a negatively worded item goes apart), in chunks."""
    shares = table[(table["metric"] == "share") & (table["by"] == "national")]
    groups: dict[tuple, list[str]] = {}
    for item, sub in shares.groupby("item", sort=False):
        if len(sub) < 3:  # yes/no items are not Likert scales
            continue
        key = (tuple(zip(sub["level"].astype(str), sub["level_label"].astype(str))),
               meaning.favourable(item) if meaning is not None else "high")
        groups.setdefault(key, []).append(item)
    out = []
    for members in groups.values():
        out += [members[i:i + max_items] for i in range(0, len(members), max_items)]
    return out


def standard_figures(breakdown: pd.DataFrame, trend: pd.DataFrame | None = None, *, lang: str = "en",
                     caption: str = "", items: Sequence[str] | None = None,
                     by: Sequence[str] = (), max_key_items: int = 3, likert_items: int = 8, fmt: str = "svg",
                     meaning: Meaning | None = None) -> list[ReportFigure]:
    """The standard figures of an annual report.

    Parameters
    ----------
    breakdown : pandas.DataFrame
        The current wave's ``ts.breakdown`` table (labels in ``lang``).
    trend : pandas.DataFrame, optional
        The ``ts.trend`` table; trend figures need at least two waves.
    lang : str
    caption : str
        Source, base and year (:func:`trustsurvey.plotting.caption_text`), shown under each figure.
    items : list of str, optional
        Key items (default: the first ``max_key_items`` items with a national top-2 or mean).
    by : list of str
        Demographics of the estimate charts (those absent from the table are skipped).
    max_key_items : int
    likert_items : int
        At most this many items per Likert chart.
    fmt : {"svg", "png"}
        How the report embeds them.
    meaning : Meaning, optional
        The survey's meaning layer: names of demographics, each item's polarity (marks, colours,
        Likert sides, favourable shares).

    Returns
    -------
    list of ReportFigure

    Examples
    --------
    >>> from trustsurvey.plotting._examples import example_breakdown
    >>> figs = standard_figures(example_breakdown("sq"), lang="sq", items=["trust_police"], by=["district"])
    >>> [f.id for f in figs]
    ['estimates_trust_police', 'likert_1', 'likert_2', 'likert_3', 'heatmap_district']
    """
    check_lang(lang)
    figures: list[ReportFigure] = []
    demos = [b for b in by if b in set(breakdown["by"])]
    key_items = _key_items(breakdown, items, max_key_items)
    for item in key_items:
        if demos:
            ax = plot_estimates(breakdown, item=item, by=demos, lang=lang, meaning=meaning)
            label = ax.get_title(loc="left")
            names = ", ".join(by_label(b, meaning) for b in demos)
            figures.append(ReportFigure(f"estimates_{item}", f"{label} — {names}", ax.figure, caption,
                                        format=fmt))
    for k, group in enumerate(_scale_groups(breakdown, likert_items, meaning), start=1):
        ax = plot_likert(breakdown, items=group, lang=lang, meaning=meaning)
        labels = breakdown.loc[breakdown["item"].isin(group), "item_label"].astype(str)
        title = "; ".join(dict.fromkeys(labels))
        figures.append(ReportFigure(f"likert_{k}", title if len(title) < 140 else title[:137] + "...", ax.figure,
                                    caption, format=fmt))
    top2 = breakdown[breakdown["metric"] == "top2"]
    if demos and demos[0] in set(top2["by"]):
        ax = plot_heatmap(breakdown, metric="favourable", by=demos[0], lang=lang, meaning=meaning)
        title = check_lang(lang).format("Favourable answers by {name}, %", name=by_label(demos[0], meaning))
        figures.append(ReportFigure(f"heatmap_{demos[0]}", title, ax.figure, caption, format=fmt))
    if trend is not None and len(trend) and trend["wave"].nunique() > 1:
        trend_by = demos[0] if demos and demos[0] in set(trend["by"]) else "national"
        in_trend = set(trend.loc[trend["by"] == "national", "item"])
        for item in (i for i in key_items if i in in_trend):
            ax = plot_trend(trend, item=item, by=trend_by, lang=lang, meaning=meaning)
            figures.append(ReportFigure(f"trend_{item}", ax.get_title(loc="left"), ax.figure, caption,
                                        format=fmt))
    return figures
