"""One `bisect run` from matrix file to stored results: the stages in order, each a call you can test.

load -> expand -> render and translate (all cells, before any launch) -> connect -> clean up after
dead runs -> pull (if asked) -> key every cell -> reuse what is known -> launch the rest -> store.
Printing and exit codes stay in the CLI; this module reports through the `Reporter` it is given.
"""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from harness.errors import HarnessError, UsageError
from harness.matrix.render import Placement
from harness.matrix.spec import Cell, Matrix, TableSpec
from harness.run.backends.base import Backend
from harness.run.backends.docker_ops import LABEL_PID
from harness.run.backends.inventory import HostFacts, ImageFacts
from harness.run.plan import PreparedCell, Preparer, prepare, run_masker, watch_rules, write_compose_files
from harness.run.resources import DevicePool
from harness.run.schedule import EngineLost, Repeats, RunInterrupted, RunStopped, Schedule, run_cells
from harness.store.cache import cache_index, cache_key, plan_reuse
from harness.store.masking import Masker
from harness.store.results import (
    CellResult,
    Layout,
    RunInfo,
    RunRecord,
    RunStore,
    load_run,
    new_run_id,
    now_iso,
    read_run_info,
    resolve_run,
    run_folders,
)

INTERRUPTED = RunInterrupted.reason
ENGINE_LOST = EngineLost.reason


@dataclass(frozen=True)
class RunRequest:
    matrix: Matrix
    cells: Sequence[Cell]
    results: Path
    resume: str | None = None
    """a run id or folder, or `latest` for the newest run of this matrix"""
    use_cache: bool = True
    rerun: frozenset[str] = frozenset()
    repeats: int | None = None
    until_fail: bool = False
    pull: bool = False
    wait_engine: float = 0.0
    jobs: int | None = None
    """cells at once; the matrix's `jobs` when None"""


class Reporter(Protocol):
    """What a run tells its user while it goes; the CLI prints it, tests may record it."""

    def note(self, text: str) -> None: ...

    def cell_started(self, cell: Cell) -> None: ...

    def cell_finished(self, result: CellResult) -> None: ...

    def cell_line(self, cell_id: str, line: str) -> None:
        """The latest line a running cell printed (masked)."""


@dataclass
class RunOutcome:
    run_id: str
    folder: Path
    results: list[CellResult] = field(default_factory=list)
    stopped: str | None = None
    reused: int = 0


def _resumed_folder(request: RunRequest) -> Path:
    reference = request.resume
    assert reference is not None
    if reference != "latest":
        return resolve_run(reference, request.results)
    name = request.matrix.spec.name
    mine = [f for f in run_folders(request.results) if read_run_info(f).name == name]
    if not mine:
        raise UsageError(f"--resume: no earlier run of matrix {name!r} under {request.results}/; drop --resume")
    return mine[-1]


def _open_run(request: RunRequest, backend: Backend) -> tuple[str, RunRecord | None]:
    if request.resume is None:
        return new_run_id(request.matrix.spec.name), None
    record = load_run(_resumed_folder(request))
    if record.info.name != request.matrix.spec.name:
        raise UsageError(
            f"--resume {record.run_id}: that run is of matrix {record.info.name!r}, not {request.matrix.spec.name!r}"
        )
    if record.info.owner and backend.owner_alive(record.info.owner):
        pid = record.info.owner.get(LABEL_PID)
        raise UsageError(f"--resume {record.run_id}: that run is still going (pid {pid}); wait for it or stop it")
    return record.run_id, record


def pull_images(backend: Backend, refs: Sequence[str], reporter: Reporter) -> None:
    """Pull each reference once; a failure is reported and its cells end as `error` (image missing)."""
    for ref in refs:
        reporter.note(f"pulling {ref}")
        problem = backend.pull(ref, reporter.note)
        if problem is not None:
            reporter.note(f"pull {ref} failed: {problem}")


