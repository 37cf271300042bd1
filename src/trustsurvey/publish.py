"""Write a run's results: CSV tables, an Excel workbook, figures, HTML reports, the action plan, a manifest.

Everything is written into a temporary directory that is moved into place at
the end (:func:`trustsurvey.report.output.prepare_output_dir`), so an existing
report is never half-overwritten. CSV and JSON outputs are deterministic: the
same inputs give byte-identical files. No microdata (no respondent rows) is
written: only estimates.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterator

if TYPE_CHECKING:
    from concurrent.futures import Executor

import pandas as pd

from . import __version__
from .pipeline import RunResult, key_items, methodology, published_numbers

__all__ = ["publish", "report_workers", "OUTPUT_FILES", "report_context"]

#: What a report directory holds (``{lang}`` for each language, ``{year}`` for each wave).
OUTPUT_FILES = {
    "report_{lang}.html": "the self-contained report",
    "report_{lang}.pdf": "the report as an A4 PDF (with --pdf or the plan's pdf: true)",
    "tables.xlsx": "the tables in the first language: one sheet per demographic, trend, recommendations",
    "breakdown_{year}.csv": "every item by every demographic (labels in the first language)",
    "trend.csv": "estimates per wave and their change",
    "small_area.csv": "model-based estimates by small area of the plan's small_area entries (current wave)",
    "weighting_{year}.csv": "weighting diagnostics: every margin before, after and target",
    "action_plan/{year}/": "the 2.2.2 action plan, the evidence of each recommendation and the monitoring",
    "figures/{lang}/*.svg": "the report's figures (the very images the report embeds)",
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


def ui_lang(lang: str) -> str:
    """The language of the interface words: ``lang`` if the catalogue has it, else English."""
    from .labels import has_catalogue

    return lang if has_catalogue(lang) else "en"


def _national_n(table: pd.DataFrame, items, metric: str | None = None) -> list[int]:
    """The valid bases (unweighted n) of the national rows of ``items``."""
    rows = table[(table["by"] == "national") & table["item"].isin(list(items))]
    if metric is not None:
        rows = rows[rows["metric"] == metric]
    n = pd.to_numeric(rows["n_unweighted"], errors="coerce").dropna()
    return sorted({int(v) for v in n})


def _figures(result: RunResult, lang: str, out: Path) -> list:
    """Draw the plan's figures in ``lang`` once each, write them as SVG, return them for the report."""
    from matplotlib.figure import Figure

    from .labels import meaning
    from .plotting import caption_text, plot_estimates, plot_heatmap, plot_likert, plot_trend
    from .plotting.heatmap import favourable_rows

    table = result.table(lang)
    q = result.questionnaire
    m = meaning(q, lang)
    t = m.t
    ui = ui_lang(lang)
    demos = [b for b in (result.plan.by or ()) if b in set(table["by"])] or \
        [b for b in dict.fromkeys(table["by"]) if b != "national"]
    source = m.text(result.plan.source) or "trustsurvey"
    base = m.text(result.plan.base) or t("all respondents")
    figures = []
    key = key_items(result.plan, q, table) or [table["item"].iloc[0]]
    item = key[0]
    metric = "top2" if ((table["item"] == item) & (table["metric"] == "top2")).any() else "mean"
    folder = out / "figures" / lang
    folder.mkdir(parents=True, exist_ok=True)

    def add(fid: str, title: str, shows: str, n, draw: Callable, size=(8, 5)):
        fig = Figure(figsize=size)
        draw(fig.add_subplot())
        caption = caption_text(source=source, base=base, year=result.current, n=n or None, lang=ui, shows=shows)
        figures.append(_svg_figure(fig, folder, fid, title, caption))

    if "estimates" in result.plan.figures:
        by = demos[:1] or None
        shows = t.format("Share in the {measure} by {by}, with 95% confidence intervals", measure=m.metric(metric),
                         by=", ".join(m.demographic(b) for b in by or ())) if metric == "top2" else \
            t.format("{measure} by {by}, with 95% confidence intervals", measure=m.metric(metric),
                     by=", ".join(m.demographic(b) for b in by or ()))
        add(f"{item}_by_group", m.item(item), shows, _national_n(table, [item], metric),
            lambda ax: plot_estimates(table, ax=ax, lang=ui, item=item, metric=metric, by=by, meaning=m), (8, 6))
    if "likert" in result.plan.figures and q.has_variable(item) and q.scale_for(item) is not None:
        scale = q.scale_for(item)
        same = [i for i in q.items if q.has_variable(i) and q.scale_for(i) is scale and i in set(table["item"])
                and m.favourable(i) == m.favourable(item)][:6] or [item]
        shows = t("Answers to the questions on this scale, share of respondents; unfavourable answers to the left, "
                  "\"don't know\" apart")
        add("likert_" + item, t.format("Answers on the scale of “{item}”", item=m.item(item)), shows,
            _national_n(table, same, "share"),
            lambda ax: plot_likert(table, ax=ax, lang=ui, items=same, meaning=m), (9, 4))
    if "trend" in result.plan.figures and len(result.trend):
        tr = result.trend_table(lang)
        shows = t.format("Share in the {measure} in each survey year, with 95% confidence intervals",
                         measure=m.metric(metric)) if metric == "top2" else \
            t.format("{measure} in each survey year, with 95% confidence intervals", measure=m.metric(metric))
        add(f"{item}_trend", m.item(item), shows, _national_n(table, [item], metric),
            lambda ax: plot_trend(tr, ax=ax, lang=ui, item=item, metric=metric, by="national", meaning=m), (7, 4))
    if "heatmap" in result.plan.figures and demos:
        by = demos[0]
        fav = favourable_rows(table, m)
        rows = list(dict.fromkeys(fav["item"]))[:14]
        shows = t.format("Each question's share of favourable answers (the top two, or the bottom two for a "
                         "negatively worded question) by {by}", by=m.demographic(by))
        add(f"heatmap_{by}", t.format("Favourable answers by {name}, %", name=m.demographic(by)), shows,
            _national_n(fav, rows),
            lambda ax: plot_heatmap(table, ax=ax, lang=ui, metric="favourable", by=by, items=rows, meaning=m),
            (10, 7))
    return figures


