"""Memory and time to a verdict on a flooded log, against the plain Docker SDK baseline, same run.

The container prints SIZE MB of 1,000-byte lines, then UR_RESULT_ERROR_DEVICE_LOST, then hangs (as a
wedged engine does). The baseline is what a script without image-bisect does: `containers.run`,
`wait(timeout=BUDGET)`, `container.logs()` (the whole log in memory), classify the lines, remove. The
harness streams the log through its bounded pipeline and stops the container at the verdict. Peak
memory is what tracemalloc sees allocated by each side (the log's bytes and lines).

    .venv/bin/python bench/big_logs.py [--size 200] [--budget 120]
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests.exceptions
import yaml
from tabulate import tabulate

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "fixtures"))

from build_images import BASE_TAG, ensure_fixture_images  # noqa: E402

from harness.judge.signatures import classify_lines  # noqa: E402
from harness.matrix.spec import expand, load_matrix  # noqa: E402
from harness.run.backends import docker_ops  # noqa: E402
from harness.run.backends.docker import DockerBackend  # noqa: E402
from harness.run.plan import PreparedCell, prepare, watch_rules  # noqa: E402
from harness.store.results import RunStore  # noqa: E402

FLOOD = (
    "trap 'exit 143' TERM; line=$(head -c 999 /dev/zero | tr '\\0' x); i=0; "
    'while [ $i -lt 1000 ]; do echo "$line"; i=$((i+1)); done > /tmp/block; '
    "j=0; while [ $j -lt {blocks} ]; do cat /tmp/block; j=$((j+1)); done; "
    "echo 'RuntimeError: level_zero backend failed with error: 20 (UR_RESULT_ERROR_DEVICE_LOST)'; "
    "while :; do sleep 1 & wait $!; done"
)


def flood_cell(workdir: Path, megabytes: int, budget: float) -> tuple[PreparedCell, Any]:
    (workdir / "flood.yaml.j2").write_text(
        "services:\n  app:\n    image: {{ image }}\n"
        "    command: ['/bin/sh', '-c', {{ script | replace('$', '$$') | tojson }}]\n"
        "    stop_grace_period: 2s\n"
    )
    matrix = {
        "name": "bench-logs",
        "template": "flood.yaml.j2",
        "axes": {"image": [BASE_TAG], "script": {"flood": FLOOD.format(blocks=megabytes)}},
        "timeout": f"{budget}s",
        "settle": "0.5s",
        "log_limit": "50MB",
    }
    (workdir / "flood.yaml").write_text(yaml.safe_dump(matrix))
    loaded = load_matrix(workdir / "flood.yaml")
    (prepared,) = prepare(loaded, expand(loaded.spec), lambda c: workdir / "cells" / c.id, "bench")
    return prepared, watch_rules(loaded)


def plain_sdk(client: Any, prepared: PreparedCell, budget: float) -> str:
    container = client.containers.run(detach=True, **prepared.plan.service(prepared.plan.watched).kwargs)
    try:
        with contextlib.suppress(requests.exceptions.ReadTimeout, requests.exceptions.ConnectionError):
            container.wait(timeout=budget)
        outcome, _ = classify_lines(container.logs().decode("utf-8", "replace").splitlines())
    finally:
        container.remove(force=True)
    return outcome


def measured(work: Callable[[], str]) -> tuple[str, float, float]:
    tracemalloc.start()
    started = time.monotonic()
    try:
        outcome = work()
    finally:
        seconds = time.monotonic() - started
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return outcome, seconds, peak / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=200, help="megabytes the container prints before failing")
    parser.add_argument("--budget", type=float, default=120.0, help="seconds the baseline waits")
    args = parser.parse_args()
    client = docker_ops.connect()
    ensure_fixture_images(client)
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        prepared, rules = flood_cell(workdir, args.size, args.budget)
        store = RunStore(workdir / "results", "bench")
        base = measured(lambda: plain_sdk(client, prepared, args.budget))
        ours = measured(lambda: DockerBackend(client).run_cell(prepared, rules, store).outcome)
    rows = [
        ["plain SDK", base[0], f"{base[1]:.1f}", f"{base[2]:.0f}"],
        ["harness", ours[0], f"{ours[1]:.1f}", f"{ours[2]:.0f}"],
        ["ratio (harness / plain)", "", f"{ours[1] / base[1]:.2f}x", f"{ours[2] / base[2]:.3f}x"],
    ]
    print(f"{args.size} MB of log then DEVICE_LOST then a hang; baseline waits {args.budget:.0f}s")
    print(tabulate(rows, headers=["side", "verdict", "seconds", "peak MiB"], tablefmt="github", disable_numparse=True))


if __name__ == "__main__":
    main()
