"""Check response data against a :class:`~trustsurvey.io.spec.ValidationSpec` in one pass.

:func:`check_responses` looks at every column once, with vectorised numpy
operations (no loop over rows), and collects *every* problem into one table
with the columns ``row, respondent_id, column, value, problem``:

- required columns missing from the file, columns the questionnaire does not know;
- values that are not numbers in coded or numeric columns;
- codes outside the scale (valid and missing codes), demographic codes outside
  their scale, numbers outside their range or not whole;
- answers where routing (``asked_if``) says the question was not asked, and blank
  cells where it was asked;
- multiple-response options other than 0/1 and exclusive options ("none of
  these") chosen together with another option;
- blank or duplicate respondent ids;
- blank, non-numeric, zero, negative or infinite design weights, blank strata or
  PSUs, and PSUs that appear in more than one stratum (unless ``nest``).

At the same time it builds the clean analysis frame: missing codes become NA
and their kind (``dont_know``, ``refused``, ``not_applicable``, or
``not_asked`` for a blank cell routing skipped) is kept in a separate
``missing_kinds`` frame; values that failed a check become NA too.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..errors import QuestionnaireError
from ._values import coded_values, date_values, is_blank_text, numbers
from .spec import ColumnSpec, ValidationSpec, _num

__all__ = ["check_responses", "PROBLEM_COLUMNS", "empty_problems"]

#: Columns of the problem table, in order.
PROBLEM_COLUMNS = ("row", "respondent_id", "column", "value", "problem")


def _kind_code(spec: ValidationSpec) -> dict[str, int]:
    """Category number of each missing kind of the spec (``not_asked`` last)."""
    return {k: i for i, k in enumerate(spec.missing_kinds)}


def empty_problems() -> pd.DataFrame:
    """An empty problem table with the right columns and dtypes.

    >>> list(empty_problems().columns)
    ['row', 'respondent_id', 'column', 'value', 'problem']
    """
    return pd.DataFrame(
        {
            "row": pd.Series([], dtype="Int64"),
            "respondent_id": pd.Series([], dtype="str"),
            "column": pd.Series([], dtype="str"),
            "value": pd.Series([], dtype="str"),
            "problem": pd.Series([], dtype="str"),
        }
    )


def _display(values: np.ndarray) -> list:
    """Raw cell values as a problem table shows them (``7`` not ``7.0``; blank as ``''``)."""
    out = []
    for v in values:
        if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)):
            out.append("")
        elif isinstance(v, (float, np.floating)) and np.isfinite(v) and float(v).is_integer():
            out.append(str(int(v)))
        else:
            out.append(str(v))
    return out


@dataclass
class _Collector:
    """Accumulates problems as arrays (one block per check), concatenated at the end."""

    n: int
    ids: np.ndarray | None = None  # raw respondent ids (object array) or None
    blocks: list = field(default_factory=list)
    order: dict = field(default_factory=dict)  # column -> position (for sorting)

    def column_problem(self, column: str, problem: str) -> None:
        self.blocks.append(
            pd.DataFrame(
                {
                    "row": pd.array([pd.NA], dtype="Int64"),
                    "respondent_id": pd.array([pd.NA], dtype="str"),
                    "column": [column],
                    "value": pd.array([pd.NA], dtype="str"),
                    "problem": [problem],
                }
            )
        )

    def rows(self, column: str, mask: np.ndarray, raw: np.ndarray, problem) -> None:
        """Add one problem per row where ``mask`` is true; ``problem`` is a str or an array."""
        idx = np.flatnonzero(mask)
        if not len(idx):
            return
        if isinstance(problem, str):
            texts = np.full(len(idx), problem, dtype=object)
        else:
            texts = np.asarray(problem, dtype=object)[idx]
        ids = _display(self.ids[idx]) if self.ids is not None else [""] * len(idx)
        self.blocks.append(
            pd.DataFrame(
                {
                    "row": pd.array(idx + 1, dtype="Int64"),
                    "respondent_id": pd.array([i if i != "" else pd.NA for i in ids], dtype="str"),
                    "column": np.full(len(idx), column, dtype=object),
                    "value": pd.array(_display(raw[idx]), dtype="str"),
                    "problem": texts,
                }
            )
        )

    def cells(self, found: list) -> None:
        """Problems found before the checks: ``(row (0-based), column, value, problem)`` tuples."""
        for row, column, value, problem in found:
            mask = np.zeros(self.n, dtype=bool)
            mask[row] = True
            raw = np.full(self.n, None, dtype=object)
            raw[row] = value
            self.rows(column, mask, raw, problem)

    def frame(self) -> pd.DataFrame:
        if not self.blocks:
            return empty_problems()
        out = pd.concat(self.blocks, ignore_index=True)
        out["column"] = out["column"].astype("str")
        out["problem"] = out["problem"].astype("str")
        pos = out["column"].map(self.order).fillna(len(self.order)).to_numpy()
        row = out["row"].to_numpy(dtype=float, na_value=-1.0)
        order = np.lexsort((np.arange(len(out)), pos, row))
        return out.iloc[order].reset_index(drop=True)


@dataclass
class _Column:
    """A column's raw values, numbers, and masks, computed once."""

    spec: ColumnSpec
    raw: np.ndarray  # the cells as read (native dtype)
    values: np.ndarray | None  # float (numeric kinds) or None
    blank: np.ndarray  # bool
    bad: np.ndarray  # bool: failed a check (value becomes NA)
    kind_codes: np.ndarray  # int8, -1 = answered / no kind
    parsed: pd.Series | None = None  # dates and times


