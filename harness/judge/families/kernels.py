"""Kernel libraries and compilers under serving engines (flash-attention, xFormers, the ptxas that Triton
and the JITs call): they refuse GPUs and shapes their kernels were not built for."""

from __future__ import annotations

from harness.judge.families import Family, Phrase
from harness.outcomes import CONFIG_ERROR

FLASH_ATTN = Family(
    runtime="flash_attn",
    source="Dao-AILab/flash-attention csrc/flash_attn/flash_api.cpp (the TORCH_CHECKs on the device)",
    phrases=(
        Phrase(
            r"FlashAttention only supports (?:Ampere|Turing|Hopper)\b.{0,20}GPUs or newer",
            CONFIG_ERROR,
            "flash_api.cpp mha_fwd: the GPU is older than the kernels' architecture",
            example="RuntimeError: FlashAttention only supports Ampere GPUs or newer.",
        ),
    ),
)

XFORMERS = Family(
    runtime="xformers",
    source="facebookresearch/xformers xformers/ops/fmha/dispatch.py _run_priority_list",
    phrases=(
        Phrase(
            r"No operator found for `memory_efficient_attention_\w+` with inputs",
            CONFIG_ERROR,
            "every attention kernel refused the inputs on this GPU (capability, dtype, head size or build)",
            example="NotImplementedError: No operator found for `memory_efficient_attention_forward` with inputs:",
        ),
    ),
)

PTXAS = Family(
    runtime="ptxas",
    source="NVIDIA's PTX assembler (the CUDA toolkit's ptxas, bundled with Triton and called by the JIT compilers)",
    phrases=(
        Phrase(
            r"ptxas fatal\s*: Value 'sm_\d+\w?' is not defined for option 'gpu-name'",
            CONFIG_ERROR,
            "the toolkit's assembler is older than the GPU: it does not know the architecture to build kernels for",
            example="https://github.com/RLinf/RLinf/issues/92: (SGLangWorker pid=38135) ptxas fatal   : Value 'sm_120' is"
            " not defined for option 'gpu-name'",
        ),
    ),
)

FAMILIES = (FLASH_ATTN, XFORMERS, PTXAS)
