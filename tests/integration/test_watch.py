"""`bisect watch` against a real registry on this machine (the CNCF distribution registry, Debian's
`docker-registry`): a release line is qualified once, then only a new tag and a rebuilt one are, each
against the right baseline, and the regression is named."""

from __future__ import annotations

import io
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


def start_registry(folder: Path, users: dict[str, str] | None = None) -> tuple[str, subprocess.Popen[bytes]]:
    """Debian's docker-registry on a free loopback port, open or behind htpasswd basic auth."""
    binary = shutil.which("docker-registry")
    if binary is None:
        pytest.fail("no registry: apt-get install docker-registry", pytrace=False)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config: dict[str, object] = {
        "version": 0.1,
        "log": {"level": "error"},
        "storage": {"filesystem": {"rootdirectory": str(folder / "registry")}},
        "http": {"addr": f"127.0.0.1:{port}"},
    }
    if users:
        import bcrypt

        lines = [f"{user}:{bcrypt.hashpw(pw.encode(), bcrypt.gensalt()).decode()}" for user, pw in users.items()]
        (folder / "htpasswd").write_text("\n".join(lines) + "\n")
        config["auth"] = {"htpasswd": {"realm": "image-bisect", "path": str(folder / "htpasswd")}}
    (folder / "registry.yml").write_text(yaml.safe_dump(config))
    process = subprocess.Popen([binary, "serve", str(folder / "registry.yml")], stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            if requests.get(f"http://127.0.0.1:{port}/v2/", timeout=1).status_code in (200, 401):
                break
        except requests.RequestException:
            time.sleep(0.2)
    return f"127.0.0.1:{port}", process


def forget(address: str) -> None:
    """Remove what the watcher pulled from a test registry, so the engine keeps only the fixtures."""
    client = docker.from_env()
    for image in client.images.list():
        if any(name.startswith(address) for name in [*image.tags, *(image.attrs.get("RepoDigests") or [])]):
            client.images.remove(image.id, force=True)


@pytest.fixture
def registry(tmp_path: Path) -> Iterator[str]:
    address, process = start_registry(tmp_path)
    yield address
    process.terminate()
    process.wait(timeout=10)
    forget(address)


def push(client: docker.DockerClient, source: str, target: str, login: dict[str, str] | None = None) -> None:
    """Push a copy of `source` (an image of its own, so the shared fixture image never gets a repo
    digest that would change how other tests see it), then remove it locally: the watcher must pull."""
    repository, tag = target.rsplit(":", 1)
    dockerfile = f"FROM {source}\nLABEL io.image-bisect.pushed-as={target}\n".encode()
    copy, _ = client.images.build(fileobj=io.BytesIO(dockerfile), pull=False, rm=True)
    copy.tag(repository, tag)
    for event in client.api.push(repository, tag, stream=True, decode=True, auth_config=login):
        assert "error" not in event, event
    client.images.remove(copy.id, force=True)


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


def demo_matrix(tmp_path: Path, image: str = "placeholder") -> Path:
    demo = yaml.safe_load((ROOT / "matrices" / "demo.yaml").read_text())
    demo.update(
        {
            "name": "watch",
            "template": str(ROOT / "compose_templates" / "llm-scaler-vllm.yaml.j2"),
            "axes": {"image": [image], "tp": [2]},
            "exclude": [],
            "table": {"rows": ["image"], "cols": ["tp"]},
        }
    )
    demo["vars"].update({"models_dir": str(ROOT / "tests" / "fixtures" / "models"), "env": {}, "caps": []})
    (tmp_path / "matrix.yaml").write_text(yaml.safe_dump(demo, sort_keys=False))
    return tmp_path / "matrix.yaml"


def test_watch_behind_basic_auth_uses_the_docker_config(
    fixture_images: list[str], client: docker.DockerClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import base64

    address, process = start_registry(tmp_path, {"qa": "s3cret-pass"})
    try:
        login = {"username": "qa", "password": "s3cret-pass"}
        push(client, f"{FAKE_VLLM}:1.3", f"{address}/private:1.3", login)
        token = base64.b64encode(b"qa:s3cret-pass").decode()
        (tmp_path / "docker").mkdir()
        (tmp_path / "docker" / "config.json").write_text(json.dumps({"auths": {address: {"auth": token}}}))
        monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path / "docker"))
        watch = ["watch", str(demo_matrix(tmp_path)), "--repo", f"{address}/private", "--results", str(tmp_path / "r")]
        result = CliRunner().invoke(app, watch)
        assert result.exit_code == 0, result.output
        assert "1.3 (first release): no regression" in result.stdout
        monkeypatch.delenv("DOCKER_CONFIG")
        refused = CliRunner().invoke(app, [*watch[:-2], "--results", str(tmp_path / "r2")])
        assert refused.exit_code == 2 and "listing tags answered 401" in refused.output
    finally:
        process.terminate()
        process.wait(timeout=10)
        forget(address)


def test_a_registry_gone_mid_watch_is_one_line_and_loses_no_state(
    fixture_images: list[str], client: docker.DockerClient, tmp_path: Path
) -> None:
    address, process = start_registry(tmp_path)
    push(client, f"{FAKE_VLLM}:1.3", f"{address}/line:1.3")
    watch = ["watch", str(demo_matrix(tmp_path)), "--repo", f"{address}/line", "--results", str(tmp_path / "r")]
    assert CliRunner().invoke(app, watch).exit_code == 0
    state = next((tmp_path / "r" / ".watch").glob("*/state.json"))
    before = state.read_text()
    process.terminate()
    process.wait(timeout=10)
    gone = CliRunner().invoke(app, watch)
    forget(address)
    assert gone.exit_code == 3
    assert gone.output.strip().splitlines()[-1] == f"bisect: registry {address} unreachable: ConnectionError"
    assert state.read_text() == before


def test_run_pull_records_the_digest_it_pulled(
    registry: str, fixture_images: list[str], client: docker.DockerClient, tmp_path: Path
) -> None:
    ref = f"{registry}/pulled:1.4"
    push(client, f"{FAKE_VLLM}:1.4", ref)
    digest = requests.head(
        f"http://{registry}/v2/pulled/manifests/1.4",
        headers={"Accept": "application/vnd.docker.distribution.manifest.v2+json"},
        timeout=10,
    ).headers["Docker-Content-Digest"]
    result = CliRunner().invoke(
        app, ["run", str(demo_matrix(tmp_path, ref)), "--results", str(tmp_path / "r"), "--pull"]
    )
    assert result.exit_code == 0, result.output
    run = json.loads(next((tmp_path / "r").glob("*/run.json")).read_text())
    (image,) = run["images"]
    assert f"{registry}/pulled@{digest}" in image["repo_digests"]
    report = CliRunner().invoke(app, ["report", "latest", "--results", str(tmp_path / "r")])
    assert digest in report.stdout
