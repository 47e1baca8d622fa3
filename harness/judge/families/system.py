"""What the kernel, the GPU drivers and the C library say: errno, NVIDIA's Xid, ROCm's HSA faults."""

from __future__ import annotations

from harness.judge.families import Family, Phrase
from harness.outcomes import DEVICE_LOST, PORT_IN_USE

ERRNO = Family(
    runtime="errno",
    source="Linux include/uapi/asm-generic/errno.h and errno-base.h, as Python prints them ('[Errno N] <strerror>')",
    phrases=(Phrase(r"[Aa]ddress already in use", PORT_IN_USE, "uvicorn '[Errno 98] error while attempting to bind'"),),
)

NVIDIA_DRIVER = Family(
    runtime="nvidia_driver",
    source="NVIDIA kernel driver (NVRM) messages, Xid catalogue in NVIDIA's Xid documentation",
    phrases=(
        Phrase(r"NVRM: Xid \(", DEVICE_LOST, "NVIDIA kernel driver Xid report"),
        Phrase(r"GPU has fallen off the bus", DEVICE_LOST, "NVIDIA kernel driver, Xid 79"),
    ),
)

HSA = Family(
    runtime="rocm_hsa",
    source="ROCm ROCR-Runtime (HSA) fault handler",
    phrases=(Phrase(r"Memory access fault by GPU node", DEVICE_LOST, "ROCm runtime (HSA) page fault report"),),
)

FAMILIES = (ERRNO, NVIDIA_DRIVER, HSA)
