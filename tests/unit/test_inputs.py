"""No traceback and no hang for any input file: unreadable, not UTF-8, not YAML, alias bombs, deep
nesting, and generated compose documents of every shape."""

from __future__ import annotations

import copy
import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from harness.cli import app
from harness.compose import ComposePlan, translate
from harness.compose.project import load_compose
from harness.errors import ComposeError, ExitCode
from harness.matrix.spec import expand, load_matrix
from harness.run.plan import prepare, run_masker, write_compose_files
from harness.safe_yaml import YamlInputError, load_yaml
from tests.conftest import MatrixWriter
from tests.unit.compose.test_compose import CASES

runner = CliRunner()

BOMB = """name: bomb
template: app.yaml.j2
axes: {image: [a:1]}
vars:
  a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
  b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
  c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
  d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
  e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
  f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
  g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
  h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
"""


def one_line_error(args: list[str]) -> str:
    result = runner.invoke(app, args)
    assert result.exit_code == ExitCode.BAD_INPUT, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    return lines[0]


def test_a_matrix_alias_bomb_is_refused_at_once(write_matrix: MatrixWriter, tmp_path: Path) -> None:
    write_matrix()
    path = tmp_path / "matrix.yaml"
    path.write_text(BOMB)
    started = time.monotonic()
    line = one_line_error(["run", str(path), "--results", str(tmp_path / "results")])
    assert time.monotonic() - started < 5
    assert "expands to more than 200,000 nodes" in line and str(path) in line


@pytest.mark.parametrize("command", ["plan", "render", "run"])
def test_a_matrix_that_is_not_utf8_is_one_line(command: str, tmp_path: Path) -> None:
    path = tmp_path / "matrix.yaml"
    path.write_bytes(b"name: caf\xe9\ntemplate: t.j2\n")
    line = one_line_error([command, str(path)])
    assert f"{path}: is not UTF-8 text (byte 0xe9" in line


def test_a_matrix_that_is_a_folder_is_one_line(tmp_path: Path) -> None:
    assert "is a folder" in one_line_error(["plan", str(tmp_path)])


@pytest.mark.parametrize("command", ["plan", "render"])
def test_a_template_that_is_not_utf8_is_one_line(command: str, write_matrix: MatrixWriter, tmp_path: Path) -> None:
    path = write_matrix()
    (tmp_path / "app.yaml.j2").write_bytes(b"services:\n  app:\n    image: \xff{{ image }}\n")
    assert "app.yaml.j2: is not UTF-8 text (byte 0xff" in one_line_error([command, str(path)])


def test_env_files_that_are_not_utf8_or_missing_are_named(write_matrix: MatrixWriter, tmp_path: Path) -> None:
    template = "services:\n  app:\n    image: {{ image }}\n    env_file: [model.env]\n"
    path = write_matrix(template)
    (tmp_path / "model.env").write_bytes(b"MODEL=\xff\n")
    line = one_line_error(["plan", str(path)])
    assert "every cell: services.app.env_file: " in line and "model.env is not UTF-8 text" in line
    path = write_matrix(template, env_files=["absent.env"])
    assert "env_files: " in one_line_error(["plan", str(path)])


def test_deeply_nested_templates_are_refused(write_matrix: MatrixWriter) -> None:
    path = write_matrix("services:\n  app:\n    image: {{ image }}\n    labels: " + "[" * 3000 + "]" * 3000 + "\n")
    assert "nests deeper than" in one_line_error(["render", str(path)])


def test_yaml_loader_counts_expansion_and_keeps_compose_scalars() -> None:
    with pytest.raises(YamlInputError, match="recursive"):
        load_yaml("a: &a [*a]")
    data = load_yaml("ports: [5000:50, 8080:80]\nenv: {A: yes, B: on, C: 0x1f}\n", core_schema=True).data
    assert data == {"ports": ["5000:50", "8080:80"], "env": {"A": "yes", "B": "on", "C": 31}}


def test_stored_compose_holds_resolved_values_and_relative_paths_follow_the_template(
    write_matrix: MatrixWriter, tmp_path: Path
) -> None:
    template = """services:
  app:
    image: {{ image }}
    command: ["serve", "${MODEL:-Qwen/Qwen3-8B}", "--price", "$$5"]
    env_file: .env.app
    volumes: ["./models:/models"]
    environment:
      GFX: ${HSA_OVERRIDE_GFX_VERSION}
"""
    path = write_matrix(template)
    (tmp_path / ".env").write_text("HSA_OVERRIDE_GFX_VERSION=11.0.0\n")
    (tmp_path / ".env.app").write_text("FROM_FILE=yes\n")
    matrix = load_matrix(path)
    notices: list[str] = []
    out = tmp_path / "elsewhere"
    prepared = prepare(matrix, expand(matrix.spec), lambda cell: out / cell.id, "tok", host_env={}, notices=notices)
    service = prepared[0].plan.service("app")
    assert service.kwargs["command"] == ["serve", "Qwen/Qwen3-8B", "--price", "$5"]
    assert service.kwargs["environment"] == {"FROM_FILE": "yes", "GFX": "11.0.0"}
    assert service.kwargs["volumes"] == [f"{tmp_path}/models:/models:rw"]
    stored = yaml.safe_load(prepared[0].compose_text)["services"]["app"]
    assert stored["command"] == ["serve", "Qwen/Qwen3-8B", "--price", "$$5"]
    assert stored["environment"] == {"GFX": "11.0.0"}
    assert stored["env_file"] == f"{tmp_path}/.env.app"
    assert notices == []


