"""`bisect find` over a 16-tag release line on real containers: the first bad tag in a few launches,
every round through the run machinery (one run folder, the cache on a second search)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from build_images import BASE_TAG
from typer.testing import CliRunner

from harness.cli import app
from tests.conftest import MatrixWriter

pytestmark = pytest.mark.docker

TAGS = [f"r{n:02d}" for n in range(1, 17)]
TEMPLATE = (
    "services:\n  app:\n    image: " + BASE_TAG + "\n"
    "    command: ['/bin/sh', '-c', \"trap 'exit 143' TERM; {% if release[1:] | int >= bad_from %}"
    "echo 'RuntimeError: level_zero backend failed with error: 20 (UR_RESULT_ERROR_DEVICE_LOST)'; exit 1"
    "{% else %}echo 'INFO:     Application startup complete.'; while :; do sleep 1 & wait $$!; done"
    '{% endif %}"]\n'
    "    stop_grace_period: 1s\n"
)


def test_find_names_the_first_bad_tag_of_sixteen_within_six_launches(
    write_matrix: MatrixWriter, tmp_path: Path
) -> None:
    matrix = write_matrix(
        template_text=TEMPLATE,
        axes={"release": TAGS, "tp": [2]},
        vars={"bad_from": 11},
        timeout="20s",
        settle="0.5s",
    )
    args = ["find", str(matrix), "--axis", "release", "--good", "r01", "--bad", "r16", "--results", str(tmp_path / "r")]
    result = CliRunner().invoke(app, [*args, "--format", "json"])
    assert result.exit_code == 0, result.output
    found = json.loads(result.stdout)
    assert found["first_bad"] == "r11" and found["last_good"] == "r10" and found["exact"]
    assert found["launches"] <= 6 and found["full_sweep"] == 16
    assert len(list((tmp_path / "r").iterdir())) == 1  # every round in one run folder
    again = CliRunner().invoke(app, args)
    assert again.exit_code == 0, again.output
    assert "**First bad `release`: `r11`**" in again.stdout
    assert "- Launches: 0, against 16 for the full sweep" in again.stdout  # every point known from the cache
    assert "docker compose -f" in again.stdout and "UR_RESULT_ERROR_DEVICE_LOST" in again.stdout


def test_find_says_so_when_the_ends_do_not_differ(write_matrix: MatrixWriter, tmp_path: Path) -> None:
    matrix = write_matrix(
        template_text=TEMPLATE,
        axes={"release": TAGS[:4]},
        vars={"bad_from": 99},
        timeout="20s",
        settle="0.5s",
    )
    args = ["find", str(matrix), "--axis", "release", "--good", "r01", "--bad", "r04", "--results", str(tmp_path / "r")]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 1
    assert "**The ends do not differ**" in result.stdout


def test_isolate_names_the_one_setting_of_six_that_matters(write_matrix: MatrixWriter, tmp_path: Path) -> None:
    template = (
        "services:\n  app:\n    image: " + BASE_TAG + "\n"
        "    environment: {{ env | tojson }}\n"
        "    cap_add: {{ caps | tojson }}\n"
        "    command: ['/bin/sh', '-c', \"trap 'exit 143' TERM; if [ \\\"$$CCL_ZE_IPC_EXCHANGE\\\" = sockets ]; then "
        "echo 'RuntimeError: level_zero backend failed with error: 20 (UR_RESULT_ERROR_DEVICE_LOST)'; exit 1; fi; "
        "echo 'INFO:     Application startup complete.'; while :; do sleep 1 & wait $$!; done\"]\n"
        "    stop_grace_period: 1s\n"
    )
    reported = {"CCL_ZE_IPC_EXCHANGE": "sockets", "CCL_TOPO_P2P_ACCESS": "0", "ONEAPI_DEVICE_SELECTOR": "level_zero:*"}
    matrix = write_matrix(
        template_text=template,
        axes={
            "env": {"none": {}, "reported": {**reported, "B": "2", "C": "3"}},
            "caps": {"none": [], "ptrace": ["SYS_PTRACE"]},
        },
        timeout="20s",
        settle="0.5s",
    )
    cells = ["--good", "env=none,caps=none", "--bad", "env=reported,caps=ptrace"]
    result = CliRunner().invoke(
        app, ["isolate", str(matrix), *cells, "--results", str(tmp_path / "r"), "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    found = json.loads(result.stdout)
    assert len(found["differences"]) == 6 and found["culprits"] == ["CCL_ZE_IPC_EXCHANGE=sockets"]
    assert found["outcomes"] == ["ready", "device_lost"]
    assert found["launches"] <= 2 * 3 + 3
