"""What changed between two images, pure: their configuration (environment, entrypoint, command,
user, working dir, labels), their layers, and the versions of what is installed inside (Debian
packages, Python distributions, conda packages, the GPU stack's own version markers), compared and
written GPU stack first, as maintainers read it."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from email.parser import HeaderParser
from typing import Any

from pydantic import BaseModel, Field

from harness.report.formats import Formats

GPU_STACK = re.compile(
    r"(?i)cuda|cudnn|cublas|cufft|cusparse|cusolver|curand|nccl|nvidia|tensorrt|triton|rocm|hip|miopen|rccl|amdgpu"
    r"|level.?zero|libze|ze[-_]loader|intel-opencl|opencl-icd|compute-runtime|intel-igc|libigc|libigdgmm|oneccl|ccl"
    r"|oneapi|dpcpp|sycl|mkl|dnnl|onednn|ipex|intel[-_]extension|xpu|habana|torch|vllm|sglang|xformers|flash[-_]attn"
    r"|mesa-vulkan|vulkan|libdrm|xe-|i915|gdrcopy|ucx|libfabric|openmpi|mpich|impi"
)
"""Names of the components a GPU serving stack rests on: drivers' user-space parts, runtimes,
collective libraries and the frameworks built on them."""


class ImageContents(BaseModel):
    """What one image holds, as read without starting it."""

    ref: str
    id: str
    env: dict[str, str] = Field(default_factory=dict)
    entrypoint: list[str] = Field(default_factory=list)
    cmd: list[str] = Field(default_factory=list)
    workdir: str = ""
    user: str = ""
    labels: dict[str, str] = Field(default_factory=dict)
    layers: list[str] = Field(default_factory=list)
    """Layer digests (the rootfs diff ids), bottom first."""
    history: list[dict[str, Any]] = Field(default_factory=list)
    """`created_by` and size of each history step, bottom first."""
    debian: dict[str, str] = Field(default_factory=dict)
    python: dict[str, str] = Field(default_factory=dict)
    conda: dict[str, str] = Field(default_factory=dict)
    markers: dict[str, str] = Field(default_factory=dict)
    """GPU-stack version markers found in files (CUDA's version file, ROCm's, oneAPI components)."""
    unread: list[str] = Field(default_factory=list)
    """What could not be read, and why."""


def parse_dpkg_status(text: str) -> dict[str, str]:
    """Installed packages of a dpkg status file: name (with :arch when not the native one) -> version."""
    packages: dict[str, str] = {}
    for stanza in text.split("\n\n"):
        fields = HeaderParser().parsestr(stanza)
        name, version, status = fields.get("Package"), fields.get("Version"), fields.get("Status", "")
        if name and version and status.endswith("installed") and "not-installed" not in status:
            arch = fields.get("Architecture", "")
            packages[name if arch in ("", "all", "amd64", "arm64") else f"{name}:{arch}"] = version.strip()
    return packages


def parse_python_metadata(text: str) -> tuple[str, str] | None:
    """(name, version) of a dist-info METADATA or egg-info PKG-INFO file."""
    fields = HeaderParser().parsestr(text)
    name, version = fields.get("Name"), fields.get("Version")
    return (canonical(name), version.strip()) if name and version else None


def canonical(name: str) -> str:
    """PEP 503 normalised name, so `Intel_Extension_For_Pytorch` and `intel-extension-for-pytorch` meet."""
    return re.sub(r"[-_.]+", "-", name).lower().strip()


def parse_conda_meta(text: str) -> tuple[str, str] | None:
    try:
        data = json.loads(text)
    except ValueError:
        return None
    name, version = data.get("name"), data.get("version")
    return (str(name), str(version)) if name and version else None


@dataclass(frozen=True)
class Change:
    name: str
    before: str | None
    after: str | None

    @property
    def kind(self) -> str:
        if self.before is None:
            return "added"
        if self.after is None:
            return "removed"
        return "changed"


def changes(before: Mapping[str, str], after: Mapping[str, str]) -> list[Change]:
    names = sorted({*before, *after}, key=str.lower)
    return [Change(n, before.get(n), after.get(n)) for n in names if before.get(n) != after.get(n)]


@dataclass
class ImageDiff:
    before: ImageContents
    after: ImageContents
    gpu_stack: list[Change] = field(default_factory=list)
    python: list[Change] = field(default_factory=list)
    debian: list[Change] = field(default_factory=list)
    conda: list[Change] = field(default_factory=list)
    env: list[Change] = field(default_factory=list)
    config: list[Change] = field(default_factory=list)
    labels: list[Change] = field(default_factory=list)
    shared_layers: int = 0
    new_layers: list[dict[str, Any]] = field(default_factory=list)

    @property
    def same(self) -> bool:
        return self.before.id == self.after.id


def diff_images(before: ImageContents, after: ImageContents) -> ImageDiff:
    """Every difference, with the GPU stack's components (from any source) gathered first."""
    result = ImageDiff(before, after)
    sources = {
        "debian": (before.debian, after.debian),
        "python": (before.python, after.python),
        "conda": (before.conda, after.conda),
    }
    for kind, (old, new) in sources.items():
        found = changes(old, new)
        gpu = [c for c in found if GPU_STACK.search(c.name)]
        result.gpu_stack += [Change(f"{c.name} ({kind})", c.before, c.after) for c in gpu]
        setattr(result, kind, [c for c in found if c not in gpu])
    result.gpu_stack = changes(before.markers, after.markers) + result.gpu_stack
    result.env = changes(before.env, after.env)
    result.labels = changes(before.labels, after.labels)
    config_before = {"entrypoint": json.dumps(before.entrypoint), "cmd": json.dumps(before.cmd)}
    config_before |= {"workdir": before.workdir, "user": before.user}
    config_after = {"entrypoint": json.dumps(after.entrypoint), "cmd": json.dumps(after.cmd)}
    config_after |= {"workdir": after.workdir, "user": after.user}
    result.config = changes(config_before, config_after)
    shared = 0
    for layer_before, layer_after in zip(before.layers, after.layers, strict=False):
        if layer_before != layer_after:
            break
        shared += 1
    result.shared_layers = shared
    built = [step for step in after.history if not step.get("empty_layer")]
    result.new_layers = built[shared:] if len(built) == len(after.layers) else []
    return result


