"""The font of figures and reports: DejaVu Sans, which has every Albanian and Serbian letter.

Albanian needs ``ë ç`` (and capitals), Serbian Latin ``č ć š ž đ`` and Serbian
Cyrillic the whole ``а-ш`` block with ``ђ ј љ њ ћ џ``. DejaVu Sans covers them all
and ships with matplotlib: figures name it through :data:`MATPLOTLIB_RC` (SVG
text is written as paths, so the SVG files need no font), and the HTML report
embeds a subset of it (Latin, Latin Extended, Cyrillic and punctuation) as a
data URI with :func:`css_font_face`, so the report looks the same on a machine
without DejaVu. The subset is cut once, by :func:`write_subsets`
(``python -m trustsurvey.fonts``), and shipped in this folder as WOFF files
beside DejaVu's licence (``LICENSE_DEJAVU``): cutting it takes about a second,
reading it a millisecond.

Examples
--------
>>> missing_glyphs("Besimi në policinë; Çdo ditë; Poverenje, Đurđa, Žarko; Поверење ђ")
''
>>> FONT_FAMILY
'DejaVu Sans'
"""

from __future__ import annotations

import base64
import io
from functools import lru_cache
from pathlib import Path

__all__ = ["FONT_FAMILY", "MATPLOTLIB_RC", "font_path", "missing_glyphs", "css_font_face", "build_subset",
           "write_subsets", "SUBSET_FILES"]

#: The family every figure and the report use.
FONT_FAMILY = "DejaVu Sans"

#: matplotlib settings applied while figures are drawn and saved (never globally).
MATPLOTLIB_RC = {
    "font.family": "sans-serif",
    "font.sans-serif": [FONT_FAMILY],
    "svg.fonttype": "path",
    "svg.hashsalt": "trustsurvey",
    "axes.unicode_minus": True,
}

#: Code points embedded in the HTML report (Latin, Latin-1, Latin Extended-A/B,
#: Cyrillic, general punctuation, arrows, the square root of the margin-of-error formula, and the
#: triangles and diamond used as marks: better, worse, different).
_UNICODE_RANGES = (
    (0x20, 0x7E), (0xA0, 0x24F), (0x400, 0x45F), (0x2010, 0x206F), (0x20AC, 0x20AC),
    (0x2116, 0x2116), (0x2190, 0x2193), (0x2212, 0x2212), (0x2248, 0x2248),
    (0x2264, 0x2265), (0x221A, 0x221A), (0x25B2, 0x25B2), (0x25BC, 0x25BC), (0x25C6, 0x25C6),
)


def font_path(bold: bool = False) -> Path:
    """The DejaVu Sans file: one shipped in this folder if any, else matplotlib's.

    Parameters
    ----------
    bold : bool
        The bold face instead of the regular one.

    Returns
    -------
    pathlib.Path

    Examples
    --------
    >>> font_path().name
    'DejaVuSans.ttf'
    """
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    local = Path(__file__).with_name(name)
    if local.is_file():
        return local
    import matplotlib

    return Path(matplotlib.get_data_path()) / "fonts" / "ttf" / name


@lru_cache(maxsize=4)
def _charmap(path: str) -> frozenset[int]:
    from matplotlib.ft2font import FT2Font

    return frozenset(FT2Font(path).get_charmap())


def missing_glyphs(text: str, *, bold: bool = False) -> str:
    """The characters of ``text`` that DejaVu Sans cannot draw (each once, in order).

    Parameters
    ----------
    text : str
    bold : bool
        Check the bold face.

    Returns
    -------
    str
        Empty when every printable character has a glyph.
    """
    cmap = _charmap(str(font_path(bold)))
    seen: list[str] = []
    for ch in text:
        if ch.isprintable() and not ch.isspace() and ord(ch) not in cmap and ch not in seen:
            seen.append(ch)
    return "".join(seen)


#: The shipped subsets of the report (regular, bold), written by :func:`write_subsets`.
SUBSET_FILES = {False: "DejaVuSans-report.woff", True: "DejaVuSans-Bold-report.woff"}


def build_subset(bold: bool = False) -> bytes:
    """Cut DejaVu Sans down to the report's code points and return it as WOFF bytes.

    The same font file gives the same bytes. The report reads the shipped copy
    (:data:`SUBSET_FILES`); this is how that copy is made.

    Parameters
    ----------
    bold : bool
        The bold face instead of the regular one.

    Returns
    -------
    bytes
    """
    from fontTools import subset

    options = subset.Options()
    options.flavor = "woff"
    options.layout_features = ["*"]
    options.name_IDs = ["*"]
    options.notdef_outline = True
    options.drop_tables = list(options.drop_tables) + ["FFTM"]
    font = subset.load_font(io.BytesIO(font_path(bold).read_bytes()), options)  # no file left open
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=subset_codepoints())
    subsetter.subset(font)
    buf = io.BytesIO()
    font.flavor = "woff"
    font.save(buf)
    return buf.getvalue()


def subset_codepoints() -> list[int]:
    """The code points the report's font keeps (Latin, Cyrillic, punctuation, marks).

    Examples
    --------
    >>> cps = subset_codepoints()
    >>> all(ord(c) in cps for c in "ëçčćšžđЂђ–▲▼")
    True
    """
    return [c for lo, hi in _UNICODE_RANGES for c in range(lo, hi + 1)]


def write_subsets(folder: str | Path | None = None) -> list[Path]:
    """Write the report's font subsets (:data:`SUBSET_FILES`) into ``folder`` (default: this package's).

    Run it (``python -m trustsurvey.fonts``) after changing the code points or the font.

    Parameters
    ----------
    folder : str or pathlib.Path, optional

    Returns
    -------
    list of pathlib.Path
        The files written (regular, bold).
    """
    target = Path(folder) if folder is not None else Path(__file__).parent
    written = []
    for bold, name in SUBSET_FILES.items():
        (target / name).write_bytes(build_subset(bold))
        written.append(target / name)
    return written


@lru_cache(maxsize=2)
def _subset_woff(bold: bool) -> bytes:
    shipped = Path(__file__).with_name(SUBSET_FILES[bold])
    return shipped.read_bytes() if shipped.is_file() else build_subset(bold)


def css_font_face(family: str = "TS DejaVu Sans") -> str:
    """CSS ``@font-face`` rules embedding DejaVu Sans (regular and bold) as data URIs.

    Parameters
    ----------
    family : str
        The family name the rules declare (use it first in ``font-family``).

    Returns
    -------
    str
        About 150 kB of CSS (the shipped subsets, read once per process).
    """
    rules = []
    for bold in (False, True):
        data = base64.b64encode(_subset_woff(bold)).decode("ascii")
        rules.append(
            "@font-face{font-family:'%s';font-style:normal;font-weight:%s;"
            "src:url(data:font/woff;base64,%s) format('woff');}" % (family, 700 if bold else 400, data)
        )
    return "\n".join(rules)
