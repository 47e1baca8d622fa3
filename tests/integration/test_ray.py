"""A matrix across a real two-node Ray cluster on this machine (a head and a second node, each with
two fake GPUs, both on the local Docker engine): cells spread over both nodes, no device is shared on a
node, and the table is the one a local run gives."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from build_images import BASE_TAG
from typer.testing import CliRunner

from harness.cli import app
from harness.run.backends.ray import cell_workdir
from harness.run.resources import overlapping
from tests.conftest import MatrixWriter

pytestmark = pytest.mark.docker
RAY = Path(sys.executable).with_name("ray")
PORT = "6391"
SECOND_NODE_PORT = "6402"
TEMPLATE = (
    "services:\n  app:\n    image: " + BASE_TAG + "\n"
    "    environment: {CUDA_VISIBLE_DEVICES: '{{ cell.devices | join(\",\") }}'}\n"
    "    command: ['/bin/sh', '-c', \"trap 'exit 143' TERM; sleep 2; {% if tp == 2 and n == 3 %}"
    "echo 'torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB'; exit 1{% else %}"
    "echo 'INFO:     Application startup complete.'; while :; do sleep 1 & wait $$!; done{% endif %}\"]\n"
    "    stop_grace_period: 1s\n"
)


def _ray(*args: str) -> None:
    env = {**os.environ, "RAY_USAGE_STATS_ENABLED": "0"}
    subprocess.run([str(RAY), *args], check=True, capture_output=True, env=env, timeout=120)


@pytest.fixture(scope="module")
def cluster() -> Iterator[str]:
    if not RAY.exists() or shutil.which("docker") is None:
        pytest.fail("Ray is not installed in this environment: pip install -e '.[dev,ray]'", pytrace=False)
    _ray("stop", "--force")
    _ray(
        "start",
        "--head",
        *("--port", PORT, "--num-cpus", "4", "--num-gpus", "2", "--include-dashboard=false"),
        *("--resources", '{"b50": 2}'),
    )
    _ray(
        "start",
        "--address",
        f"127.0.0.1:{PORT}",
        *("--num-cpus", "4", "--num-gpus", "2", "--node-manager-port", SECOND_NODE_PORT),
    )
    yield f"127.0.0.1:{PORT}"
    import ray

    ray.shutdown()  # this process may have connected as a driver (a test's ray.nodes())
    _ray("stop", "--force")


def _results(root: Path) -> list[dict[str, object]]:
    (run_dir,) = root.iterdir()
    return [json.loads(p.read_text()) for p in run_dir.glob("cells/*/result.json")]


def test_a_matrix_spreads_over_two_nodes_without_sharing_a_device(
    cluster: str, write_matrix: MatrixWriter, tmp_path: Path
) -> None:
    matrix = write_matrix(
        template_text=TEMPLATE,
        axes={"tp": [1, 2], "n": [1, 2, 3, 4, 5, 6]},
        resources={"devices": [0, 1], "per_cell": "{{ tp }}"},
        timeout="30s",
        settle="0.5s",
    )
    on_ray = CliRunner().invoke(app, ["run", str(matrix), "--results", str(tmp_path / "ray"), "--ray", cluster])
    assert on_ray.exit_code == 0, on_ray.output
    found = _results(tmp_path / "ray")
    assert len(found) == 12
    nodes = {str(r["node"]["node_id"]) for r in found}  # type: ignore[index]
    assert len(nodes) == 2
    for node in nodes:
        spans = [
            (
                datetime.fromisoformat(str(r["started_at"])).timestamp(),
                datetime.fromisoformat(str(r["finished_at"])).timestamp(),
                r["devices"],
            )
            for r in found
            if r["node"]["node_id"] == node  # type: ignore[index]
        ]
        assert overlapping(spans) == []  # type: ignore[arg-type]
    for r in found:
        compose = (tmp_path / "ray" / str(r["run_id"]) / "cells" / str(r["cell_id"]) / "compose.yaml").read_text()
        assert f"CUDA_VISIBLE_DEVICES: '{','.join(r['devices'])}'" in compose  # type: ignore[arg-type]
        assert (tmp_path / "ray" / str(r["run_id"]) / "cells" / str(r["cell_id"]) / "app.log").exists()
    local = CliRunner().invoke(app, ["run", str(matrix), "--results", str(tmp_path / "local"), "--jobs", "2"])
    assert local.exit_code == 0, local.output
    assert on_ray.stdout == local.stdout  # the same outcome table
    assert "💥" not in on_ray.stdout and "oom" in on_ray.stdout


def test_custom_resources_pin_cells_to_the_nodes_that_have_them(
    cluster: str, write_matrix: MatrixWriter, tmp_path: Path
) -> None:
    import ray

    matrix = write_matrix(
        template_text=TEMPLATE.replace("sleep 2", "sleep 1"),
        axes={"tp": [1], "n": [1, 2, 3, 4]},
        resources={"devices": [0, 1], "per_cell": "{{ tp }}", "custom": {"b50": "{{ tp }}"}},
        timeout="30s",
        settle="0.5s",
    )
    result = CliRunner().invoke(app, ["run", str(matrix), "--results", str(tmp_path / "r"), "--ray", cluster])
    assert result.exit_code == 0, result.output
    ray.init(address=cluster, log_to_driver=False)
    try:
        head = next(n["NodeID"] for n in ray.nodes() if n["Alive"] and n["Resources"].get("b50"))
    finally:
        ray.shutdown()
    assert {str(r["node"]["node_id"]) for r in _results(tmp_path / "r")} == {head}  # type: ignore[index]


def test_a_node_lost_mid_run_moves_its_cells_and_leaves_nothing_behind(
    cluster: str, write_matrix: MatrixWriter, tmp_path: Path
) -> None:
    import docker

    matrix = write_matrix(
        template_text=TEMPLATE.replace("sleep 2", "sleep 6"),
        axes={"tp": [1], "n": [1, 2, 3, 4]},
        resources={"devices": [0, 1], "per_cell": "{{ tp }}"},
        timeout="60s",
        settle="0.5s",
    )
    env = {**os.environ, "RAY_USAGE_STATS_ENABLED": "0"}
    command = [sys.executable, "-m", "harness", "run", str(matrix), "--results", str(tmp_path / "r"), "--ray", cluster]
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and _running_cells() < 4:
            time.sleep(0.2)
        assert _running_cells() == 4, "the four cells never ran side by side on the two nodes"
        subprocess.run(["pkill", "-9", "-f", f"raylet.*--node_manager_port={SECOND_NODE_PORT}"], check=False)
        _, stderr = process.communicate(timeout=240)
    finally:
        process.kill()
    assert process.returncode == 0, stderr
    found = _results(tmp_path / "r")
    assert {r["outcome"] for r in found} == {"ready"} and len(found) == 4
    assert len({str(r["node"]["node_id"]) for r in found}) == 1  # the lost node's cells ran again on the head
    leftovers = docker.from_env().containers.list(all=True, filters={"label": "io.image-bisect"})
    assert leftovers == []
    assert not cell_workdir(str(found[0]["run_id"]), "").exists()  # the killed attempts' files are gone too


def _running_cells() -> int:
    import docker

    return len(docker.from_env().containers.list(filters={"label": "io.image-bisect"}))


def test_clean_of_a_run_removes_the_cell_files_a_lost_node_left(cluster: str) -> None:
    left = cell_workdir("20260101-000000-t-dead", "tp-1_n-1_abc123")
    other = cell_workdir("20260101-000000-t-live", "tp-1_n-1_abc123")
    for folder in (left, other):
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "app.log").write_text("a cell's log\n")
    try:
        cleaned = CliRunner().invoke(app, ["clean", "--run", "20260101-000000-t-dead", "--ray", cluster])
        assert cleaned.exit_code == 0, cleaned.output
        assert not left.parent.exists()
        assert (other / "app.log").exists()  # another run's files stay
    finally:
        shutil.rmtree(other.parent, ignore_errors=True)
