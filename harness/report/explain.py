"""The outcome matrix in words: for each outcome, the fewest axis values that pick out exactly its cells.

"device_lost in all 8 cells with image=1.4 and tp=2" is what a maintainer reads first; it is found by
searching conjunctions of up to MAX_TERMS axis values whose cells all share one outcome, preferring
the one that covers most cells, then the shortest. Pure: results in, findings out.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from harness.judge.signatures import READY

MAX_TERMS = 2

Term = tuple[str, str]
Conjunction = tuple[Term, ...]


@dataclass(frozen=True)
class Finding:
    """Where one outcome happened: `hits` of the `size` cells picked out by `where` had it, and `others`
    cells outside `where` had it too (listed by their labels when there are few)."""

    outcome: str
    count: int
    where: Conjunction
    hits: int
    size: int
    others: tuple[Mapping[str, str], ...]


def _matches(labels: Mapping[str, str], where: Conjunction) -> bool:
    return all(labels.get(axis) == label for axis, label in where)


def _conjunctions(cells: Sequence[Mapping[str, str]], axes: Sequence[str]) -> list[Conjunction]:
    values: dict[str, list[str]] = {axis: [] for axis in axes}
    for labels in cells:
        for axis in axes:
            label = labels.get(axis)
            if label is not None and label not in values[axis]:
                values[axis].append(label)
    found: list[Conjunction] = [()]
    for size in range(1, MAX_TERMS + 1):
        for chosen in itertools.combinations(axes, size):
            found.extend(
                tuple(zip(chosen, combo, strict=True)) for combo in itertools.product(*(values[a] for a in chosen))
            )
    return found


def _score(
    cells: Sequence[tuple[Mapping[str, str], str]], outcome: str, candidate: tuple[Conjunction, list[int]]
) -> tuple[int, int]:
    """Cells of the outcome minus cells of another, then shorter first."""
    hits = sum(1 for i in candidate[1] if cells[i][1] == outcome)
    return hits - (len(candidate[1]) - hits), -len(candidate[0])


def explain(cells: Sequence[tuple[Mapping[str, str], str]], axes: Sequence[str]) -> list[Finding]:
    """Findings for every outcome among (labels, outcome) pairs: failures by frequency, `ready` last.

    For each outcome the conjunction with most cells of that outcome minus cells of another wins;
    ties go to the shorter conjunction, then to axis order. When no conjunction has more cells of the
    outcome than of others, the outcome's cells are listed instead."""
    counts: dict[str, int] = {}
    for _, outcome in cells:
        counts[outcome] = counts.get(outcome, 0) + 1
    order = sorted(counts, key=lambda o: (o == READY, -counts[o], o))
    picked = [
        (where, [i for i, (labels, _) in enumerate(cells) if _matches(labels, where)])
        for where in _conjunctions([labels for labels, _ in cells], axes)
    ]
    findings = []
    for outcome in order:
        score = functools.partial(_score, cells, outcome)
        where, members = max(picked, key=score)
        if score((where, members))[0] <= 0:
            where, members = (), []
        hits = sum(1 for i in members if cells[i][1] == outcome)
        inside = set(members)
        others = tuple(labels for i, (labels, o) in enumerate(cells) if o == outcome and i not in inside)
        findings.append(Finding(outcome, counts[outcome], where, hits, len(members), others))
    return findings


Style = Callable[[str], str]


def _plain(text: str) -> str:
    return text


def _phrase(where: Conjunction | Sequence[Term], quote: Style) -> str:
    return " and ".join(quote(f"{axis}={label}") for axis, label in where)


def _sentence(finding: Finding, quote: Style, strong: Style) -> str:
    name = strong(finding.outcome)
    if finding.hits == 0:
        listed = [f"the cell with {_phrase(tuple(labels.items()), quote)}" for labels in finding.others]
        return f"{name} in " + ("; ".join(listed) if len(listed) <= 2 else f"{finding.count} scattered cells") + "."
    scope = f"cells with {_phrase(finding.where, quote)}" if finding.where else "cells"
    if finding.hits == finding.size:
        quantity = {1: "the", 2: "both"}.get(finding.size, f"all {finding.size}")
        text = f"in {quantity} {scope if finding.size > 1 else scope.replace('cells', 'cell', 1)}"
    else:
        text = f"in {finding.hits} of the {finding.size} {scope}"
    if finding.others:
        if len(finding.others) <= 2:
            text += "".join(
                f" and in the cell with {_phrase(tuple(labels.items()), quote)}" for labels in finding.others
            )
        else:
            text += f" and in {len(finding.others)} other cells"
    return f"{name} {text}."


def describe(findings: Sequence[Finding], quote: Style = _plain, strong: Style = _plain) -> str:
    """One sentence per outcome, e.g. 'device_lost in all 8 cells with image=1.4 and tp=2.'; markdown
    passes `quote` (code spans for axis values) and `strong` (bold outcome names)."""
    return " ".join(_sentence(finding, quote, strong) for finding in findings)
