"""The verdict of one cell while it runs: a state machine fed log lines, probe results, the exit and
the clock, which says when the cell has its verdict and what it is.

It never sees an engine, so the settle window, root cause over wrapper, ready-then-crash and time-outs
are tested with a fake clock in milliseconds; a backend feeds it whatever its engine reports.
"""

from __future__ import annotations

import collections
from collections.abc import Mapping
from dataclasses import dataclass, field

from harness.judge.families.general import GENERAL_FAMILY
from harness.judge.signatures import (
    BUILTIN_VERSIONS,
    CRASHED,
    READY,
    TIMEOUT,
    LogClassifier,
    Match,
    MetricCollector,
    ReadyPattern,
    Ruleset,
)
from harness.matrix.spec import HttpProbe
from harness.units import format_seconds

TAIL_LINES = 25

WEAK_READY_HOLD = 60.0
"""Seconds a live cell holds a weak ready line (a wording any server prints) before calling it ready, when
the settle window is shorter: the lines that take it back (a model load, an error, a kill) may come well
after a listener opened early."""


@dataclass(frozen=True)
class WatchRules:
    """How a cell's log is judged: from the matrix's timeout, settle, ready and signatures."""

    timeout: float
    settle: float
    signatures: Ruleset
    ready_patterns: tuple[str | ReadyPattern, ...]
    http: HttpProbe | None = None
    ready_exit_code: int | None = None
    probe_interval: float = 1.0
    metrics: Mapping[str, str] = field(default_factory=dict)
    log_limit: int | None = None

    @property
    def needs_log_ready(self) -> bool:
        return bool(self.ready_patterns)


@dataclass(frozen=True)
class CellVerdict:
    """What a finished judge concluded, with what a result needs to show it."""

    outcome: str
    failure: Match | None
    ready: Match | None
    exit_code: int | None
    exited: bool
    held_ready: bool
    """The ready rule held (even if the cell exited right after)."""
    seconds: float
    """From the start to the first sign of a verdict (the whole timeout when none came)."""
    reason: str | None
    tail: list[str]
    metrics: dict[str, str]
    versions: dict[str, str]

    @property
    def match(self) -> Match | None:
        return self.failure or self.ready

    @property
    def guessed(self) -> bool:
        """The failure is the general vocabulary's reading, not a table's: a kernel's cause or an engine
        loss explains the cell better."""
        return self.failure is not None and self.failure.family == GENERAL_FAMILY


class Judge:
    """Watches one cell. A failure or the ready state opens the settle window (a root cause printed in
    it still outranks a wrapper seen first); the window's end, the exit or the timeout closes it."""

    def __init__(self, rules: WatchRules, started: float) -> None:
        self.rules = rules
        self.started = started
        self.deadline = started + rules.timeout
        self.classifier = LogClassifier(rules.signatures, rules.ready_patterns)
        self.metrics = MetricCollector(rules.metrics)
        self.versions = MetricCollector(BUILTIN_VERSIONS)
        self.tail: collections.deque[str] = collections.deque(maxlen=TAIL_LINES)
        self.http_ready = False
        self.next_probe = started
        self.first_sign: float | None = None
        self.settle_end: float | None = None
        self.holding_weak = False
        """The settle window was opened by a weak ready line, and runs for `WEAK_READY_HOLD`."""
        self.exited = False
        self.exit_code: int | None = None
        self.timed_out = False
        self.done = False

    @property
    def log_ready(self) -> bool:
        return self.classifier.ready is not None

    @property
    def wants_probe(self) -> bool:
        return self.rules.http is not None and not self.http_ready and not self.done

    def wake_at(self) -> float:
        """When the judge next needs the clock (or a probe) if no line arrives before."""
        times = [self.deadline, self.settle_end or self.deadline]
        if self.wants_probe:
            times.append(self.next_probe)
        return min(times)

    def feed(self, line: str, now: float) -> None:
        if self.done:
            return
        self.tail.append(line)
        self.classifier.feed(line)
        self.metrics.feed(line)
        self.versions.feed(line)
        self._settle_from(now)

    def probe(self, ok: bool, now: float) -> None:
        if self.done:
            return
        self.http_ready = ok
        self.next_probe = now + self.rules.probe_interval
        self._settle_from(now)

    def exit(self, exit_code: int | None, now: float) -> None:
        """The watched container ended: no more lines will come."""
        if self.done:
            return
        self.exited, self.exit_code, self.done = True, exit_code, True
        if self.first_sign is None:
            self.first_sign = now

    def tick(self, now: float) -> None:
        if self.done:
            return
        if self.settle_end is not None and now >= self.settle_end:
            self.done = True
        elif now >= self.deadline:
            self.timed_out = self.done = True

    def _signalled(self) -> bool:
        if self.classifier.failure is not None:
            return True
        if self.rules.ready_exit_code is not None:
            return False
        log_ok = self.log_ready or not self.rules.needs_log_ready
        return log_ok and (self.http_ready or self.rules.http is None)

    def _settle_from(self, now: float) -> None:
        weak = self.classifier.failure is None and self.classifier.ready_is_weak
        if self.settle_end is None and self._signalled():
            self.first_sign = now
            self.holding_weak = weak
            self.settle_end = now + (max(self.rules.settle, WEAK_READY_HOLD) if weak else self.rules.settle)
        elif self.settle_end is not None and not self._signalled():
            self.first_sign = self.settle_end = None
        elif self.settle_end is not None and self.holding_weak and not weak:
            self.holding_weak = False
            self.settle_end = min(self.settle_end, now + self.rules.settle)

    def failure(self) -> Match | None:
        """The failure that decides the verdict: a table's; when the cell crashed before any ready line with
        no table's failure, what the general vocabulary read on its error lines."""
        decided = self.classifier.decision(ended=False)
        if decided is not None or not self.exited:
            return decided
        if self.rules.ready_exit_code is not None and self.exit_code == self.rules.ready_exit_code:
            return None
        return self.classifier.decision(ended=True)

    def outcome(self) -> str:
        """A failure signature beats everything; an exit (even right after the ready line) is a crash."""
        failure = self.failure()
        if failure is not None:
            return failure.name
        if self.rules.ready_exit_code is not None and self.exited:
            return READY if self.exit_code == self.rules.ready_exit_code else CRASHED
        if self.exited:
            return CRASHED
        if self._signalled():
            return READY
        return TIMEOUT

    def verdict(self, now: float) -> CellVerdict:
        outcome = self.outcome()
        return CellVerdict(
            outcome=outcome,
            failure=self.failure(),
            ready=self.classifier.ready,
            exit_code=self.exit_code,
            exited=self.exited,
            held_ready=self.classifier.failure is None and self._signalled(),
            seconds=round((self.first_sign if self.first_sign is not None else now) - self.started, 2),
            reason=self._reason() if outcome == TIMEOUT else None,
            tail=list(self.tail) if outcome != READY else [],
            metrics=self.metrics.values,
            versions=self.versions.values,
        )

    def _reason(self) -> str:
        waiting = []
        if self.rules.needs_log_ready and not self.log_ready:
            waiting.append("no ready line")
        if self.rules.http is not None and not self.http_ready:
            waiting.append(f"GET {self.rules.http.path} on port {self.rules.http.port} never answered 2xx")
        detail = "; ".join(waiting) or "no verdict"
        return f"{detail} within {format_seconds(self.rules.timeout)}"
