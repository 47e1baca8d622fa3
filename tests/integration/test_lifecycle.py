"""Verdicts, early stops, errors and interrupts against the real engine, with busybox scripts."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import docker
import pytest
from build_images import BASE_TAG
from typer.testing import CliRunner

from harness.cli import app
from harness.run.backends.docker_ops import LABEL_CELL, LABEL_OWNER
from tests.conftest import MatrixWriter

pytestmark = pytest.mark.docker
READY_LINE = "echo 'INFO:     Application startup complete.'"
SERVE = "while :; do sleep 1 & wait $!; done"


def run(matrix: Path, results: Path, *extra: str) -> Any:
    return CliRunner().invoke(app, ["run", str(matrix), "--results", str(results), *extra])


def outcomes(results: Path) -> dict[str, dict[str, Any]]:
    (run_dir,) = results.iterdir()
    found = {}
    for path in run_dir.glob("cells/*/result.json"):
        data = json.loads(path.read_text())
        image = data["labels"]["image"]
        found[data["labels"]["script"] + ("" if image == BASE_TAG else f"@{image}")] = data
    return found


def test_each_outcome_and_early_verdicts(script_matrix: Any, tmp_path: Path) -> None:
    matrix = script_matrix(
        {
            "serves": f"echo loading; {READY_LINE}; {SERVE}",
            "warns-then-serves": f"echo 'WARNING error_correction disabled'; {READY_LINE}; {SERVE}",
            "crashes": "echo 'Segmentation fault'; exit 139",
            "serves-then-dies": f"{READY_LINE}; sleep 0.2; exit 1",
            "hangs-after-device-lost": (
                "echo 'RuntimeError: level_zero backend failed with error: 20 (UR_RESULT_ERROR_DEVICE_LOST)'; "
                "echo 'RuntimeError: Engine core initialization failed. See root cause above.'; " + SERVE
            ),
            "wrapper-then-root-cause": (
                "echo 'RuntimeError: Engine core initialization failed. See root cause above.'; sleep 0.3; "
                "echo 'torch.OutOfMemoryError: XPU out of memory. Tried to allocate 2.00 GiB'; " + SERVE
            ),
            "root-cause-after-settle": (
                "echo 'RuntimeError: Engine core initialization failed. See root cause above.'; sleep 4; "
                "echo 'torch.OutOfMemoryError: XPU out of memory. Tried to allocate 2.00 GiB'; " + SERVE
            ),
            "silent": SERVE,
        },
        timeout="6s",
        include=[{"image": "image-bisect/absent:0", "script": "serves"}],
    )
    started = time.monotonic()
    result = run(matrix, tmp_path / "results")
    elapsed = time.monotonic() - started
    assert result.exit_code == 1, result.output
    found = outcomes(tmp_path / "results")
    missing = found.pop("serves@image-bisect/absent:0")
    assert missing["outcome"] == "error"
    assert "image-bisect/absent:0 not present locally" in missing["reason"]
    assert {k: v["outcome"] for k, v in found.items()} == {
        "serves": "ready",
        "warns-then-serves": "ready",
        "crashes": "crashed",
        "serves-then-dies": "crashed",
        "hangs-after-device-lost": "device_lost",
        "wrapper-then-root-cause": "oom",
        "root-cause-after-settle": "engine_failed",
        "silent": "timeout",
    }
    assert found["wrapper-then-root-cause"]["line_no"] == 2
    assert found["crashes"]["exit_code"] == 139
    assert found["crashes"]["log_tail"] == ["Segmentation fault"]
    assert found["serves-then-dies"]["exit_code"] == 1
    lost = found["hangs-after-device-lost"]
    assert lost["line_no"] == 1 and lost["seconds"] < 5
    assert "no ready line within 6.0s" in found["silent"]["reason"]
    # early verdicts: only the silent cell waits for the timeout
    assert elapsed < 6 + 8 * 5
    assert "💥 crashed (139)" in result.stdout and "⚠️ error" in result.stdout


def test_fail_on_turns_a_failure_into_exit_1(script_matrix: Any, tmp_path: Path) -> None:
    matrix = script_matrix({"crashes": "exit 3"})
    assert run(matrix, tmp_path / "a").exit_code == 0
    assert run(matrix, tmp_path / "b", "--fail-on", "crashed").exit_code == 1


def test_exit_code_ready_rule(script_matrix: Any, tmp_path: Path) -> None:
    matrix = script_matrix({"ok": "echo done; exit 0", "bad": "exit 2"}, ready={"exit_code": 0})
    assert run(matrix, tmp_path / "results").exit_code == 0
    found = outcomes(tmp_path / "results")
    assert (found["ok"]["outcome"], found["bad"]["outcome"], found["bad"]["exit_code"]) == ("ready", "crashed", 2)


def test_compose_settings_reach_the_container(write_matrix: MatrixWriter, tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "weights.txt").write_text("qwen3-14b-weights\n")
    (tmp_path / "cell.env").write_text("FROM_FILE=file-value\nOVERRIDDEN=file\n")
    template = """services:
  app:
    image: {{ image }}
    entrypoint: ["/bin/sh", "-c"]
    command:
      - >-
        cat /models/weights.txt; echo "env=$$FROM_FILE,$$OVERRIDDEN,$$AXIS_ENV"; id -u; pwd;
        grep CapBnd /proc/self/status; df -k /dev/shm | tail -1; cat /etc/hostname; ulimit -n;
        touch /models/should-fail 2>/dev/null || echo read-only-ok; exit 0
    env_file: {{ matrix_dir }}/cell.env
    environment: {OVERRIDDEN: inline, AXIS_ENV: "{{ flavour }}"}
    volumes: ["{{ 'data' | from_matrix }}:/models:ro"]
    working_dir: /tmp
    user: "1234"
    cap_add: [SYS_PTRACE]
    shm_size: 64m
    hostname: cellhost
    labels: {purpose: test}
    ulimits: {nofile: {soft: 512, hard: 1024}}
