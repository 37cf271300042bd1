"""Tables as the report shows them: formatted cells in the report's language.

The statistical tables stay tidy and numeric (CSV, Excel, manifest); this
module only turns them into text for the HTML page: percentages for shares,
``<0.001`` for small p-values, translated headings and flags, a wide
"groups as columns" view of a breakdown, key indicators with their change since
the previous wave, and margins of error.
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd

from ..errors import ReportError
from ..labels import Meaning, catalogue
from ..labels import meaning as meaning_of
from ..labels.columns import column_title
from ..labels.numbers import format_number, format_p_short
from ..vocabulary import PROPORTION_METRICS
from ..plotting._style import MARK_BETTER, MARK_DIFFERENT, MARK_WORSE, judgement
from .safety import check_no_microdata

__all__ = ["display_table", "breakdown_tables", "key_indicators", "margins_of_error"]
_PCT_COLUMNS = frozenset({"estimate", "ci_low", "ci_high", "previous"})
_PTS_COLUMNS = frozenset({"se", "change_se", "change"})
_P_COLUMNS = frozenset({"p_value", "p_adj", "change_p", "change_p_adj", "trend_p"})
_FLAG_MARK = {"low_base": "*", "unreliable": "†"}
_MARK = {1: MARK_BETTER, -1: MARK_WORSE, 2: MARK_DIFFERENT}
#: CSS class of a significantly better / worse / different cell
_CLASS = {1: "better", -1: "worse", 2: "different"}


def _missing(v: Any) -> bool:
    return v is None or (not isinstance(v, str) and bool(pd.isna(v)))


def format_p(p: float, lang: str) -> str:
    """``<0.001`` or three decimals, with the language's decimal mark."""
    return format_p_short(p, lang)


def _cell(value: Any, column: str, proportion: bool, lang: str, alpha: float) -> dict:
    t = catalogue(lang)
    if _missing(value):
        return {"text": "—", "cls": "na"}
    if isinstance(value, (bool, np.bool_)):
        return {"text": t("yes") if value else t("no"), "cls": ""}
    if column == "flag":
        flags = {"suppressed": t("not shown: too few respondents"), "low_base": t("low base"),
                 "unreliable": t("unreliable")}
        return {"text": flags.get(str(value), str(value)) if value else "", "cls": "flag"}
    if column == "metric":
        return {"text": meaning_of(None, lang).metric(str(value)), "cls": ""}
    if isinstance(value, (int, np.integer)) or (isinstance(value, (float, np.floating)) and column in
                                                ("n_unweighted", "wave", "n_weighted")):
        dec = 0
        return {"text": format_number(float(value), dec, lang) if column != "wave" else str(int(value)),
                "cls": "num"}
    if isinstance(value, (float, np.floating)):
        v = float(value)
        if column in _P_COLUMNS:
            return {"text": format_p(v, lang), "cls": "num sig" if v < alpha else "num"}
        if column == "moe":
            return {"text": "±" + format_number(100 * v if proportion else v, 1, lang), "cls": "num"}
        if proportion and column in _PCT_COLUMNS:
            return {"text": format_number(100 * v, 1, lang) + "%", "cls": "num"}
        if proportion and column in _PTS_COLUMNS:
            sign = "+" if column == "change" and v > 0 else ""
            return {"text": sign + format_number(100 * v, 1, lang), "cls": "num"}
        if column == "change":
            return {"text": ("+" if v > 0 else "") + format_number(v, 2, lang), "cls": "num"}
        return {"text": format_number(v, 2 if abs(v) >= 1 else 3, lang), "cls": "num"}
    return {"text": str(value), "cls": ""}