def _weighting_frame(survey) -> pd.DataFrame | None:
    diag = survey.attrs.get("weighting")
    return None if diag is None else diag.to_frame()


def report_context(result: RunResult, lang: str, figures=()):
    """What the report of ``lang`` shows (:class:`trustsurvey.report.ReportContext`), figures given."""
    from .labels import meaning
    from .report.action_plan import (action_plan_table, has_monitoring, indicator_table, monitoring_table,
                                     readers_table)
    from .report.html import ReportContext

    recs = result.recommendations.get(result.current)
    tr = result.trend_table(lang) if len(result.trend) else None
    m = meaning(result.questionnaire, lang)
    title = m.text(result.plan.title) or m.title or None
    table = result.table(lang)
    return ReportContext(
        lang=ui_lang(lang), content_lang=lang, title=title, year=result.current, previous_year=result.previous,
        source=m.text(result.plan.source), version=__version__,
        key_indicators=tr if tr is not None else table, key_items=key_items(result.plan, result.questionnaire, table),
        figures=tuple(figures), methodology=methodology(result, lang), breakdown=table, meaning=m,
        by_labels={b: m.demographic(b) for b in dict.fromkeys(table["by"]) if b != "national"},
        recommendations=None if recs is None else readers_table(recs, lang),
        action_plan=None if recs is None else action_plan_table(recs, lang),
        monitoring=monitoring_table(recs, lang) if recs is not None and has_monitoring(recs) else None,
        indicator=None if recs is None else indicator_table(recs, lang), alpha=result.plan.alpha)


def _svg_figure(fig, folder: Path, fid: str, title: str, caption: str):
    """Write ``fig`` as ``<folder>/<fid>.svg`` and return it as a figure of the report."""
    from .plotting import figure_bytes
    from .report.html import ReportFigure

    data = figure_bytes(fig, "svg")
    (folder / f"{fid}.svg").write_bytes(data)
    return ReportFigure(id=fid, title=title, figure=data, caption=caption, format="svg")


