"""Cells on one Docker engine: start a cell's services, stream the watched log into a `Judge`, probe
it, stop everything once the verdict is known, and tell a failed cell from a lost engine."""

from __future__ import annotations

import contextlib
import queue
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any

import docker

from harness.compose import ComposePlan
from harness.judge.judge import CellVerdict, Judge, WatchRules
from harness.judge.signatures import CRASHED, ERROR, NOT_RUN, READY, TIMEOUT, LogClassifier, shutdown_mark
from harness.matrix.spec import Matrix
from harness.run.backends import docker_ops, gpu_state
from harness.run.backends.base import CellWatch
from harness.run.backends.inventory import HostFacts, ImageFacts, discover_devices, host_facts, image_facts
from harness.run.backends.kernel import KernelLog, KernelRecord
from harness.run.plan import CELL_PORT, PreparedCell
from harness.store.results import CellResult, RunStore, now_iso

STOPPED_FROM_OUTSIDE = (137, 143)
"""SIGKILL/SIGTERM exit codes: what a container shows when the engine stops it on its way down."""


class DockerBackend:
    """The Docker engine that DOCKER_HOST (or the local socket) names."""

    name = "docker"
    places_devices = False

    def __init__(self, client: docker.DockerClient | None = None, kernel: KernelLog | None = None) -> None:
        self._client = client
        self.kernel = kernel or KernelLog()
        self.gpu_baseline: gpu_state.Snapshot | None = None

    def notes(self) -> list[str]:
        """What the run should say once: why kernel lines could not be read."""
        unreadable = self.kernel.unreadable
        return (
            [f"kernel log not read, so no cell shows what the host's kernel said: {unreadable}"] if unreadable else []
        )

    @property
    def client(self) -> docker.DockerClient:
        if self._client is None:
            self.connect()
        assert self._client is not None
        return self._client

    def connect(self) -> None:
        if self._client is None:
            self._client = docker_ops.connect()

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    def use_placement(self, matrix: Matrix, run_token: str, env: Mapping[str, str]) -> None:
        """Cells are placed (and rendered) by the scheduler before they reach this backend."""

    def owner_alive(self, owner: Mapping[str, str]) -> bool:
        return docker_ops.owner_alive(owner)

    def owner(self) -> dict[str, str]:
        return docker_ops.process_labels()

    def provision(self, prepared: Sequence[PreparedCell], matrix_name: str) -> list[str]:
        docker_ops.check_networks(self.client, sorted({n for item in prepared for n in item.plan.external_networks}))
        volumes = {v.name: v for item in prepared for v in item.plan.volumes}
        return docker_ops.ensure_volumes(self.client, list(volumes.values()), matrix_name)

    def remove_orphans(self) -> list[str]:
        return docker_ops.remove_orphans(self.client)

    def remove_runs(self, run_id: str | None) -> list[str]:
        """Everything of one run, or of every run (live ones included) when `run_id` is None."""
        filters = {docker_ops.LABEL_OWNER: "1"}
        if run_id is not None:
            filters[docker_ops.LABEL_RUN] = run_id
        return docker_ops.remove_labelled(self.client, filters)

    def remove_volumes(self) -> tuple[list[str], list[str]]:
        """The named volumes the harness created: (removed, kept because a live run uses them)."""
        return docker_ops.remove_volumes(self.client)

    def pull(self, ref: str, say: Callable[[str], None]) -> str | None:
        return docker_ops.pull(self.client, ref, say)

    def image_facts(self, refs: Sequence[str], extra_labels: Sequence[str]) -> list[ImageFacts]:
        return image_facts(self.client, refs, extra_labels)

    def check_images(self, refs: Sequence[str]) -> list[str]:
        return []

    def host_facts(self) -> HostFacts:
        return host_facts(self.client)

    def answers(self) -> bool:
        return docker_ops.engine_answers(self.client)

    def wait_for(self, seconds: float) -> bool:
        return docker_ops.wait_for_engine(self.client, seconds)

    def remove_cell(self, run_id: str, cell_id: str) -> None:
        with contextlib.suppress(*docker_ops.ENGINE_ERRORS):
            docker_ops.remove_labelled(self.client, {docker_ops.LABEL_RUN: run_id, docker_ops.LABEL_CELL: cell_id})

    def devices(self) -> list[str]:
        return discover_devices()

    def _kernel_lines(self, start: float, store: RunStore, cell_id: str) -> list[KernelRecord]:
        """The kernel's relevant lines of the cell's time window, kept in the cell folder as kernel.log."""
        time.sleep(min(KERNEL_SLACK, 0.2))
        found = self.kernel.between(start, time.monotonic() + KERNEL_SLACK)
        if found:
            store.write_log(cell_id, KERNEL_LOG, "".join(f"{r.line()}\n" for r in found).encode())
        return found

    def run_cell(
        self,
        prepared: PreparedCell,
        rules: WatchRules,
        store: RunStore,
        attempt: int | None = None,
        watch: CellWatch | None = None,
    ) -> CellResult:
        """Launch one cell, judge it, and always remove its containers and network before returning.
        A repeated cell's logs are named `<service>.<attempt>.log`."""
        client = self.client
        cell, plan = prepared.cell, prepared.plan
        log_name = _log_namer(attempt)
        base = {**prepared.identity(store.run_id), "started_at": now_iso(), "log_file": log_name(plan.watched)}
        try:
            image_ids = docker_ops.local_image_ids(client, sorted(set(prepared.images.values())))
        except docker_ops.ENGINE_ERRORS as exc:
            return _error_result(base, f"engine error while checking images: {exc}")
        missing = [image for image, image_id in image_ids.items() if image_id is None]
        if missing:
            return _error_result(base, f"image {', '.join(missing)} not present locally; build or pull it first")
        base["image_ids"] = {service: str(image_ids[image]) for service, image in prepared.images.items()}
        labels = docker_ops.owner_labels(store.run_id, cell.id)
        containers: dict[str, Any] = {}
        pump: docker_ops.LogPump | None = None
        if self.gpu_baseline is None:
            self.gpu_baseline = gpu_state.snapshot()
        window_start = time.monotonic()
        try:
            needs_network = any(service.own_network for service in plan.services)
            network = docker_ops.create_network(client, plan.network_name, labels) if needs_network else None
            deadline = time.monotonic() + rules.timeout
            for service in plan.services:
                for dependency, condition in service.depends_on.items():
                    problem = docker_ops.wait_for_condition(containers[dependency], condition, deadline)
                    if problem is not None:
                        return _error_result(base, f"depends_on {dependency}: {problem}")
                containers[service.name] = docker_ops.start_service(client, service, network, labels)
            watched = containers[plan.watched]
            host_network = plan.service(plan.watched).kwargs.get("network_mode") == "host"
            log_path = store.cell_dir(cell.id) / log_name(plan.watched)
            pump = docker_ops.LogPump(watched, log_path, store.masker, rules.log_limit).start()
            probe_port = prepared.ports[0] if rules.http and rules.http.port == CELL_PORT and prepared.ports else None
            verdict = judge_live(watched, pump, rules, host_network, watch or CellWatch(), probe_port)
            if verdict is None:
                return CellResult(**base, outcome=NOT_RUN, reason="interrupted before a verdict", finished_at=now_iso())
            if not verdict.exited:
                stop_after = max((s.stop_timeout for s in plan.services), default=10.0)
                pump.mark(
                    shutdown_mark(
                        f"{now_iso()}: verdict {verdict.outcome}; the harness stops the container now "
                        f"(SIGTERM, SIGKILL after {stop_after:g}s)"
                    )
                )
            lost = _engine_loss(client, watched, pump, verdict)
            if lost is not None:
                return _error_result(base, f"the Docker engine went away during the cell ({lost})")
            kernel = self._kernel_lines(window_start, store, cell.id)
            verdict, source = _with_kernel_cause(verdict, kernel, rules)
            if verdict.outcome != READY and self.gpu_baseline:
                base["gpu_state_changes"] = gpu_state.changed_lines(self.gpu_baseline, gpu_state.snapshot())
            base["kernel_log"] = KERNEL_LOG if kernel else None
            base["source"] = source
            match = verdict.match
            result = CellResult(
                **base,
                outcome=verdict.outcome,
                signature=verdict.failure.name if verdict.failure else None,
                line=match.line if match else None,
                line_no=match.line_no if match else None,
                exit_code=verdict.exit_code,
                seconds=verdict.seconds,
                reason=verdict.reason,
                log_tail=verdict.tail,
                metrics=verdict.metrics,
                versions=verdict.versions,
            )
        except docker.errors.APIError as exc:
            return _error_result(base, f"engine refused: {exc.explanation or exc}")
        except docker_ops.ENGINE_ERRORS as exc:
            return _error_result(base, f"engine error: {type(exc).__name__}: {exc}")
        finally:
            _teardown(client, plan, containers, store, cell.id, labels, log_name)
            if pump is not None:
                pump.close()
        return result.model_copy(update={"finished_at": now_iso(), "log_cut": pump.log.cut})


