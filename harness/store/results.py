"""Where a run's files live and how they are written: atomically, with a schema version, and with
every secret masked by the run's masker (results, run.json and logs here; compose files by the runner).

results/<run-id>/run.json
results/<run-id>/cells/<cell-id>/{compose.yaml, <service>.log, result.json}
"""

from __future__ import annotations

import os
import re
import secrets
import tempfile
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, Field, ValidationError

from harness import __version__
from harness.errors import UsageError
from harness.matrix.spec import ReportSpec
from harness.outcomes import is_final
from harness.run.backends.inventory import HostFacts, ImageFacts
from harness.store.masking import Masker

ModelT = TypeVar("ModelT", bound=BaseModel)

SCHEMA_VERSION = 3
"""2 added metrics, versions, image_ids (results) and images, host, layout, masked (runs);
3 added attempts, flaky, log_file, log_cut, cache_key, cached_from (results) and resumed_at, stopped (runs)."""


class Attempt(BaseModel):
    """One launch of a cell repeated `repeats` times."""

    outcome: str
    signature: str | None = None
    line: str | None = None
    line_no: int | None = None
    exit_code: int | None = None
    seconds: float | None = None
    reason: str | None = None
    log_file: str | None = None


class CachedFrom(BaseModel):
    run_id: str
    cell_id: str


class CellResult(BaseModel):
    """The verdict of one cell, as stored in result.json."""

    schema_version: int = SCHEMA_VERSION
    run_id: str
    cell_id: str
    labels: dict[str, str]
    values: dict[str, Any]
    service: str | None = Field(default=None, description="the watched service, whose log decided")
    outcome: str
    signature: str | None = None
    line: str | None = None
    line_no: int | None = None
    exit_code: int | None = None
    seconds: float | None = Field(default=None, description="from container start to the first verdict")
    reason: str | None = Field(default=None, description="why a cell is `error`, `timeout` or `not_run`")
    log_tail: list[str] = Field(default_factory=list)
    images: dict[str, str] = Field(default_factory=dict, description="service -> image as named")
    image_ids: dict[str, str] = Field(default_factory=dict, description="service -> image id at launch")
    metrics: dict[str, str] = Field(default_factory=dict, description="first capture of each matrix metric")
    versions: dict[str, str] = Field(default_factory=dict, description="version strings found in the log")
    log_file: str | None = Field(default=None, description="the watched log, in the cell folder")
    log_cut: int = Field(default=0, description="bytes of the watched log left out by log_limit")
    attempts: list[Attempt] = Field(default_factory=list, description="each launch, when the cell was repeated")
    flaky: bool = False
    cache_key: str | None = Field(default=None, description="hash of what decides the outcome")
    cached_from: CachedFrom | None = Field(default=None, description="the earlier run this result was reused from")
    devices: list[str] = Field(default_factory=list, description="the devices the cell held while it ran")
    node: dict[str, str] = Field(default_factory=dict, description="the cluster node it ran on (hostname, node_id)")
    kernel_log: str | None = Field(default=None, description="the host kernel's lines of the cell's time window")
    source: str | None = Field(default=None, description="where the matched line came from when not the log: kernel")
    gpu_state_changes: list[str] = Field(
        default_factory=list, description="what the vendor GPU tools report differently after this failing cell"
    )
    started_at: str | None = None
    finished_at: str | None = None

    @property
    def is_final(self) -> bool:
        return is_final(self.outcome)

    @property
    def watched_log(self) -> str | None:
        """File name of the log that decided, in the cell folder."""
        return self.log_file or (f"{self.service}.log" if self.service else None)

    def as_attempt(self) -> Attempt:
        return Attempt.model_validate(self.model_dump(include=set(Attempt.model_fields)))

    def column(self, name: str) -> str | None:
        """A value the table can show beside the outcome: a metric, or `seconds`."""
        if name == "seconds":
            return None if self.seconds is None else f"{self.seconds:g} s"
        return self.metrics.get(name)


class Layout(BaseModel):
    """The outcome table's shape, from the matrix `table` key."""

    axes: list[str]
    rows: list[str]
    cols: list[str]
    show: list[str] = Field(default_factory=list)


