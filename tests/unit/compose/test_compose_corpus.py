"""Compose files written the way public GPU-serving projects write them (tests/fixtures/compose_corpus,
sources in its SOURCES.md) go through `bisect plan` as a new user would run them: the tag of the
watched service replaced by `{{ image }}`, and the variables the project's instructions have users
export (a stack's `user.env`, given to the matrix as `env_files`).

`tune` is what the translator was developed against; `heldout` was never looked at while developing."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from harness.matrix.spec import expand, load_matrix
from harness.run.plan import prepare
from harness.safe_yaml import load_yaml

CORPUS = Path(__file__).resolve().parents[2] / "fixtures" / "compose_corpus"
STACKS = sorted(p for split in ("tune", "heldout") for p in (CORPUS / split).iterdir() if p.is_dir())
IMAGE = "registry.local/under-test:1.0"


def with_image_placeholder(folder: Path, service: str) -> None:
    """Replace the watched service's image with `{{ image }}` (added when it only builds), as a user
    adopting the file does; a file the template includes is not a template, so it gets the tag itself."""
    for path in sorted(folder.rglob("*.y*ml")):
        lines = path.read_text().splitlines()
        located = load_yaml(path.read_text(), core_schema=True).lines
        start = located.get(("services", service))
        if start is None:
            continue
        image = located.get(("services", service, "image"))
        placeholder = "{{ image }}" if path == folder / "compose.yaml" else IMAGE
        if image is not None:
            lines[image - 1] = re.sub(r"image:.*", f"image: {placeholder}", lines[image - 1])
        else:
            first_key = min(line for key, line in located.items() if key[:2] == ("services", service) and len(key) == 3)
            indent = len(lines[first_key - 1]) - len(lines[first_key - 1].lstrip())
            lines.insert(first_key - 1, " " * indent + f"image: {placeholder}")
        path.write_text("\n".join(lines) + "\n")
        return
    raise AssertionError(f"no file of {folder} defines service {service}")


def _strings(data: Any) -> list[str]:
    if isinstance(data, str):
        return [data]
    if isinstance(data, dict):
        return [s for v in data.values() for s in _strings(v)]
    if isinstance(data, list | tuple):
        return [s for v in data for s in _strings(v)]
    return []


@pytest.mark.parametrize("stack", STACKS, ids=[f"{p.parent.name}/{p.name}" for p in STACKS])
def test_public_compose_files_plan_with_their_compose_meaning(stack: Path, tmp_path: Path) -> None:
    source = (stack / "compose.yaml").read_text()
    watched = re.search(r"^# watch: (\S+)", source, re.M)
    assert watched is not None
    folder = tmp_path / stack.name
    shutil.copytree(stack, folder)
    with_image_placeholder(folder, watched.group(1))
    matrix_file: dict[str, Any] = {"name": stack.name, "template": f"{stack.name}/compose.yaml"}
    matrix_file.update(service=watched.group(1), axes={"image": [IMAGE]})
    if (folder / "user.env").is_file():
        matrix_file["env_files"] = [f"{stack.name}/user.env"]
    (tmp_path / "matrix.yaml").write_text(yaml.safe_dump(matrix_file))
    matrix = load_matrix(tmp_path / "matrix.yaml")
    env = {"HOME": "/home/user", "PWD": str(folder)}
    prepared = prepare(matrix, expand(matrix.spec), lambda cell: tmp_path / "out" / cell.id, "t", host_env=env)
    plan = prepared[0].plan
    assert plan.service(plan.watched).kwargs["image"] == IMAGE
    escaped = any("$${" in path.read_text() or "$$" in path.read_text() for path in folder.rglob("*.y*ml"))
    leaked = [s for service in plan.services for s in _strings(dict(service.kwargs)) if "${" in s]
    assert escaped or not leaked, leaked