def _code_set(col: ColumnSpec) -> np.ndarray:
    return np.asarray(sorted(float(c) for c in col.missing_codes), dtype=float)


def _missing_kind_codes(values: np.ndarray, col: ColumnSpec, kind_code: dict[str, int]) -> np.ndarray:
    """int8 kind code per row for values that are missing codes, -1 elsewhere."""
    kinds = np.full(len(values), -1, dtype=np.int8)
    for code, kind in col.missing_codes.items():
        try:
            kinds[values == float(code)] = kind_code[kind]
        except (TypeError, ValueError):  # a text missing code of a numeric question: it matches no number
            continue
    return kinds


def _describe(col: ColumnSpec) -> str:
    return col.name if col.name == col.source else f"{col.source} (item {col.name})"


def _text_missing(series: pd.Series, col: ColumnSpec, kinds: np.ndarray, kind_code: dict[str, int]) -> None:
    """Text missing codes of a numeric column (Stata's extended missing values, read as ``a``-``z``)."""
    text = {c: k for c, k in col.missing_codes.items() if isinstance(c, str)}
    if not text or col.code_list is not None or pd.api.types.is_numeric_dtype(series):
        return
    cells = series.astype(object).map(lambda v: v.strip() if isinstance(v, str) else None).to_numpy()
    for code, kind in text.items():
        kinds[cells == code] = kind_code[kind]


def _fill_partial_groups(spec: ValidationSpec, cols: dict[str, "_Column"]) -> None:
    """A blank option beside answered options of the same question counts as not chosen (0).

    SPSS multiple-response sets count only the chosen value: any other value,
    system-missing included, means "not chosen". A row whose options are all
    blank stays blank (not answered).
    """
    for group in spec.groups:
        present = [cols[o] for o in group.options if o in cols]
        if len(present) < 2:
            continue
        answered = np.logical_or.reduce([~d.blank for d in present])
        for d in present:
            fill = d.blank & answered
            if fill.any():
                d.values = np.where(fill, 0.0, d.values)
                d.blank = d.blank & ~fill


