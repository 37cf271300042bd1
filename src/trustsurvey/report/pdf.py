"""The report as an A4 PDF, laid out by WeasyPrint from the same HTML page.

WeasyPrint (a well-kept Python library that lays out HTML and CSS for print) reads
the self-contained page: its print style sheet sets A4 pages with page numbers,
repeats table headers on every page, keeps figures, table rows and key-indicator
cards whole, and fits every table to the page width. Nothing is fetched: the page
carries its font and figures as data URIs, and WeasyPrint is given a URL fetcher
that refuses anything else.

Why WeasyPrint rather than a headless browser's print-to-PDF: it installs with pip
(its only system need is Pango, which Linux distributions ship), runs in-process
with no browser profile or subprocess, implements CSS paged media (page margin boxes
for page numbers, ``break-inside``), and produces the same PDF on every machine.

WeasyPrint is an optional dependency (``pip install trustsurvey[pdf]``).
"""

from __future__ import annotations

from pathlib import Path

from ..errors import ReportError

__all__ = ["render_pdf", "render_pdfs", "pdf_available"]


def pdf_available() -> bool:
    """Whether WeasyPrint (and the Pango library it needs) can be loaded."""
    try:
        import weasyprint  # noqa: F401
    except (ImportError, OSError):
        return False
    return True


def _fetcher():
    """A URL fetcher that allows data URIs only (the page is self-contained)."""
    from weasyprint import urls

    if hasattr(urls, "URLFetcher"):  # WeasyPrint 66 and later
        return urls.URLFetcher(allowed_protocols=["data"], fail_on_errors=True)

    def fetch(url: str, *args, **kwargs):  # older WeasyPrint: a function
        if url.startswith("data:"):
            return urls.default_url_fetcher(url, *args, **kwargs)
        raise ReportError(f"the report tried to load {url[:80]!r}; reports are self-contained")

    return fetch


def render_pdf(html: str, path: str | Path) -> Path:
    """Write the HTML page of a report (:func:`trustsurvey.report.html_text`) as an A4 PDF.

    Parameters
    ----------
    html : str
        The report's HTML (self-contained).
    path : str or pathlib.Path
        The ``.pdf`` file to write.

    Returns
    -------
    pathlib.Path

    Raises
    ------
    ReportError
        WeasyPrint is not installed (``pip install trustsurvey[pdf]``; on Linux it also needs the
        Pango library, e.g. ``apt-get install libpango-1.0-0 libpangoft2-1.0-0``), or the file
        cannot be written.
    """
    try:
        import weasyprint
    except (ImportError, OSError) as exc:
        raise ReportError("writing a PDF needs WeasyPrint: pip install 'trustsurvey[pdf]' (on Linux it also needs "
                          f"Pango: apt-get install libpango-1.0-0 libpangoft2-1.0-0); {exc}") from None
    path = Path(path)
    document = weasyprint.HTML(string=html, url_fetcher=_fetcher(), base_url=None)
    try:
        document.write_pdf(path, uncompressed_pdf=False)
    except OSError as exc:
        raise ReportError(f"cannot write the PDF {str(path)!r}: {exc.strerror}") from exc
    return path


def _render_job(job: tuple[str, str]) -> str:
    html, path = job
    return str(render_pdf(html, path))


def render_pdfs(jobs: list[tuple[str, str | Path]], *, workers: int | None = None) -> list[Path]:
    """Lay out several reports (one per language) as PDFs, in parallel processes.

    WeasyPrint's layout takes most of a minute for a full report and uses one processor; the
    languages of a run are independent, so they are laid out side by side.

    Parameters
    ----------
    jobs : list of (html, path)
    workers : int, optional
        Processes to use (default: one per report, at most the number of processors).

    Returns
    -------
    list of pathlib.Path
    """
    import multiprocessing
    import os
    from concurrent.futures import ProcessPoolExecutor

    jobs = [(html, str(path)) for html, path in jobs]
    n = workers or min(len(jobs), os.cpu_count() or 1)
    if n <= 1 or len(jobs) <= 1:
        return [render_pdf(html, path) for html, path in jobs]
    if not pdf_available():
        render_pdf(*jobs[0])  # raises the ReportError that says how to install WeasyPrint
    with ProcessPoolExecutor(max_workers=n, mp_context=multiprocessing.get_context("spawn")) as pool:
        return [Path(p) for p in pool.map(_render_job, jobs)]
