"""Translate a rendered compose file into Docker SDK `containers.run` arguments, service by service.

One explicit table maps each supported compose key to a small handler; a key that is not in the
table is an error naming it, never silently dropped (a dropped `devices:` would test a different
configuration than the one in the bug report). Pure: no Docker calls, host state passed in.
"""

from __future__ import annotations

import os
import re
import shlex
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from docker.types import DeviceRequest, Ulimit

from harness.errors import ComposeError
from harness.units import parse_duration

DEFAULT_STOP_SECONDS = 10.0


@dataclass(frozen=True)
class ServicePlan:
    """Everything needed to start one service of a cell (network and labels are added at launch)."""

    name: str
    container_name: str
    kwargs: Mapping[str, Any]
    depends_on: Mapping[str, str] = field(default_factory=dict)
    stop_timeout: float = DEFAULT_STOP_SECONDS
    own_network: bool = True
    """False when network_mode puts the container in another namespace (host, none, container:...)."""


@dataclass(frozen=True)
class ComposePlan:
    services: tuple[ServicePlan, ...]
    """In start order (depends_on respected)."""
    watched: str
    network_name: str

    def service(self, name: str) -> ServicePlan:
        return next(s for s in self.services if s.name == name)


@dataclass(frozen=True)
class _Context:
    where: str
    service: str
    compose_dir: Path
    host_env: Mapping[str, str]
    container_names: Mapping[str, str]

    def fail(self, key: str, message: str) -> ComposeError:
        return ComposeError(f"{self.where}: services.{self.service}.{key}: {message}")


Handler = Callable[[Any, _Context], dict[str, Any]]


def _string(kwarg: str) -> Handler:
    def handle(value: Any, ctx: _Context) -> dict[str, Any]:
        if not isinstance(value, str | int) or isinstance(value, bool):
            raise ctx.fail(kwarg, f"expected a string, got {value!r}")
        return {kwarg: str(value)}

    return handle


def _flag(kwarg: str) -> Handler:
    def handle(value: Any, ctx: _Context) -> dict[str, Any]:
        if not isinstance(value, bool):
            raise ctx.fail(kwarg, f"expected true or false, got {value!r}")
        return {kwarg: value}

    return handle


def _string_list(kwarg: str) -> Handler:
    def handle(value: Any, ctx: _Context) -> dict[str, Any]:
        if not isinstance(value, list) or not all(isinstance(v, str | int) for v in value):
            raise ctx.fail(kwarg, f"expected a list of strings, got {value!r}")
        return {kwarg: [str(v) for v in value]}

    return handle


def _size(kwarg: str) -> Handler:
    def handle(value: Any, ctx: _Context) -> dict[str, Any]:
        if isinstance(value, int) and not isinstance(value, bool):
            return {kwarg: value}
        if isinstance(value, str) and re.fullmatch(r"\d+(?:\.\d+)?\s*[bkmgBKMG]?[bB]?", value.strip()):
            return {kwarg: value.strip().lower().replace(" ", "").removesuffix("b") or "0"}
        raise ctx.fail(kwarg, f"expected a size such as 32g or 512m, got {value!r}")

    return handle


def _command(kwarg: str) -> Handler:
    def handle(value: Any, ctx: _Context) -> dict[str, Any]:
        if value is None:
            return {}
        if isinstance(value, str):
            try:
                return {kwarg: shlex.split(value)}
            except ValueError as exc:
                raise ctx.fail(kwarg, f"cannot split into words: {exc}") from None
        if isinstance(value, list) and all(isinstance(v, str | int | float) for v in value):
            return {kwarg: [str(v) for v in value]}
        raise ctx.fail(kwarg, f"expected a string or a list of strings, got {value!r}")

    return handle


