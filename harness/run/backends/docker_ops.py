"""Everything that talks to the Docker engine: connect, start a cell's services, pump a log, clean up.

Every container and network carries labels with the run id and cell id, so a cell can always be
removed by label, even when the SDK call that created it did not return.
"""

from __future__ import annotations

import os
import queue
import signal
import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import docker
import docker.errors
import requests.exceptions
from docker.utils import parse_repository_tag

from harness.compose import ServicePlan, VolumeSpec
from harness.errors import DockerUnavailableError, HarnessError
from harness.judge.logstream import CappedLog, LineSplitter
from harness.store.masking import Masker, StreamMasker

LABEL_OWNER = "io.image-bisect"
LABEL_RUN = "io.image-bisect.run"
LABEL_CELL = "io.image-bisect.cell"
LABEL_SERVICE = "io.image-bisect.service"
LABEL_PID = "io.image-bisect.pid"
LABEL_PID_START = "io.image-bisect.pid-start"
LABEL_HOST = "io.image-bisect.host"
LABEL_VOLUME = "io.image-bisect.volume"
"""On named volumes the harness created: the matrix they belong to (they outlive runs)."""

ENGINE_ERRORS = (docker.errors.DockerException, requests.exceptions.RequestException)
END_OF_LOG = None


def connect() -> docker.DockerClient:
    """A client that has answered a ping, or DockerUnavailableError with what to do."""
    try:
        client = docker.from_env(timeout=120)
        client.ping()
    except ENGINE_ERRORS as exc:
        host = os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock")
        raise DockerUnavailableError(
            f"cannot reach the Docker engine at {host} ({type(exc).__name__}); start dockerd or set DOCKER_HOST"
        ) from None
    return client


def process_labels() -> dict[str, str]:
    """Who owns what a run creates: this host, this process and when it started (pids get reused)."""
    return {
        LABEL_PID: str(os.getpid()),
        LABEL_PID_START: process_start(os.getpid()) or "",
        LABEL_HOST: socket.gethostname(),
    }


def owner_labels(run_id: str, cell_id: str) -> dict[str, str]:
    return {LABEL_OWNER: "1", LABEL_RUN: run_id, LABEL_CELL: cell_id, **process_labels()}


