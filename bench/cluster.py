"""The same matrix on a Ray cluster of one node and of two, and on the local backend, in one run.

12 fixture cells (6 needing one GPU, 6 needing two), each ready after `--ready-after` seconds; every
Ray node declares 2 GPUs and runs its cells on this machine's Docker engine. The local backend gets
the same 2 devices (`--jobs 2`), so the one-node row against the local row is the cost of going
through Ray, per cell; the two-node row against the one-node row is what a second machine buys.

    .venv/bin/python bench/cluster.py [--ready-after 3]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml
from tabulate import tabulate

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "fixtures"))

from build_images import BASE_TAG  # noqa: E402

RAY = Path(sys.executable).with_name("ray")
PORT = "6392"
CELLS = 12


def ray(*args: str) -> None:
    env = {**os.environ, "RAY_USAGE_STATS_ENABLED": "0"}
    subprocess.run([str(RAY), *args], check=True, capture_output=True, env=env, timeout=120)


def write_matrix(workdir: Path, ready_after: float) -> Path:
    script = (
        f"trap 'exit 143' TERM; sleep {ready_after}; echo 'INFO:     Application startup complete.'; "
        "while :; do sleep 1 & wait $$!; done"
    )
    template = {
        "services": {
            "app": {
                "image": BASE_TAG,
                "environment": {"CUDA_VISIBLE_DEVICES": '{{ cell.devices | join(",") }}'},
                "command": ["/bin/sh", "-c", script],
                "stop_grace_period": "1s",
            }
        }
    }
    (workdir / "cell.yaml.j2").write_text(yaml.safe_dump(template, sort_keys=False, width=1000))
    matrix = {
        "name": "cluster-bench",
        "template": "cell.yaml.j2",
        "axes": {"tp": [1, 2], "n": list(range(1, CELLS // 2 + 1))},
        "resources": {"devices": [0, 1], "per_cell": "{{ tp }}"},
        "timeout": "60s",
        "settle": "0.5s",
    }
    path = workdir / "matrix.yaml"
    path.write_text(yaml.safe_dump(matrix, sort_keys=False))
    return path


def timed_run(matrix: Path, results: Path, *extra: str) -> float:
    started = time.monotonic()
    command = [sys.executable, "-m", "harness", "run", str(matrix), "--results", str(results), "--no-cache"]
    done = subprocess.run([*command, *extra], cwd=ROOT, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"bisect run {' '.join(extra)} failed: {done.stderr[-2000:]}")
    return time.monotonic() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ready-after", type=float, default=3.0)
    args = parser.parse_args()
    address = f"127.0.0.1:{PORT}"
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        matrix = write_matrix(workdir, args.ready_after)
        local = timed_run(matrix, workdir / "local", "--jobs", "2")
        ray("stop", "--force")
        try:
            ray("start", "--head", "--port", PORT, "--num-cpus", "4", "--num-gpus", "2", "--include-dashboard=false")
            one = timed_run(matrix, workdir / "one", "--ray", address)
            ray("start", "--address", address, "--num-cpus", "4", "--num-gpus", "2")
            two = timed_run(matrix, workdir / "two", "--ray", address)
        finally:
            ray("stop", "--force")
    rows = [
        ["local backend, 2 devices (--jobs 2)", f"{local:.1f}", "1.00x", "-"],
        ["Ray, 1 node x 2 GPUs", f"{one:.1f}", f"{local / one:.2f}x", f"{(one - local) / CELLS:+.2f}"],
        ["Ray, 2 nodes x 2 GPUs", f"{two:.1f}", f"{local / two:.2f}x", "-"],
    ]
    print(
        f"{CELLS} cells (6 x 1 GPU, 6 x 2), ready after {args.ready_after:g}s; two nodes / one node: {one / two:.2f}x"
    )
    headers = ["where", "wall s", "speed vs local", "Ray overhead s per cell"]
    print(tabulate(rows, headers=headers, tablefmt="github", disable_numparse=True))


if __name__ == "__main__":
    main()
