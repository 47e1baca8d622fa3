"""What the kernel, the GPU drivers and the C library say: errno as Python prints it, NVIDIA's Xid
reports.

Of the errno values four are verdicts: a port in use, an address the host does not have, memory
exhausted, no such device. Network
errors in a serving log mostly come from HTTP clients (model downloads, probes), not from the
collectives, so they are deliberately none; the collectives' own families name their failures.
"""

from __future__ import annotations

from harness.judge.families import Code, Family, Phrase, Raised
from harness.outcomes import CONFIG_ERROR, DEVICE_LOST, ENGINE_FAILED, MODEL_ACCESS, NO_DEVICE, OOM, PORT_IN_USE

ERRNO = Family(
    runtime="errno",
    source="Linux include/uapi/asm-generic/errno-base.h and errno.h; strings of glibc strerror, as Python prints "
    "them ('[Errno 98] Address already in use')",
    names=r"(?<![A-Za-z0-9_])(EADDRINUSE|EADDRNOTAVAIL|ENOMEM|ENODEV)(?![A-Za-z0-9_])",
    forms=(r"\[Errno (?P<number>\d+)\]", r"\bZMQError: (?P<text>[^(\n]+)"),
    explains=False,
    codes=(
        Code("EPERM", None, string="Operation not permitted", number=1),
        Code("ENOENT", None, string="No such file or directory", number=2),
        Code("EINTR", None, string="Interrupted system call", number=4),
        Code("EIO", None, string="Input/output error", number=5),
        Code("ENXIO", None, string="No such device or address", number=6),
        Code("EAGAIN", None, string="Resource temporarily unavailable", number=11),
        Code("ENOMEM", OOM, string="Cannot allocate memory", number=12),
        Code("EACCES", None, string="Permission denied", number=13),
        Code("EFAULT", None, string="Bad address", number=14),
        Code("EBUSY", None, string="Device or resource busy", number=16),
        Code("EEXIST", None, string="File exists", number=17),
        Code("ENODEV", NO_DEVICE, string="No such device", number=19),
        Code("EINVAL", None, string="Invalid argument", number=22),
        Code("ENFILE", None, string="Too many open files in system", number=23),
        Code("EMFILE", None, string="Too many open files", number=24),
        Code("ENOSPC", None, string="No space left on device", number=28),
        Code("EROFS", None, string="Read-only file system", number=30),
        Code("EPIPE", None, string="Broken pipe", number=32),
        Code("ENOSYS", None, string="Function not implemented", number=38),
        Code(
            "EADDRINUSE",
            PORT_IN_USE,
            string="Address already in use",
            number=98,
            evidence="https://github.com/Juniper/contrail-charms/issues/107: [ERROR]: Unable to open HTTP Port 5921, [Errno 98] Address already in use: ('0.0.0.0', 5921)",
        ),
        Code("EADDRNOTAVAIL", CONFIG_ERROR, string="Cannot assign requested address", number=99),
        Code("ENETDOWN", None, string="Network is down", number=100),
        Code("ENETUNREACH", None, string="Network is unreachable", number=101),
        Code("ECONNABORTED", None, string="Software caused connection abort", number=103),
        Code(
            "ECONNRESET",
            None,
            string="Connection reset by peer",
            number=104,
            evidence="https://github.com/RVC-Project/Retrieval-based-Voice-Conversion-WebUI/issues/1882: Read error [192.168.70.92]:25266: Connection reset by peer",
        ),
        Code("ENOBUFS", None, string="No buffer space available", number=105),
        Code("ENOTCONN", None, string="Transport endpoint is not connected", number=107),
        Code("ESHUTDOWN", None, string="Cannot send after transport endpoint shutdown", number=108),
        Code("ETIMEDOUT", None, string="Connection timed out", number=110),
        Code("ECONNREFUSED", None, string="Connection refused", number=111),
        Code("EHOSTDOWN", None, string="Host is down", number=112),
        Code("EHOSTUNREACH", None, string="No route to host", number=113),
        Code("EDQUOT", None, string="Disk quota exceeded", number=122),
        Code("ECANCELED", None, string="Operation canceled", number=125),
    ),
    phrases=(
        Phrase(
            r"Only one usage of each socket address|WinError 10048|\[Errno 10048\]",
            PORT_IN_USE,
            "Windows WSAEADDRINUSE (10048), as Python and Go print it",
        ),
        Phrase(
            r"port is already allocated",
            PORT_IN_USE,
            "Docker engine: 'Bind for 0.0.0.0:PORT failed: port is already allocated'",
        ),
        Phrase(
            r"\bCannot allocate memory\b|\bstd::bad_alloc\b|^MemoryError\b|\bMemoryError: ",
            OOM,
            "glibc ENOMEM strerror, C++ std::bad_alloc, Python MemoryError",
        ),
        Phrase(
            r"Out of memory: Kill(?:ed)? process|invoked oom-killer|oom-kill:", OOM, "Linux OOM killer (mm/oom_kill.c)"
        ),
        Phrase(
            r"^(?!.*(?:/dev/shm|shared_memory|</torch_))(?:.*?)(?:\[Errno (?:28|122)\]|[Nn]o space left on device"
            r"|Disk quota exceeded)",
            MODEL_ACCESS,
            "ENOSPC, EDQUOT: a disk or quota that fills while a server starts is its model's fetch, the largest"
            " write a server makes before it serves (not shared memory, /dev/shm, which is the container's"
            " setting); decides only a log that never became ready",
            example="https://github.com/MiRaCLeXeoN/vllm/blob/7b3b6f0aa919f7fb20d8da1809731d73fcb08c25/srun-script/"
            "slurm-30480221.out: LLM init error: [Errno 122] Disk quota exceeded",
            unless_ready=True,
        ),
        Phrase(
            r"[Aa]ddress already in use",
            PORT_IN_USE,
            "uvicorn '[Errno 98] error while attempting to bind on address'",
            example="ERROR:    [Errno 98] error while attempting to bind on address ('0.0.0.0', 8000): address already in use",
        ),
    ),
    raised=(
        Raised(
            r"/multiprocessing/shared_memory\.py:",
            CONFIG_ERROR,
            "Python's shared memory (vLLM's and SGLang's message queues, torch's tensors between processes) could"
            " not grow in /dev/shm: the container's --shm-size is too small for the engine",
            exceptions=r"OSError",
            example='File "/usr/lib/python3.11/multiprocessing/shared_memory.py", line 112, in __init__',
        ),
    ),
)

