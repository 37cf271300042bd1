"""Column headings of the report's own tables, in the report's language.

The house vocabulary's columns are titled by :mod:`trustsurvey.labels.columns`;
the tables only a report shows (the recommendations for readers, the monitoring
of last year's plan, margins of error) add their columns here, in the same
catalogue context ``column``. A column known to neither keeps its name.
"""

from __future__ import annotations

from ..labels import catalogue
from ..labels.catalogue import NC_
from ..labels.columns import COLUMN_TITLES

__all__ = ["REPORT_COLUMN_TITLES", "title"]

#: column -> English title (the catalogue's message, context ``column``)
REPORT_COLUMN_TITLES = {
    "item": NC_("column", "Item code"),
    "rank": NC_("column", "Rank"),
    "finding": NC_("column", "Finding"),
    "responsible": NC_("column", "Responsible institution"),
    "supporting": NC_("column", "Supporting institution"),
    "deadline": NC_("column", "Deadline"),
    "status_label": NC_("column", "Status"),
    "previous_estimate": NC_("column", "Previous estimate"),
    "comment": NC_("column", "Comment"),
    "count": NC_("column", "Number"),
    "rule_text": NC_("column", "Rule"),
    "interval": NC_("column", "95% CI"),
    "moe_50": NC_("column", "Margin of error of a 50% share"),
    "moe_own": NC_("column", "Margin of error"),
    "deff_used": NC_("column", "Design effect"),
    "indicator": NC_("column", "Indicator"),
    "value": NC_("column", "Value"),
    "area_label": NC_("column", "Area"),
    "region_label": NC_("column", "Region"),
    "cv": NC_("column", "Coefficient of variation"),
    "direct": NC_("column", "Direct survey estimate"),
}


def title(column: str, lang: str) -> str:
    """The heading of a column in ``lang``: the house vocabulary's title, the report's own, or the name.

    Examples
    --------
    >>> title("estimate", "sq"), title("responsible", "en"), title("Activity", "sr")
    ('Vlerësimi', 'Responsible institution', 'Activity')
    """
    message = REPORT_COLUMN_TITLES.get(column) or COLUMN_TITLES.get(column)
    return column if message is None else catalogue(lang).pgettext("column", message)
