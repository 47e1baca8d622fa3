"""One decision for every key of the Compose Specification's service definition.

Translated keys have a handler that turns the value into `containers.run` arguments; ignored keys
carry the note printed once per run; refused keys carry the reason and what to do instead. The
README's key table is generated from `SERVICE_KEYS` (`decision_table`).
"""

from __future__ import annotations

import os
import re
import shlex
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from docker.types import DeviceRequest, Mount, Ulimit
from dotenv import dotenv_values

from harness.compose.model import KeyContext
from harness.safe_yaml import decode_problem
from harness.units import parse_duration

Handler = Callable[[Any, KeyContext], dict[str, Any]]


def _string(kwarg: str) -> Handler:
    def handle(value: Any, ctx: KeyContext) -> dict[str, Any]:
        if not isinstance(value, str | int) or isinstance(value, bool):
            raise ctx.fail(kwarg, f"expected a string, got {value!r}")
        return {kwarg: str(value)}

    return handle


TRUE_WORDS = frozenset({"true", "y", "yes", "on"})
FALSE_WORDS = frozenset({"false", "n", "no", "off"})


def as_bool(value: Any) -> bool | None:
    """A boolean, or the words compose casts to one once `${VAR}` made it a string."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in TRUE_WORDS | FALSE_WORDS:
        return value.lower() in TRUE_WORDS
    return None


def as_int(value: Any) -> int | None:
    """An integer, or a string of digits (what `${COUNT:-1}` leaves)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and re.fullmatch(r"\s*-?\d+\s*", value):
        return int(value)
    return None


def _coerced(kwarg: str, convert: Callable[[Any], Any], expected: str) -> Handler:
    """A value compose casts (a bool or a number, possibly a string left by `${VAR}`)."""

    def handle(value: Any, ctx: KeyContext) -> dict[str, Any]:
        result = convert(value)
        if result is None:
            raise ctx.fail(kwarg, f"expected {expected}, got {value!r}")
        return {kwarg: result}

    return handle


def _flag(kwarg: str) -> Handler:
    return _coerced(kwarg, as_bool, "true or false")


def _integer(kwarg: str) -> Handler:
    return _coerced(kwarg, as_int, "a whole number")


def _string_list(kwarg: str) -> Handler:
    def handle(value: Any, ctx: KeyContext) -> dict[str, Any]:
        if not isinstance(value, list) or not all(isinstance(v, str | int) for v in value):
            raise ctx.fail(kwarg, f"expected a list of strings, got {value!r}")
        return {kwarg: [str(v) for v in value]}

    return handle


def _size(kwarg: str) -> Handler:
    def handle(value: Any, ctx: KeyContext) -> dict[str, Any]:
        if isinstance(value, int) and not isinstance(value, bool):
            return {kwarg: value}
        if isinstance(value, str) and re.fullmatch(r"\d+(?:\.\d+)?\s*[bkmgBKMG]?[bB]?", value.strip()):
            return {kwarg: value.strip().lower().replace(" ", "").removesuffix("b") or "0"}
        raise ctx.fail(kwarg, f"expected a size such as 32g or 512m, got {value!r}")

    return handle


def _command(kwarg: str) -> Handler:
    def handle(value: Any, ctx: KeyContext) -> dict[str, Any]:
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


def _environment(value: Any, ctx: KeyContext) -> dict[str, Any]:
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
    """KEY=VALUE lines as compose reads them (python-dotenv: comments, `export`, quotes, escapes,
    multi-line values, `${VAR}` references); lines that are not assignments are skipped."""
    import io

    values = dotenv_values(stream=io.StringIO(text), interpolate=True)
    return {key: value for key, value in values.items() if value is not None}


def _env_file(value: Any, ctx: KeyContext) -> dict[str, Any]:
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
        except UnicodeDecodeError as exc:
            raise ctx.fail("env_file", f"{path} {decode_problem(exc)}") from None
        except OSError:
            if required:
                raise ctx.fail("env_file", f"{path} cannot be read; create it or mark it `required: false`") from None
    return {"_env_file": env}


