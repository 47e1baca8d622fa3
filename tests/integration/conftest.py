"""Integration tests launch real containers; each one must leave no labelled container or network."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import docker
import docker.errors
import pytest
import yaml
from build_images import BASE_TAG, ensure_fixture_images
from engine import HOW

from harness.docker_ops import LABEL_OWNER

pytestmark = pytest.mark.docker
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


_engine_missing: list[str] = []


@pytest.fixture(scope="session")
def client() -> docker.DockerClient:
    """The engine, or one failure saying how to get one; the other integration tests are then skipped."""
    if _engine_missing:
        pytest.skip("no Docker engine (see the first integration test's error)")
    try:
        engine = docker.from_env()
        engine.ping()
    except docker.errors.DockerException:
        _engine_missing.append(HOW)
        pytest.fail(HOW, pytrace=False)
    return engine


@pytest.fixture(scope="session")
def fixture_images(client: docker.DockerClient) -> list[str]:
    return ensure_fixture_images(client)


@pytest.fixture(autouse=True)
def no_leftovers(client: docker.DockerClient, fixture_images: list[str]) -> Iterator[None]:
    yield
    containers = client.containers.list(all=True, filters={"label": LABEL_OWNER})
    networks = client.networks.list(filters={"label": LABEL_OWNER})
    names = [c.name for c in containers] + [n.name for n in networks]
    for container in containers:
        container.remove(force=True)
    for network in networks:
        network.remove()
    assert names == [], f"left behind: {names}"


@pytest.fixture
def script_matrix(tmp_path: Path) -> Any:
    """A matrix over shell scripts run in the busybox base image."""

    def write(scripts: dict[str, str], **keys: Any) -> Path:
        template = (FIXTURES / "templates" / "script.yaml.j2").read_text()
        (tmp_path / "script.yaml.j2").write_text(template)
        matrix: dict[str, Any] = {
            "name": "scripts",
            "template": "script.yaml.j2",
            "axes": {"image": [BASE_TAG], "script": scripts},
            "timeout": "20s",
            "settle": "1s",
            "table": {"rows": ["script"], "cols": ["image"]},
        }
        matrix.update(keys)
        path = tmp_path / "matrix.yaml"
        path.write_text(yaml.safe_dump(matrix, sort_keys=False))
        return path

    return write