def test_an_unchanged_template_is_stored_as_written(write_matrix: MatrixWriter, tmp_path: Path) -> None:
    template = '# my notes\nservices:\n  app:\n    image: {{ image }}\n    command: ["sh", "-c", "echo $$HOME"]\n'
    matrix = load_matrix(write_matrix(template))
    prepared = prepare(matrix, expand(matrix.spec), lambda cell: tmp_path / cell.id, "tok", host_env={})
    assert prepared[0].compose_text == template.replace("{{ image }}", "a:1")
    assert prepared[0].plan.service("app").kwargs["command"] == ["sh", "-c", "echo $HOME"]


SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**40), max_value=2**40),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(
        ["", "all", "host", "service:db", "8000:8000", "./x:/y", "${GPUS:-all}", "1-2:1-2", "/dev/dri", "none"]
    ),
    st.text(max_size=12),
)
KEYS = st.sampled_from(
    [
        "image",
        "command",
        "entrypoint",
        "environment",
        "env_file",
        "volumes",
        "ports",
        "devices",
        "deploy",
        "resources",
        "reservations",
        "limits",
        "count",
        "driver",
        "capabilities",
        "networks",
        "aliases",
        "depends_on",
        "condition",
        "healthcheck",
        "test",
        "ulimits",
        "soft",
        "hard",
        "restart",
        "profiles",
        "extends",
        "service",
        "file",
        "container_name",
        "links",
        "volumes_from",
        "network_mode",
        "ipc",
        "gpus",
        "tmpfs",
        "labels",
        "sysctls",
        "extra_hosts",
        "shm_size",
        "cpus",
        "build",
        "x-note",
        "bogus",
        "type",
        "source",
        "target",
        "external",
        "name",
        "scale",
        "replicas",
        "stop_grace_period",
        "required",
    ]
)
DOCUMENTS = st.recursive(
    SCALARS,
    lambda children: st.one_of(st.lists(children, max_size=4), st.dictionaries(KEYS, children, max_size=5)),
    max_leaves=30,
)
RANDOM_SERVICE = st.dictionaries(KEYS, DOCUMENTS, max_size=8).map(lambda d: {"image": "i", **d} if len(d) % 2 else d)
VALID_SERVICES = [{"image": "img:1", **service} for _, service, _ in CASES]


def _slots(data: Any) -> list[tuple[Any, Any]]:
    """Every (container, key) whose value a mutation may replace."""
    found: list[tuple[Any, Any]] = []
    items = data.items() if isinstance(data, dict) else enumerate(data) if isinstance(data, list) else []
    for key, value in items:
        found.append((data, key))
        found.extend(_slots(value))
    return found


@st.composite
def mutated_service(draw: st.DrawFn) -> Any:
    """A valid service of the translation table with one to three values replaced by anything."""
    service = copy.deepcopy(draw(st.sampled_from(VALID_SERVICES)))
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        container, key = draw(st.sampled_from(_slots(service)))
        container[key] = draw(DOCUMENTS)
    return service


SERVICE = st.one_of(RANDOM_SERVICE, mutated_service())
COMPOSE = st.fixed_dictionaries(
    {"services": st.dictionaries(st.sampled_from(["app", "db", "ui"]), SERVICE, min_size=1, max_size=3)},
    optional={"volumes": DOCUMENTS, "networks": DOCUMENTS, "bogus": DOCUMENTS},
)


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(document=COMPOSE, watched=st.sampled_from([None, "app", "db"]))
def test_generated_compose_documents_translate_or_give_the_one_input_error(document: Any, watched: str | None) -> None:
    loaded = load_compose(document, Path("/nonexistent"), {"GPUS": "2"})
    try:
        plan = translate(
            loaded.document, where="c", compose_dir=Path("/t"), name_prefix="p", watched=watched, host_env={}
        )
    except ComposeError as exc:
        assert str(exc).strip()
        assert all(line.startswith("c: ") for line in str(exc).splitlines())
    else:
        assert isinstance(plan, ComposePlan)


def test_a_value_with_a_line_separator_is_quoted_on_its_problems_one_line() -> None:
    """Found by the property above: a record separator in a file name split the problem in two."""
    document = {"services": {"app": {"image": "i", "env_file": "\x1e"}}}
    loaded = load_compose(document, Path("/nonexistent"), {})
    with pytest.raises(ComposeError) as raised:
        translate(loaded.document, where="c", compose_dir=Path("/t"), name_prefix="p", watched=None, host_env={})
    assert str(raised.value).splitlines() == [str(raised.value)]
    assert "\\x1e cannot be read" in str(raised.value)


def test_a_secret_read_through_interpolation_is_masked_in_the_stored_compose(
    write_matrix: MatrixWriter, tmp_path: Path
) -> None:
    template = 'services:\n  app:\n    image: {{ image }}\n    command: ["serve", "--api-key", "${OPENAI_API_KEY}"]\n'
    matrix = load_matrix(write_matrix(template))
    prepared = prepare(
        matrix,
        expand(matrix.spec),
        lambda cell: tmp_path / cell.id,
        "tok",
        host_env={"OPENAI_API_KEY": "sk-live-0123456789"},
    )
    assert prepared[0].plan.service("app").kwargs["command"][-1] == "sk-live-0123456789"
    masker = run_masker(matrix, prepared)
    write_compose_files(prepared, masker)
    stored = prepared[0].compose_path.read_text()
    assert "sk-live-0123456789" not in stored and "${OPENAI_API_KEY}" in stored