def display_table(frame: pd.DataFrame, lang: str = "en", *, alpha: float = 0.05, name: str = "table",
                  columns: Sequence[str] | None = None) -> dict:
    """A table as headings and formatted cells.

    Parameters
    ----------
    frame : pandas.DataFrame
    lang : str
    alpha : float
        p-values below it are marked (class ``sig``).
    name : str
        The table's name in error messages.
    columns : list of str, optional
        Columns to show (all by default).

    Notes
    -----
    Estimates, intervals and changes are shown as percentages in rows whose
    ``metric`` is a proportion; in a table without a ``metric`` column, when
    every ``estimate`` lies in [0, 1].

    Returns
    -------
    dict
        ``{"headers": [str], "rows": [[{"text", "cls", "ci", "title"}]]}``.

    Examples
    --------
    >>> t = pd.DataFrame({"metric": ["top2"], "estimate": [0.634], "p_adj": [0.0004]})
    >>> [c["text"] for c in display_table(t, "sq")["rows"][0]]
    ['dy përgjigjet më të larta', '63,4%', '<0,001']
    """
    if not isinstance(frame, pd.DataFrame):
        raise ReportError(f"table {name!r} is a {type(frame).__name__}, not a pandas DataFrame")
    check_no_microdata(frame, name)
    cols = list(frame.columns) if columns is None else [c for c in columns if c in frame.columns]
    if "metric" in frame.columns:
        proportion = frame["metric"].astype(str).isin(list(PROPORTION_METRICS)).tolist()
    else:
        # no metric column (recommendations, say): estimates are shares when all lie in [0, 1]
        est = pd.to_numeric(frame["estimate"], errors="coerce") if "estimate" in frame.columns else pd.Series([])
        shares = bool(len(est.dropna())) and bool(est.dropna().between(0, 1).all())
        proportion = [shares] * len(frame)
    rows = []
    for i, record in enumerate(frame[cols].itertuples(index=False, name=None)):
        prop = proportion[i]
        rows.append([{"ci": "", "title": "", **_cell(v, str(c), prop, lang, alpha)} for c, v in zip(cols, record)])
    return {"headers": [column_title(str(c), lang) for c in cols], "rows": rows}


def _row_keys(frame: pd.DataFrame, metric: str) -> list[tuple[str, str, str]]:
    keys = []
    for item, sub in frame.groupby("item", sort=False):
        present = set(sub["metric"])
        if metric in present:
            keys.append((item, metric, ""))
        elif "mean" in present:
            keys.append((item, "mean", ""))
        elif "option_share" in present:
            opts = sub[sub["metric"] == "option_share"]["level"].astype(str)
            keys += [(item, "option_share", lv) for lv in dict.fromkeys(opts)]
    return keys


