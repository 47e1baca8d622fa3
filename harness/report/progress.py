"""The matrix filling in on stderr: a live table on a terminal, one line per finished cell otherwise."""

from __future__ import annotations

import time
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
from harness.units import format_seconds

RUNNING = "▶"
PENDING = "·"
Key = tuple[str, ...]


LINE_WIDTH = 100


class MatrixProgress:
    """The outcome table filling in, every running cell with its elapsed time against its timeout and
    the latest line it printed, and the run as a whole (done, running, waiting, time left)."""

    def __init__(
        self,
        console: Console,
        cells: Sequence[Cell],
        rows: Sequence[str],
        cols: Sequence[str],
        timeout: float | None = None,
        jobs: int = 1,
    ) -> None:
        self.console = console
        self.rows, self.cols = list(rows), list(cols)
        self.row_keys = list(dict.fromkeys(self._key(c.labels, self.rows) for c in cells))
        self.col_keys = list(dict.fromkeys(self._key(c.labels, self.cols) for c in cells))
        self.slots: dict[tuple[Key, Key], list[str]] = {}
        self.done = 0
        self.total = len(cells)
        self.current = ""
        self.timeout = timeout
        self.jobs = jobs
        self.running: dict[str, tuple[Cell, float]] = {}
        self.latest: dict[str, str] = {}
        self.launched_seconds: list[float] = []
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
        self.running[cell.id] = (cell, time.monotonic())

    def cell_line(self, cell_id: str, line: str) -> None:
        self.latest[cell_id] = line

    def cell_finished(self, result: CellResult) -> None:
        started = self.running.pop(result.cell_id, None)
        self.latest.pop(result.cell_id, None)
        if started is not None and result.cached_from is None:
            self.launched_seconds.append(time.monotonic() - started[1])
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
        return Group(Text(self.run_line(), style="bold"), table, *self._running_lines())

    def run_line(self) -> str:
        """Cells done, running and waiting, and the time left estimated from the cells finished so far."""
        waiting = self.total - self.done - len(self.running)
        line = f"{self.done}/{self.total} cells done, {len(self.running)} running, {waiting} waiting"
        if self.launched_seconds and (waiting or self.running):
            mean = sum(self.launched_seconds) / len(self.launched_seconds)
            left = mean * (waiting + len(self.running)) / max(1, min(self.jobs, waiting + len(self.running)))
            line += f", about {format_seconds(left)} left"
        return line

    def _running_lines(self) -> list[Text]:
        now = time.monotonic()
        lines = []
        for cell_id, (cell, started) in self.running.items():
            budget = f"/{format_seconds(self.timeout)}" if self.timeout else ""
            latest = self.latest.get(cell_id, "").strip()
            if len(latest) > LINE_WIDTH:
                latest = latest[: LINE_WIDTH - 1] + "…"
            lines.append(Text(f"{RUNNING} {cell.describe()}  {format_seconds(now - started)}{budget}  {latest}"))
        return lines
