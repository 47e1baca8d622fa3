"""`bisect run matrices/demo.yaml` end to end on the fixture images that replay intel/llm-scaler#424."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from harness.cli import app
from harness.store.results import SCHEMA_VERSION

pytestmark = pytest.mark.docker
ROOT = Path(__file__).resolve().parents[2]

# What the report implies: 1.3 serves at TP 2; 1.4 dies with DEVICE_LOST at TP 2 whatever the
# workaround; TP 1 at max-model-len 24576 hits the KV-cache capacity check on one B50.
EXPECTED_TABLE = """\
| image                                 | env         | caps   | tp=1                     | tp=2           |
|---------------------------------------|-------------|--------|--------------------------|----------------|
| image-bisect/fake-llm-scaler-vllm:1.3 | none        | none   | ❌ kv_cache_insufficient | ✅ ready       |
| image-bisect/fake-llm-scaler-vllm:1.3 | none        | ptrace | ❌ kv_cache_insufficient | ✅ ready       |
| image-bisect/fake-llm-scaler-vllm:1.3 | ipc-sockets | none   | ❌ kv_cache_insufficient | ✅ ready       |
| image-bisect/fake-llm-scaler-vllm:1.3 | ipc-sockets | ptrace | ❌ kv_cache_insufficient | ✅ ready       |
| image-bisect/fake-llm-scaler-vllm:1.4 | none        | none   | ❌ kv_cache_insufficient | ❌ device_lost |
| image-bisect/fake-llm-scaler-vllm:1.4 | none        | ptrace | ❌ kv_cache_insufficient | ❌ device_lost |
| image-bisect/fake-llm-scaler-vllm:1.4 | ipc-sockets | none   | ❌ kv_cache_insufficient | ❌ device_lost |
| image-bisect/fake-llm-scaler-vllm:1.4 | ipc-sockets | ptrace | ❌ kv_cache_insufficient | ❌ device_lost |
| image-bisect/fake-llm-scaler-vllm:1.4 | ipc-drmfd   | none   | ❌ kv_cache_insufficient | ❌ device_lost |
| image-bisect/fake-llm-scaler-vllm:1.4 | ipc-drmfd   | ptrace | ❌ kv_cache_insufficient | ❌ device_lost |
"""


def test_demo_matrix_reproduces_the_report(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["run", str(ROOT / "matrices" / "demo.yaml"), "--results", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert result.stdout == EXPECTED_TABLE

    (run_dir,) = tmp_path.iterdir()
    run = json.loads((run_dir / "run.json").read_text())
    assert run["finished_at"] and not run["interrupted"] and len(run["cells"]) == 20
    results = {p.parent.name: json.loads(p.read_text()) for p in run_dir.glob("cells/*/result.json")}
    assert len(results) == 20

    lost = next(r for r in results.values() if r["labels"]["image"].endswith(":1.4") and r["labels"]["tp"] == "2")
    assert lost["outcome"] == lost["signature"] == "device_lost"
    assert lost["line"].endswith("RuntimeError: level_zero backend failed with error: 20 (UR_RESULT_ERROR_DEVICE_LOST)")
    assert lost["exit_code"] == 1 and lost["schema_version"] == SCHEMA_VERSION
    log = (run_dir / "cells" / lost["cell_id"] / "vllm.log").read_text().splitlines()
    assert log[lost["line_no"] - 1] == lost["line"]

    ready = next(r for r in results.values() if r["outcome"] == "ready")
    assert ready["line"].endswith("Application startup complete.") and ready["exit_code"] is None
    assert 0 < ready["seconds"] < 30

    compose = yaml.safe_load((run_dir / "cells" / lost["cell_id"] / "compose.yaml").read_text())
    service = compose["services"]["vllm"]
    assert service["image"] == "image-bisect/fake-llm-scaler-vllm:1.4"
    assert service["volumes"] == [f"{ROOT}/tests/fixtures/models:/llm/models:ro"]


def cells_of(table: str) -> list[list[str]]:
    return [
        [cell.strip() for cell in line.split("|")[1:-1]] for line in table.splitlines() if not line.startswith("|--")
    ]


def test_a_second_run_of_the_demo_launches_nothing(tmp_path: Path) -> None:
    matrix = str(ROOT / "matrices" / "demo.yaml")
    first = CliRunner().invoke(app, ["run", matrix, "--results", str(tmp_path)])
    assert first.exit_code == 0, first.output
    second = CliRunner().invoke(app, ["run", matrix, "--results", str(tmp_path)])
    assert second.exit_code == 0, second.output
    assert second.stdout.count("♻️") == 20
    assert cells_of(second.stdout.replace(" ♻️", "")) == cells_of(EXPECTED_TABLE)
    assert "20 reused without launching" in second.stderr
    assert second.stderr.count("(reused from ") == 20
