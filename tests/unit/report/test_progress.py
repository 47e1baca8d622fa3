"""The live display: every running cell with its elapsed time and latest line, and the whole run."""

from __future__ import annotations

import io

from rich.console import Console

from harness.matrix.spec import Cell
from harness.report.progress import MatrixProgress
from harness.store.results import CellResult

CELLS = [Cell(f"tp-{n}_x", {"tp": str(n)}, {"tp": n}) for n in range(1, 6)]


def result(cell: Cell, outcome: str = "ready", seconds: float = 60.0) -> CellResult:
    return CellResult(
        run_id="r",
        cell_id=cell.id,
        labels=dict(cell.labels),
        values=dict(cell.values),
        outcome=outcome,
        seconds=seconds,
    )


def rendered(progress: MatrixProgress) -> str:
    console = Console(file=io.StringIO(), width=200, color_system=None)
    console.print(progress)
    return console.file.getvalue()  # type: ignore[attr-defined]


def test_running_cells_show_their_time_against_the_timeout_and_their_latest_line() -> None:
    progress = MatrixProgress(Console(file=io.StringIO()), CELLS, ["tp"], [], timeout=1200.0, jobs=2)
    progress.cell_started(CELLS[0])
    progress.cell_started(CELLS[1])
    progress.cell_line(CELLS[0].id, "INFO 05-01 [gpu_model_runner.py:1] Loading weights took 12.3 GiB " + "x" * 200)
    text = rendered(progress)
    assert "0/5 cells done, 2 running, 3 waiting" in text
    assert "s/20m00s  INFO 05-01 [gpu_model_runner.py:1] Loading weights took 12.3 GiB" in text
    assert "▶ tp=2  0.0s/20m00s" in text and "▶ tp=1  0.0s/20m00s" in text
    assert "x" * 120 not in text


def test_the_time_left_comes_from_the_cells_finished_so_far() -> None:
    progress = MatrixProgress(Console(file=io.StringIO()), CELLS, ["tp"], [], timeout=1200.0, jobs=2)
    progress.cell_started(CELLS[0])
    progress.running[CELLS[0].id] = (CELLS[0], progress.running[CELLS[0].id][1] - 120.0)
    progress.cell_finished(result(CELLS[0]))
    assert progress.run_line().startswith("1/5 cells done, 0 running, 4 waiting, about ")
    assert "about 4m00s left" in progress.run_line()  # 4 cells of ~120 s, 2 at a time
    assert CELLS[0].id not in progress.running and CELLS[0].id not in progress.latest
