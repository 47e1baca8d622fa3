"""Render the compose template once per cell, strictly: an undefined variable names cell and variable.
Also maps a line of rendered text back to the template line it came from, so problems found in the
rendered compose point into the file the user wrote."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import jinja2

from harness.errors import TemplateError
from harness.matrix.spec import Cell, Matrix
from harness.safe_yaml import YamlInputError, decode_problem, load_yaml


@dataclass(frozen=True)
class RenderedCell:
    cell: Cell
    text: str
    compose: Mapping[str, Any]
    lines: Mapping[tuple[str | int, ...], int] = field(default_factory=dict)
    """Rendered line of each key path."""


class CellTemplateError(TemplateError):
    """A template that fails for one cell; `detail` is the problem without the cell, so cells that
    fail alike are reported once."""

    def __init__(self, where: str, detail: str, line: int | None = None, rendered: str = "") -> None:
        self.where = where
        self.detail = detail
        self.line = line
        """Line of the rendered text the problem is on, if known."""
        self.rendered = rendered
        super().__init__(f"{where}: {detail}")


@dataclass(frozen=True)
class Placement:
    """Where a cell runs: the devices it holds and the host ports it may listen on."""

    devices: tuple[str, ...] = ()
    ports: tuple[int, ...] = ()


def template_context(matrix: Matrix, cell: Cell, placement: Placement | None = None) -> dict[str, Any]:
    """Each axis by name, each var by name and as `vars`, the cell (with its devices and ports), and
    where the matrix lives."""
    spec = matrix.spec
    placement = placement or Placement()
    about_cell = {
        "id": cell.id,
        "labels": dict(cell.labels),
        "values": dict(cell.values),
        "devices": list(placement.devices),
        "port": placement.ports[0] if placement.ports else None,
        "ports": list(placement.ports),
    }
    return {
        **spec.vars,
        **cell.values,
        "vars": dict(spec.vars),
        "cell": about_cell,
        "matrix_dir": str(matrix.directory),
        "matrix_name": spec.name,
    }


def _environment(matrix: Matrix) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(matrix.template_path.parent)),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        autoescape=False,
    )

    def from_matrix(path: str) -> str:
        """A path written relative to the matrix file, made absolute (absolute paths pass through)."""
        return os.path.normpath(os.path.join(str(matrix.directory), str(path)))

    env.filters["from_matrix"] = from_matrix
    env.filters["tojson"] = _strict_tojson(env.filters["tojson"])
    return env


def _strict_tojson(tojson: Any) -> Any:
    """`tojson` that reports an undefined variable as Jinja's own error (naming it), where the
    built-in one lets json.dumps fail with a TypeError about StrictUndefined."""

    @jinja2.pass_eval_context
    def strict(eval_context: Any, value: Any, indent: int | None = None) -> Any:
        if isinstance(value, jinja2.Undefined):
            value._fail_with_undefined_error()
        return tojson(eval_context, value, indent)

    return strict


def load_template(matrix: Matrix) -> jinja2.Template:
    """The compiled template, or one TemplateError line naming the file (syntax, encoding)."""
    try:
        return _environment(matrix).get_template(matrix.template_path.name)
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateError(f"{matrix.template_path}:{exc.lineno}: template syntax error: {exc.message}") from None
    except UnicodeDecodeError as exc:
        raise TemplateError(f"{matrix.template_path}: {decode_problem(exc)}") from None
    except OSError as exc:
        raise TemplateError(f"{matrix.template_path}: cannot read: {exc.strerror}") from None


def render_count(expression: int | str, context: Mapping[str, Any]) -> int:
    """A number written as a number or as a template expression over a cell's values (`{{ tp }}`)."""
    if isinstance(expression, int):
        return expression
    try:
        text = jinja2.Environment(undefined=jinja2.StrictUndefined).from_string(expression).render(context).strip()
    except jinja2.TemplateError as exc:
        raise ValueError(str(exc)) from None
    if not text.isdigit():
        raise ValueError(f"renders {text!r}, not a whole number")
    return int(text)


def render_cell(
    matrix: Matrix, cell: Cell, template: jinja2.Template | None = None, placement: Placement | None = None
) -> RenderedCell:
    template = template or load_template(matrix)
    name = matrix.template_path.name
    where = f"{name}: cell {cell.id} ({cell.describe()})"
    try:
        text = template.render(template_context(matrix, cell, placement))
    except jinja2.UndefinedError as exc:
        raise CellTemplateError(where, f"{exc.message}; define it in vars or as an axis") from None
    except jinja2.TemplateError as exc:
        raise CellTemplateError(where, str(exc)) from None
    except UnicodeDecodeError as exc:
        raise CellTemplateError(where, f"an included file {decode_problem(exc)}") from None
    try:
        document = load_yaml(text, core_schema=True)
    except YamlInputError as exc:
        at = f" at rendered line {exc.line}" if exc.line else ""
        raise CellTemplateError(
            where, f"rendered compose is not valid YAML{at}: {exc}; inspect it with `bisect render`", exc.line, text
        ) from None
    compose = document.data
    if not isinstance(compose, dict) or not isinstance(compose.get("services"), dict) or not compose["services"]:
        raise CellTemplateError(where, "rendered compose has no `services` mapping")
    return RenderedCell(cell=cell, text=text, compose=compose, lines=document.lines)


def render_all(matrix: Matrix, cells: list[Cell]) -> list[RenderedCell]:
    """Render every cell before anything is launched, so a template error costs no GPU time."""
    template = load_template(matrix)
    return [render_cell(matrix, cell, template) for cell in cells]


_JINJA = re.compile(r"(\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\})")


class TemplateLines:
    """Finds the template line a rendered line came from: each template line with literal text
    becomes a pattern (its `{{ ... }}` parts match anything); the match nearest the rendered line
    number wins. Lines made entirely by Jinja cannot be told apart and give None."""

    def __init__(self, template_text: str) -> None:
        self._patterns: list[tuple[int, re.Pattern[str]]] = []
        for number, line in enumerate(template_text.splitlines(), 1):
            parts = _JINJA.split(line)
            literal = "".join(p for p in parts if not _JINJA.fullmatch(p))
            if len(literal.strip()) < 2:
                continue
            regex = "".join(".*?" if _JINJA.fullmatch(p) else re.escape(p) for p in parts)
            self._patterns.append((number, re.compile(regex.rstrip() + r"\s*")))

    def locate(self, rendered: str, near: int) -> int | None:
        candidates = [number for number, pattern in self._patterns if pattern.fullmatch(rendered)]
        return min(candidates, key=lambda number: abs(number - near)) if candidates else None
