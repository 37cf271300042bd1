"""Figures of the annual report, drawn from the tidy ``ts.breakdown`` and ``ts.trend`` tables.

Each function has the form ``fn(frame, *, ax=None, lang="en", ...) -> Axes``: it
draws on ``ax`` or on the axes of a new ``matplotlib.figure.Figure`` (no pyplot,
no global state), labels in the chosen language (item and group labels come
from the table, the figure's own words from ``lang``), uses the Okabe-Ito
colour-blind-safe palette and the DejaVu Sans font (every Albanian and Serbian
letter), and can put a caption with source, base and year under the chart.

- :func:`plot_estimates`: estimates with intervals by group, national reference line;
- :func:`plot_likert`: diverging stacked bars, neutral centred, "don't know" apart;
- :func:`plot_trend`: lines with interval bands across waves;
- :func:`plot_heatmap`: items x regions, suppressed cells hatched;
- :func:`save_figure`: PNG and SVG (deterministic metadata);
- :func:`caption_text`: the standard caption.
"""

from __future__ import annotations

from .._lazy import lazy_names

#: each public name and the module that defines it (imported when first used: matplotlib is not
#: loaded by a process that only needs the report's marks and colours)
_EXPORTS = {
    "plot_estimates": ".estimates", "plot_likert": ".likert", "plot_trend": ".trend", "plot_heatmap": ".heatmap",
    "save_figure": ".save", "figure_bytes": ".save", "caption_text": "._style", "OKABE_ITO": "._style",
}

__all__ = ["plot_estimates", "plot_likert", "plot_trend", "plot_heatmap", "save_figure", "figure_bytes",
           "caption_text", "OKABE_ITO"]


__getattr__, __dir__ = lazy_names(__name__, _EXPORTS, __all__)
