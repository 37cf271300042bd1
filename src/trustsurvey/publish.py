"""Write a run's results: CSV tables, an Excel workbook, figures, HTML reports, the action plan, a manifest.

Everything is written into a temporary directory that is moved into place at
the end (:func:`trustsurvey.report.output.prepare_output_dir`), so an existing
report is never half-overwritten. CSV and JSON outputs are deterministic: the
same inputs give byte-identical files. No microdata (no respondent rows) is
written: only estimates.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import pandas as pd

from . import __version__
from .pipeline import RunResult, key_items, published_numbers

__all__ = ["publish", "OUTPUT_FILES"]

#: What a report directory holds (``{lang}`` for each language, ``{year}`` for each wave).
OUTPUT_FILES = {
    "report_{lang}.html": "the self-contained report",
    "tables.xlsx": "the tables in the first language: one sheet per demographic, trend, action plan",
    "breakdown_{year}.csv": "every item by every demographic (labels in the first language)",
    "trend.csv": "estimates per wave and their change",
    "weighting_{year}.csv": "weighting diagnostics: every margin before, after and target",
    "action_plan/{year}/": "the 2.2.2 action plan and the evidence of each recommendation",
    "figures/{lang}/*.png|svg": "the report's figures",
    "manifest.json": "package version, input checksums and every published number",
}


def _relative(path: Path, start: Path) -> str:
    """``path`` relative to the folder ``start`` in POSIX form (absolute if there is no relative path)."""
    import os

    target = Path(path).resolve()
    try:
        return Path(os.path.relpath(target, start.resolve())).as_posix()
    except ValueError:  # another drive (Windows)
        return target.as_posix()


def _caption(result: RunResult, lang: str, n: int | None, base: str | None = None) -> str:
    from .labels import meaning
    from .plotting import caption_text

    m = meaning(result.questionnaire, lang)
    base_text = base or m.text(result.plan.base) or m.t("all respondents")
    return caption_text(source=m.text(result.plan.source) or "trustsurvey", base=base_text, year=result.current,
                        n=n, lang=ui_lang(lang))


def ui_lang(lang: str) -> str:
    """The language of the interface words: ``lang`` if the catalogue has it, else English."""
    from .labels import has_catalogue

    return lang if has_catalogue(lang) else "en"


def _figures(result: RunResult, lang: str, out: Path) -> list:
    """Draw the plan's figures in ``lang``, save them as PNG and SVG, return them for the report."""
    from matplotlib.figure import Figure

    from .labels import meaning
    from .plotting import plot_estimates, plot_heatmap, plot_likert, plot_trend, save_figure
    from .report.html import ReportFigure

    table = result.table(lang)
    q = result.questionnaire
    m = meaning(q, lang)
    ui = ui_lang(lang)
    demos = [b for b in (result.plan.by or ()) if b in set(table["by"])] or \
        [b for b in dict.fromkeys(table["by"]) if b != "national"]
    n = len(result.surveys[result.current].data)
    caption = _caption(result, lang, n)
    figures = []
    key = key_items(result.plan, q, table) or [table["item"].iloc[0]]
    item = key[0]

    def add(fid: str, title: str, draw: Callable, size=(8, 5)):
        fig = Figure(figsize=size)
        ax = fig.add_subplot()
        draw(ax)
        paths = save_figure(fig, out / "figures" / lang / fid, ("png", "svg"))
        figures.append(ReportFigure(id=fid, title=title, figure=paths[1], caption=caption, format="svg"))

    if "estimates" in result.plan.figures:
        by = demos[:1] or None
        add(f"{item}_by_group", m.item(item),
            lambda ax: plot_estimates(table, ax=ax, lang=ui, item=item, metric="top2", by=by, meaning=m), (8, 6))
    if "likert" in result.plan.figures:
        scale = q.scale_for(item) if q.has_variable(item) else None
        same = [i for i in q.items if q.has_variable(i) and q.scale_for(i) is scale and i in set(table["item"])]
        add("likert_" + item, m.item(item),
            lambda ax: plot_likert(table, ax=ax, lang=ui, items=same[:6] or [item]), (9, 4))
    if "trend" in result.plan.figures and len(result.trend):
        tr = result.trend_table(lang)
        add(f"{item}_trend", m.item(item),
            lambda ax: plot_trend(tr, ax=ax, lang=ui, item=item, metric="top2", by="national", meaning=m), (7, 4))
    if "heatmap" in result.plan.figures and demos:
        by = demos[0]
        rows = [i for i in table.loc[table["metric"] == "top2", "item"].unique()][:14]
        add(f"heatmap_{by}", m.t.format("Top-two answers by {name}, %", name=m.demographic(by)),
            lambda ax: plot_heatmap(table, ax=ax, lang=ui, metric="top2", by=by, items=rows), (10, 7))
    return figures


def _weighting_frame(survey) -> pd.DataFrame | None:
    diag = survey.attrs.get("weighting")
    return None if diag is None else diag.to_frame()


def _weighting_summary(survey) -> dict | None:
    diag = survey.attrs.get("weighting")
    if diag is None:
        return None
    frame = diag.summary_frame() if hasattr(diag, "summary_frame") else None
    if frame is None or not len(frame):
        return None
    return {str(k): v for k, v in frame.iloc[0].items()}


def _sample_facts(survey, lang: str) -> dict:
    from .labels import catalogue

    t = catalogue(ui_lang(lang))
    d = survey.design
    facts = {t("respondents"): len(survey.data)}
    if d.stages:
        facts[t("strata")] = d.stages[0].n_strata
        facts[t("primary sampling units")] = d.stages[0].n_total_clusters
        facts[t("degrees of freedom")] = d.degf
    return facts


