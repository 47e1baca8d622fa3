"""Collective-communication libraries below the serving engines: NCCL (`ncclResult_t` and its WARN
wordings), oneCCL, gloo. Their failures are wrappers (`comm_error`) unless they name the cause:
NCCL's `Cuda failure 'out of memory'` is matched by the CUDA family's printed forms and outranks them."""

from __future__ import annotations

from harness.judge.families import Code, Family, Phrase
from harness.outcomes import COMM_ERROR, CONFIG_ERROR, NO_DEVICE, OOM

NCCL = Family(
    runtime="nccl",
    source="NVIDIA/nccl src/nccl.h.in and src/init.cc ncclGetErrorString @ 5067397c (NCCL 2.30.7); older strings from f93fe9bf (2.3.5) and its WARN wordings (src/include/checks.h, misc/socket.cc, alloc.h)",
    names="(?<![A-Za-z0-9_])(nccl(?:Success|UnhandledCudaError|SystemError|InternalError|InvalidArgument|InvalidUsage|RemoteError|InProgress|Timeout))(?![A-Za-z0-9_])",
    forms=(
        r"NCCL INFO \S+:\d+ -> (?P<number>[1-8])\b",
        "NCCL error in: \\S+, (?P<text>[^,\\n]+)",
        "NCCL Error \\d+: (?P<text>[^\\n]+)",
    ),
    codes=(
        Code("ncclSuccess", None, string="no error", number=0),
        Code(
            "ncclUnhandledCudaError",
            COMM_ERROR,
            string="unhandled cuda error (run with NCCL_DEBUG=INFO for details)",
            number=1,
            evidence="https://github.com/NVIDIA/nccl/issues/1410: torch.distributed.DistBackendError: NCCL error in: ../torch/csrc/distributed/c10d/NCCLUtils.hpp:275, unhandled cuda error (run with NCCL_DEBUG=INFO for details), NCCL version 2.20.5",
        ),
        Code(
            "ncclSystemError",
            COMM_ERROR,
            string="unhandled system error (run with NCCL_DEBUG=INFO for details)",
            number=2,
            evidence="https://github.com/NVIDIA/nccl/issues/1016: NCCL error in: /opt/pytorch/pytorch/torch/csrc/distributed/c10d/ProcessGroupNCCL.cpp:1275, unhandled system error (run with NCCL_DEBUG=INFO for details), NCCL version 2.18.1",
        ),
        Code(
            "ncclInternalError",
            COMM_ERROR,
            string="internal error - please report this issue to the NCCL developers",
            number=3,
            evidence="https://github.com/NVIDIA/nccl-tests/issues/166: Test NCCL failure common.cu:958 'internal error - please report this issue to the NCCL developers / '",
        ),
        Code(
            "ncclInvalidArgument",
            COMM_ERROR,
            string="invalid argument (run with NCCL_DEBUG=WARN for details)",
            number=4,
        ),
        Code(
            "ncclInvalidUsage",
            COMM_ERROR,
            string="invalid usage (run with NCCL_DEBUG=WARN for details)",
            number=5,
            evidence="https://github.com/NVIDIA/nccl/issues/1241: NCCL error in: /opt/pytorch/pytorch/torch/csrc/distributed/c10d/ProcessGroupNCCL.cpp:1287, invalid usage, NCCL version 2.17.1 ncclInvalidUsage: This usually reflects invalid usage of NCCL library.",
        ),
        Code(
            "ncclRemoteError",
            COMM_ERROR,
            string="remote process exited or there was a network error",
            number=6,
            evidence="https://github.com/NVIDIA/nccl/issues/934: torch.distributed.DistBackendError: NCCL error in: ../torch/csrc/distributed/c10d/ProcessGroupNCCL.cpp:1347, remote process exited or there was a network error, NCCL version 2.18.5",
        ),
        Code("ncclInProgress", None, string="NCCL operation in progress", number=7),
        Code("ncclTimeout", COMM_ERROR, string="timeout", number=8),
        Code("ncclNumResults", None, string="unknown result code", number=9),
    ),
    phrases=(
        Phrase(
            r"Failed to CUDA (?:malloc|calloc|host alloc) \d+ bytes",
            OOM,
            "NVIDIA/nccl @ 5067397c (2.30.7)" + " include/alloc.h",
            example="https://github.com/NVIDIA/nccl/issues/1235: include/alloc.h:185 NCCL WARN Failed to CUDA calloc 6291456 bytes",
        ),
        Phrase(
            r"Unrecoverable error detected: malloc\(size=\d+\) returned null", OOM, "NVIDIA/nccl @ 5067397c (2.30.7)"
        ),
        Phrase(
            r"socketProgress: Connection closed by remote peer",
            COMM_ERROR,
            "NVIDIA/nccl @ 5067397c (2.30.7)" + " misc/socket.cc",
            example="https://github.com/NVIDIA/nccl/issues/1235: misc/socket.cc:49 NCCL WARN socketProgress: Connection closed by remote peer",
        ),
        Phrase(
            r"NET/IB ?: Got completion from peer",
            COMM_ERROR,
            "NVIDIA/nccl @ 5067397c (2.30.7)" + " transport/net_ib.cc",
            example="https://github.com/NVIDIA/nccl/issues/1814: NCCL WARN NET/IB : Got completion from peer 172.36.143.59<44206> with status=12",
        ),
        Phrase(
            r"NET/IB ?: \S+ async fatal event", COMM_ERROR, "NVIDIA/nccl @ 5067397c (2.30.7)" + " transport/net_ib.cc"
        ),
        Phrase(r"NET/Socket : socket progress error", COMM_ERROR, "NVIDIA/nccl @ 5067397c (2.30.7)"),
        Phrase(
            r"\bNet : Call to (?:recv|send|connect) (?:from|to) \S+ failed : ",
            COMM_ERROR,
            "NVIDIA/nccl misc/socket.cc: a socket call to a peer rank failed (also repeated after 'Last error:')",
            example="node2: Net : Call to recv from NODE2_IP<56843> failed : Connection refused",
        ),
        Phrase(
            r"\[Proxy Service \d+\] Failed to execute operation",
            COMM_ERROR,
            "NVIDIA/nccl @ 5067397c (2.30.7)" + " proxy.cc",
            example="https://github.com/NVIDIA/nccl-tests/issues/166: proxy.cc:1519 NCCL WARN [Proxy Service 0] Failed to execute operation Connect from rank 0, retcode 2",
        ),
        Phrase(
            r"Socket recv failed while polling for opId", COMM_ERROR, "NVIDIA/nccl @ 5067397c (2.30.7)" + " proxy.cc"
        ),
        Phrase(r"Mismatched NCCL version detected", CONFIG_ERROR, "NVIDIA/nccl @ 5067397c (2.30.7)" + " bootstrap"),
    ),
)