def breakdown_tables(frame: pd.DataFrame, lang: str = "en", *, metric: str = "top2", alpha: float = 0.05,
                     by: Sequence[str] | None = None, by_labels: dict[str, str] | None = None,
                     meaning: Meaning | None = None) -> list[dict]:
    """A breakdown as one wide table per demographic: items as rows, national and groups as columns.

    Each item shows ``metric`` (top-2 share by default), or its mean when it has
    no such metric (indices), or one row per option (multiple response). Cells
    hold the value, ``▲``/``▼`` when the group is significantly better/worse than the rest
    (adjusted p below ``alpha``; better is the item's favourable direction from ``meaning``,
    so a negatively worded item significantly above the rest is worse: ``▼``, class ``worse``),
    ``◆`` a significant difference without a favourable direction, ``*`` low base, ``†``
    unreliable, ``—`` suppressed, and the confidence interval in small print.

    Returns
    -------
    list of dict
        ``{"title", "by", "headers", "rows"}`` per demographic; rows are lists of
        ``{"text", "ci", "cls", "title"}`` cells, the first being the item label.
    """
    t = catalogue(lang)
    m = meaning_of(None, lang) if by_labels is None and meaning is None else meaning
    polar = meaning if meaning is not None else meaning_of(None, lang)

    needed = ["item", "item_label", "metric", "level", "level_label", "by", "group", "group_label", "estimate",
              "ci_low", "ci_high", "n_unweighted", "p_adj", "flag"]
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise ReportError(f"the breakdown table lacks column(s) {', '.join(missing)}; pass a ts.breakdown table")
    check_no_microdata(frame, "breakdown")
    keys = _row_keys(frame, metric)
    demos = [b for b in dict.fromkeys(frame["by"].astype(str)) if b != "national"]
    if by is not None:
        demos = [b for b in demos if b in set(by)]
    f = frame.assign(_level=frame["level"].astype(str), _group=frame["group"].astype(str))
    # every row once, by its key (the first of duplicates), as a plain dict: cells are looked up, not filtered
    cells: dict[tuple, dict] = {}
    firsts: dict[tuple, dict] = {}
    for r in f[["item", "metric", "_level", "by", "_group", "item_label", "level_label", "estimate", "ci_low",
                "ci_high", "n_unweighted", "p_adj", "flag"]].to_dict("records"):
        cells.setdefault((r["item"], r["metric"], r["_level"], r["by"], r["_group"]), r)
        firsts.setdefault((r["item"], r["metric"], r["_level"]), r)
    labels = {}
    for item, met, level in keys:
        first = firsts[(item, met, level)]
        label = str(first["item_label"])
        if met == "option_share":
            label += " — " + str(first["level_label"])
        elif met != metric:
            label += f" ({meaning_of(None, lang).metric(met)})"
        labels[(item, met, level)] = label
    out = []
    for demo in demos:
        groups = list(dict.fromkeys(zip(f.loc[f["by"] == demo, "_group"], f.loc[f["by"] == demo, "group_label"])))
        nat = f[f["by"] == "national"]
        cols = ([("national", "all", str(nat["group_label"].iloc[0]))] if len(nat) else []) + \
            [(demo, g, str(lab)) for g, lab in groups]
        rows = []
        for item, met, level in keys:
            row = [{"text": labels[(item, met, level)], "ci": "", "cls": "label", "title": ""}]
            nat_v = np.nan
            for b, g, _ in cols:
                r = cells.get((item, met, level, b, g))
                if r is None:
                    row.append({"text": "", "ci": "", "cls": "na", "title": ""})
                    continue
                row.append(_wide_cell(r, met, lang, alpha, nat_v, t, polar.polarity(item, met)))
                if b == "national":
                    nat_v = float(r["estimate"]) if not _missing(r["estimate"]) else np.nan
            rows.append(row)
        name = (by_labels or {}).get(demo) or (m.demographic(demo) if m is not None else demo)
        out.append({"title": t.format("By {name}", name=name), "by": demo,
                    "headers": [t("Indicator")] + [c[2] for c in cols], "rows": rows})
    return out


def _wide_cell(r: Mapping, metric: str, lang: str, alpha: float, national: float, t, polarity: int = 1) -> dict:
    flag = "" if _missing(r["flag"]) else str(r["flag"])
    est = r["estimate"]
    n_text = "n = " + format_number(float(r["n_unweighted"]), 0, lang) if not _missing(r["n_unweighted"]) else ""
    if flag == "suppressed" or _missing(est):
        return {"text": "—", "ci": "", "cls": "suppressed",
                "title": f"{t('not shown: too few respondents')} ({n_text})"}
    prop = metric in PROPORTION_METRICS
    scale, dec, unit = (100.0, 0, "%") if prop else (1.0, 1, "")
    text = format_number(scale * float(est), dec, lang) + unit
    padj = r["p_adj"]
    cls = "num"
    judged = int(judgement(float(est), national, np.nan if _missing(padj) else float(padj), polarity, alpha))
    if judged:
        text += _MARK[judged]
        cls += " " + _CLASS[judged]
    text += _FLAG_MARK.get(flag, "")
    if flag:
        cls += " " + flag
    lo, hi = r["ci_low"], r["ci_high"]
    ci = ""
    if not _missing(lo) and not _missing(hi):
        ci = f"{format_number(scale * float(lo), dec, lang)}–{format_number(scale * float(hi), dec, lang)}"
    title = f"{t('95% CI')}: {ci}{unit}; {n_text}" if ci else n_text
    if flag:
        title += "; " + {"low_base": t("low base"), "unreliable": t("unreliable")}.get(flag, flag)
    return {"text": text, "ci": ci, "cls": cls, "title": title}


