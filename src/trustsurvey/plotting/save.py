"""Saving figures: PNG and SVG, deterministic metadata, the package font."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Sequence

from ..errors import ReportError
from ._style import style

__all__ = ["save_figure", "figure_bytes", "FORMATS"]

FORMATS = ("png", "svg", "pdf")
# No dates or software versions in the files: the same figure gives the same bytes.
_METADATA = {"png": {"Software": None}, "svg": {"Date": None, "Creator": None},
             "pdf": {"CreationDate": None, "ModDate": None, "Creator": None, "Producer": None}}


def _figure(fig_or_ax):
    from matplotlib.figure import Figure

    fig = fig_or_ax
    for _ in range(3):  # Axes -> (Sub)Figure -> Figure
        if isinstance(fig, Figure):
            return fig
        fig = getattr(fig, "figure", None)
    raise ReportError(f"expected a matplotlib Figure or Axes, got {type(fig_or_ax).__name__}")


def figure_bytes(fig, fmt: str = "png", *, dpi: int = 150) -> bytes:
    """The figure (or the figure of an Axes) as PNG, SVG or PDF bytes.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> fig = Figure(); _ = fig.add_subplot().plot([1, 2])
    >>> figure_bytes(fig, "png")[:4]
    b'\\x89PNG'
    """
    if fmt not in FORMATS:
        raise ReportError(f"unknown figure format {fmt!r}; choose from {', '.join(FORMATS)}")
    fig = _figure(fig)
    with style():
        if fmt == "svg":
            data = _svg_drawn_once(fig, dpi)
            if data is not None:
                return data
        buf = io.BytesIO()
        fig.savefig(buf, format=fmt, dpi=dpi, bbox_inches="tight", pad_inches=_PAD_INCHES,
                    metadata=_METADATA[fmt], facecolor="white")
    return buf.getvalue()


_PAD_INCHES = 0.15  # white space around the drawn content
_SVG_SIZE = re.compile(r'width="([0-9.]+)pt" height="([0-9.]+)pt" viewBox="0 0 ([0-9.]+) ([0-9.]+)"')


def _svg_drawn_once(fig, dpi: int) -> bytes | None:
    """The figure as SVG cropped to its content, drawn once (None if matplotlib's SVG header is not as expected).

    ``savefig(bbox_inches="tight")`` draws a figure twice: once to measure what
    it covers, once to write it. Here the figure is drawn once, as matplotlib's
    SVG backend draws it (at 72 units per inch, images at ``dpi``), then measured
    with the same renderer (which keeps the text extents it has just computed),
    and the SVG's viewport is set to that box plus the padding: the same picture
    as a tight box gives, for about 60% of the work.
    """
    from matplotlib.backends.backend_mixed import MixedModeRenderer
    from matplotlib.backends.backend_svg import RendererSVG

    buf = io.StringIO()
    width, height = fig.get_size_inches()
    old = fig.dpi, fig.patch.get_facecolor(), fig.patch.get_edgecolor()
    try:
        fig.dpi = 72
        fig.patch.set_facecolor("white")
        fig.patch.set_edgecolor("white")
        renderer = MixedModeRenderer(fig, width, height, dpi,
                                     RendererSVG(width * 72, height * 72, buf, image_dpi=dpi,
                                                 metadata=_METADATA["svg"]))
        fig.draw(renderer)
        box = fig.get_tightbbox(renderer).padded(_PAD_INCHES)
        renderer.finalize()
    finally:
        fig.dpi = old[0]
        fig.patch.set_facecolor(old[1])
        fig.patch.set_edgecolor(old[2])
    text = buf.getvalue()
    head = _SVG_SIZE.search(text, 0, 2000)
    if head is None:
        return None
    x0, y0 = box.x0 * 72, (height - box.y1) * 72  # SVG's y runs down from the top
    w, h = _number(box.width * 72), _number(box.height * 72)
    x0, y0 = _number(x0), _number(y0)
    size = f'width="{w}pt" height="{h}pt" viewBox="{x0} {y0} {w} {h}"'
    start = text.index(">", head.end()) + 1  # the end of the <svg> tag: a white ground under the whole box
    ground = f'\n <rect x="{x0}" y="{y0}" width="{w}" height="{h}" style="fill: #ffffff"/>'
    return (text[:head.start()] + size + text[head.end():start] + ground + text[start:]).encode("utf-8")


def _number(x: float) -> str:
    """A coordinate as matplotlib's SVG writes them: six decimals, no trailing zeros."""
    return f"{x:.6f}".rstrip("0").rstrip(".")


def save_figure(fig, path_stem: str | Path, formats: Sequence[str] = ("png", "svg"), *,
                dpi: int = 150) -> list[Path]:
    """Write a figure as ``<path_stem>.png``, ``<path_stem>.svg`` (and/or ``.pdf``).

    Parameters
    ----------
    fig : matplotlib.figure.Figure or matplotlib.axes.Axes
    path_stem : str or pathlib.Path
        The file name without extension; its folder is created if needed.
    formats : sequence of {"png", "svg", "pdf"}
    dpi : int
        Resolution of the PNG.

    Returns
    -------
    list of pathlib.Path
        The files written, in the order of ``formats``.
    """
    fmts = [formats] if isinstance(formats, str) else list(formats)
    bad = [f for f in fmts if f not in FORMATS]
    if bad or not fmts:
        raise ReportError(f"unknown figure format(s) {bad}; choose from {', '.join(FORMATS)}")
    stem = Path(path_stem)
    stem.parent.mkdir(parents=True, exist_ok=True)
    out = []
    for fmt in fmts:
        path = stem.with_name(stem.name + "." + fmt)
        path.write_bytes(figure_bytes(fig, fmt, dpi=dpi))
        out.append(path)
    return out
