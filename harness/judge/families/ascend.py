"""Huawei Ascend NPUs through CANN (vllm-ascend, torch_npu, SGLang on NPU): the ACL runtime's error
codes as torch_npu prints them (`ACL stream synchronize failed, error code:507035`), the runtime's
task-error reasons, and HCCL, the collective library (`HcclResult`, and its `EI` error codes)."""

from __future__ import annotations

from harness.judge.families import Code, Family, Phrase
from harness.outcomes import COMM_ERROR, CONFIG_ERROR, DEVICE_LOST, NO_DEVICE, OOM, PORT_IN_USE

_RT_CODES: tuple[tuple[str, int, str, str | None], ...] = (
    ("ACL_ERROR_RT_PARAM_INVALID", 107000, "param invalid", None),
    ("ACL_ERROR_RT_INVALID_DEVICEID", 107001, "invalid device id", NO_DEVICE),
    ("ACL_ERROR_RT_CONTEXT_NULL", 107002, "current context null", None),
    ("ACL_ERROR_RT_STREAM_CONTEXT", 107003, "stream not in current context", None),
    ("ACL_ERROR_RT_MODEL_CONTEXT", 107004, "model not in current context", None),
    ("ACL_ERROR_RT_STREAM_MODEL", 107005, "stream not in model", None),
    ("ACL_ERROR_RT_EVENT_TIMESTAMP_INVALID", 107006, "event timestamp invalid", None),
    ("ACL_ERROR_RT_EVENT_TIMESTAMP_REVERSAL", 107007, "event timestamp reversal", None),
    ("ACL_ERROR_RT_ADDR_UNALIGNED", 107008, "memory address unaligned", None),
    ("ACL_ERROR_RT_FILE_OPEN", 107009, "open file failed", None),
    ("ACL_ERROR_RT_FILE_WRITE", 107010, "write file failed", None),
    ("ACL_ERROR_RT_STREAM_SUBSCRIBE", 107011, "error subscribe stream", None),
    ("ACL_ERROR_RT_THREAD_SUBSCRIBE", 107012, "error subscribe thread", None),
    ("ACL_ERROR_RT_GROUP_NOT_SET", 107013, "group not set", None),
    ("ACL_ERROR_RT_GROUP_NOT_CREATE", 107014, "group not create", None),
    ("ACL_ERROR_RT_STREAM_NO_CB_REG", 107015, "callback not register to stream", None),
    ("ACL_ERROR_RT_INVALID_MEMORY_TYPE", 107016, "invalid memory type", None),
    ("ACL_ERROR_RT_INVALID_HANDLE", 107017, "invalid handle", None),
    ("ACL_ERROR_RT_INVALID_MALLOC_TYPE", 107018, "invalid malloc type", None),
    ("ACL_ERROR_RT_WAIT_TIMEOUT", 107019, "wait timeout", None),
    ("ACL_ERROR_RT_FEATURE_NOT_SUPPORT", 207000, "feature not support", CONFIG_ERROR),
    ("ACL_ERROR_RT_MEMORY_ALLOCATION", 207001, "memory allocation error", OOM),
    ("ACL_ERROR_RT_MEMORY_FREE", 207002, "memory free error", None),
    ("ACL_ERROR_RT_AICORE_OVER_FLOW", 207003, "aicore over flow", None),
    ("ACL_ERROR_RT_NO_DEVICE", 207004, "no device", NO_DEVICE),
    ("ACL_ERROR_RT_RESOURCE_ALLOC_FAIL", 207005, "resource alloc fail", OOM),
    ("ACL_ERROR_RT_NO_PERMISSION", 207006, "no permission", None),
    ("ACL_ERROR_RT_NO_EVENT_RESOURCE", 207007, "no event resource", None),
    ("ACL_ERROR_RT_NO_STREAM_RESOURCE", 207008, "no stream resource", None),
    ("ACL_ERROR_RT_NO_NOTIFY_RESOURCE", 207009, "no notify resource", None),
    ("ACL_ERROR_RT_NO_MODEL_RESOURCE", 207010, "no model resource", None),
    ("ACL_ERROR_RT_NO_CDQ_RESOURCE", 207011, "no cdq resource", None),
    ("ACL_ERROR_RT_OVER_LIMIT", 207012, "over limit", None),
    ("ACL_ERROR_RT_QUEUE_EMPTY", 207013, "queue is empty", None),
    ("ACL_ERROR_RT_QUEUE_FULL", 207014, "queue is full", None),
    ("ACL_ERROR_RT_REPEATED_INIT", 207015, "repeated init", None),
    ("ACL_ERROR_RT_AIVEC_OVER_FLOW", 207016, "aivec over flow", None),
    ("ACL_ERROR_RT_INTERNAL_ERROR", 507000, "runtime internal error", None),
    ("ACL_ERROR_RT_TS_ERROR", 507001, "ts internel error", None),
    ("ACL_ERROR_RT_STREAM_TASK_FULL", 507002, "task full in stream", None),
    ("ACL_ERROR_RT_STREAM_TASK_EMPTY", 507003, "task empty in stream", None),
    ("ACL_ERROR_RT_STREAM_NOT_COMPLETE", 507004, "stream not complete", None),
    ("ACL_ERROR_RT_END_OF_SEQUENCE", 507005, "end of sequence", None),
    ("ACL_ERROR_RT_EVENT_NOT_COMPLETE", 507006, "event not complete", None),
    ("ACL_ERROR_RT_CONTEXT_RELEASE_ERROR", 507007, "context release error", None),
    ("ACL_ERROR_RT_SOC_VERSION", 507008, "soc version error", CONFIG_ERROR),
    ("ACL_ERROR_RT_TASK_TYPE_NOT_SUPPORT", 507009, "task type not support", CONFIG_ERROR),
    ("ACL_ERROR_RT_LOST_HEARTBEAT", 507010, "ts lost heartbeat", DEVICE_LOST),
    ("ACL_ERROR_RT_MODEL_EXECUTE", 507011, "model execute failed", DEVICE_LOST),
    ("ACL_ERROR_RT_REPORT_TIMEOUT", 507012, "report timeout", None),
    ("ACL_ERROR_RT_SYS_DMA", 507013, "sys dma error", DEVICE_LOST),
    ("ACL_ERROR_RT_AICORE_TIMEOUT", 507014, "aicore timeout", DEVICE_LOST),
    ("ACL_ERROR_RT_AICORE_EXCEPTION", 507015, "aicore exception", DEVICE_LOST),
    ("ACL_ERROR_RT_AICORE_TRAP_EXCEPTION", 507016, "aicore trap exception", DEVICE_LOST),
    ("ACL_ERROR_RT_AICPU_TIMEOUT", 507017, "aicpu timeout", DEVICE_LOST),
    ("ACL_ERROR_RT_AICPU_EXCEPTION", 507018, "aicpu exception", DEVICE_LOST),
    ("ACL_ERROR_RT_AICPU_DATADUMP_RSP_ERR", 507019, "aicpu datadump response error", None),
    ("ACL_ERROR_RT_AICPU_MODEL_RSP_ERR", 507020, "aicpu model operate response error", None),
    ("ACL_ERROR_RT_PROFILING_ERROR", 507021, "profiling error", None),
    ("ACL_ERROR_RT_IPC_ERROR", 507022, "ipc error", None),
    ("ACL_ERROR_RT_MODEL_ABORT_NORMAL", 507023, "model abort normal", None),
    ("ACL_ERROR_RT_KERNEL_UNREGISTERING", 507024, "kernel unregistering", None),
    ("ACL_ERROR_RT_RINGBUFFER_NOT_INIT", 507025, "ringbuffer not init", None),
    ("ACL_ERROR_RT_RINGBUFFER_NO_DATA", 507026, "ringbuffer no data", None),
    ("ACL_ERROR_RT_KERNEL_LOOKUP", 507027, "kernel lookup error", None),
    ("ACL_ERROR_RT_KERNEL_DUPLICATE", 507028, "kernel register duplicate", None),
    ("ACL_ERROR_RT_DEBUG_REGISTER_FAIL", 507029, "debug register failed", None),
    ("ACL_ERROR_RT_DEBUG_UNREGISTER_FAIL", 507030, "debug unregister failed", None),
    ("ACL_ERROR_RT_LABEL_CONTEXT", 507031, "label not in current context", None),
    ("ACL_ERROR_RT_PROGRAM_USE_OUT", 507032, "program register num use out", None),
    ("ACL_ERROR_RT_DEV_SETUP_ERROR", 507033, "device setup error", NO_DEVICE),
    ("ACL_ERROR_RT_VECTOR_CORE_TIMEOUT", 507034, "vector core timeout", DEVICE_LOST),
    ("ACL_ERROR_RT_VECTOR_CORE_EXCEPTION", 507035, "vector core exception", DEVICE_LOST),
    ("ACL_ERROR_RT_VECTOR_CORE_TRAP_EXCEPTION", 507036, "vector core trap exception", DEVICE_LOST),
    ("ACL_ERROR_RT_CDQ_BATCH_ABNORMAL", 507037, "cdq alloc batch abnormal", None),
    ("ACL_ERROR_RT_DIE_MODE_CHANGE_ERROR", 507038, "can not change die mode", None),
    ("ACL_ERROR_RT_DIE_SET_ERROR", 507039, "single die mode can not set die", None),
    ("ACL_ERROR_RT_INVALID_DIEID", 507040, "invalid die id", None),
    ("ACL_ERROR_RT_DIE_MODE_NOT_SET", 507041, "die mode not set", None),
    ("ACL_ERROR_RT_DRV_INTERNAL_ERROR", 507899, "drv internal error", None),
    ("ACL_ERROR_RT_AICPU_INTERNAL_ERROR", 507900, "aicpu internal error", None),
    ("ACL_ERROR_RT_SOCKET_CLOSE", 507901, "hdc disconnect", DEVICE_LOST),
)
"""(name, number, the header's comment, outcome). Model execution failing (507011) is how torch_npu's
stream synchronisation reports a kernel that faulted on the device."""