def process_start(pid: int) -> str | None:
    """When a process started (clock ticks since boot), so a reused pid is not taken for the owner."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[1].split()[19]


def owner_alive(labels: Mapping[str, str]) -> bool:
    """Whether the bisect process that labelled a container or network still runs (on another host: assume so)."""
    if labels.get(LABEL_HOST) != socket.gethostname():
        return True
    try:
        pid = int(labels.get(LABEL_PID, ""))
    except ValueError:
        return False
    if Path("/proc").is_dir():
        started = process_start(pid)
        return started is not None and labels.get(LABEL_PID_START) in ("", None, started)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # it exists, under another user
    return True


def remove_orphans(client: docker.DockerClient) -> list[str]:
    """Remove what runs whose process is gone (killed, crashed, host rebooted) left behind on this host."""
    dead: set[str] = set()
    owned = [
        *client.containers.list(all=True, filters={"label": LABEL_OWNER}),
        *client.networks.list(filters={"label": LABEL_OWNER}),
    ]
    for item in owned:
        labels = item.attrs.get("Labels") or (item.attrs.get("Config") or {}).get("Labels") or {}
        run = labels.get(LABEL_RUN)
        if run and not owner_alive(labels):
            dead.add(run)
    removed: list[str] = []
    for run in sorted(dead):
        removed += remove_labelled(client, {LABEL_OWNER: "1", LABEL_RUN: run})
    return removed


def local_image_ids(client: docker.DockerClient, images: list[str]) -> dict[str, str | None]:
    """The id of each image reference as present on the engine now, or None when it is missing."""
    ids: dict[str, str | None] = {}
    for image in images:
        try:
            ids[image] = str(client.images.get(image).id)
        except docker.errors.ImageNotFound:
            ids[image] = None
    return ids


def create_network(client: docker.DockerClient, name: str, labels: Mapping[str, str]) -> Any:
    return client.networks.create(name, driver="bridge", labels=dict(labels))


def start_service(
    client: docker.DockerClient, plan: ServicePlan, network: Any | None, labels: Mapping[str, str]
) -> Any:
    """Create one service's container on the cell network (reachable by its service name and every
    alias), join its external networks, then start it."""
    kwargs = dict(plan.kwargs)
    kwargs["labels"] = {**kwargs.get("labels", {}), **labels, LABEL_SERVICE: plan.name}
    aliases = [plan.name, *plan.aliases]
    if plan.own_network and network is not None:
        kwargs.pop("network_mode", None)
        kwargs["network"] = network.name
        kwargs["networking_config"] = {network.name: client.api.create_endpoint_config(aliases=aliases)}
    container = client.containers.create(name=plan.container_name, **kwargs)
    if plan.own_network:
        for name in plan.external_networks:
            client.networks.get(name).connect(container, aliases=aliases)
    container.start()
    return container


class MissingResourceError(HarnessError):
    """An `external: true` volume or network the compose file needs is not on the engine."""


def ensure_volumes(client: docker.DockerClient, volumes: list[VolumeSpec], matrix_name: str) -> list[str]:
    """Check external volumes exist and create the harness's own once (kept across cells and runs,
    so a model cache downloads once); returns the names created."""
    created: list[str] = []
    for volume in volumes:
        try:
            client.volumes.get(volume.name)
            continue
        except docker.errors.NotFound:
            pass
        if volume.external:
            raise MissingResourceError(
                f"external volume {volume.name!r} not found; create it (docker volume create {volume.name}) "
                "or drop `external: true` to let the harness create it"
            )
        client.volumes.create(
            name=volume.name,
            driver=volume.driver or "local",
            driver_opts=dict(volume.driver_opts),
            labels={LABEL_VOLUME: matrix_name},
        )
        created.append(volume.name)
    return created


def check_networks(client: docker.DockerClient, names: list[str]) -> None:
    """Every `external: true` network must exist before the first launch."""
    for name in names:
        try:
            client.networks.get(name)
        except docker.errors.NotFound:
            raise MissingResourceError(
                f"network {name!r} is declared external but does not exist; create it (docker network create {name})"
            ) from None


def remove_volumes(client: docker.DockerClient, matrix_name: str | None = None) -> tuple[list[str], list[str]]:
    """Remove the named volumes the harness created (of one matrix, or all); returns removed and in use."""
    value = f"{LABEL_VOLUME}={matrix_name}" if matrix_name else LABEL_VOLUME
    removed: list[str] = []
    busy: list[str] = []
    for volume in client.volumes.list(filters={"label": value}):
        try:
            volume.remove()
            removed.append(str(volume.name))
        except docker.errors.APIError:
            busy.append(str(volume.name))
    return removed, busy


def wait_for_condition(container: Any, condition: str, deadline: float) -> str | None:
    """Block until a depends_on condition holds; returns why it cannot, or None."""
    if condition == "service_started":
        return None
    while time.monotonic() < deadline:
        container.reload()
        state = container.attrs.get("State", {})
        if condition == "service_healthy":
            health = (state.get("Health") or {}).get("Status")
            if health is None:
                return f"{container.name} has no healthcheck, so condition service_healthy cannot hold"
            if health == "healthy":
                return None
            if not state.get("Running"):
                return f"{container.name} exited before becoming healthy (exit code {state.get('ExitCode')})"
        elif condition == "service_completed_successfully" and not state.get("Running"):
            code = state.get("ExitCode")
            return None if code == 0 else f"{container.name} exited with code {code}"
        time.sleep(0.5)
    return f"{container.name}: {condition} did not hold before the cell timeout"


class LogPump:
    """Streams a container's log, secrets masked, to a (size-capped) file as it arrives and hands its
    lines to a bounded queue: memory stays flat whatever the container prints."""

    def __init__(self, container: Any, path: Path, masker: Masker, limit: int | None = None) -> None:
        self.lines: queue.Queue[str | None] = queue.Queue(maxsize=1_000)
        self._container = container
        self._masker = StreamMasker(masker)
        self._splitter = LineSplitter()
        self.log = CappedLog(path, limit)
        self.broken: str | None = None
        """Why the stream ended abruptly (engine gone, container removed), or None for a clean end."""
        self._closed = threading.Event()
        self._thread = threading.Thread(target=self._pump, name=f"log-{container.name}", daemon=True)
        self._writing = threading.Lock()
        self._line_open = False

    def start(self) -> LogPump:
        self._thread.start()
        return self

    def close(self, timeout: float = 10.0) -> None:
        """Stop handing out lines (the file still gets everything) and wait for the stream to end."""
        self._closed.set()
        self._thread.join(timeout)

    def _hand_out(self, line: str | None) -> None:
        while not self._closed.is_set():
            try:
                self.lines.put(line, timeout=0.2)
                return
            except queue.Full:
                continue

    def _take(self, masked: bytes) -> None:
        with self._writing:
            self.log.write(masked)
            if masked:
                self._line_open = not masked.endswith(b"\n")
        for line in self._splitter.feed(masked):
            self._hand_out(line)

    def mark(self, text: str) -> None:
        """A line of the harness's own in the stored log (never handed to the judge), on a line of its own."""
        with self._writing:
            self.log.write((b"\n" if self._line_open else b"") + text.encode() + b"\n")
            self._line_open = False

    def _pump(self) -> None:
        try:
            for chunk in self._container.logs(stream=True, follow=True, stdout=True, stderr=True):
                self._take(self._masker.feed(chunk))
            self._take(self._masker.flush())
            for line in self._splitter.flush():
                self._hand_out(line)
        except Exception as exc:  # the file keeps what arrived; the watcher decides what the break means
            self.broken = f"{type(exc).__name__}: {exc}"
        finally:
            self.log.close()
            self._hand_out(END_OF_LOG)


