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

from harness.run.backends.docker_ops import LABEL_OWNER

pytestmark = pytest.mark.docker
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


_session: dict[str, Any] = {}


def _engine() -> docker.DockerClient | None:
    """The engine, asked once per test session."""
    if "client" not in _session:
        try:
            engine = docker.from_env()
            engine.ping()
        except docker.errors.DockerException:
            engine = None
        _session["client"] = engine
    return _session["client"]


@pytest.fixture
def client() -> docker.DockerClient:
    """The engine; without one, the first integration test fails saying how to get one and the rest are skipped."""
    engine = _engine()
    if engine is None:
        if not _session.get("reported"):
            _session["reported"] = True
            pytest.fail(HOW, pytrace=False)
        pytest.skip("no Docker engine (see the first integration test's failure)")
    return engine


@pytest.fixture
def fixture_images(client: docker.DockerClient) -> list[str]:
    if "images" not in _session:
        _session["images"] = ensure_fixture_images(client)
    images: list[str] = _session["images"]
    return images


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
