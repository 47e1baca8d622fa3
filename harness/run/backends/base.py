"""What running cells needs from an engine. The scheduler and the session see only this; a backend
owns everything that talks to its engine (Docker today, a Ray cluster next)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from harness.judge.judge import WatchRules
from harness.matrix.spec import Matrix
from harness.run.backends.inventory import HostFacts, ImageFacts
from harness.run.plan import PreparedCell
from harness.store.results import CellResult, RunStore


@dataclass(frozen=True)
class CellWatch:
    """What the scheduler gives a running cell: a stop request (Ctrl-C) and a listener for its lines."""

    stop: threading.Event = field(default_factory=threading.Event)
    on_line: Callable[[str], None] = lambda line: None


class Backend(Protocol):
    name: str
    places_devices: bool
    """True when the engine gives cells their devices itself (a cluster scheduler), so cells are rendered
    where they run, with the devices they got there."""

    def use_placement(self, matrix: Matrix, run_token: str, env: Mapping[str, str]) -> None:
        """For a backend that places devices: what it needs to render a cell again where it runs."""

    def connect(self) -> None:
        """Reach the engine, or raise a HarnessError saying how to get one."""

    def close(self) -> None:
        """Let go of the engine (a cluster connection must not outlive the command)."""

    def owner_alive(self, owner: Mapping[str, str]) -> bool:
        """Whether the process that owns a run (its `owner` labels) still runs."""

    def owner(self) -> dict[str, str]:
        """This process's owner labels, stored with the run so others can tell it is alive."""

    def provision(self, prepared: Sequence[PreparedCell], matrix_name: str) -> list[str]:
        """Check what the cells need to exist (external networks) and create what they share (named
        volumes); returns what was created."""

    def remove_orphans(self) -> list[str]:
        """Remove what runs whose process is gone left behind; returns what was removed."""

    def remove_runs(self, run_id: str | None) -> list[str]:
        """Remove everything of one run, or of every run when `run_id` is None."""

    def remove_volumes(self) -> tuple[list[str], list[str]]:
        """Remove the named volumes the harness created: (removed, kept because in use)."""

    def pull(self, ref: str, say: Callable[[str], None]) -> str | None:
        """Pull an image; None, or why it failed."""

    def image_facts(self, refs: Sequence[str], extra_labels: Sequence[str]) -> list[ImageFacts]: ...

    def check_images(self, refs: Sequence[str]) -> list[str]:
        """Warnings about the images across the engine's machines (a tag that is a different image on
        different nodes)."""

    def host_facts(self) -> HostFacts: ...

    def run_cell(
        self,
        prepared: PreparedCell,
        rules: WatchRules,
        store: RunStore,
        attempt: int | None = None,
        watch: CellWatch | None = None,
    ) -> CellResult:
        """Launch one cell, judge it, store its logs and always remove what it started; a stop request
        ends it `not_run`."""

    def devices(self) -> list[str]:
        """The engine host's GPUs, in the order their runtime numbers them (`resources.devices: auto`)."""

    def notes(self) -> list[str]:
        """What the run should say once, after its cells (e.g. why the kernel log could not be read)."""

    def answers(self) -> bool:
        """Whether the engine answers now."""

    def wait_for(self, seconds: float) -> bool:
        """Wait up to `seconds` for the engine to answer again."""

    def remove_cell(self, run_id: str, cell_id: str) -> None:
        """Remove what one cell left (after the engine came back from a loss)."""
