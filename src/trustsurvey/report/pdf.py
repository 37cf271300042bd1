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

__all__ = ["render_pdf", "pdf_available"]


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