def _version(value: str | None) -> str:
    return "-" if value is None else f"`{value}`"


def _table(title: str, found: Iterable[Change], what: str = "component") -> list[str]:
    rows = list(found)
    if not rows:
        return []
    lines = [f"#### {title} ({len(rows)})", "", f"| {what} | before | after |", "|---|---|---|"]
    lines += [f"| {c.name} | {_version(c.before)} | {_version(c.after)} |" for c in rows]
    return [*lines, ""]


def _size(size: Any) -> str:
    return f"{int(size) / 1e6:.1f} MB" if isinstance(size, int | float) else "-"


def diff_markdown(diff: ImageDiff) -> str:
    before, after = diff.before, diff.after
    lines = [f"### What changed between `{before.ref}` and `{after.ref}`", ""]
    if diff.same:
        return "\n".join([*lines, f"Both are image `{before.id[:19]}`: nothing changed.", ""])
    lines += [f"`{before.id[:19]}` -> `{after.id[:19]}`", ""]
    lines += _table("GPU stack", diff.gpu_stack)
    lines += _table("Python packages", diff.python, "package")
    lines += _table("Debian packages", diff.debian, "package")
    lines += _table("Conda packages", diff.conda, "package")
    lines += _table("Environment", diff.env, "variable")
    lines += _table("Entrypoint, command, user, working dir", diff.config, "setting")
    lines += _table("Labels", diff.labels, "label")
    lines += [f"#### Layers: {diff.shared_layers} shared, {len(after.layers) - diff.shared_layers} new", ""]
    if diff.new_layers:
        lines += ["| created by | size |", "|---|---|"]
        for step in diff.new_layers:
            created = str(step.get("created_by", "")).replace("|", "\\|").replace("\n", " ")
            lines.append(f"| `{created[:160]}` | {_size(step.get('size'))} |")
        lines.append("")
    unread = [f"`{before.ref}`: {u}" for u in before.unread] + [f"`{after.ref}`: {u}" for u in after.unread]
    if unread:
        lines += ["Not read: " + "; ".join(unread), ""]
    return "\n".join(lines)


def diff_json(diff: ImageDiff) -> str:
    def listed(found: list[Change]) -> list[dict[str, str | None]]:
        return [{"name": c.name, "before": c.before, "after": c.after, "kind": c.kind} for c in found]

    return json.dumps(
        {
            "before": {"ref": diff.before.ref, "id": diff.before.id},
            "after": {"ref": diff.after.ref, "id": diff.after.id},
            "gpu_stack": listed(diff.gpu_stack),
            "python": listed(diff.python),
            "debian": listed(diff.debian),
            "conda": listed(diff.conda),
            "env": listed(diff.env),
            "config": listed(diff.config),
            "labels": listed(diff.labels),
            "shared_layers": diff.shared_layers,
            "new_layers": diff.new_layers,
        },
        indent=2,
    )


FORMATS: Formats[ImageDiff] = Formats({"md": diff_markdown, "json": diff_json})
