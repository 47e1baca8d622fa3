"""`bisect watch` against a real registry on this machine (the CNCF distribution registry, Debian's
`docker-registry`): a release line is qualified once, then only a new tag and a rebuilt one are, each
against the right baseline, and the regression is named."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import docker
import pytest
import requests
import yaml
from build_images import FAKE_VLLM
from typer.testing import CliRunner

from harness.cli import app

pytestmark = pytest.mark.docker
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def registry(tmp_path: Path) -> Iterator[str]:
    binary = shutil.which("docker-registry")
    if binary is None:
        pytest.fail("no registry: apt-get install docker-registry", pytrace=False)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = {
        "version": 0.1,
        "log": {"level": "error"},
        "storage": {"filesystem": {"rootdirectory": str(tmp_path / "registry")}},
        "http": {"addr": f"127.0.0.1:{port}"},
    }
    (tmp_path / "registry.yml").write_text(yaml.safe_dump(config))
    process = subprocess.Popen([binary, "serve", str(tmp_path / "registry.yml")], stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            if requests.get(f"http://127.0.0.1:{port}/v2/", timeout=1).status_code == 200:
                break
        except requests.RequestException:
            time.sleep(0.2)
    yield f"127.0.0.1:{port}"
    process.terminate()
    process.wait(timeout=10)


def push(client: docker.DockerClient, source: str, target: str) -> None:
    repository, tag = target.rsplit(":", 1)
    client.images.get(source).tag(repository, tag)
    for _ in client.api.push(repository, tag, stream=True, decode=True):
        pass
    client.images.remove(target)  # the watcher must pull it


def test_watch_qualifies_new_and_rebuilt_releases_against_the_last_good_one(
    registry: str, fixture_images: list[str], client: docker.DockerClient, tmp_path: Path
) -> None:
    demo = yaml.safe_load((ROOT / "matrices" / "demo.yaml").read_text())
    demo.update(
        {
            "name": "watch",
            "template": str(ROOT / "compose_templates" / "llm-scaler-vllm.yaml.j2"),
            "axes": {"image": ["placeholder"], "tp": [1, 2]},
            "exclude": [],
            "table": {"rows": ["image"], "cols": ["tp"]},
        }
    )
    demo["vars"].update({"models_dir": str(ROOT / "tests" / "fixtures" / "models"), "env": {}, "caps": []})
    (tmp_path / "matrix.yaml").write_text(yaml.safe_dump(demo, sort_keys=False))
    repo = f"{registry}/fake-vllm"
    watch = ["watch", str(tmp_path / "matrix.yaml"), "--repo", repo, "--results", str(tmp_path / "r")]

    push(client, f"{FAKE_VLLM}:1.3", f"{repo}:1.3")
    first = CliRunner().invoke(app, watch)
    assert first.exit_code == 0, first.output
    assert "1.3 (first release): no regression" in first.stdout

    push(client, f"{FAKE_VLLM}:1.4", f"{repo}:1.4")
    push(client, f"{FAKE_VLLM}:1.4.1", f"{repo}:1.3")  # 1.3 rebuilt: its digest moves
    second = CliRunner().invoke(app, [*watch, "--fail-on-regression"])
    assert second.exit_code == 1, second.output
    lines = second.stdout.splitlines()
    assert lines[0].startswith("1.3 (first release): no regression")  # rebuilt, tested again
    assert lines[1].startswith("1.4 against 1.3: 1 regression(s)")
    report = Path(lines[1].rsplit("; ", 1)[1]).read_text()
    assert "**1 regression" in report and "| 2    | ✅ ready ♻️ | ❌ device_lost |" in report  # baseline from the cache
    assert "<summary>What changed between 1.3 and 1.4</summary>" in report

    state = json.loads(
        (tmp_path / "r" / ".watch" / f"{registry.replace(':', '-')}-fake-vllm" / "state.json").read_text()
    )
    assert set(state["qualified"]) == {"1.3", "1.4"} and state["qualified"]["1.4"]["good"] is False
    pulled = client.images.get(f"{repo}:1.4")
    assert any(d.endswith(state["qualified"]["1.4"]["digest"]) for d in pulled.attrs["RepoDigests"])

    third = CliRunner().invoke(app, watch)
    assert third.exit_code == 0 and third.stdout == "", third.output  # nothing new
