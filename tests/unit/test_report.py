from __future__ import annotations

from typing import Any

from harness.report import outcome_table, summary_counts
from harness.results import CellResult


def result(outcome: str, exit_code: int | None = None, **labels: str) -> CellResult:
    values: dict[str, Any] = dict(labels)
    return CellResult(
        run_id="r",
        cell_id="-".join(labels.values()),
        labels=labels,
        values=values,
        outcome=outcome,
        exit_code=exit_code,
    )


def test_outcome_table_is_github_markdown_with_rows_and_columns_in_matrix_order() -> None:
    results = [
        result("kv_cache_insufficient", image="vllm:1.4", tp="1"),
        result("device_lost", image="vllm:1.4", tp="2"),
        result("ready", image="vllm:1.3", tp="2"),
        result("crashed", 139, image="vllm:1.3", tp="1"),
    ]
    assert outcome_table(results, ["image"], ["tp"]).splitlines() == [
        "| image    | tp=1                     | tp=2           |",
        "|----------|--------------------------|----------------|",
        "| vllm:1.4 | ❌ kv_cache_insufficient | ❌ device_lost |",
        "| vllm:1.3 | 💥 crashed (139)         | ✅ ready       |",
    ]


def test_cells_sharing_a_table_slot_list_each_distinct_outcome_once() -> None:
    results = [
        result("device_lost", image="a", caps="none"),
        result("device_lost", image="a", caps="ptrace"),
        result("ready", image="b", caps="none"),
        result("timeout", image="b", caps="ptrace"),
    ]
    lines = outcome_table(results, ["image"], []).splitlines()
    assert lines[2] == "| a       | ❌ device_lost        |"
    assert lines[3] == "| b       | ✅ ready / ⏱️ timeout |"


def test_pipes_in_labels_are_escaped() -> None:
    table = outcome_table([result("ready", env="A|B", tp="1")], ["env"], ["tp"])
    assert "A\\|B" in table


def test_summary_counts_most_common_first() -> None:
    results = [result("ready", a="1"), result("device_lost", a="2"), result("device_lost", a="3")]
    assert summary_counts(results) == "device_lost 2, ready 1"
