"""Shared pieces of the figures: palette, UI strings, frame selection, axes and captions.

Nothing here touches pyplot or matplotlib's global settings: figures are
``matplotlib.figure.Figure`` objects (rendered by Agg when saved), and the font
settings of :data:`trustsurvey.fonts.MATPLOTLIB_RC` are applied with
``matplotlib.rc_context`` only while a figure is drawn or saved.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator, Sequence

import numpy as np
import pandas as pd

from ..errors import ReportError
from ..fonts import MATPLOTLIB_RC
from ..labels import Catalogue, Meaning, catalogue, catalogue_languages, has_catalogue, meaning
from ..labels.numbers import format_number
from ..vocabulary import PROPORTION_METRICS

#: The Okabe-Ito colour-blind-safe palette (Okabe & Ito 2008).
OKABE_ITO = {
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
    "black": "#000000",
}
#: Line colours in the order lines take them (black is kept for the national line).
CYCLE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442")
#: Dash patterns that tell lines apart once the colours repeat.
DASHES = ("-", (0, (6, 2)), (0, (1, 1.5)), (0, (6, 2, 1, 2)))
GREY = "#999999"
LIGHT_GREY = "#DDDDDD"
#: Significantly better / worse than the rest of the population / no difference; an estimate without a
#: favourable direction (the share of one answer) that differs significantly is "different".
BETTER, WORSE, NEUTRAL_COLOUR = OKABE_ITO["bluish_green"], OKABE_ITO["vermillion"], OKABE_ITO["blue"]
DIFFERENT = OKABE_ITO["reddish_purple"]
#: The marks of the figures and tables: better, worse, different without a direction.
MARK_BETTER, MARK_WORSE, MARK_DIFFERENT = "▲", "▼", "◆"

#: Which metric a figure shows when the caller does not say.
METRIC_PREFERENCE = ("top2", "mean", "option_share", "share", "dont_know", "bottom2")

def check_lang(lang: str) -> Catalogue:
    """The catalogue of ``lang`` for a figure's own words; a ReportError naming the choices otherwise."""
    if not has_catalogue(lang):
        raise ReportError(f"unknown language {lang!r} for a figure's words; choose one of "
                          f"{', '.join(catalogue_languages())}")
    return catalogue(lang)


def by_label(by: str, meaning: Meaning | None) -> str:
    """The label of a breakdown variable from the meaning layer (its id without one)."""
    return meaning.demographic(by) if meaning is not None else str(by)


def caption_text(*, source: str, base: str, year: int | str, n: int | Sequence[int] | None = None,
                 lang: str = "en", shows: str = "") -> str:
    """The standard caption: what the figure shows, source, base (with the valid n) and year.

    Parameters
    ----------
    source, base : str
        Who ran the survey; whom the figure describes.
    year : int or str
    n : int or (int, int), optional
        The valid base: respondents who answered the item (a range over several items or groups).
    lang : str
    shows : str
        What the figure shows, as a sentence (put first).

    Examples
    --------
    >>> caption_text(source="National police survey", base="adults 18+", year=2025, n=1204)
    'Source: National police survey. Base: adults 18+ who answered (n = 1,204). Year: 2025.'
    >>> caption_text(source="Anketa", base="odrasli", year=2025, n=(980, 1204), lang="sr")
    'Izvor: Anketa. Osnova: odrasli koji su odgovorili (n = 980–1.204). Godina: 2025.'
    """
    t = check_lang(lang)
    if n is not None:
        if isinstance(n, (tuple, list)):
            lo, hi = min(n), max(n)
            count = format_number(lo, 0, lang) if lo == hi else \
                f"{format_number(lo, 0, lang)}–{format_number(hi, 0, lang)}"
        else:
            count = format_number(n, 0, lang)
        base = t.format("{base} who answered (n = {n})", base=base, n=count)
    text = t.format("Source: {source}. Base: {base}. Year: {year}.", source=source, base=base, year=year)
    return f"{shows.rstrip('.')}. {text}" if shows else text


