"""Intel's GPU stack: Level Zero, the Unified Runtime that PyTorch XPU reports through, SYCL."""

from __future__ import annotations

from harness.judge.families import Family, Phrase
from harness.outcomes import DEVICE_LOST, OOM

LEVEL_ZERO = Family(
    runtime="level_zero",
    source="oneapi-src/level-zero: include/ze_api.h (ze_result_t)",
    phrases=(
        Phrase(r"ZE_RESULT_ERROR_DEVICE_LOST", DEVICE_LOST, "oneCCL ze_call.cpp do_call and Level Zero API"),
        Phrase(r"ZE_RESULT_ERROR_OUT_OF_DEVICE_MEMORY", OOM, "Level Zero API return code"),
    ),
)

UNIFIED_RUNTIME = Family(
    runtime="unified_runtime",
    source="oneapi-src/unified-runtime: include/ur_api.h (ur_result_t)",
    phrases=(
        Phrase(r"UR_RESULT_ERROR_DEVICE_LOST", DEVICE_LOST, "torch.xpu.synchronize in intel/llm-scaler#424"),
        Phrase(
            r"level_zero backend failed with error: 20\b", DEVICE_LOST, "intel/llm-scaler#424, pytorch/pytorch#190972"
        ),
        Phrase(
            r"UR_RESULT_ERROR_OUT_OF_DEVICE_MEMORY",
            OOM,
            "level_zero backend error 39 (open-edge-platform/physical-ai-studio#440)",
        ),
    ),
)

FAMILIES = (LEVEL_ZERO, UNIFIED_RUNTIME)
