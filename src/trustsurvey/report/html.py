"""The report as ONE self-contained HTML file.

Figures are embedded as data URIs (SVG by default, PNG on request), the CSS and
the font (a subset of DejaVu Sans with every Albanian and Serbian letter) are
inline, there is no JavaScript, and a Content-Security-Policy forbids the page
to load anything from outside: it opens the same offline, from an e-mail
attachment or a USB stick. Every text cell is HTML-escaped (jinja2 autoescape).

Sections: key indicators with the change since last year, figures,
methodology (sample, design, weighting diagnostics, margins of error), results
by group, further tables, small-area estimates, statistical tests, recommendations and the 2.2.2
action plan, notes. Sections without content are left out.
"""

from __future__ import annotations

import base64
import functools
import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Sequence

import pandas as pd

from ..errors import ReportError
from ..fonts import css_font_face
from ..plotting._style import MARK_BETTER, MARK_WORSE
from .display import breakdown_tables, display_table, format_p, key_indicators, margins_of_error
from .methodology import methodology_section
from .plan_display import indicator_display, monitoring_display, plan_display, readers_display
from ..labels import catalogue, catalogue_languages, has_catalogue
from ..labels.catalogue import html_lang
from ..labels.numbers import format_number
from .safety import check_no_microdata
from .small_area import small_area_display

__all__ = ["ReportContext", "ReportFigure", "render_html", "html_text", "CONTENT_SECURITY_POLICY"]

#: Nothing may be fetched: images and fonts only from data URIs, styles inline, no scripts.
CONTENT_SECURITY_POLICY = ("default-src 'none'; img-src data:; font-src data:; style-src 'unsafe-inline'; "
                           "base-uri 'none'; form-action 'none'")


@dataclass(frozen=True)
class ReportFigure:
    """A figure of the report.

    Attributes
    ----------
    id : str
        Anchor and manifest id (``trust_by_region``).
    title : str
    figure : matplotlib Figure or Axes, bytes (PNG or SVG) or path to a .png/.svg file
    caption : str
        Source, base and year (see :func:`trustsurvey.plotting.caption_text`).
    alt : str
        Text alternative (the title by default).
    format : {"svg", "png"}
        How a matplotlib figure is embedded.
    """

    id: str
    title: str
    figure: Any
    caption: str = ""
    alt: str = ""
    format: str = "svg"


