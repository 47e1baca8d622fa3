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
from harness.matrix.render import CellTemplateError, load_template, render_cell
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
