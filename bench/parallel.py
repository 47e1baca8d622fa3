"""How much wall time cells side by side on a device pool save, against the plain Docker SDK running
the same cells one after another, measured in the same run.

The matrix: 12 cells, 6 needing one device and 6 needing two, on a declared pool of 4 devices. Each
cell is a fixture container that prints vLLM's ready line after `--ready-after` seconds (a GPU cell's
start, shortened) and then serves. The baseline starts each cell with `containers.run`, streams its log
until the ready line and removes it, one cell after another. The harness runs the matrix with --jobs 1,
2 and 4 (no cache). The ideal wall time for J jobs comes from the cell time of the --jobs 1 run:
max(cell-seconds / J, device-seconds / pool, one cell); the benchmark prints the measured speed-up
beside the ideal one, the device utilisation, and checks from every result.json that no device was
held by two cells at once.

    .venv/bin/python bench/parallel.py [--ready-after 4] [--jobs 1 2 4]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml
from tabulate import tabulate

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "fixtures"))

from build_images import BASE_TAG, ensure_fixture_images  # noqa: E402

from harness.matrix.spec import expand, load_matrix  # noqa: E402
from harness.run.backends import docker_ops  # noqa: E402
from harness.run.plan import prepare  # noqa: E402
from harness.run.resources import overlapping  # noqa: E402

POOL = ["0", "1", "2", "3"]
READY = "INFO:     Application startup complete."
SCRIPT = f"trap 'exit 143' TERM; sleep {{{{ ready_after }}}}; echo '{READY}'; while :; do sleep 1 & wait $$!; done"
TEMPLATE = f"""services:
  app:
    image: {{{{ image }}}}
    environment: {{ZE_AFFINITY_MASK: '{{{{ cell.devices | join(",") }}}}'}}
    command: ["/bin/sh", "-c", "{SCRIPT}"]
    stop_grace_period: 2s
"""


def write_matrix(workdir: Path, ready_after: float) -> Path:
    (workdir / "cell.yaml.j2").write_text(TEMPLATE)
    matrix = {
        "name": "parallel-bench",
        "template": "cell.yaml.j2",
        "axes": {"tp": [1, 2], "n": [1, 2, 3, 4, 5, 6]},
        "vars": {"image": BASE_TAG, "ready_after": ready_after},
        "resources": {"devices": [int(d) for d in POOL], "per_cell": "{{ tp }}"},
        "timeout": "120s",
        "settle": "0.5s",
    }
    path = workdir / "matrix.yaml"
    path.write_text(yaml.safe_dump(matrix, sort_keys=False))
    return path


def plain_sdk(client: Any, matrix_path: Path, workdir: Path) -> float:
    """Every cell one after another: run, stream the log to the ready line, remove."""
    matrix = load_matrix(matrix_path)
    cells = prepare(matrix, expand(matrix.spec), lambda c: workdir / "sdk" / c.id, "bench", host_env={})
    started = time.monotonic()
    for item in cells:
        kwargs = dict(item.plan.service(item.plan.watched).kwargs)
        container = client.containers.run(detach=True, **kwargs)
        for chunk in container.logs(stream=True, follow=True):
            if READY.encode() in chunk:
                break
        container.remove(force=True)
    return time.monotonic() - started


def harness(matrix_path: Path, results: Path, jobs: int) -> tuple[float, list[dict[str, Any]]]:
    started = time.monotonic()
    command = [sys.executable, "-m", "harness", "run", str(matrix_path), "--results", str(results)]
    done = subprocess.run(
        [*command, "--no-cache", "--jobs", str(jobs)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.monotonic() - started
    if done.returncode != 0:
        raise SystemExit(f"bisect run --jobs {jobs} failed ({done.returncode}): {done.stderr[-2000:]}")
    found = [json.loads(p.read_text()) for p in results.glob("*/cells/*/result.json")]
    return wall, found


def shared_devices(results: list[dict[str, Any]]) -> int:
    spans = [
        (datetime.fromisoformat(r["started_at"]), datetime.fromisoformat(r["finished_at"]), r["devices"])
        for r in results
    ]
    return len(overlapping((a.timestamp(), b.timestamp(), devices) for a, b, devices in spans))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ready-after", type=float, default=4.0, help="seconds a cell takes to become ready")
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2, 4])
    args = parser.parse_args()
    client = docker_ops.connect()
    ensure_fixture_images(client)
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        matrix_path = write_matrix(workdir, args.ready_after)
        needs = [int(cell.values["tp"]) for cell in expand(load_matrix(matrix_path).spec)]
        baseline = plain_sdk(client, matrix_path, workdir)
        runs = {jobs: harness(matrix_path, workdir / f"jobs-{jobs}", jobs) for jobs in args.jobs}
    sequential = runs[min(runs)][0] * (1 if min(runs) == 1 else min(runs))
    cell_seconds = sequential / len(needs)
    device_seconds = sum(needs) * cell_seconds
    rows = []
    for jobs, (wall, results) in runs.items():
        ideal_wall = max(len(needs) * cell_seconds / jobs, device_seconds / len(POOL), cell_seconds)
        ideal = sequential / ideal_wall
        measured = sequential / wall
        outcomes = sorted({r["outcome"] for r in results})
        rows.append(
            [
                jobs,
                f"{wall:.1f}",
                f"{wall / baseline:.2f}x",
                f"{measured:.2f}x",
                f"{ideal:.2f}x",
                f"{measured / ideal:.0%}",
                f"{device_seconds / (len(POOL) * wall):.0%}",
                shared_devices(results),
                ", ".join(outcomes),
            ]
        )
    print(
        f"{len(needs)} cells ({needs.count(1)} x 1 device, {needs.count(2)} x 2) on a pool of {len(POOL)}, "
        f"ready after {args.ready_after:g}s; plain SDK one after another: {baseline:.1f}s; "
        f"cell time at --jobs 1: {cell_seconds:.1f}s"
    )
    headers = [
        "jobs",
        "wall s",
        "vs plain SDK",
        "speed-up vs jobs 1",
        "ideal",
        "of ideal",
        "device use",
        "shared devices",
        "outcomes",
    ]
    print(tabulate(rows, headers=headers, tablefmt="github", disable_numparse=True))


if __name__ == "__main__":
    main()