ACL_RUNTIME = Family(
    runtime="acl_runtime",
    source="CANN acl/error_codes/rt_error_codes.h (ACL_ERROR_RT_*), as torch_npu and the runtime print the numbers",
    names=r"(?<![A-Za-z0-9_])(ACL_ERROR_RT_[A-Z0-9_]+)(?![A-Za-z0-9_])",
    forms=(
        r"(?:error code|runtime result|retCode|error_code|ret)\s*(?:is\s*|[:=]\s*)(?P<number>[125]07\d{3})\b",
        r"\bACL \w+(?: \w+){0,3} failed, error code:\s*(?P<number>\d+)",
    ),
    codes=tuple(Code(name, outcome, string=string, number=number) for name, number, string, outcome in _RT_CODES),
)

CANN = Family(
    runtime="cann",
    source="CANN runtime (davinci_kernel_task.cc PreCheckTaskErr, device_error_core_proc.cc, error_message_manage.cc) "
    "as torch_npu prints it",
    phrases=(
        Phrase(
            r"get device count of NPU failed",
            NO_DEVICE,
            "Ascend/pytorch torch_npu/csrc/core/npu/NPUFunctions.cpp device_count: the runtime sees no NPU (no driver,"
            " or no device passed to the container)",
            example="[ERROR] APP(144,python3):2025-12-23-02:13:21.089.282 [log_inner.cpp:77]144"
            ' build/CMakeFiles/torch_npu.dir/compiler_depend.ts:device_count:41: "[PTA]:"get device count of NPU failed""',
        ),
        Phrase(
            r"\[(?:aicore|vector core|aicpu) exception\]|\[(?:aicore|vector core) (?:trap exception|timeout)\]",
            DEVICE_LOST,
            "CANN runtime: a kernel faulted on the NPU's AI core or vector core (the task error reason)",
            example="Kernel task happen error, retCode=0x26, [aicore exception].[FUNC:PreCheckTaskErr][FILE:davinci_kernel_task.cc][LINE:1493]",
        ),
        Phrase(
            r"The error from device\(chipId:\d+, dieId:\d+\), serial number is \d+, there is an (?:exception|error)",
            DEVICE_LOST,
            "CANN device_error_core_proc.cc: the device reports a core fault",
            example="https://github.com/shun8686/for_debug/blob/2142ec763c7823735fff169dd994624aadede618/logs/d1.log: "
            "The error from device(chipId:4, dieId:0), serial number is 7, there is an exception of fftsplus aivector error, core id is 0",
        ),
    ),
)

