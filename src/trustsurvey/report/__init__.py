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

from .display import key_indicators, margins_of_error
from .action_plan import write_action_plan
from .excel import Sheet, write_excel
from .methodology import Methodology, WeightingStep
from .pdf import render_pdf
from .figures import standard_figures
from .html import ReportContext, ReportFigure, html_text, render_html
from .manifest import Mismatch, build_manifest, compare_manifests, mismatch_table, read_json, write_json
from .output import MARKER, prepare_output_dir
from .safety import check_no_microdata, escape_formula, escape_frame
from .tables import csv_text, write_csv

__all__ = [
    "ReportContext", "ReportFigure", "render_html", "html_text", "render_pdf", "write_excel", "Sheet",
    "write_action_plan", "Methodology", "WeightingStep", "write_csv", "csv_text",
    "build_manifest", "write_json", "read_json", "compare_manifests", "Mismatch", "mismatch_table",
    "prepare_output_dir", "MARKER", "escape_formula", "escape_frame", "check_no_microdata",
    "key_indicators", "margins_of_error", "standard_figures",
]