@dataclass(frozen=True)
class ReportContext:
    """Everything the HTML report shows; every field but ``lang`` is optional.

    Attributes
    ----------
    lang : str
        Language of the report's own words (one with a catalogue: en, sq, sr, sr-Cyrl).
    content_lang : str, optional
        Language of the labels in the tables (the page's ``lang`` attribute); ``lang`` by default.
    title, subtitle : str, optional
        Defaults: the standard title and "Annual survey report <year>" in ``lang``.
    year, previous_year : int, optional
    source : str
        Who ran the survey (shown under the title).
    version : str
        The trustsurvey version (footer).
    key_indicators : DataFrame, optional
        A ``ts.trend`` table (last wave and its change), a ``ts.breakdown``
        table, or the output of :func:`trustsurvey.report.display.key_indicators`.
    key_items : list of str, optional
        Which items to show as key indicators (all by default).
    figures : list of ReportFigure
    sample : mapping or DataFrame, optional
        Sample facts (respondents, PSUs, strata, fieldwork dates, response rate).
    design : str
        The design in words; blank lines separate paragraphs.
    weighting : mapping or DataFrame, optional
        Weighting diagnostics (method, iterations, converged, Kish design effect, effective n, weight range).
    margins : DataFrame, optional
        Margins of error; computed from ``breakdown`` when omitted.
    breakdown : DataFrame, optional
        A ``ts.breakdown`` table, shown as one wide table per demographic.
    breakdown_metric : str
        The metric of the wide tables (``top2``).
    by_labels : mapping, optional
        Names of the breakdown variables (from the meaning layer); their ids otherwise.
    tables : mapping of title to DataFrame
        Further tables, shown as they are.
    small_area : list of SmallAreaSection
        Model-based estimates by small area (:class:`trustsurvey.report.small_area.SmallAreaSection`):
        a table of the areas and a figure each.
    tests : DataFrame or mapping of title to DataFrame, optional
    recommendations : DataFrame, optional
        The recommendations for readers (recommend's ``readers_table``: rank, finding, estimate and
        interval, base, adjusted p, institutions, deadline); any other table is shown as it is.
    action_plan : DataFrame, optional
        The 2.2.2 action plan (the strategy's seven columns), printed in full.
    monitoring, indicator : DataFrame, optional
        Last year's recommendations and their status, and the counts by status (the 2.2.11 monitoring).
    methodology : Methodology, optional
        What was done (:class:`trustsurvey.report.methodology.Methodology`); replaces ``sample``,
        ``design``, ``weighting`` and ``margins``.
    meaning : Meaning, optional
        The survey's meaning layer in the content language: each item's polarity for the marks
        (better/worse) of the tables and key indicators, the names of demographics.
    notes : list of str
    alpha : float
        Significance level used for marks in tables.
    """

    lang: str = "en"
    content_lang: str | None = None
    title: str | None = None
    subtitle: str | None = None
    year: int | None = None
    previous_year: int | None = None
    source: str = ""
    version: str = ""
    key_indicators: pd.DataFrame | None = None
    key_items: Sequence[str] | None = None
    figures: Sequence[ReportFigure] = ()
    sample: Mapping[str, Any] | pd.DataFrame | None = None
    design: str = ""
    weighting: Mapping[str, Any] | pd.DataFrame | None = None
    margins: pd.DataFrame | None = None
    breakdown: pd.DataFrame | None = None
    breakdown_metric: str = "top2"
    by_labels: Mapping[str, str] = field(default_factory=dict)
    tables: Mapping[str, pd.DataFrame] = field(default_factory=dict)
    small_area: Sequence[Any] = ()
    tests: pd.DataFrame | Mapping[str, pd.DataFrame] | None = None
    recommendations: pd.DataFrame | None = None
    action_plan: pd.DataFrame | None = None
    monitoring: pd.DataFrame | None = None
    indicator: pd.DataFrame | None = None
    methodology: Any = None
    meaning: Any = None
    notes: Sequence[str] = ()
    alpha: float = 0.05

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> "ReportContext":
        """A context from a dict, with a ReportError naming unknown keys."""
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(values) - names)
        if unknown:
            raise ReportError(f"unknown report context key(s) {', '.join(unknown)}; allowed: "
                              f"{', '.join(sorted(names))}")
        figures = [f if isinstance(f, ReportFigure) else ReportFigure(**f) for f in values.get("figures", ())]
        return cls(**{**values, "figures": tuple(figures)})


def _image_uri(fig: ReportFigure) -> str:
    obj = fig.figure
    if isinstance(obj, (str, Path)):
        path = Path(obj)
        if not path.is_file():
            raise ReportError(f"figure {fig.id!r}: file {str(path)!r} does not exist")
        data = path.read_bytes()
    elif isinstance(obj, (bytes, bytearray)):
        data = bytes(obj)
    else:
        from ..plotting.save import figure_bytes

        if fig.format not in ("svg", "png"):
            raise ReportError(f"figure {fig.id!r}: format {fig.format!r} cannot be embedded; use 'svg' or 'png'")
        data = figure_bytes(obj, fig.format)
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        mime = "image/png"
    elif b"<svg" in data[:4096]:
        mime = "image/svg+xml"
    else:
        raise ReportError(f"figure {fig.id!r} is neither PNG nor SVG; give a matplotlib figure, PNG or SVG")
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def _figure_entry(fig: ReportFigure) -> dict:
    return {"id": fig.id, "title": fig.title, "caption": fig.caption, "alt": fig.alt or fig.title,
            "src": _image_uri(fig)}


def _pairs(values: Mapping[str, Any] | pd.DataFrame | None, lang: str, name: str) -> dict | None:
    if values is None:
        return None
    if isinstance(values, pd.DataFrame):
        return {"kind": "table", **display_table(values, lang, name=name)}
    from ..plotting._style import format_number

    items = []
    for k, v in values.items():
        if isinstance(v, bool):
            text = catalogue(lang)("yes") if v else catalogue(lang)("no")
        elif isinstance(v, int):
            text = format_number(v, 0, lang)
        elif isinstance(v, float):
            text = format_number(v, 2 if abs(v) < 100 else 0, lang)
        else:
            text = "" if v is None else str(v)
        items.append((str(k), text))
    return {"kind": "pairs", "items": items}


