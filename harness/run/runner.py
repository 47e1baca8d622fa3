"""The run pipeline: prepare every cell (render, translate) up front, then launch, watch, classify,
store and tear down one cell at a time. A cell's result is data; only bad input raises."""

from __future__ import annotations

import collections
import contextlib
import os
import queue
import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import docker
import yaml

from harness.compose import ComposePlan, Problem, Selection, plan_compose
from harness.compose.interpolate import escape
from harness.compose.project import interpolation_values, load_compose
from harness.errors import MatrixError, UsageError
from harness.judge.signatures import (
    BUILTIN_VERSIONS,
    ERROR,
    NOT_RUN,
    READY,
    TIMEOUT,
    LogClassifier,
    MetricCollector,
    ReadyPattern,
    Ruleset,
    builtin_ready_patterns,
    merge_signatures,
)
from harness.judge.verdict import Observation, decide
from harness.matrix.findings import Findings
from harness.matrix.render import CellTemplateError, load_template, render_cell
from harness.matrix.spec import Cell, HttpProbe, Matrix
from harness.run.backends import docker_ops
from harness.store.masking import Masker, collect_secrets
from harness.store.results import CellResult, RunStore, now_iso, write_atomic
from harness.units import format_seconds

TAIL_LINES = 25


@dataclass(frozen=True)
class WatchRules:
    """How a cell's log is judged: from the matrix's timeout, settle, ready and signatures."""

    timeout: float
    settle: float
    signatures: Ruleset
    ready_patterns: tuple[str | ReadyPattern, ...]
    http: HttpProbe | None = None
    ready_exit_code: int | None = None
    probe_interval: float = 1.0
    metrics: Mapping[str, str] = field(default_factory=dict)
    log_limit: int | None = None

    @property
    def needs_log_ready(self) -> bool:
        return bool(self.ready_patterns)


def watch_rules(matrix: Matrix) -> WatchRules:
    spec = matrix.spec
    signatures = merge_signatures((s.name, s.patterns, s.rank) for s in spec.signatures)
    ready = spec.ready
    if ready is None:
        patterns: tuple[str | ReadyPattern, ...] = tuple(builtin_ready_patterns())
    else:
        patterns = (ready.log,) if ready.log else ()
    return WatchRules(
        timeout=spec.timeout,
        settle=spec.settle,
        signatures=signatures,
        ready_patterns=patterns,
        http=ready.http if ready else None,
        ready_exit_code=ready.exit_code if ready else None,
        metrics=dict(spec.metrics),
        log_limit=int(spec.log_limit) if spec.log_limit else None,
    )


@dataclass(frozen=True)
class PreparedCell:
    """A cell ready to launch: its rendered compose text, where it is stored, and its SDK plan."""

    cell: Cell
    plan: ComposePlan
    compose_path: Path
    compose_text: str
    variables: Mapping[str, str] = field(default_factory=dict)
    """`${VAR}` values the compose file read."""

    @property
    def images(self) -> dict[str, str]:
        return {s.name: str(s.kwargs["image"]) for s in self.plan.services}


def expose_probe_port(plan: ComposePlan, port: int) -> ComposePlan:
    """Publish the probed port on a random loopback host port unless the file already publishes it."""
    watched = plan.service(plan.watched)
    if not watched.own_network:
        return plan
    ports = dict(watched.kwargs.get("ports", {}))
    key = f"{port}/tcp"
    if key in ports:
        return plan
    ports[key] = ("127.0.0.1", None)
    probed = replace(watched, kwargs={**watched.kwargs, "ports": ports})
    return replace(plan, services=tuple(probed if s.name == plan.watched else s for s in plan.services))


def container_prefix(run_token: str, cell: Cell) -> str:
    return f"bisect-{run_token}-{cell.id.rsplit('_', 1)[-1]}"


