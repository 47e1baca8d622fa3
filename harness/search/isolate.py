"""Which of the settings that differ between a good and a bad cell make the difference, pure: Zeller's
delta debugging (ddmin) over an oracle that judges the good cell with a subset of the changes applied.

The answer is 1-minimal: the chosen changes turn the good outcome into the bad one, and leaving out any
single one of them does not. Subsets whose outcome is neither (another failure, untestable) count as
unresolved, as in ddmin. Every subset is judged once (the oracle may answer from a cache).
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field


class Trial(enum.Enum):
    PASS = "pass"
    """the good cell's outcome"""
    FAIL = "fail"
    """the bad cell's outcome"""
    UNRESOLVED = "unresolved"


Judge = Callable[[frozenset[int]], tuple[Trial, str]]
"""Judges the good cell with these changes (indices) applied: the test result and the outcome seen."""


@dataclass
class IsolateResult:
    changes: int
    culprits: tuple[int, ...] = ()
    tried: list[tuple[frozenset[int], Trial, str]] = field(default_factory=list)
    ends_differ: bool = True

    @property
    def launches(self) -> int:
        return len(self.tried)


def isolate(changes: int, judge: Judge, check_ends: bool = True) -> IsolateResult:
    """A 1-minimal subset of changes 0..changes-1 that turns PASS into FAIL."""
    result = IsolateResult(changes)
    seen: dict[frozenset[int], Trial] = {}

    def test(subset: Sequence[int]) -> Trial:
        key = frozenset(subset)
        if key not in seen:
            outcome, seen_outcome = judge(key)
            seen[key] = outcome
            result.tried.append((key, outcome, seen_outcome))
        return seen[key]

    everything = list(range(changes))
    if check_ends and (test([]) is not Trial.PASS or test(everything) is not Trial.FAIL):
        result.ends_differ = False
        return result
    seen.setdefault(frozenset(), Trial.PASS)
    seen.setdefault(frozenset(everything), Trial.FAIL)
    current, granularity = everything, 2
    while len(current) >= 2:
        chunks = _split(current, granularity)
        reduced = next((chunk for chunk in chunks if test(chunk) is Trial.FAIL), None)
        if reduced is not None:
            current, granularity = reduced, 2
            continue
        complements = [[c for c in current if c not in chunk] for chunk in chunks] if granularity > 2 else []
        reduced = next((rest for rest in complements if test(rest) is Trial.FAIL), None)
        if reduced is not None:
            current, granularity = reduced, max(granularity - 1, 2)
            continue
        if granularity >= len(current):
            break
        granularity = min(len(current), granularity * 2)
    result.culprits = tuple(current)
    return result


def _split(items: Sequence[int], parts: int) -> list[list[int]]:
    size, extra = divmod(len(items), parts)
    chunks, start = [], 0
    for index in range(parts):
        end = start + size + (1 if index < extra else 0)
        chunks.append(list(items[start:end]))
        start = end
    return [chunk for chunk in chunks if chunk]