def _small_area_sections(result: RunResult, lang: str, out: Path) -> list:
    """The report's small-area sections in ``lang``: the table of each plan entry and its figure (SVG)."""
    from matplotlib.figure import Figure

    from .labels import meaning
    from .plotting import caption_text
    from .plotting.smallarea import plot_small_area
    from .report.small_area import SmallAreaSection, small_area_note

    if not result.small_area:
        return []
    m = meaning(result.questionnaire, lang)
    t = m.t
    ui = ui_lang(lang)
    table = result.small_area_table(lang)
    source = m.text(result.plan.source) or "trustsurvey"
    base = m.text(result.plan.base) or t("all respondents")
    folder = out / "figures" / lang
    folder.mkdir(parents=True, exist_ok=True)
    sections = []
    for r in result.small_area:
        rows = table[(table["item"] == r.item) & (table["metric"] == r.metric) & (table["by"] == r.area)]
        area = m.demographic(r.area)
        title = t.format("{item}: {measure}, by {area}", item=m.item(r.item), measure=m.metric(r.metric),
                         area=area if area[:2].isupper() else area[:1].lower() + area[1:])
        national = rows["national"].dropna()
        frame = rows[["group", "estimate", "ci_low", "ci_high", "direct", "flag", "source"]]
        fig = Figure(figsize=(8, 1.6 + 0.27 * len(rows)))
        plot_small_area(frame, ax=fig.add_subplot(), lang=ui, area="group",
                        labels=dict(zip(rows["group"], rows["group_label"])),
                        percent=r.kind == "proportion",
                        reference=float(national.iloc[0]) if len(national) else None,
                        reference_label=m.population)
        fid = f"small_area_{r.item}_{r.metric}_{r.area}"
        shows = t("Model-based estimates with 95% intervals, ranked; crosses: the direct survey estimates")
        n = int(pd.to_numeric(rows["n_unweighted"], errors="coerce").fillna(0).sum())
        caption = caption_text(source=source, base=base, year=result.current, n=n or None, lang=ui, shows=shows)
        sections.append(SmallAreaSection(
            title=title, table=rows, area=area, region=m.demographic(r.region) if r.region else "",
            note=small_area_note(ui, cv_caution=r.cv_caution, cv_suppress=r.cv_suppress, region=r.region is not None),
            figure=_svg_figure(fig, folder, fid, title, caption)))
    return sections


def _html(result: RunResult, lang: str, out: Path, figures: list) -> str:
    """Write ``report_<lang>.html``; return its text."""
    import dataclasses

    from .report.html import html_text

    context = dataclasses.replace(report_context(result, lang, figures),
                                  small_area=tuple(_small_area_sections(result, lang, out)))
    text = html_text(context)
    (out / f"report_{lang}.html").write_text(text, encoding="utf-8", newline="\n")
    return text


_WARMING = None  # in a worker: the semaphore that lets as many warm up at once as processors are spare


def _init_worker(warming) -> None:
    """A drawing process: the parent cleans up on SIGTERM (a worker just stops) and handles Ctrl-C."""
    import signal

    global _WARMING
    _WARMING = warming
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _warm_up(langs: tuple[str, ...]) -> None:
    """Load what drawing a report needs before there is a report to draw.

    matplotlib and its font, the report's modules, templates, catalogues and
    number formats: what the first language drawn in a process would otherwise
    pay for. Run in each worker while the parent computes the statistics, by as
    many workers at a time as there are processors besides the parent's, so that
    the statistics keep theirs.
    """
    with _WARMING if _WARMING is not None else contextlib.nullcontext():
        _load_drawing(langs)


def _load_drawing(langs: tuple[str, ...]) -> None:
    import importlib

    from matplotlib.figure import Figure

    from .fonts import css_font_face
    from .labels import meaning
    from .labels.numbers import format_number
    from .plotting import figure_bytes
    from .report.html import template

    for module in ("plotting.smallarea", "report.action_plan", "report.small_area"):
        importlib.import_module(f"{__package__}.{module}")
    css_font_face()
    for lang in langs:
        template(ui_lang(lang))
        meaning(None, lang)
        format_number(0.5, 1, ui_lang(lang))
    fig = Figure(figsize=(2, 1))
    ax = fig.add_subplot()
    ax.set_title("ëç čćšžđ ЂЈ", loc="left", fontweight="bold")
    ax.bar([0, 1], [1, 2], label="x")
    ax.legend()
    figure_bytes(fig, "svg")


