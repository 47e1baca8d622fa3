"""The matrix filling in on stderr: a live table on a terminal, one line per finished cell otherwise."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import ExitStack
from types import TracebackType

from rich.console import Console, Group
from rich.live import Live
from rich.table import Table
from rich.text import Text

from harness.matrix.spec import Cell
from harness.report.report import cell_text
from harness.store.results import CellResult

RUNNING = "▶"
PENDING = "·"
Key = tuple[str, ...]


class MatrixProgress:
    def __init__(self, console: Console, cells: Sequence[Cell], rows: Sequence[str], cols: Sequence[str]) -> None:
        self.console = console
        self.rows, self.cols = list(rows), list(cols)
        self.row_keys = list(dict.fromkeys(self._key(c.labels, self.rows) for c in cells))
        self.col_keys = list(dict.fromkeys(self._key(c.labels, self.cols) for c in cells))
        self.slots: dict[tuple[Key, Key], list[str]] = {}
        self.done = 0
        self.total = len(cells)
        self.current = ""
        self._stack = ExitStack()

    def __enter__(self) -> MatrixProgress:
        if self.console.is_terminal:
            self._stack.enter_context(Live(self, console=self.console, refresh_per_second=4))
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self._stack.close()

    @staticmethod
    def _key(labels: Mapping[str, str], axes: Sequence[str]) -> Key:
        return tuple(labels[a] for a in axes)

    def _slot(self, labels: Mapping[str, str]) -> list[str]:
        return self.slots.setdefault((self._key(labels, self.rows), self._key(labels, self.cols)), [])

    def note(self, text: str) -> None:
        """A message about the run as a whole (printed above the live table on a terminal)."""
        self.console.print(text, markup=False, highlight=False)

    def cell_started(self, cell: Cell) -> None:
        self.current = f"running {cell.describe()}"
        self._slot(cell.labels).append(RUNNING)

    def cell_finished(self, result: CellResult) -> None:
        slot = self._slot(result.labels)
        text = cell_text(result)
        if RUNNING in slot:
            slot[slot.index(RUNNING)] = text
        else:
            slot.append(text)
        self.done += 1
        if self.done == self.total:
            self.current = "done"
        if not self.console.is_terminal:
            took = f" in {result.seconds:.1f}s" if result.seconds is not None else ""
            known = f" (reused from {result.cached_from.run_id})" if result.cached_from else ""
            self.console.print(
                f"[{self.done}/{self.total}] {result.cell_id}: {result.outcome}{took}{known}", markup=False
            )

    def __rich__(self) -> Group:
        table = Table(show_edge=False, pad_edge=False)
        for axis in self.rows or ["cells"]:
            table.add_column(axis)
        for key in self.col_keys:
            table.add_column(", ".join(f"{a}={v}" for a, v in zip(self.cols, key, strict=True)) or "outcome")
        for row in self.row_keys:
            cells = [" / ".join(self.slots.get((row, col)) or [PENDING]) for col in self.col_keys]
            table.add_row(*(row or ("all",)), *cells)
        return Group(Text(f"{self.done}/{self.total} cells  {self.current}", style="bold"), table)