def judgement(estimate, reference, p_adj, polarity, alpha: float) -> np.ndarray:
    """For each estimate: +1 significantly better than the rest, -1 worse, 2 different (no direction), 0 not.

    ``polarity`` (+1 higher is better, -1 lower is better, 0 neither) comes from
    :meth:`trustsurvey.labels.Meaning.polarity`; a significant difference in the unfavourable
    direction is "worse" whether the estimate is above or below the rest.

    Examples
    --------
    >>> judgement([0.8, 0.8, 0.2, 0.5], 0.5, [0.01, 0.01, 0.01, 0.5], [1, -1, 0, 1], 0.05).tolist()
    [1, -1, 2, 0]
    """
    est = np.asarray(estimate, dtype=float)
    ref = np.broadcast_to(np.asarray(reference, dtype=float), est.shape)
    p = np.asarray(p_adj, dtype=float)
    pol = np.broadcast_to(np.asarray(polarity), est.shape)
    sig = np.isfinite(p) & (p < alpha) & np.isfinite(est) & np.isfinite(ref) & (est != ref)
    side = np.sign(est - ref) * pol
    out = np.where(sig, np.where(pol == 0, 2, np.where(side > 0, 1, -1)), 0)
    return out.astype(int)


def polarity_of(meaning: Meaning | None, item: str, metric: str) -> int:
    """The favourable direction of an item's metric (+1 without a meaning layer: higher is better)."""
    return 1 if meaning is None else meaning.polarity(item, metric)


def metric_label(metric: str, lang: str) -> str:
    """The name of a metric in ``lang`` (from the meaning layer)."""
    return meaning(None, lang).metric(metric)


@contextmanager
def style() -> Iterator[None]:
    """matplotlib settings (font, SVG output) for the duration of a drawing."""
    import matplotlib as mpl

    with mpl.rc_context(MATPLOTLIB_RC):
        yield


def new_axes(ax, figsize: tuple[float, float]):
    """``ax`` itself, or the axes of a new (pyplot-free) figure with constrained layout."""
    if ax is not None:
        return ax
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize, layout="constrained", dpi=100)
    return fig.add_subplot()


def add_caption(ax, caption: str | None, title: str | None = None, below=None) -> None:
    """Put ``title`` above and ``caption`` (source, base, year) under the axes.

    The caption starts at the left edge of the axes, just under ``below`` (the
    lowest thing the figure draws under the axes: a legend, say) or, by
    default, under the x-axis label (or the whole axes decoration when there is
    no label).
    """
    if title:
        import textwrap

        ax.set_title("\n".join(textwrap.wrap(title, 70)) or title, loc="left", fontsize=11, fontweight="bold")
    if not caption:
        return
    if below is None and ax.xaxis.label.get_text():
        below = ax.xaxis.label
    if below is None:
        cap = None

        def below_all(renderer):
            # everything the axes draw (ticks, labels, legend, insets) except the caption itself
            extra = [a for a in ax.get_default_bbox_extra_artists() if a is not cap]
            return ax.get_tightbbox(renderer, bbox_extra_artists=extra, for_layout_only=True)

        below = below_all
    cap = ax.annotate(caption, xy=(0, 0), xycoords=("axes fraction", below), xytext=(0, -6),
                      textcoords="offset points", ha="left", va="top", fontsize=7.5, color="#444444",
                      annotation_clip=False)


def below_axes_transform(ax, points: float):
    """A transform placing a point ``points`` below the bottom of the axes (axes fraction in x)."""
    from matplotlib.transforms import ScaledTranslation

    return ax.transAxes + ScaledTranslation(0, -points / 72, ax.figure.dpi_scale_trans)


