"""Where a run's files live and how they are written: atomically, with a schema version.

results/<run-id>/run.json
results/<run-id>/cells/<cell-id>/{compose.yaml, <service>.log, result.json}
"""

from __future__ import annotations

import os
import re
import secrets
import tempfile
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from harness import __version__

SCHEMA_VERSION = 1


class CellResult(BaseModel):
    """The verdict of one cell, as stored in result.json."""

    schema_version: int = SCHEMA_VERSION
    run_id: str
    cell_id: str
    labels: dict[str, str]
    values: dict[str, Any]
    outcome: str
    signature: str | None = None
    line: str | None = None
    line_no: int | None = None
    exit_code: int | None = None
    seconds: float | None = Field(default=None, description="from container start to the first verdict")
    reason: str | None = Field(default=None, description="why a cell is `error`, `timeout` or `not_run`")
    log_tail: list[str] = Field(default_factory=list)
    images: dict[str, str] = Field(default_factory=dict, description="service -> image as named")
    started_at: str | None = None
    finished_at: str | None = None


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
    """The folder of one run."""

    def __init__(self, root: Path, run_id: str) -> None:
        self.run_id = run_id
        self.path = root / run_id

    def cell_dir(self, cell_id: str) -> Path:
        return self.path / "cells" / cell_id

    def log_path(self, cell_id: str, service: str) -> Path:
        return self.cell_dir(cell_id) / f"{service}.log"

    def write_result(self, result: CellResult) -> None:
        write_json(self.cell_dir(result.cell_id) / "result.json", result)

    def write_run(self, info: RunInfo) -> None:
        write_json(self.path / "run.json", info)
