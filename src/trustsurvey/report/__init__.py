"""Report outputs: one self-contained HTML file, an Excel workbook, CSVs and ``manifest.json``.

No statistics happen here: the functions format and write tables and figures
that the layers below computed.

- :func:`render_html` / :class:`ReportContext` / :class:`ReportFigure`: the HTML report (sq, sr, sr-Cyrl, en);
- :func:`render_pdf`: the same page as an A4 PDF (WeasyPrint, optional);
- :func:`write_excel` / :class:`Sheet`: the one Excel writer (XlsxWriter) of every workbook;
- :func:`write_action_plan`: the 2.2.2 action plan, its evidence and the monitoring, as files;
- :class:`Methodology`: what a run did, as its methodology section states it;
- :func:`write_csv`: deterministic CSV (byte-identical for the same table);
- :func:`build_manifest`, :func:`write_json`, :func:`read_json`, :func:`compare_manifests`: reproducibility;
- :func:`prepare_output_dir`: write into a temporary directory, move into place, never overwrite without force;
- :func:`escape_formula`: the spreadsheet-formula escaping shared by CSV and Excel;
- :func:`key_indicators`, :func:`margins_of_error`: small tables the report shows (a key item's own margin);
- :func:`standard_figures`: the report's usual figures from the breakdown and trend tables.
"""

from __future__ import annotations

from .._lazy import lazy_names

#: each public name and the module that defines it (imported when first used: writing a CSV file
#: does not load matplotlib or the HTML templates)
_EXPORTS = {
    "key_indicators": ".display", "margins_of_error": ".display", "write_action_plan": ".action_plan",
    "Sheet": ".excel", "write_excel": ".excel", "Methodology": ".methodology", "WeightingStep": ".methodology",
    "render_pdf": ".pdf", "standard_figures": ".figures", "ReportContext": ".html", "ReportFigure": ".html",
    "html_text": ".html", "render_html": ".html", "Mismatch": ".manifest", "build_manifest": ".manifest",
    "compare_manifests": ".manifest", "mismatch_table": ".manifest", "read_json": ".manifest",
    "write_json": ".manifest", "MARKER": ".output", "prepare_output_dir": ".output",
    "check_no_microdata": ".safety", "escape_formula": ".safety", "escape_frame": ".safety",
    "csv_text": ".tables", "write_csv": ".tables",
}

__all__ = [
    "ReportContext", "ReportFigure", "render_html", "html_text", "render_pdf", "write_excel", "Sheet",
    "write_action_plan", "Methodology", "WeightingStep", "write_csv", "csv_text",
    "build_manifest", "write_json", "read_json", "compare_manifests", "Mismatch", "mismatch_table",
    "prepare_output_dir", "MARKER", "escape_formula", "escape_frame", "check_no_microdata",
    "key_indicators", "margins_of_error", "standard_figures",
]


__getattr__, __dir__ = lazy_names(__name__, _EXPORTS, __all__)
