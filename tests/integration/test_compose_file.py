"""The stored compose.yaml of a cell reproduces the cell with the compose CLI, as the report says."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from harness.cli import app

pytestmark = pytest.mark.docker
ROOT = Path(__file__).resolve().parents[2]


def compose_cli() -> list[str] | None:
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    probe = subprocess.run(["docker", "compose", "version"], capture_output=True, check=False)
    return ["docker", "compose"] if probe.returncode == 0 else None


@pytest.mark.skipif(compose_cli() is None, reason="no compose CLI (CI installs Debian's docker-compose)")
def test_stored_compose_file_reproduces_the_cell(tmp_path: Path) -> None:
    rendered = tmp_path / "rendered"
    result = CliRunner().invoke(app, ["render", str(ROOT / "matrices" / "demo.yaml"), "--out", str(rendered)])
    assert result.exit_code == 0, result.output
    (compose_file,) = rendered.glob("*1.4_tp-2_env-ipc-sockets_caps-ptrace*/compose.yaml")
    command = [*(compose_cli() or []), "-f", str(compose_file), "-p", "bisect-compose-check"]
    try:
        up = subprocess.run(
            [*command, "up", "--abort-on-container-exit", "--no-color"],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    finally:
        subprocess.run([*command, "down", "--volumes"], capture_output=True, check=False, timeout=120)
    assert "value of CCL_ZE_IPC_EXCHANGE changed to be sockets" in up.stdout
    assert "RuntimeError: level_zero backend failed with error: 20 (UR_RESULT_ERROR_DEVICE_LOST)" in up.stdout
