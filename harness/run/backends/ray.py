"""Cells across a Ray cluster. Each cell is a Ray task that asks for the cell's devices as Ray
resources (`num_gpus` from `resources.per_cell`), renders the template on its node with the GPU ids
Ray assigned (`cell.devices`), and runs the cell through that node's Docker engine with the same
judge; the driver stores every result and log in one run folder, as a local run does. Ray places the
tasks, retries a task whose node died, and cancels them on Ctrl-C (each node's teardown then removes
its containers)."""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import socket
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.errors import UsageError
from harness.judge.judge import WatchRules
from harness.judge.signatures import ERROR, NOT_RUN
from harness.matrix.render import Placement
from harness.matrix.spec import Matrix
from harness.run.backends.base import CellWatch
from harness.run.backends.docker import DockerBackend
from harness.run.backends.inventory import HostFacts, ImageFacts
from harness.run.plan import PORTS_PER_CELL, PreparedCell, Preparer
from harness.run.resources import PortBook
from harness.store.masking import Masker
from harness.store.results import CellResult, RunStore, now_iso, write_atomic

RAY_MISSING = "--ray needs Ray: pip install 'image-bisect[ray]' (on the driver and on every node)"
TASK_RETRIES = 3
"""How often Ray runs a cell again when the node running it dies (its worker or raylet is gone)."""
POLL = 0.25
CELL_FILES = Path(tempfile.gettempdir()) / "image-bisect-cells"


@dataclass(frozen=True)
class NodePlacer:
    """What a node needs to prepare a cell again for the GPUs Ray gave it: the matrix (its template
    path must exist on the node), the run's token and the driver's environment for `${VAR}`."""

    matrix: Matrix
    run_token: str
    env: Mapping[str, str]

    def place(self, item: PreparedCell, devices: tuple[str, ...], workdir: Path) -> PreparedCell:
        preparer = Preparer(self.matrix, lambda cell: workdir / cell.id, self.run_token, self.env)
        return preparer.place(item, Placement(devices, PortBook().take(item.cell.id, PORTS_PER_CELL)))


def _remove_orphans_here() -> list[str]:
    return DockerBackend().remove_orphans()


def _remove_runs_here(run_id: str | None) -> list[str]:
    """The run's containers and the cell files its lost attempts left on this node's disk."""
    shutil.rmtree(CELL_FILES / run_id if run_id else CELL_FILES, ignore_errors=True)
    return DockerBackend().remove_runs(run_id)


def _image_ids_here(refs: list[str]) -> dict[str, str | None]:
    from harness.run.backends import docker_ops

    return docker_ops.local_image_ids(DockerBackend().client, refs)


def cell_workdir(run_id: str, cell_id: str) -> Path:
    """Where a node keeps a cell's files while the cell runs. A fixed place, not a fresh temporary
    folder, so that a retry after a lost attempt (its worker killed before any cleanup) removes what
    that attempt left on a shared disk."""
    return CELL_FILES / run_id / cell_id


def run_on_node(
    item: PreparedCell,
    rules: WatchRules,
    run_id: str,
    attempt: int | None,
    masker: Masker,
    placer: NodePlacer | None,
) -> tuple[CellResult, dict[str, bytes], str]:
    """The body of a cell's Ray task, on whichever node Ray chose."""
    import ray

    devices = tuple(str(int(g)) if float(g).is_integer() else str(g) for g in ray.get_gpu_ids())
    node = {"hostname": socket.gethostname(), "node_id": ray.get_runtime_context().get_node_id()}
    engine = DockerBackend()
    engine.remove_cell(run_id, item.cell.id)  # a retry: what the attempt on a lost node left on a shared engine
    workdir = cell_workdir(run_id, item.cell.id)
    shutil.rmtree(workdir, ignore_errors=True)
    try:
        store = RunStore(workdir, run_id)
        store.masker = masker
        placed = placer.place(item, devices, store.path / "cells") if placer is not None else item
        result = engine.run_cell(placed, rules, store, attempt)
        logs = {path.name: path.read_bytes() for path in store.cell_dir(item.cell.id).glob("*.log")}
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
        with contextlib.suppress(OSError):
            workdir.parent.rmdir()
    update = {"devices": list(devices), "node": node}
    return result.model_copy(update=update), logs, placed.compose_text