def require_columns(frame: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    """A ReportError listing the columns ``frame`` lacks for figure ``what``."""
    if not isinstance(frame, pd.DataFrame):
        raise ReportError(f"{what} needs a pandas DataFrame (a ts.breakdown or ts.trend table), "
                          f"got {type(frame).__name__}")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ReportError(f"{what}: the table lacks column(s) {', '.join(missing)}; pass a table made by "
                          "ts.breakdown or ts.trend")


def _choices(frame: pd.DataFrame, column: str) -> str:
    vals = list(dict.fromkeys(frame[column].astype(str)))
    return ", ".join(vals[:30]) + (" ..." if len(vals) > 30 else "")


def select(frame: pd.DataFrame, what: str, *, item=None, metric=None, level=None,
           one_item: bool = True) -> pd.DataFrame:
    """Rows of one item (or several), one metric and one level; ReportError if ambiguous."""
    out = frame
    if item is not None:
        items = [item] if isinstance(item, str) else list(item)
        unknown = [i for i in items if i not in set(out["item"])]
        if unknown:
            raise ReportError(f"{what}: item(s) {', '.join(unknown)} not in the table; "
                              f"available: {_choices(out, 'item')}")
        out = out[out["item"].isin(items)]
    elif one_item and out["item"].nunique() > 1:
        raise ReportError(f"{what}: the table has several items; pass item= one of {_choices(out, 'item')}")
    if metric is None:
        present = set(out["metric"])
        metric = next((m for m in METRIC_PREFERENCE if m in present), None)
        if metric is None:
            raise ReportError(f"{what}: no rows to plot; the table is empty")
    if metric not in set(out["metric"]):
        raise ReportError(f"{what}: metric {metric!r} not in the table for this item; "
                          f"available: {_choices(out, 'metric')}")
    out = out[out["metric"] == metric]
    if level is not None:
        out = out[out["level"].astype(str) == str(level)]
        if out.empty:
            raise ReportError(f"{what}: level {level!r} not in the table for metric {metric!r}")
    elif out["level"].astype(str).nunique() > 1:
        raise ReportError(f"{what}: metric {metric!r} has several levels; pass level= one of "
                          f"{_choices(out, 'level')}")
    return out


def numeric(series: pd.Series) -> np.ndarray:
    """A float array (NaN for NA) from any numeric column."""
    return pd.to_numeric(series, errors="coerce").to_numpy(dtype=float, na_value=np.nan)


def text(series: pd.Series) -> list[str]:
    """A list of str with NA as ''."""
    return ["" if pd.isna(v) else str(v) for v in series.tolist()]


def axis_label(item: str, metric: str, lang: str, meaning: Meaning | None = None) -> str:
    """The value axis label of a metric: a share in percent, or a score with the item's range."""
    t = check_lang(lang)
    if metric in PROPORTION_METRICS:
        return t("Share of respondents (%)")
    rng = meaning.score_range(item) if meaning is not None else None
    if rng is not None:
        lo, hi = (format_number(v, 0, lang) for v in rng)
        return t.format("Score ({low}–{high})", low=lo, high=hi)
    return t("Mean score")


def scale_factor(metric: str) -> float:
    """100 for proportions (shown as percent), 1 otherwise."""
    return 100.0 if metric in PROPORTION_METRICS else 1.0


def value_text(x: float, metric: str, lang: str) -> str:
    """A value as shown on a figure: ``63%`` for proportions, ``3.4`` for means."""
    if not np.isfinite(x):
        return "—"
    if metric in PROPORTION_METRICS:
        return format_number(100 * x, 0, lang) + "%"
    return format_number(x, 0 if abs(x) >= 10 else 1, lang)


def default_title(rows: pd.DataFrame) -> str:
    """The item label, with the answer or option when the rows are one level of it."""
    title = str(rows["item_label"].iloc[0])
    if "level_label" in rows.columns:
        level = rows["level_label"].iloc[0]
        if isinstance(level, str) and level:
            title += " — " + level
    return title


def text_colour_on(rgba) -> str:
    """Black or white, whichever reads better on a background colour."""
    r, g, b = rgba[:3]
    lum = 0.2126 * r + 0.7152 * g + 0.0722 * b
    return "black" if lum > 0.45 else "white"