NVIDIA_DRIVER = Family(
    runtime="nvidia_driver",
    source="GPU kernel drivers' messages: NVIDIA's (NVRM; the Xid catalogue of NVIDIA's Xid documentation), amdgpu's,"
    " Moore Threads' MTGPU; and the NVIDIA container toolkit's",
    phrases=(
        Phrase(
            r"The NVIDIA Driver was not detected\.\s+GPU functionality will not be available",
            NO_DEVICE,
            "the entrypoint banner of NVIDIA's NGC containers (PyTorch, Triton, TensorRT-LLM, NeMo) started without a GPU",
            example="WARNING: The NVIDIA Driver was not detected.  GPU functionality will not be available.",
        ),
        Phrase(
            r"could not select device driver \S* with capabilities: \[\[gpu\]\]|unknown or invalid runtime name: nvidia",
            NO_DEVICE,
            "Docker engine without the NVIDIA container toolkit (daemon/devices.go)",
        ),
        Phrase(
            r"NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver", NO_DEVICE, "nvidia-smi"
        ),
        Phrase(
            r"CUDA driver version is insufficient for CUDA runtime version",
            NO_DEVICE,
            "cudaErrorInsufficientDriver as printed without its prefix",
        ),
        Phrase(r"nvidia-container-cli: (?:initialization|detection) error", NO_DEVICE, "NVIDIA container toolkit hook"),
        Phrase(
            r"nvidia-container-cli: requirement error: unsatisfied condition: cuda\s*>=",
            NO_DEVICE,
            "NVIDIA container toolkit hook: the image's NVIDIA_REQUIRE_CUDA asks for a newer CUDA than the host's driver"
            " serves (as 'CUDA driver version is insufficient')",
            example="nvidia-container-cli: requirement error: unsatisfied condition: cuda>=12.8, please update your driver"
            " to a newer version, or use an earlier cuda container: unknown",
        ),
        Phrase(
            r"^(?!.*load_backend: failed to load).*libcuda\.so(?:\.1)?: cannot open shared object file",
            NO_DEVICE,
            "the driver's user-space library is not there (a container started without the GPU runtime); ggml's"
            " probing of its CUDA backend prints the same on every host without NVIDIA's driver, so it decides nothing",
            example="ImportError: libcuda.so.1: cannot open shared object file: No such file or directory",
        ),
        Phrase(
            r"amdgpu: \[(?:gfxhub|mmhub)\] page fault|amdgpu: GPU reset|amdgpu: ring \S+ timeout"
            r"|VM_L2_PROTECTION_FAULT_STATUS:0x0*[1-9a-fA-F]",
            DEVICE_LOST,
            "Linux amdgpu driver (gmc_v*_process_interrupt, amdgpu_job_timedout)",
        ),
        Phrase(
            r"NVRM: Xid \(",
            DEVICE_LOST,
            "NVIDIA kernel driver Xid report",
            example="NVRM: Xid (PCI:0000:3b:00): 79, pid=1234, GPU has fallen off the bus.",
        ),
        Phrase(r"fallen off the bus", DEVICE_LOST, "NVIDIA kernel driver, Xid 79 (the message may wrap over lines)"),
        Phrase(
            r"MTGPU:\(Error\): .*experienced error (?:Guilty|Innocent) Lockup",
            DEVICE_LOST,
            "Moore Threads MTGPU kernel driver: the GPU hung and its firmware reset the contexts on it",
            example="[24078.925037] MTGPU:(Error): 56377:  PID 1747 experienced error Guilty Lockup (0x1)"
            " caller[CheckFWCCB CTX Reset Noticication] [188]",
        ),
        Phrase(
            r"Failed to initialize NVML: Driver/library version mismatch",
            NO_DEVICE,
            "nvidia-smi / NVML after a driver upgrade without reboot",
        ),
    ),
)

