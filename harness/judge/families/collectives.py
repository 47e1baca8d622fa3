"""Collective-communication libraries below the serving engines: NCCL, oneCCL, gloo."""

from __future__ import annotations

from harness.judge.families import Family, Phrase
from harness.outcomes import COMM_ERROR

NCCL_LOG = Family(
    runtime="nccl",
    source="NVIDIA/nccl: src/nccl.h.in (ncclResult_t), src/include/checks.h (its WARN wordings)",
    phrases=(
        Phrase(
            r"\bnccl(?:UnhandledCuda|System|Internal|InvalidArgument|InvalidUsage|Remote)Error\b",
            COMM_ERROR,
            "NCCL result codes",
        ),
    ),
)

ONECCL = Family(
    runtime="oneccl",
    source="uxlfoundation/oneCCL: src/common/log/log.hpp (|CCL_ERROR| prefix), ccl::exception",
    phrases=(
        Phrase(r"\|CCL_ERROR\|", COMM_ERROR, "oneCCL log prefix (vllm-project/vllm#14612)"),
        Phrase(r"oneCCL: .*EXCEPTION", COMM_ERROR, "oneCCL exception text (vllm-project/vllm#10109)"),
    ),
)

GLOO = Family(
    runtime="gloo",
    source="pytorch/gloo: gloo/transport/tcp/pair.cc, torch ProcessGroupGloo",
    phrases=(
        Phrase(r"Gloo connectFullMesh failed", COMM_ERROR, "torch ProcessGroupGloo"),
        Phrase(r"gloo.*Connection (?:reset|closed) by peer", COMM_ERROR, "gloo tcp pair.cc"),
    ),
)

FAMILIES = (NCCL_LOG, ONECCL, GLOO)
