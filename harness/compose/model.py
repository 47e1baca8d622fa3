"""What a compose file becomes: service plans for the engine, and problems found on the way."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.safe_yaml import KeyPath, dotted

DEFAULT_STOP_SECONDS = 10.0


@dataclass(frozen=True)
class Problem:
    """One thing in a compose file the harness cannot run, at a key path of the document."""

    path: KeyPath
    message: str

    def dotted(self) -> str:
        return dotted(self.path)


class KeyProblem(Exception):
    """Raised by a handler for the key it translates; collected by the translator."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key
        self.message = message


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
    aliases: tuple[str, ...] = ()
    """Names other services reach it by on the cell network, besides its service name."""
    external_networks: tuple[str, ...] = ()
    """Networks outside the harness (compose `external: true`) it joins as well."""


@dataclass(frozen=True)
class VolumeSpec:
    """A named volume a cell mounts: the harness's own (created once, reused) or an external one."""

    name: str
    external: bool = False
    driver: str | None = None
    driver_opts: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ComposePlan:
    services: tuple[ServicePlan, ...]
    """In start order (depends_on respected)."""
    watched: str
    network_name: str
    volumes: tuple[VolumeSpec, ...] = ()
    external_networks: tuple[str, ...] = ()

    def service(self, name: str) -> ServicePlan:
        return next(s for s in self.services if s.name == name)


@dataclass(frozen=True)
class KeyContext:
    service: str
    compose_dir: Path
    host_env: Mapping[str, str]
    container_names: Mapping[str, str]
    volume_names: Mapping[str, str] = field(default_factory=dict)
    notes: list[tuple[str, str]] = field(default_factory=list)

    def fail(self, key: str, message: str) -> KeyProblem:
        return KeyProblem(key, message)

    def note(self, key: str, text: str) -> None:
        """Something translated differently from compose, said once per run."""
        self.notes.append((key, text))