def prepare(
    matrix: Matrix,
    cells: Sequence[Cell],
    compose_dir_of: Callable[[Cell], Path],
    run_token: str,
    host_env: Mapping[str, str] | None = None,
    notices: list[str] | None = None,
) -> list[PreparedCell]:
    """Render, load and translate every cell; every problem of the template is reported at once, a
    line each, before any file is written or anything launched. Warnings (unset variables) and
    notes (keys run differently from compose) are appended to `notices`, each once."""
    env = dict(os.environ) if host_env is None else host_env
    spec = matrix.spec
    template_dir = matrix.template_path.parent
    values, unreadable = interpolation_values(env, template_dir, [matrix.directory / f for f in spec.env_files])
    if unreadable:
        raise MatrixError("\n".join(f"{matrix.path}: env_files: {line}" for line in unreadable))
    template = load_template(matrix)
    findings = Findings(matrix, list(cells))
    selection = Selection(spec.service, tuple(spec.start), tuple(spec.profiles))
    http = spec.ready.http if spec.ready else None
    prepared = []
    for cell in cells:
        try:
            rendered = render_cell(matrix, cell, template)
        except CellTemplateError as exc:
            findings.template(cell, exc)
            continue
        loaded = load_compose(rendered.compose, template_dir, values, env.get("HOME"))
        translation = plan_compose(
            loaded.document,
            compose_dir=template_dir,
            name_prefix=container_prefix(run_token, cell),
            host_env=env,
            selection=selection,
            volume_prefix=volume_prefix(spec.name),
        )
        findings.notes(translation.notes)
        plan = translation.plan
        findings.unset(loaded.unset_in([s.name for s in plan.services] if plan else None))
        problems = _cell_problems(loaded.problems, translation.problems, plan, http)
        if problems or plan is None:
            findings.problems(cell, rendered, problems)
            continue
        if http is not None:
            plan = expose_probe_port(plan, http.port)
        as_written = _escaped(loaded.document) == rendered.compose  # nothing to resolve but `$$`
        text = rendered.text if as_written else resolved_text(loaded.document, matrix)
        compose_path = compose_dir_of(cell) / "compose.yaml"
        prepared.append(PreparedCell(cell, plan, compose_path, text, variables=loaded.variables))
    findings.raise_if_any()
    if notices is not None:
        notices.extend(line for line in findings.notices() if line not in notices)
    return prepared


def _cell_problems(
    loading: Sequence[Problem], translating: Sequence[Problem], plan: ComposePlan | None, http: HttpProbe | None
) -> list[Problem]:
    """What stops a cell: loading problems, then translation problems not caused by them (a value left
    uninterpolated fails again), then an http probe that cannot reach the watched service."""
    unresolved = [p.path for p in loading]
    problems = [*loading, *(p for p in translating if not any(p.path[: len(u)] == u for u in unresolved))]
    if plan is not None and http is not None:
        watched = plan.service(plan.watched)
        network_mode = watched.kwargs.get("network_mode")
        if not watched.own_network and network_mode != "host":
            problems.append(
                Problem(
                    ("services", plan.watched, "network_mode"),
                    f"ready.http cannot reach a service with network_mode {network_mode}; "
                    "use the cell network or network_mode: host, or a log ready rule",
                )
            )
    return problems


def volume_prefix(matrix_name: str) -> str:
    """Named volumes are the matrix's: created once, kept across its cells and runs."""
    return "bisect-" + (re.sub(r"[^A-Za-z0-9_.-]+", "-", matrix_name).strip("-.") or "matrix")


def resolved_text(document: Any, matrix: Matrix) -> str:
    """The compose file as tested: variables resolved (a literal `$` written `$$`), `extends` merged,
    paths absolute, so `docker compose -f` on it starts what the cell started."""
    header = (
        f"# {matrix.template_path.name} for this cell, as tested: variables resolved, extends merged, paths absolute\n"
    )
    return header + yaml.safe_dump(_escaped(document), sort_keys=False, allow_unicode=True, width=1000)


def _escaped(data: Any) -> Any:
    if isinstance(data, str):
        return escape(data)
    if isinstance(data, Mapping):
        return {key: _escaped(value) for key, value in data.items()}
    if isinstance(data, list):
        return [_escaped(item) for item in data]
    return data


def run_masker(matrix: Matrix, prepared: Sequence[PreparedCell]) -> Masker:
    """Every secret of the run: from the matrix file, each service's final environment and the `${VAR}`
    values its compose file read."""
    environments = [s.kwargs.get("environment", {}) for item in prepared for s in item.plan.services]
    environments += [item.variables for item in prepared]
    masker = collect_secrets(matrix.raw, environments, matrix.spec.secrets)
    for item in prepared:
        for axis, label in item.cell.labels.items():
            if masker.text(label) != label or masker.text(item.cell.id) != item.cell.id:
                raise MatrixError(
                    f"{matrix.path}: axes.{axis}: a label is a secret value and would name folders and tables; "
                    "make the axis a mapping from readable labels to the secret values"
                )
    return masker


def write_compose_files(prepared: Sequence[PreparedCell], masker: Masker) -> None:
    """Store each cell's compose file, secrets as `${NAME}`, runnable with `docker compose -f`."""
    for item in prepared:
        try:
            write_atomic(item.compose_path, masker.compose(item.compose_text))
        except OSError as exc:
            raise UsageError(f"{item.compose_path.parent}: cannot write: {exc.strerror}") from None


