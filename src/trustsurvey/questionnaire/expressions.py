"""A small, safe expression language for routing (``asked_if``) conditions.

Grammar (no ``eval``: a tokenizer and a recursive-descent parser)::

    expression  := or
    or          := and ("or" and)*
    and         := not ("and" not)*
    not         := "not" not | comparison
    comparison  := "(" expression ")"
                 | value ("==" | "!=" | "<" | "<=" | ">" | ">=") value
                 | value ["not"] "in" "[" literal ("," literal)* [","] "]"
                 | value "is" ["not"] "missing"
    value       := identifier | literal
    literal     := integer | float | 'text' | "text"     (numbers may carry a leading -)

Parentheses and ``not`` nest at most :data:`MAX_DEPTH` levels deep (a deeper condition is a
:class:`~trustsurvey.errors.QuestionnaireError`, never a crash). Identifiers are column names (item ids). Semantics, row by row: a comparison
involving a missing value is ``False`` (so ``x != 1`` is ``False`` when ``x`` is
missing, while ``not x == 1`` is ``True``); ``is missing`` is the only way to
test for a missing value.

Examples
--------
>>> import pandas as pd
>>> e = parse_expression("contacted == 1 and age >= 18")
>>> e.columns
('contacted', 'age')
>>> frame = pd.DataFrame({"contacted": [1, 2, None], "age": [30, 40, 50]})
>>> e.evaluate(frame).tolist()
[True, False, False]
>>> parse_expression("x is missing").evaluate(pd.DataFrame({"x": [1.0, None]})).tolist()
[False, True]
"""

from __future__ import annotations

import operator
import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..errors import QuestionnaireError
from ._frozen import nfc

__all__ = ["Expression", "parse_expression", "Comparison", "MAX_DEPTH"]

#: How deep parentheses and ``not`` may nest in one expression (real routing needs a handful).
MAX_DEPTH = 100
#: Longer expressions are shown as an excerpt around the error in messages.
_SHOWN = 72

