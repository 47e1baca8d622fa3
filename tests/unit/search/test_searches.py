"""The searches against brute force on generated outcome lines and tables: exact answers on monotone
lines, ranges around skips, contradictions reported and never looped on, launch bounds."""

from __future__ import annotations

import math
from collections.abc import Sequence

from hypothesis import given, settings
from hypothesis import strategies as st

from harness.search.find import Mark, Probe, find_first_bad, spread
from harness.search.isolate import Trial, isolate


def line_oracle(marks: Sequence[Mark], flaky: frozenset[int] = frozenset()):  # type: ignore[no-untyped-def]
    asked: list[list[int]] = []

    def oracle(points: Sequence[int]) -> dict[int, Probe]:
        asked.append(list(points))
        return {p: Probe(marks[p], marks[p].value, p in flaky) for p in points}

    return oracle, asked


@st.composite
def monotone_lines(draw: st.DrawFn) -> tuple[list[Mark], int]:
    n = draw(st.integers(2, 80))
    first_bad = draw(st.integers(1, n - 1))
    skips = draw(st.sets(st.integers(1, n - 2), max_size=max(0, n // 5))) if n > 2 else set()
    marks = [Mark.GOOD if p < first_bad else Mark.BAD for p in range(n)]
    for p in skips:
        marks[p] = Mark.SKIP
    return marks, first_bad


@given(monotone_lines(), st.integers(1, 4))
@settings(max_examples=300)
def test_find_names_the_first_bad_point_or_the_range_the_skips_leave(line: tuple[list[Mark], int], batch: int) -> None:
    marks, drawn_first_bad = line
    oracle, _ = line_oracle(marks)
    result = find_first_bad(len(marks), oracle, batch)
    assert result.last_good < drawn_first_bad <= result.first_bad
    assert result.ends_differ and not result.contradictions
    assert marks[result.last_good] is Mark.GOOD and marks[result.first_bad] is Mark.BAD
    true_first_bad = next(p for p in range(len(marks)) if marks[p] is Mark.BAD)
    assert true_first_bad in result.candidates
    assert all(marks[p] is Mark.SKIP for p in result.candidates[:-1])
    assert result.exact == (not any(m is Mark.SKIP for m in marks[result.last_good + 1 : result.first_bad]))
    assert len({s.point for s in result.steps}) == len(result.steps)  # no point judged twice


@given(st.integers(2, 200), st.data())
def test_find_without_skips_stays_within_log2_plus_the_two_ends(n: int, data: st.DataObject) -> None:
    first_bad = data.draw(st.integers(1, n - 1))
    marks = [Mark.GOOD if p < first_bad else Mark.BAD for p in range(n)]
    oracle, _ = line_oracle(marks)
    result = find_first_bad(n, oracle, batch=1)
    assert result.exact and result.first_bad == first_bad and result.last_good == first_bad - 1
    assert len(result.steps) <= math.ceil(math.log2(n)) + 2


@given(st.integers(3, 300), st.integers(2, 4), st.data())
def test_find_with_k_points_a_round_needs_about_log_base_k_plus_1_rounds(n: int, k: int, data: st.DataObject) -> None:
    first_bad = data.draw(st.integers(1, n - 1))
    marks = [Mark.GOOD if p < first_bad else Mark.BAD for p in range(n)]
    oracle, asked = line_oracle(marks)
    result = find_first_bad(n, oracle, batch=k)
    assert result.exact and result.first_bad == first_bad
    assert all(len(points) <= max(k, 2) for points in asked)
    assert len(asked) - 1 <= math.ceil(math.log(n - 1) / math.log(k + 1)) + 1


@given(st.lists(st.sampled_from(list(Mark)), min_size=3, max_size=60), st.integers(1, 3))
def test_find_on_any_line_ends_and_reports_what_it_saw(middle: list[Mark], batch: int) -> None:
    marks = [Mark.GOOD, *middle, Mark.BAD]
    oracle, _ = line_oracle(marks)
    result = find_first_bad(len(marks), oracle, batch)
    assert result.last_good is not None and result.first_bad is not None
    assert marks[result.last_good] is Mark.GOOD and marks[result.first_bad] is Mark.BAD
    assert result.last_good < result.first_bad
    assert all(marks[p] is Mark.SKIP for p in range(result.last_good + 1, result.first_bad))
    tested = {s.point for s in result.steps}
    contradicted = any(marks[p] is Mark.GOOD and p > result.first_bad for p in tested)
    assert bool(result.contradictions) == contradicted


def test_find_stops_when_the_ends_do_not_differ_and_reports_flaky_points() -> None:
    oracle, asked = line_oracle([Mark.GOOD, Mark.GOOD, Mark.GOOD])
    result = find_first_bad(3, oracle)
    assert not result.ends_differ and asked == [[0, 2]]
    marks = [Mark.GOOD, Mark.GOOD, Mark.BAD, Mark.BAD]
    oracle, _ = line_oracle(marks, flaky=frozenset({2}))
    assert find_first_bad(4, oracle).flaky == [2]


def test_spread_cuts_the_candidates_evenly() -> None:
    assert spread(list(range(1, 16)), 1) == [8]
    assert spread(list(range(1, 16)), 3) == [4, 8, 12]
    assert spread([3, 4], 5) == [3, 4]


def conjunction(culprits: frozenset[int]):  # type: ignore[no-untyped-def]
    def judge(subset: frozenset[int]) -> tuple[Trial, str]:
        return (Trial.FAIL, "device_lost") if culprits <= subset else (Trial.PASS, "ready")

    return judge


@given(st.integers(1, 24), st.data())
@settings(max_examples=200)
def test_isolate_finds_the_changes_that_together_matter(n: int, data: st.DataObject) -> None:
    culprits = frozenset(data.draw(st.sets(st.integers(0, n - 1), min_size=1, max_size=min(n, 3))))
    result = isolate(n, conjunction(culprits))
    assert set(result.culprits) == culprits
    if len(culprits) == 1 and n > 1:
        assert result.launches <= 2 * math.ceil(math.log2(n)) + 3


@given(st.integers(2, 24), st.data())
def test_isolate_with_several_sufficient_changes_names_one(n: int, data: st.DataObject) -> None:
    any_of = data.draw(st.sets(st.integers(0, n - 1), min_size=1, max_size=n))
    result = isolate(n, lambda subset: (Trial.FAIL, "oom") if subset & any_of else (Trial.PASS, "ready"))
    assert len(result.culprits) == 1 and result.culprits[0] in any_of


@given(st.integers(2, 10), st.data())
@settings(max_examples=150)
def test_isolate_on_any_table_ends_with_a_one_minimal_failing_set(n: int, data: st.DataObject) -> None:
    table: dict[frozenset[int], Trial] = {}
    draw = data.draw

    def judge(subset: frozenset[int]) -> tuple[Trial, str]:
        if subset not in table:
            table[subset] = draw(st.sampled_from(list(Trial)))
        return table[subset], table[subset].value

    table[frozenset()] = Trial.PASS
    table[frozenset(range(n))] = Trial.FAIL
    result = isolate(n, judge)
    found = frozenset(result.culprits)
    assert judge(found)[0] is Trial.FAIL
    if len(found) > 1:
        assert all(judge(found - {c})[0] is not Trial.FAIL for c in found)
    assert len({subset for subset, _, _ in result.tried}) == len(result.tried)


def test_isolate_stops_when_the_ends_do_not_differ() -> None:
    result = isolate(3, lambda subset: (Trial.PASS, "ready"))
    assert not result.ends_differ and result.launches == 2
