"""Kernel lines of a cell's time window, and a kernel-only cause deciding a cell (no engine)."""

from __future__ import annotations

from pathlib import Path

from harness.judge.judge import CellVerdict, WatchRules
from harness.judge.signatures import BUILTIN_RULES
from harness.run.backends.docker import _with_kernel_cause
from harness.run.backends.kernel import KernelLog, KernelRecord, parse_kmsg, relevant

RULES = WatchRules(timeout=60, settle=1, signatures=BUILTIN_RULES, ready_patterns=())
XID = "NVRM: Xid (PCI:0000:3b:00): 79, pid=1234, name=python3, GPU has fallen off the bus."


def crashed(outcome: str = "crashed") -> CellVerdict:
    return CellVerdict(outcome, None, None, 139, True, False, 3.0, None, ["Segmentation fault"], {}, {})


def test_kmsg_records_are_parsed_and_only_gpu_and_fault_lines_of_the_window_kept(tmp_path: Path) -> None:
    assert parse_kmsg(f"3,2310,12208335415,-;{XID}\n SUBSYSTEM=pci") == KernelRecord(12208.335415, XID)
    assert parse_kmsg("garbage") is None
    records = [
        KernelRecord(10.0, "br-cbb440c7b660: port 1(vethef81a13) entered forwarding state"),
        KernelRecord(11.0, "i915 0000:00:02.0: [drm] GPU HANG: ecode 12:1:85dffffb, in python3 [2011]"),
        KernelRecord(30.0, XID),
    ]
    assert [r.seconds for r in relevant(records, 5.0, 20.0)] == [11.0]
    missing = KernelLog(tmp_path / "no-kmsg")
    assert missing.records() == [] and missing.unreadable is not None and "no-kmsg" in missing.unreadable


def test_a_kernel_line_decides_a_cell_whose_log_named_no_cause() -> None:
    verdict, source = _with_kernel_cause(crashed(), [KernelRecord(12.5, XID)], RULES)
    assert verdict.outcome == "device_lost" and source == "kernel"
    assert verdict.failure is not None and XID in verdict.failure.line
    unchanged, none = _with_kernel_cause(crashed(), [KernelRecord(12.5, "drm: some harmless note")], RULES)
    assert unchanged.outcome == "crashed" and none is None
    ready = CellVerdict("ready", None, None, None, False, True, 3.0, None, [], {}, {})
    assert _with_kernel_cause(ready, [KernelRecord(12.5, XID)], RULES)[0].outcome == "ready"


def test_a_kernel_cause_replaces_the_general_vocabularys_guess_but_not_a_tables_cause() -> None:
    from harness.judge.judge import Judge

    judge = Judge(RULES, started=0.0)
    judge.feed("fatal: not enough memory to continue", 1.0)
    judge.exit(1, 2.0)
    guessed = judge.verdict(2.0)
    assert guessed.outcome == "oom" and guessed.guessed
    verdict, source = _with_kernel_cause(guessed, [KernelRecord(1.5, XID)], RULES)
    assert verdict.outcome == "device_lost" and source == "kernel" and not verdict.guessed
    table = Judge(RULES, started=0.0)
    table.feed("torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB.", 1.0)
    table.exit(1, 2.0)
    assert _with_kernel_cause(table.verdict(2.0), [KernelRecord(1.5, XID)], RULES)[0].outcome == "oom"
