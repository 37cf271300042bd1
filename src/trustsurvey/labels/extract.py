"""Find every interface message in the package and bring the catalogues up to date.

``python -m trustsurvey.labels.extract`` scans the package's Python modules and
report templates for messages — ``t("...")``, ``t.format("...")``,
``t.pgettext("context", "...")``, ``N_("...")``, ``NC_("context", "...")`` where
``t`` is a :class:`~trustsurvey.labels.catalogue.Catalogue`, and ``_("...")`` in
Jinja templates — and adds the new ones, untranslated, to every ``.po`` file
(messages no longer used are kept, marked obsolete). Translate them, then run
``python -m trustsurvey.labels.compile``. The test suite fails while a message
has no translation.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

from .catalogue import DOMAIN, LOCALE_DIR

__all__ = ["extract_messages", "update_catalogues", "main"]

PACKAGE_DIR = Path(__file__).resolve().parent.parent
_MARKERS = {"N_": 1, "NC_": 2}


def _callee_is_catalogue(node: ast.AST) -> bool:
    """``t`` or ``<anything>.t``."""
    return (isinstance(node, ast.Name) and node.id == "t") or (isinstance(node, ast.Attribute) and node.attr == "t")


def _text(node: ast.AST) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _from_python(path: Path) -> list[tuple[str | None, str, str]]:
    out = []
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        f, args = node.func, node.args
        where = f"{path.relative_to(PACKAGE_DIR)}:{node.lineno}"
        if _callee_is_catalogue(f) and _text(args[0]) is not None:
            out.append((None, _text(args[0]), where))
        elif isinstance(f, ast.Attribute) and _callee_is_catalogue(f.value):
            if f.attr in ("gettext", "translated") and _text(args[0]) is not None:
                out.append((None, _text(args[0]), where))
            elif f.attr == "format" and _text(args[0]) is not None:
                ctx = _text(args[1]) if len(args) > 1 else None
                out.append((ctx, _text(args[0]), where))
            elif f.attr == "pgettext" and len(args) > 1 and _text(args[0]) and _text(args[1]) is not None:
                out.append((_text(args[0]), _text(args[1]), where))
        elif isinstance(f, ast.Name) and f.id in _MARKERS:
            if f.id == "N_" and _text(args[0]) is not None:
                out.append((None, _text(args[0]), where))
            elif f.id == "NC_" and len(args) > 1 and _text(args[0]) and _text(args[1]) is not None:
                out.append((_text(args[0]), _text(args[1]), where))
    return out


def _from_templates(folder: Path) -> list[tuple[str | None, str, str]]:
    import jinja2

    env = jinja2.Environment(extensions=["jinja2.ext.i18n"])
    out = []
    for path in sorted(folder.rglob("*.j2")):
        for lineno, func, message in env.extract_translations(path.read_text(encoding="utf-8")):
            where = f"{path.relative_to(PACKAGE_DIR)}:{lineno}"
            if func == "pgettext" and isinstance(message, tuple):
                out.append((message[0], message[1], where))
            elif isinstance(message, str):
                out.append((None, message, where))
    return out


def extract_messages() -> dict[tuple[str | None, str], list[str]]:
    """``{(context, message): [where it is used]}`` for every message of the package."""
    found: dict[tuple[str | None, str], list[str]] = {}
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        if "locale" in path.parts:
            continue
        for ctx, msg, where in _from_python(path):
            found.setdefault((ctx, msg), []).append(where)
    for ctx, msg, where in _from_templates(PACKAGE_DIR / "report" / "templates"):
        found.setdefault((ctx, msg), []).append(where)
    return found


def update_catalogues() -> dict[str, int]:
    """Add new messages (untranslated) to every ``.po`` file; return how many each gained."""
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import read_po, write_po

    messages = extract_messages()
    template = Catalog(domain=DOMAIN)
    for (ctx, msg), where in messages.items():
        flags = ["python-brace-format"] if "{" in msg else []
        template.add(msg, context=ctx, flags=flags,
                     locations=[(w.rsplit(":", 1)[0], int(w.rsplit(":", 1)[1])) for w in where[:3]])
    added = {}
    for po in sorted(LOCALE_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
        with open(po, "rb") as fh:
            cat = read_po(fh, locale=po.parent.parent.name, domain=DOMAIN)
        before = {(m.context, m.id) for m in cat if m.id}
        cat.update(template, no_fuzzy_matching=True, update_header_comment=False, keep_user_comments=True)
        added[po.parent.parent.name] = len({(m.context, m.id) for m in cat if m.id} - before)
        with open(po, "wb") as fh:
            write_po(fh, cat, width=100, sort_output=False, include_previous=False)
    return added


def main(argv: list[str] | None = None) -> int:
    for lang, n in update_catalogues().items():
        print(f"{lang}: {n} new message(s)")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main(sys.argv[1:]))
