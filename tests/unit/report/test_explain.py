from __future__ import annotations

import itertools

from hypothesis import given
from hypothesis import strategies as st

from harness.report.explain import Finding, _matches, describe, explain


def md(findings: list[Finding]) -> str:
    return describe(findings, quote=lambda t: f"`{t}`", strong=lambda t: f"**{t}**")


AXES = ["image", "tp", "env"]


def demo_cells() -> list[tuple[dict[str, str], str]]:
    cells = []
    for image, tp, env in itertools.product(["1.3", "1.4"], ["1", "2"], ["none", "sockets", "drmfd"]):
        outcome = "kv_cache_insufficient" if tp == "1" else "device_lost" if image == "1.4" else "ready"
        cells.append(({"image": image, "tp": tp, "env": env}, outcome))
    return cells


def test_each_outcome_is_pinned_to_the_axis_values_that_explain_it() -> None:
    assert md(explain(demo_cells(), AXES)) == (
        "**kv_cache_insufficient** in all 6 cells with `tp=1`. "
        "**device_lost** in all 3 cells with `image=1.4` and `tp=2`. "
        "**ready** in all 3 cells with `image=1.3` and `tp=2`."
    )


def test_an_exception_is_counted_and_named_on_its_own() -> None:
    cells = demo_cells()
    cells[0] = (cells[0][0], "timeout")
    assert describe(explain(cells, AXES)) == (
        "kv_cache_insufficient in 5 of the 6 cells with tp=1. "
        "device_lost in all 3 cells with image=1.4 and tp=2. "
        "timeout in the cell with image=1.3 and tp=1 and env=none. "
        "ready in all 3 cells with image=1.3 and tp=2."
    )


def test_one_outcome_everywhere() -> None:
    cells = [(labels, "ready") for labels, _ in demo_cells()]
    assert md(explain(cells, AXES)) == "**ready** in all 12 cells."


def test_two_cells_are_both() -> None:
    cells = [
        ({"image": "a", "tp": "1"}, "ready"),
        ({"image": "a", "tp": "2"}, "ready"),
        ({"image": "b", "tp": "1"}, "oom"),
    ]
    assert (
        md(explain(cells, ["image", "tp"]))
        == "**oom** in the cell with `image=b`. **ready** in both cells with `image=a`."
    )


labels_strategy = st.fixed_dictionaries({axis: st.sampled_from(["a", "b", "c"]) for axis in AXES})
outcome_strategy = st.sampled_from(["ready", "device_lost", "oom", "timeout"])


@given(st.lists(st.tuples(labels_strategy, outcome_strategy), min_size=1, max_size=27))
def test_findings_are_true_statements_about_the_cells(cells: list[tuple[dict[str, str], str]]) -> None:
    findings = explain(cells, AXES)
    assert sorted(f.outcome for f in findings) == sorted({o for _, o in cells})
    for finding in findings:
        inside = [o for labels, o in cells if finding.size and _matches(labels, finding.where)]
        assert len(inside) == finding.size
        assert inside.count(finding.outcome) == finding.hits
        assert finding.hits > finding.size - finding.hits or finding.size == 0
        assert finding.hits + len(finding.others) == finding.count == [o for _, o in cells].count(finding.outcome)
        assert all(not _matches(labels, finding.where) or finding.size == 0 for labels in finding.others)
