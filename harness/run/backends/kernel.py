"""What the host's kernel said while a cell ran: the records of `/dev/kmsg` (the kernel's own ring
buffer, time-stamped on the same monotonic clock as the harness) between a cell's start and end, kept
when they come from a GPU driver or speak of a fault, a reset, a hang or the OOM killer."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

KMSG = Path("/dev/kmsg")
RELEVANT = re.compile(
    r"\b(?:i915|xe|amdgpu|nouveau|NVRM|nvidia(?:-\w+)?|drm|habanalabs)\b|\bXid\b|GPU HANG|gpu hang|\bhang\b"
    r"|\breset\b|page fault|segfault at|\btraps?:|oom-kill|Out of memory|Killed process|\bhung_task\b|\bMCE\b",
    re.IGNORECASE,
)
"""Records worth a maintainer's eye; the bridge and veth chatter every container start makes is not."""


@dataclass(frozen=True)
class KernelRecord:
    seconds: float
    """CLOCK_MONOTONIC, as time.monotonic() counts."""
    text: str

    def line(self) -> str:
        return f"[{self.seconds:12.6f}] {self.text}"


def parse_kmsg(record: str) -> KernelRecord | None:
    """One `/dev/kmsg` record: `priority,sequence,microseconds,flags;message` (continuation lines dropped)."""
    head, sep, message = record.partition(";")
    fields = head.split(",")
    if not sep or len(fields) < 3 or not fields[2].isdigit():
        return None
    return KernelRecord(int(fields[2]) / 1e6, message.split("\n", 1)[0].rstrip())


def relevant(records: list[KernelRecord], start: float, end: float) -> list[KernelRecord]:
    return [r for r in records if start <= r.seconds <= end and RELEVANT.search(r.text)]


class KernelLog:
    """Reads the kernel's ring buffer; `unreadable` says why when it cannot (said once per run)."""

    def __init__(self, path: Path = KMSG) -> None:
        self.path = path
        self.unreadable: str | None = None

    def records(self) -> list[KernelRecord]:
        try:
            handle = os.open(self.path, os.O_RDONLY | os.O_NONBLOCK)
        except OSError as exc:
            self.unreadable = f"{self.path}: {exc.strerror} (run as root, or allow it: sysctl kernel.dmesg_restrict=0)"
            return []
        found = []
        try:
            while True:
                try:
                    record = os.read(handle, 16384)
                except BlockingIOError:
                    break
                except OSError:  # EPIPE: the oldest records were overwritten while reading; go on
                    continue
                if not record:
                    break
                parsed = parse_kmsg(record.decode("utf-8", "replace"))
                if parsed is not None:
                    found.append(parsed)
        finally:
            os.close(handle)
        return found

    def between(self, start: float, end: float) -> list[KernelRecord]:
        return relevant(self.records(), start, end)