"""
    matrix = write_matrix(
        template, axes={"image": [BASE_TAG], "flavour": ["sockets"]}, ready={"exit_code": 0}, timeout="20s"
    )
    results = tmp_path / "results"
    result = run(matrix, results)
    assert result.exit_code == 0, result.output
    (log,) = results.glob("*/cells/*/app.log")
    lines = log.read_text().splitlines()
    assert lines[0] == "qwen3-14b-weights"
    assert lines[1] == "env=file-value,inline,sockets"
    assert lines[2:4] == ["1234", "/tmp"]
    bounding = int(lines[4].split()[1], 16)
    assert bounding & (1 << 19), "SYS_PTRACE (capability 19) should be granted"
    assert lines[5].split()[1] == "65536"
    assert lines[6:9] == ["cellhost", "512", "read-only-ok"]


def test_services_start_in_dependency_order_on_a_cell_network(write_matrix: MatrixWriter, tmp_path: Path) -> None:
    template = """services:
  app:
    image: {{ image }}
    command: ["/bin/sh", "-c", "nslookup db 127.0.0.11 >/dev/null && echo resolved-db; cat /shared/db-was-here; exit 0"]
    depends_on: {db: {condition: service_healthy}}
    volumes: ["{{ matrix_dir }}/shared:/shared:ro"]
  db:
    image: {{ image }}
    command: ["/bin/sh", "-c", "trap 'exit 0' TERM; echo up > /shared/db-was-here; while :; do sleep 1 & wait $!; done"]
    volumes: ["{{ matrix_dir }}/shared:/shared"]
    healthcheck: {test: ["CMD", "test", "-f", "/shared/db-was-here"], interval: 1s, retries: 20}
