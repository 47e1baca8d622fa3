"""PyTorch's own exception classes and wordings (c10, torch.cuda, torch.distributed, IPEX)."""

from __future__ import annotations

from harness.judge.families import Family, Phrase, word
from harness.outcomes import COMM_ERROR, NO_DEVICE, OOM, PORT_IN_USE

TORCH = Family(
    runtime="torch",
    source="pytorch/pytorch: torch/__init__.py (OutOfMemoryError), c10/cuda/CUDACachingAllocator.cpp, "
    "torch/cuda/__init__.py _lazy_init, torch/distributed (DistError classes), ProcessGroupNCCL.cpp",
    phrases=(
        Phrase(word("OutOfMemoryError"), OOM, "torch.OutOfMemoryError (intel/torch-xpu-ops#3011)"),
        Phrase(r"\b(?:CUDA|XPU|HIP|MPS|NPU) out of memory\b", OOM, "PyTorch caching allocators (intel/llm-scaler#578)"),
        Phrase(
            r"Current platform can NOT allocate memory block with size larger than 4GB",
            OOM,
            "IPEX allocator (intel/intel-extension-for-pytorch#629)",
        ),
        Phrase(r"No CUDA GPUs are available", NO_DEVICE, "torch.cuda lazy init"),
        Phrase(r"Found no NVIDIA driver on your system", NO_DEVICE, "torch.cuda lazy init"),
        Phrase(r"NCCL error", COMM_ERROR, "torch ProcessGroupNCCL DistBackendError"),
        Phrase(r"Watchdog caught collective operation timeout", COMM_ERROR, "torch ProcessGroupNCCL watchdog"),
        Phrase(r"DistStoreError: Timed out", COMM_ERROR, "torch.distributed rendezvous store"),
        Phrase(r"\bEADDRINUSE\b", PORT_IN_USE, "torch.distributed TCPStore 'The server socket has failed to listen'"),
    ),
)

FAMILIES = (TORCH,)
