"""The HTML report: self-contained, escaped, multilingual, and checked in a real headless Chromium.

The browser test renders a full report (every figure type, every section),
opens it in Debian's ``chromium`` (installed by .ci/run), and checks that
- the untouched page logs nothing to the console (the page has no script, so
  any console line is an error: a blocked request, a broken image, a CSP
  violation), and a screenshot is written;
- in a copy with a small checking script inserted before the page's
  Content-Security-Policy, every image has loaded with a non-zero size, no
  error or CSP-violation event fired and the embedded font is in use.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import zlib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from trustsurvey.errors import ReportError
from trustsurvey.plotting import caption_text, plot_estimates, plot_heatmap, plot_likert, plot_trend
from trustsurvey.plotting._examples import example_breakdown, example_trend
from trustsurvey.report import ReportContext, ReportFigure, html_text, render_html

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--hide-scrollbars", "--disable-extensions", "--mute-audio"]
EVIL = "<script>alert('x')</script> & \"quoted\""

CHECKER = """<script>
window.__errors = [];
window.addEventListener('error', function (e) {
  var t = e.target || {};
  window.__errors.push('error: ' + (e.message || t.src || t.href || t.tagName || 'unknown'));
}, true);
document.addEventListener('securitypolicyviolation', function (e) {
  window.__errors.push('csp: ' + e.blockedURI + ' ' + e.violatedDirective);
});
['error', 'warn'].forEach(function (level) {
  var orig = console[level];
  console[level] = function () {
    window.__errors.push('console.' + level + ': ' + Array.prototype.join.call(arguments, ' '));
    orig.apply(console, arguments);
  };
});
window.addEventListener('load', function () {
  var images = Array.prototype.map.call(document.images, function (i) {
    return {alt: i.alt, complete: i.complete, width: i.naturalWidth, height: i.naturalHeight};
  });
  var report = function (fontOk) {
    var pre = document.createElement('pre');
    pre.id = 'ts-check';
    pre.textContent = JSON.stringify({images: images, errors: window.__errors, font: fontOk,
                                      fontStatus: document.fonts.status});
    document.body.appendChild(pre);
  };
  document.fonts.load("16px 'TS DejaVu Sans'", "ëçčćšžđ").then(function (faces) {
    report(faces.length > 0);
  }, function () { report(false); });
});
</script>"""


def chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        pytest.fail("headless Chromium is needed for the report test: apt-get install -y chromium "
                    "(.ci/run installs it)")
    return path


def run_chromium(args: list[str], profile: Path) -> subprocess.CompletedProcess:
    cmd = [chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def report_frames():
    return example_breakdown("sq"), example_trend("sq")


def full_context(lang: str, breakdown: pd.DataFrame, trend: pd.DataFrame, figures=True) -> dict:
    cap = caption_text(source="Anketa e besimit në Policinë e Kosovës", base="të rriturit 18+", year=2025,
                       n=1234, lang=lang)
    figs = []
    if figures:
        figs = [
            ReportFigure("trust_by_group", "Besimi sipas grupeve", plot_estimates(breakdown, item="trust_police",
                                                                                 lang=lang), caption=cap),
            ReportFigure("fairness", "Drejtësia procedurale",
                         plot_likert(breakdown, items=["respect", "equal_treatment"], lang=lang), caption=cap,
                         format="png"),
            ReportFigure("trend", "Trendi", plot_trend(trend, item="trust_police", by="gender", lang=lang),
                         caption=cap),
            ReportFigure("heatmap", "Rajonet " + EVIL, plot_heatmap(breakdown, by="district", lang=lang), caption=cap),
        ]
    tests = pd.DataFrame({"test": ["trust_police × region", "=HYPERLINK(\"http://evil\")"],
                          "statistic": [3.21, 1.10], "ndf": [6.2, 1.0], "ddf": [520.1, 84.0],
                          "p_value": [0.0031, 0.29]})
    recs = pd.DataFrame({"id": ["group_gap:trust_police:region=5"], "priority": [0.42], "item": ["trust_police"],
                         "estimate": [0.43], "ci_low": [0.33], "ci_high": [0.54], "p_adj": [0.04],
                         "n_unweighted": [130], "text": ["Rrisni patrullimin në Rrethi E " + EVIL]})
    plan = pd.DataFrame({"Aktiviteti": ["Rrisni patrullimin"], "Treguesi i matjes": ["Besimi ≥ 60%"],
                         "Institucioni përgjegjës": ["DRP Rrethi E"], "Afati": ["2026-06"]})
    return dict(lang=lang, year=2025, previous_year=2024, source="Inspektorati Policor i Kosovës",
                version="0.1.0", key_indicators=trend, key_items=["trust_police", "respect", "confidence_index"],
                figures=figs, sample={"Të anketuar": 1234, "Njësi parësore": 160, "Periudha": "mars–prill 2025"},
                design="Mostër e shtresëzuar me dy faza.\n\nNjësitë parësore me PPS.",
                weighting=pd.DataFrame({"method": ["raking"], "iterations": [7], "deff_kish": [1.42]}),
                breakdown=breakdown, by_labels={"district": "Rrethi"}, tests=tests, recommendations=recs,
                action_plan=plan,
                notes=["Vlerësimet me më pak se 30 të anketuar nuk shfaqen."])


@pytest.fixture(scope="module")
def report_file(tmp_path_factory, report_frames):
    breakdown, trend = report_frames
    out = tmp_path_factory.mktemp("report") / "raporti.html"
    render_html(full_context("sq", breakdown, trend), out)
    return out


def png_has_content(path: Path) -> bool:
    """A PNG whose pixels are not all one colour (decoded with zlib, no image library)."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    idat, pos = b"", 8
    while pos < len(data):
        length = int.from_bytes(data[pos:pos + 4], "big")
        kind = data[pos + 4:pos + 8]
        if kind == b"IDAT":
            idat += data[pos + 8:pos + 8 + length]
        pos += 12 + length
    raw = zlib.decompress(idat)
    return len(set(raw[:200000])) > 10


