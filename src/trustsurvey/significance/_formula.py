"""Model formulas (``"y ~ x1 + C(x2)"``) to arrays, via patsy (private).

Columns keep the order of the terms in the formula (as R's ``model.matrix``),
categorical terms use treatment coding against their first level (``C(var)``,
or ``C(var, Treatment("b"))`` for another reference), and rows with a missing
value in any variable of the model are left out (R's ``na.omit``).

A formula names columns and a small set of functions, nothing else. patsy
evaluates the code of each term as Python, so every term is checked first, by
walking its syntax tree, and anything outside that set is refused before any
code runs: names that are neither columns nor allowed functions, attribute
access other than ``np.<allowed function>``, subscripts, dunders, lambdas,
comprehensions, calls of anything else. Allowed: column names (``Q("name")``
for names that are not Python identifiers), numbers, arithmetic and comparisons,
``C()`` (with a contrast ``Treatment``, ``Sum``, ``Helmert``, ``Diff`` or ``Poly``
and ``levels=``), ``I()``, ``center()``, ``scale()``, ``standardize()``, and
``log``, ``exp``, ``sqrt``, ``log2``, ``log10``, ``log1p``, ``abs`` (also as ``np.log`` ...).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import SignificanceError

__all__ = ["ModelFrame", "model_frame", "check_formula", "FORMULA_FUNCTIONS"]

_MATH = {"log": np.log, "exp": np.exp, "sqrt": np.sqrt, "log2": np.log2, "log10": np.log10,
         "log1p": np.log1p, "abs": np.abs}
_PATSY = ("C", "I", "Q", "center", "scale", "standardize")
_CONTRASTS = ("Treatment", "Sum", "Helmert", "Diff", "Poly")
#: Functions a model formula may call (besides the contrasts inside ``C()``).
FORMULA_FUNCTIONS = _PATSY + tuple(_MATH)
_NUMPY = ("np", "numpy")
_ARITHMETIC = (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.FloorDiv, ast.Mod, ast.Pow, ast.USub, ast.UAdd,
               ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE, ast.And, ast.Or, ast.Not)


class _Checker:
    """Walks the syntax tree of one term's code; raises on anything outside the allowed set."""

    def __init__(self, formula: str, code: str, columns: set):
        self.formula, self.code, self.columns = formula, code, columns
        self.used: set = set()

    def fail(self, what: str) -> None:
        raise SignificanceError(
            f"formula {self.formula!r}: {what} in the term {self.code!r} is not allowed; a formula names "
            f"columns of the data and the functions {', '.join(FORMULA_FUNCTIONS)} (also as np.log ...), "
            "with C(var, Treatment('level')) for another reference level and Q('column name') for names "
            "that are not identifiers")

    def column(self, node: ast.AST) -> None:
        """A column reference: a name of the data, or ``Q("name")``."""
        if isinstance(node, ast.Name):
            self.name(node)
        elif self.is_call(node, "Q"):
            self.quoted(node)
        else:
            self.expr(node, inside_i=False)

    def name(self, node: ast.Name) -> None:
        if node.id.startswith("__") or node.id not in self.columns:
            if node.id in FORMULA_FUNCTIONS or node.id in _CONTRASTS or node.id in _NUMPY:
                self.fail(f"the function name {node.id!r} used as a value")
            if node.id.startswith("__"):
                self.fail(f"the name {node.id!r}")
            shown = ", ".join(sorted(self.columns)[:40])
            raise SignificanceError(f"formula {self.formula!r} names {node.id!r}, which is not in the data (nor "
                                    f"an allowed function); available columns: {shown}")
        self.used.add(node.id)

    def quoted(self, node: ast.Call) -> None:
        arg = node.args[0] if len(node.args) == 1 and not node.keywords else None
        if not (isinstance(arg, ast.Constant) and isinstance(arg.value, str)):
            self.fail("Q() without a single quoted column name")
        if arg.value not in self.columns:
            self.fail(f"Q({arg.value!r}) (not a column of the data)")
        self.used.add(arg.value)

    @staticmethod
    def is_call(node: ast.AST, *names: str) -> bool:
        return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in names

    def constant(self, node: ast.AST, what: str) -> None:
        if isinstance(node, ast.Constant) and isinstance(node.value, (str, int, float, bool)):
            return
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) and isinstance(node.operand, ast.Constant):
            return self.constant(node.operand, what)
        if isinstance(node, (ast.List, ast.Tuple)):
            for elt in node.elts:
                self.constant(elt, what)
            return
        self.fail(f"{what} {ast.unparse(node)!r}")

    def contrast(self, node: ast.AST) -> None:
        if isinstance(node, ast.Name) and node.id in _CONTRASTS:
            return
        if self.is_call(node, *_CONTRASTS):
            for arg in list(node.args) + [k.value for k in node.keywords]:
                self.constant(arg, "the contrast argument")
            return
        self.fail(f"the contrast {ast.unparse(node)!r}")

    def call(self, node: ast.Call, inside_i: bool) -> None:
        func = node.func
        if isinstance(func, ast.Attribute):
            if not (isinstance(func.value, ast.Name) and func.value.id in _NUMPY and func.attr in _MATH):
                self.fail(f"the attribute call {ast.unparse(func)!r}")
            name = func.attr
        elif isinstance(func, ast.Name):
            name = func.id
            if name not in FORMULA_FUNCTIONS:
                self.fail(f"a call of {name!r}")
        else:
            self.fail(f"the call {ast.unparse(func)!r}")
        if name == "Q":
            return self.quoted(node)
        if name == "C":
            if not node.args:
                self.fail("C() without a variable")
            self.column(node.args[0])
            for arg in node.args[1:2]:
                self.contrast(arg)
            if len(node.args) > 2:
                self.fail("C() with more than two arguments")
            for kw in node.keywords:
                if kw.arg == "levels":
                    self.constant(kw.value, "the levels")
                elif kw.arg == "contrast":
                    self.contrast(kw.value)
                else:
                    self.fail(f"the argument {kw.arg!r} of C()")
            return
        if node.keywords:
            self.fail(f"keyword arguments of {name}()")
        for arg in node.args:
            self.expr(arg, inside_i=inside_i or name == "I")

    def expr(self, node: ast.AST, inside_i: bool) -> None:
        if isinstance(node, ast.Name):
            self.name(node)
        elif isinstance(node, ast.Constant):
            if isinstance(node.value, str) and not inside_i:
                self.fail(f"the text {node.value!r}")
            if not isinstance(node.value, (str, int, float, bool)):
                self.fail(f"the constant {node.value!r}")
        elif isinstance(node, ast.Call):
            self.call(node, inside_i)
        elif isinstance(node, ast.BinOp) and isinstance(node.op, _ARITHMETIC):
            self.expr(node.left, inside_i)
            self.expr(node.right, inside_i)
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, _ARITHMETIC):
            self.expr(node.operand, inside_i)
        elif isinstance(node, ast.Compare) and all(isinstance(op, _ARITHMETIC) for op in node.ops):
            for part in [node.left, *node.comparators]:
                self.expr(part, inside_i)
        elif isinstance(node, ast.BoolOp) and isinstance(node.op, _ARITHMETIC):
            for part in node.values:
                self.expr(part, inside_i)
        elif isinstance(node, ast.Attribute):
            self.fail(f"the attribute {ast.unparse(node)!r}")
        elif isinstance(node, ast.Subscript):
            self.fail(f"the subscript {ast.unparse(node)!r}")
        elif isinstance(node, ast.Lambda):
            self.fail("a lambda")
        else:
            self.fail(f"the expression {ast.unparse(node)!r} ({type(node).__name__})")


