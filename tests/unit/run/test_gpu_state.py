"""GPU state snapshots from vendor tools, and what a failing cell changed (no tools needed)."""

from __future__ import annotations

from collections.abc import Sequence

from harness.run.backends.gpu_state import changed_lines, snapshot

BEFORE = """==============NVSMI LOG==============
Timestamp                                 : Fri Nov 27 01:00:00 2026
Driver Version                            : 570.133.20
GPU 00000000:3B:00.0
    FB Memory Usage
        Total                             : 81559 MiB
        Used                              : 1 MiB
    ECC Errors
        Volatile
            DRAM Uncorrectable            : 0
"""
USED_BEFORE = "        Used                              : 1 MiB"
USED_AFTER = "        Used                              : 79001 MiB"
ECC_BEFORE = "            DRAM Uncorrectable            : 0"
ECC_AFTER = "            DRAM Uncorrectable            : 2"
AFTER = BEFORE.replace("01:00:00", "01:05:00").replace(USED_BEFORE, USED_AFTER).replace(ECC_BEFORE, ECC_AFTER)


def runner(output: str):  # type: ignore[no-untyped-def]
    def run(command: Sequence[str]) -> str | None:
        return output if command[0] == "nvidia-smi" else None

    return run


def test_what_a_failing_cell_changed_on_the_gpus() -> None:
    before, after = snapshot(runner(BEFORE)), snapshot(runner(AFTER))
    assert list(before) == ["nvidia-smi -q -d MEMORY,ECC,TEMPERATURE,PERFORMANCE,PAGE_RETIREMENT"]
    changed = changed_lines(before, after)
    assert changed == [
        "$ nvidia-smi -q -d MEMORY,ECC,TEMPERATURE,PERFORMANCE,PAGE_RETIREMENT",
        f"-{USED_BEFORE}",
        f"+{USED_AFTER}",
        f"-{ECC_BEFORE}",
        f"+{ECC_AFTER}",
    ]
    assert not any("Timestamp" in line for line in changed)
    assert changed_lines(before, before) == [] and snapshot(lambda command: None) == {}
