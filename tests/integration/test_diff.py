"""`bisect diff` on two fixture releases built to differ as real releases do: a bumped Python
package, a changed Debian package, a newer oneAPI component, a changed environment variable."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from build_images import FAKE_VLLM
from typer.testing import CliRunner

from harness.cli import app

pytestmark = pytest.mark.docker


def test_diff_names_what_changed_between_two_releases(fixture_images: list[str], tmp_path: Path) -> None:
    args = ["diff", f"{FAKE_VLLM}:1.3", f"{FAKE_VLLM}:1.4", "--results", str(tmp_path)]
    result = CliRunner().invoke(app, [*args, "--format", "json"])
    assert result.exit_code == 0, result.output
    found = json.loads(result.stdout)
    stack = {c["name"]: (c["before"], c["after"]) for c in found["gpu_stack"]}
    assert stack["oneapi ccl"] == ("2021.15", "2021.16")
    assert stack["libze1 (debian)"] == ("1.17.6-1", "1.21.9-1")
    assert stack["vllm (python)"] == ("0.11.1.dev0+g6f2b3a1c.d20260115", "0.14.1.dev0+gb17039bcc.d20260430")
    assert {c["name"]: c["after"] for c in found["env"]} == {"VLLM_WORKER_MULTIPROC_METHOD": "spawn"}
    assert found["shared_layers"] >= 1 and found["new_layers"]
    assert len(list((tmp_path / ".images").glob("*.json"))) == 2  # cached per image id
    markdown = CliRunner().invoke(app, args)
    assert markdown.exit_code == 0, markdown.output
    assert markdown.stdout.startswith(f"### What changed between `{FAKE_VLLM}:1.3` and `{FAKE_VLLM}:1.4`")
    assert "| oneapi ccl | `2021.15` | `2021.16` |" in markdown.stdout


def test_diff_of_an_image_not_present_is_one_line(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["diff", "image-bisect/absent:1", "image-bisect/absent:2"])
    assert (
        result.exit_code == 2 and "image image-bisect/absent:1 is not present locally; pull it first" in result.output
    )