def _draw(run: bytes, lang: str, out: str) -> str:
    """Draw the figures and write the report of ``lang`` (in a worker: ``run`` is the pickled run)."""
    import pickle

    result = pickle.loads(run)
    with gc_frozen():
        return _html(result, lang, Path(out), _figures(result, lang, Path(out)))


@contextlib.contextmanager
def gc_frozen() -> Iterator[None]:
    """Let Python's cycle collector skip, for the block, every object that exists when it starts.

    Writing a report makes many short-lived objects (matplotlib's artists, table cells), and
    each collection would otherwise walk the run's tables and the imported modules again: about a
    tenth of the drawing's time. The objects go back to the collector when the block ends; if
    something else has frozen objects already, nothing is changed.

    Examples
    --------
    >>> import gc
    >>> before = gc.get_freeze_count()
    >>> with gc_frozen():
    ...     gc.get_freeze_count() > 0
    True
    >>> gc.get_freeze_count() == before
    True
    """
    import gc

    if gc.get_freeze_count():
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


@contextlib.contextmanager
def report_workers(languages) -> "Iterator[Executor | None]":
    """Processes that draw the reports' figures and pages, one per processor, started now.

    Start them before computing the statistics and give them to :func:`publish`:
    while the statistics are computed (on one processor), they load matplotlib,
    the templates and the fonts on the others, so that drawing starts at once
    when the results are there. With one processor, one language, or where the
    platform cannot fork, there are none (``None``): :func:`publish` then draws
    in its own process.

    Parameters
    ----------
    languages : sequence of str
        The languages of the reports to be drawn.

    Yields
    ------
    concurrent.futures.Executor or None
        Shut down (waiting for what is being drawn) when the block ends, however it ends.

    Examples
    --------
    >>> with report_workers(["en"]) as workers:  # one language: drawn in this process
    ...     workers is None
    True
    """
    import multiprocessing
    import os

    langs = tuple(languages) or ("en",)
    n = min(len(langs), os.cpu_count() or 1)
    if n <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        yield None
        return
    from concurrent.futures import ProcessPoolExecutor

    context = multiprocessing.get_context("fork")
    warming = context.BoundedSemaphore(max(1, (os.cpu_count() or 1) - 1))
    pool = ProcessPoolExecutor(max_workers=n, mp_context=context, initializer=_init_worker, initargs=(warming,))
    try:
        for _ in range(n):  # forks the workers now; each loads the drawing libraries
            pool.submit(_warm_up, langs)
        yield pool
    finally:
        pool.shutdown(wait=True, cancel_futures=True)  # a failed run does not draw on


def _reports(result: RunResult, langs: list[str], out: Path, say: Callable[[str], None],
             stack: contextlib.ExitStack, workers: "Executor | None" = None) -> Callable[[], list[str]]:
    """Start the figures and the HTML report of every language; return the function that waits for them.

    Each language's figures and page are independent files, so they are drawn by
    ``workers`` (:func:`report_workers`; started here, within ``stack``, if not
    given) while the caller writes the tables, the workbook and the manifest; the
    files are the same, byte for byte, as one process writes them. Without
    workers they are drawn when the returned function is called.
    """
    import pickle

    if workers is None:
        workers = stack.enter_context(report_workers(langs))
    if workers is None:
        def draw() -> list[str]:
            texts = []
            for lang in langs:
                say(f"figures and report ({lang})")
                texts.append(_html(result, lang, out, _figures(result, lang, out)))
            return texts
        return draw
    run = pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)
    futures = [workers.submit(_draw, run, lang, str(out)) for lang in langs]
    say(f"figures and reports ({', '.join(langs)}) in worker processes")
    return lambda: [f.result() for f in futures]


