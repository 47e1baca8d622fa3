from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from harness.errors import UsageError
from harness.matrix.spec import Cell
from harness.report.compare import (
    CHANGED,
    FIX,
    ONLY_AFTER,
    REGRESSION,
    UNCHANGED,
    UNTESTED,
    Side,
    change_kind,
    compare,
    comparison_json,
    comparison_markdown,
    differing_axes,
    history,
    history_markdown,
    split_by_axis,
)
from harness.store.results import CellResult, load_run
from tests.runs import fixed_1_4, make_run


def result(outcome: str, **labels: str) -> CellResult:
    return CellResult(
        run_id="r", cell_id="-".join(labels.values()), labels=labels, values=dict(labels), outcome=outcome
    )


@pytest.mark.parametrize(
    ("before", "after", "kind"),
    [
        ("ready", "device_lost", REGRESSION),
        ("ready", "timeout", REGRESSION),
        ("device_lost", "ready", FIX),
        ("device_lost", "oom", CHANGED),
        ("device_lost", "device_lost", UNCHANGED),
        ("ready", "error", UNTESTED),
        ("not_run", "ready", UNTESTED),
        ("error", "error", UNCHANGED),
    ],
)
def test_change_kinds(before: str, after: str, kind: str) -> None:
    assert change_kind(result(before, tp="1"), result(after, tp="1")) == kind


def test_two_release_runs_match_on_the_axes_they_share_and_ignore_the_one_that_differs() -> None:
    old = [result("ready", image="1.3", tp="1"), result("ready", image="1.3", tp="2")]
    new = [
        result("ready", image="1.4", tp="1"),
        result("device_lost", image="1.4", tp="2"),
        result("ready", image="1.4", tp="4"),
    ]
    assert differing_axes(old, new) == ["image"]
    comparison = compare(Side("a", old), Side("b", new), ["image"])
    assert comparison.matched_on == ("tp",)
    assert [(dict(c.key), c.kind) for c in comparison.changes] == [
        ({"tp": "1"}, UNCHANGED),
        ({"tp": "2"}, REGRESSION),
        ({"tp": "4"}, ONLY_AFTER),
    ]


def test_cells_that_would_collide_ask_for_the_axis_that_differs() -> None:
    cells = [result("ready", image="1.3", tp="1"), result("ready", image="1.4", tp="1")]
    with pytest.raises(UsageError, match="two cells share tp=1; pass --axis"):
        compare(Side("a", cells), Side("b", cells), ["image"])


def test_one_run_split_on_an_axis(tmp_path: Path) -> None:
    record = load_run(make_run(tmp_path))
    before, after = split_by_axis(record, "image", "intel/llm-scaler-vllm:1.3", "intel/llm-scaler-vllm:1.4")
    comparison = compare(before, after, ["image"])
    regressions = [dict(c.key) for c in comparison.regressions]
    assert regressions == [{"tp": "2", "env": "none"}, {"tp": "2", "env": "ipc-sockets"}]
    text = comparison_markdown(comparison)
    assert "**2 regressions, 0 fixes, 0 changes of failure kind**; 2 unchanged" in text
    assert "| tp   | env         | image=intel/llm-scaler-vllm:1.3   | image=intel/llm-scaler-vllm:1.4   |" in text
    with pytest.raises(UsageError, match=r"'1\.5' is not a value of image"):
        split_by_axis(record, "image", "intel/llm-scaler-vllm:1.3", "1.5")


def test_a_fixed_release_shows_exactly_the_fixed_cells(tmp_path: Path) -> None:
    def fixed(cell: Cell) -> str:
        return "vllm-ready.log" if str(cell.labels["tp"]) == "2" else fixed_1_4(cell)

    broken = load_run(make_run(tmp_path, run_id="20261120-100000-a"))
    repaired = load_run(make_run(tmp_path, run_id="20261121-100000-b", log_of=fixed))
    comparison = compare(Side("a", broken.results), Side("b", repaired.results))
    assert [(dict(c.key)["image"], dict(c.key)["tp"], c.kind) for c in comparison.changes if c.kind != UNCHANGED] == [
        ("intel/llm-scaler-vllm:1.4", "2", FIX),
        ("intel/llm-scaler-vllm:1.4", "2", FIX),
    ]
    assert '"kind": "fix"' in comparison_json(comparison)


def test_history_has_a_row_per_image_digest_with_outcome_counts(tmp_path: Path) -> None:
    records = [load_run(make_run(tmp_path, run_id=f"2026112{day}-100000-r")) for day in (0, 1)]
    rows = history(records, "image")
    assert [(r.label, r.image, r.counts) for r in rows] == [
        (
            "intel/llm-scaler-vllm:1.3",
            "sha256:0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9",
            {"kv_cache_insufficient": 4, "ready": 4},
        ),
        (
            "intel/llm-scaler-vllm:1.4",
            "sha256:f9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c8b7a6f5e4d3c2b1a0f9e8",
            {"kv_cache_insufficient": 4, "device_lost": 4},
        ),
    ]
    assert [r.runs for r in rows] == [["20261120-100000-r", "20261121-100000-r"]] * 2
    header, _, first, _ = history_markdown(rows, "image").splitlines()
    assert [cell.strip() for cell in header.split("|")[1:-1]] == [
        "image",
        "image digest/id",
        "runs",
        "last run",
        "ready",
        "device_lost",
        "kv_cache_insufficient",
    ]
    assert [cell.strip() for cell in first.split("|")[1:-1]][2:] == ["2", "20261121-100000-r", "4", "0", "4"]


def test_history_of_a_non_image_axis_has_no_digest(tmp_path: Path) -> None:
    rows = history([load_run(make_run(tmp_path))], "tp")
    assert [(r.label, r.image, sum(r.counts.values())) for r in rows] == [("1", "-", 4), ("2", "-", 4)]


def test_history_counts_launches_not_reused_results(tmp_path: Path) -> None:
    from harness.store.results import CachedFrom

    first = load_run(make_run(tmp_path, run_id="20261120-100000-r"))
    again = load_run(make_run(tmp_path, run_id="20261121-100000-r"))
    reused = [
        r.model_copy(update={"cached_from": CachedFrom(run_id=first.run_id, cell_id=r.cell_id)}) for r in again.results
    ]
    rows = history([first, replace(again, results=reused)], "image")
    assert [(r.runs, sum(r.counts.values())) for r in rows] == [([first.run_id], 4), ([first.run_id], 4)]
