"""Reports, release comparison and secrets against real runs on the fixture images."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import docker
import pytest
import yaml
from build_images import BASE_TAG, FAKE_VLLM
from typer.testing import CliRunner

from harness.cli import app

pytestmark = pytest.mark.docker
ROOT = Path(__file__).resolve().parents[2]
runner = CliRunner()


def bisect(*args: str) -> Any:
    return runner.invoke(app, list(args))


def release_matrix(folder: Path, name: str, images: dict[str, str]) -> Path:
    """The demo matrix cut to one workaround, with image labels that stay the same when a tag is fixed."""
    matrix = yaml.safe_load((ROOT / "matrices" / "demo.yaml").read_text())
    matrix.update(name=name, template=str(ROOT / "compose_templates" / "llm-scaler-vllm.yaml.j2"), exclude=[])
    matrix["axes"] = {"image": images, "tp": [1, 2]}
    matrix["vars"]["models_dir"] = str(ROOT / "tests" / "fixtures" / "models")
    matrix["vars"]["env"] = {}
    matrix["vars"]["caps"] = []
    matrix["table"] = {"rows": ["image"], "cols": ["tp"]}
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump(matrix, sort_keys=False))
    return path


def only_run(results: Path) -> Path:
    (run_dir,) = [p for p in results.iterdir() if p.is_dir()]
    return run_dir


def test_compare_against_a_fixed_release_shows_exactly_the_fixed_cells(
    tmp_path: Path, client: docker.DockerClient
) -> None:
    broken = release_matrix(tmp_path, "release-1.4", {"1.3": f"{FAKE_VLLM}:1.3", "1.4": f"{FAKE_VLLM}:1.4"})
    fixed = release_matrix(tmp_path, "release-1.4-fixed", {"1.3": f"{FAKE_VLLM}:1.3", "1.4": f"{FAKE_VLLM}:1.4.1"})
    first, second = tmp_path / "a", tmp_path / "b"
    assert bisect("run", str(broken), "--results", str(first)).exit_code == 0
    assert bisect("run", str(fixed), "--results", str(second)).exit_code == 0
    run_a, run_b = only_run(first), only_run(second)

    compared = bisect("compare", str(run_a), str(run_b), "--format", "json", "--fail-on-regression")
    assert compared.exit_code == 0, compared.stderr
    changes = json.loads(compared.stdout)
    assert [(c["cell"], c["kind"], c["before"], c["after"]) for c in changes["changes"]] == [
        ({"image": "1.4", "tp": "2"}, "fix", "device_lost", "ready")
    ]
    assert changes["unchanged"] == 3

    shutil.copytree(run_a, tmp_path / "all" / run_a.name)
    shutil.copytree(run_b, tmp_path / "all" / run_b.name)
    history = bisect("history", "--axis", "image", "--results", str(tmp_path / "all"))
    rows = [line.split("|")[1:-1] for line in history.stdout.splitlines()[2:]]
    ids = {
        ref: client.images.get(ref).id.removeprefix("sha256:")[:12]
        for ref in (f"{FAKE_VLLM}:1.4", f"{FAKE_VLLM}:1.4.1")
    }
    assert [(r[0].strip(), r[1].strip(" `")) for r in rows if r[0].strip() == "1.4"] == [
        ("1.4", ids[f"{FAKE_VLLM}:1.4"]),
        ("1.4", ids[f"{FAKE_VLLM}:1.4.1"]),
    ]


def test_report_of_a_real_run_names_images_versions_and_reproducible_cells(
    tmp_path: Path, client: docker.DockerClient
) -> None:
    matrix = release_matrix(tmp_path, "report", {"1.3": f"{FAKE_VLLM}:1.3", "1.4": f"{FAKE_VLLM}:1.4"})
    assert bisect("run", str(matrix), "--results", str(tmp_path / "results")).exit_code == 0
    run_dir = only_run(tmp_path / "results")
    report = bisect("report", "latest", "--results", str(tmp_path / "results"))
    assert report.exit_code == 0, report.stderr
    text = report.stdout
    assert "**device_lost** in the cell with `image=1.4` and `tp=2`." in text
    for ref in (f"{FAKE_VLLM}:1.3", f"{FAKE_VLLM}:1.4"):
        assert f"`{client.images.get(ref).id.removeprefix('sha256:')[:12]}`" in text
    assert "vllm 0.14.1.dev0+gb17039bcc.d20260430" in text and "org.opencontainers.image.version=1.4" in text
    failing = [json.loads(p.read_text()) for p in run_dir.glob("cells/*/result.json")]
    failing = [r for r in failing if r["outcome"] != "ready"]
    assert text.count("<summary>❌") == len(failing) == 3
    for result in failing:
        compose = run_dir / "cells" / result["cell_id"] / "compose.yaml"
        assert f"docker compose -f {compose.resolve()} up" in text
        assert compose.is_file()
    assert "Model memory usage" in text and "model_gib `9.25`" in text
    assert f"<summary>What changed between {FAKE_VLLM}:1.3 and {FAKE_VLLM}:1.4</summary>" in text
    assert "| oneapi ccl | `2021.15` | `2021.16` |" in text


TOKEN = "hf_ZmFrZVRva2VuRm9yVGVzdGluZzEyMzQ1"
API_KEY = "sk-proj-Q2xvc2VkQm94U2VjcmV0"
PASSWORD = "correct-horse-battery-staple"
SECRET_TEMPLATE = """\
services:
  app:
    image: {{ image }}
    command: ["/bin/sh", "-c", {{ ("echo token=$$HF_TOKEN key=$$OPENAI_API_KEY; echo 'login " ~ registry_password ~ "';"
      ~ " echo \\"auth failed for $$HF_TOKEN\\" >&2; echo 'Segmentation fault'; exit 139") | tojson }}]
    environment:
{%- for name, value in env.items() %}
      {{ name }}: {{ value | tojson }}
{%- endfor %}
      OPENAI_API_KEY:
