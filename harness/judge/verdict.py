"""Turn what was observed while watching a cell into its outcome. Pure, so every rule is unit-tested."""

from __future__ import annotations

from dataclasses import dataclass

from harness.judge.signatures import CRASHED, READY, TIMEOUT, Match


@dataclass(frozen=True)
class Observation:
    """What the watcher saw by the time it stopped looking."""

    failure: Match | None
    ready: bool
    exited: bool
    exit_code: int | None
    timed_out: bool
    ready_exit_code: int | None = None
    """Set when the matrix says ready means 'exited with this code'."""


def decide(seen: Observation) -> str:
    """A failure signature beats everything; an exit (even right after the ready line) is a crash."""
    if seen.failure is not None:
        return seen.failure.name
    if seen.ready_exit_code is not None and seen.exited:
        return READY if seen.exit_code == seen.ready_exit_code else CRASHED
    if seen.exited:
        return CRASHED
    if seen.ready:
        return READY
    return TIMEOUT
