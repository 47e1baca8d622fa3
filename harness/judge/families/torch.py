"""PyTorch's own exception classes and wordings (torch/__init__.py, c10 caching allocators,
torch/cuda/__init__.py _lazy_init, torch.distributed, IPEX), as they print in tracebacks."""

from __future__ import annotations

from harness.judge.families import Family, Phrase, word
from harness.outcomes import (
    COMM_ERROR,
    CONFIG_ERROR,
    DEVICE_LOST,
    ENGINE_FAILED,
    MODEL_ACCESS,
    NO_DEVICE,
    OOM,
    PORT_IN_USE,
)

TORCH = Family(
    runtime="torch",
    source="pytorch/pytorch: torch/csrc/Exceptions.cpp, c10/cuda/CUDACachingAllocator.cpp, c10/xpu/XPUCachingAllocator.cpp, "
    "torch/cuda/__init__.py, torch/distributed (DistError classes), ProcessGroupNCCL.cpp, TCPStore/socket.cpp",
    phrases=(
        Phrase(
            r"\binvalid load key, '",
            MODEL_ACCESS,
            "pickle's UnpicklingError through torch.load: the checkpoint is not a pickle (a download that saved an"
            " HTML page or was cut short)",
            example="RuntimeError: Model loading failed: invalid load key, '<'.",
        ),
        Phrase(
            r"\[c10d\] The client socket has failed to connect to|RendezvousTimeoutError|RendezvousConnectionError|NCCL communicator was aborted",
            COMM_ERROR,
            "torch.distributed c10d socket.cpp, elastic rendezvous, ProcessGroupNCCL",
        ),
        Phrase(
            r"\bunable to write to file </torch_\w+>: No space left on device",
            CONFIG_ERROR,
            "torch/csrc (libshm, the tensors handed between processes): /dev/shm is full, the container's --shm-size"
            " is too small for the engine's workers",
            example="RuntimeError: unable to write to file </torch_3812_2473960519_0>: No space left on device (28)",
        ),
        Phrase(
            r"\bout of memory\. Tried to allocate [\d.]+ [KMGT]?i?B\b",
            OOM,
            "c10/cuda/CUDACachingAllocator.cpp (and its HIP and XPU twins): the allocator's message after its device"
            " name, read alone where a logger wrapped the device name onto the line before",
            example="https://github.com/michaelfeil/infinity/issues/483:          out of memory. Tried to allocate 3.88 GiB."
            " GPU 0",
        ),
        Phrase(
            r"No XPU devices are available|XPU device count is zero",
            NO_DEVICE,
            "torch/xpu/__init__.py _lazy_init",
        ),
        Phrase(
            r"\.cu:\d+: .*Assertion `.+` failed",
            DEVICE_LOST,
            "CUDA device-side assertion (aten/src/ATen/native/cuda); the context is unusable after it",
        ),
        Phrase(
            r"Unexpected error from cudaGetDeviceCount\(\)", NO_DEVICE, "c10/cuda/CUDAFunctions.cpp device_count_impl"
        ),
        Phrase(
            r"\b(?:CUDA|GPU|ROCm|XPU)\b[^.\n]{0,30}\b(?:is )?not available\b[.,;:]?\s*(?:[Ff]alling|[Ff]all) back to (?:the )?CPU\b",
            NO_DEVICE,
            "programs that ask torch.cuda.is_available() and, told no, run on the CPU (however they log it: most as a"
            " warning)",
            example="2026-02-16 22:46:48,443 - studio - WARNING - CUDA not available. Falling back to CPU. Performance"
            " will be slower.",
        ),
        Phrase(
            r"ChildFailedError",
            ENGINE_FAILED,
            "torch/distributed/elastic/multiprocessing/errors: torchrun reports that a worker process failed",
            example="https://github.com/Vision-CAIR/MiniGPT-4/issues/237: torch.distributed.elastic.multiprocessing.errors.ChildFailedError: ",
        ),
        Phrase(r"\[c10d\] waitForInput: .*timed out after \d+ms", COMM_ERROR, "torch/csrc/distributed/c10d/socket.cpp"),
        Phrase(
            word("OutOfMemoryError"),
            OOM,
            "torch.OutOfMemoryError, torch.cuda.OutOfMemoryError",
            example="torch.OutOfMemoryError: XPU out of memory. Tried to allocate 4.66 GiB. GPU 0 has a total capacity of 5.65 GiB",
        ),
        Phrase(
            r"\b(?:CUDA|XPU|HIP|MPS|NPU) out of memory\b",
            OOM,
            "PyTorch caching allocators (intel/llm-scaler#578)",
            example="RuntimeError: XPU out of memory. Tried to allocate 1.71 GiB (GPU 0; 15.56 GiB total capacity)",
        ),
        Phrase(
            r"No (?:CUDA|HIP) GPUs are available",
            NO_DEVICE,
            "torch/cuda/__init__.py _lazy_init",
            example="RuntimeError: No CUDA GPUs are available",
        ),
        Phrase(r"Found no NVIDIA driver on your system", NO_DEVICE, "torch/cuda/__init__.py _lazy_init"),
        Phrase(
            r"Cannot access accelerator device when none is available",
            NO_DEVICE,
            "torch/csrc (2.5 on) pin_memory and accelerator hooks on a build or host without a GPU",
            example="RuntimeError: Cannot access accelerator device when none is available.",
        ),
        Phrase(r"The NVIDIA driver on your system is too old", NO_DEVICE, "torch/cuda/__init__.py _check_driver"),
        Phrase(
            r"CUDA driver initialization failed, you might not have a CUDA gpu", NO_DEVICE, "c10/cuda/CUDAFunctions.cpp"
        ),
        Phrase(
            r"CUDA unknown error - this may be due to an incorrectly set up environment",
            NO_DEVICE,
            "c10/cuda/CUDAFunctions.cpp",
        ),
        Phrase(
            r"Torch not compiled with (?:CUDA|XPU) enabled",
            NO_DEVICE,
            "torch/cuda/__init__.py, torch/xpu/__init__.py _lazy_init",
        ),
        Phrase(
            r"Cannot re-initialize (?:CUDA|XPU) in forked subprocess",
            CONFIG_ERROR,
            "torch/cuda/__init__.py _lazy_init (use the 'spawn' start method)",
        ),
        Phrase(
            r"\bDistBackendError\b",
            COMM_ERROR,
            "torch/csrc/distributed/c10d/exception.h: a process group's backend failed (a cause it names ranks above)",
            example="torch.distributed.DistBackendError: [1] is setting up NCCL communicator and retrieving ncclUniqueId from"
            " [0] via c10d key-value store by key '0', but store->get('0') got error: failed to format addr",
        ),
        Phrase(
            r"with CUDA capability sm_\d+ is not compatible with the current PyTorch installation",
            CONFIG_ERROR,
            "torch/cuda/__init__.py _check_capability: this torch build has no kernels for the GPU (it fails at the first one)",
            example="NVIDIA GeForce RTX 5090 with CUDA capability sm_120 is not compatible with the current PyTorch installation.",
        ),
        Phrase(
            r"NCCL error",
            COMM_ERROR,
            "torch ProcessGroupNCCL DistBackendError",
            example="torch.distributed.DistBackendError: NCCL error in: ../torch/csrc/distributed/c10d/ProcessGroupNCCL.cpp:1970, unhandled cuda error",
        ),
        Phrase(
            r"Watchdog caught collective operation timeout",
            COMM_ERROR,
            "torch ProcessGroupNCCL watchdog",
            example="[Rank 0] Watchdog caught collective operation timeout: WorkNCCL(SeqNum=1, OpType=ALLREDUCE) ran for 600077 milliseconds before timing out.",
        ),
        Phrase(r"Some NCCL operations have failed or timed out", COMM_ERROR, "torch ProcessGroupNCCL"),
        Phrase(
            r"failure detected by watchdog at work sequence id",
            COMM_ERROR,
            "torch ProcessGroupNCCL.cpp watchdog (2.4 on)",
            example="[rank1]:[E909 08:45:30.126335825 ProcessGroupNCCL.cpp:2252] [PG ID 2 PG GUID 3 Rank 1]  failure detected by watchdog at work sequence id: 40231 PG status: last enqueued work: 40267, last completed work: 40230",
        ),
        Phrase(
            r"(?:DistStoreError|DistNetworkError): (?:Timed out|Socket Timeout|wait timeout|The client socket has timed out)"
            r"|\[c10d\] The client socket has timed out after \d+m?s while trying to connect to",
            COMM_ERROR,
            "torch.distributed rendezvous store, and c10d socket.cpp's own line when a rank cannot reach it",
            example="torch.distributed.DistStoreError: Timed out after 901 seconds waiting for clients. 1/2 clients joined.",
        ),
        Phrase(
            r"\bEADDRINUSE\b|The server socket has failed to listen on any local network address.*(?:-98|EADDRINUSE)",
            PORT_IN_USE,
            "torch.distributed TCPStore socket.cpp",
            example="torch.distributed.DistNetworkError: The server socket has failed to listen on any local network address. port: 29500, useIpv6: 0, code: -98, name: EADDRINUSE, message: address already in use",
        ),
    ),
)