ONECCL = Family(
    runtime="oneccl",
    source="uxlfoundation/oneCCL (2021.14-9-gb382bf7, commit b382bf76073d40134ef273da3b992f8d03ade556): include/oneapi/ccl/exception.hpp, src/common/log/log.hpp, src/sched/entry/ze/ze_call.cpp and files named per entry: src/common/log/log.hpp, include/oneapi/ccl/exception.hpp, src/common/global/ze/",
    phrases=(
        Phrase(
            r"\|CCL_ERROR\|",
            COMM_ERROR,
            "oneCCL log prefix (vllm-project/vllm#14612)",
            example="|CCL_ERROR| ze_fd_manager.cpp:214 fill_device_fds: condition fds[dev_idx] > 0 failed",
        ),
        Phrase(
            r"oneCCL: .*EXCEPTION",
            COMM_ERROR,
            "oneCCL ccl::exception text (vllm-project/vllm#10109)",
            example="RuntimeError: oneCCL: exec.cpp:122 start_workers: EXCEPTION: failed to start worker # 0",
        ),
        Phrase(
            r"condition ccl::global_data::get\(\)\.ze_data failed|\bno ze drivers\b|\bnull ze device\b",
            NO_DEVICE,
            "oneCCL src/comm/comm_selector.cpp, src/common/global/ze/ze_data.cpp",
        ),
        Phrase(
            r"opendir failed: could not open device directory",
            NO_DEVICE,
            "oneCCL src/common/global/ze/ze_fd_manager.cpp (/dev/dri/by-path not visible)",
        ),
        Phrase(r"KVS get error: timeout", COMM_ERROR, "oneCCL pmi_resizable_simple.cpp (rank rendezvous timeout)"),
        Phrase(
            r"cannot allocate memory on host|Cannot allocate host buffer",
            OOM,
            "oneCCL ccl::host_bad_alloc, src/comm/comm.cpp",
        ),
    ),
)

GLOO = Family(
    runtime="gloo",
    source="facebookincubator/gloo (commit cc441984208d0b54b4fc614301f41e82e951e5cd, 2025-05): gloo/common/error.h, gloo/transport/tcp/pair.cc, unbound_buffer.cc, device.cc, socket.cc; PyTorch torch/csrc/distributed/c10d/ProcessGroupGloo.cpp",
    phrases=(
        Phrase(
            r"Gloo connectFullMesh failed",
            COMM_ERROR,
            "torch ProcessGroupGloo.cpp",
            example="RuntimeError: Gloo connectFullMesh failed with [../third_party/gloo/gloo/transport/tcp/pair.cc:144] no error",
        ),
        Phrase(
            r"gloo.*(?:Connection (?:reset|closed) by peer|Read error|Read timeout|Socket closed|\] connect \S+: Connection refused)",
            COMM_ERROR,
            "gloo/transport/tcp/pair.cc GLOO_ERROR_MSG",
            example="RuntimeError: [../third_party/gloo/gloo/transport/tcp/pair.cc:534] Connection closed by peer [127.0.0.1]:29500",
        ),
        Phrase(
            r"gloo.*Timed out waiting \d+ms for (?:recv|send) operation",
            COMM_ERROR,
            "gloo/transport/tcp/unbound_buffer.cc",
        ),
        Phrase(r"Application timeout caused pair closure", COMM_ERROR, "gloo/transport/tcp context"),
        Phrase(
            r"\[Gloo\] Rank \d+ is NOT connected to",
            COMM_ERROR,
            "gloo rendezvous: the full-mesh summary PyTorch's Gloo group prints names the peers it never reached",
            example="[Gloo] Rank 8 is NOT connected to: [1]",
        ),
    ),
)

FAMILIES = (
    NCCL,
    ONECCL,
    GLOO,
)
