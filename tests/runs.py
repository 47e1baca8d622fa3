"""Stored runs built without an engine, for report, compare and history tests.

Logs are the real lines of intel/llm-scaler issue 424 (tests/fixtures/logs); each cell's verdict,
matched line and line number come from the real classifier, and files are written by RunStore.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

from harness.judge.signatures import CRASHED, READY, UNKNOWN, MetricCollector, classify_lines
from harness.matrix.spec import Cell, MatrixSpec, expand
from harness.run.backends.inventory import HostFacts, ImageFacts
from harness.store.masking import Masker
from harness.store.results import CellResult, Layout, RunInfo, RunStore

FIXTURE_LOGS = Path(__file__).resolve().parent / "fixtures" / "logs"
STARTED = "2026-11-20T10:00:00+00:00"
FINISHED = "2026-11-20T10:42:00+00:00"

MATRIX = {
    "name": "b50-tp-regression",
    "template": "llm-scaler-vllm.yaml.j2",
    "service": "vllm",
    "axes": {
        "image": ["intel/llm-scaler-vllm:1.3", "intel/llm-scaler-vllm:1.4"],
        "tp": [1, 2],
        "env": {"none": {}, "ipc-sockets": {"CCL_ZE_IPC_EXCHANGE": "sockets"}},
    },
    "metrics": {"model_gib": r"Model memory usage\s*:\s*([\d.]+) GB"},
    "table": {"rows": ["image", "env"], "cols": ["tp"]},
}
IMAGES = {
    "intel/llm-scaler-vllm:1.3": ImageFacts(
        ref="intel/llm-scaler-vllm:1.3",
        id="sha256:5f1c0e9a7b3d2e4f6a8b0c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d0e1f",
        repo_digests=["intel/llm-scaler-vllm@sha256:0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9"],
        created="2026-01-15T08:00:00Z",
        platform="linux/amd64",
        labels={"org.opencontainers.image.version": "1.3"},
    ),
    "intel/llm-scaler-vllm:1.4": ImageFacts(
        ref="intel/llm-scaler-vllm:1.4",
        id="sha256:9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c8b7a6f5e4d3c2b1a0f9e8d",
        repo_digests=["intel/llm-scaler-vllm@sha256:f9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c8b7a6f5e4d3c2b1a0f9e8"],
        created="2026-04-30T08:00:00Z",
        platform="linux/amd64",
        labels={"org.opencontainers.image.version": "1.4"},
    ),
}
HOST = HostFacts(
    os="Ubuntu 25.04",
    kernel="6.14.0-15-generic",
    cpu="Intel(R) Core(TM) Ultra 9 285K",
    cpus=24,
    memory_gib=62.5,
    engine_version="28.2.2",
    engine_api_version="1.50",
    gpu_device_nodes=["/dev/dri/card0", "/dev/dri/card1", "/dev/dri/renderD128", "/dev/dri/renderD129"],
    gpu_tools={
        "clinfo -l": ["Platform #0: Intel(R) OpenCL Graphics", " +-- Device #0: Intel(R) Arc(TM) Pro B50 Graphics"]
    },
)
VERSION_LINE = "(APIServer pid=1) INFO 05-01 10:00:00 [api_server.py:1351] vLLM API server version {version}"
VERSIONS = {"intel/llm-scaler-vllm:1.3": "0.11.1", "intel/llm-scaler-vllm:1.4": "0.14.1"}


def fixed_1_4(cell: Cell) -> str:
    """The release under test: TP=2 on 1.4 loses the device, TP=1 lacks KV cache, the rest serve."""
    if str(cell.labels["tp"]) == "1":
        return "llm-scaler-424-tp1.log"
    if cell.labels["image"].endswith("1.4"):
        return "llm-scaler-424-tp2.log"
    return "vllm-ready.log"


def make_run(
    root: Path,
    run_id: str = "20261120-100000-b50-tp-regression-ab12",
    log_of: Callable[[Cell], str] = fixed_1_4,
    matrix: Mapping[str, object] = MATRIX,
    masker: Masker | None = None,
) -> Path:
    """Write run.json, each cell's compose.yaml, log and result.json as a real run would."""
    spec = MatrixSpec.model_validate(matrix)
    cells = expand(spec)
    store = RunStore(root, run_id, masker)
    layout = spec.table_layout()
    store.write_run(
        RunInfo(
            run_id=run_id,
            harness_version="0.1.0",
            matrix_path="/home/user/matrices/b50.yaml",
            matrix=dict(matrix),
            cells=[c.id for c in cells],
            started_at=STARTED,
            finished_at=FINISHED,
            layout=Layout(axes=list(spec.axes), rows=layout.rows, cols=layout.cols, show=layout.show),
            report=spec.report,
            images=[IMAGES[ref] for ref in dict.fromkeys(c.labels["image"] for c in cells) if ref in IMAGES],
            host=HOST,
        )
    )
    for index, cell in enumerate(cells):
        image = cell.labels["image"]
        lines = [VERSION_LINE.format(version=VERSIONS.get(image, "0.0.0"))]
        lines += (FIXTURE_LOGS / log_of(cell)).read_text(encoding="utf-8").splitlines()
        outcome, match = classify_lines(lines)
        outcome = CRASHED if outcome == UNKNOWN else outcome  # what the runner records for an exit no rule knows
        folder = store.cell_dir(cell.id)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "compose.yaml").write_text(f"services:\n  vllm:\n    image: {image}\n", encoding="utf-8")
        store.write_log(cell.id, "vllm.log", ("\n".join(lines) + "\n").encode())
        metrics = MetricCollector(spec.metrics)
        for line in lines:
            metrics.feed(line)
        store.write_result(
            CellResult(
                run_id=run_id,
                cell_id=cell.id,
                labels=dict(cell.labels),
                values=dict(cell.values),
                service="vllm",
                outcome=outcome,
                signature=None if outcome in (READY, CRASHED) else outcome,
                line=match.line if match else None,
                line_no=match.line_no if match else None,
                exit_code=None if outcome == READY else 1,
                seconds=round(61.5 + 7 * index, 2),
                log_tail=[] if outcome == READY else lines[-25:],
                images={"vllm": image},
                image_ids={"vllm": IMAGES[image].id if image in IMAGES else "sha256:" + "0" * 64},
                metrics=metrics.values,
                versions={"vllm": VERSIONS.get(image, "0.0.0")},
                started_at=STARTED,
                finished_at=FINISHED,
            )
        )
    return store.path