def _env_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _environment(value: Any, ctx: _Context) -> dict[str, Any]:
    env: dict[str, str] = {}
    if isinstance(value, Mapping):
        for key, item in value.items():
            if item is None:
                if str(key) in ctx.host_env:
                    env[str(key)] = ctx.host_env[str(key)]
            elif isinstance(item, str | int | float | bool):
                env[str(key)] = _env_value(item)
            else:
                raise ctx.fail(f"environment.{key}", f"expected a string or number, got {item!r}")
    elif isinstance(value, list):
        for item in value:
            if not isinstance(item, str):
                raise ctx.fail("environment", f"list items must be KEY=VALUE strings, got {item!r}")
            key, sep, rest = item.partition("=")
            if sep:
                env[key] = rest
            elif key in ctx.host_env:
                env[key] = ctx.host_env[key]
    else:
        raise ctx.fail("environment", "expected a mapping or a list of KEY=VALUE strings")
    return {"environment": env}


def parse_env_file(text: str) -> dict[str, str]:
    """KEY=VALUE lines as compose reads them: comments, blank lines, `export`, quoted values."""
    env: dict[str, str] = {}
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        line = line.removeprefix("export ").strip()
        key, sep, value = line.partition("=")
        if not sep:
            continue
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        elif " #" in value:
            value = value.split(" #", 1)[0].rstrip()
        env[key.strip()] = value
    return env


def _env_file(value: Any, ctx: _Context) -> dict[str, Any]:
    entries = value if isinstance(value, list) else [value]
    env: dict[str, str] = {}
    for entry in entries:
        required = True
        if isinstance(entry, Mapping):
            required = bool(entry.get("required", True))
            entry = entry.get("path")
        if not isinstance(entry, str):
            raise ctx.fail("env_file", f"expected a path or a list of paths, got {entry!r}")
        path = _host_path(entry, ctx)
        try:
            env.update(parse_env_file(Path(path).read_text(encoding="utf-8")))
        except OSError:
            if required:
                raise ctx.fail("env_file", f"{path} cannot be read; create it or mark it `required: false`") from None
    return {"_env_file": env}


def _host_path(path: str, ctx: _Context) -> str:
    if path.startswith("~"):
        home = ctx.host_env.get("HOME", "~")
        path = home + path[1:]
    return os.path.normpath(os.path.join(str(ctx.compose_dir), path))


def _is_path(source: str) -> bool:
    return source.startswith(("/", ".", "~"))


def _volumes(value: Any, ctx: _Context) -> dict[str, Any]:
    if not isinstance(value, list):
        raise ctx.fail("volumes", "expected a list")
    binds: list[str] = []
    tmpfs: dict[str, str] = {}
    for index, item in enumerate(value):
        key = f"volumes[{index}]"
        if isinstance(item, str):
            parts = item.split(":")
            if len(parts) == 1:
                raise ctx.fail(key, f"{item!r} is an anonymous volume; mount a host path (HOST:CONTAINER)")
            source, target = parts[0], parts[1]
            mode = parts[2] if len(parts) > 2 else "rw"
            if len(parts) > 3:
                raise ctx.fail(key, f"{item!r} has too many ':' parts; expected HOST:CONTAINER[:MODE]")
        elif isinstance(item, Mapping):
            kind = item.get("type", "bind")
            long_target = item.get("target")
            if not isinstance(long_target, str):
                raise ctx.fail(key, "long syntax needs a `target` path")
            if kind == "tmpfs":
                size = (item.get("tmpfs") or {}).get("size")
                tmpfs[long_target] = f"size={size}" if size is not None else ""
                continue
            if kind != "bind":
                raise ctx.fail(f"{key}.type", f"{kind!r} is not supported; use type: bind with a host path")
            long_source = item.get("source")
            if not isinstance(long_source, str):
                raise ctx.fail(key, "a bind mount needs a `source` path")
            source, target = long_source, long_target
            _only(item, {"type", "source", "target", "read_only", "bind", "consistency"}, key, ctx, "a bind mount")
            mode = "ro" if item.get("read_only") else "rw"
            propagation = (item.get("bind") or {}).get("propagation")
            if propagation:
                mode += f",{propagation}"
        else:
            raise ctx.fail(key, f"expected HOST:CONTAINER[:MODE] or a mapping, got {item!r}")
        if not _is_path(source):
            raise ctx.fail(key, f"{source!r} is a named volume; mount a host path (absolute or ./relative)")
        binds.append(f"{_host_path(source, ctx)}:{target}:{mode}")
    kwargs: dict[str, Any] = {}
    if binds:
        kwargs["volumes"] = binds
    if tmpfs:
        kwargs["tmpfs"] = tmpfs
    return kwargs