@dataclass
class _Watch:
    """Mutable state of one watch loop."""

    rules: WatchRules
    classifier: LogClassifier
    started: float
    metrics: MetricCollector
    tail: collections.deque[str] = field(default_factory=lambda: collections.deque(maxlen=TAIL_LINES))
    versions: MetricCollector = field(default_factory=lambda: MetricCollector(BUILTIN_VERSIONS))
    http_ready: bool = False
    first_verdict_at: float | None = None

    @property
    def log_ready(self) -> bool:
        return self.classifier.ready is not None

    def signalled(self) -> bool:
        if self.classifier.failure is not None:
            return True
        if self.rules.ready_exit_code is not None:
            return False
        return (self.log_ready or not self.rules.needs_log_ready) and (self.http_ready or self.rules.http is None)


def watch(
    container: Any, pump: docker_ops.LogPump, rules: WatchRules, host_network: bool
) -> tuple[Observation, _Watch]:
    """Read the live log until a verdict has settled, the container exits, or the cell times out."""
    state = _Watch(
        rules, LogClassifier(rules.signatures, rules.ready_patterns), time.monotonic(), MetricCollector(rules.metrics)
    )
    deadline = state.started + rules.timeout
    settle_end: float | None = None
    next_probe = state.started
    url: str | None = None
    exited = timed_out = False
    while True:
        now = time.monotonic()
        if settle_end is not None and now >= settle_end:
            break
        if now >= deadline:
            timed_out = True
            break
        probing = rules.http is not None and not state.http_ready
        wake = min(deadline, settle_end or deadline, next_probe if probing else deadline)
        try:
            line = pump.lines.get(timeout=max(0.0, wake - now))
        except queue.Empty:
            pass
        else:
            if line is docker_ops.END_OF_LOG:
                exited = True
                if state.first_verdict_at is None:
                    state.first_verdict_at = time.monotonic()
                break
            state.tail.append(line)
            state.classifier.feed(line)
            state.metrics.feed(line)
            state.versions.feed(line)
        if probing and rules.http is not None and time.monotonic() >= next_probe:
            url = url or docker_ops.probe_url(container, rules.http.port, rules.http.path, host_network)
            state.http_ready = url is not None and docker_ops.http_answers(url)
            next_probe = time.monotonic() + rules.probe_interval
        if settle_end is None and state.signalled():
            state.first_verdict_at = time.monotonic()
            settle_end = state.first_verdict_at + rules.settle
    observation = Observation(
        failure=state.classifier.failure,
        ready=state.signalled() and state.classifier.failure is None,
        exited=exited,
        exit_code=docker_ops.exit_code(container) if exited else None,
        timed_out=timed_out,
        ready_exit_code=rules.ready_exit_code,
    )
    return observation, state


def _error_result(base: dict[str, Any], reason: str) -> CellResult:
    return CellResult(**base, outcome=ERROR, reason=reason, finished_at=now_iso())


def _identity(prepared: PreparedCell, run_id: str) -> dict[str, Any]:
    """The fields every result of a cell carries, whatever its outcome."""
    cell = prepared.cell
    return {
        "run_id": run_id,
        "cell_id": cell.id,
        "labels": dict(cell.labels),
        "values": dict(cell.values),
        "service": prepared.plan.watched,
        "images": prepared.images,
    }


def run_cell(
    client: docker.DockerClient,
    prepared: PreparedCell,
    rules: WatchRules,
    store: RunStore,
    attempt: int | None = None,
) -> CellResult:
    """Launch one cell, judge it, and always remove its containers and network before returning.
    A repeated cell's logs are named `<service>.<attempt>.log`."""
    cell, plan = prepared.cell, prepared.plan
    log_name = _log_namer(attempt)
    base = {**_identity(prepared, store.run_id), "started_at": now_iso(), "log_file": log_name(plan.watched)}
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
    try:
        network = docker_ops.create_network(client, plan.network_name, labels)
        deadline = time.monotonic() + rules.timeout
        for service in plan.services:
            for dependency, condition in service.depends_on.items():
                problem = docker_ops.wait_for_condition(containers[dependency], condition, deadline)
                if problem is not None:
                    return _error_result(base, f"depends_on {dependency}: {problem}")
            containers[service.name] = docker_ops.start_service(client, service, network, labels)
        watched = containers[plan.watched]
        watched_plan = plan.service(plan.watched)
        log_path = store.cell_dir(cell.id) / log_name(plan.watched)
        pump = docker_ops.LogPump(watched, log_path, store.masker, rules.log_limit).start()
        observation, state = watch(watched, pump, rules, watched_plan.kwargs.get("network_mode") == "host")
        lost = _engine_loss(client, watched, pump, observation)
        if lost is not None:
            return _error_result(base, f"the Docker engine went away during the cell ({lost})")
        outcome = decide(observation)
        seconds = (state.first_verdict_at or time.monotonic()) - state.started
        match = observation.failure or state.classifier.ready
        result = CellResult(
            **base,
            outcome=outcome,
            signature=observation.failure.name if observation.failure else None,
            line=match.line if match else None,
            line_no=match.line_no if match else None,
            exit_code=observation.exit_code,
            seconds=round(seconds, 2),
            reason=_reason(outcome, rules, state),
            log_tail=list(state.tail) if outcome != READY else [],
            metrics=state.metrics.values,
            versions=state.versions.values,
        )
    except docker.errors.APIError as exc:
        return _error_result(base, f"engine refused: {exc.explanation or exc}")
    except docker_ops.ENGINE_ERRORS as exc:
        return _error_result(base, f"engine error: {type(exc).__name__}: {exc}")
    finally:
        _teardown(client, plan, containers, store, cell, labels, log_name)
        if pump is not None:
            pump.close()
    return result.model_copy(update={"finished_at": now_iso(), "log_cut": pump.log.cut})