def _methodology(ctx: ReportContext, t) -> dict:
    """The methodology section: from a Methodology when given, else from the separate fields."""
    if ctx.methodology is not None:
        sec = methodology_section(ctx.methodology, ctx.lang)
        m = ctx.methodology
        margins = None
        if m.margins is not None and len(m.margins):
            margins = _margins_table(m.margins, ctx, t)
        key = None
        if m.key_margins is not None and len(m.key_margins):
            key = display_table(m.key_margins, ctx.lang, name="key_margins",
                                columns=["item_label", "estimate", "ci_low", "ci_high", "n_unweighted", "moe"])
        return {"sample": {"kind": "pairs", "items": sec["sample"]}, "design": sec["design"],
                "weighting": [{"kind": "pairs", "items": p} for p in sec["weighting"]],
                "reporting": sec["reporting"], "margins": margins, "key_margins": key,
                "margins_note": sec["margins_note"]}
    margins = ctx.margins
    key = None
    if margins is None and ctx.breakdown is not None:
        own = margins_of_error(ctx.breakdown, items=ctx.key_items)
        key = display_table(own, ctx.lang, name="key_margins",
                            columns=["item_label", "estimate", "ci_low", "ci_high", "n_unweighted", "moe"])
    weighting = _pairs(ctx.weighting, ctx.lang, "weighting")
    return {"sample": _pairs(ctx.sample, ctx.lang, "sample"), "design": _paragraphs(ctx.design),
            "weighting": [weighting] if weighting else [], "reporting": [],
            "margins": None if margins is None else display_table(
                margins, ctx.lang, name="margins", columns=[c for c in margins.columns if c not in ("by", "group")]),
            "key_margins": key,
            "margins_note": t("A key item's margin of error is half the width of its 95% confidence interval.")
            if key is not None else ""}


def _margins_table(margins: pd.DataFrame, ctx: ReportContext, t) -> dict:
    """Margins of error of a 50% share: one row per group, demographics as sub-headings."""
    rows = []
    names = dict(ctx.by_labels or {})
    last = None
    for r in margins.to_dict("records"):
        if r["by"] != last and r["by"] != "national":
            label = names.get(r["by"]) or (ctx.meaning.demographic(r["by"]) if ctx.meaning is not None
                                           else str(r["by"]))
            rows.append([{"text": label, "cls": "subhead", "ci": "", "title": ""},
                         {"text": "", "cls": "", "ci": "", "title": ""},
                         {"text": "", "cls": "", "ci": "", "title": ""}])
        last = r["by"]
        moe = r["moe"]
        rows.append([{"text": str(r["group_label"]), "cls": "label" if r["by"] == "national" else "indent",
                      "ci": "", "title": ""},
                     {"text": format_number(r["n_unweighted"], 0, ctx.lang), "cls": "num", "ci": "", "title": ""},
                     {"text": "±" + format_number(100 * float(moe), 1, ctx.lang) if pd.notna(moe) else "—",
                      "cls": "num", "ci": "", "title": ""}])
    return {"headers": [t.pgettext("column", "Group"), t("Respondents"),
                        t.pgettext("column", "Margin of error of a 50% share")], "rows": rows,
            "widths": (), "cls": ""}


