"""The scheduler with a backend that runs no container: devices are never shared, no device idles
while a cell that fits waits, Ctrl-C and engine loss end every running cell, placement re-renders."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from harness.errors import MatrixError
from harness.judge.judge import WatchRules
from harness.matrix.spec import expand, load_matrix
from harness.outcomes import ERROR, NOT_RUN, READY
from harness.run.backends.base import CellWatch
from harness.run.backends.inventory import HostFacts, ImageFacts
from harness.run.plan import PreparedCell, Preparer, device_needs, prepare, release_host_ports, watch_rules
from harness.run.resources import DevicePool, PortBook, next_to_start, overlapping
from harness.run.schedule import EngineLost, RunInterrupted, Schedule, run_cells
from harness.store.masking import Masker
from harness.store.results import CellResult, RunStore, now_iso
from tests.conftest import MatrixWriter

TEMPLATE = (
    "services:\n  app:\n    image: busybox\n    command: serve --port {{ cell.port }}\n"
    "    environment: {CUDA_VISIBLE_DEVICES: '{{ cell.devices | join(\",\") }}'}\n"
)


@dataclass
class Span:
    cell_id: str
    start: float
    end: float
    devices: tuple[str, ...]
    ports: tuple[int, ...]
    text: str


@dataclass
class FakeBackend:
    """Runs a cell by sleeping `seconds[cell]`; records when each ran, on which devices and ports."""

    seconds: Mapping[str, float]
    outcome: Callable[[str], str] = lambda cell_id: READY
    spans: list[Span] = field(default_factory=list)
    alive: bool = True
    name: str = "fake"
    places_devices: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)

    def run_cell(
        self,
        prepared: PreparedCell,
        rules: WatchRules,
        store: RunStore,
        attempt: int | None = None,
        watch: CellWatch | None = None,
    ) -> CellResult:
        watch = watch or CellWatch()
        start = time.monotonic()
        stopped = watch.stop.wait(self.seconds.get(prepared.cell.id, 0.05))
        watch.on_line(f"{prepared.cell.id} line")
        with self.lock:
            span = Span(
                prepared.cell.id, start, time.monotonic(), prepared.devices, prepared.ports, prepared.compose_text
            )
            self.spans.append(span)
        outcome = NOT_RUN if stopped else self.outcome(prepared.cell.id)
        return CellResult(**prepared.identity(store.run_id), outcome=outcome, finished_at=now_iso())

    def answers(self) -> bool:
        return self.alive

    def wait_for(self, seconds: float) -> bool:
        return self.alive

    def remove_cell(self, run_id: str, cell_id: str) -> None:
        pass

    # the rest of the protocol is not used by the scheduler
    def connect(self) -> None: ...

    def close(self) -> None: ...

    def use_placement(self, matrix: object, run_token: str, env: Mapping[str, str]) -> None: ...
    def owner_alive(self, owner: Mapping[str, str]) -> bool:
        return False

    def owner(self) -> dict[str, str]:
        return {}

    def provision(self, prepared: Sequence[PreparedCell], matrix_name: str) -> list[str]:
        return []

    def remove_orphans(self) -> list[str]:
        return []

    def remove_runs(self, run_id: str | None) -> list[str]:
        return []

    def remove_volumes(self) -> tuple[list[str], list[str]]:
        return [], []

    def pull(self, ref: str, say: Callable[[str], None]) -> str | None:
        return None

    def image_facts(self, refs: Sequence[str], extra_labels: Sequence[str]) -> list[ImageFacts]:
        return []

    def notes(self) -> list[str]:
        return []

    def check_images(self, refs: Sequence[str]) -> list[str]:
        return []

    def host_facts(self) -> HostFacts:
        return HostFacts()

    def devices(self) -> list[str]:
        return []


def planned(write_matrix: MatrixWriter, tmp_path: Path, tps: list[int], **keys: object):  # type: ignore[no-untyped-def]
    path = write_matrix(
        template_text=TEMPLATE,
        axes={"tp": {f"c{index}": tp for index, tp in enumerate(tps)}},
        resources={"devices": [0, 1, 2, 3], "per_cell": "{{ tp }}"},
        **keys,
    )
    matrix = load_matrix(path)
    store = RunStore(tmp_path / "results", "run-1")
    store.masker = Masker()
    preparer = Preparer(matrix, lambda cell: store.cell_dir(cell.id), "tok", host_env={})
    cells = prepare(matrix, expand(matrix.spec), preparer.compose_dir_of, "tok", preparer=preparer)

    return matrix, cells, store, preparer.place


def test_cells_side_by_side_never_share_a_device_and_render_the_ones_they_hold(
    write_matrix: MatrixWriter, tmp_path: Path
) -> None:
    matrix, cells, store, place = planned(write_matrix, tmp_path, [1, 2, 1, 2, 1, 1])
    backend = FakeBackend({c.cell.id: 0.5 for c in cells})
    schedule = Schedule(jobs=4, pool=DevicePool(("0", "1", "2", "3")), place=place)
    results = run_cells(backend, cells, watch_rules(matrix), store, schedule=schedule)
    assert sorted(r.cell_id for r in results) == sorted(c.cell.id for c in cells)
    assert all(r.outcome == READY for r in results)
    assert overlapping((s.start, s.end, s.devices) for s in backend.spans) == []
    for span in backend.spans:
        assert f"CUDA_VISIBLE_DEVICES: '{','.join(span.devices)}'" in span.text
        assert f"--port {span.ports[0]}" in span.text and span.ports[0] > 0
    by_id = {r.cell_id: r for r in results}
    assert all(len(by_id[s.cell_id].devices) == int(by_id[s.cell_id].values["tp"]) for s in backend.spans)
    start_spread = max(s.start for s in backend.spans) - min(s.start for s in backend.spans)
    assert (
        start_spread < 0.95
    )  # 6 cells needing 8 device-slots on 4 devices start in two waves; a third starts at 1.0 s
    running_ports = [set(s.ports) for s in backend.spans]
    assert all(not (a & b) for i, a in enumerate(running_ports) for b in running_ports[i + 1 :])


def test_first_fit_starts_a_later_cell_that_fits_while_a_big_one_waits(
    write_matrix: MatrixWriter, tmp_path: Path
) -> None:
    matrix, cells, store, place = planned(write_matrix, tmp_path, [2, 4, 1])
    durations = {cells[0].cell.id: 0.3, cells[1].cell.id: 0.05, cells[2].cell.id: 0.05}
    backend = FakeBackend(durations)
    schedule = Schedule(jobs=4, pool=DevicePool(("0", "1", "2", "3")), place=place)
    run_cells(backend, cells, watch_rules(matrix), store, schedule=schedule)
    start = {s.cell_id: s.start for s in backend.spans}
    tp2, tp4, tp1 = (c.cell.id for c in cells)
    assert start[tp1] < start[tp4]  # the 1-GPU cell did not wait behind the 4-GPU one
    assert start[tp4] >= max(s.end for s in backend.spans if s.cell_id == tp2) - 0.01


def test_one_job_runs_cells_one_after_another_in_matrix_order(write_matrix: MatrixWriter, tmp_path: Path) -> None:
    matrix, cells, store, place = planned(write_matrix, tmp_path, [1, 2, 1])
    backend = FakeBackend({})
    run_cells(backend, cells, watch_rules(matrix), store, schedule=Schedule(jobs=1, place=place))
    assert [s.cell_id for s in backend.spans] == [c.cell.id for c in cells]
    assert all(a.end <= b.start for a, b in zip(backend.spans, backend.spans[1:], strict=False))


def test_ctrl_c_stops_every_running_cell_and_records_it_not_run(write_matrix: MatrixWriter, tmp_path: Path) -> None:
    matrix, cells, store, place = planned(write_matrix, tmp_path, [1, 1, 1, 1, 1])
    backend = FakeBackend({c.cell.id: 30.0 for c in cells})
    started: list[str] = []

    def on_start(item: PreparedCell, index: int) -> None:
        started.append(item.cell.id)
        if len(started) == 2:
            threading.Timer(0.2, lambda: _interrupt_main()).start()

    with pytest.raises(RunInterrupted) as stop:
        run_cells(
            backend,
            cells,
            watch_rules(matrix),
            store,
            on_start=on_start,
            schedule=Schedule(jobs=2, pool=DevicePool(("0", "1")), place=place),
        )
    assert sorted(r.cell_id for r in stop.value.results) == sorted(started)
    assert {r.outcome for r in stop.value.results} == {NOT_RUN}
    assert all((store.cell_dir(cell_id) / "result.json").exists() for cell_id in started)


def _interrupt_main() -> None:
    import _thread

    _thread.interrupt_main()


def test_an_engine_that_stays_away_ends_the_run_after_the_running_cells(
    write_matrix: MatrixWriter, tmp_path: Path
) -> None:
    matrix, cells, store, place = planned(write_matrix, tmp_path, [1, 1, 1, 1])
    backend = FakeBackend({c.cell.id: 0.1 for c in cells}, outcome=lambda cell_id: ERROR)
    backend.alive = False
    with pytest.raises(EngineLost) as lost:
        run_cells(
            backend,
            cells,
            watch_rules(matrix),
            store,
            schedule=Schedule(jobs=2, pool=DevicePool(("0", "1")), place=place),
        )
    assert len(lost.value.results) == 2 and {r.outcome for r in lost.value.results} == {ERROR}
    assert len(backend.spans) == 2


def test_a_cell_that_needs_more_devices_than_the_pool_is_a_plan_error(write_matrix: MatrixWriter) -> None:
    path = write_matrix(axes={"tp": [1, 8]}, resources={"devices": [0, 1], "per_cell": "{{ tp }}"})
    matrix = load_matrix(path)
    with pytest.raises(MatrixError, match=r"resources: cell tp-8_\w+ needs 8 devices, the pool has 2"):
        device_needs(matrix, expand(matrix.spec))
    bad = load_matrix(write_matrix(axes={"tp": ["two"]}, resources={"devices": [0, 1], "per_cell": "{{ tp }}"}))
    with pytest.raises(MatrixError, match=r"resources.per_cell: cell tp-two_\w+ \(tp=two\): renders 'two'"):
        device_needs(bad, expand(bad.spec))


def test_published_host_ports_are_left_to_the_engine_when_cells_run_side_by_side(
    write_matrix: MatrixWriter, tmp_path: Path
) -> None:
    template = "services:\n  app:\n    image: {{ image }}\n    ports: ['8000:8000', '127.0.0.1:9000:9000', '7000']\n"
    matrix = load_matrix(write_matrix(template_text=template, jobs=2))
    (cell, *_) = prepare(matrix, expand(matrix.spec), lambda c: tmp_path / c.id, "tok", host_env={})
    assert cell.plan.services[0].kwargs["ports"] == {
        "8000/tcp": None,
        "9000/tcp": ("127.0.0.1", None),
        "7000/tcp": None,
    }
    assert release_host_ports(cell.plan) == cell.plan


def test_the_device_pool_and_first_fit() -> None:
    pool = DevicePool(("0", "1", "2", "3"))
    assert pool.take("a", 2) == ("0", "1") and pool.take("b", 1) == ("2",)
    with pytest.raises(ValueError):
        pool.take("c", 2)
    pool.give_back("a")
    assert pool.free == ["0", "1", "3"]
    assert next_to_start(["x", "y", "z"], {"x": 4, "y": 2, "z": 1}, free=2) == "y"
    assert next_to_start(["x"], {"x": 4}, free=3) is None
    assert overlapping([(0, 2, ["0"]), (1, 3, ["0", "1"]), (2, 4, ["0"])]) == [("0", 0, 1), ("0", 1, 2)]


def test_ports_are_free_and_never_handed_to_two_running_cells() -> None:
    book = PortBook()
    first, second = book.take("a", 4), book.take("b", 4)
    assert len(set(first) | set(second)) == 8
    book.give_back("a")
    assert "a" not in book.held and book.held["b"] == second