STOPPED_FROM_OUTSIDE = (137, 143)
"""SIGKILL/SIGTERM exit codes: what a container shows when the engine stops it on its way down."""


def _engine_loss(
    client: docker.DockerClient, container: Any, pump: docker_ops.LogPump, observation: Observation
) -> str | None:
    """Why an undecided cell ended because the engine went away, or None. Suspects: a broken log
    stream, an exit code the engine could not tell, or a stop signal nobody in this run sent; the
    engine then not answering, now or within a few seconds (it is shutting down), confirms."""
    if observation.failure is not None or observation.ready:
        return None
    if pump.broken is not None:
        suspect = f"log stream broke: {pump.broken}"
    elif observation.exited and observation.exit_code is None:
        suspect = "the container's exit code could not be read"
    elif observation.exit_code in STOPPED_FROM_OUTSIDE and not docker_ops.oom_killed(container):
        suspect = f"the container was stopped from outside with exit code {observation.exit_code}"
    else:
        return None
    gone = not docker_ops.engine_answers(client) or docker_ops.engine_stops_answering(client, within=5.0)
    return suspect if gone else None


def _log_namer(attempt: int | None) -> Callable[[str], str]:
    suffix = "" if attempt is None else f".{attempt}"
    return lambda service: f"{service}{suffix}.log"


def _reason(outcome: str, rules: WatchRules, state: _Watch) -> str | None:
    if outcome != TIMEOUT:
        return None
    waiting = []
    if rules.needs_log_ready and not state.log_ready:
        waiting.append("no ready line")
    if rules.http is not None and not state.http_ready:
        waiting.append(f"GET {rules.http.path} on port {rules.http.port} never answered 2xx")
    detail = "; ".join(waiting) or "no verdict"
    return f"{detail} within {format_seconds(rules.timeout)}"


def _teardown(
    client: docker.DockerClient,
    plan: ComposePlan,
    containers: Mapping[str, Any],
    store: RunStore,
    cell: Cell,
    labels: Mapping[str, str],
    log_name: Callable[[str], str],
) -> None:
    with docker_ops.deferred_interrupts():
        for service in reversed(plan.services):
            container = containers.get(service.name)
            if container is None or service.name == plan.watched:
                continue
            store.write_log(cell.id, log_name(service.name), docker_ops.container_logs(container))
        stop = max((s.stop_timeout for s in plan.services), default=10.0)
        with contextlib.suppress(*docker_ops.ENGINE_ERRORS):
            docker_ops.remove_labelled(
                client, {docker_ops.LABEL_RUN: labels[docker_ops.LABEL_RUN], docker_ops.LABEL_CELL: cell.id}, stop
            )


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
    client: docker.DockerClient, prepared: PreparedCell, rules: WatchRules, store: RunStore, repeats: Repeats
) -> CellResult:
    """Launch a cell `repeats.times` times (or until its first failure) and combine the attempts."""
    if repeats.times == 1:
        return run_cell(client, prepared, rules, store)
    attempts: list[CellResult] = []
    for attempt in range(1, repeats.times + 1):
        attempts.append(run_cell(client, prepared, rules, store, attempt))
        if attempts[-1].outcome == ERROR or (repeats.until_fail and attempts[-1].outcome != READY):
            break
    return combine(attempts)


def run_cells(
    client: docker.DockerClient,
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
            result = run_repeated(client, prepared, rules, store, repeats)
        except KeyboardInterrupt:
            interrupted = CellResult(
                **_identity(prepared, store.run_id),
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
        if stored.outcome == ERROR and not docker_ops.engine_answers(client):
            on_engine_lost(wait_engine)
            if not docker_ops.wait_for_engine(client, wait_engine):
                raise EngineLost(results)
            with contextlib.suppress(*docker_ops.ENGINE_ERRORS):  # what the lost cell could not remove
                docker_ops.remove_labelled(
                    client, {docker_ops.LABEL_RUN: store.run_id, docker_ops.LABEL_CELL: prepared.cell.id}
                )
    return results
