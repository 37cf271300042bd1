"""One vocabulary for the whole package: metric ids, column names, flags and interface languages.

Every layer takes these names from here; none keeps its own list. Column names
are promises (``shared/ARCHITECTURE.md``): a table never renames them, and a
column never comes and goes with an option.

Two words are kept apart on purpose: ``level`` is always a *category* (the code
of a ``share`` row, the option of an ``option_share`` row, the probability of a
quantile), and ``conf_level`` is always a *confidence level* (0.95).
"""

from __future__ import annotations

__all__ = [
    "METRICS", "NET_METRICS", "PROPORTION_METRICS", "is_proportion", "INDEX_MEAN",
    "ESTIMATE_COLUMNS", "TEST_COLUMNS", "BREAKDOWN_COLUMNS", "TREND_COLUMNS", "KEY_COLUMNS",
    "NATIONAL", "ALL_GROUPS", "FLAGS", "SUPPRESSED", "LOW_BASE", "UNRELIABLE",
    "INTERFACE_LANGUAGES", "DEFAULT_LANGUAGE",
]

#: the metrics of a breakdown: the shares of a scale's favourable and unfavourable nets, the mean
#: score, the share of every code, the "don't know" share among those asked, the share naming each
#: option of a multiple-response question
METRICS = ("top2", "bottom2", "mean", "share", "dont_know", "option_share")
#: metrics that are the share of a named net of codes
NET_METRICS = ("top2", "bottom2")
#: metrics whose estimates are proportions (0-1); the rest (``mean``) are scores or index values
PROPORTION_METRICS = frozenset({"top2", "bottom2", "share", "dont_know", "option_share"})
#: a target's name for the mean of an index (the ``mean`` row of an index item)
INDEX_MEAN = "index_mean"


def is_proportion(metric: str) -> bool:
    """Whether estimates of ``metric`` are proportions (shown as percentages).

    A net named in a questionnaire (``yes``, ``promoters``) is a share too; only
    means and index means are not.

    >>> is_proportion("top2"), is_proportion("mean"), is_proportion("yes"), is_proportion("index_mean")
    (True, False, True, False)
    """
    return metric not in ("mean", INDEX_MEAN)


#: the columns of every estimate table, after its by-columns, in this order
ESTIMATE_COLUMNS = ["variable", "level", "estimate", "se", "ci_low", "ci_high", "df", "deff",
                    "n_unweighted", "n_weighted"]
#: the columns of a test result
TEST_COLUMNS = ["statistic", "df", "p_value", "p_adj"]
#: the key columns that identify a row of a breakdown (and, with ``wave``, of a trend)
KEY_COLUMNS = ["item", "metric", "level", "by", "group"]
#: the columns of ``ts.breakdown``
BREAKDOWN_COLUMNS = ["item", "item_label", "metric", "level", "level_label", "by", "group", "group_label",
                     "estimate", "se", "ci_low", "ci_high", "n_unweighted", "n_weighted", "deff",
                     "p_value", "p_adj", "flag"]
#: the columns of ``ts.trend``
TREND_COLUMNS = ["item", "item_label", "metric", "level", "level_label", "by", "group", "group_label",
                 "wave", "estimate", "se", "ci_low", "ci_high", "n_unweighted", "change", "change_se",
                 "change_p", "change_p_adj", "trend_slope", "trend_p", "flag"]

#: ``by`` and ``group`` of the rows about the whole population
NATIONAL = "national"
ALL_GROUPS = "all"

#: small-base flags of a breakdown row
SUPPRESSED, LOW_BASE, UNRELIABLE = "suppressed", "low_base", "unreliable"
FLAGS = ("", SUPPRESSED, LOW_BASE, UNRELIABLE)

#: languages of the interface catalogue (report, figures, action plan); a questionnaire declares
#: its own languages for its labels, and ``sr-Cyrl`` is made from ``sr`` by transliteration
INTERFACE_LANGUAGES = ("en", "sq", "sr", "sr-Cyrl")
DEFAULT_LANGUAGE = "en"
