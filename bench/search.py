"""Launches a search needs against the exhaustive sweep, on generated release lines and settings.

`find`: lines of 16 and 64 ordered tags, the first bad at a random place, a few untestable tags
(`error`/`timeout`), searched with --jobs 1 and --jobs 3 (points a round); a launch is one point
judged, the two ends included. `isolate`: one culprit among 6 and among 12 differences, against trying
each difference alone. Each figure
is the mean and the worst over `--trials` random cases (the same seed every run).

    .venv/bin/python bench/search.py [--trials 500]
"""

from __future__ import annotations

import argparse
import math
import random
import statistics
import sys
from pathlib import Path

from tabulate import tabulate

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from harness.search.find import Mark, Probe, find_first_bad
from harness.search.isolate import Trial, isolate


def find_launches(rng: random.Random, tags: int, batch: int, untestable: int) -> tuple[int, int, bool]:
    first_bad = rng.randrange(1, tags)
    marks = [Mark.GOOD if p < first_bad else Mark.BAD for p in range(tags)]
    for p in rng.sample(range(1, tags - 1), untestable):
        marks[p] = Mark.SKIP
    rounds = 0

    def oracle(points: list[int]) -> dict[int, Probe]:
        nonlocal rounds
        rounds += 1
        return {p: Probe(marks[p], marks[p].value) for p in points}

    result = find_first_bad(tags, oracle, batch)
    truth = next(p for p in range(tags) if marks[p] is Mark.BAD)
    return len(result.steps), rounds, truth in result.candidates


def isolate_launches(rng: random.Random, changes: int) -> tuple[int, bool]:
    culprit = rng.randrange(changes)
    result = isolate(changes, lambda s: (Trial.FAIL, "bad") if culprit in s else (Trial.PASS, "good"))
    return result.launches, result.culprits == (culprit,)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=500)
    args = parser.parse_args()
    rng = random.Random(424)
    rows = []
    for tags in (16, 64):
        for batch in (1, 3):
            for untestable in (0, 2):
                runs = [find_launches(rng, tags, batch, untestable) for _ in range(args.trials)]
                launches = [r[0] for r in runs]
                rounds = [r[1] for r in runs]
                goal = math.ceil(math.log2(tags)) + 2 if batch == 1 and untestable == 0 else None
                rows.append(
                    [
                        f"find, {tags} tags",
                        batch,
                        untestable,
                        f"{statistics.mean(launches):.1f}",
                        max(launches),
                        f"{statistics.mean(rounds):.1f}",
                        tags,
                        f"{statistics.mean(launches) / tags:.2f}x",
                        "-" if goal is None else f"<= {goal}: {'yes' if max(launches) <= goal else 'NO'}",
                        "yes" if all(r[2] for r in runs) else "NO",
                    ]
                )
    for changes in (6, 12):
        runs = [isolate_launches(rng, changes) for _ in range(args.trials)]
        launches = [r[0] for r in runs]
        goal = 2 * math.ceil(math.log2(changes)) + 3
        rows.append(
            [
                f"isolate, 1 of {changes}",
                1,
                0,
                f"{statistics.mean(launches):.1f}",
                max(launches),
                "-",
                changes + 2,
                f"{statistics.mean(launches) / (changes + 2):.2f}x",
                f"<= {goal}: {'yes' if max(launches) <= goal else 'NO'}",
                "yes" if all(r[1] for r in runs) else "NO",
            ]
        )
    headers = [
        "search",
        "jobs",
        "untestable",
        "launches (mean)",
        "worst",
        "rounds (mean)",
        "exhaustive",
        "ratio",
        "goal",
        "always right",
    ]
    print(
        f"{args.trials} random cases each; exhaustive = every tag, or each difference alone plus the two cells; "
        "ratio = mean launches / exhaustive"
    )
    print(tabulate(rows, headers=headers, tablefmt="github", disable_numparse=True))


if __name__ == "__main__":
    main()
