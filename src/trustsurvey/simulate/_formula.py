"""Formulas of a simulation spec: safe arithmetic over numpy arrays.

A formula is a Python expression restricted to numbers, ``'text'``, names,
the operators ``+ - * / // % ** & | ^ ~``, one comparison (``==, !=, <, <=,
>, >=``), indexing (``x[i]``), lists and calls of the functions the caller
offers. It is parsed with :mod:`ast`, checked against that whitelist when the
spec is read, and evaluated by walking the tree (no :func:`eval`): operands
left to right, exactly as Python would, so a formula gives the same numbers,
dtypes and random draws as the same expression written in code.

Examples
--------
>>> import numpy as np
>>> f = Formula.parse("where(x > 1, 2 * x, -1)", where="example")
>>> f.names
frozenset({'x'})
>>> f.evaluate({"x": np.array([0, 2, 3])}, {"where": np.where}).tolist()
[-1, 4, 6]
>>> Formula.parse("x.real", where="example")
Traceback (most recent call last):
...
trustsurvey.errors.DesignError: example: 'x.real' uses attribute access, which formulas do not allow...
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from trustsurvey.errors import DesignError

__all__ = ["Formula", "run_program"]

_BINARY: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Pow: operator.pow,
    ast.BitAnd: operator.and_,
    ast.BitOr: operator.or_,
    ast.BitXor: operator.xor,
}
_UNARY: dict[type, Callable[[Any], Any]] = {
    ast.USub: operator.neg,
    ast.UAdd: operator.pos,
    ast.Invert: operator.invert,
}
_COMPARE: dict[type, Callable[[Any, Any], Any]] = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
}
_WHAT = {
    ast.Attribute: "attribute access",
    ast.BoolOp: "'and'/'or' (use & and | with parentheses)",
    ast.IfExp: "'... if ... else ...' (use where(cond, a, b))",
    ast.Lambda: "lambda",
    ast.Dict: "a dict",
    ast.Set: "a set",
    ast.Starred: "a starred argument",
    ast.Slice: "a slice",
}


@dataclass(frozen=True)
class Formula:
    """A checked formula: its text, its parsed tree and the names it reads."""

    text: str
    where: str
    tree: ast.expr
    names: frozenset[str]
    calls: frozenset[str]

    @classmethod
    def parse(cls, text: object, *, where: str) -> Formula:
        """Parse and check ``text``; ``where`` names its place (file and key) in messages."""
        if isinstance(text, bool) or not isinstance(text, (str, int, float)):
            raise DesignError(f"{where}: expected a formula (text or a number), got {text!r}")
        source = str(text).strip()
        try:
            tree = ast.parse(source, mode="eval").body
        except SyntaxError as exc:
            raise DesignError(f"{where}: cannot read the formula {source!r} ({exc.msg})") from None
        names: set[str] = set()
        calls: set[str] = set()
        for node in ast.walk(tree):
            _check(node, source, where, names, calls)
        return cls(source, where, tree, frozenset(names - calls), frozenset(calls))

    def evaluate(self, env: Mapping[str, Any], functions: Mapping[str, Callable[..., Any]]) -> Any:
        """The formula's value with the names of ``env`` and the ``functions``."""
        return _Evaluator(self, env, functions).run(self.tree)


def _check(node: ast.AST, source: str, where: str, names: set[str], calls: set[str]) -> None:
    def refuse(what: str) -> DesignError:
        return DesignError(f"{where}: {source!r} uses {what}, which formulas do not allow; "
                           "use numbers, names, arithmetic, one comparison, x[i], [lists] and f(args)")

    if isinstance(node, ast.Constant):
        if isinstance(node.value, bool) or not isinstance(node.value, (int, float, str)):
            raise refuse(f"the constant {node.value!r}")
    elif isinstance(node, ast.Name):
        names.add(node.id)
    elif isinstance(node, ast.BinOp):
        if type(node.op) not in _BINARY:
            raise refuse(f"the operator {type(node.op).__name__}")
    elif isinstance(node, ast.UnaryOp):
        if type(node.op) not in _UNARY:
            raise refuse("'not' (use ~ on a mask)")
    elif isinstance(node, ast.Compare):
        if len(node.ops) != 1 or type(node.ops[0]) not in _COMPARE:
            raise refuse("a chained comparison or 'in'/'is' (compare two values, join masks with &)")
    elif isinstance(node, ast.Call):
        if not isinstance(node.func, ast.Name) or node.keywords:
            raise refuse("a call that is not f(positional arguments)")
        calls.add(node.func.id)
    elif isinstance(node, (ast.Subscript, ast.List, ast.Tuple, ast.Load,
                           ast.operator, ast.unaryop, ast.cmpop)):
        pass
    else:
        raise refuse(_WHAT.get(type(node), type(node).__name__))


class _Evaluator:
    def __init__(self, formula: Formula, env: Mapping[str, Any], functions: Mapping[str, Callable[..., Any]]):
        self.formula, self.env, self.functions = formula, env, functions

    def _fail(self, message: str) -> DesignError:
        return DesignError(f"{self.formula.where}: {self.formula.text!r}: {message}")

    def run(self, node: ast.expr) -> Any:
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.Name):
            try:
                return self.env[node.id]
            except KeyError:
                known = ", ".join(sorted(self.env))
                raise self._fail(f"unknown name {node.id!r}; known here: {known}") from None
        if isinstance(node, ast.BinOp):
            left = self.run(node.left)
            return _BINARY[type(node.op)](left, self.run(node.right))
        if isinstance(node, ast.UnaryOp):
            return _UNARY[type(node.op)](self.run(node.operand))
        if isinstance(node, ast.Compare):
            left = self.run(node.left)
            return _COMPARE[type(node.ops[0])](left, self.run(node.comparators[0]))
        if isinstance(node, ast.Call):
            func = self.functions.get(node.func.id)  # type: ignore[union-attr]
            if func is None:
                known = ", ".join(sorted(self.functions))
                raise self._fail(f"unknown function {node.func.id!r}; known here: {known}")  # type: ignore[union-attr]
            return func(*[self.run(a) for a in node.args])
        if isinstance(node, ast.Subscript):
            value = self.run(node.value)
            return value[self.run(node.slice)]
        if isinstance(node, (ast.List, ast.Tuple)):
            return [self.run(e) for e in node.elts]
        raise self._fail(f"cannot evaluate {type(node).__name__}")  # pragma: no cover - refused by _check


def run_program(program: Iterable[tuple[str, Formula]], env: dict[str, Any], functions: dict[str, Callable[..., Any]]) -> dict[str, Any]:
    """Evaluate ``(name, formula)`` pairs in order, each result joining ``env``."""
    for name, formula in program:
        env[name] = formula.evaluate(env, functions)
    return env
