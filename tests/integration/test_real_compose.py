"""A stack written the way public projects write compose files runs with compose's meaning: user
network and aliases, container_name, restart policies, a named volume shared by two services and
kept across cells (while containers and networks are not), depends_on a healthcheck, `${VAR:-x}`."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import docker
import docker.errors
import pytest
import yaml
from build_images import BASE_TAG
from typer.testing import CliRunner

from harness.cli import app
from harness.run.backends.docker_ops import LABEL_OWNER

pytestmark = pytest.mark.docker
TEMPLATES = Path(__file__).resolve().parents[1] / "fixtures" / "templates"
VOLUME = "bisect-real-stack-test-model-cache"


def test_a_public_style_stack_runs_and_its_named_volume_outlives_each_cell(
    client: docker.DockerClient, tmp_path: Path
) -> None:
    shutil.copy(TEMPLATES / "real-stack.yaml.j2", tmp_path / "stack.yaml.j2")
    matrix = {
        "name": "real-stack-test",
        "template": "stack.yaml.j2",
        "service": "gateway",
        "axes": {"image": [BASE_TAG], "round": [1, 2]},
        "timeout": "60s",
        "settle": "1s",
        "metrics": {"launches": r"launches=(\d+)", "model": r"model=(\S+)"},
    }
    (tmp_path / "matrix.yaml").write_text(yaml.safe_dump(matrix))
    runner = CliRunner()
    try:
        result = runner.invoke(app, ["run", str(tmp_path / "matrix.yaml"), "--results", str(tmp_path / "results")])
        assert result.exit_code == 0, result.output
        assert "services.model-server.restart: 'unless-stopped' runs as \"no\"" in result.stderr
        assert "'tgi-server' becomes a network alias" in result.stderr
        assert f"created named volumes {VOLUME}" in result.stderr
        cells = sorted((tmp_path / "results").glob("*/cells/*/result.json"))
        results = [json.loads(path.read_text()) for path in cells]
        by_round = {r["labels"]["round"]: r for r in results}
        assert {r["outcome"] for r in results} == {"ready"}
        assert by_round["1"]["metrics"] == {"launches": "1", "model": "Qwen/Qwen3-8B"}
        assert by_round["2"]["metrics"] == {"launches": "2", "model": "Qwen/Qwen3-8B"}
        assert client.volumes.get(VOLUME).attrs["Labels"]["io.image-bisect.volume"] == "real-stack-test"
        assert client.containers.list(all=True, filters={"label": LABEL_OWNER}) == []
        assert client.networks.list(filters={"label": LABEL_OWNER}) == []
        stored = next((tmp_path / "results").glob("*/cells/*/compose.yaml")).read_text()
        assert "MODEL_ID: Qwen/Qwen3-8B" in stored and "$$MODEL_ID" in stored
    finally:
        cleaned = runner.invoke(app, ["clean", "--volumes"])
    assert cleaned.exit_code == 0, cleaned.output
    assert VOLUME in cleaned.stderr
    with pytest.raises(docker.errors.NotFound):
        client.volumes.get(VOLUME)


def test_external_volumes_and_networks_must_exist_and_are_then_joined(
    client: docker.DockerClient, tmp_path: Path
) -> None:
    template = """services:
  app:
    image: {{ image }}
    volumes: [models:/models]
    networks: [default, proxy]
    command:
      - /bin/sh
      - -c
      - >-
        echo interfaces=$$(ls /sys/class/net | grep -c eth) weights=$$(cat /models/w);
        echo 'Application startup complete'; sleep 60
    stop_grace_period: 1s
volumes:
  models: {external: true, name: bisect-test-external-volume}
networks:
  proxy: {external: true, name: bisect-test-external-network}
"""
    (tmp_path / "app.yaml.j2").write_text(template)
    matrix = {
        "name": "externals",
        "template": "app.yaml.j2",
        "axes": {"image": [BASE_TAG]},
        "settle": "0.5s",
        "metrics": {"interfaces": r"interfaces=(\d+)", "weights": r"weights=(\S+)"},
    }
    (tmp_path / "matrix.yaml").write_text(yaml.safe_dump(matrix))
    args = ["run", str(tmp_path / "matrix.yaml"), "--results", str(tmp_path / "results")]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2, result.output
    assert "network 'bisect-test-external-network' is declared external but does not exist" in result.stderr
    network = client.networks.create("bisect-test-external-network")
    try:
        result = CliRunner().invoke(app, args)
        assert result.exit_code == 2, result.output
        assert "external volume 'bisect-test-external-volume' not found" in result.stderr
        assert not list((tmp_path / "results").glob("*/cells/*/result.json"))
        volume = client.volumes.create("bisect-test-external-volume")
        try:
            client.containers.run(
                BASE_TAG, ["/bin/sh", "-c", "echo qwen > /models/w"], volumes=[f"{volume.name}:/models"], remove=True
            )
            result = CliRunner().invoke(app, args)
            assert result.exit_code == 0, result.output
            (found,) = [json.loads(p.read_text()) for p in (tmp_path / "results").glob("*/cells/*/result.json")]
            assert found["outcome"] == "ready"
            assert found["metrics"] == {"interfaces": "2", "weights": "qwen"}
            assert client.networks.get(network.id).attrs["Containers"] == {}
        finally:
            volume.remove()
    finally:
        network.remove()
