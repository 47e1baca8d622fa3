"""The scheduler: the queue of cells, reuse of known results, repeats, and what stops a run (Ctrl-C,
an engine that does not come back). It hands each cell to a backend and never talks to an engine."""

from __future__ import annotations

import collections
import sys
import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass

from harness.errors import HarnessError
from harness.judge.judge import WatchRules
from harness.judge.signatures import ERROR, READY
from harness.matrix.render import Placement
from harness.outcomes import NOT_RUN
from harness.run.backends.base import Backend, CellWatch
from harness.run.plan import PreparedCell
from harness.run.resources import DevicePool, PortBook, next_to_start
from harness.store.results import CellResult, RunStore, now_iso


class RunStopped(Exception):
    """The run ended before every cell had a verdict; carries the results that were finished."""

    reason = "stopped"

    def __init__(self, results: list[CellResult]) -> None:
        super().__init__(self.reason)
        self.results = results


class RunInterrupted(RunStopped):
    """Ctrl-C or SIGTERM during a run."""

    reason = "interrupted"


class EngineLost(RunStopped):
    """The engine stopped answering and did not come back in time."""

    reason = "engine unreachable"


@dataclass(frozen=True)
class Repeats:
    """How often each cell is launched, and whether to stop at its first failure."""

    times: int = 1
    until_fail: bool = False


def combine(attempts: Sequence[CellResult]) -> CellResult:
    """One result for a repeated cell: its most frequent failure if any attempt failed, else ready;
    flaky when the attempts disagree. The fields of the first attempt with that outcome are kept."""
    outcomes = [a.outcome for a in attempts]
    failures = collections.Counter(o for o in outcomes if o != READY)
    outcome = failures.most_common(1)[0][0] if failures else READY
    chosen = next(a for a in attempts if a.outcome == outcome)
    return chosen.model_copy(
        update={
            "attempts": [a.as_attempt() for a in attempts],
            "flaky": len(set(outcomes)) > 1,
            "started_at": attempts[0].started_at,
        }
    )


def run_repeated(
    backend: Backend,
    prepared: PreparedCell,
    rules: WatchRules,
    store: RunStore,
    repeats: Repeats,
    watch: CellWatch | None = None,
) -> CellResult:
    """Launch a cell `repeats.times` times (or until its first failure) and combine the attempts."""
    if repeats.times == 1:
        return backend.run_cell(prepared, rules, store, watch=watch)
    attempts: list[CellResult] = []
    for attempt in range(1, repeats.times + 1):
        attempts.append(backend.run_cell(prepared, rules, store, attempt, watch=watch))
        if attempts[-1].outcome in (ERROR, NOT_RUN):
            return attempts[-1] if attempts[-1].outcome == NOT_RUN else combine(attempts)
        if repeats.until_fail and attempts[-1].outcome != READY:
            break
    return combine(attempts)


Place = Callable[[PreparedCell, Placement], PreparedCell]
"""Prepares a cell again for the devices and ports it really got (raises HarnessError if it cannot)."""


@dataclass
class Schedule:
    """How cells share the engine: how many at once, on which devices."""

    jobs: int = 1
    pool: DevicePool | None = None
    place: Place | None = None


def run_cells(
    backend: Backend,
    cells: Sequence[PreparedCell],
    rules: WatchRules,
    store: RunStore,
    on_start: Callable[[PreparedCell, int], None] = lambda cell, index: None,
    on_done: Callable[[CellResult], None] = lambda result: None,
    wait_engine: float = 0.0,
    on_engine_lost: Callable[[float], None] = lambda seconds: None,
    reuse: Mapping[str, CellResult] | None = None,
    repeats: Repeats = Repeats(),
    keys: Mapping[str, str | None] | None = None,
    schedule: Schedule | None = None,
    on_line: Callable[[str, str], None] = lambda cell_id, line: None,
) -> list[CellResult]:
    """Run cells, up to `schedule.jobs` at once, in the matrix's order filling free devices first-fit;
    each result is written as soon as it is known. A cell in `reuse` (already stored by a resumed run
    or adopted from the cache) is not launched. After an `error`, an engine that no longer answers is
    waited for up to `wait_engine` seconds, then the run stops (cells still running end as `error`).
    Ctrl-C stops every running cell and records it `not_run`."""
    return _Scheduler(backend, rules, store, repeats, schedule or Schedule(), on_line).run(
        cells, reuse or {}, keys or {}, on_start, on_done, wait_engine, on_engine_lost
    )


