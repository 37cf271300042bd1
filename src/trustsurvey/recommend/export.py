"""Writing the 2.2.2 action plan and its evidence (deprecated: see below).

.. deprecated::
    The report writes the action plan: :func:`trustsurvey.report.write_action_plan` (one Excel
    writer for every workbook, on XlsxWriter; ``monitoring.csv``). recommend sits below report and
    should write no files; this module remains only for ``Recommendations.export`` and its tests,
    and goes when they do.

* ``action_plan.xlsx``: sheets with the action plan (the strategy's columns,
  headers in the chosen language), the 2.2.2 indicators, the evidence and,
  when last year's plan was tracked, the tracking of its recommendations;
* ``action_plan.csv``: the action plan alone (UTF-8 with a byte-order mark, so
  that spreadsheet programs show ë, ç, č, ć, đ, š, ž correctly);
* ``recommendations.csv``: the evidence, one row per recommendation
  (:data:`~trustsurvey.recommend.model.RECOMMENDATION_COLUMNS` then
  :data:`~trustsurvey.recommend.model.DETAIL_COLUMNS`), UTF-8 without BOM —
  next year's tracking reads it;
* ``tracking.csv``: last year's recommendations with their status (if any).

CSV files are deterministic (fixed column order, ``\\n`` line ends, numbers
with up to 10 significant digits). Text cells that a spreadsheet would run as
a formula (starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return)
get a leading apostrophe in the CSV files; in the workbook they are stored as
text. Nothing is overwritten unless asked: existing outputs raise
:class:`~trustsurvey.errors.ReportError` before anything is written.
"""

from __future__ import annotations

import datetime as _dt
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..errors import ReportError
from ..spreadsheet import escape_formula, escape_frame

if TYPE_CHECKING:  # pragma: no cover
    from .model import Recommendations

__all__ = ["export", "write_csv", "write_xlsx", "escape_formula", "OUTPUT_FILES"]

OUTPUT_FILES = ("action_plan.xlsx", "action_plan.csv", "recommendations.csv", "tracking.csv")
_SHEETS = {
    "en": ("Action plan", "Indicators", "Recommendations", "Tracking"),
    "sq": ("Plani i veprimit", "Treguesit", "Rekomandimet", "Përcjellja"),
    "sr": ("Akcioni plan", "Indikatori", "Preporuke", "Praćenje"),
}
_FIXED_TIME = _dt.datetime(2000, 1, 1)


def write_csv(frame: pd.DataFrame, path, *, bom: bool = False) -> Path:
    """Write ``frame`` as a deterministic UTF-8 CSV with formula-escaped text cells."""
    path = Path(path)
    escape_frame(frame).to_csv(path, index=False, encoding="utf-8-sig" if bom else "utf-8", lineterminator="\n",
                           float_format="%.10g")
    return path


def write_xlsx(sheets: dict[str, pd.DataFrame], path, *, wrap: tuple[str, ...] = ()) -> Path:
    """Write sheets to an Excel workbook: bold header, frozen first row, text never run as a formula.

    Parameters
    ----------
    sheets : dict of sheet name to DataFrame
    wrap : sheet names whose cells wrap text (the action plan)
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    wb.remove(wb.active)
    wb.properties.creator = "trustsurvey"
    wb.properties.created = _FIXED_TIME
    wb.properties.modified = _FIXED_TIME
    for name, frame in sheets.items():
        ws = wb.create_sheet(title=name[:31])
        ws.append([str(c) for c in frame.columns])
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in frame.itertuples(index=False):
            ws.append([_cell(v) for v in row])
        for r in ws.iter_rows(min_row=2):
            for cell in r:
                if isinstance(cell.value, str) and cell.value.startswith("="):
                    cell.data_type = "s"
        ws.freeze_panes = "A2"
        for j, col in enumerate(frame.columns, start=1):
            values = [str(col)] + [str(v) for v in frame.iloc[:, j - 1].tolist()]
            width = min(60 if name in wrap else 40, max(8, max(len(v) for v in values) + 2))
            ws.column_dimensions[get_column_letter(j)].width = width
        if name in wrap:
            for r in ws.iter_rows(min_row=2):
                for cell in r:
                    cell.alignment = Alignment(wrap_text=True, vertical="top")
    wb.save(path)
    return Path(path)


def _cell(v: Any) -> Any:
    if v is None or v is pd.NA:
        return None
    if isinstance(v, (float, np.floating)):
        return None if np.isnan(v) else float(v)
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (np.bool_,)):
        return bool(v)
    return v


def export(recs: Recommendations, directory, *, lang: str = "en", overwrite: bool = False) -> dict[str, Path]:
    """Write the action plan and the evidence of ``recs`` into ``directory``.

    Parameters
    ----------
    recs : Recommendations
    directory : path
        Created if missing.
    lang : {"sq", "sr", "en"}
        Language of the action plan, the indicators and the ``text`` column.
    overwrite : bool
        Replace existing output files.

    Returns
    -------
    dict
        ``{file name: path}`` of the files written.

    Raises
    ------
    ReportError
        If an output exists and ``overwrite`` is false (nothing is written then).
    """
    from .model import _check_lang

    lang = _check_lang(lang)
    directory = Path(directory)
    names = list(OUTPUT_FILES[:3]) + (["tracking.csv"] if recs.tracking is not None else [])
    if not overwrite:
        existing = [n for n in names if (directory / n).exists()]
        if existing:
            raise ReportError(f"{directory}: {', '.join(existing)} already exist(s); choose another directory "
                              f"or pass overwrite=True")
    if directory.exists() and not directory.is_dir():
        raise ReportError(f"{directory} is a file, not a directory; give a directory for the action plan")
    directory.mkdir(parents=True, exist_ok=True)
    plan = recs.action_plan(lang)
    evidence = recs.to_frame(lang)
    sheet_names = _SHEETS[lang]
    sheets = {sheet_names[0]: plan, sheet_names[1]: recs.indicators(lang), sheet_names[2]: evidence}
    if recs.tracking is not None:
        sheets[sheet_names[3]] = recs.tracking
    paths = {
        "action_plan.xlsx": write_xlsx(sheets, directory / "action_plan.xlsx", wrap=(sheet_names[0],)),
        "action_plan.csv": write_csv(plan, directory / "action_plan.csv", bom=True),
        "recommendations.csv": write_csv(evidence, directory / "recommendations.csv"),
    }
    if recs.tracking is not None:
        paths["tracking.csv"] = write_csv(recs.tracking, directory / "tracking.csv")
    return paths