DEEPSPEED = Family(
    runtime="deepspeed",
    source="deepspeedai/DeepSpeed deepspeed/runtime/config.py (DeepSpeedConfig._batch_assertion), launcher/launch.py",
    phrases=(
        Phrase(
            r"RuntimeError: server crashed for some reason, unable to proceed",
            ENGINE_FAILED,
            "DeepSpeed-MII mii/backend/server.py _wait_until_server_is_live: a model server process it started died",
            example="RuntimeError: server crashed for some reason, unable to proceed",
        ),
        Phrase(
            r"\[launch\.py:\d+:sigkill_handler\] .* exits with return code = -?[1-9]\d*",
            ENGINE_FAILED,
            "deepspeed/launcher/launch.py sigkill_handler: the launcher reports that a worker process died and kills"
            " the others (as torchrun's ChildFailedError)",
            example="[2023-07-10 04:26:35,999] [ERROR] [launch.py:324:sigkill_handler] ['/venv/bin/python3.10', '-u',"
            " 'trainCLM.py', '--local_rank=1'] exits with return code = -11",
        ),
        Phrase(
            r"Setting accelerator to CPU\. If you have GPU or other accelerator, we were unable to detect it",
            NO_DEVICE,
            "deepspeed/accelerator/real_accelerator.py get_accelerator: no CUDA, ROCm, XPU, NPU or HPU was found",
            example="[2025-02-06 19:55:01,115] [WARNING] [real_accelerator.py:162:get_accelerator] Setting accelerator to"
            " CPU. If you have GPU or other accelerator, we were unable to detect it.",
        ),
        Phrase(
            r"Check batch related parameters\. train_batch_size is not\b",
            CONFIG_ERROR,
            "DeepSpeed config check: the batch sizes of the config do not multiply out over the world size",
            example="AssertionError: Check batch related parameters. train_batch_size is not equal to micro_batch_per_gpu *"
            " gradient_acc_step * world_size 64 != 4 * 8 * 1",
        ),
    ),
)

FAMILIES = (TORCH, DEEPSPEED)
