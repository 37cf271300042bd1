"""Saving figures: PNG and SVG, deterministic metadata, the package font."""

from __future__ import annotations

import io
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
    buf = io.BytesIO()
    with style():
        fig.savefig(buf, format=fmt, dpi=dpi, bbox_inches="tight", pad_inches=0.15,
                    metadata=_METADATA[fmt], facecolor="white")
    return buf.getvalue()


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