def test_report_in_headless_chromium(report_file, tmp_path):
    # 1. the page as written: a screenshot, and not one console message
    shot = tmp_path / "report.png"
    res = run_chromium(["--enable-logging=stderr", "--v=0", "--window-size=1280,3000",
                        f"--screenshot={shot}", report_file.as_uri()], tmp_path / "profile1")
    console = [line for line in res.stderr.splitlines() if "CONSOLE" in line]
    assert console == [], "\n".join(console)
    assert shot.is_file() and shot.stat().st_size > 50_000, res.stderr[-2000:]
    assert png_has_content(shot)

    # 2. a copy with a checking script before the CSP: images loaded, no errors, font in use
    page = report_file.read_text(encoding="utf-8")
    checked = tmp_path / "checked.html"
    checked.write_text(page.replace("<head>", "<head>\n" + CHECKER, 1), encoding="utf-8")
    res = run_chromium(["--virtual-time-budget=10000", "--dump-dom", checked.as_uri()], tmp_path / "profile2")
    found = re.search(r'<pre id="ts-check">(.*?)</pre>', res.stdout, re.S)
    assert found, "the checking script did not report:\n" + res.stderr[-3000:]
    result = json.loads(found.group(1).replace("&quot;", '"').replace("&amp;", "&").replace("&lt;", "<")
                        .replace("&gt;", ">"))
    assert result["errors"] == []
    assert len(result["images"]) == 4
    for img in result["images"]:
        assert img["complete"] and img["width"] > 100 and img["height"] > 100, img
    assert result["font"] is True


def test_report_is_self_contained_and_escaped(report_file):
    page = report_file.read_text(encoding="utf-8")
    # no external resource of any kind; every image a data URI; no script
    assert not re.search(r"""(?:src|href)\s*=\s*["'](?!data:|#)""", page)
    assert not re.search(r"url\((?!data:)", page)
    assert "<script" not in page.lower()
    assert "http-equiv=\"Content-Security-Policy\"" in page and "default-src &#39;none&#39;" in page
    assert page.count('src="data:image/svg+xml;base64,') == 3
    assert page.count('src="data:image/png;base64,') == 1
    # user text is escaped, never markup
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &#34;quoted&#34;" in page
    # Albanian throughout: headings, numbers with decimal comma, labels from the table
    assert '<html lang="sq">' in page
    for text in ("Treguesit kryesorë", "Metodologjia", "Rezultatet sipas grupeve", "Testet statistikore",
                 "Rekomandimet", "Plani i veprimit", "Rrethi F", "Sipas: Rrethi", "p &lt; 0,001", "0,003"):
        assert text in page, text


@pytest.mark.parametrize("lang, heading, html_lang", [("sr", "Ključni pokazatelji", "sr-Latn"),
                                                      ("en", "Key indicators", "en")])
def test_report_languages(report_frames, lang, heading, html_lang):
    breakdown, trend = example_breakdown(lang), example_trend(lang)
    page = html_text(full_context(lang, breakdown, trend, figures=False))
    assert f'<html lang="{html_lang}">' in page
    assert heading in page
    assert ("Okrug F" if lang == "sr" else "District F") in page
    # the suppressed group shows a dash, never a number
    assert 'class="suppressed"' in page


def test_sections_follow_the_content():
    page = html_text(ReportContext(lang="en", year=2025, notes=["only a note"]))
    assert "only a note" in page
    for absent in ('id="key_indicators"', 'id="figures"', 'id="methodology"', 'id="breakdown"'):
        assert absent not in page