STOP_POLL = 0.25
"""How often a waiting cell looks at the scheduler's stop request."""


KERNEL_LOG = "kernel.log"
KERNEL_SLACK = 1.0
"""Seconds after the verdict still counted: a driver logs a fault a moment after the process saw it."""


def _with_kernel_cause(
    verdict: CellVerdict, kernel: list[KernelRecord], rules: WatchRules
) -> tuple[CellVerdict, str | None]:
    """A cell whose own log names no cause (a crash, a time-out, or only the general vocabulary's guess)
    takes one from the kernel's lines: a GPU hang or an Xid while the container only died is `device_lost`."""
    undecided = verdict.failure is None and verdict.outcome in (CRASHED, TIMEOUT)
    if not kernel or not (verdict.guessed or undecided):
        return verdict, None
    classifier = LogClassifier(rules.signatures, ())
    for record in kernel:
        classifier.feed(record.line())
    if classifier.failure is None:
        return verdict, None
    return replace(verdict, outcome=classifier.failure.name, failure=classifier.failure, reason=None), "kernel"


def judge_live(
    container: Any,
    pump: docker_ops.LogPump,
    rules: WatchRules,
    host_network: bool,
    watch: CellWatch,
    probe_port: int | None = None,
) -> CellVerdict | None:
    """Feed the judge the live log, the probe's answers and the clock until it has a verdict; None
    when the scheduler asked the cell to stop first."""
    judge = Judge(rules, time.monotonic())
    url: str | None = None
    while True:
        now = time.monotonic()
        judge.tick(now)
        if judge.done:
            break
        if watch.stop.is_set():
            return None
        try:
            line = pump.lines.get(timeout=max(0.0, min(judge.wake_at() - now, STOP_POLL)))
        except queue.Empty:
            pass
        else:
            if line is docker_ops.END_OF_LOG:
                judge.exit(docker_ops.exit_code(container), time.monotonic())
                break
            judge.feed(line, time.monotonic())
            watch.on_line(line)
        if judge.wants_probe and rules.http is not None and time.monotonic() >= judge.next_probe:
            port = probe_port if probe_port is not None else int(rules.http.port)
            url = url or docker_ops.probe_url(container, port, rules.http.path, host_network)
            judge.probe(url is not None and docker_ops.http_answers(url), time.monotonic())
    return judge.verdict(time.monotonic())