def _tmpfs(value: Any, ctx: _Context) -> dict[str, Any]:
    paths = [value] if isinstance(value, str) else value
    if not isinstance(paths, list) or not all(isinstance(p, str) for p in paths):
        raise ctx.fail("tmpfs", "expected a path or a list of paths")
    mounts: dict[str, str] = {}
    for path in paths:
        target, _, options = path.partition(":")
        mounts[target] = options
    return {"tmpfs": mounts}


_PORT = re.compile(
    r"^(?:(?P<ip>\d+\.\d+\.\d+\.\d+):)?(?:(?P<host>\d*):)?(?P<container>\d+)(?:/(?P<proto>tcp|udp|sctp))?$"
)


def _ports(value: Any, ctx: _Context) -> dict[str, Any]:
    if not isinstance(value, list):
        raise ctx.fail("ports", "expected a list")
    ports: dict[str, list[Any]] = {}
    for index, item in enumerate(value):
        key = f"ports[{index}]"
        if isinstance(item, int) and not isinstance(item, bool):
            item = str(item)
        if isinstance(item, str):
            match = _PORT.match(item.strip())
            if match is None:
                raise ctx.fail(key, f"{item!r} is not [IP:][HOST:]CONTAINER[/PROTOCOL] (ranges are not supported)")
            container = f"{match['container']}/{match['proto'] or 'tcp'}"
            ip, host = match["ip"], match["host"]
            host_port = int(host) if host else None
        elif isinstance(item, Mapping):
            if "target" not in item:
                raise ctx.fail(key, "long syntax needs `target`")
            container = f"{item['target']}/{item.get('protocol', 'tcp')}"
            ip = item.get("host_ip")
            host_port = int(item["published"]) if item.get("published") not in (None, "") else None
        else:
            raise ctx.fail(key, f"expected a port spec, got {item!r}")
        binding: Any = (ip, host_port) if ip else host_port
        ports.setdefault(container, []).append(binding)
    return {"ports": {port: b[0] if len(b) == 1 else b for port, b in ports.items()}}


def _devices(value: Any, ctx: _Context) -> dict[str, Any]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ctx.fail("devices", "expected a list of HOST[:CONTAINER[:PERMISSIONS]] strings")
    return {"devices": list(value)}


def _namespace(key: str, kwarg: str) -> Handler:
    def handle(value: Any, ctx: _Context) -> dict[str, Any]:
        if not isinstance(value, str):
            raise ctx.fail(key, f"expected a string such as host, got {value!r}")
        return {kwarg: _resolve_service_ref(value, key, ctx)}

    return handle


def _resolve_service_ref(value: str, key: str, ctx: _Context) -> str:
    if not value.startswith("service:"):
        return value
    other = value.removeprefix("service:")
    if other not in ctx.container_names:
        raise ctx.fail(key, f"names unknown service {other!r}")
    return f"container:{ctx.container_names[other]}"


def _ulimits(value: Any, ctx: _Context) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        raise ctx.fail("ulimits", "expected a mapping such as {memlock: -1} or {nofile: {soft: 1, hard: 2}}")
    limits = []
    for name, limit in value.items():
        if isinstance(limit, int):
            limits.append(Ulimit(name=str(name), soft=limit, hard=limit))
        elif isinstance(limit, Mapping) and isinstance(limit.get("soft"), int) and isinstance(limit.get("hard"), int):
            limits.append(Ulimit(name=str(name), soft=limit["soft"], hard=limit["hard"]))
        else:
            raise ctx.fail(f"ulimits.{name}", "expected a number or {soft: N, hard: N}")
    return {"ulimits": limits}


