"""Every built-in pattern against lines the programs really print (source beside each line)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from harness.judge.families.general import GENERAL
from harness.judge.signatures import (
    BUILTIN_READY,
    BUILTIN_RULES,
    BUILTIN_SIGNATURES,
    READY,
    UNKNOWN,
    LogClassifier,
    _Prefilter,
    builtin_ready_patterns,
    classify_lines,
    compile_rules,
    folded_literals,
    judge_lines,
    merge_signatures,
    required_literals,
)
from harness.outcomes import CAUSES, RANK, WRAPPERS

LOGS = Path(__file__).resolve().parents[2] / "fixtures" / "logs"

REAL_FAILURE_LINES: list[tuple[str, str]] = [
    # intel/llm-scaler#424
    ("device_lost", "RuntimeError: level_zero backend failed with error: 20 (UR_RESULT_ERROR_DEVICE_LOST)"),
    # oneCCL's level-zero call wrapper reporting a lost device: the device is the root cause, not CCL
    (
        "device_lost",
        "|CCL_ERROR| ze_call.cpp:43 do_call: EXCEPTION: ze error at zeCommandQueueSynchronize, "
        "code: ZE_RESULT_ERROR_DEVICE_LOST",
    ),
    # PyTorch CUDA_CHECK (many vLLM issues)
    ("device_lost", "RuntimeError: CUDA error: an illegal memory access was encountered"),
    ("device_lost", "RuntimeError: CUDA error: unspecified launch failure"),
    # NVIDIA kernel driver
    ("device_lost", "NVRM: Xid (PCI:0000:3b:00): 79, pid=1234, GPU has fallen off the bus."),
    # ROCm runtime
    (
        "device_lost",
        "Memory access fault by GPU node-1 (Agent handle: 0x5581d2a0) on address 0x7f3a1c000000. "
        "Reason: Page not present or supervisor privilege.",
    ),
    # intel/torch-xpu-ops#3011
    (
        "oom",
        "torch.OutOfMemoryError: XPU out of memory. Tried to allocate 4.66 GiB. GPU 0 has a total capacity "
        "of 5.65 GiB of which 5.65 GiB is free.",
    ),
    # intel/intel-extension-for-pytorch#629
    ("oom", "RuntimeError: XPU out of memory. Tried to allocate 1.71 GiB (GPU 0; 15.56 GiB total capacity)"),
    ("oom", "torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB. GPU 0 has a total capacity"),
    # open-edge-platform/physical-ai-studio#440
    ("oom", "RuntimeError: level_zero backend failed with error: 39 (UR_RESULT_ERROR_OUT_OF_DEVICE_MEMORY)"),
    (
        "oom",
        "RuntimeError: Current platform can NOT allocate memory block with size larger than 4GB! Tried to "
        "allocate 6.85 GiB (GPU  0; 15.56 GiB total capacity; 0 bytes already allocated)",
    ),
    # intel/llm-scaler#424 (TP=1)
    (
        "kv_cache_insufficient",
        "ValueError: To serve at least one request with the model's max seq len (24576), (3.75 GiB KV cache "
        "is needed, which is larger than the available KV cache memory (1.9 GiB).",
    ),
    # vLLM 0.11 spelling, pasted in a public vLLM fork's notes
    (
        "kv_cache_insufficient",
        "(EngineCore_DP0 pid=18799) ERROR 10-08 20:33:48 [core.py:708] ValueError: To serve at least one "
        "request with the models's max seq len (40960), (5.62 GiB KV cache is needed",
    ),
    (
        "kv_cache_insufficient",
        "ValueError: No available memory for the cache blocks. Try increasing `gpu_memory_utilization` when "
        "initializing the engine.",
    ),
    (
        "kv_cache_insufficient",
        "ValueError: The model's max seq len (32768) is larger than the maximum number of tokens that can be "
        "stored in KV cache (20528). Try increasing `gpu_memory_utilization`",
    ),
    # vllm-project/vllm#12847
    ("no_device", "RuntimeError: Failed to infer device type"),
    ("no_device", "INFO 05-14 04:44:35 [__init__.py:243] No platform detected, vLLM is running on UnspecifiedPlatform"),
    ("no_device", "RuntimeError: No CUDA GPUs are available"),
    (
        "no_device",
        "RuntimeError: Found no NVIDIA driver on your system. Please check that you have an NVIDIA GPU and "
        "installed a driver from http://www.nvidia.com/Download/index.aspx",
    ),
    ("model_access", "huggingface_hub.errors.GatedRepoError: 401 Client Error. (Request ID: Root=1-6650)"),
    (
        "model_access",
        "Cannot access gated repo for url https://huggingface.co/meta-llama/Llama-3.1-8B/resolve/main/config.json.",
    ),
    ("model_access", "ValueError: Invalid repository ID or local directory specified: '/models/qwen'."),
    ("model_access", "huggingface_hub.errors.RepositoryNotFoundError: 404 Client Error. (Request ID: Root=1-66)"),
    (
        "model_access",
        "huggingface_hub.errors.HFValidationError: Repo id must be in the form 'repo_name' or "
        "'namespace/repo_name': '/llm/models/Qwen3-14B'. Use `repo_type` argument if needed.",
    ),
    (
        "model_access",
        "OSError: We couldn't connect to 'https://huggingface.co' to load this file, couldn't find it in the "
        "cached files and it looks like Qwen/Qwen3-14B is not the path to a directory containing a file named "
        "config.json.",
    ),
    ("model_access", "OSError: /llm/models/Qwen3-14B does not appear to have a file named config.json."),
    (
        "port_in_use",
        "ERROR:    [Errno 98] error while attempting to bind on address ('0.0.0.0', 8000): address already in use",
    ),
    ("port_in_use", "OSError: [Errno 98] Address already in use"),
    (
        "port_in_use",
        "torch.distributed.DistNetworkError: The server socket has failed to listen on any local network "
        "address. port: 29500, useIpv6: 0, code: -98, name: EADDRINUSE, message: address already in use",
    ),
    ("config_error", "vllm serve: error: unrecognized arguments: --tensor-paralel-size 2"),
    (
        "config_error",
        "ValueError: User-specified max_model_len (50000) is greater than the derived max_model_len "
        "(max_position_embeddings=40960 or model_max_length=None in model's config.json).",
    ),
    ("config_error", "ValueError: Total number of attention heads (40) must be divisible by tensor parallel size (3)."),
    ("config_error", "pydantic_core._pydantic_core.ValidationError: 1 validation error for ModelConfig"),
    ("config_error", "error: unexpected argument '--max-batch-prefil-tokens' found"),
    (
        "config_error",
        "ValueError: Unknown quantization method: sym_int8. Must be one of ['aqlm', 'awq', 'fp8', 'gptq'].",
    ),
    (
        "comm_error",
        "torch.distributed.DistBackendError: NCCL error in: ../torch/csrc/distributed/c10d/ProcessGroupNCCL.cpp"
        ":1970, unhandled cuda error (run with NCCL_DEBUG=INFO for details), NCCL version 2.20.5",
    ),
    (
        "comm_error",
        "[rank0]:[E ProcessGroupNCCL.cpp:563] [Rank 0] Watchdog caught collective operation timeout: "
        "WorkNCCL(SeqNum=1, OpType=ALLREDUCE) ran for 600077 milliseconds before timing out.",
    ),
    ("comm_error", "ncclUnhandledCudaError: Call to CUDA function failed."),
    (
        "comm_error",
        "RuntimeError: Gloo connectFullMesh failed with [../third_party/gloo/gloo/transport/tcp/pair.cc:144] no error",
    ),
    (
        "comm_error",
        "RuntimeError: [../third_party/gloo/gloo/transport/tcp/pair.cc:534] Connection closed by peer "
        "[127.0.0.1]:29500",
    ),
    (
        "comm_error",
        "torch.distributed.DistStoreError: Timed out after 901 seconds waiting for clients. 1/2 clients joined.",
    ),
    # vllm-project/vllm#14612
    (
        "comm_error",
        "2025:03:13-10:36:27:(  636) |CCL_ERROR| ze_fd_manager.cpp:214 fill_device_fds: condition "
        "fds[dev_idx] > 0 failed",
    ),
    # vllm-project/vllm#10109
    ("comm_error", "RuntimeError: oneCCL: exec.cpp:122 start_workers: EXCEPTION: failed to start worker # 0"),
    # vllm-project/vllm#23176
    (
        "engine_failed",
        "(APIServer pid=1179246) RuntimeError: Engine core initialization failed. See root cause above. "
        "Failed core proc(s): {}",
    ),
    ("engine_failed", "ERROR 06-01 22:03:30 [core.py:500] EngineCore failed to start."),
    ("engine_failed", "(Worker_TP1 pid=686) ERROR [multiproc_executor.py:822] WorkerProc hit an exception."),
    ("engine_failed", "RuntimeError: Engine process failed to start. See stack trace for the root cause."),
    ("engine_failed", "ERROR 07-01 10:00:00 [multiproc_executor.py:511] WorkerProc failed to start."),
    ("engine_failed", "[2025-01-01 12:00:00] Scheduler hit an exception: Traceback (most recent call last):"),
    ("engine_failed", "2024-10-01T12:00:00.000000Z ERROR text_generation_launcher: Shard 0 failed to start"),
    ("engine_failed", "Error: llama runner process has terminated: exit status 0xc0000409"),
    # the general vocabulary on programs no table knows: Jan's cortex, trtllm-bench (click), SGLang's DeepEP
    # (NVSHMEM), LM Studio's llama.cpp context
    ("model_access", "Error downloading model, CURL failed: Couldn't resolve host name"),
    ("config_error", "Error: No such option: --dataset"),
    ("comm_error", "nvshmem initialization failed, exiting"),
    ("kv_cache_insufficient", "Failed to initialize the context: failed to allocate buffer for kv cache"),
]

HARMLESS_LINES = [
    "|CCL_WARN| value of CCL_ZE_IPC_EXCHANGE changed to be sockets (default:pidfd)",
    "|CCL_WARN| pidfd is not supported, fallbacks to drmfd exchange mode",
    # a real vLLM warning that mentions errors without being one
    "WARNING 05-01 10:00:00 [utils.py:2420] Found ulimit of 1024 and failed to automatically increase with "
    "error current limit exceeds maximum limit. This can cause fd limit errors like `OSError: [Errno 24] "
    "Too many open files`. Consider increasing with ulimit -n",
    "WARNING 05-01 10:00:00 [config.py:1100] error_correction is disabled for this model",
    "> Fragmentation (Wasted) : 0.01 GB",
    "Loading safetensors checkpoint shards: 100% Completed | 8/8 [00:41<00:00,  5.13s/it]",
]

REAL_READY_LINES = [
    # llama.cpp's perf print after an offline generation, as its releases prefixed it; text-generation-webui 1.x
    "common_perf_print: prompt eval time =     363.83 ms /    41 tokens (    8.87 ms per token,   112.69 tokens per"
    " second)",
    "llama_print_timings: prompt eval time =     315.94 ms /    38 tokens (    8.31 ms per token,   120.27 tokens per"
    " second)",
    "-->> Output generated in 12.42 seconds (34.13 tokens/s, 424 tokens, context 38, seed 1944046193) <<--",
    # vLLM prints it inside build_async_engine_client, after init_app_state, on a socket bound at start
    "(APIServer pid=1) INFO 05-01 10:00:00 [api_server.py:1856] Starting vLLM API server 0 on http://0.0.0.0:8000",
    "(APIServer pid=1) INFO 04-08 20:32:02 [api_server.py:573] Starting vLLM server on http://0.0.0.0:8080",
    "xinference.api.restful_api 1 INFO     Starting Xinference at endpoint: http://0.0.0.0:9997",
    "(APIServer pid=1) INFO:     Application startup complete.",
    "[2025-01-01 12:00:00] The server is fired up and ready to roll!",
    "2024-10-01T12:00:00.000000Z  INFO text_generation_router::server: router/src/server.rs:2387: Connected",
    'time=2024-08-07T12:00:00.000Z level=INFO source=routes.go:1153 msg="Listening on 127.0.0.1:11434 (version 0.3.4)"',
]


@pytest.mark.parametrize(("expected", "line"), REAL_FAILURE_LINES)
def test_real_failure_line_gets_its_signature(expected: str, line: str) -> None:
    outcome, match = classify_lines([line])
    assert outcome == expected
    assert match is not None and match.line == line and match.line_no == 1


@pytest.mark.parametrize("line", HARMLESS_LINES)
def test_lines_that_merely_mention_errors_are_not_failures(line: str) -> None:
    assert classify_lines([line])[0] == UNKNOWN


@pytest.mark.parametrize("line", REAL_READY_LINES)
def test_real_ready_lines_of_common_servers(line: str) -> None:
    assert classify_lines([line])[0] == READY


def test_every_builtin_ready_pattern_matches_its_example_after_what_it_needs() -> None:
    for ready in BUILTIN_READY:
        if not ready.example:
            continue
        needed = ["(the line it needs before)"] if ready.after is None else [ready.after_example]
        if ready.after is not None and not ready.after_example:
            needed = [
                '{"msg":"model loaded"}' if "model loaded" in ready.after else "INFO:     Started server process [7]"
            ]
        assert classify_lines([*needed, ready.example])[0] == READY, ready.server
        assert re.search(ready.pattern, ready.example), ready.server


def test_every_ready_void_example_voids_a_ready_line() -> None:
    from harness.judge.families.ready import READY_VOIDS

    ready = "INFO:     Application startup complete."
    for void in READY_VOIDS:
        assert void.example and re.search(void.pattern, void.example), void.server
        assert classify_lines([ready, void.example])[0] != READY, void.server


def test_a_saved_log_is_judged_up_to_the_harness_shutdown_mark() -> None:
    from harness.judge.signatures import shutdown_mark

    log = [
        "(APIServer pid=1) INFO:     Application startup complete.",
        shutdown_mark(
            "2026-11-27T07:00:00Z: verdict ready; the harness stops the container now (SIGTERM, SIGKILL after 10s)"
        ),
        "Fatal Python error: _enter_buffered_busy: could not acquire lock for <_io.BufferedWriter name='<stdout>'>",
        "terminate called after throwing an instance of 'c10::Error'",
    ]
    assert classify_lines(log)[0] == READY
    assert classify_lines([log[0], *log[2:]])[0] == UNKNOWN


RELEASE_READY = [
    # each server's ready line as its older or newer releases print it, read from the servers' source history
    ("Ollama 0.1.18-0.1.20", ["2024/01/05 11:02:33 ext_server_common.go:151: Starting internal llama main loop"]),
    ("Ollama 0.1.21-0.1.22", ["2024/01/25 09:31:02 dyn_ext_server.go:156: INFO Starting llama main loop"]),
    (
        "Ollama 0.30, llama-server",
        [
            "time=2026-06-01T09:12:40.551Z level=INFO source=llama_server.go:1118"
            ' msg="llama-server started in 4.87 seconds"'
        ],
    ),
    ("Ollama MLX runner", ['time=2026-02-14T08:00:03.210Z level=INFO source=client.go:106 msg="mlx runner is ready"']),
    ("Triton, metrics last", ['I0703 08:38:52.567659 1 http_server.cc:362] "Started Metrics Service at 0.0.0.0:8002"']),
    (
        "Triton on SageMaker",
        ["I0830 23:02:16.007674 709 sagemaker_server.cc:293] Started Sagemaker HTTPService at 0.0.0.0:8080"],
    ),
    (
        "vLLM 0.6.3",
        [
            "INFO:     Started server process [7]",
            "INFO:     Uvicorn running on socket ('0.0.0.0', 8000) (Press CTRL+C to quit)",
        ],
    ),
    (
        "vLLM 0.30, multi-port data parallel",
        [
            "(DPSupervisor pid=1) INFO 09-01 09:58:00 [dp_supervisor.py:372] Waiting for vLLM DP Servers to become"
            " ready.",
            "(DPSupervisor pid=1) INFO 09-01 10:00:00 [dp_supervisor.py:363] Started DPSupervisor on 0.0.0.0:8000",
        ],
    ),
    ("trtllm-serve --grpc", ["[12/10/2025-08:14:03] [TRT-LLM] [I] Server is ready to accept requests"]),
    (
        "Xinference 0.1-0.5",
        [
            "2023-10-20 09:12:00,873 xinference   4121 INFO     Xinference successfully started."
            " Endpoint: http://0.0.0.0:9997"
        ],
    ),
    (
        "uvicorn through a logging formatter (Xinference 0.13-2.8)",
        [
            "2024-09-22 15:41:30,101 uvicorn.error 1738700 INFO     Started server process [1738700]",
            "2024-09-22 15:41:30,245 uvicorn.error 1738700 INFO     Uvicorn running on http://0.0.0.0:9997"
            " (Press CTRL+C to quit)",
        ],
    ),
    ("llama.cpp b3761 on", ["main: model loaded"]),
    (
        "llama.cpp b3599-b3760",
        ['INFO [                    main] model loaded | tid="139832154480640" timestamp=1723800042'],
    ),
    (
        "llama.cpp b1823-b2258",
        ['{"timestamp":1706520000,"level":"INFO","function":"main","line":2546,"message":"model loaded"}'],
    ),
    ("llama.cpp main loop", ["srv  update_slots: all slots are idle"]),
    (
        "llama.cpp b3087-b3598",
        [
            "llama_new_context_with_model: n_ctx      = 4096",
            'INFO [                    main] HTTP server listening | tid="140316842860544" timestamp=1717500000'
            ' hostname="0.0.0.0" port="8080" n_threads_http="7"',
        ],
    ),
    (
        "vLLM 0.6, route listing",
        ["2024-10-23T19:31:14.410901826Z INFO 10-23 12:31:14 launcher.py:19] Available routes are:"],
    ),
]


@pytest.mark.parametrize(("release", "lines"), RELEASE_READY, ids=[release for release, _ in RELEASE_READY])
def test_ready_lines_of_older_and_newer_releases(release: str, lines: list[str]) -> None:
    assert classify_lines(lines)[0] == READY


def test_a_runner_listening_before_its_model_loads_is_not_ready() -> None:
    """Ollama's copy of llama.cpp's server (0.1.32-0.3.14) listens first, then loads the model."""
    listening = 'INFO [main] HTTP server listening | hostname="127.0.0.1" n_threads_http="15" port="41813"'
    assert classify_lines([listening])[0] == UNKNOWN
    assert classify_lines([listening, "llama_new_context_with_model: n_ctx      = 2048"])[0] == UNKNOWN


LOOKALIKES = [
    # printed before the server can serve (research of each server's sources; see families/ready.py)
    "INFO 05-16 14:53:28 api_server.py:149] vLLM API server version 0.4.0.post1",
    "INFO:     Started server process [4527]",
    "(DPSupervisor pid=1) INFO 09-01 09:58:00 [dp_supervisor.py:363] Started DPSupervisor on 0.0.0.0:8000",
    "INFO:     Waiting for application startup.",
    "INFO shard-manager: text_generation_launcher: Shard ready in 12.3s rank=0",
    "main: HTTP server is listening, hostname: 127.0.0.1, port: 8080, http threads: 31",
    "srv  llama_server: router server is listening on http://127.0.0.1:8080",
    "| llama3   | 1       | READY  |",
]


@pytest.mark.parametrize("line", LOOKALIKES)
def test_lines_printed_while_loading_are_not_ready(line: str) -> None:
    assert classify_lines([line])[0] == UNKNOWN


GENERIC_READY = "0810 16:46:35 ds4-server: listening on http://127.0.0.1:8000"
"""A server no ready line names (ds4-server), announcing its listener in the words servers use."""


@pytest.mark.parametrize(
    "line",
    [
        GENERIC_READY,
        "Server is ready and listening on tcp://0.0.0.0:5573",
        "\N{ROCKET} Listening at 0.0.0.0:8080",
        "02:28:12-130753 INFO     API user=None code=200 http/1.1 GET /sdapi/v1/motd 119.147.160.249 0.4232",
        "[2025-09-29 10:42:09.370+08:00] [378828] [<HOST>] [192.169.5.1:42356] [server] [Response mindie server,"
        " method is GET, uri is /v1/models] [status code: 200]",
    ],
)
def test_a_server_no_ready_line_names_is_ready_in_the_words_servers_use(line: str) -> None:
    verdict = judge_lines([line], explain=True)
    assert verdict.outcome == READY
    assert [m.rule for m in verdict.matches] == ["weak ready line"]


def test_an_error_line_or_a_model_load_takes_a_weak_ready_line_back() -> None:
    failed = "ds4-server: error: unable to open metal device"
    assert classify_lines([GENERIC_READY, failed])[0] == UNKNOWN
    verdict = judge_lines([GENERIC_READY, "main: loading model"], explain=True)
    assert verdict.outcome == UNKNOWN
    assert [m.rule for m in verdict.matches] == ["weak ready line", "not serving yet: takes back the weak ready line"]
    failed_after = judge_lines([GENERIC_READY, failed], explain=True)
    assert [m.rule for m in failed_after.matches] == ["weak ready line", "error line takes back the weak ready line"]
    answered = '127.0.0.1 - - [18/Apr/2026 21:39:04] "POST /v1/chat/completions HTTP/1.1" 200 -'
    assert classify_lines([GENERIC_READY, "main: loading model", answered])[0] == READY
    hint = "  - If you're using `trust_remote_code=True`, you can get rid of this warning by loading the model with an"
    assert classify_lines([GENERIC_READY, hint])[0] == READY
    strong = "INFO:     Application startup complete."
    assert classify_lines([strong, failed])[0] == READY


def test_a_weak_ready_line_does_not_answer_an_earlier_error() -> None:
    fell_back = "ds4-server: error: no GPU devices found, running on the CPU"
    assert classify_lines([fell_back, GENERIC_READY])[0] == "no_device"
    optional = "ds4-server: error: failed to import the optional tracing module"
    assert classify_lines([optional, GENERIC_READY])[0] == READY
    assert classify_lines([GENERIC_READY + " (failed to bind the metrics port)"])[0] == UNKNOWN


def test_a_servers_own_ready_line_replaces_a_weak_one_and_a_death_takes_a_weak_one_back() -> None:
    strong = "INFO:     Application startup complete."
    asgi = "ERROR:    Exception in ASGI application"
    assert classify_lines([GENERIC_READY, strong, asgi])[0] == READY
    for death in (
        "/entrypoint.sh: line 12:    57 Killed                  python -m server",
        "Traceback (most recent call last):",
        "Loading safetensors checkpoint shards:   0% Completed | 0/4 [00:00<?, ?it/s]",
    ):
        assert classify_lines([GENERIC_READY, death])[0] == UNKNOWN, death
    restart = (
        "2025-03-17T17:33:16+08:00 - gpustack.worker.worker_manager - WARNING - RPC server for GPU 0 is not running,"
        " pid 46228, restarting."
    )
    assert classify_lines([GENERIC_READY, restart])[0] == "engine_failed"
    crash_reporting = "2026-01-01 10:00:00 INFO Crash reporting enabled"
    assert classify_lines([GENERIC_READY, crash_reporting])[0] == READY


def test_an_http_clients_own_request_or_sglangs_warm_up_is_not_a_server_answering() -> None:
    httpx = (
        'INFO:httpx:HTTP Request: GET https://huggingface.co/api/models/Qwen/Qwen3-8B/revision/main "HTTP/1.1 200 OK"'
    )
    urllib3 = 'DEBUG:urllib3.connectionpool:https://huggingface.co:443 "GET /api/models/x HTTP/1.1" 200 1234'
    for line in (httpx, urllib3):
        assert classify_lines([line])[0] == UNKNOWN, line
    warm_up = [
        "[2025-01-01 12:00:00 TP0] Load weight end. type=LlamaForCausalLM, dtype=torch.bfloat16, avail mem=9.69 GB",
        '[2025-01-01 12:00:02] INFO:     127.0.0.1:40000 - "GET /model_info HTTP/1.1" 200 OK',
    ]
    assert classify_lines(warm_up)[0] == UNKNOWN
    explained = judge_lines([GENERIC_READY, "ds4-server: error: unable to open metal device"], explain=True)
    assert explained.why == "no rule matched a failure, and the weak ready line seen was taken back"


def test_comfyui_running_a_prompt_is_ready_unless_the_prompt_failed() -> None:
    """ComfyUI prints that a prompt executed whether or not it failed (Comfy-Org/ComfyUI#7627)."""
    executed = "2026-07-10 20:14:20.668 [Debug] [ComfyUI-0/STDERR] [INFO] Prompt executed in 3.04 seconds"
    assert classify_lines([executed])[0] == READY
    ran_out = (
        "RuntimeError: Could not allocate tensor with 530841600 bytes. There is not enough GPU video memory available!"
    )
    assert classify_lines([ran_out, "2024-12-22T17:57:20.461112 - Prompt executed in 347.84 seconds"])[0] == "oom"
    oom = ["2025-04-27T21:58:22.876800 - Got an OOM, unloading all loaded models.", executed]
    assert classify_lines(oom)[0] == "oom"


@pytest.mark.parametrize(
    "line",
    [
        "[c10d] The server socket has started to listen on [::]:29500.",
        'time=2024-05-01T10:00:00Z level=INFO source=runner.go:963 msg="Server listening on 127.0.0.1:39367"',
        "INFO 2025-01-01 10:00:00 metrics server listening on 0.0.0.0:9090",
        "Started a local Ray instance. View the dashboard at 127.0.0.1:8265",
        "[llama-swap] proxy listening on :8080",
        "proxy server listening on 0.0.0.0:8080",
        "INFO health server listening on 0.0.0.0:8081",
    ],
)
def test_side_listeners_and_subprocesses_are_not_a_weak_ready_line(line: str) -> None:
    assert classify_lines([line])[0] == UNKNOWN


def test_uvicorn_lines_need_their_own_process_and_sglang_waits_for_its_warm_up() -> None:
    running = "INFO:     Uvicorn running on http://0.0.0.0:8000 (Press CTRL+C to quit)"
    reloader = "INFO:     Started reloader process [28720] using StatReload"
    assert classify_lines([running, reloader])[0] == UNKNOWN  # a --reload parent, before importing the app
    assert classify_lines([running, "INFO:     Started parent process [28720]"])[0] == UNKNOWN  # --workers
    assert classify_lines(["INFO:     Started server process [7]", running])[0] == READY
    cut_below_its_process_line = judge_lines([running], explain=True)
    assert [m.rule for m in cut_below_its_process_line.matches] == ["weak ready line"]
    sglang = [
        "[2024-12-13 01:44:52] server_args=ServerArgs(model_path='mistralai/Mistral-7B-Instruct-v0.3')",
        "[2024-12-13 01:44:59 TP0] Load weight end. type=MistralForCausalLM, dtype=torch.bfloat16, avail mem=9.69 GB",
        "[2024-12-13 01:45:02] INFO:     Started server process [3831493]",
        "[2024-12-13 01:45:02] INFO:     Application startup complete.",
        "[2024-12-13 01:45:02] INFO:     Uvicorn running on http://0.0.0.0:30000 (Press CTRL+C to quit)",
    ]
    assert classify_lines(sglang)[0] == UNKNOWN
    assert classify_lines([*sglang, "[2024-12-13 01:45:04] The server is fired up and ready to roll!"])[0] == READY


def test_colour_codes_do_not_hide_a_line() -> None:
    line = "\x1b[32mINFO\x1b[0m RuntimeError: CUDA error: an illegal \x1b[1mmemory access\x1b[0m was encountered"
    assert classify_lines([line])[0] == "device_lost"


def test_colour_codes_that_syslog_escaped_do_not_hide_a_line() -> None:
    """rsyslog writes the escape byte as #033; text-generation-inference#1763 came through CloudWatch so."""
    line = (
        "#033[2m2024-04-18T22:45:31.006845Z#033[0m #033[32m INFO#033[0m #033[2mtext_generation_router#033[0m"
        "#033[2m:#033[0m #033[2mrouter/src/main.rs#033[0m#033[2m:#033[0m#033[2m329:#033[0m Connected"
    )
    assert classify_lines([line])[0] == READY


def test_root_cause_beats_the_wrapper_printed_after_it() -> None:
    lines = [
        "(Worker_TP1 pid=686) ERROR [multiproc_executor.py:822] WorkerProc hit an exception.",
        "RuntimeError: level_zero backend failed with error: 20 (UR_RESULT_ERROR_DEVICE_LOST)",
        "RuntimeError: Engine core initialization failed. See root cause above. Failed core proc(s): {}",
    ]
    outcome, match = classify_lines(lines)
    assert outcome == "device_lost"
    assert match is not None and match.line_no == 2


def test_the_reports_own_logs() -> None:
    with (LOGS / "llm-scaler-424-tp2.log").open() as handle:
        outcome, match = classify_lines(handle)
    assert outcome == "device_lost"
    assert match is not None and "UR_RESULT_ERROR_DEVICE_LOST" in match.line
    with (LOGS / "llm-scaler-424-tp1.log").open() as handle:
        assert classify_lines(handle)[0] == "kv_cache_insufficient"


def test_classifier_keeps_the_first_ready_line_and_best_failure() -> None:
    classifier = LogClassifier(BUILTIN_SIGNATURES, builtin_ready_patterns())
    assert classifier.feed("INFO:     Application startup complete.") is not None
    assert classifier.ready is not None and classifier.ready.line_no == 1
    classifier.feed("RuntimeError: Engine core initialization failed.")
    classifier.feed("RuntimeError: CUDA error: an illegal memory access was encountered")
    classifier.feed("RuntimeError: Engine core initialization failed.")
    assert classifier.failure is not None
    assert (classifier.failure.name, classifier.failure.line_no) == ("device_lost", 3)


def test_matrix_signatures_add_and_override_builtins() -> None:
    merged = merge_signatures(
        [("xccl_addr_window", [r"addr_window check failed"], None), ("oom", [r"OOMKilled"], None)]
    )
    names = [s.name for s in merged.signatures]
    assert names[0] == "xccl_addr_window"
    oom = next(s for s in merged.signatures if s.name == "oom")
    assert oom.regexes == ("OOMKilled",) and oom.rank == RANK["oom"]
    assert classify_lines(["[XCCL][init.cpp:1227] host addr_window check failed"], merged)[0] == "xccl_addr_window"
    assert classify_lines(["torch.OutOfMemoryError: CUDA out of memory"], merged)[0] == UNKNOWN
    assert classify_lines(["RuntimeError: CUDA error: out of memory"], merged)[0] == UNKNOWN  # table look-ups too
    assert classify_lines(["RuntimeError: CUDA error: out of memory"])[0] == "oom"


ALL_PATTERNS = (
    [p for sig in BUILTIN_SIGNATURES for p in sig.regexes]
    + [r.pattern for r in builtin_ready_patterns()]
    + [p.regex for p in GENERAL.phrases]
)


@pytest.mark.parametrize("line", [line for _, line in REAL_FAILURE_LINES] + REAL_READY_LINES)
def test_the_literal_prefilter_lets_every_real_line_through(line: str) -> None:
    for pattern in ALL_PATTERNS:
        literals = required_literals(pattern)
        if literals is not None and re.search(pattern, line):
            assert any(literal in line for literal in literals), (pattern, literals)


@given(
    st.sampled_from(
        [
            *ALL_PATTERNS,
            r"ab(?:cd|ef)+g",
            r"x{2,3}yz",
            r"(?:foo)?bar",
            r"a|b",
            r"(?i)Error",
            r"(?i:Error) on cpu",
            r"x(?i:Err)",
        ]
    ),
    st.data(),
)
def test_required_literals_are_in_every_match(pattern: str, data: st.DataObject) -> None:
    """A case-insensitive group's letters are no literal: `(?i:Error)` matches `ERROR`."""
    literals = required_literals(pattern)
    line = data.draw(st.from_regex(pattern))
    if literals is not None:
        assert any(literal in line for literal in literals)
    folded = folded_literals(pattern)
    if folded is not None:
        assert any(literal in line.casefold() for literal in folded)


RULE_PATTERNS = [rule.regex for rule in compile_rules(BUILTIN_RULES)] + [r"(?i)my gpu fell over"]


@pytest.mark.parametrize("line", [line for _, line in REAL_FAILURE_LINES] + REAL_READY_LINES + ["MY GPU FELL OVER"])
def test_the_prefilter_names_every_rule_a_line_matches(line: str) -> None:
    """Only the rules it names are tried on the line; a pattern without literals is always named."""
    which = _Prefilter(RULE_PATTERNS).which(line)
    assert which == sorted(set(which))
    assert len(RULE_PATTERNS) - 1 in which
    for at, pattern in enumerate(RULE_PATTERNS):
        if re.search(pattern, line):
            assert at in which, pattern


def test_a_line_that_says_failed_is_read_by_a_few_rules_not_all() -> None:
    which = _Prefilter(RULE_PATTERNS).which("ERROR 2024-01-01 request handling failed: the quick brown fox")
    assert 0 < len(which) < len(RULE_PATTERNS) / 4


def test_a_case_insensitive_group_gives_no_literal() -> None:
    assert required_literals(r"(?i:initializing) model on cpu") == [" model on cpu"]
    assert required_literals(r"(?i:error)") is None
    assert folded_literals(r"(?i:Error)") == ["error"]
    assert folded_literals(r"(?i)Out of (?:GPU|device) memory") == ["out of "]
    merged = merge_signatures([("cpu_fallback", [r"(?i:initializing) model on cpu"], None)])
    assert classify_lines(["INFO | INITIALIZING model on cpu"], merged)[0] == "cpu_fallback"


def test_patterns_without_literals_keep_their_own_flags_groups_and_backreferences() -> None:
    merged = merge_signatures(
        [
            ("flagged", [r"(?i)my gpu fell over"], None),
            ("named_a", [r"(?P<n>[ab]{3})\b"], None),
            ("named_c", [r"(?P<n>[cd]{3})\b"], None),
            ("doubled", [r"^([xy])\1[xy]$"], None),
        ]
    )
    assert classify_lines(["MY GPU FELL OVER"], merged)[0] == "flagged"
    assert classify_lines(["cdc"], merged)[0] == "named_c"
    assert classify_lines(["xxy"], merged)[0] == "doubled"
    assert classify_lines(["srv done"], merged, ready_patterns=[r"(?i)SRV DONE"])[0] == READY


def _one_line_per_outcome() -> dict[str, str]:
    chosen: dict[str, str] = {}
    for outcome, line in REAL_FAILURE_LINES:
        chosen.setdefault(outcome, line)
    return chosen


@pytest.mark.parametrize("order", ["cause first", "wrapper first"])
def test_every_cause_outranks_every_wrapper_in_either_order(order: str) -> None:
    lines = _one_line_per_outcome()
    causes = [name for name in lines if name in CAUSES]
    wrappers = [name for name in lines if name in WRAPPERS]
    assert len(causes) >= 7 and len(wrappers) == 2
    for cause in causes:
        for wrapper in wrappers:
            pair = [lines[cause], lines[wrapper]] if order == "cause first" else [lines[wrapper], lines[cause]]
            assert classify_lines(pair)[0] == cause, (cause, wrapper, order)


def test_between_causes_the_lower_rank_wins_in_either_order() -> None:
    lines = _one_line_per_outcome()
    causes = sorted((name for name in lines if name in CAUSES), key=RANK.__getitem__)
    for i, stronger in enumerate(causes):
        for weaker in causes[i + 1 :]:
            for pair in ([lines[stronger], lines[weaker]], [lines[weaker], lines[stronger]]):
                assert classify_lines(pair)[0] == stronger, (stronger, weaker)
    assert all(RANK[cause] < RANK[wrapper] for cause in CAUSES for wrapper in WRAPPERS)


def test_an_exception_raised_by_a_configuration_check_is_a_config_error_whatever_it_says() -> None:
    traceback = [
        "(EngineCore pid=1) ERROR 01-02 03:04:05 [core.py:700] Traceback (most recent call last):",
        '(EngineCore pid=1) ERROR 01-02 03:04:05 [core.py:700]   File "/usr/lib/python3.12/site-packages/vllm/config/'
        'parallel.py", line 212, in __post_init__',
        "(EngineCore pid=1) ERROR 01-02 03:04:05 [core.py:700]     raise ValueError(",
        "(EngineCore pid=1) ERROR 01-02 03:04:05 [core.py:700] ValueError: a wording no release printed before",
    ]
    verdict = judge_lines(traceback, explain=True)
    assert verdict.outcome == "config_error"
    assert verdict.match is not None and verdict.match.line_no == 4
    assert verdict.match.rule == "raised in /usr/lib/python3.12/site-packages/vllm/config/parallel.py:__post_init__"


def test_an_exception_raised_elsewhere_or_far_from_the_frame_is_not_read_as_a_check() -> None:
    frame = '  File "/opt/vllm/engine/arg_utils.py", line 1059, in create_engine_config'
    assert (
        classify_lines(['  File "/opt/app/handlers.py", line 3, in handle', "ValueError: bad request"])[0] == "unknown"
    )
    assert classify_lines([frame, *["    more context"] * 20, "ValueError: later"])[0] == "unknown"
    assert classify_lines([frame, "RuntimeError: not a check's exception"])[0] == "unknown"
    assert classify_lines([frame, "ValueError: a check"])[0] == "config_error"


def test_a_matrix_that_redefines_an_outcome_also_drops_its_raised_rules() -> None:
    rules = merge_signatures([("config_error", [r"my own wording"], None)])
    frame = '  File "/opt/vllm/engine/arg_utils.py", line 1059, in create_engine_config'
    assert classify_lines([frame, "ValueError: a check"], rules)[0] == "unknown"


def test_explain_says_when_the_general_vocabulary_named_the_cause_under_a_wrapper() -> None:
    from harness.judge.signatures import judge_lines

    verdict = judge_lines(
        [
            "ImportError: Numba needs NumPy 2.2 or less. Got NumPy 2.4.",
            "RuntimeError: Engine core initialization failed. See root cause above.",
        ],
        explain=True,
    )
    assert verdict.outcome == "config_error" and verdict.match is not None and verdict.match.family == "general"
    assert verdict.why == (
        "the tables named only engine_failed, a wrapper; on error lines the general vocabulary says config_error"
    )
    assert [m.family for m in verdict.matches] == ["general", "vllm"]
    alone = judge_lines(["fatal: not enough memory; allocation failed"], explain=True)
    assert alone.outcome == "oom" and alone.why.startswith("no table named a failure")


def test_a_server_that_says_it_did_not_come_up_voids_its_ready_line() -> None:
    from harness.judge.signatures import judge_lines

    log = [
        "[2025-10-22 10:27:27] INFO:     Application startup complete.",
        "[2025-10-22 10:29:28] Initialization failed. warmup error: Traceback (most recent call last):",
        "AssertionError: res=<Response [403]>, res.text='403 Forbidden'",
    ]
    verdict = judge_lines(log, explain=True)
    assert verdict.outcome == UNKNOWN
    assert [m.rule for m in verdict.matches] == ["ready line", "voids the ready line"]


@pytest.mark.parametrize(
    "death",
    [
        "llama-server: src/llama-sampler.cpp:1094: void llama_sampler_dist_apply(llama_sampler*,"
        " llama_token_data_array*): Assertion `found' failed.",
        "zsh: abort      ./run-server-glm",
        "./start.sh: line 12:  4242 Segmentation fault      (core dumped) ./llama-server -m model.gguf",
        "backend stderr: terminate called after throwing an instance of 'std::runtime_error'",
        "Segmentation fault (core dumped)",
        "Fatal Python error: Aborted",
        "terminate called after throwing an instance of 'std::runtime_error'",
    ],
)
def test_a_process_that_dies_after_its_ready_line_is_not_ready(death: str) -> None:
    answered = "srv  log_server_r: done request: POST /completion 127.0.0.1 200"
    assert classify_lines([answered])[0] == READY
    assert classify_lines([answered, death])[0] == UNKNOWN


def test_ollama_is_ready_when_its_api_answers_until_a_model_request_fails() -> None:
    head = '[GIN] 2025/11/05 - 13:24:14 | 200 |     110.535µs |       127.0.0.1 | HEAD     "/"'
    show = '[GIN] 2024/09/13 - 09:19:05 | 200 |   30.521045ms |       127.0.0.1 | POST     "/api/show"'
    failed = '[GIN] 2025/11/05 - 13:24:42 | 500 |  5.481717864s |       127.0.0.1 | POST     "/api/generate"'
    assert classify_lines([head, show])[0] == READY
    assert classify_lines([head, show, failed])[0] == UNKNOWN
    missing = '[GIN] 2025/11/05 - 13:24:42 | 404 |  5.4ms |       127.0.0.1 | POST     "/api/generate"'
    assert classify_lines([head, missing])[0] == READY


def test_a_model_that_failed_to_load_stays_the_verdict_while_ollamas_api_answers() -> None:
    """Ollama 0.30 runs llama.cpp's server; its death is the verdict, whatever the API answers after it."""
    load_failed = (
        'time=2026-07-21T11:33:06.751+08:00 level=INFO source=sched.go:651 msg="Load failed"'
        ' model=/models/blobs/sha256-65 error="llama-server process has terminated: signal: aborted"'
    )
    head = '[GIN] 2026/07/21 - 11:33:13 | 200 |      19.567µs |       127.0.0.1 | HEAD     "/"'
    assert classify_lines([load_failed, head])[0] == "engine_failed"


def test_a_server_up_on_a_machine_its_gpu_build_cannot_use_is_not_ready() -> None:
    cpu_only = [
        'level=INFO source=routes.go:1810 msg="Listening on 127.0.0.1:11434 (version 0.21.0)"',
        'level=INFO source=types.go:60 msg="inference compute" id=cpu library=cpu compute=""',
    ]
    assert classify_lines(cpu_only)[0] == "no_device"
    too_new = [
        "NVIDIA GeForce RTX 5090 with CUDA capability sm_120 is not compatible with the current PyTorch installation.",
        "* Running on local URL:  http://127.0.0.1:6969",
    ]
    assert classify_lines(too_new)[0] == "config_error"


@pytest.mark.parametrize(
    "healthy",
    [
        "2025-01-10 10:00:05 INFO     Loading VAD model on CPU",
        "Moving model to CPU",
        "[0] Aborted request chatcmpl-8d2c1a after the client disconnected",
        "WARNING 01-10 10:00:00 huggingface_hub.utils._http: '(MaxRetryError("
        "\"HTTPSConnectionPool(host='hf-mirror.com', port=443): Read timed out. (read timeout=10)\"),"
        " '(Request ID: 1234)')' thrown while requesting HEAD"
        " https://hf-mirror.com/Qwen/Qwen2.5-7B-Instruct/resolve/main/config.json",
        "2024-12-19T11:32:09+08:00 - gpustack.worker.worker_manager - WARNING - RPC server for GPU 0 is not running,"
        " pid 12608, restarting.",
        "2026-05-08 11:45:00.100 [Info] (WrappedServer) llama-server process has terminated with exit code: 0",
        "agent step 3: tool call answered with Error: max retries exceeded: timeout",
        "INFO: weight file does not exist, converting the checkpoint first",
    ],
)
def test_lines_a_healthy_server_prints_do_not_spoil_its_ready_line(healthy: str) -> None:
    """Helpers put on the CPU on purpose, a client's aborted request, a download retry that may succeed, a
    supervised restart, a planned unload."""
    assert classify_lines(["INFO:     Application startup complete.", healthy])[0] == READY
    assert classify_lines([healthy, "INFO:     Application startup complete."])[0] == READY


def test_a_supervised_restart_decides_only_a_log_that_never_became_ready() -> None:
    restart = (
        "2025-03-17T17:33:16+08:00 - gpustack.worker.worker_manager - WARNING - RPC server for GPU 0 is not running,"
        " pid 46228, restarting."
    )
    started = "2025-03-17T17:33:16+08:00 - gpustack.worker.worker_manager - INFO - Started RPC server for GPU 0"
    outcome, match = classify_lines([restart, started])
    assert outcome == "engine_failed" and match is not None and match.family == "gpustack"
    assert classify_lines([restart, "INFO:     Application startup complete."])[0] == READY
    explained = judge_lines([restart, started], explain=True)
    assert [m.family for m in explained.matches] == ["gpustack"]
    assert "only of a log that ends without a ready line" in explained.why


def test_a_job_line_of_the_shell_voids_a_ready_line_in_both_shells() -> None:
    answered = "srv  log_server_r: done request: POST /completion 127.0.0.1 200"
    for death in (
        "[1]    474256 segmentation fault  ./server -m Llama/llama-2-13b-chat.Q4_K_M.gguf --port 8080",
        "[1]+  Segmentation fault      (core dumped) ./server -m model.gguf",
        "[2]-  Aborted                 ./llama-server -m model.gguf",
    ):
        assert classify_lines([answered, death])[0] == UNKNOWN, death


def test_a_padded_level_name_is_not_a_bullet_but_a_hint_list_is() -> None:
    assert classify_lines(["2024-05-01 10:00:00,123 ERROR    - Failed to allocate 2.00 GiB for the model"])[0] == "oom"
    hints = [
        "2026-07-02 09:59:38.002 [Error] (WrappedServer) llama-server process has terminated with exit code: 1",
        "2026-07-02 09:59:38.002 [Error] (WrappedServer) This usually means:",
        "2026-07-02 09:59:38.002 [Error] (WrappedServer)   - Incompatible model file",
    ]
    assert classify_lines(hints)[0] == "engine_failed"


def test_a_debugging_hint_under_a_wrapper_is_not_a_configuration_error() -> None:
    lines = [
        "(EngineCore_DP0 pid=1) ERROR 01-02 03:04:05 [multiproc_executor.py:100] WorkerProc failed to start.",
        "ERROR: Worker initialization failed; please set NCCL_DEBUG=INFO for details",
    ]
    assert classify_lines(lines)[0] == "engine_failed"


def test_the_general_vocabulary_does_not_read_lines_logged_as_warnings() -> None:
    warned = "2025-08-14T02:01:00Z WARN download_artifacts: Download failed: request error: HTTP status 404"
    assert classify_lines([warned])[0] == UNKNOWN
    nccl = "misc/socket.cc:518 NCCL WARN Net : Call to recv from 10.0.0.2<58355> failed : Broken pipe"
    assert classify_lines([nccl])[0] == "comm_error"


def test_grpcs_bind_summary_is_read_by_the_child_error_on_its_line() -> None:
    summary = "E0217 chttp2_server.cc:1063] UNKNOWN:No address added out of total 1 resolved for '10.0.0.9:50051'"
    child = " {{children:[UNKNOWN:Unable to configure socket {{children:"
    child += '[UNKNOWN:{0} {{syscall:"bind", os_error:"{0}"}}]}}]}}'
    assert classify_lines([summary])[0] == "port_in_use"
    assert classify_lines([summary + child.format("Address already in use")])[0] == "port_in_use"
    assert classify_lines([summary + child.format("Cannot assign requested address")])[0] == "config_error"
    assert classify_lines([summary + child.format("Permission denied")])[0] != "port_in_use"


def test_a_programs_own_bug_is_not_read_as_a_configuration_error_but_a_deliberate_key_error_is() -> None:
    bug = "NameError: The name 'x' is not defined, or not supported in graph mode."
    assert classify_lines([bug])[0] == UNKNOWN
    check = "KeyError: \"Unknown GPU architecture: gfx1101. Supported architectures: ['native', 'gfx90a']\""
    assert classify_lines([check])[0] == "config_error"


def test_a_go_panic_after_the_ready_line_voids_it() -> None:
    listening = "2024/01/26 09:54:31 routes.go:950: INFO Listening on 127.0.0.1:11434 (version 0.1.21)"
    for death in ("SIGSEGV: segmentation violation", "panic: runtime error: index out of range [3] with length 3"):
        assert classify_lines([listening, death])[0] == UNKNOWN, death
    recovered = "[Recovery] 2024/01/26 - 09:55:00 panic recovered:"
    assert classify_lines([listening, recovered])[0] == READY


def test_a_fiber_banner_is_ready_only_under_fibers_own_title() -> None:
    url = "2023-06-23 03:13:26  │               http://127.0.0.1:8080               │ "
    title = "2023-06-23 03:13:26  │                   Fiber v2.47.0                   │ "
    assert classify_lines([title, url])[0] == READY
    assert classify_lines([url])[0] == UNKNOWN


def test_a_hub_miss_the_program_answers_by_loading_a_local_copy_is_not_a_model_access_failure() -> None:
    fallback = (
        "Model not found or avail in the huggingface hub. Loading from local path: /root/models/gr00t-n1.5-libero-long"
    )
    assert classify_lines([fallback])[0] == UNKNOWN
    assert classify_lines(["ERROR: Model not found or avail in the huggingface hub."])[0] == "model_access"


def test_a_device_name_outside_the_offered_choices_is_a_configuration_error() -> None:
    line = "ValueError: invalid device name: 0. Please choose from the following: cuda, metal, vulkan, rocm, auto."
    assert classify_lines([line])[0] == "config_error"


def test_a_connection_that_failed_while_starting_is_the_models_fetch_even_where_errno_names_it() -> None:
    traceback = [
        "2025-06-03 22:42:46,485 xinference.core.worker 141 ERROR    Failed to load model FishSpeech-1.5-0",
        "Traceback (most recent call last):",
        '  File "/usr/local/lib/python3.10/dist-packages/urllib3/util/connection.py", line 73, in create_connection',
        "    sock.connect(sa)",
        "TimeoutError: [Errno 110] Connection timed out",
    ]
    assert classify_lines(traceback)[0] == "model_access"
    assert classify_lines(["INFO:     Application startup complete.", *traceback[2:]])[0] == READY


def test_an_errno_that_decides_nothing_leaves_the_lines_words_to_the_general_vocabulary() -> None:
    download = (
        "2026-01-26 20:41:06,074 xinference.model.utils 1 DEBUG    Download failed: [Errno 2] No such file or"
        " directory: '/data/modelscope/hub/._____temp/FunAudioLLM/Fun-ASR-MLT-Nano-2512/images/.gitkeep'"
    )
    assert classify_lines([download])[0] == "model_access"
    launch = "RuntimeError: CUDA error: invalid configuration argument"  # a launch bug, not a configuration
    assert classify_lines([launch])[0] == UNKNOWN
