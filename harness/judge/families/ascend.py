"""Huawei Ascend NPUs through CANN (vllm-ascend, torch_npu): the runtime's task-error reasons."""

from __future__ import annotations

from harness.judge.families import Family, Phrase
from harness.outcomes import DEVICE_LOST

CANN = Family(
    runtime="cann",
    source="CANN runtime (davinci_kernel_task.cc PreCheckTaskErr, error_message_manage.cc) as torch_npu prints it",
    phrases=(
        Phrase(
            r"\[aicore exception\]",
            DEVICE_LOST,
            "CANN runtime: a kernel faulted on the NPU's AI core (the task error reason)",
            example="Kernel task happen error, retCode=0x26, [aicore exception].[FUNC:PreCheckTaskErr][FILE:davinci_kernel_task.cc][LINE:1493]",
        ),
    ),
)

FAMILIES = (CANN,)