def _check_values(col: ColumnSpec, data: _Column, problems: _Collector) -> None:
    """Numbers, codes and ranges of one coded / numeric / option column."""
    values, raw = data.values, data.raw
    kinds = data.kind_codes
    present = ~data.blank
    numeric = present & ~np.isnan(values)
    not_numeric = present & np.isnan(values) & (kinds < 0)
    what = "demographic" if col.role == "demographic" else "question"
    if not_numeric.any() and col.lookup is not None and col.kind == "coded":
        problems.rows(col.source, not_numeric, raw,
                      f"matches no code, choice name or label of {_describe(col)} (scale {col.scale!r}); "
                      f"codes: {col.allowed_text}")
    elif not_numeric.any() and col.kind == "option":
        problems.rows(col.source, not_numeric, raw, f"not 0/1; {_describe(col)} is 1 if chosen, 0 if not")
    elif not_numeric.any():
        problems.rows(col.source, not_numeric, raw,
                      f"not a number; {_describe(col)} takes {col.allowed_text}")
    data.bad |= not_numeric
    answer = numeric & (kinds < 0)  # numbers that are not missing codes
    if col.valid_codes is not None:
        outside = answer & ~np.isin(values, np.asarray(col.valid_codes, dtype=float))
        if outside.any():
            scale = f"scale {col.scale!r}" if col.scale else "its codes"
            problems.rows(
                col.source, outside, raw,
                f"code not in {scale} of {what} {col.name}; allowed: {col.allowed_text}",
            )
        data.bad |= outside
        return
    bad = np.zeros(len(values), dtype=bool)
    if not np.isfinite(values[answer]).all():
        infinite = answer & ~np.isfinite(np.where(answer, values, 0.0))
        problems.rows(col.source, infinite, raw, "not a finite number")
        bad |= infinite
    if col.integer:
        frac = answer & ~bad & (np.mod(np.where(answer, values, 0.0), 1.0) != 0)
        problems.rows(col.source, frac, raw, f"{col.name} must be a whole number")
        bad |= frac
    rng = f"{'' if col.minimum is None else _num(col.minimum)}..{'' if col.maximum is None else _num(col.maximum)}"
    if col.minimum is not None:
        low = answer & ~bad & (values < col.minimum)
        problems.rows(col.source, low, raw, f"{col.name} below its allowed range {rng}")
        bad |= low
    if col.maximum is not None:
        high = answer & ~bad & (values > col.maximum)
        problems.rows(col.source, high, raw, f"{col.name} above its allowed range {rng}")
        bad |= high
    data.bad |= bad


def _check_routing(col: ColumnSpec, data: _Column, asked: np.ndarray, problems: _Collector,
                   codes_hint: str, kind_code: dict[str, int]) -> None:
    """Answers where the question was not asked, blanks where it was."""
    condition = f" (asked_if: {col.asked_if_text})" if col.asked_if_text else ""
    not_applicable = data.kind_codes == kind_code.get("not_applicable", -9)
    answered_unasked = ~asked & ~data.blank & ~not_applicable & ~data.bad
    if answered_unasked.any():
        problems.rows(col.source, answered_unasked, data.raw,
                      f"answered although routing skipped the question{condition}; leave the cell blank")
        data.bad |= answered_unasked
    blank_asked = asked & data.blank
    if col.blank_kind is not None:  # a blank cell is a missing answer of this kind
        data.kind_codes = np.where(blank_asked, kind_code[col.blank_kind], data.kind_codes).astype(np.int8)
        blank_asked = np.zeros_like(blank_asked)
    if blank_asked.any():
        whom = f"was asked{condition}" if condition else "is asked of everyone"
        problems.rows(col.source, blank_asked, data.raw,
                      f"blank although {col.name} {whom}; {codes_hint}")
    data.kind_codes = np.where(~asked & data.blank, kind_code["not_asked"], data.kind_codes).astype(np.int8)


def _codes_hint(col: ColumnSpec) -> str:
    if col.missing_codes:
        codes = " or ".join(f"{col.code_text(c)} ({k})" for c, k in col.missing_codes.items())
        return f"code a missing answer as {codes}"
    return "fill in the answer"


def _key(d: _Column) -> pd.Series:
    """A column's values for grouping: its numbers when every non-blank cell is one, else the raw cells."""
    if d.values is not None and not np.isnan(d.values[~d.blank]).any():
        return pd.Series(d.values)
    return pd.Series(d.raw, dtype=object)