def _nanoseconds(value: Any, key: str, ctx: _Context) -> int:
    try:
        return int(parse_duration(value) * 1_000_000_000)
    except ValueError as exc:
        raise ctx.fail(key, str(exc)) from None


def _healthcheck(value: Any, ctx: _Context) -> dict[str, Any]:
    if isinstance(value, Mapping) and value.get("disable"):
        return {"healthcheck": {"test": ["NONE"]}}
    _only(value, {"test", "interval", "timeout", "retries", "start_period", "start_interval"}, "healthcheck", ctx)
    check: dict[str, Any] = {}
    test = value.get("test")
    if isinstance(test, str):
        check["test"] = ["CMD-SHELL", test]
    elif isinstance(test, list):
        check["test"] = [str(t) for t in test]
    elif test is not None:
        raise ctx.fail("healthcheck.test", "expected a string or a list")
    for key in ("interval", "timeout", "start_period", "start_interval"):
        if key in value:
            check[key] = _nanoseconds(value[key], f"healthcheck.{key}", ctx)
    if "retries" in value:
        check["retries"] = int(value["retries"])
    return {"healthcheck": check}


def _device_request(item: Any, key: str, ctx: _Context) -> DeviceRequest:
    _only(item, {"driver", "count", "device_ids", "capabilities", "options"}, key, ctx, "a device reservation")
    count = item.get("count")
    device_ids = [str(d) for d in item.get("device_ids") or []]
    if count == "all" or (count is None and not device_ids):
        count = -1
    capabilities = item.get("capabilities") or []
    if capabilities and all(isinstance(c, str) for c in capabilities):
        capabilities = [capabilities]
    return DeviceRequest(
        driver=str(item.get("driver", "")),
        count=int(count) if count is not None else 0,
        device_ids=device_ids,
        capabilities=capabilities,
        options=dict(item.get("options") or {}),
    )


def _only(value: Any, allowed: set[str], key: str, ctx: _Context, what: str = "") -> None:
    """Reject the first key of a mapping the harness does not translate, naming it and what is allowed."""
    if not isinstance(value, Mapping):
        raise ctx.fail(key, f"expected a mapping with {', '.join(sorted(allowed))}")
    unknown = sorted(set(map(str, value)) - allowed)
    if unknown:
        where = f" in {what}" if what else ""
        raise ctx.fail(f"{key}.{unknown[0]}", f"is not supported{where}; expected {', '.join(sorted(allowed))}")


def _deploy(value: Any, ctx: _Context) -> dict[str, Any]:
    _only(value, {"resources"}, "deploy", ctx)
    resources = value.get("resources") or {}
    _only(resources, {"reservations", "limits"}, "deploy.resources", ctx)
    reservations = resources.get("reservations") or {}
    limits = resources.get("limits") or {}
    _only(reservations, {"devices", "memory"}, "deploy.resources.reservations", ctx)
    _only(limits, {"memory", "cpus"}, "deploy.resources.limits", ctx)
    kwargs: dict[str, Any] = {}
    devices = reservations.get("devices") or []
    if devices:
        kwargs["device_requests"] = [
            _device_request(item, f"deploy.resources.reservations.devices[{i}]", ctx) for i, item in enumerate(devices)
        ]
    if "memory" in reservations:
        kwargs.update(_size("mem_reservation")(reservations["memory"], ctx))
    if "memory" in limits:
        kwargs.update(_size("mem_limit")(limits["memory"], ctx))
    if "cpus" in limits:
        kwargs.update(_cpus(limits["cpus"], ctx))
    return kwargs