class RayBackend:
    """A Ray cluster (`auto`, `RAY_ADDRESS`, `host:port` or `ray://host:10001`), each node with its own
    Docker engine. The driver's own engine, when it has one, provisions volumes and reports images."""

    name = "ray"
    places_devices = True

    def __init__(self, address: str | None = None) -> None:
        self.address = address or os.environ.get("RAY_ADDRESS") or "auto"
        self._placer: NodePlacer | None = None
        self._task: Any = None
        self._local = DockerBackend()

    def use_placement(self, matrix: Matrix, run_token: str, env: Mapping[str, str]) -> None:
        self._placer = NodePlacer(matrix, run_token, dict(env))

    def connect(self) -> None:
        try:
            import ray
        except ImportError:
            raise UsageError(RAY_MISSING) from None
        if not ray.is_initialized():
            try:
                ray.init(
                    address=self.address, log_to_driver=False, namespace="image-bisect", logging_level=logging.ERROR
                )
            except (ConnectionError, RuntimeError, ValueError) as exc:
                raise UsageError(
                    f"--ray {self.address}: no Ray cluster answers ({exc}); start one with `ray start --head`"
                ) from None
        self._task = ray.remote(run_on_node)

    def close(self) -> None:
        """Disconnect: a driver left connected to a cluster that later stops is ended by Ray itself."""
        import ray

        if ray.is_initialized():
            ray.shutdown()
        self._local.close()

    def nodes(self) -> list[dict[str, Any]]:
        import ray

        listed: list[dict[str, Any]] = ray.nodes()  # type: ignore[no-untyped-call]
        return [node for node in listed if node.get("Alive")]

    def owner_alive(self, owner: Mapping[str, str]) -> bool:
        return self._local.owner_alive(owner)

    def owner(self) -> dict[str, str]:
        return self._local.owner()

    def _driver_engine(self) -> DockerBackend | None:
        with contextlib.suppress(UsageError):
            self._local.connect()
            return self._local
        return None

    def provision(self, prepared: Sequence[PreparedCell], matrix_name: str) -> list[str]:
        local = self._driver_engine()
        return local.provision(prepared, matrix_name) if local else []

    def on_every_node(self, function: Callable[..., Any], *args: Any) -> dict[str, Any]:
        """`function(*args)` once on each live node, by node id."""
        import ray
        from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

        task = ray.remote(function)
        refs = {
            node["NodeID"]: task.options(
                num_cpus=0, scheduling_strategy=NodeAffinitySchedulingStrategy(node["NodeID"], soft=False)
            ).remote(*args)
            for node in self.nodes()
        }
        return {node_id: ray.get(ref) for node_id, ref in refs.items()}

    def remove_orphans(self) -> list[str]:
        """Every node removes what runs whose process is gone left on its own engine."""
        removed = self.on_every_node(_remove_orphans_here)
        return sorted({name for names in removed.values() for name in names})

    def remove_runs(self, run_id: str | None) -> list[str]:
        removed = self.on_every_node(_remove_runs_here, run_id)
        return sorted({name for names in removed.values() for name in names})

    def image_ids_per_node(self, refs: Sequence[str]) -> dict[str, dict[str, str | None]]:
        """ref -> node id -> the image id that node's engine has for it (None: missing)."""
        found = self.on_every_node(_image_ids_here, list(refs))
        return {ref: {node: ids.get(ref) for node, ids in found.items()} for ref in refs}

    def remove_volumes(self) -> tuple[list[str], list[str]]:
        local = self._driver_engine()
        return local.remove_volumes() if local else ([], [])

    def pull(self, ref: str, say: Callable[[str], None]) -> str | None:
        local = self._driver_engine()
        return local.pull(ref, say) if local else None

    def image_facts(self, refs: Sequence[str], extra_labels: Sequence[str]) -> list[ImageFacts]:
        local = self._driver_engine()
        return local.image_facts(refs, extra_labels) if local else []

    def check_images(self, refs: Sequence[str]) -> list[str]:
        warnings = []
        for ref, by_node in self.image_ids_per_node(refs).items():
            ids = {image_id for image_id in by_node.values() if image_id is not None}
            missing = sorted(node[:8] for node, image_id in by_node.items() if image_id is None)
            if len(ids) > 1:
                warnings.append(f"{ref} is a different image on different nodes ({len(ids)} ids); pull it everywhere")
            if missing:
                warnings.append(f"{ref} is missing on node(s) {', '.join(missing)}; its cells there end as error")
        return warnings

    def host_facts(self) -> HostFacts:
        local = self._driver_engine()
        return local.host_facts() if local else HostFacts()

    def devices(self) -> list[str]:
        return []

    def notes(self) -> list[str]:
        return []

    def answers(self) -> bool:
        import ray

        try:
            return bool(ray.is_initialized() and self.nodes())
        except Exception:
            return False

    def wait_for(self, seconds: float) -> bool:
        return self.answers()

    def remove_cell(self, run_id: str, cell_id: str) -> None:
        """Each node's task removes what its cell started."""

    def run_cell(
        self,
        prepared: PreparedCell,
        rules: WatchRules,
        store: RunStore,
        attempt: int | None = None,
        watch: CellWatch | None = None,
    ) -> CellResult:
        import ray

        watch = watch or CellWatch()
        options: dict[str, Any] = {"num_gpus": prepared.needs, "num_cpus": 0, "max_retries": TASK_RETRIES}
        if prepared.custom:
            options["resources"] = dict(prepared.custom)
        started = now_iso()
        ref = self._task.options(**options).remote(prepared, rules, store.run_id, attempt, store.masker, self._placer)
        while not ray.wait([ref], timeout=POLL)[0]:
            if watch.stop.is_set():
                ray.cancel(ref)
                with contextlib.suppress(Exception):
                    ray.get(ref, timeout=60)  # the task's teardown removes its containers
                return self._unfinished(prepared, store, started, NOT_RUN, "interrupted before a verdict")
        try:
            found: tuple[CellResult, dict[str, bytes], str] = ray.get(ref)
            result, logs, compose = found
        except ray.exceptions.RayError as exc:
            reason = f"node lost after {TASK_RETRIES} retries: {type(exc).__name__}"
            return self._unfinished(prepared, store, started, ERROR, reason)
        for name, data in logs.items():
            store.write_log(prepared.cell.id, name, data)
        write_atomic(prepared.compose_path, store.masker.compose(compose))
        return result

    def _unfinished(
        self, prepared: PreparedCell, store: RunStore, started: str, outcome: str, reason: str
    ) -> CellResult:
        return CellResult(
            **prepared.identity(store.run_id), outcome=outcome, reason=reason, started_at=started, finished_at=now_iso()
        )
