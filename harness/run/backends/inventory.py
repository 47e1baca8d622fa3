"""What exactly was tested: each image as the engine knows it, and the host it ran on.

Collected once at the start of a run and stored in run.json, because a tag can be rebuilt or
re-pulled the next day and a driver upgraded; the report needs what was true during the run.
"""

from __future__ import annotations

import contextlib
import os
import platform
import re
import shutil
import subprocess
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import docker
import docker.errors
from pydantic import BaseModel, Field

OCI_LABEL_PREFIX = "org.opencontainers.image."
GPU_TOOLS: tuple[tuple[str, ...], ...] = (
    ("xpu-smi", "discovery"),
    ("clinfo", "-l"),
    ("nvidia-smi", "-L"),
    ("rocm-smi", "--showproductname"),
    ("lspci",),
)
GPU_PCI_CLASSES = ("VGA compatible controller", "3D controller", "Display controller", "Processing accelerators")
TOOL_OUTPUT_LINES = 40


class ImageFacts(BaseModel):
    """One image reference as the engine reported it when the run started."""

    ref: str
    id: str
    repo_digests: list[str] = Field(default_factory=list)
    created: str | None = None
    platform: str | None = None
    size_bytes: int | None = None
    labels: dict[str, str] = Field(default_factory=dict, description="org.opencontainers.image.* and chosen labels")


class HostFacts(BaseModel):
    """The machine and engine a run used; GPU lines come from whichever vendor tools are installed."""

    os: str | None = None
    kernel: str | None = None
    cpu: str | None = None
    cpus: int | None = None
    memory_gib: float | None = None
    engine_version: str | None = None
    engine_api_version: str | None = None
    engine_os: str | None = None
    engine_kernel: str | None = None
    engine_remote: bool = False
    gpu_device_nodes: list[str] = Field(default_factory=list)
    gpu_drivers: dict[str, str] = Field(
        default_factory=dict, description="kernel driver -> the version it reports (NVIDIA's, amdgpu's, ...)"
    )
    gpu_tools: dict[str, list[str]] = Field(default_factory=dict, description="command -> its output lines")


def image_facts(client: docker.DockerClient, refs: Iterable[str], extra_labels: Sequence[str] = ()) -> list[ImageFacts]:
    """Facts of each reference that exists locally; missing ones are left out (their cells report it)."""
    facts = []
    for ref in sorted(set(refs)):
        try:
            image = client.images.get(ref)
        except docker.errors.ImageNotFound:
            continue
        attrs: dict[str, Any] = image.attrs
        labels = image.labels or {}
        chosen = {k: v for k, v in labels.items() if k.startswith(OCI_LABEL_PREFIX) or k in extra_labels}
        arch, system = attrs.get("Architecture"), attrs.get("Os")
        facts.append(
            ImageFacts(
                ref=ref,
                id=str(image.id),
                repo_digests=list(attrs.get("RepoDigests") or []),
                created=attrs.get("Created"),
                platform=f"{system}/{arch}" if arch and system else None,
                size_bytes=attrs.get("Size"),
                labels=dict(sorted(chosen.items())),
            )
        )
    return facts


CommandRunner = Callable[[Sequence[str]], str | None]


