"""The report's small-area section: one table of areas (and a figure) per small-area estimate of the plan.

A :class:`SmallAreaSection` holds the published small-area table of one item by
one kind of area (``RunResult.small_area_table``: one row per area with its
label, the model estimate, its interval, the respondents and the flag
``publish``, ``caution`` or ``suppress``). :func:`small_area_display` turns it
into the rows the HTML template prints: the flag in words, a suppressed area
named but its estimate "not published". No statistics here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..labels import catalogue
from ..labels.catalogue import N_
from ..labels.numbers import format_number, format_value
from ..vocabulary import PROPORTION_METRICS
from .columns import title

__all__ = ["SmallAreaSection", "small_area_display", "small_area_note", "FLAG_WORDS", "flag_words"]

#: a small-area flag in words (the catalogue's messages)
FLAG_WORDS = {"publish": N_("published"), "caution": N_("published; interpret with care"),
              "suppress": N_("not published: too uncertain")}
_NOT_PUBLISHED = N_("not published")
_SYNTHETIC = N_("no respondents: model only")


@dataclass(frozen=True)
class SmallAreaSection:
    """One small-area estimate of the report.

    Attributes
    ----------
    title : str
        What is estimated by which area (``Trust in the police: top two answers, by municipality``).
    table : DataFrame
        The published small-area table of this estimate (``group, group_label, region_label,
        estimate, ci_low, ci_high, n_unweighted, metric, source, flag``).
    area, region : str
        The names of the area and region columns in the report's language (``region`` empty
        without a region benchmark).
    note : str
        How the estimates were made and when they are published.
    figure : ReportFigure, optional
        The ranked plot of the estimates.
    """

    title: str
    table: pd.DataFrame
    area: str
    region: str = ""
    note: str = ""
    figure: Any = None


def flag_words(flags, sources, lang: str) -> list[str]:
    """Each area's flag in words (``source`` ``synthetic``: the area had no respondents).

    >>> flag_words(["publish", "caution", "suppress"], ["model", "synthetic", "model"], "en")
    ['published', 'published; interpret with care; no respondents: model only', 'not published: too uncertain']
    """
    t = catalogue(lang)
    out = []
    for flag, source in zip(flags, sources):
        word = t(FLAG_WORDS[flag]) if flag in FLAG_WORDS else str(flag)
        if source == "synthetic" and flag != "suppress":
            word += "; " + t(_SYNTHETIC)
        out.append(word)
    return out


def small_area_note(lang: str, *, cv_caution: float, cv_suppress: float, region: bool) -> str:
    """How the estimates were made and when they are published, in ``lang``.

    >>> note = small_area_note("sq", cv_caution=0.2, cv_suppress=0.3, region=False)
    >>> note.startswith("Vlerësime të bazuara në model"), "20%" in note and "30%" in note
    (True, True)
    """
    t = catalogue(lang)
    bench = (t("The estimates of the areas of a region add up to the region’s direct survey estimate.") if region
             else t("The estimates of the areas add up to the direct survey estimate of all respondents."))
    return " ".join([
        t("Model-based estimates (Fay-Herriot model): each area’s survey estimate is combined with what the "
          "area’s census figures predict, so that areas with few respondents get usable estimates."), bench,
        t.format("An estimate is published when its coefficient of variation is at most {caution}, to be "
                 "interpreted with care up to {suppress}, and not shown above that.",
                 caution=format_number(100 * cv_caution, 0, lang) + "%",
                 suppress=format_number(100 * cv_suppress, 0, lang) + "%")])


def small_area_display(section: SmallAreaSection, lang: str) -> dict:
    """The rows of the section's table for the report template (``headers``, ``rows``).

    Columns: the area, its region (with a region benchmark), the estimate, its 95%
    interval, the respondents and the flag in words. A suppressed area keeps its row
    and respondents; its estimate reads "not published".
    """
    t = catalogue(lang)
    frame = section.table
    flags = frame["flag"].astype(str).tolist()
    words = flag_words(flags, frame["source"].astype(str).tolist(), lang)
    region = bool(section.region)
    headers = [section.area] + ([section.region] if region else []) + [
        title("estimate", lang), title("interval", lang), t("Respondents"), t.pgettext("column", "Reliability")]
    rows = []
    for r, flag, word in zip(frame.to_dict("records"), flags, words):
        metric = str(r["metric"])
        prop = metric in PROPORTION_METRICS

        def fv(x) -> str:
            return format_value(x, metric, lang) if prop else format_number(x, 2, lang)

        cell = {"cls": "", "ci": "", "title": ""}
        row = [{**cell, "text": str(r["group_label"]), "cls": "label"}]
        if region:
            row.append({**cell, "text": str(r["region_label"])})
        est = float(r["estimate"]) if pd.notna(r["estimate"]) else np.nan
        if flag == "suppress" or not np.isfinite(est):
            row += [{**cell, "text": t(_NOT_PUBLISHED), "cls": "suppressed"},
                    {**cell, "text": "—", "cls": "suppressed"}]
        else:
            cls = "num caution" if flag == "caution" else "num"
            row += [{**cell, "text": fv(est), "cls": cls},
                    {**cell, "text": f"{fv(r['ci_low'])} – {fv(r['ci_high'])}", "cls": "num"}]
        n = r["n_unweighted"]
        row.append({**cell, "text": format_number(n, 0, lang) if pd.notna(n) else "—", "cls": "num"})
        row.append({**cell, "text": word, "cls": "flag-" + flag})
        rows.append(row)
    return {"headers": headers, "rows": rows, "widths": (), "cls": ""}
