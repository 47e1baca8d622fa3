"""The pure parts of the run pipeline: watch rules from the matrix, preparation, probe ports."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.errors import ComposeError, MatrixError
from harness.judge.signatures import builtin_ready_patterns
from harness.matrix.spec import expand, load_matrix
from harness.run.plan import expose_probe_port, prepare, run_masker, watch_rules, write_compose_files
from harness.store.masking import Masker
from tests.conftest import MatrixWriter

PROBE = {"http": {"port": 8000, "path": "/health"}}


def test_watch_rules_follow_the_matrix(write_matrix: MatrixWriter) -> None:
    rules = watch_rules(load_matrix(write_matrix(timeout="90s", settle="2s")))
    assert (rules.timeout, rules.settle) == (90, 2)
    assert list(rules.ready_patterns) == builtin_ready_patterns()
    assert rules.http is None and rules.ready_exit_code is None
    probe_only = watch_rules(load_matrix(write_matrix(ready=PROBE)))
    assert probe_only.ready_patterns == () and probe_only.http is not None and not probe_only.needs_log_ready
    custom = watch_rules(load_matrix(write_matrix(signatures=[{"name": "xid", "patterns": ["Xid 79"]}])))
    assert custom.signatures.signatures[0].name == "xid"


def test_prepare_renders_everything_before_any_file_is_written(write_matrix: MatrixWriter, tmp_path: Path) -> None:
    matrix = load_matrix(write_matrix(ready=PROBE))
    prepared = prepare(matrix, expand(matrix.spec), lambda cell: tmp_path / "out" / cell.id, "tok", host_env={})
    assert not (tmp_path / "out").exists()
    write_compose_files(prepared, Masker())
    assert [p.compose_path.read_text() for p in prepared] == [
        "services:\n  app:\n    image: a:1\n",
        "services:\n  app:\n    image: a:2\n",
    ]
    first = prepared[0].plan.service("app")
    assert first.container_name.startswith("bisect-tok-") and first.container_name.endswith("-app")
    assert first.kwargs["ports"] == {"8000/tcp": ("127.0.0.1", None)}
    assert prepared[0].images == {"app": "a:1"}


def test_a_published_probe_port_is_kept_as_written(write_matrix: MatrixWriter, tmp_path: Path) -> None:
    template = "services:\n  app:\n    image: {{ image }}\n    ports: ['18000:8000']\n"
    matrix = load_matrix(write_matrix(template, ready=PROBE))
    (prepared, _) = prepare(matrix, expand(matrix.spec), lambda cell: tmp_path / cell.id, "t", host_env={})
    assert prepared.plan.service("app").kwargs["ports"] == {"8000/tcp": 18000}
    assert expose_probe_port(prepared.plan, 8000) == prepared.plan


def test_an_http_probe_cannot_reach_an_isolated_service(write_matrix: MatrixWriter, tmp_path: Path) -> None:
    matrix = load_matrix(
        write_matrix("services:\n  app:\n    image: {{ image }}\n    network_mode: none\n", ready=PROBE)
    )
    with pytest.raises(ComposeError, match=r"ready\.http cannot reach a service with network_mode none"):
        prepare(matrix, expand(matrix.spec), lambda cell: tmp_path / cell.id, "t", host_env={})


def test_a_probe_on_the_cells_own_host_port_needs_the_host_network(write_matrix: MatrixWriter, tmp_path: Path) -> None:
    probe = {"http": {"port": "cell.port", "path": "/health"}}
    bridge = load_matrix(write_matrix(ready=probe))
    with pytest.raises(ComposeError, match=r"ready\.http\.port cell\.port is a host port: it needs network_mode: host"):
        prepare(bridge, expand(bridge.spec), lambda cell: tmp_path / cell.id, "t", host_env={})
    template = "services:\n  app:\n    image: {{ image }}\n    network_mode: host\n    command: serve {{ cell.port }}\n"
    host = load_matrix(write_matrix(template, ready=probe))
    (first, _) = prepare(host, expand(host.spec), lambda cell: tmp_path / cell.id, "t", host_env={})
    assert "ports" not in first.plan.services[0].kwargs and "command: serve 0" in first.compose_text


def test_a_secret_used_as_an_axis_label_is_refused(write_matrix: MatrixWriter, tmp_path: Path) -> None:
    matrix = load_matrix(write_matrix(axes={"image": ["a:1"], "hf_token": ["hf_abcdefgh123", "hf_zyxwvu987"]}))
    prepared = prepare(matrix, expand(matrix.spec), lambda cell: tmp_path / cell.id, "tok", host_env={})
    with pytest.raises(MatrixError, match=r"axes\.hf_token: a label is a secret value"):
        run_masker(matrix, prepared)


def test_a_secret_behind_a_readable_label_is_masked(write_matrix: MatrixWriter, tmp_path: Path) -> None:
    template = "services:\n  app:\n    image: {{ image }}\n    environment: {HF_TOKEN: {{ hf_token }}}\n"
    matrix = load_matrix(write_matrix(template, axes={"image": ["a:1"], "hf_token": {"user-a": "hf_abcdefgh123"}}))
    prepared = prepare(matrix, expand(matrix.spec), lambda cell: tmp_path / cell.id, "tok", host_env={})
    masker = run_masker(matrix, prepared)
    write_compose_files(prepared, masker)
    assert masker.names == ["HF_TOKEN"]
    assert "HF_TOKEN: ${HF_TOKEN}" in prepared[0].compose_path.read_text()


def test_custom_cluster_resources_are_rendered_per_cell(write_matrix: MatrixWriter, tmp_path: Path) -> None:
    matrix = load_matrix(
        write_matrix(
            axes={"tp": [1, 2]},
            vars={"image": "a:1"},
            resources={"devices": [0, 1], "per_cell": "{{ tp }}", "custom": {"b50": "{{ tp }}"}},
        )
    )
    cells = prepare(matrix, expand(matrix.spec), lambda cell: tmp_path / cell.id, "t", host_env={})
    assert [(c.needs, dict(c.custom)) for c in cells] == [(1, {"b50": 1}), (2, {"b50": 2})]