def execute(request: RunRequest, reporter: Reporter, backend: Backend) -> RunOutcome:
    """Run (or resume) a matrix on the backend the caller chose; results so far are kept whatever
    stops it."""
    matrix = request.matrix
    rules = watch_rules(matrix)
    repeats = Repeats(request.repeats or matrix.spec.repeats, request.until_fail)
    run_id, resumed = _open_run(request, backend)
    store = RunStore(request.results, run_id)
    token = run_id.rsplit("-", 1)[-1]
    notices: list[str] = []
    preparer = Preparer(matrix, lambda cell: store.cell_dir(cell.id), token)
    prepared = prepare(matrix, request.cells, preparer.compose_dir_of, token, notices=notices, preparer=preparer)
    for line in notices:
        reporter.note(line)
    store.masker = masker = run_masker(matrix, prepared)
    fresh = resumed is None
    finished = {r.cell_id for r in resumed.results if r.is_final} if resumed else set()
    try:
        # a resumed run's finished cells keep the compose file they ran with (their devices and ports)
        write_compose_files([item for item in prepared if item.cell.id not in finished], masker)
        backend.connect()
        created = backend.provision(prepared, matrix.spec.name)
    except HarnessError:
        if fresh:
            shutil.rmtree(store.path, ignore_errors=True)
        raise
    schedule = _schedule(request, prepared, preparer, masker, backend)
    if created:
        reporter.note(f"created named volumes {', '.join(created)} (kept for later cells and runs)")
    removed = backend.remove_orphans()
    if removed:
        reporter.note(f"removed leftovers of runs whose process is gone: {', '.join(removed)}")
    refs = sorted({ref for item in prepared for ref in item.images.values()})
    if request.pull:
        pull_images(backend, refs, reporter)
    for warning in backend.check_images(refs):
        reporter.note(f"warning: {warning}")
    images = backend.image_facts(refs, matrix.spec.report.image_labels)
    image_ids = {ref: next((f.id for f in images if f.ref == ref), None) for ref in refs}
    keys = {item.cell.id: cache_key(item, image_ids, rules, masker, repeats) for item in prepared}
    index = cache_index(request.results, skip_run=run_id) if request.use_cache else {}
    reuse = plan_reuse(prepared, keys, store, resumed, index, request.rerun)
    layout = matrix.spec.table_layout()
    info = _run_info(request, run_id, prepared, layout, resumed, images, backend.host_facts(), backend.owner())
    store.write_run(info)
    outcome = RunOutcome(run_id, store.path, reused=len(reuse))
    launching = len(prepared) - len(reuse)
    reporter.note(
        f"run {run_id}: {len(prepared)} cells, {launching} to launch"
        + (f", {len(reuse)} known" if reuse else "")
        + (f", {repeats.times} times each" if repeats.times > 1 else "")
        + f" -> {store.path}"
    )
    try:
        outcome.results = run_cells(
            backend,
            prepared,
            rules,
            store,
            on_start=lambda item, index: reporter.cell_started(item.cell),
            on_done=reporter.cell_finished,
            wait_engine=request.wait_engine,
            on_engine_lost=lambda seconds: reporter.note(
                f"the Docker engine stopped answering; waiting up to {seconds:g}s for it"
                if seconds
                else "the Docker engine stopped answering"
            ),
            reuse=reuse,
            repeats=repeats,
            keys=keys,
            schedule=schedule,
            on_line=reporter.cell_line,
        )
    except RunStopped as stop:
        outcome.results, outcome.stopped = stop.results, stop.reason
    finally:
        store.write_run(
            info.model_copy(
                update={
                    "finished_at": now_iso(),
                    "interrupted": outcome.stopped == INTERRUPTED,
                    "stopped": outcome.stopped,
                    "owner": {},
                }
            )
        )
        for note in backend.notes():
            reporter.note(note)
    return outcome


def _schedule(
    request: RunRequest, prepared: Sequence[PreparedCell], preparer: Preparer, masker: Masker, backend: Backend
) -> Schedule:
    """How many cells at once and on which devices; each cell is prepared again, once placed, for the
    devices and ports it got, and its stored compose file shows them."""
    matrix = request.matrix
    if backend.places_devices:
        backend.use_placement(matrix, preparer.run_token, preparer.env)
        return Schedule(jobs=request.jobs or max(1, len(prepared)))
    resources = matrix.spec.resources
    pool = None
    if resources is not None:
        declared = resources.devices
        devices = [str(d) for d in declared] if isinstance(declared, list) else backend.devices()
        if not devices:
            raise UsageError(
                f"{matrix.path}: resources.devices: auto found no GPU (nvidia-smi -L, sycl-ls, rocm-smi --showid "
                "listed none); list the device ids"
            )
        too_big = [item for item in prepared if item.needs > len(devices)]
        if too_big:
            raise UsageError(
                f"{matrix.path}: resources: cell {too_big[0].cell.id} needs {too_big[0].needs} devices, "
                f"this host has {len(devices)} ({', '.join(devices)})"
            )
        pool = DevicePool(tuple(devices))

    def place(item: PreparedCell, placement: Placement) -> PreparedCell:
        placed = preparer.place(item, placement)
        write_compose_files([placed], masker)
        return placed

    return Schedule(jobs=request.jobs or matrix.spec.jobs, pool=pool, place=place)


def _run_info(
    request: RunRequest,
    run_id: str,
    prepared: Sequence[PreparedCell],
    layout: TableSpec,
    resumed: RunRecord | None,
    images: list[ImageFacts],
    host: HostFacts,
    owner: dict[str, str],
) -> RunInfo:
    matrix = request.matrix
    return RunInfo(
        run_id=run_id,
        matrix_path=str(matrix.path),
        matrix=dict(matrix.raw),
        # a resumed run may take new cells (a search adds points round by round); it keeps the old ones
        cells=list(dict.fromkeys([*(resumed.info.cells if resumed else []), *(item.cell.id for item in prepared)])),
        started_at=resumed.info.started_at if resumed else now_iso(),
        resumed_at=[*resumed.info.resumed_at, now_iso()] if resumed else [],
        layout=Layout(axes=list(matrix.spec.axes), rows=layout.rows, cols=layout.cols, show=layout.show),
        report=matrix.spec.report,
        images=images,
        owner=owner,
        host=host,
    )
