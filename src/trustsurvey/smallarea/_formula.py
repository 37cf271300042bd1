"""A small, safe model formula for area-level models (private).

Only what an area-level model needs, parsed by a tokenizer (nothing is ever
evaluated as Python):

- ``y ~ x1 + x2``: a response and numeric columns;
- ``C(x)``: a categorical column, treatment-coded against its first level
  (levels sorted: numerically for numbers, as text otherwise), named
  ``C(x)[T.level]`` as patsy and :meth:`trustsurvey.Survey.glm` name them;
- an intercept (``Intercept``) unless the formula says ``- 1`` or ``+ 0``;
  without it, the first categorical term gets a column for every level, as R's
  ``model.matrix`` does;
- column names with other characters in backticks: ```my column```.

Columns keep the order of the terms, as R's ``model.matrix``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import EstimationError

__all__ = ["Formula", "parse_formula", "design_matrix"]

_TOKEN = re.compile(r"\s*(?:(?P<name>[A-Za-z_][A-Za-z0-9_.]*)|`(?P<quoted>[^`]+)`|(?P<num>\d+)"
                    r"|(?P<op>[~+()\-]))")


@dataclass(frozen=True)
class Term:
    """One term of the right-hand side: a column, numeric or categorical."""

    column: str
    categorical: bool = False

    @property
    def label(self) -> str:
        return f"C({self.column})" if self.categorical else self.column


@dataclass(frozen=True)
class Formula:
    """A parsed formula: response (None for a right-hand side only), terms, intercept."""

    response: str | None
    terms: tuple[Term, ...]
    intercept: bool
    text: str

    @property
    def columns(self) -> list[str]:
        """Every column the formula names (response first)."""
        cols = [] if self.response is None else [self.response]
        return cols + [t.column for t in self.terms if t.column not in cols]


def _tokens(text: str) -> list[tuple[str, str]]:
    out, pos = [], 0
    text = text.rstrip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None or m.end() == pos:
            raise EstimationError(f"formula {text!r}: cannot read {text[pos:].strip()[:20]!r}; a formula looks "
                                  "like 'y ~ x1 + x2 + C(group)' (column names, C() for categorical, - 1 for "
                                  "no intercept)")
        kind = m.lastgroup
        value = m.group(kind)
        out.append(("name" if kind == "quoted" else kind, value))
        pos = m.end()
    return out


def parse_formula(text: str, *, response: bool = True) -> Formula:
    """Parse ``"y ~ x1 + C(x2)"`` (or a right-hand side ``"x1 + C(x2)"`` with ``response=False``).

    Examples
    --------
    >>> f = parse_formula("y ~ urban_share + C(region) - 1")
    >>> f.response, [t.label for t in f.terms], f.intercept
    ('y', ['urban_share', 'C(region)'], False)
    >>> parse_formula("~ x", response=False).columns
    ['x']
    """
    if not isinstance(text, str) or not text.strip():
        raise EstimationError(f"formula must be a non-empty string such as 'y ~ x1 + x2', got {text!r}")
    toks = _tokens(text)
    resp = None
    tildes = [i for i, t in enumerate(toks) if t == ("op", "~")]
    if response:
        if len(tildes) != 1 or tildes[0] != 1 or toks[0][0] != "name":
            raise EstimationError(f"formula {text!r} must have one response column, then '~', then the "
                                  "covariates: 'y ~ x1 + x2'")
        resp = toks[0][1]
        rest = toks[2:]
    else:
        if len(tildes) > 1 or (tildes and tildes[0] != 0):
            raise EstimationError(f"covariate formula {text!r} has no response: give 'x1 + x2' or '~ x1 + x2'")
        rest = toks[1:] if tildes else toks
    terms: list[Term] = []
    intercept = True
    i, sign = 0, "+"
    expect_term = True
    while i < len(rest):
        kind, value = rest[i]
        if not expect_term:
            if kind != "op" or value not in "+-":
                raise EstimationError(f"formula {text!r}: expected '+' or '-' before {value!r}")
            sign, expect_term, i = value, True, i + 1
            continue
        if kind == "op" and value == "-" and i == 0:
            sign, i = "-", i + 1
            continue
        if kind == "num":
            if value not in ("0", "1"):
                raise EstimationError(f"formula {text!r}: only 1 (intercept) or 0 / - 1 (no intercept) may "
                                      f"appear as numbers, not {value!r}")
            intercept = (value == "1") == (sign == "+")
            i += 1
        elif kind == "name" and i + 1 < len(rest) and rest[i + 1] == ("op", "("):
            if value != "C":
                raise EstimationError(f"formula {text!r}: {value}() is not supported; only C(column) for a "
                                      "categorical column (transform columns before fitting)")
            if i + 3 >= len(rest) or rest[i + 2][0] != "name" or rest[i + 3] != ("op", ")"):
                raise EstimationError(f"formula {text!r}: write a categorical term as C(column)")
            if sign == "-":
                raise EstimationError(f"formula {text!r}: terms cannot be removed with '-' (only the intercept)")
            terms.append(Term(rest[i + 2][1], categorical=True))
            i += 4
        elif kind == "name":
            if sign == "-":
                raise EstimationError(f"formula {text!r}: terms cannot be removed with '-' (only the intercept)")
            terms.append(Term(value))
            i += 1
        else:
            raise EstimationError(f"formula {text!r}: unexpected {value!r}")
        expect_term = False
    if expect_term and rest:
        raise EstimationError(f"formula {text!r} ends with an operator")
    seen = set()
    for t in terms:
        if t.column in seen:
            raise EstimationError(f"formula {text!r} names column {t.column!r} twice")
        seen.add(t.column)
    if resp is not None and resp in seen:
        raise EstimationError(f"formula {text!r}: the response {resp!r} is also a covariate")
    return Formula(resp, tuple(terms), intercept, text)


def _levels(values: pd.Series) -> list:
    uniq = pd.unique(values)
    try:
        if all(isinstance(v, (int, float, np.integer, np.floating, bool, np.bool_)) for v in uniq):
            return sorted(uniq.tolist())
    except TypeError:  # pragma: no cover - defensive
        pass
    return sorted(uniq.tolist(), key=str)


def _level_name(v) -> str:
    if isinstance(v, (float, np.floating)) and float(v).is_integer():
        return str(int(v))
    return str(v)


def design_matrix(formula: Formula, frame: pd.DataFrame, *, what: str = "data") -> tuple[np.ndarray, list[str]]:
    """The model matrix of ``formula``'s right-hand side on ``frame`` (no missing values allowed).

    Examples
    --------
    >>> df = pd.DataFrame({"x": [1.0, 2, 3], "g": ["b", "a", "b"]})
    >>> X, names = design_matrix(parse_formula("~ x + C(g)", response=False), df)
    >>> names
    ['Intercept', 'x', 'C(g)[T.b]']
    >>> X[:, 2].tolist()
    [1.0, 0.0, 1.0]
    """
    missing = [c for c in formula.columns if c != formula.response and c not in frame.columns]
    if missing:
        raise EstimationError(f"formula {formula.text!r}: column(s) {', '.join(map(repr, missing))} not in the "
                              f"{what}; available: {', '.join(map(str, list(frame.columns)[:40]))}")
    n = len(frame)
    cols: list[np.ndarray] = []
    names: list[str] = []
    if formula.intercept:
        cols.append(np.ones(n))
        names.append("Intercept")
    full_first = not formula.intercept
    for term in formula.terms:
        values = frame[term.column]
        na = values.isna().to_numpy()
        if na.any():
            where = [str(x) for x in frame.index[na][:10]]
            raise EstimationError(f"column {term.column!r} of the {what} has missing values (rows "
                                  f"{', '.join(where)}); fill them in or leave the column out of the formula")
        if term.categorical:
            levels = _levels(values)
            keep = levels if full_first else levels[1:]
            prefix = "" if full_first else "T."
            full_first = False
            arr = values.to_numpy(dtype=object)
            for lev in keep:
                cols.append(np.array([v == lev for v in arr], dtype=float))
                names.append(f"{term.label}[{prefix}{_level_name(lev)}]")
        else:
            if not (pd.api.types.is_numeric_dtype(values.dtype) or pd.api.types.is_bool_dtype(values.dtype)):
                raise EstimationError(f"column {term.column!r} of the {what} is not numeric (e.g. "
                                      f"{values.iloc[0]!r}); write C({term.column}) to use it as categorical")
            cols.append(values.to_numpy(dtype=float))
            names.append(term.label)
    if not cols:
        raise EstimationError(f"formula {formula.text!r} has no terms and no intercept")
    X = np.column_stack(cols)
    if not np.isfinite(X).all():
        bad = sorted({names[j] for j in np.nonzero(~np.isfinite(X).all(axis=0))[0]})
        raise EstimationError(f"column(s) {', '.join(bad)} of the {what} have infinite values")
    return X, names
