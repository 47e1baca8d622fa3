"""From rendered compose text to the document the translator reads, with compose's own meaning:
variables interpolated, `extends` merged, and relative paths made absolute against the folder of
the file they were written in (the user's template, not the render output)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.compose.interpolate import InterpolationError, Substitution, interpolate
from harness.compose.keys import host_path, parse_env_file
from harness.compose.model import Problem
from harness.safe_yaml import KeyPath, YamlInputError, decode_problem, load_yaml, read_text

REPLACED = frozenset({"command", "entrypoint"})
"""Sequences an extending service replaces instead of appending to (merge rules of the spec)."""
AS_MAPPING = {"environment": "=", "labels": "=", "sysctls": "=", "annotations": "=", "extra_hosts": ":="}
UNIQUE_BY_TARGET = frozenset({"volumes", "devices", "ports", "tmpfs", "expose", "dns", "dns_search", "env_file"})
NOT_INHERITED = frozenset({"extends"})


@dataclass
class Loaded:
    """The document after interpolation and `extends`; what was unset; what could not be loaded."""

    document: Any
    unset: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    variables: dict[str, str] = field(default_factory=dict)
    """The variables read and their values, so secret-looking ones are masked like environment values."""
    unset_at: dict[str, list[KeyPath]] = field(default_factory=dict)

    def unset_in(self, started: Sequence[str] | None) -> list[str]:
        """Unset variables read outside services that do not start (all of them when `started` is None)."""

        def counts(path: KeyPath) -> bool:
            return started is None or len(path) < 2 or path[0] != "services" or path[1] in started

        return [name for name in self.unset if any(counts(p) for p in self.unset_at.get(name, [()]))]


def interpolation_values(
    process_env: Mapping[str, str], template_dir: Path, env_files: list[Path]
) -> tuple[dict[str, str], list[str]]:
    """Values for `${VAR}`: the process environment first, then `.env` beside the template, then the
    matrix's env files (a later one before an earlier one); returns the values and a problem line per
    unreadable file. Sources are applied lowest first, so each overrides those after it in this list."""
    values: dict[str, str] = {}
    problems: list[str] = []
    for path, required in [*((p, True) for p in env_files), (template_dir / ".env", False)]:
        try:
            values.update(parse_env_file(read_text(path)))
        except UnicodeDecodeError as exc:
            problems.append(f"{path}: {decode_problem(exc)}")
        except OSError as exc:
            if required:
                problems.append(f"{path}: cannot read: {exc.strerror}; fix the path under env_files")
    values.update(process_env)
    return values, problems


def _is_relative_source(source: str) -> bool:
    return source.startswith((".", "~"))


def absolute_paths(service: Mapping[str, Any], base: Path, home: str | None) -> dict[str, Any]:
    """A service with relative bind sources, env files and label files made absolute against `base`."""
    out = dict(service)
    volumes = out.get("volumes")
    if isinstance(volumes, list):
        fixed: list[Any] = []
        for item in volumes:
            if isinstance(item, str) and ":" in item and _is_relative_source(item.split(":", 1)[0]):
                source, rest = item.split(":", 1)
                item = f"{host_path(source, base, home)}:{rest}"
            elif (
                isinstance(item, Mapping) and item.get("type", "bind") == "bind" and isinstance(item.get("source"), str)
            ):
                item = {**item, "source": host_path(item["source"], base, home)}
            fixed.append(item)
        out["volumes"] = fixed
    for key in ("env_file", "label_file"):
        value = out.get(key)
        if isinstance(value, str):
            out[key] = host_path(value, base, home)
        elif isinstance(value, list):
            out[key] = [
                host_path(v, base, home)
                if isinstance(v, str)
                else (
                    {**v, "path": host_path(v["path"], base, home)}
                    if isinstance(v, Mapping) and isinstance(v.get("path"), str)
                    else v
                )
                for v in value
            ]
    return out


def _as_mapping(value: Any, separators: str) -> Any:
    if not isinstance(value, list):
        return value
    result: dict[str, Any] = {}
    for item in value:
        text = str(item)
        cut = min((text.find(s) for s in separators if s in text), default=-1)
        if cut < 0:
            result[text] = None
        else:
            result[text[:cut]] = text[cut + 1 :]
    return result


def _identity(key: str, item: Any) -> Any:
    """What makes two entries of a sequence the same resource (the later one wins)."""
    if isinstance(item, Mapping):
        return item.get("target") or item.get("path") or repr(sorted(item.items(), key=str))
    text = str(item)
    if key in ("volumes", "devices"):
        parts = text.split(":")
        return parts[1] if len(parts) > 1 else parts[0]
    return text


def merge_service(base: Mapping[str, Any], override: Mapping[str, Any], path: KeyPath = ()) -> dict[str, Any]:
    """`extends` merge of the Compose Specification: mappings merged key by key, `command` and
    `entrypoint` (and `healthcheck.test`) replaced, other sequences appended with duplicates of
    the same resource (target path, port, device) taken from the override."""
    merged = dict(base)
    for key, value in override.items():
        if key not in merged:
            merged[key] = value
            continue
        old = merged[key]
        if not path and key in AS_MAPPING:
            old, value = _as_mapping(old, AS_MAPPING[key]), _as_mapping(value, AS_MAPPING[key])
        if key in REPLACED or (path == ("healthcheck",) and key == "test"):
            merged[key] = value
        elif isinstance(old, Mapping) and isinstance(value, Mapping):
            merged[key] = merge_service(old, value, (*path, key))
        elif isinstance(old, list) and isinstance(value, list):
            if key in UNIQUE_BY_TARGET:
                seen = {_identity(key, item): item for item in old}
                seen.update({_identity(key, item): item for item in value})
                merged[key] = list(seen.values())
            else:
                merged[key] = [*old, *value]
        else:
            merged[key] = value
    return merged


@dataclass
class _Loader:
    values: Mapping[str, str]
    seen: Substitution
    problems: list[Problem]
    home: str | None
    files: dict[Path, Mapping[str, Any] | None] = field(default_factory=dict)

    def file(self, path: Path, at: KeyPath) -> Mapping[str, Any] | None:
        """The services of another compose file (`extends.file`, `include`), loaded and interpolated once."""
        document = self.document(path, at)
        return document["services"] if document is not None else None

    def document(self, path: Path, at: KeyPath) -> Mapping[str, Any] | None:
        if path in self.files:
            return self.files[path]
        try:
            document = load_yaml(read_text(path), core_schema=True).data
        except UnicodeDecodeError as exc:
            self.problems.append(Problem(at, f"{path} {decode_problem(exc)}"))
            document = None
        except OSError as exc:
            self.problems.append(
                Problem(at, f"{path}: cannot read: {exc.strerror}; the path is relative to the template")
            )
            document = None
        except YamlInputError as exc:
            self.problems.append(Problem(at, f"{path}{exc.at()}: not valid YAML: {exc}"))
            document = None
        if document is not None:
            document = interpolate(document, self.values, self.seen, self._interpolation_problem(at, path))
        services = document.get("services") if isinstance(document, Mapping) else None
        self.files[path] = document if isinstance(document, Mapping) and isinstance(services, Mapping) else None
        if document is not None and self.files[path] is None:
            self.problems.append(Problem(at, f"{path} has no `services` mapping"))
        return self.files[path]

    def include(self, document: Mapping[str, Any], base: Path, depth: int = 0) -> dict[str, Any]:
        """A document with the services, volumes and networks of the files it includes added, each
        included file's relative paths resolved against its own folder; its own services win."""
        entries = document.get("include")
        merged = {k: v for k, v in document.items() if k != "include"}
        if entries is None:
            return merged
        if not isinstance(entries, list) or depth > 10:
            self.problems.append(Problem(("include",), "expected a list of files (at most 10 levels deep)"))
            return merged
        for index, entry in enumerate(entries):
            paths = entry.get("path") if isinstance(entry, Mapping) else entry
            for path in paths if isinstance(paths, list) else [paths]:
                if not isinstance(path, str):
                    self.problems.append(Problem(("include", index), "expected a path or {path: PATH}"))
                    continue
                file = Path(host_path(path, base, self.home))
                included = self.document(file, ("include", index))
                if included is None:
                    continue
                included = self.include(included, file.parent, depth + 1)
                services = {
                    str(name): self.resolve(str(name), included["services"], file.parent, ())
                    for name in included["services"]
                }
                self._add(merged, "services", services, ("include", index), file)
                for key in ("volumes", "networks"):
                    if isinstance(included.get(key), Mapping):
                        self._add(merged, key, dict(included[key]), ("include", index), file, clash_ok=True)
        return merged

    def _add(
        self,
        merged: dict[str, Any],
        key: str,
        items: Mapping[str, Any],
        at: KeyPath,
        file: Path,
        clash_ok: bool = False,
    ) -> None:
        current = merged.get(key)
        current = dict(current) if isinstance(current, Mapping) else {}
        for name, item in items.items():
            if name in current and not clash_ok:
                self.problems.append(Problem(at, f"{file} defines {key} {name!r} again; rename one of them"))
                continue
            current.setdefault(name, item)
        merged[key] = current

    def _interpolation_problem(self, at: KeyPath, path: Path) -> Callable[[KeyPath, InterpolationError], None]:
        def record(where: KeyPath, exc: InterpolationError) -> None:
            self.problems.append(Problem(at, f"{path}: {'.'.join(map(str, where))}: {exc}"))

        return record

    def resolve(self, name: str, services: Mapping[str, Any], base: Path, chain: tuple[tuple[Path, str], ...]) -> Any:
        """A service with its `extends` chain merged and its relative paths made absolute."""
        service = services.get(name)
        at: KeyPath = ("services", chain[0][1], "extends") if chain else ("services", name)
        if not isinstance(service, Mapping):
            return service
        service = absolute_paths(service, base, self.home)
        extends = service.get("extends")
        if extends is None:
            return service
        if isinstance(extends, str):
            extends = {"service": extends}
        own = {k: v for k, v in service.items() if k not in NOT_INHERITED}
        where: KeyPath = (*at, "extends") if not chain else at
        if not isinstance(extends, Mapping) or not isinstance(extends.get("service"), str):
            self.problems.append(Problem(where, "expected a service name or {service: NAME, file: PATH}"))
            return own
        target, other_file = extends["service"], extends.get("file")
        target_base, target_services = base, services
        if isinstance(other_file, str):
            target_path = Path(host_path(other_file, base, self.home))
            loaded = self.file(target_path, where)
            if loaded is None:
                return own
            target_base, target_services = target_path.parent, loaded
        link = (target_base, target)
        if link in chain or (not chain and link == (base, name)):
            cycle = " -> ".join([*(n for _, n in chain), name, target])
            self.problems.append(Problem(where, f"extends forms a cycle: {cycle}"))
            return own
        if target not in target_services:
            known = ", ".join(map(str, target_services))
            self.problems.append(Problem(where, f"extends names unknown service {target!r} (services: {known})"))
            return own
        parent = self.resolve(target, target_services, target_base, (*chain, (base, name)))
        if not isinstance(parent, Mapping):
            return own
        parent = {k: v for k, v in parent.items() if k not in NOT_INHERITED}
        return merge_service(parent, own)


def load_compose(data: Any, template_dir: Path, values: Mapping[str, str], home: str | None = None) -> Loaded:
    """Interpolate a parsed compose document and merge every service's `extends`."""
    seen = Substitution()
    problems: list[Problem] = []

    def record(path: KeyPath, exc: InterpolationError) -> None:
        problems.append(Problem(path, str(exc)))

    document = interpolate(data, values, seen, record)
    if not isinstance(document, Mapping) or not isinstance(document.get("services"), Mapping):
        return Loaded(document, seen.unset, problems, seen.used, seen.unset_at)
    loader = _Loader(values, seen, problems, home)
    services = document["services"]
    resolved = {str(name): loader.resolve(str(name), services, template_dir, ()) for name in services}
    included = loader.include({**document, "services": resolved}, template_dir)
    return Loaded(included, seen.unset, problems, seen.used, seen.unset_at)