def check_formula(formula: str, columns) -> set:
    """Refuse, before any evaluation, a formula that does anything but name columns and allowed functions.

    Parameters
    ----------
    formula : str
        ``"y ~ x1 + C(x2)"`` or its right-hand side.
    columns : iterable of str
        The data's columns.

    Returns
    -------
    set of str
        The columns the right-hand side uses.

    Raises
    ------
    SignificanceError
        Naming the offending part of the formula.

    Examples
    --------
    >>> sorted(check_formula("y ~ np.log(x) + C(g, Treatment('b')) + I(x ** 2)", ["y", "x", "g"]))
    ['g', 'x']
    >>> check_formula("y ~ x + __import__('os').system('echo hi')", ["y", "x"])
    Traceback (most recent call last):
    ...
    trustsurvey.errors.SignificanceError: formula ...: the attribute call "__import__('os').system" ...
    """
    import patsy

    rhs = formula.split("~", 1)[1] if "~" in formula else formula
    columns = {str(c) for c in columns}
    try:
        desc = patsy.ModelDesc.from_formula(rhs.strip() or "1")  # parses only: no code is evaluated
    except patsy.PatsyError as exc:
        raise SignificanceError(f"formula {formula!r} cannot be parsed: {exc}") from None
    used: set = set()
    for term in desc.rhs_termlist + desc.lhs_termlist:
        for factor in term.factors:
            code = factor.code if hasattr(factor, "code") else str(factor)
            try:
                tree = ast.parse(code, mode="eval")
            except SyntaxError:
                raise SignificanceError(f"formula {formula!r}: the term {code!r} is not valid") from None
            checker = _Checker(formula, code, columns)
            checker.expr(tree.body, inside_i=False)
            used |= checker.used
    return used