def test_key_indicator_change_since_last_year(report_frames):
    _, trend = report_frames
    page = html_text({"lang": "en", "key_indicators": example_trend("en"), "key_items": ["trust_police"]})
    nat = trend[(trend["item"] == "trust_police") & (trend["metric"] == "top2") & (trend["by"] == "national")]
    last = nat.sort_values("wave").iloc[-1]
    expected = f"{100 * last['change']:+.1f}".replace("-", "−")
    assert f"{expected} pts since 2024" in page


def test_bad_context_is_refused(tmp_path):
    with pytest.raises(ReportError, match="unknown report context key.*figurez"):
        render_html({"lang": "en", "figurez": []}, tmp_path / "r.html")
    with pytest.raises(ReportError, match="unknown report language 'de'"):
        render_html({"lang": "de"}, tmp_path / "r.html")
    with pytest.raises(ReportError, match="respondent-level column"):
        render_html({"lang": "en", "tables": {"raw": pd.DataFrame({"respondent_id": [1], "x": [2]})}},
                    tmp_path / "r.html")
    with pytest.raises(ReportError, match="neither PNG nor SVG"):
        render_html({"lang": "en", "figures": [ReportFigure("x", "x", b"GIF89a")]}, tmp_path / "r.html")
    assert not (tmp_path / "r.html").exists()


def test_standard_figures_cover_the_tables(report_frames):
    from matplotlib.figure import Figure

    from trustsurvey.report import standard_figures

    breakdown, trend = report_frames
    figs = standard_figures(breakdown, trend, lang="sq", caption="Burimi: x", by=["district", "gender"])
    ids = [f.id for f in figs]
    assert len(set(ids)) == len(ids)
    assert ids == ["estimates_trust_police", "estimates_respect", "estimates_equal_treatment", "likert_1",
                   "likert_2", "likert_3", "heatmap_district", "trend_trust_police", "trend_respect",
                   "trend_equal_treatment"]
    assert all(isinstance(f.figure, Figure) and f.caption == "Burimi: x" for f in figs)
    # one Likert chart per scale: the agreement items together
    likert_titles = [f.title for f in figs if f.id.startswith("likert")]
    assert any("respekt" in t and "njëlloj" in t for t in likert_titles)
    with pytest.raises(ReportError, match="item.*nope"):
        standard_figures(breakdown, items=["nope"])


def test_recommendations_for_readers():
    readers = pd.DataFrame({
        "rank": [1, 2], "finding": ["Besimi në Rrethin E është 43,0%, nën nivelin e popullsisë.", "Indeksi ra."],
        "item": ["Besimi në policinë", "Indeksi i besimit"], "metric": ["top2", "index_mean"],
        "by": ["district", "national"], "group": ["Rrethi E", "Kosova"], "estimate": [0.43, 61.04],
        "ci_low": [0.33, 59.2], "ci_high": [0.54, 62.9], "n_unweighted": [130, 1400], "p_adj": [0.0004, 0.2],
        "responsible": ["DRP Rrethi E", "DPP"], "supporting": ["Komunat", ""], "deadline": ["2026-06", "2026-12"]})
    page = html_text({"lang": "sq", "recommendations": readers,
                      "action_plan": pd.DataFrame({"Aktiviteti": ["x"], "Komente": ["y"]})})
    section = page[page.index('id="recommendations"'):page.index('id="action_plan"')]
    heads = re.findall(r"<th scope=\"col\">(.*?)</th>", section)
    assert heads == ["#", "Gjetja", "Vlerësimi (IB 95%)", "n", "p e korrigjuar", "Institucioni përgjegjës", "Afati"]
    for text in ("43,0%", "33,0–54,0%", "61,0", "59,2–62,9", "&lt;0,001", "Mbështetës: Komunat", "Rrethi E"):
        assert text in section, text
    assert "district" not in section and "index_mean" not in section  # machine words stay in the CSV
    assert '<table class="fit">' in section  # fitted to the page: no horizontal scroll


def test_a_key_share_says_which_change_next_year_would_detect():
    """A design effect of 2 halves the sample: the detectable change of n = 3,000 with deff 2 is that of
    1,500 interviews by simple random sampling, and PracTools' nProp2sam needs those 1,500 for it."""
    from trustsurvey.planning import n_for_change
    from trustsurvey.report.display import key_indicators

    p, n = 0.6, 3000
    rows = pd.DataFrame({"item": ["trust", "score"], "item_label": ["Trust", "Score"], "metric": ["top2", "mean"],
                         "level": "", "by": "national", "group": "", "estimate": [p, 3.2],
                         "se": [(2 * p * (1 - p) / n) ** 0.5, 0.05], "ci_low": [0.58, 3.1], "ci_high": [0.62, 3.3],
                         "n_unweighted": n, "flag": ""})
    k = key_indicators(rows).set_index("item")
    d = k.loc["trust", "detectable"]
    assert n_for_change(p, p - d) == pytest.approx(1500, rel=1e-6)
    assert np.isnan(k.loc["score", "detectable"])  # a mean has no share to plan for
