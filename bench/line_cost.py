"""What one log line costs the classifier, by kind of line, against the same classifier with its
literal prefilters turned off (every rule tried on every line), measured in the same run.

A flooded log is mostly lines no rule can match; the prefilter's one Aho-Corasick pass is what keeps
their cost near nothing. An error line still runs the general vocabulary's phrases, and an access line
after the ready line needs nothing at all. No Docker: this is the judge alone.

    .venv/bin/python bench/line_cost.py [--lines 500] [--repeats 3]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

from tabulate import tabulate

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from harness.judge.signatures import BUILTIN_RULES, LogClassifier, builtin_ready_patterns  # noqa: E402

PROSE = "the quick brown fox jumps over the lazy dog " * 23
KINDS: dict[str, tuple[str, str | None]] = {
    "1,000 bytes of one letter": ("x" * 1000, None),
    "1,000 bytes of prose": (PROSE[:1000], None),
    "1,000-byte error line": (("ERROR 2024-01-01 request handling failed: " + PROSE)[:1000], None),
    "access line after the ready line": (
        'INFO:     172.17.0.1:40312 - "POST /v1/chat/completions HTTP/1.1" 200 OK',
        "INFO:     Application startup complete.",
    ),
}
"""Each kind: the line fed over and over, and a line fed once before it (the server's ready line)."""


class _EveryLine:
    """A prefilter that lets every line through to every one of its `patterns`: the baseline."""

    def __init__(self, patterns: int) -> None:
        self._every = list(range(patterns))

    def may_match(self, line: str) -> bool:
        return True

    def which(self, line: str) -> list[int]:
        return self._every


def _plain(classifier: LogClassifier) -> LogClassifier:
    classifier._rule_words = _EveryLine(len(classifier._rules))  # type: ignore[assignment]
    classifier._ready_words = _EveryLine(len(classifier._ready))  # type: ignore[assignment]
    classifier._condition_words = _EveryLine(len(classifier._conditions))  # type: ignore[assignment]
    return classifier


def cost_ms(make: Callable[[], LogClassifier], line: str, before: str | None, lines: int, repeats: int) -> float:
    """Best of `repeats` runs, in milliseconds per line."""
    best = float("inf")
    for _ in range(repeats):
        classifier = make()
        if before is not None:
            classifier.feed(before)
        start = time.perf_counter()
        for _ in range(lines):
            classifier.feed(line)
        best = min(best, (time.perf_counter() - start) / lines * 1000)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=500, help="lines fed per run")
    parser.add_argument("--repeats", type=int, default=3, help="runs per kind; the best counts")
    args = parser.parse_args()
    ready = list(builtin_ready_patterns())

    def harness() -> LogClassifier:
        return LogClassifier(BUILTIN_RULES, ready)

    def baseline() -> LogClassifier:
        return _plain(LogClassifier(BUILTIN_RULES, ready))

    rows = []
    for kind, (line, before) in KINDS.items():
        ours = cost_ms(harness, line, before, args.lines, args.repeats)
        plain = cost_ms(baseline, line, before, args.lines, args.repeats)
        rows.append([kind, f"{ours:.4f}", f"{plain:.4f}", f"{ours / plain:.3f}x"])
    print(tabulate(rows, headers=["line", "ms (prefilter)", "ms (every rule)", "ratio"], tablefmt="github"))


if __name__ == "__main__":
    main()
