"""The scheduler: the queue of cells, reuse of known results, repeats, and what stops a run (Ctrl-C,
an engine that does not come back). It hands each cell to a backend and never talks to an engine."""

from __future__ import annotations

import collections
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from harness.judge.judge import WatchRules
from harness.judge.signatures import ERROR, NOT_RUN, READY
from harness.run.backends.base import Backend
from harness.run.plan import PreparedCell
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
    backend: Backend, prepared: PreparedCell, rules: WatchRules, store: RunStore, repeats: Repeats
) -> CellResult:
    """Launch a cell `repeats.times` times (or until its first failure) and combine the attempts."""
    if repeats.times == 1:
        return backend.run_cell(prepared, rules, store)
    attempts: list[CellResult] = []
    for attempt in range(1, repeats.times + 1):
        attempts.append(backend.run_cell(prepared, rules, store, attempt))
        if attempts[-1].outcome == ERROR or (repeats.until_fail and attempts[-1].outcome != READY):
            break
    return combine(attempts)


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
) -> list[CellResult]:
    """Run cells one after another; each result is written as soon as it is known. A cell in `reuse`
    (already stored by a resumed run or adopted from the cache) is not launched. After an `error`, an
    engine that no longer answers is waited for up to `wait_engine` seconds, then the run stops."""
    results: list[CellResult] = []
    for index, prepared in enumerate(cells):
        on_start(prepared, index)
        kept = (reuse or {}).get(prepared.cell.id)
        if kept is not None:
            results.append(kept)
            on_done(kept)
            continue
        try:
            result = run_repeated(backend, prepared, rules, store, repeats)
        except KeyboardInterrupt:
            interrupted = CellResult(
                **prepared.identity(store.run_id),
                outcome=NOT_RUN,
                reason="interrupted before a verdict",
                finished_at=now_iso(),
            )
            results.append(store.write_result(interrupted))
            raise RunInterrupted(results) from None
        if result.is_final:
            result = result.model_copy(update={"cache_key": (keys or {}).get(prepared.cell.id)})
        stored = store.write_result(result)
        results.append(stored)
        on_done(stored)
        if stored.outcome == ERROR and not backend.answers():
            on_engine_lost(wait_engine)
            if not backend.wait_for(wait_engine):
                raise EngineLost(results)
            backend.remove_cell(store.run_id, prepared.cell.id)  # what the lost cell could not remove
    return results