class RunInfo(BaseModel):
    schema_version: int = SCHEMA_VERSION
    run_id: str
    harness_version: str = __version__
    matrix_path: str
    matrix: dict[str, Any]
    cells: list[str]
    started_at: str
    finished_at: str | None = None
    interrupted: bool = False
    stopped: str | None = Field(default=None, description="why the run ended before every cell had a verdict")
    resumed_at: list[str] = Field(default_factory=list)
    owner: dict[str, str] = Field(default_factory=dict, description="the bisect process: host, pid, its start time")
    layout: Layout | None = None
    report: ReportSpec = Field(default_factory=ReportSpec, description="the matrix `report` settings")
    images: list[ImageFacts] = Field(default_factory=list)
    host: HostFacts | None = None
    masked: list[str] = Field(default_factory=list, description="names whose values were masked")

    @property
    def name(self) -> str:
        return str(self.matrix.get("name") or self.run_id)


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def write_atomic(path: Path, text: str) -> None:
    """Write via a temporary file in the same folder and rename, so readers never see half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_json(path: Path, data: BaseModel) -> None:
    write_atomic(path, data.model_dump_json(indent=2) + "\n")


def new_run_id(matrix_name: str) -> str:
    stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
    slug = re.sub(r"[^A-Za-z0-9]+", "-", matrix_name).strip("-")[:40] or "run"
    return f"{stamp}-{slug}-{secrets.token_hex(2)}"


class RunStore:
    """The folder of one run; everything it writes goes through the run's masker."""

    def __init__(self, root: Path, run_id: str, masker: Masker | None = None) -> None:
        self.run_id = run_id
        self.path = root / run_id
        self.masker = masker or Masker()

    def cell_dir(self, cell_id: str) -> Path:
        return self.path / "cells" / cell_id

    def write_result(self, result: CellResult) -> CellResult:
        """Store a result; returns it masked, which is the only form the rest of the run should show."""
        masked = self._masked(result)
        write_json(self.cell_dir(result.cell_id) / "result.json", masked)
        return masked

    def write_run(self, info: RunInfo) -> None:
        write_json(self.path / "run.json", self._masked(info.model_copy(update={"masked": self.masker.names})))

    def _masked(self, model: ModelT) -> ModelT:
        return type(model).model_validate(self.masker.data(model.model_dump()))

    def write_log(self, cell_id: str, name: str, data: bytes) -> None:
        path = self.cell_dir(cell_id) / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(self.masker.binary(data))


@dataclass(frozen=True)
class RunRecord:
    """A stored run as read back: its run.json and the result of every cell that has one."""

    path: Path
    info: RunInfo
    results: list[CellResult]

    @property
    def run_id(self) -> str:
        return self.info.run_id

    @property
    def axes(self) -> list[str]:
        """The matrix axes, from run.json, or from the labels of runs stored before schema 2."""
        if self.info.layout is not None:
            return self.info.layout.axes
        return list(self.results[0].labels) if self.results else []


def _read_model(path: Path, model: type[ModelT]) -> ModelT:
    try:
        return model.model_validate_json(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise UsageError(f"{path}: cannot read: {exc.strerror}") from None
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "top level"
        raise UsageError(f"{path}: not a bisect {model.__name__} file ({where}: {first['msg']})") from None


def read_run_info(folder: Path) -> RunInfo:
    return _read_model(folder / "run.json", RunInfo)


def load_run(folder: Path) -> RunRecord:
    """A run folder's run.json and result files, cells in the order the run planned them."""
    info = read_run_info(folder)
    results = []
    for cell in info.cells:
        path = folder / "cells" / cell / "result.json"
        if path.is_file():
            results.append(_read_model(path, CellResult))
    return RunRecord(path=folder, info=info, results=results)


def run_folders(root: Path) -> list[Path]:
    """Every run folder under a results root, oldest first (run ids start with a UTC timestamp)."""
    if not root.is_dir():
        return []
    return sorted((p for p in root.iterdir() if (p / "run.json").is_file()), key=lambda p: p.name)


def resolve_run(reference: str, root: Path) -> Path:
    """A run folder from a path, a run id under root, a unique id prefix, or `latest`."""
    as_path = Path(reference)
    if (as_path / "run.json").is_file():
        return as_path
    folders = run_folders(root)
    if reference == "latest" and folders:
        return folders[-1]
    exact = [p for p in folders if p.name == reference]
    matching = exact or [p for p in folders if p.name.startswith(reference)]
    if len(matching) == 1:
        return matching[0]
    if not matching:
        raise UsageError(
            f"run {reference!r}: no run folder with that id under {root}/ and no run.json at that path; "
            "give a run id, a run folder or `latest`"
        )
    raise UsageError(f"run {reference!r}: matches {len(matching)} runs under {root}/; give more of the id")