def key_indicators(table: pd.DataFrame, items: Sequence[str] | None = None,
                   metrics: Sequence[str] = ("top2", "mean")) -> pd.DataFrame:
    """The national headline figures, with the change since the previous wave when known.

    Parameters
    ----------
    table : pandas.DataFrame
        A ``ts.trend`` table (the last wave is shown, with ``change`` and its
        p-values) or a ``ts.breakdown`` table (no change).
    items : list of str, optional
        Items in the order to show (every item by default).
    metrics : list of str
        For each item, the first of these metrics it has (without levels).

    Returns
    -------
    pandas.DataFrame
        Columns ``item, item_label, metric, wave, estimate, ci_low, ci_high, n_unweighted, previous_wave,
        previous, change, change_p, change_p_adj, flag`` (change columns NA without an earlier wave) and
        ``detectable``: for a share, the smallest change to the next wave that a sample like this one
        detects (two-sided 5% test, power 80%, the item's own design effect; see
        :func:`detectable_change`), NaN for means.

    Examples
    --------
    >>> from trustsurvey.plotting._examples import example_trend
    >>> k = key_indicators(example_trend(), items=["trust_police", "confidence_index"])
    >>> k[["item", "metric", "wave", "previous_wave"]].values.tolist()
    [['trust_police', 'top2', 2025, 2024], ['confidence_index', 'mean', 2025, 2024]]
    """
    need = ["item", "item_label", "metric", "level", "by", "estimate", "ci_low", "ci_high", "n_unweighted", "flag"]
    missing = [c for c in need if c not in table.columns]
    if missing:
        raise ReportError(f"key_indicators needs a ts.trend or ts.breakdown table; it lacks {', '.join(missing)}")
    nat = table[(table["by"] == "national") & (table["level"].astype(str) == "")]
    all_items = list(dict.fromkeys(nat["item"]))
    if items is None:
        items = all_items
    else:
        unknown = [i for i in items if i not in all_items]
        if unknown:
            raise ReportError(f"key_indicators: item(s) {', '.join(unknown)} have no national row; available: "
                              f"{', '.join(all_items)}")
    has_wave = "wave" in nat.columns
    records = []
    for item in items:
        sub = nat[nat["item"] == item]
        met = next((m for m in metrics if m in set(sub["metric"])), None)
        if met is None:
            continue
        sub = sub[sub["metric"] == met]
        if has_wave:
            sub = sub.sort_values("wave")
        last = sub.iloc[-1]
        prev = sub.iloc[-2] if has_wave and len(sub) > 1 else None
        records.append({
            "item": item, "item_label": last["item_label"], "metric": met,
            "wave": int(last["wave"]) if has_wave else pd.NA,
            "estimate": last["estimate"], "ci_low": last["ci_low"], "ci_high": last["ci_high"],
            "n_unweighted": last["n_unweighted"],
            "previous_wave": int(prev["wave"]) if prev is not None else pd.NA,
            "previous": prev["estimate"] if prev is not None else np.nan,
            "change": last["change"] if has_wave and "change" in sub.columns and prev is not None else np.nan,
            "change_p": last.get("change_p", np.nan) if prev is not None else np.nan,
            "change_p_adj": last.get("change_p_adj", np.nan) if prev is not None else np.nan,
            "flag": last["flag"],
            "detectable": (detectable_change(last["estimate"], last.get("se", np.nan), last["n_unweighted"])
                           if met in PROPORTION_METRICS else np.nan),
        })
    out = pd.DataFrame.from_records(records, columns=[
        "item", "item_label", "metric", "wave", "estimate", "ci_low", "ci_high", "n_unweighted", "previous_wave",
        "previous", "change", "change_p", "change_p_adj", "flag", "detectable"])
    for c in ("wave", "previous_wave"):
        out[c] = out[c].astype("Int64")
    return out