def _check_design(spec: ValidationSpec, cols: dict[str, _Column], problems: _Collector) -> None:
    n = problems.n
    if spec.id in cols:
        d = cols[spec.id]
        blank = d.blank
        problems.rows(d.spec.source, blank, d.raw, "respondent id is blank; every row needs a unique id")
        key = _key(d).where(~blank)
        dup = key.duplicated(keep="first").to_numpy() & ~blank
        if dup.any():
            first = pd.Series(np.arange(n)).groupby(key.to_numpy(), dropna=True).transform("min")
            first_row = first.reindex(range(n)).to_numpy()
            text = np.empty(n, dtype=object)
            for r in np.flatnonzero(dup):
                text[r] = f"duplicate respondent id; first seen in row {int(first_row[r]) + 1}"
            problems.rows(d.spec.source, dup, d.raw, text)
            d.bad |= dup
    if spec.weight in cols:
        d = cols[spec.weight]
        w = d.values
        present = ~d.blank
        non_numeric = present & np.isnan(w)
        problems.rows(d.spec.source, d.blank, d.raw, "design weight is blank; every respondent needs a weight")
        problems.rows(d.spec.source, non_numeric, d.raw, "design weight is not a number")
        numeric = present & ~non_numeric
        inf = numeric & ~np.isfinite(np.where(numeric, w, 0.0))
        problems.rows(d.spec.source, inf, d.raw, "design weight is not finite")
        finite = numeric & ~inf
        zero = finite & (w == 0)
        problems.rows(d.spec.source, zero, d.raw, "design weight is zero; weights must be positive")
        neg = finite & (w < 0)
        problems.rows(d.spec.source, neg, d.raw, "design weight is negative; weights must be positive")
        d.bad |= d.blank | non_numeric | inf | zero | neg
    for name in spec.fpc:
        if name in cols:
            d = cols[name]
            present = ~d.blank
            non_numeric = present & np.isnan(d.values)
            problems.rows(d.spec.source, d.blank, d.raw, "finite population correction is blank")
            problems.rows(d.spec.source, non_numeric, d.raw, "finite population correction is not a number")
            bad = present & ~non_numeric & ~(np.where(present & ~non_numeric, d.values, 1.0) > 0)
            problems.rows(d.spec.source, bad, d.raw, "finite population correction must be positive")
            d.bad |= d.blank | non_numeric | bad
    for name, what in [(spec.strata, "stratum")] + [(p, "PSU") for p in spec.psu]:
        if name in cols:
            d = cols[name]
            problems.rows(d.spec.source, d.blank, d.raw, f"{what} is blank; every respondent needs one")
            d.bad |= d.blank
    if spec.nest or not spec.psu or spec.strata not in cols or spec.psu[0] not in cols:
        return
    s, p = cols[spec.strata], cols[spec.psu[0]]
    ok = ~s.blank & ~p.blank
    pairs = pd.DataFrame({"psu": _key(p), "stratum": _key(s), "row": np.arange(n)})[ok]
    firsts = pairs.groupby(["psu", "stratum"], sort=False, dropna=True)["row"].min().reset_index()
    counts = firsts.groupby("psu", sort=False)["stratum"].transform("size")
    firsts = firsts[counts.to_numpy() > 1].sort_values(["psu", "row"], kind="stable")
    if not len(firsts):
        return
    home = firsts.groupby("psu", sort=False).head(1).set_index("psu")
    later = firsts[firsts.duplicated("psu", keep="first")]
    mask = np.zeros(n, dtype=bool)
    text = np.empty(n, dtype=object)
    for psu, stratum, row in later.itertuples(index=False):
        first_stratum, first_row = home.loc[psu, "stratum"], home.loc[psu, "row"]
        mask[row] = True
        text[row] = (
            f"PSU {_display(np.array([psu]))[0]} is in stratum {_display(np.array([stratum]))[0]} here but in "
            f"stratum {_display(np.array([first_stratum]))[0]} in row {first_row + 1}; PSU ids must be unique "
            "across strata (or declare nest: true in the questionnaire's design section)"
        )
    problems.rows(p.spec.source, mask, p.raw, text)


def _check_groups(spec: ValidationSpec, cols: dict[str, _Column], problems: _Collector) -> None:
    """An exclusive option ("none of these") must not be chosen together with another option."""
    for group in spec.groups:
        present = [o for o in group.options if o in cols]
        for ex in group.exclusive:
            if ex not in cols:
                continue
            others = [o for o in present if o != ex]
            chosen = cols[ex].values == 1
            on = {o: chosen & (cols[o].values == 1) for o in others}
            clash = np.logical_or.reduce(list(on.values())) if on else np.zeros(problems.n, dtype=bool)
            if not clash.any():
                continue
            rows = np.flatnonzero(clash)
            text = np.empty(problems.n, dtype=object)
            for r in rows:
                also = ", ".join(o for o in others if on[o][r])
                text[r] = f"{ex} = 1 excludes every other option of {group.name}, but also chosen: {also}"
            problems.rows(cols[ex].spec.source, clash, cols[ex].raw, text)
            cols[ex].bad |= clash


