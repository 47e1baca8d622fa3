"""Translate the services of a compose document that start into Docker SDK `containers.run`
arguments, with every problem of the file collected at once (one line each, by key path).

Which services start follows `docker compose up SERVICE`: the watched service, what the matrix
lists under `start:` or activates with `profiles:`, and everything they depend on. Services that do
not start are not translated, so a build-only UI beside the server does not block a run.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.compose.keys import SERVICE_KEYS, TOP_LEVEL_KEYS, as_bool, as_int, parse_env_file
from harness.compose.model import (
    DEFAULT_STOP_SECONDS,
    ComposePlan,
    KeyContext,
    KeyProblem,
    Problem,
    ServicePlan,
    VolumeSpec,
)
from harness.errors import ComposeError
from harness.safe_yaml import KeyPath
from harness.units import parse_duration

__all__ = ["SERVICE_KEYS", "ComposePlan", "Selection", "Translation", "parse_env_file", "plan_compose", "translate"]

DEPENDS_CONDITIONS = {"service_started", "service_healthy", "service_completed_successfully"}


@dataclass(frozen=True)
class Selection:
    """Which services of the file a cell starts, as the matrix says."""

    watched: str | None = None
    start: tuple[str, ...] = ()
    profiles: tuple[str, ...] = ()


@dataclass
class Translation:
    """A plan when the file has no problem; the problems and notes either way."""

    plan: ComposePlan | None
    problems: list[Problem] = field(default_factory=list)
    notes: list[Problem] = field(default_factory=list)


def _merge(kwargs: dict[str, Any], new: Mapping[str, Any]) -> None:
    for key, value in new.items():
        if key in kwargs and isinstance(kwargs[key], dict) and isinstance(value, Mapping):
            kwargs[key].update(value)
        elif key in kwargs and isinstance(kwargs[key], list) and isinstance(value, list):
            kwargs[key].extend(value)
        else:
            kwargs[key] = value


def depends_on(value: Any) -> dict[str, str]:
    """The services a service waits for and the condition of each (invalid entries left out)."""
    if isinstance(value, list):
        return {str(name): "service_started" for name in value}
    if isinstance(value, Mapping):
        return {
            str(name): str(spec.get("condition", "service_started")) if isinstance(spec, Mapping) else "service_started"
            for name, spec in value.items()
        }
    return {}


def _optional(value: Any) -> set[str]:
    """Dependencies marked `required: false`: dropped when they do not start."""
    if not isinstance(value, Mapping):
        return set()
    return {str(n) for n, spec in value.items() if isinstance(spec, Mapping) and as_bool(spec.get("required")) is False}


def implicit_dependencies(service: Any) -> list[str]:
    """Services compose starts first without a depends_on: links, volumes_from and `service:NAME`
    namespaces (network_mode, ipc, pid)."""
    if not isinstance(service, Mapping):
        return []
    found: list[str] = []
    links, volumes_from = service.get("links"), service.get("volumes_from")
    for item in links if isinstance(links, list) else []:
        found.append(str(item).partition(":")[0])
    for item in volumes_from if isinstance(volumes_from, list) else []:
        if not str(item).startswith("container:"):
            found.append(str(item).partition(":")[0])
    for key in ("network_mode", "ipc", "pid"):
        value = service.get(key)
        if isinstance(value, str) and value.startswith("service:"):
            found.append(value.removeprefix("service:"))
    return found


def _needs(service: Any) -> list[str]:
    explicit = depends_on(service.get("depends_on")) if isinstance(service, Mapping) else {}
    return [*explicit, *implicit_dependencies(service)]


def _check_depends_on(value: Any, ctx: KeyContext) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, list | Mapping):
        raise ctx.fail("depends_on", "expected a list of services or a mapping")
    deps = depends_on(value)
    for name, condition in deps.items():
        if condition not in DEPENDS_CONDITIONS:
            raise ctx.fail(f"depends_on.{name}.condition", f"unknown condition {condition!r}")
        if name not in ctx.container_names:
            raise ctx.fail("depends_on", f"names unknown service {name!r}")
    return deps


def _service_networks(value: Any, ctx: KeyContext, external: Mapping[str, str]) -> tuple[list[str], list[str]]:
    """Aliases a service asks for and the external networks it joins; internal networks are the cell's."""
    if value is None:
        return [], []
    if isinstance(value, list):
        value = {str(name): None for name in value}
    if not isinstance(value, Mapping):
        raise ctx.fail("networks", "expected a list of network names or a mapping")
    aliases: list[str] = []
    joined: list[str] = []
    for name, spec in value.items():
        if name in external:
            joined.append(external[name])
        if spec is None:
            continue
        if not isinstance(spec, Mapping):
            raise ctx.fail(f"networks.{name}", "expected a mapping such as {aliases: [...]}")
        names = spec.get("aliases") or []
        if not isinstance(names, list) or not all(isinstance(a, str) for a in names):
            raise ctx.fail(f"networks.{name}.aliases", "expected a list of names")
        aliases.extend(names)
        for key in sorted(set(spec) - {"aliases"}):
            ctx.note(f"networks.{name}.{key}", "ignored: the cell network assigns addresses itself")
    return aliases, joined


