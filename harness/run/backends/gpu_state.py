"""The GPUs' state as their vendor tools report it (memory in use, resets, error counters,
temperature), snapshotted before the first cell and after each failing one, so a report can say
what a failing cell changed on the GPUs."""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence

from harness.run.backends.inventory import CommandRunner, run_tool

STATE_TOOLS: tuple[tuple[str, ...], ...] = (
    ("nvidia-smi", "-q", "-d", "MEMORY,ECC,TEMPERATURE,PERFORMANCE,PAGE_RETIREMENT"),
    ("xpu-smi", "stats", "-d", "0"),
    ("rocm-smi", "--showmeminfo", "vram", "--showtemp", "--showrasinfo", "all"),
)
VOLATILE = re.compile(r"(?i)timestamp|driver version|^\s*$")
"""Lines that change on every call and say nothing about the GPU."""
MAX_CHANGES = 40

Snapshot = dict[str, list[str]]


def snapshot(run: CommandRunner = run_tool, tools: Sequence[tuple[str, ...]] = STATE_TOOLS) -> Snapshot:
    """Each installed tool's output lines (none: no tool answered)."""
    found: Snapshot = {}
    for command in tools:
        output = run(command)
        if output:
            found[" ".join(command)] = [line.rstrip() for line in output.splitlines() if not VOLATILE.search(line)]
    return found


def changed_lines(before: Snapshot, after: Snapshot) -> list[str]:
    """`-`/`+` lines of what differs, tool by tool, bounded."""
    lines: list[str] = []
    for command in after:
        diff = difflib.unified_diff(before.get(command, []), after[command], lineterm="", n=0)
        changed = [line for line in diff if line[:1] in "+-" and not line.startswith(("+++", "---"))]
        if changed:
            lines += [f"$ {command}", *changed]
    return lines[:MAX_CHANGES]