def _indicator_cards(ctx: ReportContext, t) -> list[dict]:
    if ctx.key_indicators is None:
        return []
    table = ctx.key_indicators
    if "previous_wave" not in table.columns:
        table = key_indicators(table, items=ctx.key_items)
    elif ctx.key_items is not None:
        table = table[table["item"].isin(list(ctx.key_items))]
    check_no_microdata(table, "key_indicators")
    from ..plotting._style import PROPORTION_METRICS, format_number

    cards = []
    for r in table.to_dict("records"):
        prop = r["metric"] in PROPORTION_METRICS
        scale, unit, dec = (100.0, "%", 0) if prop else (1.0, "", 1)
        est = r["estimate"]
        card = {"label": str(r["item_label"]), "value": "—", "ci": "", "change": "", "cls": "flat", "note": "",
                "detectable": ""}
        if r.get("flag") == "suppressed" or pd.isna(est):
            card["note"] = t("not shown: too few respondents")
        else:
            card["value"] = format_number(scale * float(est), dec, ctx.lang) + unit
            if not pd.isna(r["ci_low"]) and not pd.isna(r["ci_high"]):
                card["ci"] = (f"{t('95% CI')}: {format_number(scale * float(r['ci_low']), dec, ctx.lang)}–"
                              f"{format_number(scale * float(r['ci_high']), dec, ctx.lang)}{unit}")
            if r.get("flag") in ("low_base", "unreliable"):
                card["note"] = t("low base") if r["flag"] == "low_base" else t("unreliable")
        change = r.get("change")
        prev_wave = r.get("previous_wave")
        if change is not None and not pd.isna(change) and not pd.isna(est):
            p = r.get("change_p_adj")
            if p is None or pd.isna(p):
                p = r.get("change_p")
            significant = p is not None and not pd.isna(p) and float(p) < ctx.alpha
            polarity = ctx.meaning.polarity(r["item"], r["metric"]) if ctx.meaning is not None else 1
            better = change * polarity > 0
            worse = change * polarity < 0
            arrow = MARK_BETTER if better else MARK_WORSE if worse else ("◆" if change else "■")
            pts = format_number(scale * float(change), 1, ctx.lang)
            since = t.format("since {year}", year=prev_wave if not pd.isna(prev_wave) else ctx.previous_year)
            card["change"] = (f"{arrow} {'+' if change > 0 else ''}{pts} {t('pts') if prop else ''} {since} "
                              f"({t('significant') if significant else t('not significant')}"
                              f"{_p_phrase(p, ctx.lang)})"
                              ).replace("  ", " ")
            card["cls"] = ("better" if better else "worse" if worse else "flat") if significant else "flat"
            if significant and (better or worse):
                card["change"] += " — " + (t("better") if better else t("worse"))
        elif "previous_wave" in r and pd.isna(prev_wave):
            card["change"] = t("no earlier wave")
        detectable = r.get("detectable")
        if prop and detectable is not None and not pd.isna(detectable) and not pd.isna(est):
            card["detectable"] = t.format("a change of {points} pts would be detected next year",
                                          points=format_number(scale * float(detectable), 1, ctx.lang))
        cards.append(card)
    return cards


def _p_phrase(p, lang: str) -> str:
    if p is None or pd.isna(p):
        return ""
    text = format_p(float(p), lang)
    return ", p < " + text[1:] if text.startswith("<") else ", p = " + text


def _decimal(x: float, lang: str) -> str:
    text = f"{x:g}"
    return text if lang == "en" else text.replace(".", ",")


def _paragraphs(text: str) -> list[str]:
    return [p.strip() for p in str(text or "").split("\n\n") if p.strip()]