def _kinds_frame(cols: dict[str, _Column], spec: ValidationSpec, index: pd.Index) -> pd.DataFrame:
    out = {}
    for col in spec.columns:
        if col.name not in cols or col.kind not in ("coded", "numeric", "option"):
            continue
        if not col.missing_codes and col.asked_if is None:
            continue
        codes = np.where(cols[col.name].bad, -1, cols[col.name].kind_codes).astype(np.int8)
        out[col.name] = pd.Categorical.from_codes(codes, categories=list(spec.missing_kinds))
    return pd.DataFrame(out, index=index, copy=False)


def _clean_column(data: _Column) -> pd.Series:
    col = data.spec
    if col.kind == "text":
        series = pd.Series(data.raw, dtype=object)
        series[data.blank] = None
        return series.astype("str")
    if col.kind in ("date", "time"):
        series = data.parsed.reset_index(drop=True).copy()
        series[data.bad | data.blank] = pd.NaT
        return series
    if col.kind in ("coded", "option"):
        mask = data.bad | data.blank | (data.kind_codes >= 0) | np.isnan(data.values)
        if col.code_list is not None:
            out = np.full(len(mask), None, dtype=object)
            keep = np.flatnonzero(~mask)
            out[keep] = [str(col.code_list[int(v)]) for v in data.values[keep]]
            return pd.Series(out, dtype="string")
        ints = np.where(mask, 0, data.values).astype(np.int64)
        return pd.Series(pd.arrays.IntegerArray(ints, mask))
    if col.kind in ("numeric", "weight", "fpc"):
        return pd.Series(np.where(data.bad | data.blank | (data.kind_codes >= 0), np.nan, data.values))
    # id, strata, psu: keep the values as read (numbers as integers where they are whole)
    if data.values is not None and not np.isnan(data.values[~data.blank]).any():
        vals = data.values
        finite = vals[~data.blank]
        if np.all(np.mod(finite, 1) == 0) and (len(finite) == 0 or np.abs(finite).max() < 2**53):
            return pd.Series(np.where(data.blank, np.nan, vals)).astype("Int64")
        return pd.Series(vals)
    return pd.Series(data.raw, dtype=object).astype("str")