def host_path(path: str, base: Path, home: str | None) -> str:
    """A path as compose reads it: `~` is the user's home, a relative path is relative to `base` (the
    folder of the file it was written in); without a home, `~` stays as written."""
    if path.startswith("~") and home:
        path = home + path[1:]
    return path if path.startswith("~") else os.path.normpath(os.path.join(str(base), path))


def _host_path(path: str, ctx: KeyContext) -> str:
    return host_path(path, ctx.compose_dir, ctx.host_env.get("HOME"))


def _is_path(source: str) -> bool:
    return source.startswith(("/", ".", "~"))


def _volumes(value: Any, ctx: KeyContext) -> dict[str, Any]:
    if not isinstance(value, list):
        raise ctx.fail("volumes", "expected a list")
    binds: list[str] = []
    mounts: list[Mount] = []
    tmpfs: dict[str, str] = {}
    for index, item in enumerate(value):
        key = f"volumes[{index}]"
        if isinstance(item, str):
            parts = item.split(":")
            if len(parts) > 3:
                raise ctx.fail(key, f"{item!r} has too many ':' parts; expected SOURCE:TARGET[:MODE]")
            if len(parts) == 1:
                mounts.append(Mount(target=item, source=None, type="volume"))
                continue
            source, target = parts[0], parts[1]
            mode = parts[2] if len(parts) > 2 else "rw"
            if not source:
                raise ctx.fail(
                    key, f"{item!r} has an empty source (a variable left unset?); set it or write a host path"
                )
            if not _is_path(source):
                mounts.append(_named_mount(source, target, "ro" in mode.split(","), False, key, ctx))
                continue
        elif isinstance(item, Mapping):
            kind = item.get("type", "bind")
            long_target = item.get("target")
            if not isinstance(long_target, str):
                raise ctx.fail(key, "long syntax needs a `target` path")
            read_only = as_bool(item.get("read_only", False)) is True
            if kind == "tmpfs":
                size = _mapping(item.get("tmpfs"), f"{key}.tmpfs", ctx).get("size")
                tmpfs[long_target] = f"size={size}" if size is not None else ""
                continue
            if kind == "volume":
                _only(item, {"type", "source", "target", "read_only", "volume", "consistency"}, key, ctx, "a volume")
                no_copy = as_bool(_mapping(item.get("volume"), f"{key}.volume", ctx).get("nocopy", False)) is True
                volume = item.get("source")
                if volume is None:
                    mounts.append(Mount(target=long_target, source=None, type="volume", read_only=read_only))
                else:
                    mounts.append(_named_mount(str(volume), long_target, read_only, no_copy, key, ctx))
                continue
            if kind != "bind":
                raise ctx.fail(f"{key}.type", f"{kind!r} is not supported; expected bind, volume or tmpfs")
            long_source = item.get("source")
            if not isinstance(long_source, str):
                raise ctx.fail(key, "a bind mount needs a `source` path")
            source, target = long_source, long_target
            _only(item, {"type", "source", "target", "read_only", "bind", "consistency"}, key, ctx, "a bind mount")
            mode = "ro" if read_only else "rw"
            propagation = _mapping(item.get("bind"), f"{key}.bind", ctx).get("propagation")
            if propagation:
                mode += f",{propagation}"
        else:
            raise ctx.fail(key, f"expected SOURCE:TARGET[:MODE] or a mapping, got {item!r}")
        binds.append(f"{_host_path(source, ctx)}:{target}:{mode}")
    kwargs: dict[str, Any] = {}
    if binds:
        kwargs["volumes"] = binds
    if mounts:
        kwargs["mounts"] = mounts
    if tmpfs:
        kwargs["tmpfs"] = tmpfs
    return kwargs