@dataclass(frozen=True, eq=False)
class ModelFrame:
    """The response column, the design matrix and the rows (of the full data) they come from."""

    response: str
    y: pd.Series  # the raw response values of the used rows
    X: np.ndarray  # (n_used, p)
    names: list
    rows: np.ndarray  # indices into the full data


def _patsy_ready(frame: pd.DataFrame, used: set) -> pd.DataFrame:
    """The columns the formula names, with nullable numeric columns as float (NaN for NA):
    patsy cannot test pandas' ``NA`` for missingness."""
    cols = [c for c in frame.columns if str(c) in used]
    out = frame[cols].copy()
    for c in cols:
        col = out[c]
        if pd.api.types.is_extension_array_dtype(col.dtype) and (
                pd.api.types.is_numeric_dtype(col.dtype) or pd.api.types.is_bool_dtype(col.dtype)):
            out[c] = col.to_numpy(dtype=float, na_value=np.nan)
    return out


def model_frame(formula: str, data: pd.DataFrame, in_domain: np.ndarray) -> ModelFrame:
    """Parse ``formula`` and build the design matrix on the complete cases of the domain."""
    import patsy

    if not isinstance(formula, str) or formula.count("~") != 1:
        raise SignificanceError(f"formula must look like 'y ~ x1 + C(x2)', got {formula!r}")
    lhs, rhs = (part.strip() for part in formula.split("~"))
    lhs = lhs.strip("`")
    if not lhs:
        raise SignificanceError(f"formula {formula!r} has no response on the left of '~'")
    if lhs not in data.columns:
        raise SignificanceError(f"response {lhs!r} of formula {formula!r} is not in the data; "
                                f"available columns: {', '.join(map(str, list(data.columns)[:40]))}")
    if not rhs:
        rhs = "1"
    used = check_formula(formula, data.columns)
    keep = in_domain & data[lhs].notna().to_numpy()
    if not keep.any():
        raise SignificanceError(f"no respondent in the analysed rows has a value of {lhs!r}")
    sub = _patsy_ready(data.loc[keep], used)
    try:
        desc = patsy.ModelDesc.from_formula(rhs)
        env = patsy.EvalEnvironment([{"np": np, "numpy": np, **_MATH}])
        mat = patsy.dmatrix(rhs, sub, NA_action="drop", return_type="dataframe", eval_env=env)
    except patsy.PatsyError as exc:
        raise SignificanceError(f"cannot build the model matrix of {formula!r}: {exc}") from None
    except NameError as exc:
        raise SignificanceError(f"formula {formula!r} names a variable that is not in the data: "
                                f"{exc}") from None
    info = mat.design_info
    order = []
    for term in desc.rhs_termlist:
        if term in info.term_slices:
            sl = info.term_slices[term]
            order.extend(range(sl.start, sl.stop))
    for j in range(mat.shape[1]):  # anything patsy added that the term list does not name
        if j not in order:
            order.append(j)
    rows = mat.index.to_numpy()
    if rows.size == 0:
        raise SignificanceError(f"no complete case for formula {formula!r} in the analysed rows")
    X = mat.to_numpy(dtype=float)[:, order]
    names = [mat.columns[j] for j in order]
    return ModelFrame(response=lhs, y=data[lhs].iloc[rows], X=X, names=names, rows=rows)