def check_responses(
    frame: pd.DataFrame, spec: ValidationSpec, *, extra: str = "error", found: list | None = None
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Check responses (columns named as in the file) against ``spec``.

    Parameters
    ----------
    frame : pandas.DataFrame
        The data as read, columns named as in the wave's file. Not modified.
    spec : ValidationSpec
        The expected columns (see :func:`trustsurvey.io.validation_spec`).
    extra : {"error", "ignore", "keep"}
        Columns the questionnaire does not know: report them as problems, drop
        them, or keep them unchecked in the clean data. Columns named like a
        derived variable or index are not unknown: they are recomputed from the
        questionnaire's definition (the file's values are not used).
    found : list, optional
        Problems found while reading the layout (:func:`trustsurvey.io.kobo.harmonise`):
        ``(row (0-based), column, value, problem)``.

    Returns
    -------
    clean : pandas.DataFrame
        Columns named by item id; coded answers as nullable integers (``Int64``),
        numeric answers and weights as floats, open text as ``str``; missing codes,
        blanks and values with problems are NA; derived variables and indices added.
    missing_kinds : pandas.DataFrame
        Same index; one categorical column per item that can be missing, with
        categories ``dont_know, refused, not_applicable, not_asked`` (NA: answered).
    problems : pandas.DataFrame
        ``row, respondent_id, column, value, problem``; empty when the data are valid.
    """
    if extra not in ("error", "ignore", "keep"):
        raise ValueError(f"extra must be 'error', 'ignore' or 'keep', not {extra!r}")
    n = len(frame)
    index = pd.RangeIndex(n)
    frame = frame.reset_index(drop=True)
    kind_code = _kind_code(spec)
    problems = _Collector(n=n, order={c.source: i for i, c in enumerate(spec.columns)})
    by_source = {c.source: c for c in spec.columns}
    names = {c.name for c in spec.columns}
    computed = {c.name for c in spec.computed}
    unknown = [c for c in frame.columns if c not in by_source and c not in computed]
    for i, c in enumerate(unknown):
        problems.order.setdefault(c, len(spec.columns) + i)
    for col in spec.columns:
        if col.source not in frame.columns and col.required:
            hint = f" (item {col.name})" if col.name != col.source else ""
            wave = f" of wave {spec.wave}" if spec.wave is not None else ""
            also = f"; the file has a column {col.name!r}, which is this item's name in another wave" \
                if col.name != col.source and col.name in frame.columns else ""
            problems.column_problem(col.source, f"required column missing from the data{wave}{hint}{also}")
    if n == 0:
        problems.column_problem(spec.id or (spec.columns[0].source if spec.columns else "data"),
                                "the data have no rows: a header but no respondents")
    if extra == "error":
        for c in unknown:
            clash = " (an item id; this wave's file names it differently)" if c in names else ""
            problems.column_problem(
                c, f"unknown column: not in the questionnaire{clash}; remove it, add it to the questionnaire, "
                "or read with extra='ignore' (or 'keep')",
            )

    if spec.id is not None and spec.id in names:
        id_col = next(c for c in spec.columns if c.name == spec.id)
        if id_col.source in frame.columns:
            problems.ids = frame[id_col.source].to_numpy()
    problems.cells(found or [])

    cols: dict[str, _Column] = {}
    for col in spec.columns:
        if col.source not in frame.columns:
            continue
        series = frame[col.source]
        raw = series.to_numpy()
        if col.kind == "text":
            blank = is_blank_text(series)
            data = _Column(col, raw, None, blank, np.zeros(n, dtype=bool), np.full(n, -1, dtype=np.int8))
        elif col.kind in ("date", "time"):
            parsed, blank, bad = date_values(series, col.kind)
            what = "a date (write dates as YYYY-MM-DD)" if col.kind == "date" else "a time of day (HH:MM:SS)"
            problems.rows(col.source, bad, raw, f"not {what}; {_describe(col)} is a {col.kind} question")
            data = _Column(col, raw, None, blank, bad.copy(), np.full(n, -1, dtype=np.int8), parsed)
        else:
            if col.kind in ("coded", "option"):
                values, blank, _ = coded_values(series, col)
            else:
                values, blank, _ = numbers(series)
            kinds = _missing_kind_codes(values, col, kind_code) if col.missing_codes else np.full(n, -1, dtype=np.int8)
            _text_missing(series, col, kinds, kind_code)
            data = _Column(col, raw, values, blank, np.zeros(n, dtype=bool), kinds)
            if col.kind in ("coded", "numeric", "option"):
                _check_values(col, data, problems)
        cols[col.name] = data

    _check_design(spec, cols, problems)
    _fill_partial_groups(spec, cols)
    _check_groups(spec, cols, problems)

    # Routing is evaluated on the clean values (missing codes are NA, as in SPSS).
    clean = pd.DataFrame({name: _clean_column(d) for name, d in cols.items()}, index=index, copy=False)
    for col in spec.columns:
        if col.name not in cols or col.kind not in ("coded", "numeric", "option"):
            continue
        data = cols[col.name]
        asked = np.ones(n, dtype=bool)
        if col.asked_if is not None:
            needed = getattr(col.asked_if, "columns", ())
            if any(c not in clean.columns for c in needed):
                continue  # a column the condition needs is missing: reported above
            try:
                asked = np.asarray(col.asked_if.evaluate(clean), dtype=bool)
            except QuestionnaireError as exc:
                problems.column_problem(col.source, f"cannot evaluate asked_if: {exc}")
                continue
        _check_routing(col, data, asked, problems, _codes_hint(col), kind_code)
        if data.bad.any() and col.kind in ("coded", "option", "numeric"):
            clean[col.name] = _clean_column(data)

    kinds = _kinds_frame(cols, spec, index)
    if extra == "keep":
        for c in unknown:
            clean[c] = frame[c].to_numpy()
    for comp in spec.computed:
        if any(c not in clean.columns for c in comp.needs):
            continue  # a column it needs is missing: reported above
        try:
            clean[comp.name] = pd.Series(comp.compute(clean), index=index)
        except QuestionnaireError as exc:
            problems.column_problem(comp.name, f"cannot compute {comp.kind} {comp.name}: {exc}")
        except KeyError as exc:
            problems.column_problem(comp.name, f"cannot compute {comp.kind} {comp.name}: needs column {exc}")
    return clean, kinds, problems.frame()