def translate_service(
    name: str, service: Any, ctx: KeyContext, external_networks: Mapping[str, str]
) -> tuple[ServicePlan | None, list[Problem]]:
    """One service's plan, or the problems of every key that cannot be translated."""
    base: KeyPath = ("services", name)
    if not isinstance(service, Mapping):
        return None, [Problem(base, "expected a mapping")]
    problems: list[Problem] = []
    kwargs: dict[str, Any] = {}

    def attempt(key: str, action: Any) -> Any:
        try:
            return action()
        except KeyProblem as exc:
            problems.append(Problem((*base, *_split(exc.key)), exc.message))
        return None

    for key, value in service.items():
        key = str(key)
        if key.startswith("x-"):
            continue
        decision = SERVICE_KEYS.get(key)
        if decision is None:
            problems.append(Problem((*base, key), "is not a compose service key; remove it or fix its spelling"))
        elif decision.kind == "refused" and not (key == "build" and "image" in service):
            problems.append(Problem((*base, key), decision.why))
        elif decision.kind == "ignored":
            ctx.note(key, f"ignored: {decision.why}")
        else:
            translated = attempt(key, lambda d=decision, v=value: d.handler(v, ctx))
            if translated is not None:
                _merge(kwargs, translated)
    if "image" not in service:
        hint = "the harness never builds; build it, tag it, and name it in `image`" if "build" in service else ""
        problems.append(Problem((*base, "image"), "every service needs an image" + (f" ({hint})" if hint else "")))
    deps = attempt("depends_on", lambda: _check_depends_on(service.get("depends_on"), ctx)) or {}
    for implicit in implicit_dependencies(service):
        deps.setdefault(implicit, "service_started")
    stop_timeout = attempt("stop_grace_period", lambda: _stop_timeout(service.get("stop_grace_period"), ctx))
    networks = attempt("networks", lambda: _service_networks(service.get("networks"), ctx, external_networks))
    if problems:
        return None, problems
    file_env = kwargs.pop("_env_file", {})
    if file_env:
        kwargs["environment"] = {**file_env, **kwargs.get("environment", {})}
    aliases, joined = networks or ([], [])
    network_mode = kwargs.get("network_mode")
    return ServicePlan(
        name=name,
        container_name=ctx.container_names[name],
        kwargs=kwargs,
        depends_on=deps,
        stop_timeout=stop_timeout if stop_timeout is not None else DEFAULT_STOP_SECONDS,
        own_network=network_mode in (None, "bridge"),
        aliases=tuple(dict.fromkeys([*kwargs.pop("_aliases", []), *aliases])),
        external_networks=tuple(dict.fromkeys(joined)),
    ), []


def _stop_timeout(value: Any, ctx: KeyContext) -> float:
    if value is None:
        return DEFAULT_STOP_SECONDS
    try:
        return parse_duration(value)
    except ValueError as exc:
        raise ctx.fail("stop_grace_period", str(exc)) from None


def _split(key: str) -> KeyPath:
    """`volumes[0].type` -> ("volumes", 0, "type")."""
    parts: list[str | int] = []
    for piece in key.replace("[", ".[").split("."):
        if not piece:
            continue
        parts.append(int(piece[1:-1]) if piece.startswith("[") and piece[1:-1].isdigit() else piece)
    return tuple(parts)


def _start_order(plans: Mapping[str, ServicePlan]) -> tuple[list[ServicePlan], list[Problem]]:
    ordered: list[ServicePlan] = []
    state: dict[str, str] = {}
    problems: list[Problem] = []

    def visit(name: str, chain: tuple[str, ...]) -> None:
        if state.get(name) == "done":
            return
        if state.get(name) == "visiting":
            problems.append(Problem(("services", name, "depends_on"), f"forms a cycle: {' -> '.join((*chain, name))}"))
            return
        state[name] = "visiting"
        for dep in plans[name].depends_on:
            if dep in plans:
                visit(dep, (*chain, name))
        state[name] = "done"
        ordered.append(plans[name])

    for name in plans:
        visit(name, ())
    return ordered, problems[:1]