def run_tool(command: Sequence[str]) -> str | None:
    """A tool's stdout, or None when it is not installed, fails or hangs."""
    if shutil.which(command[0]) is None:
        return None
    try:
        done = subprocess.run(list(command), capture_output=True, text=True, timeout=15, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout if done.returncode == 0 else None


def gpu_tool_lines(command: Sequence[str], output: str) -> list[str]:
    """The useful lines of a tool's output: lspci only lists display and accelerator devices."""
    lines = [line.rstrip() for line in output.splitlines() if line.strip()]
    if command[0] == "lspci":
        lines = [line for line in lines if any(kind in line for kind in GPU_PCI_CLASSES)]
    return lines[:TOOL_OUTPUT_LINES]


def _os_release(root: Path) -> str | None:
    try:
        text = (root / "etc/os-release").read_text(encoding="utf-8")
    except OSError:
        return None
    for line in text.splitlines():
        if line.startswith("PRETTY_NAME="):
            return line.split("=", 1)[1].strip().strip('"')
    return None


def _proc_value(path: Path, key: str) -> str | None:
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return None
    for line in lines:
        name, _, value = line.partition(":")
        if name.strip() == key:
            return value.strip()
    return None


def local_facts(root: Path = Path("/"), run: CommandRunner = run_tool) -> HostFacts:
    """This machine: OS, kernel, CPU, memory, the GPU device nodes of every vendor (/dev/dri,
    /dev/nvidia*, /dev/kfd), the kernel drivers' versions and what GPU tools report."""
    memory_kib = _proc_value(root / "proc/meminfo", "MemTotal")
    dev = root / "dev"
    dri = dev / "dri"
    nodes = [f"/dev/dri/{p.name}" for p in sorted(dri.iterdir())] if dri.is_dir() else []
    if dev.is_dir():
        nodes += [f"/dev/{p.name}" for p in sorted(dev.iterdir()) if p.name.startswith("nvidia") or p.name == "kfd"]
    tools: dict[str, list[str]] = {}
    for command in GPU_TOOLS:
        output = run(command)
        if output is not None:
            lines = gpu_tool_lines(command, output)
            if lines:
                tools[" ".join(command)] = lines
    return HostFacts(
        os=_os_release(root),
        kernel=platform.release(),
        cpu=_proc_value(root / "proc/cpuinfo", "model name"),
        cpus=os.cpu_count(),
        memory_gib=round(int(memory_kib.split()[0]) / 2**20, 1) if memory_kib else None,
        gpu_device_nodes=nodes,
        gpu_drivers=_driver_versions(root),
        gpu_tools=tools,
    )


def _driver_versions(root: Path) -> dict[str, str]:
    """NVIDIA's /proc/driver/nvidia/version first line, and the version a loaded module reports."""
    versions: dict[str, str] = {}
    with contextlib.suppress(OSError, IndexError):
        first = (root / "proc/driver/nvidia/version").read_text(errors="replace").splitlines()[0]
        found = re.search(r"Kernel Module\s+(?:for \S+\s+)?([\d.]+)", first)
        versions["nvidia"] = found.group(1) if found else first.strip()
    for module in ("amdgpu", "i915", "xe", "habanalabs"):
        with contextlib.suppress(OSError):
            versions[module] = (root / "sys/module" / module / "version").read_text().strip()
        if module not in versions and (root / "sys/module" / module).is_dir():
            versions[module] = "loaded"
    return versions


def host_facts(client: docker.DockerClient) -> HostFacts:
    """Local facts plus what the engine says about itself (it may run elsewhere when DOCKER_HOST is set)."""
    facts = local_facts()
    try:
        version: dict[str, Any] = client.version()
        info: dict[str, Any] = client.info()
    except docker.errors.DockerException:
        return facts
    return facts.model_copy(
        update={
            "engine_version": version.get("Version"),
            "engine_api_version": version.get("ApiVersion"),
            "engine_os": info.get("OperatingSystem"),
            "engine_kernel": info.get("KernelVersion"),
            "engine_remote": "DOCKER_HOST" in os.environ
            and not os.environ["DOCKER_HOST"].startswith(("unix://", "npipe://")),
        }
    )


DEVICE_LISTINGS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("nvidia-smi", "-L"), r"^GPU (\d+):"),
    # Level Zero's own order (what ZE_AFFINITY_MASK counts), integrated GPUs included; older oneAPI
    # printed `[ext_oneapi_level_zero:gpu:0]`, newer `[level_zero:gpu][level_zero:0]`
    (("sycl-ls",), r"^\[(?:ext_oneapi_)?level_zero:gpu(?:\]\[level_zero)?:(\d+)\]"),
    (("rocm-smi", "--showid"), r"^GPU\[(\d+)\]"),
)
"""Tools that list a host's GPUs, each with the line that names one (its index as the runtime counts)."""


def parse_devices(output: str, pattern: str) -> list[str]:
    found = (re.match(pattern, line.strip()) for line in output.splitlines())
    return list(dict.fromkeys(match.group(1) for match in found if match))


def discover_devices(run: CommandRunner = run_tool) -> list[str]:
    """This host's GPUs, from the first tool that lists any (`resources.devices: auto`)."""
    for command, pattern in DEVICE_LISTINGS:
        output = run(command)
        devices = parse_devices(output, pattern) if output else []
        if devices:
            return devices
    return []
