"""Every problem of a template, found across all cells, reported once each: one line naming the
template file and the line in it, the cells it concerns (or every cell), the key path and what to do."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from harness.compose.model import Problem
from harness.errors import ComposeError, TemplateError
from harness.matrix.render import CellTemplateError, RenderedCell, TemplateLines
from harness.matrix.spec import Cell, Matrix
from harness.safe_yaml import KeyPath

SHOWN_CELLS = 3
UNSET_WARNING = 'The "{name}" variable is not set. Defaulting to a blank string.'


def _display(path: Path) -> str:
    try:
        relative = os.path.relpath(path)
    except ValueError:
        return str(path)
    return str(path) if relative.startswith("..") else relative


@dataclass
class Findings:
    matrix: Matrix
    cells: Sequence[Cell]
    _problems: dict[tuple[int | None, str, str], list[str]] = field(default_factory=dict)
    _notes: dict[tuple[str, str], None] = field(default_factory=dict)
    _unset: dict[str, None] = field(default_factory=dict)
    _template_only: bool = True
    _lines: TemplateLines | None = None

    @property
    def file(self) -> str:
        return _display(self.matrix.template_path)

    def _template_lines(self) -> TemplateLines:
        if self._lines is None:
            try:
                text = self.matrix.template_path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                text = ""
            self._lines = TemplateLines(text)
        return self._lines

    def _line_of(self, rendered: RenderedCell, path: KeyPath) -> int | None:
        """The template line a key path of the rendered compose came from, when it can be told."""
        for length in range(len(path), 0, -1):
            rendered_line = rendered.lines.get(path[:length])
            if rendered_line is not None:
                return self._template_line(rendered.text, rendered_line)
        return None

    def _template_line(self, text: str, rendered_line: int) -> int | None:
        lines = text.splitlines()
        if not 0 < rendered_line <= len(lines):
            return None
        return self._template_lines().locate(lines[rendered_line - 1], rendered_line)

    def _add(self, cell: Cell, line: int | None, where: str, message: str) -> None:
        self._problems.setdefault((line, where, message), []).append(cell.id)

    def template(self, cell: Cell, error: CellTemplateError) -> None:
        line = self._template_line(error.rendered, error.line) if error.line else None
        self._add(cell, line, "", error.detail)

    def problems(self, cell: Cell, rendered: RenderedCell, problems: Sequence[Problem]) -> None:
        self._template_only = False
        for problem in problems:
            self._add(cell, self._line_of(rendered, problem.path), problem.dotted(), problem.message)

    def notes(self, notes: Sequence[Problem]) -> None:
        for note in notes:
            self._notes.setdefault((note.dotted(), note.message), None)

    def unset(self, names: Sequence[str]) -> None:
        for name in names:
            self._unset.setdefault(name, None)

    def _who(self, cell_ids: list[str]) -> str:
        if len(cell_ids) == len(self.cells) and len(self.cells) > 1:
            return "every cell"
        shown = ", ".join(cell_ids[:SHOWN_CELLS])
        more = f" and {len(cell_ids) - SHOWN_CELLS} more" if len(cell_ids) > SHOWN_CELLS else ""
        return f"cell{'s' if len(cell_ids) > 1 else ''} {shown}{more}"

    def lines(self) -> list[str]:
        out = []
        ordered = sorted(self._problems.items(), key=lambda item: item[0][0] or 0)
        for (line, where, message), cell_ids in ordered:
            at = f"{self.file}:{line}" if line else self.file
            key = f"{where}: " if where else ""
            out.append(f"{at}: {self._who(cell_ids)}: {key}{message}")
        return out

    def raise_if_any(self) -> None:
        if not self._problems:
            return
        error = TemplateError if self._template_only else ComposeError
        raise error("\n".join(self.lines()))

    def notices(self) -> list[str]:
        """Warnings and notes, each once for the whole run."""
        warnings = [f"{self.file}: warning: {UNSET_WARNING.format(name=name)}" for name in self._unset]
        notes = [f"{self.file}: note: {where}: {message}" for where, message in self._notes]
        return warnings + notes
