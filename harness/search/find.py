"""The first bad point of an ordered line (image tags, releases), pure: a multi-section search over
an oracle that judges a batch of points at once (a batch runs side by side on free GPUs).

Points are numbered 0..n-1 from the known-good end to the known-bad end. Skipped points (untestable:
`error`, `timeout`, another failure than the one searched) are stepped around; when skips leave more
than one candidate the answer is the range. Outcomes that contradict each other (good after bad) are
reported, never looped on: every round tests points no round tested before.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field


class Mark(enum.Enum):
    GOOD = "good"
    BAD = "bad"
    SKIP = "skip"


@dataclass(frozen=True)
class Probe:
    """What the oracle says of one point."""

    mark: Mark
    outcome: str
    flaky: bool = False


Oracle = Callable[[Sequence[int]], dict[int, Probe]]
"""Judges a batch of points (indices into the line); may answer from a cache without launching."""


@dataclass(frozen=True)
class Step:
    round: int
    point: int
    probe: Probe


@dataclass
class FindResult:
    """`first_bad` is exact when `candidates` has one point; otherwise the answer is the range."""

    points: int
    steps: list[Step] = field(default_factory=list)
    last_good: int | None = None
    first_bad: int | None = None
    candidates: tuple[int, ...] = ()
    """Points that may be the first bad one (more than one when skips hide the boundary)."""
    skipped: tuple[int, ...] = ()
    contradictions: list[tuple[int, int]] = field(default_factory=list)
    """(good point, bad point before it): outcomes that contradict a single boundary."""
    ends_differ: bool = True

    @property
    def exact(self) -> bool:
        return self.ends_differ and len(self.candidates) == 1

    @property
    def flaky(self) -> list[int]:
        return sorted({s.point for s in self.steps if s.probe.flaky})


def spread(candidates: Sequence[int], count: int) -> list[int]:
    """Up to `count` points that cut `candidates` into count + 1 nearly equal parts."""
    if count >= len(candidates):
        return list(candidates)
    picks = [candidates[(len(candidates) * (i + 1)) // (count + 1)] for i in range(count)]
    return sorted(dict.fromkeys(picks))


def find_first_bad(points: int, oracle: Oracle, batch: int = 1, check_ends: bool = True) -> FindResult:
    """Search points 0 (good) .. points-1 (bad), testing up to `batch` points a round."""
    if points < 2:
        raise ValueError("a search needs a good and a bad point")
    result = FindResult(points)
    tested: dict[int, Probe] = {}
    rounds = 0

    def ask(batch_points: list[int]) -> None:
        nonlocal rounds
        rounds += 1
        answers = oracle(batch_points)
        for point in batch_points:
            tested[point] = answers[point]
            result.steps.append(Step(rounds, point, answers[point]))

    if check_ends:
        ask([0, points - 1])
        if tested[0].mark is not Mark.GOOD or tested[points - 1].mark is not Mark.BAD:
            result.ends_differ = False
            return result
    else:
        tested[0] = Probe(Mark.GOOD, "known")
        tested[points - 1] = Probe(Mark.BAD, "known")
    while True:
        low, high = _bounds(tested, points, result)
        untested = [p for p in range(low + 1, high) if p not in tested]
        if not untested:
            break
        ask(spread(untested, batch))
    low, high = _bounds(tested, points, result)
    result.last_good, result.first_bad = low, high
    result.skipped = tuple(p for p in range(low + 1, high) if tested[p].mark is Mark.SKIP)
    result.candidates = (*result.skipped, high)
    return result


def _bounds(tested: dict[int, Probe], points: int, result: FindResult) -> tuple[int, int]:
    """The last good point before the first bad one; contradictions (a good point after it) noted."""
    first_bad = min(p for p, probe in tested.items() if probe.mark is Mark.BAD)
    last_good = max(p for p, probe in tested.items() if probe.mark is Mark.GOOD and p < first_bad)
    for point, probe in sorted(tested.items()):
        contradiction = (point, first_bad)
        if probe.mark is Mark.GOOD and point > first_bad and contradiction not in result.contradictions:
            result.contradictions.append(contradiction)
    return last_good, first_bad