def _profiles(service: Any) -> list[str]:
    value = service.get("profiles") if isinstance(service, Mapping) else None
    return [str(p) for p in value] if isinstance(value, list) else []


def _replicas(service: Any) -> int | None:
    if not isinstance(service, Mapping):
        return None
    deploy = service.get("deploy")
    value = deploy.get("replicas") if isinstance(deploy, Mapping) else None
    return as_int(service.get("scale") if value is None else value)


def select(services: Mapping[str, Any], selection: Selection) -> tuple[str | None, list[str], list[Problem]]:
    """The watched service and the services that start with it, in file order: as `docker compose
    up` of the targets, whose own profiles become active; a dependency in an inactive profile is an
    error unless it is `required: false`."""
    names = [str(n) for n in services]
    active = set(selection.profiles)

    def enabled(name: str) -> bool:
        profiles = _profiles(services[name])
        return not profiles or bool(active & set(profiles))

    watched = selection.watched
    if watched is None:
        by_default = [n for n in names if enabled(n) and _replicas(services[n]) != 0]
        if len(by_default) != 1:
            listed = ", ".join(by_default or names)
            problem = f"several services ({listed}); set `service:` in the matrix to the one to watch"
            return None, [], [Problem(("services",), problem)]
        watched = by_default[0]
    elif watched not in services:
        known = ", ".join(names)
        return None, [], [Problem(("services",), f"watched service {watched!r} is not defined; services are {known}")]
    problems: list[Problem] = []
    targets = [watched]
    for name in selection.start:
        if name in services:
            targets.append(name)
        else:
            problems.append(
                Problem(("services",), f"`start:` names unknown service {name!r}; services are {', '.join(names)}")
            )
    targets += [n for n in names if _profiles(services[n]) and enabled(n)]
    for name in targets:
        active.update(_profiles(services[name]))
    started: set[str] = set()
    pending = list(targets)
    while pending:
        name = pending.pop()
        if name in started:
            continue
        started.add(name)
        optional = _optional(services[name].get("depends_on") if isinstance(services[name], Mapping) else None)
        for dependency in _needs(services[name]):
            if dependency not in services:
                continue  # reported by the translation of `name`
            if not enabled(dependency) and dependency not in targets:
                if dependency not in optional:
                    profiles = ", ".join(_profiles(services[dependency]))
                    problems.append(
                        Problem(
                            ("services", name, "depends_on"),
                            f"{dependency!r} is in profile {profiles}, which is not active; "
                            "add it to `profiles:` in the matrix",
                        )
                    )
                continue
            pending.append(dependency)
    return watched, [n for n in names if n in started], problems


def _top_level(document: Mapping[str, Any], problems: list[Problem], notes: list[Problem]) -> None:
    for key in document:
        key = str(key)
        if key.startswith("x-"):
            continue
        decision = TOP_LEVEL_KEYS.get(key)
        if decision is None:
            problems.append(Problem((key,), "is not a top-level compose key; remove it or fix its spelling"))
        elif decision.kind == "refused" and document[key]:
            problems.append(Problem((key,), decision.why))
        elif decision.kind == "ignored":
            notes.append(Problem((key,), f"ignored: {decision.why}"))


def _declared(document: Mapping[str, Any], key: str, problems: list[Problem]) -> dict[str, dict[str, Any]]:
    value = document.get(key) or {}
    if not isinstance(value, Mapping):
        problems.append(Problem((key,), "expected a mapping of names"))
        return {}
    declared: dict[str, dict[str, Any]] = {}
    for name, spec in value.items():
        if spec is not None and not isinstance(spec, Mapping):
            problems.append(Problem((key, str(name)), "expected a mapping (or nothing)"))
            continue
        declared[str(name)] = dict(spec or {})
    return declared


def _external(spec: Mapping[str, Any]) -> bool:
    value = spec.get("external")
    return as_bool(value) is True or (isinstance(value, Mapping) and bool(value))


