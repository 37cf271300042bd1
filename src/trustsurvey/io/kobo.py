"""KoboToolbox / ODK export layouts: headers, multiple-choice columns and metadata, as they come.

An export of an XLSForm names its columns after the form: ``group/question``
(or ``group-question``, or the bare ``question``), ``question/choice`` for the
0/1 column of each choice of a select_multiple (or one ``question`` column
holding the chosen names, space separated), ``question_other`` for the text of
"other" answers, and metadata such as ``_uuid``, ``_submission_time``,
``start``, ``deviceid``, ``meta/instanceID``. :func:`harmonise` renames the
columns to the ones the questionnaire expects, splits space-separated choices
into 0/1 columns and sets metadata aside, listing every column it set aside and
why. The cells are not interpreted here: choice names and labels are read as
codes by the data checks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .spec import ValidationSpec

__all__ = ["harmonise", "Harmonised", "is_metadata"]

#: column names KoboToolbox and ODK add to every export
METADATA_NAMES = frozenset({
    "start", "end", "today", "deviceid", "subscriberid", "simserial", "phonenumber", "username", "email",
    "audit", "instanceid", "instancename", "deprecatedid", "__version__", "formhub/uuid", "meta/instanceid",
    "meta/instancename", "meta/deprecatedid", "meta/audit", "key", "submissiondate", "submitterid",
    "submittername", "attachmentspresent", "attachmentsexpected", "status", "reviewstate",
    "edits", "formversion",
})
_REPEAT_INDEX = re.compile(r"\[\d+\]")


def is_metadata(column: str) -> bool:
    """Whether an export column is metadata (``_uuid``, ``_submission_time``, ``meta/instanceID``, ``start``, ...).

    >>> [is_metadata(c) for c in ["_uuid", "meta/instanceID", "start", "__version__", "q1_trust"]]
    [True, True, True, True, False]
    """
    low = column.strip().lower()
    last = low.rsplit("/", 1)[-1]
    return (low.startswith("_") or low.startswith("meta/") or low.startswith("formhub/")
            or low in METADATA_NAMES or last in {"instanceid", "instancename", "deprecatedid"})


@dataclass(frozen=True)
class Harmonised:
    """What :func:`harmonise` did: the renamed frame, the columns set aside, extra problems."""

    frame: pd.DataFrame
    set_aside: pd.DataFrame  # the set-aside columns, as read
    reasons: dict  # column -> why it was set aside
    renamed: dict  # export column -> expected column
    problems: list  # (row (0-based) or None, column, value, problem)


def _suffixes(column: str) -> list[str]:
    out = [column]
    for sep in ("/", "-", ":", "."):
        if sep in column:
            parts = column.split(sep)
            if sep != "/":
                out.append("/".join(parts))
            for k in range(1, len(parts)):
                out.append(sep.join(parts[k:]))
                if sep != "/":
                    out.append("/".join(parts[k:]))
    return out


def harmonise(frame: pd.DataFrame, spec: ValidationSpec) -> Harmonised:
    """Bring an export's columns to the names ``spec`` expects; set metadata aside.

    Parameters
    ----------
    frame : pandas.DataFrame
        The data as read. Not modified.
    spec : ValidationSpec

    Returns
    -------
    Harmonised

    Examples
    --------
    >>> from trustsurvey.io.spec import ColumnSpec, ResponseGroup, ValidationSpec
    >>> spec = ValidationSpec(
    ...     columns=(ColumnSpec("age", "age", "numeric"), ColumnSpec("w_a", "w_a", "option"),
    ...              ColumnSpec("w_b", "w_b", "option")),
    ...     groups=(ResponseGroup("w", ("w_a", "w_b"), source="w", option_names=("a", "b"),
    ...                           option_sources=("w_a", "w_b")),))
    >>> raw = pd.DataFrame({"_uuid": ["x", "y"], "intro/age": [30, 41], "intro/w": ["a b", "b"]})
    >>> h = harmonise(raw, spec)
    >>> list(h.frame.columns), h.frame["w_a"].tolist(), h.reasons["_uuid"]
    (['age', 'w_a', 'w_b'], [1, 0], 'metadata of the export')
    """
    expected = {c.source for c in spec.columns}
    targets: dict[str, str] = {s: s for s in expected}
    combined: dict[str, object] = {}
    for g in spec.groups:
        if g.source:
            combined[g.source] = g
        for oid, oname, osrc in zip(g.options, g.option_names or (None,) * len(g.options),
                                    g.option_sources or g.options):
            name = oname if oname is not None else (oid[len(g.name) + 1:] if oid.startswith(g.name + "_") else oid)
            if g.source:
                targets.setdefault(f"{g.source}/{name}", osrc)
                targets.setdefault(f"{g.source}.{name}", osrc)
    unanalysed = set(spec.unanalysed)
    renamed: dict[str, str] = {}
    reasons: dict[str, str] = {}
    used: dict[str, str] = {}
    combined_cols: dict[str, str] = {}
    for col in frame.columns:
        if col in expected:
            used.setdefault(col, col)
            continue
        hit = None
        for cand in _suffixes(col):
            if cand in targets:
                hit = targets[cand]
                break
            if cand in combined:
                combined_cols[col] = cand
                hit = ""
                break
        if hit == "":
            continue
        if hit is not None and hit not in used and hit not in frame.columns:
            used[hit] = col
            renamed[col] = hit
            continue
        if is_metadata(col):
            reasons[col] = "metadata of the export"
        elif _REPEAT_INDEX.search(col) or any(s in unanalysed or _REPEAT_INDEX.sub("", s) in unanalysed
                                               for s in _suffixes(col)):
            reasons[col] = "a form field the questionnaire does not analyse (see its 'unanalysed' list)"
        elif hit is not None:
            reasons[col] = f"a second column for {hit!r} (already read from {used.get(hit, hit)!r})"
    out = frame.drop(columns=list(reasons) + list(combined_cols)).rename(columns=renamed)
    problems: list = []
    for col, gsource in combined_cols.items():
        g = combined[gsource]
        sources = list(g.option_sources or g.options)
        if any(s in out.columns for s in sources):
            reasons[col] = f"the chosen names of {g.name!r}, also given in its 0/1 columns"
            continue
        names = [n if n is not None else o for n, o in zip(g.option_names or (None,) * len(g.options), g.options)]
        cells = frame[col]
        blank = cells.isna().to_numpy() | (cells.astype("str").str.strip() == "").to_numpy()
        text = cells.where(~blank, "").astype("str").str.strip()
        dummies = text.str.get_dummies(sep=" ")
        dummies = dummies[[c for c in dummies.columns if c.strip()]]
        unknown = [c for c in dummies.columns if c not in names]
        for src, name in zip(sources, names):
            v = dummies[name].to_numpy(dtype=float) if name in dummies.columns else np.zeros(len(frame))
            out[src] = pd.array(np.where(blank, np.nan, v), dtype="Float64").astype("Int64")
        for u in unknown:
            for r in np.flatnonzero(dummies[u].to_numpy() > 0):
                problems.append((int(r), col, str(cells.iloc[r]),
                                 f"{u!r} is not a choice of {g.name!r} (choices: {', '.join(map(str, names))})"))
        renamed[col] = f"{', '.join(sources)} (0/1, from the chosen names)"
    for g in spec.groups:
        out = _from_mentions(out, g, renamed, problems)
    set_aside = frame[[c for c in frame.columns if c in reasons]].copy()
    return Harmonised(out, set_aside, reasons, renamed, problems)


def _from_mentions(out: pd.DataFrame, g, renamed: dict, problems: list) -> pd.DataFrame:
    """0/1 option columns from mention columns (each holds one chosen option's name), if the file has them."""
    from ..questionnaire._codes import canonical_code

    mentions = [m for m in g.mentions if m in out.columns]
    sources = list(g.option_sources or g.options)
    if not mentions or any(s in out.columns for s in sources):
        return out
    names = [canonical_code(n) for n in (g.option_names or g.options)]
    index = {n: j for j, n in enumerate(names)}
    chosen = np.zeros((len(out), len(names)))
    blank = np.ones(len(out), dtype=bool)
    for col in mentions:  # one lookup per distinct value
        codes, uniques = pd.factorize(out[col], use_na_sentinel=True)
        canon = [canonical_code(u) for u in uniques]
        js = np.array([-2 if c is None else index.get(c, -1) for c in canon] + [-2])
        j = js[np.where(codes < 0, len(uniques), codes)]
        blank &= j == -2
        hit = np.flatnonzero(j >= 0)
        chosen[hit, j[hit]] = 1
        for r in np.flatnonzero(j == -1):
            v = out[col].iloc[r]
            problems.append((int(r), col, str(v), f"{v!r} is not an option of {g.name!r} "
                             f"(options: {', '.join(map(str, names))})"))
    out = out.drop(columns=mentions)
    for j, src in enumerate(sources):
        out[src] = pd.array(np.where(blank, np.nan, chosen[:, j]), dtype="Float64").astype("Int64")
    for col in mentions:
        renamed[col] = f"{', '.join(sources)} (0/1, from the mentions)"
    return out
