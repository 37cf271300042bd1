"""Translate an XLSForm ``relevant`` expression (an XPath subset) into the routing language.

Supported: ``${name}`` and ``../name`` references, ``=``, ``!=``, ``<``,
``<=``, ``>``, ``>=``, ``and``, ``or``, ``not(...)``, parentheses,
``selected(${q}, 'name')``, and comparisons with ``''`` (blank). Choice names
become the scale's codes; a select_multiple choice becomes its 0/1 option
column. Anything else (``regex()``, ``count-selected()``, arithmetic, dates)
raises :class:`Unsupported` with the reason, which the importer writes into a
note: no routing rule is dropped silently.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

__all__ = ["Ref", "Unsupported", "translate"]


class Unsupported(Exception):
    """The expression uses something the routing language cannot say."""


@dataclass(frozen=True)
class Ref:
    """What a referenced form field became: its id, kind and, for selects, its choice names."""

    id: str
    kind: str  # single | multiple | numeric | text | date | time
    codes: dict = field(default_factory=dict)  # single: choice name -> code
    options: dict = field(default_factory=dict)  # multiple: choice name -> option id


_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<ref>\$\{\s*(?P<refname>[^}\s]+)\s*\}|(?:\.\./)+(?P<relname>[A-Za-z_][\w.-]*))
  | (?P<number>\d+(?:\.\d*)?|\.\d+)
  | (?P<string>'[^']*'|"[^"]*")
  | (?P<op>!=|<=|>=|=|<|>)
  | (?P<punct>[(),])
  | (?P<name>[A-Za-z_][\w:.-]*)
  | (?P<other>.)
    """,
    re.VERBOSE,
)


def _tokens(text: str) -> list[tuple[str, object]]:
    out: list[tuple[str, object]] = []
    for m in _TOKEN.finditer(text):
        kind = m.lastgroup
        if kind == "ws":
            continue
        if kind in ("ref", "refname", "relname"):
            out.append(("ref", m.group("refname") or m.group("relname")))
        elif kind == "number":
            raw = m.group()
            v = float(raw)
            out.append(("lit", int(v) if v.is_integer() and "." not in raw else v))
        elif kind == "string":
            out.append(("lit", m.group()[1:-1]))
        elif kind == "other":
            raise Unsupported(f"{m.group()!r} (arithmetic or paths) is not supported")
        else:
            out.append((kind, m.group()))
    out.append(("end", None))
    return out


