"""How often the built-in rules give the outcome a release engineer expects, on real log excerpts
(tests/fixtures/logs/corpus, each with its source link): accuracy per class and the confusion
matrix, for the `tune` split (used while writing the rules) and the `heldout` split (never).

    .venv/bin/python bench/classify_corpus.py [--misses]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd
from tabulate import tabulate

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "fixtures"))

from log_corpus import SPLITS, Excerpt, judge_corpus  # noqa: E402

from harness.judge.signatures import READY  # noqa: E402


def report(judged: list[Excerpt], split: str, misses: bool) -> str:
    rows = [e for e in judged if e.split == split]
    frame = pd.DataFrame({"expected": [e.expected for e in rows], "got": [e.got for e in rows]})
    right = int((frame.expected == frame.got).sum())
    false_ready = sum(1 for e in rows if e.got == READY and e.expected != READY)
    per_class = frame.assign(right=frame.expected == frame.got).groupby("expected")["right"].agg(["sum", "count"])
    classes = [
        [name, f"{int(r['sum'])}/{int(r['count'])}", f"{r['sum'] / r['count']:.0%}"] for name, r in per_class.iterrows()
    ]
    confusion = pd.crosstab(frame.expected, frame.got)
    out = [
        f"### {split}: {right}/{len(rows)} right ({right / max(1, len(rows)):.1%}), {false_ready} false ready",
        "",
        tabulate(classes, headers=["expected", "right", "accuracy"], tablefmt="github"),
        "",
        "Confusion matrix (rows expected, columns the verdict):",
        "",
        tabulate(confusion, headers="keys", tablefmt="github"),
        "",
    ]
    if misses:
        out += [
            f"- {e.file}: expected {e.expected}, got {e.got} ({e.line[:120]!r})" for e in rows if e.got != e.expected
        ]
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--misses", action="store_true", help="list every excerpt judged wrong")
    args = parser.parse_args()
    judged = judge_corpus()
    sources = len({e.source for e in judged})
    print(f"{len(judged)} excerpts from {sources} sources\n")
    for split in SPLITS:
        print(report(judged, split, args.misses))


if __name__ == "__main__":
    main()
