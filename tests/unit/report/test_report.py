from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path
from typing import Any

import pytest

from harness.report.report import (
    GITHUB_COMMENT_LIMIT,
    ReportOptions,
    code_block,
    code_span,
    cut_line,
    escape_markdown_cell,
    markdown_report,
    outcome_table,
    render_report,
    summary_counts,
)
from harness.store.results import CellResult, RunRecord, load_run
from tests.runs import MATRIX, make_run


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


# --- the issue-ready report of a stored run ---------------------------------------------------------

GOLDEN = Path(__file__).resolve().parents[2] / "golden"


def check_golden(name: str, text: str) -> None:
    """Compare with tests/golden/<name>; UPDATE_GOLDEN=1 rewrites it (review the diff before committing)."""
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN"):
        path.parent.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8")


@pytest.fixture
def stored(tmp_path: Path) -> RunRecord:
    return load_run(make_run(tmp_path / "results"))


def test_markdown_report_matches_the_golden_file(stored: RunRecord) -> None:
    check_golden("report-b50.md", markdown_report(stored, ReportOptions(display_root="results")))


def test_every_cell_that_did_not_serve_has_a_block_with_its_line_excerpt_and_command(stored: RunRecord) -> None:
    text = markdown_report(stored, ReportOptions(display_root="results"))
    failing = [r for r in stored.results if r.outcome != "ready"]
    assert text.count("<details>") == len(failing) + 2  # plus the matrix file and one compose file
    for result in failing:
        assert f"docker compose -f results/{stored.run_id}/cells/{result.cell_id}/compose.yaml up" in text
        assert result.line is not None and result.line[:80] in text
    assert "UR_RESULT_ERROR_DEVICE_LOST" in text
    assert "`intel/llm-scaler-vllm@sha256:f9e8d7c6b5a4" in text
    assert "vllm 0.14.1" in text


def test_report_table_can_be_reshaped(stored: RunRecord) -> None:
    text = markdown_report(stored, ReportOptions(rows=("tp",), cols=("image",), show=("model_gib",)))
    assert "| tp   | image=intel/llm-scaler-vllm:1.3" in text
    assert "❌ kv_cache_insufficient · model_gib 9.25" in text


def test_a_long_report_fits_a_github_comment_by_trimming_excerpts_first(tmp_path: Path) -> None:
    matrix = {**MATRIX, "axes": {**MATRIX["axes"], "seed": list(range(40))}}  # type: ignore[dict-item]
    record = load_run(make_run(tmp_path, matrix=matrix, log_of=lambda cell: "llm-scaler-424-tp2.log"))
    full = markdown_report(record, ReportOptions(limit=10**9))
    assert len(full) > GITHUB_COMMENT_LIMIT
    text = markdown_report(record)
    assert len(text) <= GITHUB_COMMENT_LIMIT
    assert "to fit GitHub's" in text
    assert text.count("<details>") >= 2


def test_log_text_cannot_break_the_markdown() -> None:
    assert escape_markdown_cell("a|b `c` @team <tag> *x*") == "a\\|b \\`c\\` \\@team \\<tag> \\*x\\*"
    assert code_span("uses ``double`` ticks") == "``` uses ``double`` ticks ```"
    block = code_block(["```", "inside"])
    assert block.startswith("````text\n") and block.endswith("\n````")
    assert cut_line("x" * 600) == "x" * 500 + " …[100 more characters]"


def test_json_csv_and_html_carry_the_same_cells(stored: RunRecord) -> None:
    document = json.loads(render_report(stored, "json"))
    assert [r["outcome"] for r in document["results"]] == [r.outcome for r in stored.results]
    assert document["summary"].startswith("kv_cache_insufficient in all 4 cells with tp=1.")
    rows = list(csv.DictReader(io.StringIO(render_report(stored, "csv"))))
    assert [(row["image"], row["tp"], row["outcome"]) for row in rows] == [
        (r.labels["image"], r.labels["tp"], r.outcome) for r in stored.results
    ]
    page = render_report(stored, "html")
    assert page.startswith("<!doctype html>") and "<table>" in page and "<details>" in page
    assert "<td>❌ device_lost</td>" in page


def test_an_interrupted_run_says_which_cells_did_not_run(tmp_path: Path) -> None:
    folder = make_run(tmp_path)
    info = json.loads((folder / "run.json").read_text())
    (folder / "run.json").write_text(json.dumps({**info, "interrupted": True, "finished_at": None}))
    for cell in info["cells"][-3:]:
        (folder / "cells" / cell / "result.json").unlink()
    text = markdown_report(load_run(folder))
    assert "3 planned cells did not run (the run stopped: interrupted)." in text
    assert "→ not finished." in text


def test_runs_stored_before_schema_2_still_report(tmp_path: Path) -> None:
    folder = make_run(tmp_path)
    info = json.loads((folder / "run.json").read_text())
    old = {k: v for k, v in info.items() if k not in ("layout", "report", "images", "host", "masked")}
    (folder / "run.json").write_text(json.dumps({**old, "schema_version": 1}))
    for path in folder.glob("cells/*/result.json"):
        result = json.loads(path.read_text())
        kept = {k: v for k, v in result.items() if k not in ("service", "image_ids", "metrics", "versions")}
        path.write_text(json.dumps({**kept, "schema_version": 1}))
    text = markdown_report(load_run(folder))
    header = next(line for line in text.splitlines() if line.startswith("| image"))
    assert [cell.strip() for cell in header.split("|")[1:-1]] == ["image", "tp", "env=none", "env=ipc-sockets"]
    assert "No image facts were recorded" in text and "No host facts were recorded." in text
    assert "UR_RESULT_ERROR_DEVICE_LOST" in text


def test_repeated_and_reused_cells_say_so_in_the_table() -> None:
    from harness.store.results import Attempt, CachedFrom

    flaky = result("device_lost", image="a", tp="2").model_copy(
        update={
            "attempts": [Attempt(outcome="device_lost"), Attempt(outcome="ready"), Attempt(outcome="device_lost")],
            "flaky": True,
        }
    )
    reused = result("ready", image="b", tp="2").model_copy(
        update={"cached_from": CachedFrom(run_id="20261101-000000-t-aaaa", cell_id="c")}
    )
    lines = outcome_table([flaky, reused], ["image"], ["tp"]).splitlines()
    assert "❌ device_lost 2/3 · ✅ ready 1/3 · flaky" in lines[2]
    assert "✅ ready ♻️" in lines[3]


def test_a_failure_no_rule_knows_still_shows_its_error_lines(tmp_path: Path) -> None:
    record = load_run(make_run(tmp_path, log_of=lambda cell: "vllm-segfault.log"))
    text = markdown_report(record)
    assert "💥 crashed" in text
    assert "No rule matched; the last error-looking lines:" in text
    assert "5: Fatal Python error: Segmentation fault" in text
    assert "8: Segmentation fault (core dumped)" in text