def probe_url(container: Any, port: int, path: str, host_network: bool) -> str | None:
    """The loopback URL that reaches a container port, via its published host port."""
    if host_network:
        return f"http://127.0.0.1:{port}{path}"
    container.reload()
    bindings = (container.attrs.get("NetworkSettings", {}).get("Ports") or {}).get(f"{port}/tcp") or []
    for binding in bindings:
        host_ip = binding.get("HostIp") or "0.0.0.0"
        if host_ip in ("0.0.0.0", "::", ""):
            host_ip = "127.0.0.1"
        if ":" not in host_ip and binding.get("HostPort"):
            return f"http://{host_ip}:{binding['HostPort']}{path}"
    return None


def http_answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1.0) as response:
            return 200 <= int(response.status) < 300
    except (urllib.error.URLError, OSError, ValueError):
        return False


def pull(client: docker.DockerClient, ref: str, say: Callable[[str], None]) -> str | None:
    """Pull one image reference, telling each finished layer and the digest; returns why it failed, or None."""
    repository, tag = parse_repository_tag(ref)
    try:
        for event in client.api.pull(repository, tag=tag or "latest", stream=True, decode=True):
            if "error" in event:
                return str(event["error"])
            status = str(event.get("status", ""))
            if status in ("Pull complete", "Already exists") or status.startswith(("Digest:", "Status:")):
                layer = f" {event['id']}" if event.get("id") and not status.startswith(("Digest", "Status")) else ""
                say(f"{ref}:{layer} {status}")
    except ENGINE_ERRORS as exc:
        return str(getattr(exc, "explanation", None) or exc)
    return None


def engine_answers(client: docker.DockerClient) -> bool:
    try:
        return bool(client.ping())
    except ENGINE_ERRORS:
        return False


def engine_stops_answering(client: docker.DockerClient, within: float, interval: float = 0.25) -> bool:
    """Whether the engine stops answering in the next `within` seconds (it is shutting down)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if not engine_answers(client):
            return True
        time.sleep(interval)
    return False


def oom_killed(container: Any) -> bool:
    with suppress(*ENGINE_ERRORS):
        container.reload()
        return bool(container.attrs.get("State", {}).get("OOMKilled"))
    return False


def wait_for_engine(client: docker.DockerClient, seconds: float, interval: float = 1.0) -> bool:
    """Ping until the engine answers or `seconds` pass; True when it is back."""
    deadline = time.monotonic() + seconds
    while True:
        if engine_answers(client):
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(min(interval, max(0.0, deadline - time.monotonic())))


def container_logs(container: Any) -> bytes:
    with suppress(*ENGINE_ERRORS):
        return bytes(container.logs(stdout=True, stderr=True))
    return b""


def exit_code(container: Any) -> int | None:
    with suppress(*ENGINE_ERRORS):
        return int(container.wait(timeout=10)["StatusCode"])
    return None


def remove_labelled(client: docker.DockerClient, filters: Mapping[str, str], stop_timeout: float = 10.0) -> list[str]:
    """Stop and remove every container, then every network, whose labels match; returns their names."""
    label_filter = [f"{key}={value}" for key, value in filters.items()]
    removed: list[str] = []
    for container in client.containers.list(all=True, filters={"label": label_filter}):
        with suppress(docker.errors.NotFound):
            if container.status == "running":
                container.stop(timeout=int(stop_timeout))
            container.remove(force=True, v=True)
            removed.append(str(container.name))
    for network in client.networks.list(filters={"label": label_filter}):
        with suppress(docker.errors.NotFound):
            network.remove()
            removed.append(str(network.name))
    return removed


@contextmanager
def deferred_interrupts() -> Iterator[None]:
    """Hold Ctrl-C/SIGTERM while cleaning up, so a second Ctrl-C cannot strand a GPU container."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received: list[int] = []
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    for sig in previous:
        signal.signal(sig, lambda signum, frame: received.append(signum))
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if received:
            raise KeyboardInterrupt