def detectable_change(p: float, se: float, n: float, *, power: float = 0.8, alpha: float = 0.05) -> float:
    """The smallest change of a share ``p`` to the next wave that a sample like this one detects.

    The next wave is taken to be the same size with the same design effect,
    which is the item's own: ``deff = se^2 / (p (1 - p) / n)`` (its variance
    against simple random sampling of ``n``). The change is
    :func:`trustsurvey.planning.min_detectable_change` for independent samples,
    two-sided at ``alpha`` with the given ``power`` (the larger of the changes
    up and down). NaN when the share, its standard error or the base is
    missing, or the share is 0 or 1.

    Examples
    --------
    With the design effect of simple random sampling, 1,500 interviews a wave
    detect a change of 5 points from 60% (PracTools' ``nProp2sam`` inverted):

    >>> round(detectable_change(0.6, (0.6 * 0.4 / 1500) ** 0.5, 1500), 4)
    0.0505
    >>> bool(np.isnan(detectable_change(0.6, float("nan"), 1500)))
    True
    """
    from ..planning import min_detectable_change

    try:
        p, se, n = float(p), float(se), float(n)
    except (TypeError, ValueError):
        return np.nan
    if not (np.isfinite(p) and np.isfinite(se) and np.isfinite(n)) or not 0 < p < 1 or se <= 0 or n < 2:
        return np.nan
    deff = se * se * n / (p * (1.0 - p))
    return float(min_detectable_change(n, p, power=power, alpha=alpha, deff=deff))


def margins_of_error(breakdown: pd.DataFrame, items: Sequence[str] | None = None) -> pd.DataFrame:
    """Each item's own margin of error: half the width of its national 95% confidence interval.

    For each item (the key ``items``, or every item), its national top-two share, or its mean when
    it has none. The margin of error of a 50% share per group, with the survey's design effect,
    is :func:`trustsurvey.pipeline.margins_of_error`.

    Returns
    -------
    pandas.DataFrame
        Columns ``item, item_label, metric, estimate, ci_low, ci_high, n_unweighted, moe`` (moe in the
        estimate's unit: 0.041 is ±4.1 percentage points for a share).

    Examples
    --------
    >>> from trustsurvey.plotting._examples import example_breakdown
    >>> m = margins_of_error(example_breakdown(), items=["trust_police"])
    >>> m[["item", "metric"]].values.tolist(), bool(m["moe"].between(0, 0.5).all())
    ([['trust_police', 'top2']], True)
    """
    need = ["item", "item_label", "metric", "level", "by", "estimate", "ci_low", "ci_high", "n_unweighted"]
    missing = [c for c in need if c not in breakdown.columns]
    if missing:
        raise ReportError(f"margins_of_error needs a ts.breakdown table; it lacks {', '.join(missing)}")
    nat = breakdown[(breakdown["by"] == "national") & (breakdown["level"].astype(str) == "")]
    wanted = list(dict.fromkeys(nat["item"])) if items is None else list(items)
    rows = []
    for item in wanted:
        sub = nat[nat["item"] == item]
        met = next((x for x in ("top2", "mean") if x in set(sub["metric"])), None)
        if met is None:
            continue
        r = sub[sub["metric"] == met].iloc[0]
        rows.append((item, r["item_label"], met, r["estimate"], r["ci_low"], r["ci_high"], r["n_unweighted"],
                     (float(r["ci_high"]) - float(r["ci_low"])) / 2))
    return pd.DataFrame(rows, columns=["item", "item_label", "metric", "estimate", "ci_low", "ci_high",
                                       "n_unweighted", "moe"])
