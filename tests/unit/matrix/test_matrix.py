from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from harness.errors import MatrixError
from harness.matrix.spec import MatrixSpec, cell_id, expand, load_matrix, matrix_json_schema
from tests.conftest import MatrixWriter

ROOT = Path(__file__).resolve().parents[3]


def spec(**keys: object) -> MatrixSpec:
    base: dict[str, object] = {"name": "t", "template": "x.j2", "axes": {"image": ["a:1", "a:2"]}}
    base.update(keys)
    return MatrixSpec.model_validate(base)


def labels_of(cells: list) -> list[dict[str, str]]:  # type: ignore[type-arg]
    return [dict(c.labels) for c in cells]


def test_issue_example_expands_to_the_cartesian_product_minus_exclude() -> None:
    matrix = spec(
        axes={
            "image": ["vllm:1.3", "vllm:1.4"],
            "tp": [1, 2],
            "env": {"none": {}, "ipc-sockets": {"CCL_ZE_IPC_EXCHANGE": "sockets"}, "ipc-drmfd": {"X": "drmfd"}},
            "caps": {"none": [], "ptrace": ["SYS_PTRACE"]},
        },
        exclude=[{"image": "vllm:1.3", "env": "ipc-drmfd"}],
    )
    cells = expand(matrix)
    assert len(cells) == 2 * 2 * 3 * 2 - 2 * 2
    assert not any(c.labels["image"] == "vllm:1.3" and c.labels["env"] == "ipc-drmfd" for c in cells)
    first = cells[0]
    assert dict(first.labels) == {"image": "vllm:1.3", "tp": "1", "env": "none", "caps": "none"}
    assert dict(first.values) == {"image": "vllm:1.3", "tp": 1, "env": {}, "caps": []}
    sockets = next(c for c in cells if c.labels["env"] == "ipc-sockets")
    assert sockets.values["env"] == {"CCL_ZE_IPC_EXCHANGE": "sockets"}


def test_product_order_follows_axis_order_last_axis_fastest() -> None:
    cells = expand(spec(axes={"a": [1, 2], "b": ["x", "y"]}))
    assert [(c.labels["a"], c.labels["b"]) for c in cells] == [("1", "x"), ("1", "y"), ("2", "x"), ("2", "y")]


def test_include_matching_an_existing_cell_adds_nothing() -> None:
    cells = expand(spec(axes={"a": [1, 2], "b": ["x", "y"]}, include=[{"a": 1}]))
    assert len(cells) == 4


def test_include_of_a_full_new_combination_adds_a_cell_after_exclude() -> None:
    cells = expand(
        spec(axes={"a": [1, 2], "b": ["x", "y"]}, exclude=[{"a": 2, "b": "y"}], include=[{"a": 2, "b": "y"}])
    )
    assert labels_of(cells)[-1] == {"a": "2", "b": "y"}
    assert len(cells) == 4


def test_include_can_add_a_value_that_is_not_on_a_list_axis() -> None:
    cells = expand(spec(axes={"a": [1, 2], "b": ["x"]}, include=[{"a": 3, "b": "x"}]))
    assert cells[-1].values == {"a": 3, "b": "x"}


def test_partial_include_that_matches_nothing_is_an_error_naming_missing_axes() -> None:
    with pytest.raises(MatrixError, match=r"include\[0\] matches no cell.*does not set b"):
        expand(spec(axes={"a": [1, 2], "b": ["x", "y"]}, include=[{"a": 3}]))


def test_exclude_everything_is_an_error() -> None:
    with pytest.raises(MatrixError, match="no cells are left"):
        expand(spec(axes={"a": [1]}, exclude=[{"a": 1}]))