"""


def test_no_secret_value_is_written_or_printed_anywhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", API_KEY)
    (tmp_path / "app.yaml.j2").write_text(SECRET_TEMPLATE)
    matrix = {
        "name": "secrets",
        "template": "app.yaml.j2",
        "axes": {"image": [BASE_TAG], "env": {"hub": {"HF_TOKEN": TOKEN}, "plain": {"HF_HOME": "/tmp/hf"}}},
        "vars": {"registry_password": PASSWORD},
        "timeout": "20s",
        "settle": "0s",
    }
    (tmp_path / "matrix.yaml").write_text(yaml.safe_dump(matrix, sort_keys=False))
    results = tmp_path / "results"
    outputs = [bisect("run", str(tmp_path / "matrix.yaml"), "--results", str(results))]
    assert outputs[0].exit_code == 0, outputs[0].output
    run_dir = only_run(results)
    for output_format in ("md", "json", "csv", "html"):
        outputs.append(bisect("report", "latest", "--format", output_format, "--results", str(results)))
    outputs.append(bisect("compare", "latest", "--axis", "env", "plain", "hub", "--results", str(results)))
    outputs.append(bisect("history", "--axis", "env", "--results", str(results)))
    assert all(o.exit_code == 0 for o in outputs), [o.output for o in outputs]

    stored = [p for p in run_dir.rglob("*") if p.is_file()]
    assert {p.name for p in stored} >= {"run.json", "result.json", "compose.yaml", "app.log"}
    for secret in (TOKEN, API_KEY, PASSWORD):
        assert not [p for p in stored if secret.encode() in p.read_bytes()]
        assert not [o for o in outputs if secret in o.stdout or secret in o.stderr]

    hub = next(p.parent for p in run_dir.glob("cells/*/result.json") if "env-hub" in p.parent.name)
    log = (hub / "app.log").read_text()
    assert "token=[masked:HF_TOKEN] key=[masked:OPENAI_API_KEY]" in log
    assert "login [masked:REGISTRY_PASSWORD]" in log
    compose_text = (hub / "compose.yaml").read_text()
    assert 'HF_TOKEN: "${HF_TOKEN}"' in compose_text and "${REGISTRY_PASSWORD}" in compose_text
    if shutil.which("docker-compose"):
        env = {"PATH": "/usr/bin:/bin", "HF_TOKEN": TOKEN, "REGISTRY_PASSWORD": PASSWORD}
        config = subprocess.run(
            ["docker-compose", "-f", str(hub / "compose.yaml"), "config"], env=env, capture_output=True, text=True
        )
        assert TOKEN in config.stdout and PASSWORD in config.stdout, config.stderr
