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

LANGS = ("en", "sq", "sr")

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
#: Significantly above / below the rest of the population / no difference.
ABOVE, BELOW, NEUTRAL_COLOUR = OKABE_ITO["bluish_green"], OKABE_ITO["vermillion"], OKABE_ITO["blue"]

PROPORTION_METRICS = frozenset({"top2", "bottom2", "share", "dont_know", "option_share"})
#: Which metric a figure shows when the caller does not say.
METRIC_PREFERENCE = ("top2", "mean", "option_share", "share", "dont_know", "bottom2")

STRINGS: dict[str, dict[str, str]] = {
    "en": {
        "suppressed": "not shown: too few respondents",
        "low_base": "low base: interpret with care",
        "unreliable": "unreliable: large sampling error",
        "weak": "low base or large sampling error: interpret with care",
        "above": "significantly above the rest",
        "below": "significantly below the rest",
        "no_difference": "no significant difference",
        "ci": "confidence interval",
        "percent_axis": "Share of respondents (%)",
        "mean_axis": "Mean score",
        "index_axis": "Index (0–100)",
        "dont_know": "Don't know",
        "year": "Year",
        "change": "change",
        "points": "pts",
        "significant_change": "significant change since the previous year",
        "caption": "Source: {source}. Base: {base}. Year: {year}.",
        "base_n": "{base} (n = {n})",
        "top2": "favourable (top two)",
        "bottom2": "unfavourable (bottom two)",
        "mean": "mean",
        "share": "share",
        "dont_know_metric": "don't know",
        "option_share": "mentioned",
    },
    "sq": {
        "suppressed": "nuk shfaqet: shumë pak të anketuar",
        "low_base": "bazë e vogël: interpretoni me kujdes",
        "unreliable": "jo e besueshme: gabim i madh i mostrës",
        "weak": "bazë e vogël ose gabim i madh i mostrës: interpretoni me kujdes",
        "above": "dukshëm mbi pjesën tjetër",
        "below": "dukshëm nën pjesën tjetër",
        "no_difference": "pa dallim të rëndësishëm",
        "ci": "interval besueshmërie",
        "percent_axis": "Përqindja e të anketuarve (%)",
        "mean_axis": "Rezultati mesatar",
        "index_axis": "Indeksi (0–100)",
        "dont_know": "Nuk e di",
        "year": "Viti",
        "change": "ndryshimi",
        "points": "pikë",
        "significant_change": "ndryshim i rëndësishëm krahasuar me vitin e kaluar",
        "caption": "Burimi: {source}. Baza: {base}. Viti: {year}.",
        "base_n": "{base} (n = {n})",
        "top2": "pozitive (dy më të lartat)",
        "bottom2": "negative (dy më të ulëtat)",
        "mean": "mesatarja",
        "share": "përqindja",
        "dont_know_metric": "nuk e di",
        "option_share": "të përmendura",
    },
    "sr": {
        "suppressed": "nije prikazano: premalo ispitanika",
        "low_base": "mala osnova: tumačiti oprezno",
        "unreliable": "nepouzdano: velika greška uzorka",
        "weak": "mala osnova ili velika greška uzorka: tumačiti oprezno",
        "above": "značajno iznad ostalih",
        "below": "značajno ispod ostalih",
        "no_difference": "bez značajne razlike",
        "ci": "interval poverenja",
        "percent_axis": "Udeo ispitanika (%)",
        "mean_axis": "Prosečna ocena",
        "index_axis": "Indeks (0–100)",
        "dont_know": "Ne znam",
        "year": "Godina",
        "change": "promena",
        "points": "poena",
        "significant_change": "značajna promena u odnosu na prethodnu godinu",
        "caption": "Izvor: {source}. Osnova: {base}. Godina: {year}.",
        "base_n": "{base} (n = {n})",
        "top2": "pozitivno (dve najviše)",
        "bottom2": "negativno (dve najniže)",
        "mean": "prosek",
        "share": "udeo",
        "dont_know_metric": "ne znam",
        "option_share": "pomenuto",
    },
}

#: Names of the usual demographics, for block headings.
DEMOGRAPHICS = {
    "en": {"region": "Region", "municipality": "Municipality", "settlement": "Settlement", "gender": "Gender",
           "age_group": "Age", "ethnicity": "Community", "education": "Education", "employment": "Employment",
           "interview_language": "Interview language", "national": "Kosovo"},
    "sq": {"region": "Rajoni", "municipality": "Komuna", "settlement": "Vendbanimi", "gender": "Gjinia",
           "age_group": "Mosha", "ethnicity": "Komuniteti", "education": "Arsimi", "employment": "Punësimi",
           "interview_language": "Gjuha e intervistës", "national": "Kosova"},
    "sr": {"region": "Region", "municipality": "Opština", "settlement": "Naselje", "gender": "Pol",
           "age_group": "Starost", "ethnicity": "Zajednica", "education": "Obrazovanje", "employment": "Zaposlenost",
           "interview_language": "Jezik intervjua", "national": "Kosovo"},
}


def check_lang(lang: str) -> dict[str, str]:
    """The UI strings of ``lang``; a ReportError naming the choices otherwise."""
    if lang not in STRINGS:
        raise ReportError(f"unknown language {lang!r}; choose one of {', '.join(LANGS)}")
    return STRINGS[lang]


def demographic_name(by: str, lang: str) -> str:
    """A readable name of a demographic id (the id itself when unknown)."""
    return DEMOGRAPHICS[lang].get(by, by.replace("_", " ").capitalize())


def caption_text(*, source: str, base: str, year: int | str, n: int | None = None, lang: str = "en") -> str:
    """The standard caption: source, base and year, in the chosen language.

    Examples
    --------
    >>> caption_text(source="Kosovo Police trust survey", base="adults 18+", year=2025, n=1204)
    'Source: Kosovo Police trust survey. Base: adults 18+ (n = 1,204). Year: 2025.'
    >>> caption_text(source="Anketa", base="të rriturit", year=2025, n=1204, lang="sq")
    'Burimi: Anketa. Baza: të rriturit (n = 1.204). Viti: 2025.'
    """
    s = check_lang(lang)
    if n is not None:
        base = s["base_n"].format(base=base, n=format_number(n, 0, lang))
    return s["caption"].format(source=source, base=base, year=year)


def format_number(x: float, decimals: int = 1, lang: str = "en") -> str:
    """A number with the language's separators (``1,204.5`` in English, ``1.204,5`` otherwise).

    Examples
    --------
    >>> format_number(1204.53, 1, "sr")
    '1.204,5'
    >>> format_number(-0.04, 1)
    '0.0'
    """
    if x is None or (isinstance(x, float) and not np.isfinite(x)):
        return "—"
    text = f"{float(x):,.{decimals}f}"
    if text.lstrip("-").strip("0.,") == "":
        text = text.lstrip("-")
    if lang != "en":
        text = text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
    return text.replace("-", "−")


def metric_label(metric: str, lang: str) -> str:
    """The name of a metric in ``lang``."""
    s = check_lang(lang)
    return s["dont_know_metric"] if metric == "dont_know" else s.get(metric, metric)


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


def axis_label(item: str, metric: str, lang: str) -> str:
    """The value axis label of a metric."""
    s = check_lang(lang)
    if metric in PROPORTION_METRICS:
        return s["percent_axis"]
    return s["index_axis"] if item.endswith("_index") else s["mean_axis"]


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
