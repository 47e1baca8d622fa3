"""Choosing the line to search and what an outcome means for it (no engine)."""

from __future__ import annotations

import pytest

from harness.errors import UsageError
from harness.matrix.spec import expand, load_matrix
from harness.search.find import Mark, Probe, find_first_bad
from harness.search.runs import FIND_FORMATS, FindReport, line_of, marker
from tests.conftest import MatrixWriter

TAGS = [f"r{n:02d}" for n in range(1, 9)]


def test_the_line_runs_from_good_to_bad_with_every_other_axis_fixed(write_matrix: MatrixWriter) -> None:
    matrix = load_matrix(write_matrix(axes={"image": TAGS, "tp": [1, 2]}))
    cells = expand(matrix.spec)
    line = line_of(matrix, cells, "image", "r02", "r06", {"tp": "2"})
    assert line.labels == ["r02", "r03", "r04", "r05", "r06"]
    assert all(c.labels["tp"] == "2" for c in line.cells) and line.fixed == {"tp": "2"}
    backwards = line_of(matrix, cells, "image", "r06", "r02", {"tp": "1"})
    assert backwards.labels == ["r06", "r05", "r04", "r03", "r02"]
    custom = line_of(matrix, cells, "image", "r01", "r08", {"tp": "1"}, ["r01", "r08", "r04"])
    assert custom.labels == ["r01", "r08"]
    with pytest.raises(UsageError, match=r"--where: fix tp \(tp is one of 1, 2\)"):
        line_of(matrix, cells, "image", "r01", "r08", {})
    with pytest.raises(UsageError, match=r"image: no cell with image=r99"):
        line_of(matrix, cells, "image", "r01", "r99", {"tp": "1"})
    with pytest.raises(UsageError, match=r"--axis gpu: not an axis"):
        line_of(matrix, cells, "gpu", "r01", "r08", {"tp": "1"})


def test_what_bad_means() -> None:
    failure = marker("failure", [])
    assert [failure(o) for o in ("ready", "device_lost", "timeout", "error")] == [
        Mark.GOOD,
        Mark.BAD,
        Mark.SKIP,
        Mark.SKIP,
    ]
    signature = marker("device_lost", ["crashed"])
    assert [signature(o) for o in ("ready", "device_lost", "oom", "crashed")] == [
        Mark.GOOD,
        Mark.BAD,
        Mark.SKIP,
        Mark.SKIP,
    ]
    fix = marker("ready", [])
    assert [fix(o) for o in ("ready", "device_lost")] == [Mark.BAD, Mark.GOOD]


def test_the_answer_reads_as_an_issue_comment(write_matrix: MatrixWriter) -> None:
    matrix = load_matrix(write_matrix(axes={"image": TAGS}))
    line = line_of(matrix, expand(matrix.spec), "image", "r01", "r08", {})
    outcomes = ["ready", "ready", "timeout", "ready", "device_lost", "device_lost", "device_lost", "device_lost"]
    mark = marker("failure", [])
    result = find_first_bad(8, lambda points: {p: Probe(mark(outcomes[p]), outcomes[p]) for p in points})
    text = FIND_FORMATS.render("md", FindReport(line, result, "failure", (), 4, None))
    assert "**First bad `image`: `r05`**" in text
    assert "- Last good: `r04` (ready)" in text
    assert "- Launches: 4, against 8 for the full sweep" in text
    assert "| 1 | `r01` | ready | good |" in text
    data = FIND_FORMATS.render("json", FindReport(line, result, "failure", (), 4, None))
    assert '"first_bad": "r05"' in data and '"exact": true' in data


def test_every_setting_that_differs_is_its_own_change(write_matrix: MatrixWriter) -> None:
    from harness.search.runs import differences, mixed_cell, select_cell

    matrix = load_matrix(
        write_matrix(
            axes={
                "image": ["a:1", "a:2"],
                "env": {"none": {"A": "1"}, "mix": {"A": "1", "CCL_ZE_IPC_EXCHANGE": "sockets", "B": "2"}},
                "caps": {"none": [], "ptrace": ["SYS_PTRACE"]},
            }
        )
    )
    cells = expand(matrix.spec)
    good = select_cell(cells, "image=a:1,env=none,caps=none", "--good")
    bad = select_cell(cells, "image=a:2,env=mix,caps=ptrace", "--bad")
    changes = differences(good, bad)
    assert [c.describe(good, bad) for c in changes] == [
        "image=a:2",
        "B=2",
        "CCL_ZE_IPC_EXCHANGE=sockets",
        "caps +SYS_PTRACE",
    ]
    one = mixed_cell(good, bad, changes, frozenset({2}))
    assert one.values["env"] == {"A": "1", "CCL_ZE_IPC_EXCHANGE": "sockets"} and one.values["image"] == "a:1"
    assert one.labels["env"] == "none+CCL_ZE_IPC_EXCHANGE=sockets" and one.id not in {c.id for c in cells}
    everything = mixed_cell(good, bad, changes, frozenset(range(4)))
    assert everything.values == bad.values and everything.labels == bad.labels
    with pytest.raises(UsageError, match=r"--good image=a:1: 4 cells of the matrix match"):
        select_cell(cells, "image=a:1", "--good")
    assert select_cell(cells, good.id, "--good") == good
