"""The plan of a run, pure: how cells are judged (watch rules), every cell rendered and translated
up front (all problems of a template at once, before anything is written or launched), and the run's
secret policy."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from harness.compose import ComposePlan, Problem, Selection, plan_compose
from harness.compose.interpolate import escape
from harness.compose.project import interpolation_values, load_compose
from harness.errors import MatrixError, UsageError
from harness.judge.judge import WatchRules
from harness.judge.signatures import ReadyPattern, builtin_ready_patterns, merge_signatures
from harness.matrix.findings import Findings
from harness.matrix.render import (
    CellTemplateError,
    Placement,
    load_template,
    render_cell,
    render_count,
    template_context,
)
from harness.matrix.spec import Cell, HttpProbe, Matrix
from harness.store.masking import Masker, collect_secrets
from harness.store.results import write_atomic

__all__ = ["WatchRules"]


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
    devices: tuple[str, ...] = ()
    """The devices it was rendered for (the pool's first ones until it is placed at launch)."""
    ports: tuple[int, ...] = ()
    needs: int = 0
    """How many devices it needs (`resources.per_cell`)."""
    custom: Mapping[str, int] = field(default_factory=dict)
    """Custom cluster resources it needs (`resources.custom`)."""

    @property
    def images(self) -> dict[str, str]:
        return {s.name: str(s.kwargs["image"]) for s in self.plan.services}

    def identity(self, run_id: str) -> dict[str, Any]:
        """The fields every result of this cell carries, whatever its outcome."""
        return {
            "run_id": run_id,
            "cell_id": self.cell.id,
            "labels": dict(self.cell.labels),
            "values": dict(self.cell.values),
            "service": self.plan.watched,
            "images": self.images,
        }


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


CELL_PORT = "cell.port"
"""`ready.http.port` when the server listens on the host port the cell was given."""
PLACEHOLDER_PORT = 0
"""What `cell.port` and `cell.ports` render as while a run is planned (ports are allocated at launch)."""
PORTS_PER_CELL = 4
"""`cell.ports`: the server's port and three more (MASTER_PORT, a collective library's, spare)."""


def device_needs(matrix: Matrix, cells: Sequence[Cell]) -> dict[str, int]:
    """How many devices each cell needs (`resources.per_cell`), checked against the declared pool;
    every cell's problem is one line."""
    resources = matrix.spec.resources
    if resources is None:
        return {cell.id: 0 for cell in cells}
    needs: dict[str, int] = {}
    problems: list[str] = []
    for cell in cells:
        try:
            needs[cell.id] = render_count(resources.per_cell, template_context(matrix, cell))
        except ValueError as exc:
            problems.append(f"{matrix.path}: resources.per_cell: cell {cell.id} ({cell.describe()}): {exc}")
    pool = resources.devices
    if isinstance(pool, list):
        problems += [
            f"{matrix.path}: resources: cell {cell_id} needs {need} devices, the pool has {len(pool)}; "
            "list more devices or leave the cell out"
            for cell_id, need in needs.items()
            if need > len(pool)
        ]
    if problems:
        raise MatrixError("\n".join(problems))
    return needs


def custom_needs(matrix: Matrix, cells: Sequence[Cell]) -> dict[str, dict[str, int]]:
    """`resources.custom` for each cell, its template expressions rendered."""
    resources = matrix.spec.resources
    if resources is None or not resources.custom:
        return {cell.id: {} for cell in cells}
    found: dict[str, dict[str, int]] = {}
    problems = []
    for cell in cells:
        context = template_context(matrix, cell)
        found[cell.id] = {}
        for name, expression in resources.custom.items():
            try:
                found[cell.id][name] = render_count(expression, context)
            except ValueError as exc:
                problems.append(f"{matrix.path}: resources.custom.{name}: cell {cell.id} ({cell.describe()}): {exc}")
    if problems:
        raise MatrixError("\n".join(problems))
    return found


def placeholder(matrix: Matrix, need: int) -> Placement:
    """The placement a cell is planned (and keyed for the cache) with: the pool's first devices."""
    pool = matrix.spec.resources.devices if matrix.spec.resources else []
    devices = [str(d) for d in pool[:need]] if isinstance(pool, list) else [str(i) for i in range(need)]
    return Placement(tuple(devices), (PLACEHOLDER_PORT,) * PORTS_PER_CELL)


class Preparer:
    """Renders, loads and translates one cell for a placement; built once per run so a cell can be
    prepared again at launch with the devices and ports it really gets."""

    def __init__(
        self,
        matrix: Matrix,
        compose_dir_of: Callable[[Cell], Path],
        run_token: str,
        host_env: Mapping[str, str] | None = None,
    ) -> None:
        self.matrix = matrix
        self.env = dict(os.environ) if host_env is None else dict(host_env)
        spec = matrix.spec
        self.template_dir = matrix.template_path.parent
        self.values, unreadable = interpolation_values(
            self.env, self.template_dir, [matrix.directory / f for f in spec.env_files]
        )
        if unreadable:
            raise MatrixError("\n".join(f"{matrix.path}: env_files: {line}" for line in unreadable))
        self.template = load_template(matrix)
        self.selection = Selection(spec.service, tuple(spec.start), tuple(spec.profiles))
        self.http = spec.ready.http if spec.ready else None
        self.compose_dir_of = compose_dir_of
        self.run_token = run_token

    def place(self, item: PreparedCell, placement: Placement) -> PreparedCell:
        """A planned cell prepared again for the devices and ports it got (a template that fails only
        for them raises its problems as the plan would have)."""
        findings = Findings(self.matrix, [item.cell])
        placed = self.cell(item.cell, placement, findings)
        findings.raise_if_any()
        assert placed is not None
        return replace(placed, needs=item.needs, custom=item.custom)

    def cell(self, cell: Cell, placement: Placement, findings: Findings) -> PreparedCell | None:
        """The cell ready to launch on `placement`, or None with its problems added to `findings`."""
        matrix, spec = self.matrix, self.matrix.spec
        try:
            rendered = render_cell(matrix, cell, self.template, placement)
        except CellTemplateError as exc:
            findings.template(cell, exc)
            return None
        loaded = load_compose(rendered.compose, self.template_dir, self.values, self.env.get("HOME"))
        translation = plan_compose(
            loaded.document,
            compose_dir=self.template_dir,
            name_prefix=container_prefix(self.run_token, cell),
            host_env=self.env,
            selection=self.selection,
            volume_prefix=volume_prefix(spec.name),
        )
        findings.notes(translation.notes)
        plan = translation.plan
        findings.unset(loaded.unset_in([s.name for s in plan.services] if plan else None))
        problems = _cell_problems(loaded.problems, translation.problems, plan, self.http)
        if problems or plan is None:
            findings.problems(cell, rendered, problems)
            return None
        if self.http is not None and isinstance(self.http.port, int):
            plan = expose_probe_port(plan, self.http.port)
        if spec.jobs > 1:
            plan = release_host_ports(plan)
        as_written = _escaped(loaded.document) == rendered.compose  # nothing to resolve but `$$`
        text = rendered.text if as_written else resolved_text(loaded.document, matrix)
        compose_path = self.compose_dir_of(cell) / "compose.yaml"
        return PreparedCell(
            cell, plan, compose_path, text, variables=loaded.variables, devices=placement.devices, ports=placement.ports
        )


def prepare(
    matrix: Matrix,
    cells: Sequence[Cell],
    compose_dir_of: Callable[[Cell], Path],
    run_token: str,
    host_env: Mapping[str, str] | None = None,
    notices: list[str] | None = None,
    preparer: Preparer | None = None,
) -> list[PreparedCell]:
    """Render, load and translate every cell; every problem of the template is reported at once, a
    line each, before any file is written or anything launched. Warnings (unset variables) and
    notes (keys run differently from compose) are appended to `notices`, each once."""
    preparer = preparer or Preparer(matrix, compose_dir_of, run_token, host_env)
    needs = device_needs(matrix, cells)
    custom = custom_needs(matrix, cells)
    findings = Findings(matrix, list(cells))
    prepared = []
    for cell in cells:
        item = preparer.cell(cell, placeholder(matrix, needs[cell.id]), findings)
        if item is not None:
            prepared.append(replace(item, needs=needs[cell.id], custom=custom[cell.id]))
    findings.raise_if_any()
    if notices is not None:
        notices.extend(line for line in findings.notices() if line not in notices)
    return prepared


def release_host_ports(plan: ComposePlan) -> ComposePlan:
    """Published host ports left to the engine to choose, so cells side by side never collide (the
    probe reads the port the engine chose)."""

    def released(binding: Any) -> Any:
        if isinstance(binding, list):
            return [released(b) for b in binding]
        if isinstance(binding, tuple):
            return (binding[0], None)
        return None

    services = []
    for service in plan.services:
        ports = service.kwargs.get("ports")
        if ports:
            service = replace(service, kwargs={**service.kwargs, "ports": {k: released(b) for k, b in ports.items()}})
        services.append(service)
    return replace(plan, services=tuple(services))


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
        if http.port == CELL_PORT and network_mode != "host":
            problems.append(
                Problem(
                    ("services", plan.watched, "network_mode"),
                    "ready.http.port cell.port is a host port: it needs network_mode: host; on the cell network "
                    "give the container port",
                )
            )
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