def _error_result(base: dict[str, Any], reason: str) -> CellResult:
    return CellResult(**base, outcome=ERROR, reason=reason, finished_at=now_iso())


def _engine_loss(
    client: docker.DockerClient, container: Any, pump: docker_ops.LogPump, verdict: CellVerdict
) -> str | None:
    """Why an undecided cell ended because the engine went away, or None. Suspects: a broken log
    stream, an exit code the engine could not tell, or a stop signal nobody in this run sent; the
    engine then not answering, now or within a few seconds (it is shutting down), confirms."""
    if (verdict.failure is not None and not verdict.guessed) or verdict.held_ready:
        return None
    if pump.broken is not None:
        suspect = f"log stream broke: {pump.broken}"
    elif verdict.exited and verdict.exit_code is None:
        suspect = "the container's exit code could not be read"
    elif verdict.exit_code in STOPPED_FROM_OUTSIDE and not docker_ops.oom_killed(container):
        suspect = f"the container was stopped from outside with exit code {verdict.exit_code}"
    else:
        return None
    gone = not docker_ops.engine_answers(client) or docker_ops.engine_stops_answering(client, within=5.0)
    return suspect if gone else None


def _log_namer(attempt: int | None) -> Callable[[str], str]:
    suffix = "" if attempt is None else f".{attempt}"
    return lambda service: f"{service}{suffix}.log"


def _teardown(
    client: docker.DockerClient,
    plan: ComposePlan,
    containers: Mapping[str, Any],
    store: RunStore,
    cell_id: str,
    labels: Mapping[str, str],
    log_name: Callable[[str], str],
) -> None:
    with docker_ops.deferred_interrupts():
        for service in reversed(plan.services):
            container = containers.get(service.name)
            if container is None or service.name == plan.watched:
                continue
            store.write_log(cell_id, log_name(service.name), docker_ops.container_logs(container))
        stop = max((s.stop_timeout for s in plan.services), default=10.0)
        with contextlib.suppress(*docker_ops.ENGINE_ERRORS):
            docker_ops.remove_labelled(
                client, {docker_ops.LABEL_RUN: labels[docker_ops.LABEL_RUN], docker_ops.LABEL_CELL: cell_id}, stop
            )
