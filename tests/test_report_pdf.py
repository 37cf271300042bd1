"""The PDF report (WeasyPrint): A4 pages, nothing past the page's edge, table headers on every page.

One small report (every section, four figures, a long action plan) is laid out once; its pages are
read back with pypdfium2: the page sizes, the box of every character, and the pixels of each page
rendered as an image (the right margin stays blank: nothing is cut at the right edge).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from test_report_html import full_context

from trustsurvey.errors import ReportError
from trustsurvey.plotting._examples import example_breakdown, example_trend
from trustsurvey.report import html_text
from trustsurvey.report.pdf import render_pdf

A4 = (595.28, 841.89)
LONG = ("Rrisni prezencën e policisë në lagje dhe organizoni takime të rregullta me komunitetin, me fokus te "
        "grupet që kanë besim më të ulët; raportoni rezultatet në anketën e vitit të ardhshëm. ")


@pytest.fixture(scope="module")
def pdf(tmp_path_factory):
    import pypdfium2 as pdfium

    ctx = full_context("sq", example_breakdown("sq"), example_trend("sq"))
    plan = pd.DataFrame({
        "Aktiviteti": [f"{k}. {LONG * 2}" for k in range(1, 19)],
        "Treguesi i matjes": ["Besimi arrin të paktën 60,0% në anketën e vitit 2026"] * 18,
        "Institucioni përgjegjës": ["Drejtoria Rajonale e Policisë"] * 18,
        "Institucioni mbështetës": ["Komunat; Këshillat Lokalë për Siguri në Bashkësi"] * 18,
        "Afati i zbatimit": ["Brenda gjashtë muajve"] * 18, "Kostoja": ["Në buxhet"] * 18,
        "Komente": [LONG] * 18})
    ctx["action_plan"] = plan
    path = render_pdf(html_text(ctx), tmp_path_factory.mktemp("pdf") / "raporti.pdf")
    doc = pdfium.PdfDocument(str(path))
    yield doc
    doc.close()


def test_every_page_is_a4(pdf):
    sizes = [tuple(round(v, 1) for v in pdf[i].get_size()) for i in range(len(pdf))]
    assert len(sizes) >= 4
    portrait, landscape = (round(A4[0], 1), round(A4[1], 1)), (round(A4[1], 1), round(A4[0], 1))
    assert set(sizes) <= {portrait, landscape}
    assert sizes[0] == portrait and landscape in sizes  # the action plan is printed across the page


def test_no_text_runs_past_the_page(pdf):
    checked = 0
    for i in range(len(pdf)):
        page = pdf[i]
        width, height = page.get_size()
        text = page.get_textpage()
        for k in range(text.count_chars()):
            left, bottom, right, top = text.get_charbox(k)
            if right - left <= 0:
                continue
            checked += 1
            assert -0.5 <= left and right <= width - 20 and bottom >= 10 and top <= height - 10, (i + 1, k)
    assert checked > 5000


def test_the_right_margin_stays_blank(pdf):
    for i in range(len(pdf)):
        image = np.asarray(pdf[i].render(scale=0.5).to_pil().convert("L"))
        margin = image[:, -int(image.shape[1] * 0.02):]  # the outer 2% of the page
        assert margin.min() >= 250, f"page {i + 1} has ink in its right margin"


def test_table_headers_repeat_on_every_page(pdf):
    pages = [pdf[i].get_textpage().get_text_range() for i in range(len(pdf))]
    plan_pages = [p for p in pages if "1. Rrisni" in p or any(f"{k}. Rrisni" in p for k in range(2, 19))]
    assert len(plan_pages) >= 2  # the long action plan spans pages ...
    assert all("Aktiviteti" in p and "Komente" in p for p in plan_pages)  # ... with its header on each
    assert all(p.count("Rrisni") >= 1 for p in plan_pages)
    assert any("Plani i veprimit" in p for p in pages)


def test_a_missing_weasyprint_is_a_clear_error(tmp_path, monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_weasyprint(name, *args, **kwargs):
        if name == "weasyprint":
            raise ImportError("No module named 'weasyprint'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_weasyprint)
    with pytest.raises(ReportError, match=r"trustsurvey\[pdf\]"):
        render_pdf("<html></html>", tmp_path / "x.pdf")
    assert not (tmp_path / "x.pdf").exists()