_HCCL_CODES: tuple[tuple[str, int, str], ...] = (
    ("HCCL_E_PARA", 1, "parameter error"),
    ("HCCL_E_PTR", 2, "empty pointer"),
    ("HCCL_E_MEMORY", 3, "memory error"),
    ("HCCL_E_INTERNAL", 4, "internal error"),
    ("HCCL_E_NOT_SUPPORT", 5, "not support feature"),
    ("HCCL_E_NOT_FOUND", 6, "not found specific resource"),
    ("HCCL_E_UNAVAIL", 7, "resource unavailable"),
    ("HCCL_E_SYSCALL", 8, "call system interface error"),
    ("HCCL_E_TIMEOUT", 9, "timeout"),
    ("HCCL_E_OPEN_FILE_FAILURE", 10, "open file fail"),
    ("HCCL_E_TCP_CONNECT", 11, "tcp connect fail"),
    ("HCCL_E_ROCE_CONNECT", 12, "roce connect fail"),
    ("HCCL_E_TCP_TRANSFER", 13, "tcp transfer fail"),
    ("HCCL_E_ROCE_TRANSFER", 14, "roce transfer fail"),
    ("HCCL_E_RUNTIME", 15, "call runtime api fail"),
    ("HCCL_E_DRV", 16, "call driver api fail"),
    ("HCCL_E_PROFILING", 17, "call profiling api fail"),
    ("HCCL_E_CCE", 18, "call cce api fail"),
    ("HCCL_E_NETWORK", 19, "call network api fail"),
    ("HCCL_E_AGAIN", 20, "try again"),
    ("HCCL_E_REMOTE", 21, "error cqe"),
    ("HCCL_E_SUSPENDING", 22, "error communicator suspending"),
    ("HCCL_E_OPRETRY_FAIL", 23, "retry constraint"),
)