@functools.lru_cache(maxsize=None)
def template(lang: str):
    """The report template with the catalogue of ``lang`` installed (compiled once per language and process)."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("trustsurvey.report", "templates"),
        autoescape=True,
        extensions=["jinja2.ext.i18n"],
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    t = catalogue(lang)
    env.install_gettext_callables(gettext=t.gettext, ngettext=lambda a, b, n: t.gettext(a if n == 1 else b),
                                  pgettext=t.pgettext, newstyle=True)
    return env.get_template("report.html.j2")


def html_text(context: ReportContext | Mapping[str, Any]) -> str:
    """The HTML page of a report as text (see :func:`render_html`)."""
    ctx = context if isinstance(context, ReportContext) else ReportContext.from_mapping(context)
    if not has_catalogue(ctx.lang):
        raise ReportError(f"unknown report language {ctx.lang!r}; choose one of {', '.join(catalogue_languages())}")
    t = catalogue(ctx.lang)
    figures = []
    seen = set()
    for fig in ctx.figures:
        if fig.id in seen:
            raise ReportError(f"two figures have the id {fig.id!r}; figure ids must be unique")
        seen.add(fig.id)
        figures.append(_figure_entry(fig))
    tests = ctx.tests
    if isinstance(tests, pd.DataFrame):
        tests = {t("Statistical tests"): tests}
    recs = ctx.recommendations
    sections = {
        "key_indicators": _indicator_cards(ctx, t),
        "figures": figures,
        "methodology": _methodology(ctx, t),
        "breakdown": [] if ctx.breakdown is None else breakdown_tables(
            ctx.breakdown, ctx.lang, metric=ctx.breakdown_metric, alpha=ctx.alpha,
            by_labels=dict(ctx.by_labels) or None, meaning=ctx.meaning),
        "tables": [{"title": str(t), **display_table(f, ctx.lang, alpha=ctx.alpha, name=str(t))}
                   for t, f in (ctx.tables or {}).items()],
        "small_area": [{"title": sec.title, "note": sec.note, "table": small_area_display(sec, ctx.lang),
                        "figure": None if sec.figure is None else _figure_entry(sec.figure)}
                       for sec in ctx.small_area],
        "tests": [{"title": str(t), **display_table(f, ctx.lang, alpha=ctx.alpha, name=str(t))}
                  for t, f in (tests or {}).items()],
        "recommendations": None if recs is None else (
            readers_display(recs, ctx.lang) if {"finding", "rank"} <= set(recs.columns)
            else display_table(recs, ctx.lang, alpha=ctx.alpha, name="recommendations")),
        "action_plan": None if ctx.action_plan is None else plan_display(ctx.action_plan),
        "monitoring": None if ctx.monitoring is None else monitoring_display(ctx.monitoring, ctx.lang),
        "indicator": None if ctx.indicator is None else indicator_display(ctx.indicator, ctx.lang),
    }
    meth = sections["methodology"]
    has_methodology = any(bool(v) for v in meth.values())
    contents = [(key, label) for key, label, present in (
        ("key_indicators", t("Key indicators"), bool(sections["key_indicators"])),
        ("figures", t("Figures"), bool(figures)),
        ("methodology", t("Methodology"), has_methodology),
        ("breakdown", t("Results by group"), bool(sections["breakdown"] or sections["tables"])),
        ("small_area", t("Small-area estimates"), bool(sections["small_area"])),
        ("tests", t("Statistical tests"), bool(sections["tests"])),
        ("recommendations", t("Recommendations"), sections["recommendations"] is not None),
        ("action_plan", t("Action plan (activity 2.2.2)"), sections["action_plan"] is not None),
        ("monitoring", t("Monitoring of last year's recommendations (activity 2.2.11)"),
         sections["monitoring"] is not None or sections["indicator"] is not None),
        ("notes", t("Notes"), bool(ctx.notes))) if present]
    title = ctx.title or t("Survey report")
    subtitle = ctx.subtitle if ctx.subtitle is not None else (
        t.format("Annual survey report {year}", year=ctx.year) if ctx.year is not None else "")
    return template(ctx.lang).render(
        html_lang=html_lang(ctx.content_lang or ctx.lang), csp=CONTENT_SECURITY_POLICY, font_css=css_font_face(),
        title=title, subtitle=subtitle, source=ctx.source, contents=contents, sections=sections,
        has_methodology=has_methodology, notes=list(ctx.notes),
        breakdown_note=t.format(
            "Share in the top two answers of each question unless stated. ▲ significantly better, ▼ significantly "
            "worse than the rest of the population (adjusted p below {alpha}); better means in the question's "
            "favourable direction, so for a negatively worded question (officers take bribes, say) a higher share "
            "is worse. ◆ significantly different, for answers without a favourable direction. * low base; "
            "† unreliable; — not shown (too few respondents). Small print: 95% confidence interval.",
            alpha=_decimal(ctx.alpha, ctx.lang)),
        generated=t.format("Produced with trustsurvey {version}.", version=ctx.version) if ctx.version else "",
        recommendations_note=t("Ranked by priority. Each finding gives the estimate with its 95% confidence interval, "
                               "the number of respondents it rests on and the adjusted p-value of the comparison "
                               "behind it."),
    )


def render_html(context: ReportContext | Mapping[str, Any], path: str | Path) -> Path:
    """Write the report as one self-contained HTML file.

    Parameters
    ----------
    context : ReportContext or mapping
        What to show (a dict with the same keys is accepted).
    path : str or pathlib.Path
        The ``.html`` file to write (UTF-8).

    Returns
    -------
    pathlib.Path

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from trustsurvey.plotting._examples import example_breakdown
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "report.html"
    >>> _ = render_html({"lang": "sq", "year": 2025, "breakdown": example_breakdown("sq"),
    ...                  "key_indicators": example_breakdown("sq")}, out)
    >>> "Treguesit kryesorë" in out.read_text(encoding="utf-8")
    True
    """
    text = html_text(context)
    path = Path(path)
    try:
        path.write_text(text, encoding="utf-8", newline="\n")
    except OSError as exc:
        raise ReportError(f"cannot write the report {str(path)!r}: {exc.strerror}") from exc
    return path
