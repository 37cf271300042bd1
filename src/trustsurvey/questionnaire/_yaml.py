"""Reading and writing questionnaire YAML files (errors name the file and line)."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import yaml

from ..errors import QuestionnaireError

__all__ = ["read_yaml", "write_yaml", "dump_yaml", "locate"]


_SafeBase = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's parser when available


class _Loader(_SafeBase):
    """Safe loader that rejects duplicate keys (a silent overwrite in plain YAML)."""


def _construct_mapping(loader: _Loader, node: yaml.MappingNode, deep: bool = False):
    seen: dict[Any, yaml.Node] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=True)
        try:
            hash(key)
        except TypeError:
            raise yaml.constructor.ConstructorError(
                None, None, f"a mapping key must be a scalar, found {key!r}", key_node.start_mark
            ) from None
        if key in seen:
            raise yaml.constructor.ConstructorError(
                "while reading a mapping",
                node.start_mark,
                f"duplicate key {key!r} (first given on line {seen[key].start_mark.line + 1})",
                key_node.start_mark,
            )
        seen[key] = key_node
    return loader.construct_mapping(node, deep=deep)


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def read_yaml(path: str | os.PathLike) -> Any:
    """Read a YAML file safely; syntax errors become :class:`QuestionnaireError` with file and line."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise QuestionnaireError(f"{path}: no such questionnaire file") from None
    except UnicodeDecodeError as exc:
        raise QuestionnaireError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start}); save it as UTF-8") from None
    except OSError as exc:
        raise QuestionnaireError(f"{path}: cannot read the file ({exc.strerror})") from None
    try:
        return yaml.load(text, Loader=_Loader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark is not None else str(path)
        problem = getattr(exc, "problem", None) or str(exc)
        context = getattr(exc, "context", None)
        msg = f"{where}: YAML syntax error: {problem}"
        if context:
            msg += f" ({context})"
        raise QuestionnaireError(msg) from None


class _Dumper(yaml.SafeDumper):
    """Block-style dumper; short lists of scalars in flow style."""


def _represent_list(dumper: yaml.SafeDumper, data: list):
    flow = len(data) <= 12 and all(isinstance(v, (int, float, str)) and len(str(v)) < 30 for v in data)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=flow)


def _represent_str(dumper: yaml.SafeDumper, data: str):
    style = "|" if "\n" in data else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


_Dumper.add_representer(list, _represent_list)
_Dumper.add_representer(str, _represent_str)


def dump_yaml(data: Any) -> str:
    """YAML text of ``data`` (UTF-8 characters kept, key order kept)."""
    return yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100, default_flow_style=False)


def write_yaml(data: Any, path: str | os.PathLike, header: str | None = None) -> None:
    """Write ``data`` as YAML to ``path`` (UTF-8), with an optional comment header."""
    text = dump_yaml(data)
    if header:
        text = "".join(f"# {line}\n" if line else "#\n" for line in header.splitlines()) + text
    Path(path).write_text(text, encoding="utf-8")


_PATH_TOKEN = re.compile(r"\[(\d+)\]|([^.\[\]]+)")


def _node_at(root: yaml.Node, path: str) -> yaml.Node | None:
    node = root
    for m in _PATH_TOKEN.finditer(path):
        index, key = m.group(1), m.group(2)
        if index is not None:
            if not isinstance(node, yaml.SequenceNode) or int(index) >= len(node.value):
                return node
            node = node.value[int(index)]
        else:
            if not isinstance(node, yaml.MappingNode):
                return node
            for k, v in node.value:
                if isinstance(k, yaml.ScalarNode) and k.value == key:
                    node = v
                    break
            else:
                return node
    return node


def locate(path: str | os.PathLike, problems: list[str]) -> list[str]:
    """Append ``(line N)`` to each ``"yaml.path: message"`` problem, found in the file at ``path``."""
    try:
        root = yaml.compose(Path(path).read_text(encoding="utf-8"), Loader=_SafeBase)
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return list(problems)
    if root is None:
        return list(problems)
    out = []
    for p in problems:
        ypath, sep, _ = p.partition(": ")
        node = _node_at(root, ypath) if sep and ypath != "<root>" else None
        out.append(f"{p} (line {node.start_mark.line + 1})" if node is not None else p)
    return out