@pytest.mark.parametrize(
    ("keys", "message"),
    [
        ({"bogus": 1}, r"bogus: unknown key; expected one of: name, template"),
        ({"axes": {"tp": []}}, r"axes: .*axis 'tp' is empty"),
        ({"axes": {"tp": "1,2"}}, r"axes\.tp: .*valid list"),
        ({"exclude": [{"gpu": 1}]}, r"exclude\[0\] names unknown axis 'gpu'; axes are image"),
        ({"include": [{"gpu": 1}]}, r"include\[0\] names unknown axis 'gpu'"),
        ({"exclude": [{"image": "a:9"}]}, r"exclude\[0\]\.image: 'a:9' is not a value of axis 'image'"),
        ({"timeout": "ten minutes"}, r"timeout: 'ten minutes' is not a duration"),
        ({"ready": {}}, r"ready: set at least one of log, http or exit_code"),
        ({"ready": {"log": "("}}, r"ready\.log: '\(' is not a valid regular expression"),
        ({"ready": {"http": {"port": 8000, "path": "health"}}}, r"ready\.http\.path: must start with '/'"),
        ({"table": {"rows": ["tp"]}}, r"table\.rows names unknown axis 'tp'"),
        ({"signatures": [{"name": "Bad Name", "patterns": ["x"]}]}, r"signatures\[0\]\.name"),
        ({"axes": {"cell": [1]}}, r"axis name 'cell' must be an identifier"),
        ({"vars": {"image": 1}}, r"vars\.image has the name of an axis"),
        ({"metrics": {"gib": "Model memory [\\d.]+"}}, r"metrics\.gib: .*has no capture group"),
        ({"metrics": {"gib": "(["}}, r"metrics\.gib: .*not a valid regular expression"),
        ({"table": {"rows": ["image"], "show": ["gib"]}}, r"table\.show names unknown metric 'gib'; known: seconds"),
        ({"report": {"before": -1}}, r"report\.before: "),
        ({"report": {"color": 1}}, r"report\.color: unknown key; expected one of: image_labels, before, after"),
    ],
)
def test_bad_matrix_files_get_one_line_naming_file_and_key(
    write_matrix: MatrixWriter, keys: dict[str, object], message: str
) -> None:
    path = write_matrix(**keys)
    with pytest.raises(MatrixError) as caught:
        load_matrix(path)
    text = str(caught.value)
    assert "\n" not in text
    assert text.startswith(f"{path}: ")
    assert re.search(message, text), text


def test_missing_name_is_reported_as_missing_key(tmp_path: Path) -> None:
    path = tmp_path / "m.yaml"
    path.write_text("template: x.j2\naxes: {a: [1]}\n")
    with pytest.raises(MatrixError, match=r"m\.yaml: name: required key is missing"):
        load_matrix(path)


def test_missing_template_names_the_path_it_looked_for(write_matrix: MatrixWriter) -> None:
    path = write_matrix(template="nope.j2")
    with pytest.raises(MatrixError, match=r"template: nope\.j2 not found .*relative to the matrix file"):
        load_matrix(path)


def test_yaml_syntax_error_names_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "m.yaml"
    path.write_text("name: t\naxes: [1, 2\n")
    with pytest.raises(MatrixError, match=r"m\.yaml:\d+:\d+: not valid YAML"):
        load_matrix(path)


def test_missing_file_and_non_mapping(tmp_path: Path) -> None:
    with pytest.raises(MatrixError, match="no such matrix file"):
        load_matrix(tmp_path / "absent.yaml")
    (tmp_path / "list.yaml").write_text("- 1\n")
    with pytest.raises(MatrixError, match="top level must be a mapping"):
        load_matrix(tmp_path / "list.yaml")


def test_repository_matrices_load() -> None:
    for name in ("b50.yaml", "demo.yaml"):
        matrix = load_matrix(ROOT / "matrices" / name)
        assert matrix.template_path.is_file()
    assert len(expand(load_matrix(ROOT / "matrices" / "demo.yaml").spec)) == 20
    assert len(expand(load_matrix(ROOT / "matrices" / "b50.yaml").spec)) == 31


def test_default_table_puts_the_last_axis_in_columns() -> None:
    layout = spec(axes={"image": ["a"], "tp": [1, 2]}).table_layout()
    assert (layout.rows, layout.cols) == (["image"], ["tp"])


def test_schema_describes_the_keys() -> None:
    schema = matrix_json_schema()
    assert {"name", "template", "axes", "exclude", "include", "ready", "table"} <= set(schema["properties"])


SAFE_ID = re.compile(r"^[A-Za-z0-9._-]+$")


def test_cell_ids_are_readable_and_safe_whatever_the_labels() -> None:
    identifier = cell_id({"image": "intel/llm-scaler-vllm:1.4", "env": "a b/c|d*?", "tp": "2"})
    assert SAFE_ID.match(identifier)
    assert identifier.startswith("image-llm-scaler-vllm-1.4_env-a-b-c-d_tp-2_")


def test_cell_ids_stay_short_enough_for_a_file_name() -> None:
    labels = {f"axis{i}": "x" * 80 for i in range(10)}
    identifier = cell_id(labels)
    assert len(identifier) <= 160 and SAFE_ID.match(identifier)
    assert identifier != cell_id({**labels, "axis9": "x" * 79})


@given(
    st.dictionaries(
        st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True),
        st.lists(st.text(min_size=1, max_size=30), min_size=1, max_size=3, unique=True),
        min_size=1,
        max_size=3,
    )
)
def test_cell_ids_are_unique_safe_and_stable(axes: dict[str, list[str]]) -> None:
    matrix = spec(axes={name: {label: label for label in labels} for name, labels in axes.items()})
    cells = expand(matrix)
    ids = [c.id for c in cells]
    assert len(set(ids)) == len(ids)
    assert all(SAFE_ID.match(i) for i in ids)
    assert ids == [c.id for c in expand(matrix)]
