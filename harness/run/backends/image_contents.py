"""Read what an image holds without starting it: its configuration from the engine, and the files
that name installed versions streamed out of a container that is created but never run. The tar
streams are read member by member and only small metadata files are kept, so memory stays flat even
for a 20 GB image; the result is cached per image id."""

from __future__ import annotations

import contextlib
import io
import posixpath
import re
import tarfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import docker

from harness.errors import UsageError
from harness.report.diff import ImageContents, parse_conda_meta, parse_dpkg_status, parse_python_metadata
from harness.run.backends import docker_ops
from harness.store.results import write_atomic

TREES = ("/usr/lib", "/usr/local", "/opt")
"""Where Python distributions, conda environments and GPU stacks live."""
DPKG_STATUS = "/var/lib/dpkg/status"
MAX_METADATA = 4 * 1024 * 1024
PYTHON_METADATA = re.compile(r"/(?:site|dist)-packages/[^/]+\.(?:dist-info/METADATA|egg-info/PKG-INFO)$")
CONDA_META = re.compile(r"/conda-meta/[^/]+\.json$")
MARKER_FILES = {
    re.compile(r"^/usr/local/cuda[^/]*/version\.(?:json|txt)$"): "cuda",
    re.compile(r"^/opt/rocm[^/]*/\.info/version$"): "rocm",
}
ONEAPI_LATEST = re.compile(r"^/opt/intel/oneapi/([^/]+)/latest$")
"""oneAPI components (ccl, compiler, mkl, dnnl, ...) point `latest` at their version folder."""
EMPTY_LAYER = re.compile(
    r"^(?:/bin/sh -c #\(nop\) )?\s*(?:ENV|LABEL|CMD|ENTRYPOINT|WORKDIR|USER|EXPOSE|ARG|VOLUME|STOPSIGNAL|HEALTHCHECK"
    r"|SHELL|MAINTAINER|ONBUILD)\b"
)


class _Chunks(io.RawIOBase):
    """A file over the engine's chunked archive stream, for tarfile's streaming mode."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks
        self._buffer = b""

    def readable(self) -> bool:
        return True

    def readinto(self, target: Any) -> int:
        while not self._buffer:
            try:
                self._buffer = next(self._chunks)
            except StopIteration:
                return 0
        size = min(len(target), len(self._buffer))
        target[:size] = self._buffer[:size]
        self._buffer = self._buffer[size:]
        return size


def read_contents(client: docker.DockerClient, ref: str, cache_dir: Path | None = None) -> ImageContents:
    try:
        image = client.images.get(ref)
    except docker.errors.ImageNotFound:
        raise UsageError(f"image {ref} is not present locally; pull it first") from None
    cached = cache_dir / f"{str(image.id).replace(':', '-')}.json" if cache_dir is not None else None
    if cached is not None and cached.exists():
        with contextlib.suppress(ValueError):
            return ImageContents.model_validate_json(cached.read_text()).model_copy(update={"ref": ref})
    contents = _configuration(image, ref)
    _read_files(client, image, contents)
    if cached is not None:
        write_atomic(cached, contents.model_dump_json(indent=1))
    return contents


def _configuration(image: Any, ref: str) -> ImageContents:
    config = image.attrs.get("Config") or {}
    env = dict(item.split("=", 1) if "=" in item else (item, "") for item in config.get("Env") or [])
    history = []
    for step in reversed(image.history()):
        created_by = str(step.get("CreatedBy", "")).strip()
        empty = EMPTY_LAYER.match(created_by) is not None and not step.get("Size")
        history.append({"created_by": created_by, "size": step.get("Size", 0), "empty_layer": empty})
    return ImageContents(
        ref=ref,
        id=str(image.id),
        env=env,
        entrypoint=list(config.get("Entrypoint") or []),
        cmd=list(config.get("Cmd") or []),
        workdir=config.get("WorkingDir") or "",
        user=config.get("User") or "",
        labels=dict(config.get("Labels") or {}),
        layers=list((image.attrs.get("RootFS") or {}).get("Layers") or []),
        history=history,
    )


def _read_files(client: docker.DockerClient, image: Any, contents: ImageContents) -> None:
    labels = docker_ops.owner_labels("image-read", str(image.id).removeprefix("sha256:")[:12])
    container = client.containers.create(image.id, entrypoint=["/image-bisect-never-runs"], command=[], labels=labels)
    try:
        for path in (DPKG_STATUS, *TREES):
            try:
                chunks, _ = container.get_archive(path)
            except docker.errors.NotFound:
                continue
            except docker.errors.APIError as exc:
                contents.unread.append(f"{path}: {exc.explanation or exc}")
                continue
            _scan(chunks, posixpath.dirname(path.rstrip("/")), contents)
    finally:
        with contextlib.suppress(*docker_ops.ENGINE_ERRORS):
            container.remove(force=True)


def _scan(chunks: Iterator[bytes], parent: str, contents: ImageContents) -> None:
    with tarfile.open(fileobj=io.BufferedReader(_Chunks(chunks), 1 << 20), mode="r|") as archive:
        for member in archive:
            path = posixpath.join(parent, member.name)
            if member.issym() or member.islnk():
                latest = ONEAPI_LATEST.match(path)
                if latest:
                    contents.markers[f"oneapi {latest.group(1)}"] = posixpath.basename(member.linkname.rstrip("/"))
                continue
            if not member.isfile() or member.size > MAX_METADATA:
                continue
            if path == DPKG_STATUS:
                contents.debian = parse_dpkg_status(_text(archive, member))
            elif PYTHON_METADATA.search(path):
                found = parse_python_metadata(_text(archive, member))
                if found:
                    contents.python[found[0]] = found[1]
            elif CONDA_META.search(path):
                found = parse_conda_meta(_text(archive, member))
                if found:
                    contents.conda[found[0]] = found[1]
            else:
                for pattern, name in MARKER_FILES.items():
                    if pattern.match(path):
                        contents.markers[name] = _marker_version(_text(archive, member))


def _text(archive: tarfile.TarFile, member: tarfile.TarInfo) -> str:
    handle = archive.extractfile(member)
    return handle.read().decode("utf-8", "replace") if handle is not None else ""


def _marker_version(text: str) -> str:
    """CUDA's version.json (`"cuda": {"version": ...}`), version.txt (`CUDA Version 12.4.1`) or ROCm's bare version."""
    found = re.search(r'"cuda"\s*:\s*\{[^}]*"version"\s*:\s*"([^"]+)"', text) or re.search(r"([\d][\w.\-]*)", text)
    return found.group(1) if found else text.strip()[:40]