def _sheets(result: RunResult, lang: str) -> dict:
    """The workbook: one sheet per demographic (national first), the small-area estimates, the
    recommendations for readers, the trend."""
    from .labels import meaning
    from .report.action_plan import readers_sheet, readers_table
    from .report.excel import Sheet

    m = meaning(result.questionnaire, lang)
    t = m.t
    table = result.table(lang)
    shown = [c for c in _READER_COLUMNS if c in table.columns]
    sheets: dict = {t("National"): Sheet(table.loc[table["by"] == "national", shown], wrap=("item_label",),
                                         widths={"item_label": 45})}
    for by in [b for b in table["by"].unique() if b != "national"]:
        sheets[m.demographic(by)] = Sheet(table.loc[table["by"] == by, shown], wrap=("item_label",),
                                          widths={"item_label": 45})
    if result.small_area:
        sa = result.small_area_table(lang).rename(columns={"group_label": "area_label"})
        sheets[t("Small-area estimates")] = Sheet(sa[_SMALL_AREA_SHEET], wrap=("item_label",),
                                                  widths={"item_label": 40}, percent=("cv",))
    recs = result.recommendations.get(result.current)
    if recs is not None:
        sheets[t("Recommendations")] = readers_sheet(readers_table(recs, lang))
    if len(result.trend):
        tr = result.trend_table(lang)
        sheets[t("Trend")] = Sheet(tr.loc[tr["by"] == "national", [c for c in ["wave"] + shown + _TREND_EXTRA
                                                                      if c in tr.columns]],
                                   wrap=("item_label",), widths={"item_label": 45})
    return sheets


#: the columns of the workbook's sheets: labels and numbers (the codes are in the CSV files)
_READER_COLUMNS = ["item_label", "metric", "level_label", "group_label", "estimate", "ci_low", "ci_high", "se",
                   "deff", "n_unweighted", "n_weighted", "p_value", "p_adj", "flag"]
_TREND_EXTRA = ["change", "change_p", "change_p_adj"]
_SMALL_AREA_SHEET = ["item_label", "metric", "area_label", "region_label", "estimate", "ci_low", "ci_high", "se",
                     "cv", "n_unweighted", "direct", "flag"]


def publish(result: RunResult, out_dir: str | Path, *, force: bool = False,
            progress: Callable[[str], None] | None = None,
            extra: Callable[[Path], None] | None = None, pdf: bool | None = None,
            workers: "Executor | None" = None) -> dict[str, Path]:
    """Write every output of a run into ``out_dir`` (see :data:`OUTPUT_FILES`).

    ``extra``, if given, is called with the temporary directory to add files of its own.
    ``pdf`` also writes each report as an A4 PDF (default: the plan's ``pdf`` option, else no).
    ``workers`` are processes from :func:`report_workers`, started before the
    statistics were computed; without them, they are started here.

    Returns
    -------
    dict
        ``{name: path}`` of the main files written (paths in their final place).
    """
    from .report.action_plan import write_action_plan
    from .report.excel import write_excel
    from .report.manifest import build_manifest, write_json
    from .report.output import prepare_output_dir
    from .report.tables import write_csv

    say = progress or (lambda _m: None)
    plan = result.plan
    langs = list(plan.languages) or ["en"]
    written: dict[str, str] = {}
    with gc_frozen(), prepare_output_dir(out_dir, force=force) as tmp, contextlib.ExitStack() as stack:
        reports = _reports(result, langs, tmp, say, stack, workers)  # drawn while the tables are written
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
        if result.small_area:
            write_csv(result.small_area_table(langs[0]), tmp / "small_area.csv")
            written["small_area"] = "small_area.csv"
        say("action plans")
        for year, recs in result.recommendations.items():
            write_action_plan(recs, tmp / "action_plan" / str(year), lang=langs[0])
        written["action_plan"] = f"action_plan/{result.current}"
        say("workbook")
        write_excel(_sheets(result, langs[0]), tmp / "tables.xlsx", lang=ui_lang(langs[0]), alpha=plan.alpha)
        written["tables"] = "tables.xlsx"
        written.update({f"report_{lang}": f"report_{lang}.html" for lang in langs})
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
        write_json(manifest, tmp / "manifest.json", normalised=True)
        written["manifest"] = "manifest.json"
        if extra is not None:
            extra(tmp)
        if pdf is None:
            pdf = bool(getattr(plan, "pdf", False))
        pages = []
        for lang, text in zip(langs, reports()):
            pages.append((text, tmp / f"report_{lang}.pdf"))
        if pdf:
            from .report.pdf import render_pdfs

            say("PDF")
            render_pdfs(pages)
            written.update({f"report_{lang}_pdf": f"report_{lang}.pdf" for lang in langs})
    out = Path(out_dir)
    return {name: out / rel for name, rel in written.items()}