def _mapping(value: Any, key: str, ctx: KeyContext) -> Mapping[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ctx.fail(key, f"expected a mapping, got {value!r}")
    return value


def _named_mount(source: str, target: str, read_only: bool, no_copy: bool, key: str, ctx: KeyContext) -> Mount:
    engine_name = ctx.volume_names.get(source)
    if engine_name is None:
        declared = ", ".join(sorted(ctx.volume_names)) or "none"
        raise ctx.fail(
            key,
            f"{source!r} is a named volume that the top-level `volumes:` does not declare (declared: {declared}); "
            "declare it, or write a host path (absolute or ./relative)",
        )
    return Mount(target=target, source=engine_name, type="volume", read_only=read_only, no_copy=no_copy)


def _tmpfs(value: Any, ctx: KeyContext) -> dict[str, Any]:
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


def _ports(value: Any, ctx: KeyContext) -> dict[str, Any]:
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
            target, published = as_int(item.get("target")), item.get("published")
            protocol, ip = item.get("protocol", "tcp"), item.get("host_ip")
            if target is None:
                raise ctx.fail(key, f"long syntax needs a `target` port number, got {item.get('target')!r}")
            host_port = as_int(published) if published not in (None, "") else None
            if published not in (None, "") and host_port is None:
                raise ctx.fail(
                    f"{key}.published", f"expected a port number (ranges are not supported), got {published!r}"
                )
            if protocol not in ("tcp", "udp", "sctp") or not (ip is None or isinstance(ip, str)):
                raise ctx.fail(key, "protocol must be tcp, udp or sctp and host_ip an address")
            container = f"{target}/{protocol}"
        else:
            raise ctx.fail(key, f"expected a port spec, got {item!r}")
        binding: Any = (ip, host_port) if ip else host_port
        ports.setdefault(container, []).append(binding)
    return {"ports": {port: b[0] if len(b) == 1 else b for port, b in ports.items()}}


CDI_NAME = re.compile(r"[a-z0-9][a-z0-9.-]*\.[a-z]+/[a-zA-Z0-9][a-zA-Z0-9._-]*=\S+")
"""A fully qualified CDI device name such as nvidia.com/gpu=all, which the engine resolves itself."""


def _devices(value: Any, ctx: KeyContext) -> dict[str, Any]:
    """Device nodes (short or long syntax), and CDI names as the docker CLI passes them: a device
    request to the `cdi` driver."""
    if not isinstance(value, list):
        raise ctx.fail("devices", "expected a list of HOST[:CONTAINER[:PERMISSIONS]] strings")
    nodes: list[str] = []
    cdi: list[str] = []
    for index, item in enumerate(value):
        if isinstance(item, Mapping) and isinstance(item.get("source"), str):
            target = item.get("target") or item["source"]
            nodes.append(":".join([item["source"], str(target), str(item.get("permissions") or "rwm")]))
        elif isinstance(item, str) and CDI_NAME.fullmatch(item):
            cdi.append(item)
        elif isinstance(item, str):
            nodes.append(item)
        else:
            raise ctx.fail(
                f"devices[{index}]", f"expected HOST[:CONTAINER[:PERMISSIONS]] or {{source, target}}, got {item!r}"
            )
    kwargs: dict[str, Any] = {"devices": nodes} if nodes else {}
    if cdi:
        kwargs["device_requests"] = [DeviceRequest(driver="cdi", device_ids=cdi)]
    return kwargs


def _namespace(key: str, kwarg: str) -> Handler:
    def handle(value: Any, ctx: KeyContext) -> dict[str, Any]:
        if not isinstance(value, str):
            raise ctx.fail(key, f"expected a string such as host, got {value!r}")
        return {kwarg: _resolve_service_ref(value, key, ctx)}

    return handle


def _resolve_service_ref(value: str, key: str, ctx: KeyContext) -> str:
    if not value.startswith("service:"):
        return value
    other = value.removeprefix("service:")
    if other not in ctx.container_names:
        raise ctx.fail(key, f"names unknown service {other!r}")
    return f"container:{ctx.container_names[other]}"


def _ulimits(value: Any, ctx: KeyContext) -> dict[str, Any]:
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


def _nanoseconds(value: Any, key: str, ctx: KeyContext) -> int:
    try:
        return int(parse_duration(value) * 1_000_000_000)
    except ValueError as exc:
        raise ctx.fail(key, str(exc)) from None


def _healthcheck(value: Any, ctx: KeyContext) -> dict[str, Any]:
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
        retries = as_int(value["retries"])
        if retries is None:
            raise ctx.fail("healthcheck.retries", f"expected a whole number, got {value['retries']!r}")
        check["retries"] = retries
    return {"healthcheck": check}


def _device_request(item: Any, key: str, ctx: KeyContext) -> DeviceRequest:
    _only(item, {"driver", "count", "device_ids", "capabilities", "options"}, key, ctx, "a device reservation")
    count = item.get("count")
    ids = item.get("device_ids") or []
    if not isinstance(ids, list):
        raise ctx.fail(f"{key}.device_ids", f"expected a list of ids, got {ids!r}")
    device_ids = [str(d) for d in ids]
    if count == "all" or (count is None and not device_ids):
        count = -1
    elif count is not None:
        count = as_int(count)
        if count is None:
            raise ctx.fail(f"{key}.count", f"expected a number or all, got {item.get('count')!r}")
    capabilities = item.get("capabilities") or []
    if not isinstance(capabilities, list) or not all(isinstance(c, str | list) for c in capabilities):
        raise ctx.fail(f"{key}.capabilities", f"expected a list such as [gpu], got {capabilities!r}")
    if capabilities and all(isinstance(c, str) for c in capabilities):
        capabilities = [capabilities]
    return DeviceRequest(
        driver=str(item.get("driver", "")),
        count=int(count) if count is not None else 0,
        device_ids=device_ids,
        capabilities=capabilities,
        options={str(k): str(v) for k, v in _mapping(item.get("options"), f"{key}.options", ctx).items()},
    )


def _only(value: Any, allowed: set[str], key: str, ctx: KeyContext, what: str = "") -> None:
    """Reject the first key of a mapping the harness does not translate, naming it and what is allowed."""
    if not isinstance(value, Mapping):
        raise ctx.fail(key, f"expected a mapping with {', '.join(sorted(allowed))}")
    unknown = sorted(set(map(str, value)) - allowed)
    if unknown:
        where = f" in {what}" if what else ""
        raise ctx.fail(f"{key}.{unknown[0]}", f"is not supported{where}; expected {', '.join(sorted(allowed))}")


SWARM_ONLY = ("mode", "placement", "update_config", "rollback_config", "endpoint_mode", "labels")


def _deploy(value: Any, ctx: KeyContext) -> dict[str, Any]:
    _only(value, {"resources", "replicas", "restart_policy", *SWARM_ONLY}, "deploy", ctx)
    replicas = value.get("replicas")
    if replicas is not None and as_int(replicas) not in (0, 1):
        raise ctx.fail("deploy.replicas", f"{replicas!r}: a cell runs one container per service; use 1 (or 0)")
    if value.get("restart_policy") is not None:
        ctx.note("deploy.restart_policy", "ignored: containers never restart, a relaunch would hide the verdict")
    for key in SWARM_ONLY:
        if value.get(key) is not None:
            ctx.note(f"deploy.{key}", "ignored: it applies to Swarm services, not to one engine")
    resources = value.get("resources") or {}
    _only(resources, {"reservations", "limits"}, "deploy.resources", ctx)
    reservations = resources.get("reservations") or {}
    limits = resources.get("limits") or {}
    _only(reservations, {"devices", "memory", "cpus", "generic_resources"}, "deploy.resources.reservations", ctx)
    _only(limits, {"memory", "cpus", "pids"}, "deploy.resources.limits", ctx)
    kwargs: dict[str, Any] = {}
    devices = reservations.get("devices") or []
    if not isinstance(devices, list):
        raise ctx.fail(
            "deploy.resources.reservations.devices", f"expected a list of device reservations, got {devices!r}"
        )
    if devices:
        kwargs["device_requests"] = [
            _device_request(item, f"deploy.resources.reservations.devices[{i}]", ctx) for i, item in enumerate(devices)
        ]
    if "memory" in reservations:
        kwargs.update(_size("mem_reservation")(reservations["memory"], ctx))
    for key in ("cpus", "generic_resources"):
        if reservations.get(key) is not None:
            ctx.note(f"deploy.resources.reservations.{key}", "ignored: a single engine reserves no CPUs")
    if "memory" in limits:
        kwargs.update(_size("mem_limit")(limits["memory"], ctx))
    if "cpus" in limits:
        kwargs.update(_cpus(limits["cpus"], ctx))
    if "pids" in limits:
        kwargs.update(_integer("pids_limit")(limits["pids"], ctx))
    return kwargs


def _gpus(value: Any, ctx: KeyContext) -> dict[str, Any]:
    """`gpus: all`, or a list of device reservations as under deploy.resources.reservations.devices."""
    if value == "all":
        return {"device_requests": [DeviceRequest(count=-1, capabilities=[["gpu"]])]}
    if not isinstance(value, list):
        raise ctx.fail("gpus", "expected all or a list of {driver, count, device_ids, capabilities}")
    requests = []
    for index, item in enumerate(value):
        request = _device_request(item, f"gpus[{index}]", ctx)
        request["Capabilities"] = request.get("Capabilities") or [["gpu"]]
        requests.append(request)
    return {"device_requests": requests}


def _pairs(key: str, kwarg: str, separators: str) -> Handler:
    """Mapping, or a list of KEY<sep>VALUE strings (labels, sysctls, extra_hosts)."""

    def handle(value: Any, ctx: KeyContext) -> dict[str, Any]:
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


def _cpus(value: Any, ctx: KeyContext) -> dict[str, Any]:
    try:
        return {"nano_cpus": int(float(value) * 1_000_000_000)}
    except (TypeError, ValueError):
        raise ctx.fail("cpus", f"expected a number of CPUs, got {value!r}") from None


def _restart(value: Any, ctx: KeyContext) -> dict[str, Any]:
    if value not in ("no", False, None):
        ctx.note("restart", f'{value!r} runs as "no": a relaunch would hide the verdict')
    return {}


def _container_name(value: Any, ctx: KeyContext) -> dict[str, Any]:
    if not isinstance(value, str) or not re.fullmatch(r"[a-zA-Z0-9][a-zA-Z0-9_.-]*", value):
        raise ctx.fail("container_name", f"expected a container name, got {value!r}")
    ctx.note("container_name", f"the harness names the container; {value!r} becomes a network alias instead")
    return {"_aliases": [value]}


def _build(value: Any, ctx: KeyContext) -> dict[str, Any]:
    ctx.note("build", "ignored: the harness runs `image` and never builds")
    return {}


def _volumes_from(value: Any, ctx: KeyContext) -> dict[str, Any]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ctx.fail("volumes_from", "expected a list such as [db, db:ro, container:NAME]")
    sources = []
    for item in value:
        if item.startswith("container:"):
            sources.append(item.removeprefix("container:"))
            continue
        name, _, mode = item.partition(":")
        if name not in ctx.container_names:
            raise ctx.fail("volumes_from", f"names unknown service {name!r}")
        sources.append(ctx.container_names[name] + (f":{mode}" if mode else ""))
    return {"volumes_from": sources}


def _links(value: Any, ctx: KeyContext) -> dict[str, Any]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ctx.fail("links", "expected a list such as [db, db:database]")
    links: dict[str, str] = {}
    for item in value:
        service, _, alias = item.partition(":")
        if service not in ctx.container_names:
            raise ctx.fail("links", f"names unknown service {service!r}")
        links[service] = alias or service
    return {"_links": links}


def _cgroup(value: Any, ctx: KeyContext) -> dict[str, Any]:
    if value not in ("host", "private"):
        raise ctx.fail("cgroup", f"expected host or private, got {value!r}")
    return {"cgroupns": value}


def _label_file(value: Any, ctx: KeyContext) -> dict[str, Any]:
    labels = _env_file(value, ctx)["_env_file"]
    return {"labels": labels}


def _scale(value: Any, ctx: KeyContext) -> dict[str, Any]:
    if as_int(value) not in (0, 1):
        raise ctx.fail("scale", f"{value!r}: a cell runs one container per service; use 1 (or 0)")
    return {}


def _handled_elsewhere(value: Any, ctx: KeyContext) -> dict[str, Any]:
    return {}


@dataclass(frozen=True)
class Decision:
    """What the harness does with one service key: a handler, or a note when ignored, or a refusal."""

    kind: str
    """translated, ignored or refused"""
    handler: Handler = _handled_elsewhere
    why: str = ""


def translated(handler: Handler, why: str = "") -> Decision:
    return Decision("translated", handler, why)


def ignored(why: str) -> Decision:
    return Decision("ignored", why=why)


def refused(why: str) -> Decision:
    return Decision("refused", why=why)


WINDOWS_ONLY = "applies to Windows containers only"
SWARM = "applies to Swarm only"

SERVICE_KEYS: dict[str, Decision] = {
    "annotations": ignored("the Docker SDK cannot set OCI annotations; GPU runtimes read devices and env instead"),
    "attach": ignored("only decides which logs `docker compose up` prints; the harness stores every service's log"),
    "blkio_config": refused("block-IO weights are not translated; remove it or open an issue"),
    "build": translated(_build, "with `image`: the image is run as is and never built; without `image`: refused"),
    "cap_add": translated(_string_list("cap_add")),
    "cap_drop": translated(_string_list("cap_drop")),
    "cgroup": translated(_cgroup, "as cgroupns"),
    "cgroup_parent": translated(_string("cgroup_parent")),
    "command": translated(_command("command"), "a string is split into words as compose does"),
    "configs": refused("configs are not mounted; bind the file with `volumes` instead"),
    "container_name": translated(_container_name, "becomes a network alias; the harness names containers per cell"),
    "cpu_count": ignored(WINDOWS_ONLY),
    "cpu_percent": ignored(WINDOWS_ONLY),
    "cpu_period": translated(_integer("cpu_period")),
    "cpu_quota": translated(_integer("cpu_quota")),
    "cpu_rt_period": translated(_integer("cpu_rt_period")),
    "cpu_rt_runtime": translated(_integer("cpu_rt_runtime")),
    "cpu_shares": translated(_integer("cpu_shares")),
    "cpus": translated(lambda value, ctx: _cpus(value, ctx), "as nano_cpus"),
    "cpuset": translated(_string("cpuset_cpus")),
    "credential_spec": ignored(WINDOWS_ONLY),
    "depends_on": translated(
        _handled_elsewhere, "start order; service_healthy and service_completed_successfully wait"
    ),
    "deploy": translated(
        _deploy, "resources (GPU device reservations, memory, cpus, pids); replicas 0 or 1; Swarm-only keys ignored"
    ),
    "develop": ignored("only used by `docker compose watch`"),
    "device_cgroup_rules": translated(_string_list("device_cgroup_rules")),
    "devices": translated(lambda value, ctx: _devices(value, ctx)),
    "dns": translated(lambda value, ctx: _dns(value, ctx, "dns")),
    "dns_opt": translated(_string_list("dns_opt")),
    "dns_search": translated(lambda value, ctx: _dns(value, ctx, "dns_search")),
    "domainname": translated(_string("domainname")),
    "entrypoint": translated(_command("entrypoint")),
    "env_file": translated(_env_file, "read beside the template; `environment` wins"),
    "environment": translated(_environment, "a name without a value passes the harness's own variable through"),
    "expose": ignored("services of a cell reach every port of each other on the cell network"),
    "extends": translated(_handled_elsewhere, "merged before translation, from the same file or one beside it"),
    "external_links": refused("links to containers outside the cell; attach an `external: true` network instead"),
    "extra_hosts": translated(_pairs("extra_hosts", "extra_hosts", ":=")),
    "gpus": translated(_gpus, "as device requests"),
    "group_add": translated(_string_list("group_add")),
    "healthcheck": translated(_healthcheck),
    "hostname": translated(_string("hostname")),
    "image": translated(_string("image")),
    "init": translated(_flag("init")),
    "ipc": translated(_namespace("ipc", "ipc_mode"), "service:NAME joins that service's container"),
    "isolation": translated(_string("isolation")),
    "label_file": translated(_label_file),
    "labels": translated(_pairs("labels", "labels", "=")),
    "links": translated(_links, "SERVICE:ALIAS becomes a network alias of that service"),
    "logging": ignored("the engine's default log driver is kept so the harness can read the log"),
    "mac_address": translated(_string("mac_address")),
    "mem_limit": translated(_size("mem_limit")),
    "mem_reservation": translated(_size("mem_reservation")),
    "mem_swappiness": translated(_integer("mem_swappiness")),
    "memswap_limit": translated(_size("memswap_limit")),
    "models": refused("Docker Model Runner models are not run by the harness; serve the model from a service"),
    "network_mode": translated(_namespace("network_mode", "network_mode"), "service:NAME joins that service"),
    "networks": translated(
        _handled_elsewhere,
        "the cell's services share the cell's own network, with every alias; `external: true` networks are joined too",
    ),
    "oom_kill_disable": translated(_flag("oom_kill_disable")),
    "oom_score_adj": translated(_integer("oom_score_adj")),
    "pid": translated(_namespace("pid", "pid_mode")),
    "pids_limit": translated(_integer("pids_limit")),
    "platform": translated(_string("platform")),
    "ports": translated(_ports, "ranges are refused"),
    "post_start": refused("lifecycle hooks are not run; put the step in the command"),
    "pre_start": refused("lifecycle hooks are not run; put the step in the command"),
    "pre_stop": refused("lifecycle hooks are not run; put the step in the command"),
    "privileged": translated(_flag("privileged")),
    "profiles": translated(_handled_elsewhere, "decides which services start, as compose does"),
    "provider": refused("provider services are run by compose plugins, not by an engine"),
    "pull_policy": ignored("the harness never pulls, except with `bisect run --pull`"),
    "pull_refresh_after": ignored("the harness never pulls, except with `bisect run --pull`"),
    "read_only": translated(_flag("read_only")),
    "restart": translated(_restart, 'any value runs as "no": a relaunch would hide the verdict'),
    "runtime": translated(_string("runtime")),
    "scale": translated(_scale, "0 does not start the service; 1 is the default; more is refused"),
    "secrets": refused("secrets are not mounted; bind the file with `volumes` or pass the value in `environment`"),
    "security_opt": translated(_string_list("security_opt")),
    "shm_size": translated(_size("shm_size")),
    "stdin_open": translated(_flag("stdin_open")),
    "stop_grace_period": translated(_handled_elsewhere, "how long a stop waits before killing"),
    "stop_signal": translated(_string("stop_signal")),
    "storage_opt": translated(_pairs("storage_opt", "storage_opt", "=")),
    "sysctls": translated(_pairs("sysctls", "sysctls", "=")),
    "tmpfs": translated(_tmpfs),
    "tty": translated(_flag("tty")),
    "ulimits": translated(_ulimits),
    "use_api_socket": refused("handing the engine's socket to a cell is not supported"),
    "user": translated(_string("user")),
    "userns_mode": translated(_string("userns_mode")),
    "uts": translated(_string("uts_mode")),
    "volumes": translated(_volumes, "bind mounts (relative to the template), named volumes, anonymous volumes, tmpfs"),
    "volumes_from": translated(_volumes_from),
    "working_dir": translated(_string("working_dir")),
}
"""Every service key of the Compose Specification; `x-*` extension keys are ignored."""

TOP_LEVEL_KEYS: dict[str, Decision] = {
    "services": translated(_handled_elsewhere),
    "networks": translated(_handled_elsewhere, "user networks become the cell's network; `external: true` joined"),
    "volumes": translated(_handled_elsewhere, "created once per matrix and kept across cells and runs"),
    "version": ignored("obsolete in the Compose Specification"),
    "name": ignored("the harness names what it creates per run and cell"),
    "configs": refused("configs are not mounted; bind the file with `volumes` instead"),
    "secrets": refused("secrets are not mounted; bind the file with `volumes` or pass the value in `environment`"),
    "include": translated(
        _handled_elsewhere, "services, volumes and networks of the included files join, paths relative to each file"
    ),
    "models": refused("Docker Model Runner models are not run by the harness"),
}


def _dns(value: Any, ctx: KeyContext, kwarg: str) -> dict[str, Any]:
    return _string_list(kwarg)([value] if isinstance(value, str) else value, ctx)


def decision_table() -> str:
    """The README's table of compose service keys, generated from `SERVICE_KEYS`."""
    rows = ["| key | decision | how |", "|---|---|---|"]
    for key, decision in sorted(SERVICE_KEYS.items()):
        rows.append(f"| `{key}` | {decision.kind} | {decision.why or 'as compose does'} |")
    return "\n".join(rows) + "\n"