def _volume_specs(
    declared: Mapping[str, Mapping[str, Any]], volume_prefix: str, problems: list[Problem]
) -> dict[str, VolumeSpec]:
    specs: dict[str, VolumeSpec] = {}
    for key, spec in declared.items():
        external = _external(spec)
        name = spec.get("name") or (spec["external"].get("name") if isinstance(spec.get("external"), Mapping) else None)
        engine_name = str(name) if name else (key if external else f"{volume_prefix}-{key}")
        options = spec.get("driver_opts") or {}
        if not isinstance(options, Mapping):
            problems.append(Problem(("volumes", key, "driver_opts"), "expected a mapping"))
            continue
        specs[key] = VolumeSpec(
            name=engine_name,
            external=external,
            driver=str(spec["driver"]) if spec.get("driver") else None,
            driver_opts={str(k): str(v) for k, v in options.items()},
        )
    return specs


def plan_compose(
    document: Any,
    *,
    compose_dir: Path,
    name_prefix: str,
    host_env: Mapping[str, str],
    selection: Selection = Selection(),
    volume_prefix: str = "bisect",
) -> Translation:
    """The plan of the services that start, or every problem found; never raises for bad input."""
    if not isinstance(document, Mapping):
        return Translation(None, [Problem((), "a compose file must be a mapping with `services:`")])
    services = document.get("services")
    if not isinstance(services, Mapping) or not services:
        return Translation(None, [Problem(("services",), "no services defined")])
    problems: list[Problem] = []
    notes: list[Problem] = []
    _top_level(document, problems, notes)
    networks = _declared(document, "networks", problems)
    external_networks = {key: str(spec.get("name") or key) for key, spec in networks.items() if _external(spec)}
    volumes = _volume_specs(_declared(document, "volumes", problems), volume_prefix, problems)
    watched, started, selection_problems = select(services, selection)
    problems += selection_problems
    if watched is None:
        return Translation(None, problems, notes)
    container_names = {str(name): f"{name_prefix}-{name}" for name in services}
    plans: dict[str, ServicePlan] = {}
    links: dict[str, list[str]] = {}
    for name in started:
        ctx = KeyContext(name, compose_dir, host_env, container_names, {k: v.name for k, v in volumes.items()})
        service_plan, found = translate_service(name, services[name], ctx, external_networks)
        problems += found
        notes += [Problem(("services", name, *_split(key)), text) for key, text in ctx.notes]
        if service_plan is not None:
            for target, alias in service_plan.kwargs.get("_links", {}).items():
                links.setdefault(target, []).append(alias)
            plans[name] = service_plan
    ordered, cycle = _start_order(plans)
    problems += cycle
    if problems:
        return Translation(None, problems, notes)
    ordered = [_finish(p, links.get(p.name, []), plans) for p in ordered]
    used = {m["Source"] for p in ordered for m in p.kwargs.get("mounts", []) if m.get("Source")}
    plan = ComposePlan(
        services=tuple(ordered),
        watched=watched,
        network_name=f"{name_prefix}-net",
        volumes=tuple(v for v in volumes.values() if v.name in used),
        external_networks=tuple(dict.fromkeys(n for p in ordered for n in p.external_networks)),
    )
    return Translation(plan, [], notes)


def _finish(plan: ServicePlan, link_aliases: Sequence[str], started: Mapping[str, ServicePlan]) -> ServicePlan:
    """Link aliases added, and dependencies that do not start (`required: false`) left out."""
    return ServicePlan(
        **{
            **plan.__dict__,
            "kwargs": {k: v for k, v in plan.kwargs.items() if k != "_links"},
            "aliases": tuple(dict.fromkeys([*plan.aliases, *link_aliases])),
            "depends_on": {name: cond for name, cond in plan.depends_on.items() if name in started},
        }
    )


LINE_BREAKS = {ord(c): repr(c)[1:-1] for c in "\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029"}
"""Every character `str.splitlines` breaks at, spelled as its escape: a key or a value the file gave may hold one."""


def problem_lines(where: str, problems: Iterable[Problem]) -> list[str]:
    """One line per problem, whatever the keys and values quoted in it hold."""
    return [
        (f"{where}: {p.dotted()}: {p.message}" if p.path else f"{where}: {p.message}").translate(LINE_BREAKS)
        for p in problems
    ]


def translate(
    compose: Mapping[str, Any],
    *,
    where: str,
    compose_dir: Path,
    name_prefix: str,
    watched: str | None,
    host_env: Mapping[str, str],
    selection: Selection | None = None,
) -> ComposePlan:
    """The plan of a compose document, or one ComposeError listing every problem, a line each."""
    chosen = selection or Selection(watched=watched)
    result = plan_compose(
        compose, compose_dir=compose_dir, name_prefix=name_prefix, host_env=host_env, selection=chosen
    )
    if result.plan is None:
        raise ComposeError("\n".join(problem_lines(where, result.problems)))
    return result.plan