HCCL = Family(
    runtime="hccl",
    source="CANN hccl/hccl_types.h HcclResult; torch_npu's 'OPS function error: Hccl<op>, error code is N'; "
    "HCCL's EI error codes",
    names=r"(?<![A-Za-z0-9_])(HCCL_(?:E_[A-Z_]+|SUCCESS))(?![A-Za-z0-9_])",
    forms=(r"function error: Hccl\w+, error code is (?P<number>\d+)",),
    codes=(
        Code("HCCL_SUCCESS", None, string="success", number=0),
        *(Code(name, COMM_ERROR, string=string, number=number) for name, number, string in _HCCL_CODES),
        Code("HCCL_E_OOM", OOM, string="out of memory", number=24),
    ),
    phrases=(
        Phrase(
            r"Communication_Error_Bind_IP_Port",
            PORT_IN_USE,
            "HCCL error EJ0003: the IP and port it binds are taken",
            example="Communication_Error_Bind_IP_Port(EJ0003): Failed to bind the IP port. Reason: The IP address and port have been bound already.",
        ),
        Phrase(
            r"\[HcclSocket\]\[Listen\] .{0,200}\bport\[\d+\] fail",
            PORT_IN_USE,
            "hccl_socket.cc HcclSocket::Listen: the port HCCL listens on for its ranks (HCCL_IF_BASE_PORT and up) is"
            " taken",
            example="https://github.com/vllm-project/vllm-ascend/issues/4725: [ERROR] HCCL(60570,):2025-12-04-14:46:07.911.312"
            " [hccl_socket.cc:106] [60570][HcclSocket][Listen] socket type[0], listen on ip[192.2.2.195] and specific"
            " port[16666] fail. Please check the port status and whether the port is being used by other process.",
        ),
        Phrase(
            r"\blcal_comm\.cpp:\d+\] do not support pcie > \d+ rank",
            CONFIG_ERROR,
            "Ascend's LCCL (lcal_comm.cpp, under ATB and xLLM): more ranks than it supports over PCIe, the tensor"
            " parallel size does not fit the machine's topology",
            example="https://github.com/xLLM-AI/xllm/issues/215: [2025-09-28 20:14:33.202857] [error] [710583]"
            " [lcal_comm.cpp:444] do not support pcie > 2 rank! rankSize_ = 4",
        ),
        Phrase(
            r"\(EI\d{4}\)|\bEI\d{4}: ",
            COMM_ERROR,
            "HCCL error codes (EI0001...), printed with their title: Communication_Error_Get_Socket(EI0006)",
            example="https://github.com/vllm-project/vllm-ascend/issues/9447: "
            "Communication_Error_Get_Socket(EI0006): Getting socket times out.",
        ),
    ),
)

FAMILIES = (ACL_RUNTIME, CANN, HCCL)