class _Parser:
    def __init__(self, text: str, refs: dict[str, Ref]):
        self.toks = _tokens(text)
        self.i = 0
        self.refs = refs

    def peek(self, kind=None, value=None) -> bool:
        k, v = self.toks[self.i]
        return (kind is None or k == kind) and (value is None or v == value)

    def take(self):
        tok = self.toks[self.i]
        self.i += 1
        return tok

    def expect(self, kind, value=None):
        if not self.peek(kind, value):
            got = self.toks[self.i][1]
            raise Unsupported(f"expected {value or kind}, found {got!r}")
        return self.take()

    # grammar: or -> and -> unary -> comparison -> primary
    def parse(self) -> tuple[str, int]:
        out = self.parse_or()
        if not self.peek("end"):
            raise Unsupported(f"unexpected {self.toks[self.i][1]!r}")
        return out

    def parse_or(self):
        parts = [self.parse_and()]
        while self.peek("name", "or"):
            self.take()
            parts.append(self.parse_and())
        if len(parts) == 1:
            return parts[0]
        return " or ".join(_wrap(p, 1) for p in parts), 1

    def parse_and(self):
        parts = [self.parse_comparison()]
        while self.peek("name", "and"):
            self.take()
            parts.append(self.parse_comparison())
        if len(parts) == 1:
            return parts[0]
        return " and ".join(_wrap(p, 2) for p in parts), 2

    def parse_comparison(self):
        left = self.parse_operand()
        if self.peek("op"):
            op = self.take()[1]
            right = self.parse_operand()
            return self.compare(left, op, right), 3
        if left[0] != "expr":
            raise Unsupported(f"a bare {'reference' if left[0] == 'ref' else 'value'} is not a condition")
        return left[1]

    def parse_operand(self):
        kind, value = self.toks[self.i]
        if kind == "ref":
            self.take()
            return ("ref", self.ref(value))
        if kind == "lit":
            self.take()
            return ("lit", value)
        if kind == "punct" and value == "(":
            self.take()
            inner = self.parse_or()
            self.expect("punct", ")")
            return ("expr", inner)
        if kind == "name" and self.toks[self.i + 1] == ("punct", "("):
            return ("expr", self.function())
        raise Unsupported(f"unexpected {value!r}")

    def function(self):
        name = self.take()[1]
        self.expect("punct", "(")
        if name == "not":
            inner = self.parse_or()
            self.expect("punct", ")")
            return f"not {_wrap(inner, 0, always=True)}", 4
        if name == "selected":
            ref = self.expect("ref")[1]
            self.expect("punct", ",")
            kind, value = self.take()
            if kind != "lit":
                raise Unsupported("selected() needs a choice name as its second argument")
            self.expect("punct", ")")
            r = self.ref(ref)
            return self.choice_test(r, str(value), "=="), 3
        raise Unsupported(f"function {name}() is not supported")

    def ref(self, name: str) -> Ref:
        r = self.refs.get(name)
        if r is None:
            raise Unsupported(f"refers to {name!r}, which is not an imported question")
        return r

    def choice_test(self, r: Ref, name: str, op: str) -> str:
        if r.kind == "multiple":
            if name not in r.options:
                raise Unsupported(f"{name!r} is not a choice of {r.id!r}")
            return f"{r.options[name]} {'==' if op == '==' else '!='} 1"
        if r.kind == "single":
            if name not in r.codes:
                raise Unsupported(f"{name!r} is not a choice of {r.id!r}")
            return f"{r.id} {op} {_literal(r.codes[name])}"
        raise Unsupported(f"selected() on {r.id!r}, which is not a select question")

    def compare(self, left, op, right) -> str:
        if left[0] == "lit" and right[0] == "ref":
            left, right = right, left
            op = {"<": ">", ">": "<", "<=": ">=", ">=": "<="}.get(op, op)
        if left[0] != "ref":
            raise Unsupported("a comparison must start from a question")
        r: Ref = left[1]
        eq = {"=": "==", "!=": "!="}.get(op, op)
        if right[0] == "ref":
            other: Ref = right[1]
            if r.kind == other.kind == "numeric":
                return f"{r.id} {eq} {other.id}"
            raise Unsupported(f"comparing {r.id!r} with {other.id!r} is only supported for numbers")
        if right[0] != "lit":
            raise Unsupported("a comparison must be with a value")
        value = right[1]
        if value == "":
            if op not in ("=", "!="):
                raise Unsupported(f"{op} '' is not a condition")
            target = next(iter(r.options.values())) if r.kind == "multiple" else r.id
            return f"{target} is {'not ' if op == '!=' else ''}missing"
        if r.kind == "multiple":
            raise Unsupported(f"{r.id!r} is select_multiple: compare its choices with selected()")
        if r.kind == "single":
            if op in ("=", "!="):
                return self.choice_test(r, _name(value), eq)
            code = r.codes.get(_name(value))
            if not isinstance(code, int):
                raise Unsupported(f"ordering {r.id!r} needs numeric choice names")
            return f"{r.id} {eq} {code}"
        if r.kind == "numeric":
            try:
                number = float(value)
            except (TypeError, ValueError):
                raise Unsupported(f"{r.id!r} is a number, compared with {value!r}") from None
            return f"{r.id} {eq} {_literal(int(number) if number.is_integer() else number)}"
        if r.kind == "text" and op in ("=", "!="):
            return f"{r.id} {eq} {_literal(str(value))}"
        raise Unsupported(f"comparing the {r.kind} question {r.id!r} with {value!r} is not supported")


def _name(value) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value)


def _literal(value) -> str:
    if isinstance(value, str):
        return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"
    return str(value)


def _wrap(part: tuple[str, int], level: int, always: bool = False) -> str:
    text, prec = part
    return f"({text})" if always or prec < level else text


def translate(text: str, refs: dict[str, Ref]) -> str:
    """The routing-language form of an XLSForm ``relevant`` expression.

    Parameters
    ----------
    text : str
        The XLSForm expression.
    refs : dict
        ``{form name: Ref}`` for every imported question it may refer to.

    Raises
    ------
    Unsupported
        With the reason, when the expression cannot be translated.

    Examples
    --------
    >>> refs = {"contact": Ref("contact", "single", codes={"yes": 1, "no": 2}),
    ...         "_4_8": Ref("v_4_8", "numeric"),
    ...         "worries": Ref("worries", "multiple", options={"theft": "worries_theft"})}
    >>> translate("${contact} = 'yes' and ${_4_8} >= 2", refs)
    'contact == 1 and v_4_8 >= 2'
    >>> translate("not(selected(${worries}, 'theft')) or ${contact} != ''", refs)
    'not (worries_theft == 1) or contact is not missing'
    >>> try:
    ...     translate("regex(${x}, 'a')", refs)
    ... except Unsupported as exc:
    ...     print(exc)
    function regex() is not supported
    """
    if not str(text).strip():
        raise Unsupported("empty expression")
    return _Parser(str(text), refs).parse()[0]
