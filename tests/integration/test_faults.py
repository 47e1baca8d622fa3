"""Fault injection against the real engine: the harness killed, stopped, flooded, starved of images or
of its engine, or run twice at once. Each test ends with no labelled container or network left (the
autouse `no_leftovers` fixture) and checks that no finished result was lost."""

from __future__ import annotations

import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import docker
import pytest
from typer.testing import CliRunner

from harness.cli import app
from harness.run.backends.docker_ops import LABEL_CELL, LABEL_OWNER
from tests.integration.test_lifecycle import READY_LINE, SERVE

pytestmark = pytest.mark.docker
DEVICE_LOST = "echo 'RuntimeError: level_zero backend failed with error: 20 (UR_RESULT_ERROR_DEVICE_LOST)'"


def start_harness(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "harness", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


def running_cell(client: docker.DockerClient, fragment: str, timeout: float = 30) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for container in client.containers.list(filters={"label": LABEL_OWNER}):
            if fragment in container.labels.get(LABEL_CELL, ""):
                return container
        time.sleep(0.2)
    raise AssertionError(f"no running container for a cell matching {fragment!r}")


def results_by_script(results: Path) -> dict[str, dict[str, Any]]:
    return {
        data["labels"]["script"]: data
        for data in (json.loads(p.read_text()) for p in results.glob("*/cells/*/result.json"))
    }


def table_cells(stdout: str) -> list[list[str]]:
    return [[c.strip() for c in line.split("|")[1:-1]] for line in stdout.splitlines() if line.startswith("| ")]


@pytest.mark.parametrize("signum", [signal.SIGKILL, signal.SIGINT])
def test_stopped_then_resumed_ends_with_the_uninterrupted_table_launching_each_cell_once(
    script_matrix: Any, tmp_path: Path, client: docker.DockerClient, signum: int
) -> None:
    scripts = {
        "a-serves": f"{READY_LINE}; {SERVE}",
        "b-lost": f"{DEVICE_LOST}; exit 1",
        "c-slow": f"sleep 2; {READY_LINE}; {SERVE}",
        "d-serves": f"{READY_LINE}; {SERVE}",
    }
    matrix = script_matrix(scripts, timeout="30s", settle="0.5s")
    reference = CliRunner().invoke(app, ["run", str(matrix), "--results", str(tmp_path / "reference")])
    assert reference.exit_code == 0, reference.output

    results = tmp_path / "results"
    process = start_harness("run", str(matrix), "--results", str(results))
    orphan = running_cell(client, "script-c-slow")
    busy = CliRunner().invoke(app, ["run", str(matrix), "--resume", "--results", str(results)])
    assert busy.exit_code == 2 and "that run is still going (pid" in busy.stderr
    process.send_signal(signum)
    process.wait(timeout=30)
    before = results_by_script(results)
    if signum == signal.SIGKILL:
        assert set(before) == {"a-serves", "b-lost"}
        orphan.reload()
        assert orphan.status == "running"  # left behind by the killed process
    else:
        assert process.returncode == 130
        assert {k: v["outcome"] for k, v in before.items()} == {
            "a-serves": "ready",
            "b-lost": "device_lost",
            "c-slow": "not_run",
        }

    resumed = CliRunner().invoke(app, ["run", str(matrix), "--resume", "--results", str(results)])
    assert resumed.exit_code == 0, resumed.output
    if signum == signal.SIGKILL:
        assert f"removed leftovers of runs whose process is gone: {orphan.name}" in resumed.stderr
    assert "4 cells, 2 to launch, 2 known" in resumed.stderr
    assert table_cells(resumed.stdout) == table_cells(reference.stdout)
    after = results_by_script(results)
    for script in ("a-serves", "b-lost"):
        assert after[script] == before[script]  # kept, not launched again
    assert len(list(results.iterdir())) == 1  # resumed in place


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_container_that_ignores_sigterm_is_killed_after_its_grace_period(
    script_matrix: Any, tmp_path: Path, client: docker.DockerClient, signum: int
) -> None:
    matrix = script_matrix(
        {"deaf": f"trap '' TERM; {READY_LINE}; while :; do sleep 1; done"}, timeout="60s", ready={"log": "never"}
    )
    process = start_harness("run", str(matrix), "--results", str(tmp_path / "results"))
    running_cell(client, "script-deaf")
    started = time.monotonic()
    process.send_signal(signum)
    _, stderr = process.communicate(timeout=30)
    assert process.returncode == 130, stderr
    assert time.monotonic() - started < 15  # stop_grace_period 2s, then SIGKILL
    assert results_by_script(tmp_path / "results")["deaf"]["outcome"] == "not_run"
    assert "Traceback" not in stderr


def test_a_gigabyte_of_log_keeps_memory_flat_and_the_verdict(script_matrix: Any, tmp_path: Path) -> None:
    flood = (
        "line=$(head -c 1000 /dev/zero | tr '\\0' x); i=0; "
        'while [ $i -lt 1000 ]; do echo "$line"; i=$((i+1)); done > /tmp/block; '
        "j=0; while [ $j -lt 1000 ]; do cat /tmp/block; j=$((j+1)); done; "
        f"{DEVICE_LOST}; {SERVE}"
    )
    matrix = script_matrix({"flood": flood}, timeout="300s", settle="0.5s", log_limit="50MB")
    results = tmp_path / "results"
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    process = start_harness("run", str(matrix), "--results", str(results))
    _, stderr = process.communicate(timeout=600)
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    assert process.returncode == 0, stderr
    assert max(before, peak_kib) < 200 * 1024, f"harness peak RSS {peak_kib} KiB"
    found = results_by_script(results)["flood"]
    assert found["outcome"] == "device_lost" and found["line"].endswith("(UR_RESULT_ERROR_DEVICE_LOST)")
    log = next(results.glob("*/cells/*/app.log"))
    assert 25_000_000 < log.stat().st_size < 51_000_000
    assert found["log_cut"] > 900_000_000
    with log.open("rb") as handle:
        handle.seek(-200, os.SEEK_END)
        assert b"UR_RESULT_ERROR_DEVICE_LOST" in handle.read()


def test_binary_output_and_endless_progress_bars_still_classify(script_matrix: Any, tmp_path: Path) -> None:
    scripts = {
        "binary": f"head -c 5000000 /dev/urandom; echo; {DEVICE_LOST}; {SERVE}",
        "progress": (
            "i=0; while [ $i -lt 20000 ]; do printf '\\rLoading safetensors checkpoint shards: %d%%' $((i % 100)); "
            f"i=$((i+1)); done; printf '\\r'; {DEVICE_LOST}; {SERVE}"
        ),
    }
    matrix = script_matrix(scripts, timeout="60s", settle="0.5s")
    result = CliRunner().invoke(app, ["run", str(matrix), "--results", str(tmp_path / "results")])
    assert result.exit_code == 0, result.output
    found = results_by_script(tmp_path / "results")
    assert found["binary"]["outcome"] == "device_lost"
    assert found["progress"]["outcome"] == "device_lost"


def test_a_missing_image_is_an_error_and_the_run_goes_on(write_matrix: Any, tmp_path: Path) -> None:
    from build_images import BASE_TAG

    template = (
        "services:\n  app:\n    image: {{ image }}\n"
        "    command: [sh, -c, \"echo 'Application startup complete'; exit 0\"]\n"
    )
    matrix = write_matrix(
        template, axes={"image": ["localhost:1/image-bisect/absent:1", BASE_TAG]}, ready={"exit_code": 0}
    )
    result = CliRunner().invoke(app, ["run", str(matrix), "--results", str(tmp_path / "results")])
    assert result.exit_code == 1
    assert "not present locally; build or pull it first" in json.dumps(
        [json.loads(p.read_text()) for p in (tmp_path / "results").glob("*/cells/*/result.json")]
    )
    assert "✅ ready" in result.stdout and "⚠️ error" in result.stdout
    pulled = CliRunner().invoke(app, ["run", str(matrix), "--pull", "--results", str(tmp_path / "pulled")])
    assert pulled.exit_code == 1
    assert "pull localhost:1/image-bisect/absent:1 failed:" in pulled.stderr


def test_two_runs_at_once_on_one_engine_do_not_touch_each_other(script_matrix: Any, tmp_path: Path) -> None:
    matrix = script_matrix(
        {"one": f"{READY_LINE}; {SERVE}", "two": f"sleep 1; {READY_LINE}; {SERVE}", "three": f"{DEVICE_LOST}; exit 1"},
        timeout="30s",
        settle="1s",
    )
    first = start_harness("run", str(matrix), "--results", str(tmp_path / "first"))
    second = start_harness("run", str(matrix), "--results", str(tmp_path / "second"))
    outputs = [first.communicate(timeout=120), second.communicate(timeout=120)]
    assert [first.returncode, second.returncode] == [0, 0], outputs
    for folder in ("first", "second"):
        found = results_by_script(tmp_path / folder)
        assert {k: v["outcome"] for k, v in found.items()} == {"one": "ready", "two": "ready", "three": "device_lost"}
    assert all("removed leftovers" not in err for _, err in outputs)


def _dockerd() -> tuple[int, list[str]] | None:
    """The local dockerd's pid and command line, when this test may restart it."""
    if os.environ.get("DOCKER_HOST", "unix://").split("://")[0] != "unix" or shutil.which("dockerd") is None:
        return None
    found = subprocess.run(["pidof", "dockerd"], capture_output=True, text=True)
    if found.returncode != 0 or len(found.stdout.split()) != 1:
        return None
    pid = int(found.stdout)
    command = Path(f"/proc/{pid}/cmdline").read_bytes().rstrip(b"\0").split(b"\0")
    if shutil.which("systemctl") and subprocess.run(["systemctl", "is-active", "--quiet", "docker"]).returncode == 0:
        return None
    return pid, [part.decode() for part in command]


def _restart_dockerd(pid: int, command: list[str]) -> None:
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 60
    while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    time.sleep(1)
    with open("/var/log/dockerd-test-restart.log", "ab") as log:
        subprocess.Popen(command, stdout=log, stderr=log, start_new_session=True)


def _engine_back(client: docker.DockerClient, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            client.ping()
            return
        except Exception:
            time.sleep(0.5)
    raise AssertionError("dockerd did not come back")


@pytest.mark.parametrize("wait", ["60s", "0s"])
def test_dockerd_restarted_mid_run(script_matrix: Any, tmp_path: Path, client: docker.DockerClient, wait: str) -> None:
    daemon = _dockerd()
    if daemon is None:
        pytest.skip("no local dockerd this test may restart (systemd-managed or remote engine)")
    matrix = script_matrix(
        {"a-first": f"{READY_LINE}; {SERVE}", "b-hangs": SERVE, "c-last": f"{READY_LINE}; {SERVE}"},
        timeout="120s",
        settle="0.5s",
    )
    results = tmp_path / "results"
    process = start_harness("run", str(matrix), "--results", str(results), "--wait-engine", wait)
    running_cell(client, "script-b-hangs")
    try:
        _restart_dockerd(*daemon)
        _, stderr = process.communicate(timeout=180)
    finally:
        _engine_back(client)
    found = results_by_script(results)
    assert found["a-first"]["outcome"] == "ready"
    assert found["b-hangs"]["outcome"] == "error"
    assert found["b-hangs"]["reason"].startswith("the Docker engine went away during the cell")
    assert "Traceback" not in stderr
    if wait == "0s":
        assert process.returncode == 3, stderr
        assert "c-last" not in found
        assert "continue with --resume" in stderr
        run_json = json.loads(next(results.glob("*/run.json")).read_text())
        assert run_json["stopped"] == "engine unreachable"
        cleaned = CliRunner().invoke(app, ["clean"])
        assert cleaned.exit_code == 0, cleaned.output
    else:
        assert process.returncode == 1, stderr  # the lost cell is an error; the run went on
        assert found["c-last"]["outcome"] == "ready"


FLIP_TEMPLATE = """\
services:
  app:
    image: {{ image }}
    command: ["/bin/sh", "-c", {{ script | replace("$", "$$") | tojson }}]
    volumes: ["{{ matrix_dir }}/state:/state"]
    stop_grace_period: 2s
"""


def test_repeats_show_k_of_n_and_flag_a_flaky_cell(write_matrix: Any, tmp_path: Path) -> None:
    from build_images import BASE_TAG

    flip = (
        "trap 'exit 143' TERM; n=$(cat /state/n 2>/dev/null || echo 0); n=$((n+1)); echo $n > /state/n; "
        f"if [ $((n % 2)) -eq 0 ]; then {DEVICE_LOST}; exit 1; fi; {READY_LINE}; {SERVE}"
    )
    steady = f"trap 'exit 143' TERM; {READY_LINE}; {SERVE}"
    (tmp_path / "state").mkdir()
    matrix = write_matrix(
        FLIP_TEMPLATE,
        axes={"image": [BASE_TAG], "script": {"flip": flip, "steady": steady}},
        repeats=3,
        timeout="30s",
        settle="0.3s",
        table={"rows": ["script"], "cols": ["image"]},
    )
    result = CliRunner().invoke(app, ["run", str(matrix), "--results", str(tmp_path / "results")])
    assert result.exit_code == 0, result.output
    rows = dict((cells[0], cells[1]) for cells in table_cells(result.stdout)[1:])
    assert rows == {"flip": "✅ ready 2/3 · ❌ device_lost 1/3 · flaky", "steady": "✅ ready 3/3"}
    flip_result = results_by_script(tmp_path / "results")["flip"]
    assert flip_result["outcome"] == "device_lost" and flip_result["flaky"] is True
    assert [a["log_file"] for a in flip_result["attempts"]] == ["app.1.log", "app.2.log", "app.3.log"]
    assert flip_result["log_file"] == "app.2.log"
    cell_dir = next((tmp_path / "results").glob("*/cells/*flip*"))
    assert "UR_RESULT_ERROR_DEVICE_LOST" in (cell_dir / "app.2.log").read_text()

    (tmp_path / "state" / "n").write_text("0\n")
    until = CliRunner().invoke(
        app, ["run", str(matrix), "--until-fail", "--no-cache", "--results", str(tmp_path / "until")]
    )
    rows = dict((cells[0], cells[1]) for cells in table_cells(until.stdout)[1:])
    assert rows["flip"] == "✅ ready 1/2 · ❌ device_lost 1/2 · flaky"


def test_a_kernel_line_during_a_cell_lands_in_its_folder_its_report_and_its_verdict(
    script_matrix: Any, tmp_path: Path
) -> None:
    kmsg = Path("/dev/kmsg")
    if not os.access(kmsg, os.W_OK):
        pytest.skip("writing a kernel line needs root")
    xid = "NVRM: Xid (PCI:0000:3b:00): 79, pid=2011, name=python3, GPU has fallen off the bus."
    matrix = script_matrix({"dies": "sleep 3; echo 'Segmentation fault'; exit 139"}, timeout="30s", settle="0.5s")
    process = subprocess.Popen(
        [sys.executable, "-m", "harness", "run", str(matrix), "--results", str(tmp_path / "r")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    engine = docker.from_env()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not engine.containers.list(filters={"label": LABEL_OWNER}):
        time.sleep(0.1)
    kmsg.write_text(f"<3>{xid}\n")  # while the cell's container runs
    _, stderr = process.communicate(timeout=120)
    (run_dir,) = (tmp_path / "r").iterdir()
    (cell_dir,) = (run_dir / "cells").iterdir()
    found = json.loads((cell_dir / "result.json").read_text())
    assert found["outcome"] == "device_lost" and found["source"] == "kernel", stderr
    assert xid in (cell_dir / "kernel.log").read_text()
    report = CliRunner().invoke(app, ["report", str(run_dir)])
    assert "Matched in the host's kernel log" in report.stdout and xid in report.stdout
