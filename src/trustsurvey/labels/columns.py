"""Column titles: the heading a reader sees for each column of the house vocabulary.

The titles are English messages translated in the catalogue under the context
``column`` (the same English word can head a column and mean something else
elsewhere). A column that is not listed keeps its name.
"""

from __future__ import annotations

from .catalogue import NC_, catalogue

__all__ = ["COLUMN_TITLES", "column_title"]

#: column -> English title (the catalogue's message)
COLUMN_TITLES = {
    "item": NC_("column", "Item"),
    "item_label": NC_("column", "Item"),
    "metric": NC_("column", "Measure"),
    "level": NC_("column", "Code"),
    "level_label": NC_("column", "Answer"),
    "by": NC_("column", "Breakdown"),
    "group": NC_("column", "Group code"),
    "group_label": NC_("column", "Group"),
    "estimate": NC_("column", "Estimate"),
    "se": NC_("column", "SE"),
    "ci_low": NC_("column", "CI low"),
    "ci_high": NC_("column", "CI high"),
    "n_unweighted": NC_("column", "n"),
    "n_weighted": NC_("column", "Weighted n"),
    "deff": NC_("column", "Design effect"),
    "p_value": NC_("column", "p"),
    "p_adj": NC_("column", "Adjusted p"),
    "flag": NC_("column", "Note"),
    "wave": NC_("column", "Year"),
    "previous": NC_("column", "Previous"),
    "change": NC_("column", "Change"),
    "change_se": NC_("column", "SE of change"),
    "change_p": NC_("column", "p (change)"),
    "change_p_adj": NC_("column", "Adjusted p (change)"),
    "statistic": NC_("column", "Statistic"),
    "df": NC_("column", "df"),
    "ndf": NC_("column", "Numerator df"),
    "ddf": NC_("column", "Denominator df"),
    "moe": NC_("column", "Margin of error"),
    "priority": NC_("column", "Priority"),
    "rule": NC_("column", "Rule"),
    "status": NC_("column", "Status"),
    "text": NC_("column", "Recommendation"),
    "id": NC_("column", "Id"),
    "test": NC_("column", "Test"),
    "variable": NC_("column", "Variable"),
    "term": NC_("column", "Term"),
    "trend_slope": NC_("column", "Trend slope"),
    "trend_p": NC_("column", "p (trend)"),
}


def column_title(column: str, lang: str) -> str:
    """The heading of a table column in ``lang`` (the column name itself when it is not a known column).

    >>> column_title("ci_low", "sr"), column_title("Activity", "sr"), column_title("estimate", "sr-Cyrl")
    ('IP donja', 'Activity', 'Процена')
    """
    title = COLUMN_TITLES.get(column)
    return column if title is None else catalogue(lang).pgettext("column", title)