class _Scheduler:
    def __init__(
        self,
        backend: Backend,
        rules: WatchRules,
        store: RunStore,
        repeats: Repeats,
        schedule: Schedule,
        on_line: Callable[[str, str], None],
    ) -> None:
        self.backend, self.rules, self.store, self.repeats = backend, rules, store, repeats
        self.schedule = schedule
        self.on_line = on_line
        self.stop = threading.Event()
        self.ports = PortBook()
        self.results: list[CellResult] = []

    def run(
        self,
        cells: Sequence[PreparedCell],
        reuse: Mapping[str, CellResult],
        keys: Mapping[str, str | None],
        on_start: Callable[[PreparedCell, int], None],
        on_done: Callable[[CellResult], None],
        wait_engine: float,
        on_engine_lost: Callable[[float], None],
    ) -> list[CellResult]:
        order = {item.cell.id: index for index, item in enumerate(cells)}
        waiting: list[PreparedCell] = []
        for item in cells:
            kept = reuse.get(item.cell.id)
            if kept is None:
                waiting.append(item)
                continue
            on_start(item, order[item.cell.id])
            self.results.append(kept)
            on_done(kept)
        pool = self.schedule.pool
        running: dict[Future[CellResult], PreparedCell] = {}
        with ThreadPoolExecutor(max_workers=self.schedule.jobs, thread_name_prefix="cell") as executor:
            try:
                while waiting or running:
                    while waiting and len(running) < self.schedule.jobs:
                        free = len(pool.free) if pool is not None else sys.maxsize
                        chosen = next_to_start(
                            [w.cell.id for w in waiting], {w.cell.id: w.needs for w in waiting}, free
                        )
                        if chosen is None:
                            break
                        item = next(w for w in waiting if w.cell.id == chosen)
                        waiting.remove(item)
                        devices = pool.take(chosen, item.needs) if pool is not None else item.devices
                        placement = Placement(devices, self.ports.take(chosen, len(item.ports) or 1))
                        on_start(item, order[chosen])
                        running[executor.submit(self._launch, item, placement)] = item
                    done, _ = wait(running, timeout=0.5, return_when=FIRST_COMPLETED)
                    for future in done:
                        item = running.pop(future)
                        stored = self._finish(item, future.result(), keys, on_done)
                        if stored.outcome == ERROR and not self.backend.answers():
                            on_engine_lost(wait_engine)
                            if not self.backend.wait_for(wait_engine):
                                self._drain(running, keys, on_done)
                                raise EngineLost(self._in_order(order))
                            self.backend.remove_cell(self.store.run_id, item.cell.id)
            except KeyboardInterrupt:
                self.stop.set()
                self._drain(running, keys, on_done)
                raise RunInterrupted(self._in_order(order)) from None
        return self._in_order(order)

    def _in_order(self, order: Mapping[str, int]) -> list[CellResult]:
        """Results in the matrix's order, whatever order cells finished in (tables are built from it)."""
        return sorted(self.results, key=lambda result: order.get(result.cell_id, len(order)))

    def _launch(self, item: PreparedCell, placement: Placement) -> CellResult:
        """In a worker thread: prepare the cell for its placement, then run it (and its repeats)."""
        try:
            placed = self.schedule.place(item, placement) if self.schedule.place else item
        except HarnessError as exc:
            return CellResult(
                **item.identity(self.store.run_id),
                outcome=ERROR,
                reason=f"cannot prepare it for devices {', '.join(placement.devices) or 'none'}: {exc}",
                devices=list(placement.devices),
                finished_at=now_iso(),
            )
        watch = CellWatch(self.stop, lambda line: self.on_line(item.cell.id, line))
        result = run_repeated(self.backend, placed, self.rules, self.store, self.repeats, watch)
        if result.devices:  # a backend that places cells itself says where they ran
            return result
        return result.model_copy(update={"devices": list(placement.devices)})

    def _finish(
        self,
        item: PreparedCell,
        result: CellResult,
        keys: Mapping[str, str | None],
        on_done: Callable[[CellResult], None],
    ) -> CellResult:
        if self.schedule.pool is not None:
            self.schedule.pool.give_back(item.cell.id)
        self.ports.give_back(item.cell.id)
        if result.is_final:
            result = result.model_copy(update={"cache_key": keys.get(item.cell.id)})
        stored = self.store.write_result(result)
        self.results.append(stored)
        on_done(stored)
        return stored

    def _drain(
        self,
        running: dict[Future[CellResult], PreparedCell],
        keys: Mapping[str, str | None],
        on_done: Callable[[CellResult], None],
    ) -> None:
        """Wait for every running cell to stop and clean up; a second Ctrl-C does not strand them."""
        while running:
            try:
                done, _ = wait(running, timeout=0.5, return_when=FIRST_COMPLETED)
            except KeyboardInterrupt:
                self.stop.set()
                continue
            for future in done:
                self._finish(running.pop(future), future.result(), keys, on_done)
