"""Render the compose template once per cell, strictly: an undefined variable names cell and variable."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import jinja2
import yaml

from harness.errors import TemplateError
from harness.matrix import Cell, Matrix, yaml_problem


@dataclass(frozen=True)
class RenderedCell:
    cell: Cell
    text: str
    compose: Mapping[str, Any]


def template_context(matrix: Matrix, cell: Cell) -> dict[str, Any]:
    """Each axis by name, each var by name and as `vars`, the cell, and where the matrix lives."""
    spec = matrix.spec
    return {
        **spec.vars,
        **cell.values,
        "vars": dict(spec.vars),
        "cell": {"id": cell.id, "labels": dict(cell.labels), "values": dict(cell.values)},
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
    return env


def _template(matrix: Matrix) -> jinja2.Template:
    try:
        return _environment(matrix).get_template(matrix.template_path.name)
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateError(f"{matrix.template_path}:{exc.lineno}: template syntax error: {exc.message}") from None


def render_cell(matrix: Matrix, cell: Cell, template: jinja2.Template | None = None) -> RenderedCell:
    template = template or _template(matrix)
    where = f"cell {cell.id} ({cell.describe()})"
    try:
        text = template.render(template_context(matrix, cell))
    except jinja2.UndefinedError as exc:
        raise TemplateError(
            f"{matrix.template_path.name}: {where}: {exc.message}; define it in vars or as an axis"
        ) from None
    except jinja2.TemplateError as exc:
        raise TemplateError(f"{matrix.template_path.name}: {where}: {exc}") from None
    try:
        compose = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        line, _, problem = yaml_problem(exc)
        at = f" at rendered line {line}" if line else ""
        raise TemplateError(
            f"{matrix.template_path.name}: {where}: rendered compose is not valid YAML{at}: {problem}; "
            "inspect it with `bisect render`"
        ) from None
    if not isinstance(compose, dict) or not isinstance(compose.get("services"), dict) or not compose["services"]:
        raise TemplateError(f"{matrix.template_path.name}: {where}: rendered compose has no `services` mapping")
    return RenderedCell(cell=cell, text=text, compose=compose)


def render_all(matrix: Matrix, cells: list[Cell]) -> list[RenderedCell]:
    """Render every cell before anything is launched, so a template error costs no GPU time."""
    template = _template(matrix)
    return [render_cell(matrix, cell, template) for cell in cells]
