"""Kunlunxin XPUs (Baidu's P800 and R200 generations) under vLLM-Kunlun: the XPU runtime's
CUDA-compatible layer reports a kernel fault on a channel in its own words."""

from __future__ import annotations

from harness.judge.families import Family, Phrase
from harness.outcomes import DEVICE_LOST

KUNLUN_RUNTIME = Family(
    runtime="kunlun_xpu",
    source="the Kunlunxin XPU runtime (cuda/src/cui/hal/kl3/kl3_gpfifo.cc kl3ChannelCheckErrors, as vLLM-Kunlun prints it)",
    phrases=(
        Phrase(
            r"kl3ChannelCheckErrors A kernel exception has occurred|\bA kernel exception has occurred, please check dmesg",
            DEVICE_LOST,
            "a kernel faulted on the XPU (status 700, CUDA's illegal address): the device's context is lost",
            example="https://github.com/baidu/vLLM-Kunlun/issues/475: XX: (pid 5738,tid 140294244185920)"
            "cuda/src/cui/hal/kl3/kl3_gpfifo.cc:184:kl3ChannelCheckErrors A kernel exception has occurred, please check"
            " dmesg for details.",
        ),
    ),
)

FAMILIES = (KUNLUN_RUNTIME,)
