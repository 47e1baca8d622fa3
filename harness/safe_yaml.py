"""YAML input that cannot hang or crash the harness: bounded alias expansion and nesting, and the
line each key came from, so errors can point into the file the user wrote."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml

MAX_NODES = 200_000
"""Nodes a document may expand to once aliases are followed (a real compose file or matrix has hundreds)."""
MAX_DEPTH = 200

KeyPath = tuple[str | int, ...]
"""Where a value sits in a document: mapping keys and list indexes from the top."""


def dotted(path: KeyPath) -> str:
    """`services.vllm.volumes[0]` from a key path."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


class YamlInputError(ValueError):
    """A document that is not YAML, or that expands beyond what any real file needs."""

    def __init__(self, message: str, line: int | None = None, column: int | None = None) -> None:
        super().__init__(message)
        self.line = line
        self.column = column

    def at(self) -> str:
        return f":{self.line}:{self.column}" if self.line else ""


@dataclass(frozen=True)
class Document:
    data: Any
    lines: Mapping[KeyPath, int] = field(default_factory=dict)
    """1-based line of each key path (mapping keys and list items)."""


def _problem(exc: yaml.YAMLError) -> YamlInputError:
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    if mark is None:
        return YamlInputError(problem)
    return YamlInputError(problem, mark.line + 1, mark.column + 1)


def _measure(
    node: yaml.Node, lines: dict[KeyPath, int], path: KeyPath, depth: int, stack: set[int], count: list[int]
) -> None:
    """Walk the node graph as the loader would expand it, counting nodes and recording key lines."""
    count[0] += 1
    if count[0] > MAX_NODES:
        raise YamlInputError(
            f"expands to more than {MAX_NODES:,} nodes (aliases that multiply); write the values out instead"
        )
    if depth > MAX_DEPTH:
        raise YamlInputError(f"nests deeper than {MAX_DEPTH} levels", node.start_mark.line + 1)
    if id(node) in stack:
        raise YamlInputError(
            "an alias refers to a node that contains it (a recursive document)", node.start_mark.line + 1
        )
    stack.add(id(node))
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            step = str(key.value) if isinstance(key, yaml.ScalarNode) else "?"
            here = (*path, step)
            lines.setdefault(here, key.start_mark.line + 1)
            _measure(key, lines, here, depth + 1, stack, count)
            _measure(value, lines, here, depth + 1, stack, count)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            here = (*path, index)
            lines.setdefault(here, item.start_mark.line + 1)
            _measure(item, lines, here, depth + 1, stack, count)
    stack.discard(id(node))


class CoreSchemaLoader(yaml.SafeLoader):
    """YAML 1.2 core schema scalars, as compose (Go yaml v3) reads them: `8000:8000` stays a string
    (YAML 1.1 reads it as a base-60 number), `yes`, `no`, `on` and `off` stay words."""


CoreSchemaLoader.yaml_implicit_resolvers = {
    first: [
        (tag, regex)
        for tag, regex in resolvers
        if tag not in ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float")
    ]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
CoreSchemaLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
CoreSchemaLoader.add_implicit_resolver(
    "tag:yaml.org,2002:int", re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$"), list("-+0123456789")
)
CoreSchemaLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(
        r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
    ),
    list("-+.0123456789"),
)


def load_yaml(text: str, core_schema: bool = False) -> Document:
    """Parse one YAML document safely; raises YamlInputError with the line when it is known.
    `core_schema` reads scalars as YAML 1.2 does (compose files), else as PyYAML's YAML 1.1."""
    loader = (CoreSchemaLoader if core_schema else yaml.SafeLoader)(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return Document(None)
        lines: dict[KeyPath, int] = {}
        _measure(node, lines, (), 0, set(), [0])
        return Document(loader.construct_document(node), lines)
    except yaml.YAMLError as exc:
        raise _problem(exc) from None
    except RecursionError:
        raise YamlInputError(f"nests deeper than {MAX_DEPTH} levels") from None
    finally:
        loader.dispose()


def read_text(path: str | Any) -> str:
    """A file as UTF-8 text; OSError and UnicodeDecodeError are the caller's to word."""
    with open(path, encoding="utf-8") as handle:
        return handle.read()


def decode_problem(exc: UnicodeDecodeError) -> str:
    return f"is not UTF-8 text (byte {exc.object[exc.start]:#04x} at offset {exc.start}); save it as UTF-8"
