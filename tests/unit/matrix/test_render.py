from __future__ import annotations

from pathlib import Path

import pytest

from harness.errors import TemplateError
from harness.matrix.render import render_all, render_cell
from harness.matrix.spec import expand, load_matrix
from tests.conftest import MatrixWriter

TEMPLATE = """services:
  app:
    image: {{ image }}
    environment: {{ env | tojson }}
    command: ["serve", "--tp", "{{ tp }}", "--len", "{{ max_len }}", "--id", "{{ cell.id }}"]
    volumes: ["{{ 'models' | from_matrix }}:/models:ro"]
"""


def test_template_sees_axes_vars_and_cell(write_matrix: MatrixWriter, tmp_path: Path) -> None:
    path = write_matrix(
        TEMPLATE,
        axes={"image": ["vllm:1.4"], "tp": [2], "env": {"sockets": {"CCL_ZE_IPC_EXCHANGE": "sockets"}}},
        vars={"max_len": 24576},
    )
    matrix = load_matrix(path)
    cell = expand(matrix.spec)[0]
    rendered = render_cell(matrix, cell)
    service = rendered.compose["services"]["app"]
    assert service["image"] == "vllm:1.4"
    assert service["environment"] == {"CCL_ZE_IPC_EXCHANGE": "sockets"}
    assert service["command"] == ["serve", "--tp", "2", "--len", "24576", "--id", cell.id]
    assert service["volumes"] == [f"{tmp_path}/models:/models:ro"]


def test_undefined_variable_names_the_cell_and_the_variable(write_matrix: MatrixWriter) -> None:
    matrix = load_matrix(write_matrix("services:\n  app:\n    image: {{ imagee }}\n"))
    with pytest.raises(TemplateError) as caught:
        render_all(matrix, expand(matrix.spec))
    message = str(caught.value)
    assert "'imagee' is undefined" in message
    assert "image-a-1_" in message and "image=a:1" in message
    assert "\n" not in message


def test_template_syntax_error_names_file_and_line(write_matrix: MatrixWriter) -> None:
    matrix = load_matrix(write_matrix("services:\n  app:\n    image: {{ image \n"))
    with pytest.raises(TemplateError, match=r"app\.yaml\.j2:\d+: template syntax error"):
        render_all(matrix, expand(matrix.spec))


def test_rendered_text_that_is_not_yaml_points_to_bisect_render(write_matrix: MatrixWriter) -> None:
    matrix = load_matrix(write_matrix("services:\n  app:\n    image: [{{ image }}\n"))
    with pytest.raises(TemplateError, match=r"rendered compose is not valid YAML at rendered line \d+.*bisect render"):
        render_all(matrix, expand(matrix.spec))


def test_rendered_file_without_services_is_an_error(write_matrix: MatrixWriter) -> None:
    matrix = load_matrix(write_matrix("version: '3'\n"))
    with pytest.raises(TemplateError, match="no `services` mapping"):
        render_all(matrix, expand(matrix.spec))


def test_an_undefined_variable_given_to_tojson_is_named(write_matrix: MatrixWriter) -> None:
    from harness.matrix.render import CellTemplateError, render_cell

    matrix = load_matrix(
        write_matrix("services:\n  app:\n    image: {{ image }}\n    environment: {{ env | tojson }}\n")
    )
    with pytest.raises(CellTemplateError, match=r"'env' is undefined; define it in vars or as an axis"):
        render_cell(matrix, expand(matrix.spec)[0])