def _design_text(result: RunResult, lang: str) -> str:
    from .labels import catalogue

    t = catalogue(ui_lang(lang))
    q = result.questionnaire
    s = result.surveys[result.current]
    spec = s.design.spec
    parts = [t.format("Stratified multi-stage sample: strata '{strata}', primary sampling units '{psu}'.",
                      strata=spec.strata, psu=spec.psu[0])
             if spec.strata and spec.psu else t("Sample design as declared in the questionnaire.")]
    parts.append(t.format("Standard errors by Taylor linearisation (with-replacement approximation at the first "
                          "stage), accounting for the weighting, as R's survey package computes them; intervals "
                          "use the t distribution on {df} design degrees of freedom.", df=s.degf))
    if q.weighting is not None and result.plan.weighting:
        parts.append(t("Weights raked to the population margins of the questionnaire's weighting section "
                       "(sources cited in the weighting table)."))
    return "\n\n".join(parts)


def _html(result: RunResult, lang: str, out: Path, figures: list) -> None:
    from .labels import meaning
    from .report.html import ReportContext, render_html

    s = result.surveys[result.current]
    recs = result.recommendations.get(result.current)
    tr = result.trend_table(lang) if len(result.trend) else None
    m = meaning(result.questionnaire, lang)
    title = m.text(result.plan.title) or m.title or None
    table = result.table(lang)
    ctx = ReportContext(
        lang=ui_lang(lang), content_lang=lang, title=title, year=result.current, previous_year=result.previous,
        source=m.text(result.plan.source), version=__version__,
        key_indicators=tr if tr is not None else result.table(lang), key_items=key_items(result.plan, result.questionnaire, result.table(lang)),
        figures=figures, sample=_sample_facts(s, lang), design=_design_text(result, lang),
        weighting=_weighting_summary(s), breakdown=table,
        by_labels={b: m.demographic(b) for b in dict.fromkeys(table["by"]) if b != "national"},
        recommendations=None if recs is None else recs.to_frame(lang),
        action_plan=None if recs is None else recs.action_plan(lang), alpha=result.plan.alpha)
    render_html(ctx, out / f"report_{lang}.html")


def _sheets(result: RunResult, lang: str) -> dict[str, pd.DataFrame]:
    """The workbook: one sheet per demographic (national rows first), the trend, the action plan."""
    table = result.table(lang)
    sheets = {"national": table[table["by"] == "national"]}
    for by in [b for b in table["by"].unique() if b != "national"]:
        sheets[by] = table[table["by"] == by]
    recs = result.recommendations.get(result.current)
    if recs is not None:
        sheets["action_plan"] = recs.action_plan(lang)
        sheets["recommendations"] = recs.to_frame(lang)
    if len(result.trend):
        tr = result.trend_table(lang)
        sheets["trend"] = tr[tr["by"] == "national"]
    return sheets


def publish(result: RunResult, out_dir: str | Path, *, force: bool = False,
            progress: Callable[[str], None] | None = None,
            extra: Callable[[Path], None] | None = None) -> dict[str, Path]:
    """Write every output of a run into ``out_dir`` (see :data:`OUTPUT_FILES`).

    ``extra``, if given, is called with the temporary directory to add files of its own.

    Returns
    -------
    dict
        ``{name: path}`` of the main files written (paths in their final place).
    """
    from .report.excel import write_excel
    from .report.manifest import build_manifest, write_json
    from .report.output import prepare_output_dir
    from .report.tables import write_csv

    say = progress or (lambda _m: None)
    plan = result.plan
    langs = list(plan.languages) or ["en"]
    written: dict[str, str] = {}
    with prepare_output_dir(out_dir, force=force) as tmp:
        say("tables")
        for year in result.tables:
            write_csv(result.table(langs[0], year), tmp / f"breakdown_{year}.csv")
            written[f"breakdown_{year}"] = f"breakdown_{year}.csv"
            w = _weighting_frame(result.surveys[year])
            if w is not None:
                write_csv(w, tmp / f"weighting_{year}.csv")
        if len(result.trend):
            write_csv(result.trend_table(langs[0]), tmp / "trend.csv")
            written["trend"] = "trend.csv"
        say("action plans")
        for year, recs in result.recommendations.items():
            recs.export(tmp / "action_plan" / str(year), lang=langs[0])
        written["action_plan"] = f"action_plan/{result.current}"
        say("workbook")
        write_excel(_sheets(result, langs[0]), tmp / "tables.xlsx", lang=langs[0], alpha=plan.alpha)
        written["tables"] = "tables.xlsx"
        for lang in langs:
            say(f"figures and report ({lang})")
            figures = _figures(result, lang, tmp)
            _html(result, lang, tmp, figures)
            written[f"report_{lang}"] = f"report_{lang}.html"
        say("manifest")
        files = dict(plan.input_files())
        if plan.path is not None:
            files["plan"] = plan.path
        # paths relative to the plan (the plan relative to this report's folder), so that a report
        # moved together with its inputs still reproduces
        plan_dir = plan.path.parent if plan.path is not None else Path.cwd()
        manifest = build_manifest(__version__, files, published_numbers(result),
                                  extra={"plan": _relative(plan.path, Path(out_dir).resolve())
                                         if plan.path else None,
                                         "data": {str(y): _relative(p, plan_dir) for y, p in plan.waves.items()},
                                         "questionnaire": _relative(plan.questionnaire, plan_dir),
                                         "paths": "plan: relative to this file's folder; data, questionnaire: "
                                                  "relative to the plan",
                                         "languages": langs})
        write_json(manifest, tmp / "manifest.json")
        written["manifest"] = "manifest.json"
        if extra is not None:
            extra(tmp)
    out = Path(out_dir)
    return {name: out / rel for name, rel in written.items()}