def _pairs(key: str, kwarg: str, separators: str) -> Handler:
    """Mapping, or a list of KEY<sep>VALUE strings (labels, sysctls, extra_hosts)."""

    def handle(value: Any, ctx: _Context) -> dict[str, Any]:
        if isinstance(value, Mapping):
            return {kwarg: {str(k): _env_value(v) for k, v in value.items()}}
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            result: dict[str, str] = {}
            for item in value:
                split = re.split(f"[{re.escape(separators)}]", item, maxsplit=1)
                result[split[0]] = split[1] if len(split) > 1 else ""
            return {kwarg: result}
        raise ctx.fail(key, "expected a mapping or a list of strings")

    return handle


def _cpus(value: Any, ctx: _Context) -> dict[str, Any]:
    try:
        return {"nano_cpus": int(float(value) * 1_000_000_000)}
    except (TypeError, ValueError):
        raise ctx.fail("cpus", f"expected a number of CPUs, got {value!r}") from None


def _restart(value: Any, ctx: _Context) -> dict[str, Any]:
    if value in ("no", False, None):
        return {}
    raise ctx.fail("restart", f'{value!r} would relaunch a failing container and hide its verdict; use "no"')


def _handled_elsewhere(value: Any, ctx: _Context) -> dict[str, Any]:
    return {}


SERVICE_KEYS: dict[str, Handler] = {
    "image": _string("image"),
    "command": _command("command"),
    "entrypoint": _command("entrypoint"),
    "environment": _environment,
    "env_file": _env_file,
    "cap_add": _string_list("cap_add"),
    "cap_drop": _string_list("cap_drop"),
    "devices": _devices,
    "group_add": _string_list("group_add"),
    "ipc": _namespace("ipc", "ipc_mode"),
    "pid": _namespace("pid", "pid_mode"),
    "network_mode": _namespace("network_mode", "network_mode"),
    "privileged": _flag("privileged"),
    "shm_size": _size("shm_size"),
    "mem_limit": _size("mem_limit"),
    "memswap_limit": _size("memswap_limit"),
    "cpus": _cpus,
    "security_opt": _string_list("security_opt"),
    "ulimits": _ulimits,
    "volumes": _volumes,
    "tmpfs": _tmpfs,
    "ports": _ports,
    "working_dir": _string("working_dir"),
    "user": _string("user"),
    "hostname": _string("hostname"),
    "runtime": _string("runtime"),
    "platform": _string("platform"),
    "stop_signal": _string("stop_signal"),
    "healthcheck": _healthcheck,
    "deploy": _deploy,
    "init": _flag("init"),
    "tty": _flag("tty"),
    "stdin_open": _flag("stdin_open"),
    "labels": _pairs("labels", "labels", "="),
    "sysctls": _pairs("sysctls", "sysctls", "="),
    "extra_hosts": _pairs("extra_hosts", "extra_hosts", ":="),
    "dns": _string_list("dns"),
    "restart": _restart,
    "depends_on": _handled_elsewhere,
    "stop_grace_period": _handled_elsewhere,
}

UNSUPPORTED_HINTS = {
    "build": "the harness never builds; build the image beforehand and name it in `image`",
    "container_name": "the harness names containers itself so runs never collide; remove it",
    "networks": "every cell gets a network of its own; remove it (or use network_mode)",
    "links": "services of a cell reach each other by name on the cell network; remove it",
    "logging": "the harness reads the log through the engine's default driver; remove it",
    "extends": "render the full service in the template instead",
    "profiles": "render only the services a cell needs instead",
}

TOP_LEVEL_IGNORED = {"version", "name"}


def _merge(kwargs: dict[str, Any], new: Mapping[str, Any]) -> None:
    for key, value in new.items():
        if key in kwargs and isinstance(kwargs[key], dict) and isinstance(value, Mapping):
            kwargs[key].update(value)
        elif key in kwargs and isinstance(kwargs[key], list) and isinstance(value, list):
            kwargs[key].extend(value)
        else:
            kwargs[key] = value