"""
    (tmp_path / "shared").mkdir()
    matrix = write_matrix(template, service="app", axes={"image": [BASE_TAG]}, ready={"exit_code": 0}, timeout="30s")
    results = tmp_path / "results"
    result = run(matrix, results)
    assert result.exit_code == 0, result.output
    cell_dir = next(results.glob("*/cells/*"))
    assert (cell_dir / "app.log").read_text().splitlines() == ["resolved-db", "up"]
    assert (cell_dir / "db.log").exists()
    assert json.loads((cell_dir / "result.json").read_text())["outcome"] == "ready"


def test_a_container_the_engine_refuses_is_an_error_and_leaves_nothing(
    write_matrix: MatrixWriter, tmp_path: Path
) -> None:
    template = "services:\n  app:\n    image: {{ image }}\n    devices: [/dev/no-such-gpu]\n    command: [true]\n"
    matrix = write_matrix(template, axes={"image": [BASE_TAG]})
    results = tmp_path / "results"
    result = run(matrix, results)
    assert result.exit_code == 1
    (data,) = [json.loads(p.read_text()) for p in results.glob("*/cells/*/result.json")]
    assert data["outcome"] == "error"
    assert data["reason"].startswith("engine refused:") and "/dev/no-such-gpu" in data["reason"]


def _wait_for_running_cell(client: docker.DockerClient, fragment: str, deadline: float) -> None:
    while time.monotonic() < deadline:
        for container in client.containers.list(filters={"label": LABEL_OWNER}):
            if fragment in container.labels.get(LABEL_CELL, ""):
                return
        time.sleep(0.2)
    raise AssertionError(f"no running container for a cell matching {fragment!r}")


def _labelled(client: docker.DockerClient) -> list[str]:
    return [c.name for c in client.containers.list(all=True, filters={"label": LABEL_OWNER})]


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_interrupt_mid_cell_cleans_up_and_exits_130(
    script_matrix: Any, tmp_path: Path, client: docker.DockerClient, signum: int
) -> None:
    matrix = script_matrix({"first": f"{READY_LINE}; exit 0", "slow": SERVE, "never": SERVE}, timeout="60s")
    results = tmp_path / "results"
    process = subprocess.Popen(
        [sys.executable, "-m", "harness", "run", str(matrix), "--results", str(results)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    _wait_for_running_cell(client, "script-slow", deadline=time.monotonic() + 30)
    process.send_signal(signum)
    stdout, stderr = process.communicate(timeout=30)
    assert process.returncode == 130, stderr
    assert _labelled(client) == []
    found = outcomes(results)
    assert found["first"]["outcome"] == "crashed"
    assert found["slow"]["outcome"] == "not_run"
    assert "never" not in found
    assert "⏸️ not_run" in stdout and "Traceback" not in stderr
    (run_dir,) = results.iterdir()
    assert json.loads((run_dir / "run.json").read_text())["interrupted"] is True


def test_clean_removes_labelled_leftovers_only(client: docker.DockerClient, tmp_path: Path) -> None:
    labels = {LABEL_OWNER: "1", "io.image-bisect.run": "crashed-run", LABEL_CELL: "c"}
    leftover = client.containers.run(BASE_TAG, ["sleep", "300"], detach=True, labels=labels)
    network = client.networks.create("bisect-leftover-net", labels=labels)
    bystander = client.containers.run(BASE_TAG, ["sleep", "300"], detach=True)
    try:
        result = CliRunner().invoke(app, ["clean", "--run", "crashed-run"])
        assert result.exit_code == 0, result.output
        assert leftover.name in result.stderr and "bisect-leftover-net" in result.stderr
        assert _labelled(client) == []
        assert client.networks.list(names=["bisect-leftover-net"]) == []
        bystander.reload()
        assert bystander.status == "running"
    finally:
        bystander.remove(force=True)
        with contextlib.suppress(docker.errors.NotFound):
            leftover.remove(force=True)
        with contextlib.suppress(docker.errors.NotFound):
            network.remove()


def test_cells_side_by_side_on_disjoint_devices_and_a_marked_stop(
    write_matrix: MatrixWriter, client: docker.DockerClient, tmp_path: Path
) -> None:
    template = (
        "services:\n  app:\n    image: " + BASE_TAG + "\n    network_mode: host\n"
        "    environment: {ZE_AFFINITY_MASK: '{{ cell.devices | join(\",\") }}', PORT: '{{ cell.port }}'}\n"
        "    command: ['/bin/sh', '-c', \"trap 'exit 143' TERM; sleep 1; "
        "echo 'INFO:     Application startup complete.'; while :; do sleep 1 & wait $$!; done\"]\n"
        "    stop_grace_period: 2s\n"
    )
    matrix = write_matrix(
        template_text=template,
        axes={"tp": {"a": 1, "b": 2, "c": 1, "d": 2}},
        resources={"devices": [0, 1, 2, 3], "per_cell": "{{ tp }}"},
        timeout="20s",
        settle="0.5s",
    )
    created_before = {n.name for n in client.networks.list()}
    result = run(matrix, tmp_path / "results", "--jobs", "3")
    assert result.exit_code == 0, result.output
    (run_dir,) = (tmp_path / "results").iterdir()
    results = [json.loads(p.read_text()) for p in run_dir.glob("cells/*/result.json")]
    assert {r["outcome"] for r in results} == {"ready"} and len(results) == 4
    spans = []
    for found in results:
        assert len(found["devices"]) == found["values"]["tp"]
        compose = (run_dir / "cells" / found["cell_id"] / "compose.yaml").read_text()
        assert f"ZE_AFFINITY_MASK: '{','.join(found['devices'])}'" in compose
        assert "PORT: '0'" not in compose
        log = (run_dir / "cells" / found["cell_id"] / "app.log").read_text()
        assert "[image-bisect]" in log and "verdict ready; the harness stops the container now" in log
        spans.append((found["started_at"], found["finished_at"], found["devices"]))
    from harness.run.resources import overlapping

    assert overlapping(spans) == []
    assert any(a[0] < b[1] and b[0] < a[1] for i, a in enumerate(spans) for b in spans[i + 1 :])
    assert {n.name for n in client.networks.list()} == created_before  # host-network cells need no network


def test_a_host_network_cell_is_probed_on_the_port_it_was_given(write_matrix: MatrixWriter, tmp_path: Path) -> None:
    template = (
        "services:\n  app:\n    image: " + BASE_TAG + "\n    network_mode: host\n"
        "    command: ['/bin/sh', '-c', 'mkdir -p /w && echo ok > /w/health && "
        "exec httpd -f -p {{ cell.port }} -h /w']\n"
        "    stop_grace_period: 1s\n"
    )
    matrix = write_matrix(
        template_text=template,
        axes={"n": [1, 2]},
        ready={"http": {"port": "cell.port", "path": "/health"}},
        timeout="20s",
        settle="0.5s",
        jobs=2,
    )
    result = run(matrix, tmp_path / "results")
    assert result.exit_code == 0, result.output
    (run_dir,) = (tmp_path / "results").iterdir()
    found = [json.loads(p.read_text()) for p in run_dir.glob("cells/*/result.json")]
    assert [r["outcome"] for r in found] == ["ready", "ready"]
    composes = [(run_dir / "cells" / r["cell_id"] / "compose.yaml").read_text() for r in found]
    ports = {text.split("httpd -f -p ")[1].split()[0] for text in composes}
    assert len(ports) == 2 and "0" not in ports