GRPC = Family(
    runtime="grpc",
    source="grpc/grpc src/python/grpcio/grpc/_server.py _add_insecure_port (and the C++ ServerBuilder)",
    phrases=(
        Phrase(
            r"Failed to bind to address \S+:\d+",
            PORT_IN_USE,
            "gRPC server add_insecure_port: the port could not be bound (most often another server holds it)",
            example="RuntimeError: Failed to bind to address [::]:50058; set GRPC_VERBOSITY=debug environment variable to"
            " see detailed error message.",
        ),
        Phrase(
            r"No address added out of total \d+ resolved(?!.*(?:Permission denied|Cannot assign requested address))",
            PORT_IN_USE,
            "gRPC C-core src/core/ext/transport/chttp2/server/chttp2_server.cc: none of the listening addresses could"
            " be bound; the summary is read as a port in use unless its child error, on the same line, names"
            " another bind failure",
            example="E0217 18:17:22.955681883  561428 chttp2_server.cc:1063] UNKNOWN:No address added out of total 1"
            " resolved for '0.0.0.0:10002'",
        ),
        Phrase(
            r"No address added out of total \d+ resolved.*Cannot assign requested address",
            CONFIG_ERROR,
            "gRPC C-core's bind summary whose child error is EADDRNOTAVAIL: the host does not have that address",
        ),
    ),
)

SYSTEMD = Family(
    runtime="systemd",
    source="systemd/systemd src/core/service.c service_sigchld_event: the service manager reports how a unit's"
    " main process ended",
    phrases=(
        Phrase(
            r"\.service: Main process exited, code=(?:exited|killed|dumped), status=(?!0/)\d+",
            ENGINE_FAILED,
            "the supervisor of a server run as a service (Ollama's ollama.service) says its process died; the"
            " status is the process's exit code or signal, not a cause",
            example="Feb 20 12:27:39 suma systemd[1]: ollama.service: Main process exited, code=exited,"
            " status=2/INVALIDARGUMENT",
        ),
    ),
)

FAMILIES = (ERRNO, NVIDIA_DRIVER, GRPC, SYSTEMD)
