"""Compose variable interpolation as the Compose Specification defines it (compose-go `template`).

`$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:?message}`, `${VAR?message}`,
`${VAR:+alt}`, `${VAR+alt}`, nested forms inside the default, alternative and message, and `$$` for
a literal `$`. A `$` followed by anything else stays as written. Defaults are expanded only when
used, so a variable inside an unused default is not reported as unset. Pure: values come in as a
mapping, unset names and failures go out as data.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

NAME = re.compile(r"[_A-Za-z][_A-Za-z0-9]*")
OPERATORS = (":-", ":?", ":+", "-", "?", "+")


class InterpolationError(ValueError):
    """A `${...}` that is malformed, or a required variable (`:?` / `?`) without a value."""


@dataclass
class Substitution:
    """What one interpolation pass read: variables used without a value (each becomes empty)."""

    unset: list[str] = field(default_factory=list)
    used: dict[str, str] = field(default_factory=dict)
    """Variables that had a value and were read (their values may be secrets to mask)."""
    unset_at: dict[str, list[tuple[str | int, ...]]] = field(default_factory=dict)
    """Where in the document each unset variable was read (filled by `interpolate`)."""

    def note_unset(self, name: str) -> None:
        if name not in self.unset:
            self.unset.append(name)


def _closing_brace(text: str, brace: int) -> int:
    """Index of the `}` that balances the `{` at `brace`, counting every brace in between (so
    `${VAR:-{"json":1}}` keeps its braces), as compose-go's getFirstBraceClosingIndex does."""
    depth = 0
    index = brace
    while index < len(text):
        if text[index] == "}":
            depth -= 1
            if depth == 0:
                return index
        elif text[index] == "{":
            depth += 1
            index += 1
            continue
        index += 1
    return -1


def substitute(text: str, values: Mapping[str, str], seen: Substitution | None = None) -> str:
    """`text` with every variable replaced; raises InterpolationError for a malformed or required one."""
    seen = seen if seen is not None else Substitution()
    out: list[str] = []
    index = 0
    while True:
        dollar = text.find("$", index)
        if dollar < 0:
            out.append(text[index:])
            return "".join(out)
        out.append(text[index:dollar])
        after = dollar + 1
        if text.startswith("$", after):
            out.append("$")
            index = after + 1
        elif text.startswith("{", after):
            end = _closing_brace(text, after)
            if end < 0:
                raise InterpolationError(f'invalid interpolation format "{text[dollar:]}": no closing brace')
            out.append(_braced(text[after + 1 : end], text[dollar : end + 1], values, seen))
            index = end + 1
        else:
            name = NAME.match(text, after)
            if name is None:
                out.append("$")
                index = after
            else:
                out.append(_lookup(name.group(), values, seen))
                index = name.end()


def _lookup(name: str, values: Mapping[str, str], seen: Substitution) -> str:
    if name in values:
        seen.used[name] = values[name]
        return values[name]
    seen.note_unset(name)
    return ""


def _braced(body: str, whole: str, values: Mapping[str, str], seen: Substitution) -> str:
    name = NAME.match(body)
    if name is None:
        raise InterpolationError(f'invalid interpolation format "{whole}": a variable name must come first')
    var, rest = name.group(), body[name.end() :]
    if not rest:
        return _lookup(var, values, seen)
    operator = next((op for op in OPERATORS if rest.startswith(op)), None)
    if operator is None:
        raise InterpolationError(
            f'invalid interpolation format "{whole}": expected one of {", ".join(OPERATORS)} after {var}'
        )
    argument = rest[len(operator) :]
    value = values.get(var)
    if value is not None:
        seen.used[var] = value
    has_value = bool(value) if operator.startswith(":") else value is not None
    kind = operator[-1]
    if kind == "-":
        return value if has_value and value is not None else substitute(argument, values, seen)
    if kind == "+":
        return substitute(argument, values, seen) if has_value else ""
    if has_value and value is not None:
        return value
    message = substitute(argument, values, seen)
    raise InterpolationError(f"required variable {var} is missing a value" + (f": {message}" if message else ""))


Located = Callable[[tuple[str | int, ...], InterpolationError], None]


def interpolate(
    document: Any,
    values: Mapping[str, str],
    seen: Substitution,
    on_error: Located,
    path: tuple[str | int, ...] = (),
) -> Any:
    """Every string value of a YAML document interpolated (mapping keys are left as written, as
    compose does); each failure is handed to `on_error` with its key path and the value kept."""
    if isinstance(document, str):
        local = Substitution(used=seen.used)
        try:
            return substitute(document, values, local)
        except InterpolationError as exc:
            on_error(path, exc)
            return document
        finally:
            for name in local.unset:
                seen.note_unset(name)
                seen.unset_at.setdefault(name, []).append(path)
    if isinstance(document, Mapping):
        return {key: interpolate(item, values, seen, on_error, (*path, str(key))) for key, item in document.items()}
    if isinstance(document, list):
        return [interpolate(item, values, seen, on_error, (*path, index)) for index, item in enumerate(document)]
    return document


def escape(text: str) -> str:
    """A resolved string written back into a compose file: `$` doubled so it is not read again."""
    return text.replace("$", "$$")
