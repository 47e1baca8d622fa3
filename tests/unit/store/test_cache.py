"""Cache keys and reuse planning, on prepared cells and stored results (no engine)."""

from __future__ import annotations

from pathlib import Path

from harness.matrix.spec import expand, load_matrix
from harness.run.plan import PreparedCell, prepare, watch_rules
from harness.run.schedule import Repeats, combine
from harness.store.cache import cache_index, cache_key, plan_reuse
from harness.store.masking import Masker
from harness.store.results import CellResult, RunStore, load_run
from tests.conftest import MatrixWriter

IDS = {"a:1": "sha256:" + "1" * 64, "a:2": "sha256:" + "2" * 64}


def prepared_cells(write_matrix: MatrixWriter, tmp_path: Path, **keys: object) -> tuple[list[PreparedCell], object]:
    matrix = load_matrix(write_matrix(**keys))
    cells = prepare(matrix, expand(matrix.spec), lambda cell: tmp_path / "out" / cell.id, "tok", host_env={})
    return cells, watch_rules(matrix)


ONCE = Repeats()


def key_of(cell: PreparedCell, rules: object, ids: dict[str, str | None] = IDS, repeats: Repeats = ONCE) -> str | None:
    return cache_key(cell, ids, rules, Masker(), repeats)  # type: ignore[arg-type]


def test_the_key_follows_image_ids_compose_rules_and_repeats(write_matrix: MatrixWriter, tmp_path: Path) -> None:
    cells, rules = prepared_cells(write_matrix, tmp_path)
    first, second = (key_of(cell, rules) for cell in cells)
    assert first is not None and first != second
    assert key_of(cells[0], rules) == first
    assert key_of(cells[0], rules, {**IDS, "a:1": "sha256:" + "9" * 64}) != first
    assert key_of(cells[0], rules, {"a:1": None}) is None
    assert key_of(cells[0], rules, repeats=Repeats(3)) != first
    slower, slower_rules = prepared_cells(write_matrix, tmp_path, timeout="5m")
    assert key_of(slower[0], slower_rules) != first


def test_masked_secrets_give_the_same_key_whatever_their_value(write_matrix: MatrixWriter, tmp_path: Path) -> None:
    template = "services:\n  app:\n    image: {{ image }}\n    environment: {HF_TOKEN: {{ token }}}\n"
    one, rules = prepared_cells(write_matrix, tmp_path, vars={"token": "hf_first_value_123"}, template_text=template)
    two, _ = prepared_cells(write_matrix, tmp_path, vars={"token": "hf_other_value_456"}, template_text=template)
    first = cache_key(one[0], IDS, rules, Masker({"hf_first_value_123": "HF_TOKEN"}), Repeats())  # type: ignore[arg-type]
    second = cache_key(two[0], IDS, rules, Masker({"hf_other_value_456": "HF_TOKEN"}), Repeats())  # type: ignore[arg-type]
    assert first == second


def stored(store: RunStore, cell: PreparedCell, outcome: str, key: str | None) -> CellResult:
    folder = store.cell_dir(cell.cell.id)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "app.log").write_text(f"{outcome}\n")
    return store.write_result(
        CellResult(
            run_id=store.run_id,
            cell_id=cell.cell.id,
            labels=dict(cell.cell.labels),
            values=dict(cell.cell.values),
            service="app",
            outcome=outcome,
            cache_key=key,
        )
    )


def stored_run(
    write_matrix: MatrixWriter, tmp_path: Path, outcomes: tuple[str, str]
) -> tuple[list[PreparedCell], dict[str, str | None], RunStore]:
    """A run folder whose two cells ended with `outcomes`, each result keyed like the current cells."""
    from harness.store.results import RunInfo

    cells, rules = prepared_cells(write_matrix, tmp_path)
    keys = {c.cell.id: key_of(c, rules) for c in cells}
    store = RunStore(tmp_path / "results", "20261101-000000-t-aaaa")
    store.write_run(
        RunInfo(run_id=store.run_id, matrix_path="m.yaml", matrix={"name": "t"}, cells=list(keys), started_at="x")
    )
    for cell, outcome in zip(cells, outcomes, strict=True):
        stored(store, cell, outcome, None if outcome == "not_run" else keys[cell.cell.id])
    return cells, keys, store


def test_an_earlier_runs_result_is_adopted_with_its_log_and_provenance(
    write_matrix: MatrixWriter, tmp_path: Path
) -> None:
    cells, keys, old = stored_run(write_matrix, tmp_path, ("device_lost", "error"))
    new = RunStore(tmp_path / "results", "20261102-000000-t-bbbb")
    reuse = plan_reuse(cells, keys, new, None, cache_index(tmp_path / "results", skip_run=new.run_id), rerun=())
    assert list(reuse) == [cells[0].cell.id]  # an error measured nothing, so it is launched again
    adopted = load_run_result(new, cells[0])
    assert adopted.outcome == "device_lost" and adopted.run_id == new.run_id
    assert adopted.cached_from is not None and adopted.cached_from.run_id == old.run_id
    assert (new.cell_dir(cells[0].cell.id) / "app.log").read_text() == "device_lost\n"
    again = plan_reuse(cells, keys, new, None, cache_index(tmp_path / "results", skip_run="x"), rerun={"device_lost"})
    assert again == {}


def load_run_result(store: RunStore, cell: PreparedCell) -> CellResult:
    return CellResult.model_validate_json((store.cell_dir(cell.cell.id) / "result.json").read_text())


def test_a_resumed_run_keeps_its_final_results_whose_key_still_matches(
    write_matrix: MatrixWriter, tmp_path: Path
) -> None:
    cells, keys, store = stored_run(write_matrix, tmp_path, ("ready", "not_run"))
    record = load_run(store.path)
    assert list(plan_reuse(cells, keys, store, record, {}, rerun=())) == [cells[0].cell.id]
    changed = {**keys, cells[0].cell.id: "another-key"}
    assert plan_reuse(cells, changed, store, record, {}, rerun=()) == {}


def attempt(outcome: str, seconds: float) -> CellResult:
    return CellResult(
        run_id="r",
        cell_id="c",
        labels={},
        values={},
        outcome=outcome,
        seconds=seconds,
        log_file=f"app.{int(seconds)}.log",
    )


def test_repeated_launches_combine_into_the_most_frequent_failure_and_flag_flakiness() -> None:
    combined = combine([attempt("ready", 1), attempt("device_lost", 2), attempt("device_lost", 3)])
    assert (combined.outcome, combined.seconds, combined.flaky) == ("device_lost", 2, True)
    assert [a.outcome for a in combined.attempts] == ["ready", "device_lost", "device_lost"]
    steady = combine([attempt("ready", 1), attempt("ready", 2)])
    assert (steady.outcome, steady.flaky, steady.log_file) == ("ready", False, "app.1.log")