_KEYWORDS = {"and", "or", "not", "in", "is", "missing"}
_TOKEN_RE = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<number>-?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?)
  | (?P<string>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")
  | (?P<ident>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<op>==|!=|<=|>=|<|>)
  | (?P<punct>[()\[\],])
    """,
    re.VERBOSE,
)
_OPS = {
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


@dataclass(frozen=True)
class _Token:
    kind: str  # number | string | ident | keyword | op | punct | end
    value: Any
    pos: int


def _error(text: str, message: str, pos: int) -> QuestionnaireError:
    head, shown, at = text, text, pos
    if len(text) > _SHOWN:  # an excerpt around the error, not the whole text three times
        half = _SHOWN // 2
        head = text[: half - 2] + "…" + text[-(half - 2):]
        start = min(max(pos - half, 0), len(text) - _SHOWN)
        shown = ("…" if start else "") + text[start:start + _SHOWN] + ("…" if start + _SHOWN < len(text) else "")
        at = pos - start + (1 if start else 0)
    caret = " " * at + "^"
    return QuestionnaireError(
        f"invalid expression {head!r}: {message} at position {pos}\n    {shown}\n    {caret}"
    )


def _tokenize(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    pos = 0
    while pos < len(text):
        m = _TOKEN_RE.match(text, pos)
        if m is None:
            ch = text[pos]
            hint = " (use '==' to compare)" if ch == "=" else ""
            raise _error(text, f"unexpected character {ch!r}{hint}", pos)
        kind = m.lastgroup
        raw = m.group()
        if kind == "number":
            # a '-' directly after a value is a binary minus, which the language lacks
            if raw.startswith("-") and tokens and tokens[-1].kind in {"number", "string", "ident"}:
                raise _error(text, "arithmetic is not supported", pos)
            value: Any = float(raw) if any(c in raw for c in ".eE") else int(raw)
            tokens.append(_Token("number", value, pos))
        elif kind == "string":
            body = raw[1:-1]
            value = re.sub(r"\\(.)", r"\1", body)
            tokens.append(_Token("string", nfc(value), pos))
        elif kind == "ident":
            if raw in _KEYWORDS:
                tokens.append(_Token("keyword", raw, pos))
            else:
                tokens.append(_Token("ident", raw, pos))
        elif kind in ("op", "punct"):
            tokens.append(_Token(kind, raw, pos))
        pos = m.end()
    tokens.append(_Token("end", None, len(text)))
    return tokens


# ---------------------------------------------------------------- nodes


@dataclass(frozen=True)
class _Column:
    name: str

    def values(self, frame: pd.DataFrame, text: str, numeric: bool):
        if self.name not in frame.columns:
            raise QuestionnaireError(
                f"expression {text!r} refers to column {self.name!r}, which the data do not have"
            )
        col = frame[self.name]
        if numeric:
            if not (pd.api.types.is_numeric_dtype(col) or pd.api.types.is_bool_dtype(col)):
                col = pd.to_numeric(col, errors="coerce")
            arr = col.to_numpy(dtype=float, na_value=np.nan)
            return arr, np.isnan(arr)
        if pd.api.types.is_numeric_dtype(col) and not col.isna().all():
            raise QuestionnaireError(
                f"expression {text!r} compares the numeric column {self.name!r} with text; "
                "compare it with a number instead"
            )
        missing = col.isna().to_numpy()
        arr = col.astype(object).to_numpy()
        return arr, missing


@dataclass(frozen=True)
class _Literal:
    value: Any

    @property
    def numeric(self) -> bool:
        return not isinstance(self.value, str)

    def values(self, frame: pd.DataFrame, text: str, numeric: bool):
        return self.value, False


@dataclass(frozen=True)
class Comparison:
    """One comparison in an expression: ``column op literals`` (for checks)."""

    column: str
    op: str  # == != < <= > >= in not_in is_missing is_not_missing
    literals: tuple


@dataclass(frozen=True)
class _Compare:
    left: Any
    op: str
    right: Any

    def evaluate(self, frame: pd.DataFrame, text: str) -> np.ndarray:
        numeric = _is_numeric(self.left) and _is_numeric(self.right)
        if not numeric and (_is_numeric_literal(self.left) or _is_numeric_literal(self.right)):
            numeric = True
        a, ma = self.left.values(frame, text, numeric)
        b, mb = self.right.values(frame, text, numeric)
        n = len(frame)
        missing = np.broadcast_to(np.asarray(ma) | np.asarray(mb), (n,))
        if numeric:
            with np.errstate(invalid="ignore"):
                res = _OPS[self.op](np.asarray(a, dtype=float), np.asarray(b, dtype=float))
        else:
            res = _OPS[self.op](_as_text(a, missing, n), _as_text(b, missing, n))
        res = np.broadcast_to(np.asarray(res, dtype=bool), (n,))
        return res & ~missing

    def comparisons(self):
        if isinstance(self.left, _Column) and isinstance(self.right, _Literal):
            yield Comparison(self.left.name, self.op, (self.right.value,))
        elif isinstance(self.right, _Column) and isinstance(self.left, _Literal):
            yield Comparison(self.right.name, self.op, (self.left.value,))
        else:
            for side in (self.left, self.right):
                if isinstance(side, _Column):
                    yield Comparison(side.name, self.op, ())


def _as_text(values, missing: np.ndarray, n: int) -> np.ndarray:
    """Values as a numpy text array of length ``n`` (missing entries blank; they are masked later)."""
    arr = np.broadcast_to(np.asarray(values, dtype=object), (n,))
    return np.where(missing, "", arr).astype(str)


def _is_numeric(node) -> bool:
    return isinstance(node, _Literal) and node.numeric or isinstance(node, _Column)


def _is_numeric_literal(node) -> bool:
    return isinstance(node, _Literal) and node.numeric


@dataclass(frozen=True)
class _In:
    value: Any
    items: tuple
    negate: bool

    def evaluate(self, frame: pd.DataFrame, text: str) -> np.ndarray:
        numeric = not isinstance(self.items[0], str)
        if isinstance(self.value, _Literal):
            numeric = self.value.numeric
        a, ma = self.value.values(frame, text, numeric)
        n = len(frame)
        if numeric:
            res = np.isin(np.asarray(a, dtype=float), np.asarray(self.items, dtype=float))
        else:
            miss = np.broadcast_to(np.asarray(ma), (n,))
            res = np.isin(_as_text(a, miss, n), np.asarray(self.items, dtype=str))
        res = np.broadcast_to(res, (n,))
        if self.negate:
            res = ~res
        return res & ~np.broadcast_to(np.asarray(ma), (n,))

    def comparisons(self):
        if isinstance(self.value, _Column):
            yield Comparison(self.value.name, "not_in" if self.negate else "in", self.items)


@dataclass(frozen=True)
class _IsMissing:
    value: Any
    negate: bool

    def evaluate(self, frame: pd.DataFrame, text: str) -> np.ndarray:
        n = len(frame)
        if isinstance(self.value, _Column):
            if self.value.name not in frame.columns:
                self.value.values(frame, text, True)  # raises the standard error
            miss = frame[self.value.name].isna().to_numpy()
        else:
            miss = np.zeros(n, dtype=bool)
        return ~miss if self.negate else miss.copy()

    def comparisons(self):
        if isinstance(self.value, _Column):
            yield Comparison(self.value.name, "is_not_missing" if self.negate else "is_missing", ())


@dataclass(frozen=True)
class _Not:
    operand: Any

    def evaluate(self, frame: pd.DataFrame, text: str) -> np.ndarray:
        return ~self.operand.evaluate(frame, text)

    def comparisons(self):
        yield from self.operand.comparisons()


@dataclass(frozen=True)
class _Bool:
    op: str  # and | or
    operands: tuple

    def evaluate(self, frame: pd.DataFrame, text: str) -> np.ndarray:
        results = [o.evaluate(frame, text) for o in self.operands]
        fn = np.logical_and if self.op == "and" else np.logical_or
        return fn.reduce(results)

    def comparisons(self):
        for o in self.operands:
            yield from o.comparisons()


# ---------------------------------------------------------------- parser


class _Parser:
    def __init__(self, text: str):
        self.text = text
        self.tokens = _tokenize(text)
        self.i = 0
        self.depth = 0  # open parentheses and 'not's around the current token

    @property
    def tok(self) -> _Token:
        return self.tokens[self.i]

    def advance(self) -> _Token:
        t = self.tokens[self.i]
        self.i += 1
        return t

    def at(self, kind: str, value: Any = None) -> bool:
        t = self.tok
        return t.kind == kind and (value is None or t.value == value)

    def expect(self, kind: str, value: Any, what: str) -> _Token:
        if not self.at(kind, value):
            raise self.unexpected(what)
        return self.advance()

    def unexpected(self, expected: str) -> QuestionnaireError:
        t = self.tok
        found = "end of expression" if t.kind == "end" else repr(str(t.value))
        return _error(self.text, f"expected {expected}, found {found}", t.pos)

    def parse(self):
        if self.at("end"):
            raise _error(self.text, "empty expression", 0)
        node = self.parse_or()
        if not self.at("end"):
            raise self.unexpected("'and', 'or' or the end of the expression")
        return node

    def parse_or(self):
        operands = [self.parse_and()]
        while self.at("keyword", "or"):
            self.advance()
            operands.append(self.parse_and())
        return operands[0] if len(operands) == 1 else _Bool("or", tuple(operands))

    def parse_and(self):
        operands = [self.parse_not()]
        while self.at("keyword", "and"):
            self.advance()
            operands.append(self.parse_not())
        return operands[0] if len(operands) == 1 else _Bool("and", tuple(operands))

    def enter(self) -> None:
        """One level deeper (a parenthesis or a 'not'); refused beyond :data:`MAX_DEPTH`."""
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise _error(self.text, f"nested too deeply (more than {MAX_DEPTH} levels of parentheses or "
                         "'not'); write the condition with fewer levels", self.tok.pos)
        self.advance()

    def parse_not(self):
        if self.at("keyword", "not"):
            self.enter()
            node = _Not(self.parse_not())
            self.depth -= 1
            return node
        return self.parse_comparison()

    def parse_comparison(self):
        if self.at("punct", "("):
            self.enter()
            node = self.parse_or()
            self.expect("punct", ")", "')'")
            self.depth -= 1
            return node
        left = self.parse_value()
        t = self.tok
        if t.kind == "op":
            self.advance()
            right = self.parse_value()
            if isinstance(left, _Literal) and isinstance(right, _Literal):
                raise _error(self.text, "a comparison needs at least one variable", t.pos)
            return _Compare(left, t.value, right)
        if t.kind == "keyword" and t.value == "in":
            self.advance()
            return _In(left, self.parse_list(), False)
        if t.kind == "keyword" and t.value == "not":
            self.advance()
            self.expect("keyword", "in", "'in' after 'not'")
            return _In(left, self.parse_list(), True)
        if t.kind == "keyword" and t.value == "is":
            self.advance()
            negate = False
            if self.at("keyword", "not"):
                self.advance()
                negate = True
            self.expect("keyword", "missing", "'missing'")
            return _IsMissing(left, negate)
        raise self.unexpected("a comparison operator (== != < <= > >=), 'in' or 'is missing'")

    def parse_value(self):
        t = self.tok
        if t.kind == "ident":
            self.advance()
            return _Column(t.value)
        if t.kind in ("number", "string"):
            self.advance()
            return _Literal(t.value)
        raise self.unexpected("a variable name or a value")

    def parse_list(self) -> tuple:
        self.expect("punct", "[", "'['")
        items: list = []
        while True:
            t = self.tok
            if t.kind not in ("number", "string"):
                if items and self.at("punct", "]"):
                    break
                raise self.unexpected("a number or a quoted text")
            items.append(self.advance().value)
            if self.at("punct", ","):
                self.advance()
                continue
            break
        self.expect("punct", "]", "',' or ']'")
        if len({isinstance(v, str) for v in items}) > 1:
            raise _error(self.text, "a list must hold only numbers or only texts", t.pos)
        return tuple(items)


@dataclass(frozen=True)
class Expression:
    """A parsed routing expression. Build it with :func:`parse_expression`.

    Two expressions are equal when their source texts are equal.
    """

    text: str
    _node: Any = field(compare=False, repr=False, default=None)

    def __post_init__(self):
        if self._node is None:
            object.__setattr__(self, "_node", _Parser(self.text).parse())

    def __str__(self) -> str:
        return self.text

    @property
    def columns(self) -> tuple[str, ...]:
        """Column names the expression refers to, in order of first appearance."""
        seen: dict[str, None] = {}
        for c in self.comparisons():
            seen.setdefault(c.column, None)
        return tuple(seen)

    def comparisons(self) -> tuple[Comparison, ...]:
        """Every comparison of a column, with the literal values it is compared to."""
        return tuple(self._node.comparisons())

    def evaluate(self, frame: pd.DataFrame) -> np.ndarray:
        """Evaluate row by row on ``frame``; returns a boolean array of ``len(frame)``.

        Raises
        ------
        QuestionnaireError
            If a column is missing from ``frame`` or a numeric column is compared with text.
        """
        out = self._node.evaluate(frame, self.text)
        return np.array(np.broadcast_to(out, (len(frame),)), dtype=bool)


def parse_expression(text: str) -> Expression:
    """Parse a routing expression such as ``"contacted == 1"``.

    Parameters
    ----------
    text : str
        The expression (see the module docstring for the grammar).

    Returns
    -------
    Expression

    Raises
    ------
    QuestionnaireError
        With the expression and the position of the first error.

    Examples
    --------
    >>> parse_expression("region in [1, 2] and not gender == 2").columns
    ('region', 'gender')
    >>> parse_expression("__import__('os')")
    Traceback (most recent call last):
    ...
    trustsurvey.errors.QuestionnaireError: invalid expression "__import__('os')": expected a comparison operator (== != < <= > >=), 'in' or 'is missing', found '(' at position 10
    ...
    """
    if not isinstance(text, str):
        raise QuestionnaireError(f"an expression must be text, got {type(text).__name__} {text!r}")
    return Expression(nfc(text.strip()))