def _depends_on(value: Any, ctx: _Context, services: Mapping[str, Any]) -> dict[str, str]:
    if value is None:
        return {}
    if isinstance(value, list):
        deps = {str(name): "service_started" for name in value}
    elif isinstance(value, Mapping):
        deps = {}
        for name, spec in value.items():
            condition = (spec or {}).get("condition", "service_started") if isinstance(spec, Mapping) else None
            if condition not in {"service_started", "service_healthy", "service_completed_successfully"}:
                raise ctx.fail(f"depends_on.{name}.condition", f"unknown condition {condition!r}")
            deps[str(name)] = condition
    else:
        raise ctx.fail("depends_on", "expected a list of services or a mapping")
    for name in deps:
        if name not in services:
            raise ctx.fail("depends_on", f"names unknown service {name!r}")
    return deps


def translate_service(name: str, service: Mapping[str, Any], ctx: _Context, services: Mapping[str, Any]) -> ServicePlan:
    if not isinstance(service, Mapping):
        raise ctx.fail("", "expected a mapping")
    kwargs: dict[str, Any] = {}
    for key, value in service.items():
        if key.startswith("x-"):
            continue
        handler = SERVICE_KEYS.get(key)
        if handler is None:
            hint = UNSUPPORTED_HINTS.get(key, "it is not supported by the harness; remove it or open an issue")
            raise ctx.fail(key, hint)
        _merge(kwargs, handler(value, ctx))
    if "image" not in kwargs:
        raise ctx.fail("image", "every service needs an image (the harness never builds)")
    file_env = kwargs.pop("_env_file", {})
    if file_env:
        kwargs["environment"] = {**file_env, **kwargs.get("environment", {})}
    try:
        stop_timeout = parse_duration(service.get("stop_grace_period", DEFAULT_STOP_SECONDS))
    except ValueError as exc:
        raise ctx.fail("stop_grace_period", str(exc)) from None
    network_mode = kwargs.get("network_mode")
    return ServicePlan(
        name=name,
        container_name=ctx.container_names[name],
        kwargs=kwargs,
        depends_on=_depends_on(service.get("depends_on"), ctx, services),
        stop_timeout=stop_timeout,
        own_network=network_mode in (None, "bridge"),
    )


def _start_order(plans: Mapping[str, ServicePlan], where: str) -> list[ServicePlan]:
    ordered: list[ServicePlan] = []
    state: dict[str, str] = {}

    def visit(name: str, chain: tuple[str, ...]) -> None:
        if state.get(name) == "done":
            return
        if state.get(name) == "visiting":
            raise ComposeError(f"{where}: depends_on forms a cycle: {' -> '.join((*chain, name))}")
        state[name] = "visiting"
        for dep in plans[name].depends_on:
            visit(dep, (*chain, name))
        state[name] = "done"
        ordered.append(plans[name])

    for name in plans:
        visit(name, ())
    return ordered


def translate(
    compose: Mapping[str, Any],
    *,
    where: str,
    compose_dir: Path,
    name_prefix: str,
    watched: str | None,
    host_env: Mapping[str, str],
) -> ComposePlan:
    """The whole compose file as a start-ordered list of service plans, or one ComposeError line."""
    for key, value in compose.items():
        if key == "services" or key in TOP_LEVEL_IGNORED or str(key).startswith("x-"):
            continue
        if value:
            raise ComposeError(f"{where}: top-level `{key}` is not supported; use host paths and network_mode")
    services = compose.get("services")
    if not isinstance(services, Mapping) or not services:
        raise ComposeError(f"{where}: no services defined")
    names = {str(name): f"{name_prefix}-{name}" for name in services}
    plans = {
        str(name): translate_service(
            str(name),
            spec,
            _Context(where, str(name), compose_dir, host_env, names),
            services,
        )
        for name, spec in services.items()
    }
    if watched is None:
        if len(plans) > 1:
            raise ComposeError(
                f"{where}: several services ({', '.join(plans)}); set `service:` in the matrix to the one to watch"
            )
        watched = next(iter(plans))
    elif watched not in plans:
        raise ComposeError(f"{where}: watched service {watched!r} is not defined; services are {', '.join(plans)}")
    return ComposePlan(services=tuple(_start_order(plans, where)), watched=watched, network_name=f"{name_prefix}-net")
