"""How much container time early verdicts save, against the plain Docker SDK baseline, same run.

The baseline is what a script without image-bisect does: `containers.run(detach=True)`, then
`container.wait(timeout=BUDGET)`, then read the log, classify it and remove the container. A serving
cell never exits, so the baseline always spends the whole budget on it; a failure that leaves the
engine hanging does the same. The harness stops each container once its verdict has settled.
Both sides use the same translated `containers.run` arguments and the same classifier.

    .venv/bin/python bench/early_verdict.py [--budget 20] [--repeat 2]
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import sys
import tempfile
import time
from dataclasses import replace
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
from harness.run.plan import PreparedCell, WatchRules, prepare, watch_rules  # noqa: E402
from harness.store.results import RunStore  # noqa: E402

SERVE = "while :; do sleep 1 & wait $!; done"
SCRIPTS = {
    "hangs after DEVICE_LOST": (
        "trap 'exit 143' TERM; echo 'RuntimeError: level_zero backend failed with error: 20 "
        "(UR_RESULT_ERROR_DEVICE_LOST)'; " + SERVE
    ),
    "crashes at once": "echo 'Segmentation fault'; exit 139",
}
DEMO_CELLS = {
    "1.3 TP=2 serves": ("1.3", "2"),
    "1.4 TP=2 device_lost": ("1.4", "2"),
    "1.4 TP=1 kv_cache_insufficient": ("1.4", "1"),
}


def scenarios(workdir: Path) -> list[tuple[str, PreparedCell, WatchRules]]:
    demo = load_matrix(ROOT / "matrices" / "demo.yaml")
    picked = []
    for name, (release, tp) in DEMO_CELLS.items():
        cell = next(
            c
            for c in expand(demo.spec)
            if c.labels["image"].endswith(f":{release}")
            and c.labels["tp"] == tp
            and c.labels["env"] == "none"
            and c.labels["caps"] == "none"
        )
        (prepared,) = prepare(demo, [cell], lambda c: workdir / "demo" / c.id, "bench")
        picked.append((name, prepared, watch_rules(demo)))
    (workdir / "script.yaml.j2").write_text(
        "services:\n  app:\n    image: {{ image }}\n"
        "    command: ['/bin/sh', '-c', {{ script | replace('$', '$$') | tojson }}]\n"
    )
    (workdir / "scripts.yaml").write_text(
        yaml.safe_dump(
            {"name": "bench", "template": "script.yaml.j2", "axes": {"image": [BASE_TAG], "script": SCRIPTS}}
        )
    )
    scripts = load_matrix(workdir / "scripts.yaml")
    for prepared in prepare(scripts, expand(scripts.spec), lambda c: workdir / "scripts" / c.id, "bench"):
        picked.append((prepared.cell.labels["script"], prepared, watch_rules(scripts)))
    return picked


def plain_sdk(client: Any, prepared: PreparedCell, budget: float) -> tuple[float, str]:
    kwargs = dict(prepared.plan.service(prepared.plan.watched).kwargs)
    started = time.monotonic()
    container = client.containers.run(detach=True, **kwargs)
    with contextlib.suppress(requests.exceptions.ReadTimeout, requests.exceptions.ConnectionError):
        container.wait(timeout=budget)
    outcome, _ = classify_lines(container.logs().decode("utf-8", "replace").splitlines())
    container.remove(force=True)
    return time.monotonic() - started, outcome


def harness(client: Any, prepared: PreparedCell, rules: WatchRules, store: RunStore) -> tuple[float, str]:
    started = time.monotonic()
    result = DockerBackend(client).run_cell(prepared, rules, store)
    return time.monotonic() - started, result.outcome


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=float, default=20.0, help="seconds a cell may take to start")
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    client = docker_ops.connect()
    ensure_fixture_images(client)
    rows = []
    totals = [0.0, 0.0]
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        store = RunStore(workdir / "results", "bench")
        for name, prepared, rules in scenarios(workdir):
            rules = replace(rules, timeout=args.budget)
            base = [plain_sdk(client, prepared, args.budget) for _ in range(args.repeat)]
            ours = [harness(client, prepared, rules, store) for _ in range(args.repeat)]
            base_s = statistics.median(t for t, _ in base)
            ours_s = statistics.median(t for t, _ in ours)
            totals[0] += base_s
            totals[1] += ours_s
            rows.append([name, base[0][1], ours[0][1], f"{base_s:.1f}", f"{ours_s:.1f}", f"{ours_s / base_s:.2f}x"])
    rows.append(["all scenarios", "", "", f"{totals[0]:.1f}", f"{totals[1]:.1f}", f"{totals[1] / totals[0]:.2f}x"])
    print(f"budget {args.budget:.0f}s per cell, median of {args.repeat} runs, ratio = harness / plain SDK")
    headers = ["scenario", "plain SDK says", "harness says", "plain SDK s", "harness s", "ratio"]
    print(tabulate(rows, headers=headers, tablefmt="github", disable_numparse=True))


if __name__ == "__main__":
    main()
