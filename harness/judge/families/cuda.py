"""NVIDIA CUDA: runtime `cudaError_t`, driver `CUresult`, and the libraries built on them."""

from __future__ import annotations

from harness.judge.families import Family, Phrase
from harness.outcomes import DEVICE_LOST

CUDA_RUNTIME = Family(
    runtime="cuda_runtime",
    source="NVIDIA CUDA Toolkit include/driver_types.h (cudaError_t), strings of cudaGetErrorString",
    phrases=(
        Phrase(r"CUDA error: an illegal memory access was encountered", DEVICE_LOST, "PyTorch c10/cuda CUDA_CHECK"),
        Phrase(r"CUDA error: unspecified launch failure", DEVICE_LOST, "PyTorch c10/cuda CUDA_CHECK"),
    ),
)

FAMILIES = (CUDA_RUNTIME,)
