"""Helpers shared by the schema checks: problem collection, keys, ids, labels."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

__all__ = ["Checker", "SafeDict", "is_int", "is_number", "kind", "codes_text", "REQUIRED_LANGUAGES", "IDENT_RE",
           "LANGUAGE_RE"]

#: the bundled survey's languages; kept for callers, required by nothing
REQUIRED_LANGUAGES = ("sq", "sr", "en")
IDENT_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
#: a BCP-47-like language code: ``en``, ``sr-Cyrl``, ``pt-BR`` (or an importer's slug such as ``klingon``)
LANGUAGE_RE = re.compile(r"^[A-Za-z]{2,8}(?:[-_][A-Za-z0-9]{1,8})*$")


def is_int(v: Any) -> bool:
    """An integer that is not a bool."""
    return isinstance(v, int) and not isinstance(v, bool)


def is_number(v: Any) -> bool:
    """A finite int or float that is not a bool."""
    return isinstance(v, (int, float)) and not isinstance(v, bool) and v == v and abs(v) != float("inf")


def kind(v: Any) -> str:
    """Name of a YAML value's kind for messages."""
    if isinstance(v, Mapping):
        return "a mapping"
    if isinstance(v, (list, tuple)):
        return "a list"
    return {str: "a text", type(None): "nothing"}.get(type(v), f"{type(v).__name__} {v!r}")


def codes_text(codes) -> str:
    """``1, 2, 3`` (or ``none``)."""
    return ", ".join(str(c) for c in codes) or "none"


class SafeDict(dict):
    """A dict whose ``get`` and ``in`` accept unhashable keys (junk from YAML): simply not found."""

    def get(self, key, default=None):
        try:
            return super().get(key, default)
        except TypeError:
            return default

    def __contains__(self, key) -> bool:
        try:
            return super().__contains__(key)
        except TypeError:
            return False


class Checker:
    """Collects problems as ``"path: message"`` strings."""

    def __init__(self, strict: bool = False):
        self.strict = strict
        self.problems: list[str] = []
        self.languages: list[str] | None = None  # None: not declared (labels are not checked per language)
        self.variables: dict[str, tuple[str, Any]] = SafeDict()
        self.where: dict[str, str] = SafeDict()
        self.scale_info: dict[str, dict] = SafeDict()

    def add(self, path: str, message: str) -> None:
        self.problems.append(f"{path or '<root>'}: {message}")

    def keys(self, d: Mapping, path: str, allowed, required=()) -> None:
        """Unknown keys and missing required keys of a mapping."""
        prefix = f"{path}." if path else ""
        for key in d:
            if key not in allowed:
                self.add(f"{prefix}{key}", f"unknown key {key!r} (allowed: {', '.join(allowed)})")
        for key in required:
            if key not in d:
                self.add(f"{prefix}{key}", "required")

    def ident(self, value: Any, path: str, what: str) -> bool:
        """``value`` is a valid identifier (letters, digits, underscore; not starting with a digit)."""
        if isinstance(value, str) and IDENT_RE.match(value):
            return True
        self.add(path, f"{what} {value!r} must be letters, digits and underscores, not starting with a digit")
        return False

    def define(self, vid: str, vkind: str, d: Any, path: str) -> None:
        """Register a variable id, reporting duplicates across every section."""
        if vid in self.variables:
            self.add(path, f"duplicate id {vid!r} (already defined at {self.where[vid]})")
            return
        self.variables[vid] = (vkind, d)
        self.where[vid] = path

    def list_of(self, value: Any, path: str) -> list:
        """``value`` as a list (``None`` -> empty), reporting anything else."""
        if value is None:
            return []
        if not isinstance(value, list):
            self.add(path, f"must be a list, found {kind(value)}")
            return []
        return value

    def _langs_text(self) -> str:
        return ", ".join(self.languages or ()) or "the questionnaire's languages"

    def labels(self, value: Any, path: str, *, required: bool, must_exist: bool = False) -> None:
        """A ``{lang: text}`` mapping; in strict mode every declared language must be there."""
        if value is None:
            if must_exist or (required and self.strict):
                self.add(path, f"missing label (give it in {self._langs_text()})")
            return
        if not isinstance(value, Mapping):
            example = ", ".join(f"{x}: ..." for x in (self.languages or ["en"])[:3])
            self.add(path, f"must map languages to texts ({{{example}}}), found {kind(value)}")
            return
        for lang, text in value.items():
            if self.languages is not None and lang not in self.languages:
                self.add(f"{path}.{lang}", f"unknown language {lang!r} (languages: {self._langs_text()})")
            elif not (isinstance(text, str) and text.strip()):
                self.add(f"{path}.{lang}", f"must be a non-empty text, found {text!r}")
        if must_exist and not value:
            self.add(path, f"missing label (give it in {self._langs_text()})")
        if self.strict and value and self.languages:
            missing = [lang for lang in self.languages if lang not in value]
            if missing:
                self.add(path, f"missing {', '.join(repr(m) for m in missing)} label")
