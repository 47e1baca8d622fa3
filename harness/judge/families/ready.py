"""The lines servers print once they serve, release by release, and the lookalikes they print while
still loading. A ready line may need an earlier line (`after`) or be void after another (`not_after`):
SGLang prints uvicorn's lines before its warm-up request, llama.cpp's 2024 builds announced the
listener before loading the model. Sources: each server's source history and issue threads."""

from __future__ import annotations

from dataclasses import dataclass

SGLANG_MARKER = r"\bServerArgs\(|^\[[\d\- :.]+ TP\d+\] |sglang[./]srt"
"""Lines only SGLang prints while it starts (its server_args dump, per-rank `[... TP0]` lines)."""


UVICORN_RUNNING = (
    r"Uvicorn running on (?:https?://\S+|unix socket \S+|socket (?:\([^()]*\)|\S+)) \(Press CTRL\+C to quit\)"
)
"""uvicorn's line once its socket is bound: a server's own ready line after its process line, weak without it."""


def ollama_gin(status: str, request: str) -> str:
    """Ollama's gin access log line (`[GIN] date | status | latency | client | METHOD "path"`), each field
    bounded by its bars so that a long line costs linear time."""
    return r"\[GIN\] [^|]*\|\s*" + status + r"\s*\|[^|]*\|[^|]*\|\s*" + request


def llama_cpp_request_log(method: str, path: str) -> str:
    """llama.cpp's JSON log of a request answered 2xx (2023-2024 builds, as Ollama's runner), with its keys in
    either order builds printed them (status first, or sorted); `path` is matched up to its closing quote."""
    head = r'"function":"log_server_request".*'
    return (
        rf'{head}"status":2\d\d,"method":"{method}","path":"{path}"'
        rf'|{head}"method":"{method}","msg":"request","params":\{{[^{{}}]*\}},"path":"{path}",.*"status":2\d\d\b'
    )


@dataclass(frozen=True)
class ReadyPattern:
    server: str
    pattern: str
    source: str
    versions: str = ""
    after: str | None = None
    """Counts only once a line matching this was seen."""
    not_after: str | None = None
    """Does not count once a line matching this was seen."""
    example: str = ""
    after_example: str = ""
    """A real line `after` matches, when it is not one of the common ones (uvicorn's, llama.cpp's)."""
    weak: bool = False
    """A line that says less than a server's own ready line (a wording any server may print, or one printed
    whether or not the work succeeded). It does not count once the general vocabulary (or a phrase that
    decides only a log that never became ready) has read anything, and an error line, a model load, a
    supervisor's line, a kill or a traceback after it takes it back; a server's own ready line replaces it.
    A live cell holds it for `WEAK_READY_HOLD` before calling it ready."""


BUILTIN_READY: tuple[ReadyPattern, ...] = (
    ReadyPattern(
        "vLLM, LMDeploy, trtllm-serve, uvicorn apps",
        r"Application startup complete",
        "uvicorn lifespan (uvicorn/lifespan/on.py); vLLM builds its engine before uvicorn starts",
        "vLLM 0.4 to 2026, uvicorn 0.10 to 0.35",
        not_after=SGLANG_MARKER,
        example="(APIServer pid=1) INFO:     Application startup complete.",
    ),
    ReadyPattern(
        "uvicorn apps (vLLM up to 0.7, LMDeploy, Xinference)",
        UVICORN_RUNNING,
        "uvicorn/server.py; a --reload parent prints it before any worker imports the app",
        "uvicorn, vLLM 0.4 to ~0.7",
        after=r"Started server process",
        not_after=SGLANG_MARKER,
        example="INFO:     Uvicorn running on http://0.0.0.0:8000 (Press CTRL+C to quit)",
    ),
    ReadyPattern(
        "uvicorn apps, their process line not in the log",
        UVICORN_RUNNING,
        "uvicorn/server.py, in a log cut below its process line: weak, as a --reload or --workers parent prints it"
        " before its supervisor's line (uvicorn/supervisors: 'Started reloader process', 'Started parent"
        " process'), which takes it back",
        "uvicorn",
        not_after=SGLANG_MARKER,
        weak=True,
        example="INFO:     Uvicorn running on http://0.0.0.0:5000 (Press CTRL+C to quit)",
    ),
    ReadyPattern(
        "vLLM (0.6 on)",
        r"Starting vLLM (?:API )?server(?: \d+| \([\w ]+\))? on (?:https?://|unix:)?\S+"
        r"|(?:\[|\b)launcher\.py:\d+\] (?:Available routes are:|Route: /\S*, Methods: )",
        "vllm/entrypoints/openai/api_server.py run_server_worker and entrypoints/launcher.py serve_http: the"
        " engine is built and the socket bound before either is printed (the file without its bracket before 0.8)",
        "0.6 to 2026 ('API server 0' with --api-server-count, 'vLLM server' in 2026)",
        not_after=SGLANG_MARKER,
        example="(APIServer pid=31) INFO 02-03 19:00:05 [api_server.py:946] Starting vLLM API server 0 on http://0.0.0.0:8000",
    ),
    ReadyPattern(
        "vLLM multi-port data parallel",
        r"\bStarted DPSupervisor on \S+:\d+",
        "vllm-project/vllm dp_supervisor.py (0.30 on): printed once the data-parallel servers it launched are ready;"
        " an earlier version printed it before launching them, so it counts only after its wait for them",
        "0.30 to 2026",
        after=r"Waiting for vLLM DP Servers to become ready",
        after_example="(DPSupervisor pid=1) INFO 09-01 09:58:00 [dp_supervisor.py:372] Waiting for vLLM DP Servers to"
        " become ready.",
        example="(DPSupervisor pid=1) INFO 09-01 10:00:00 [dp_supervisor.py:363] Started DPSupervisor on 0.0.0.0:8000",
    ),
    ReadyPattern(
        "LMDeploy api_server",
        r"HINT:\s+Please open \s*https?://\S+\s+in a browser for detailed api usage",
        "lmdeploy/serve/openai/api_server.py serve: printed once the engine is built, before uvicorn starts",
        "0.1 to 2026",
        example="HINT:    Please open http://0.0.0.0:23333 in a browser for detailed api usage!!!",
    ),
    ReadyPattern(
        "Ollama, model loaded",
        r"(?:llama runner|llama-server) started in [\d.]+ seconds|msg=\"mlx runner is ready\"",
        "ollama llm/server.go WaitUntilRunning: the runner answers and the model is loaded ('llama-server started"
        " in' since 0.30, when Ollama runs llama.cpp's server; the MLX runner's own line since 0.16)",
        "v0.1.30 to 2026",
        example='time=2025-12-26T00:24:53.722+08:00 level=INFO source=server.go:1376 msg="llama runner started in 24.50 seconds"',
    ),
    ReadyPattern(
        "LocalAI",
        r"LocalAI API is listening! Please connect to the endpoint",
        "mudler/LocalAI core/http/app.go (Fiber's OnListen hook)",
        "v2.10 to 2026",
        example="LocalAI API is listening! Please connect to the endpoint for API documentation. endpoint=http://0.0.0.0:8080",
    ),
    ReadyPattern(
        "LocalAI before v2.10, any Fiber v2 app",
        r"│\s+https?://[\w.\[\]:-]+:\d+\s+│",
        "gofiber/fiber v2 app.go startupMessage: the banner is printed once the listener is bound; LocalAI loads"
        " models when a request asks for one",
        "LocalAI v1 to v2.9",
        after=r"│\s+Fiber v2\.\d+\.\d+\s+│",
        example="2023-06-23 03:13:26  │               http://127.0.0.1:8080               │ ",
        after_example="2023-06-23 03:13:26  │                   Fiber v2.47.0                   │ ",
    ),
    ReadyPattern(
        "KoboldCpp",
        r"Please connect to custom endpoint at https?://\S+",
        "LostRuins/koboldcpp koboldcpp.py: printed after the model is loaded, as the HTTP server starts",
        "1.0 to 2026",
        example="Please connect to custom endpoint at http://localhost:5001",
    ),
    ReadyPattern(
        "ComfyUI",
        r"To see the GUI go to: https?://\S+",
        "comfyanonymous/ComfyUI server.py start_multi_address: printed once the web server listens",
        "2023 to 2026",
        example="[2024-12-15 21:52:20.168] To see the GUI go to: http://0.0.0.0:8188",
    ),
    ReadyPattern(
        "ComfyUI, answering",
        r"\bPrompt executed in [\d.]+ seconds",
        "comfyanonymous/ComfyUI main.py prompt_worker: a queued prompt has run (also under SwarmUI, which runs"
        " ComfyUI as its backend); printed after a failed prompt too, so it is weak",
        "2023 to 2026",
        weak=True,
        example="2026-07-10 20:14:20.668 [Debug] [ComfyUI-0/STDERR] [INFO] Prompt executed in 3.04 seconds",
    ),
    ReadyPattern(
        "Xinference",
        r"Starting Xinference at endpoint: https?://\S+|Xinference successfully started\. Endpoint: https?://\S+",
        "xinference/api/restful_api.py: the supervisor and worker are up; models are launched through the API"
        " (xinference/deploy/local.py's 'successfully started' before 0.6)",
        "0.1 to 2026",
        example="2023-11-21 13:52:58,896 xinference.api.restful_api 50292 INFO     Starting Xinference at endpoint: http://127.0.0.1:9997",
    ),
    ReadyPattern(
        "SGLang",
        r"The server is fired up and ready to roll",
        "sglang/srt/entrypoints/http_server.py, after the warm-up request",
        "2024 to 2026",
        example="[2025-01-01 12:00:00] The server is fired up and ready to roll!",
    ),
    ReadyPattern(
        "TGI",
        r"\btext_generation_router(?:::server)?: router/src/.{0,300}?\bConnected\s*$"
        r'|"message"\s*:\s*"Connected".*"target"\s*:\s*"text_generation_router',
        "text-generation-inference router/src/server.rs (main.rs before 2.1); whatever a log shipper made of the"
        " file and line between them",
        "v0.2 to v3.3",
        example="2024-10-01T12:00:00.000000Z  INFO text_generation_router::server: router/src/server.rs:2387: Connected",
    ),
    ReadyPattern(
        "text-embeddings-inference",
        r"\btext_embeddings_router(?:::(?:http|grpc)::server)?: router/src/[\w/]+\.rs:\d+: Ready\s*$"
        r'|"message"\s*:\s*"Ready".*"target"\s*:\s*"text_embeddings_router',
        "text-embeddings-inference router/src/http/server.rs",
        "v0.2 to v1.9",
        example="2025-01-04T20:38:32.189098Z  INFO text_embeddings_router::http::server: router/src/http/server.rs:1813: Ready",
    ),
    ReadyPattern(
        "Ollama",
        r"Listening on (?:\[[0-9A-Fa-f:.%\w]*\]|[\w.\-]+):\d+ \(version [^)\s]+\)"
        r"|^\d{4}/\d\d/\d\d \d\d:\d\d:\d\d routes\.go:\d+: Listening on \S+:\d+\s*$",
        "ollama server/routes.go Serve (before 0.1.17 it printed no version, with the standard log prefix)",
        "v0.1 to v0.33",
        example='time=2024-08-07T12:00:00.000Z level=INFO source=routes.go:1153 msg="Listening on 127.0.0.1:11434 (version 0.3.4)"',
    ),
    ReadyPattern(
        "llama.cpp server",
        r"(?<!router )(?<!HTTP )\bserver is listening on (?:(?:https?|unix)://)?\S+",
        "llama.cpp tools/server/server.cpp (examples/server before 2025)",
        "Sep 2024 to 2026",
        example="main: server is listening on http://127.0.0.1:8080 - starting the main loop",
    ),
    ReadyPattern(
        "llama.cpp server (2026)",
        r"\bllama_server: listening on (?:https?|unix)://\S+",
        "llama.cpp tools/server/server.cpp, after 'llama_server: model loaded'",
        "2026",
        example="0.12.661.120 I srv  llama_server: listening on http://127.0.0.1:52234",
    ),
    ReadyPattern(
        "MindIE (Ascend)",
        r"\[Start mindie server\] \[success\]",
        "Ascend MindIE Service's daemon: the endpoint is up once the model's workers are initialised",
        "1.0 to 2.x (2024-2025)",
        example="[2025-09-29 10:42:08.994+08:00] [378828] [<HOST>] [system] [server] [Start mindie server] [success]",
    ),
    ReadyPattern(
        "text-generation-webui, answering",
        r"^(?:-->> )?Output generated in [\d.]+ seconds \([\d.]+ tokens/s, \d+ tokens",
        "oobabooga/text-generation-webui modules/text_generation.py generate_reply_HF / _custom: a generation has"
        " come back",
        "2023 to 2026",
        example="Output generated in 8.45 seconds (26.62 tokens/s, 225 tokens, context 3489, seed 1852894012)",
    ),
    ReadyPattern(
        "llama-box (GPUStack's llama.cpp server)",
        r"\bsrv\s+start: server is ready\b",
        "gpustack/llama-box llama-box/server.cpp start(): printed after the model is loaded and the port bound",
        "v0.0.1xx (2025)",
        example="[2025-05-26 08:45:22.122549] I srv                     start: server is ready",
    ),
    ReadyPattern(
        "llama-box, answering",
        r"log_server_response: rid \d+ \| (?:GET|POST) /\S* \S+ \| status 2\d\d\b",
        "gpustack/llama-box llama-box/server.cpp: the response log line of a request it answered",
        "v0.0.1xx (2025)",
        example="4.55.245.156 I srv       log_server_response: rid 279195738 | POST /v1/chat/completions 10.93.231.34:53439"
        " | status 200 | cost 15.99s",
    ),
    ReadyPattern(
        "llama.cpp server (2023-2024)",
        r'"msg":"HTTP server listening"|llama server listening at https?://\S+|\bINFO \[\s*main\] HTTP server listening \|',
        "llama.cpp examples/server/server.cpp (JSON until b3087, then text); some builds printed it before loading"
        " the model, as Ollama's copy of it did",
        "mid-2023 to Sep 2024",
        after=r'"msg":"model loaded"|llama_new_context_with_model|Available slots:',
        example='{"tid":"1","timestamp":1711270965,"level":"INFO","function":"main","line":3524,"msg":"HTTP server listening","port":"8080"}',
    ),
    ReadyPattern(
        "llama.cpp server, model loaded",
        r'\bmain: model loaded\s*$|\bINFO \[\s*main\] model loaded\b|"function":"main".{0,300}?"(?:msg|message)":"model loaded"'
        r"|\bupdate_slots\b.{0,40}\ball slots are idle\b",
        "llama.cpp examples/server then tools/server server.cpp: the model is loaded and the slots wait (the HTTP"
        " listener is bound before or right after, by era); 'all slots are idle' is the main loop's first line",
        "b1823 (2024) to 2026",
        example="main: model loaded",
    ),
    ReadyPattern(
        "Triton Inference Server",
        r'"?Started (?:HTTPService|GRPCInferenceService|Sagemaker HTTPService|Vertex AI HTTPService|Metrics Service)'
        r' at \S+?"?\s*$'
        r"|grpc_server\.cc:\d+\] \"?Ready for RPC '",
        "triton-inference-server/server src/http_server.cc, grpc_server.cc, sagemaker_server.cc,"
        " vertex_ai_server.cc (the endpoints start once the models are loaded; Metrics is the last; verbose: each"
        " handler's 'Ready for RPC')",
        "v2.0 to v2.71",
        example='I0723 14:09:35.070413 1 http_server.cc:4692] "Started HTTPService at 0.0.0.0:8000"',
    ),
    ReadyPattern(
        "OpenVINO Model Server",
        r"Started REST server at \S+|REST server listening on port \d+",
        "openvinotoolkit/model_server src/httpservermodule.cpp, http_server.cpp (started after the models are loaded)",
        "2021 to 2026",
        example="[2024-09-20 16:37:31.757][60][serving][info][httpservermodule.cpp:48] Started REST server at 0.0.0.0:8000",
    ),
    ReadyPattern(
        "GPUStack server",
        r"gpustack\.server\.server - INFO - Serving on \S+",
        "gpustack/gpustack server/server.py: the API is served once migrations and controllers are up",
        "0.4 to 2026",
        example="2025-10-12 00:52:57.618333+08:00 - gpustack.server.server - INFO - Serving on 172.29.70.231:2446.",
    ),
    ReadyPattern(
        "Ollama (0.1.18-0.1.31), model loaded",
        r'source=dyn_ext_server\.go:\d+ msg="Starting llama main loop"'
        r"|\b(?:dyn_)?ext_server(?:_common)?\.go:\d+: (?:INFO )?Starting (?:internal )?llama main loop",
        "ollama llm/dyn_ext_server.go (ext_server_common.go in 0.1.18-0.1.20, with the standard log's prefix"
        " until 0.1.22): the in-process llama.cpp server has its model and slots",
        "0.1.18 to 0.1.31",
        example='time=2024-03-25T10:49:00.526+01:00 level=INFO source=dyn_ext_server.go:162 msg="Starting llama main loop"',
    ),
    ReadyPattern(
        "Infinity",
        r"infinity_emb INFO: ready\b.{0,200}batch_handler\.py:\d+",
        "michaelfeil/infinity libs/infinity_emb batch_handler.py BatchHandler.spawn: 'ready to batch requests.' once"
        " the model is warmed up (rich wraps the message, so only its first word is on the line)",
        "0.0.x",
        example="INFO     2024-01-12 16:09:39,445 infinity_emb INFO: ready   batch_handler.py:242",
    ),
    ReadyPattern(
        "LM Studio server",
        r"\[LM STUDIO SERVER\] Success! HTTP server listening on port \d+",
        "LM Studio's server (lms server start and the app's Developer tab): the OpenAI-compatible API is bound",
        "0.2 to 2026",
        example="[LM STUDIO SERVER] Success! HTTP server listening on port 1234",
    ),
    ReadyPattern(
        "LM Studio server, taking a request",
        r"\[LM STUDIO SERVER\] Running chat completion on conversation with \d+ messages?\.",
        "LM Studio's server: a chat completion request reached a loaded model; weak, as a model loaded on demand may"
        " still fail",
        "0.2 (later releases print no [LM STUDIO SERVER] prefix)",
        weak=True,
        example="[LM STUDIO SERVER] Running chat completion on conversation with 1 messages.",
    ),
    ReadyPattern(
        "Ray Serve",
        r"Application '[^']+' is ready at https?://\S+",
        "ray-project/ray serve/_private/api.py: every deployment of the application has its replicas running",
        "2.7 to 2026",
        example="INFO 2025-08-29 18:02:42,869 serve 519120 -- Application 'default' is ready at http://127.0.0.1:8000/.",
    ),
    ReadyPattern(
        "TensorRT-LLM trtllm-serve (gRPC)",
        r"TensorRT-LLM gRPC server started on \S+|\[TRT-LLM\] \[I\] Server is ready to accept requests",
        "TensorRT-LLM tensorrt_llm/commands/serve.py launch_grpc_server: the LLM is built before the server starts",
        "2025 to 2026",
    ),
    ReadyPattern(
        "any uvicorn app, answering",
        r'(?<!\S)\S+:\d+ - "(?:GET|POST|PUT) /\S* HTTP/[\d.]+" 2\d\d\b',
        'uvicorn access log (`%s - "%s %s HTTP/%s" %d`, also through a logging formatter): a request answered'
        " 2xx means the app is up (SGLang's own warm-up requests excepted)",
        "all",
        not_after=SGLANG_MARKER,
        example='(APIServer pid=1) INFO:     172.18.0.1:49114 - "POST /v1/chat/completions HTTP/1.1" 200 OK',
    ),
    ReadyPattern(
        "any OpenAI-compatible server, answering",
        r'(?<!\S)\S+:\d+ - "POST /v1/\S+ HTTP/[\d.]+" 2\d\d\b',
        "uvicorn access log of an OpenAI-style request answered 2xx: a client's, never a server's own warm-up",
        "all",
        example='INFO:     127.0.0.1:49272 - "POST /v1/audio/speech HTTP/1.1" 200 OK',
    ),
    ReadyPattern(
        "vLLM, serving",
        r"Avg prompt throughput: [\d.]+ tokens/s, Avg generation throughput",
        "vLLM metrics logger: printed once the engine takes requests",
        "0.2 to 2026",
        example="(APIServer pid=1) INFO 06-12 05:47:17 [loggers.py:259] Engine 000: Avg prompt throughput: 2.5 tokens/s, Avg generation throughput: 0.4 tokens/s",
    ),
    ReadyPattern(
        "Ollama, answering",
        ollama_gin("200", r'(?:GET|HEAD|POST)\s+"/'),
        "Ollama's gin access log: the API answered, which it does from the moment it listens (as 'Listening on')",
        "all",
        example='[GIN] 2025/11/05 - 13:24:42 | 200 |  5.481717864s |       127.0.0.1 | POST     "/api/generate"',
    ),
    ReadyPattern(
        "llama.cpp server, answering",
        r"(?:done request|log_server_r: request): (?:GET|POST) \S+ \S+ 2\d\d\b"
        + "|"
        + llama_cpp_request_log("POST", r'/(?:completion|v1/|embedding|infill)[^"]*')
        + "|"
        + llama_cpp_request_log("GET", r"/(?:|index\.html|health|v1/models)"),
        "llama.cpp tools/server/server.cpp log_server_request (JSON request log in 2023-2024 builds, as Ollama's runner;"
        " some builds sort its keys); /health answers 200 only once the model is loaded",
        "2023 to 2026",
        example="srv  log_server_r: done request: POST /v1/chat/completions 192.168.1.147 200",
    ),
    ReadyPattern(
        "vLLM offline (LLM.generate), generating",
        r"^Processed prompts:\s+\d+%\|[^|\n]{0,80}\| *[1-9]\d*/\d+ \[|^Processed prompts: 100%\|",
        "vllm/entrypoints/llm.py _run_engine's progress bar: prompts have come back from the engine (a container that"
        " runs an offline batch or benchmark instead of a server); a bar cut short at 100% still had prompts back",
        "0.2 to 2026",
        example="Processed prompts:  92%|█████████▏| 184/200 [00:53<00:04,  3.62it/s, est. speed input: 1842.76 toks/s]",
    ),
    ReadyPattern(
        "SGLang, serving",
        r"Decode batch[.,] #running-req: \d+",
        "SGLang scheduler log_decode_stats: printed every decode_log_interval steps (40), past the warm-up request",
        "2024 to 2026",
        example="[2025-01-01 12:00:09 TP0] Decode batch. #running-req: 1, #token: 1054, token usage: 0.01, gen throughput (token/s): 95.12, #queue-req: 0",
    ),
    ReadyPattern(
        "text-embeddings-inference, serving",
        r"text_embeddings_router::http::server: router/src/http/server\.rs:\d+: Success\s*$",
        "text-embeddings-inference router: one line per request answered",
        "v1 to v1.9",
    ),
    ReadyPattern(
        "TGI, serving",
        r"text_generation_router(?:::server)?: router/src/(?:main|server)\.rs:\d+: Success\s*$",
        "text-generation-inference router: one line per request answered",
        "v1 to v3",
    ),
    ReadyPattern(
        "llama.cpp, serving",
        r"^(?:(?:llama_print_timings|llama_perf_context_print|common_perf_print):)?\s*prompt eval time =\s+[\d.]+ ms /"
        r"|\bslot print_timing: id\s+\d+ \| task \d+ \| prompt eval time =",
        "llama.cpp print_timing after a request was answered (bare, then with the slot's log prefix), and its perf"
        " print after an offline generation (llama_print_timings, llama_perf_context_print, common_perf_print)",
        "2024 to 2026",
        example="prompt eval time =     203.15 ms /    31 tokens (    6.55 ms per token,   152.60 tokens per second)",
    ),
    ReadyPattern(
        "KoboldCpp, serving",
        r"\b(?:ContextLimit|CtxLimit):\s?\d+/\d+, (?:Amt|Init|Process)",
        "koboldcpp.py: the summary printed after each generation it served",
        "2023 ('ContextLimit: ..., Processing:') to 2026 ('CtxLimit:..., Amt:' / 'Init:')",
        example="ContextLimit: 519/2048, Processing:11.37s (22.3ms/T), Generation:1.19s (118.9ms/T), Total:12.56s (0.80T/s)",
    ),
    ReadyPattern(
        "InvokeAI",
        r"\bInvoke running on https?://\S+ \(Press CTRL\+C to quit\)",
        "invoke-ai/InvokeAI invokeai/app/run_app.py: printed once the app and its model manager are up, as uvicorn"
        " starts serving (3.x printed uvicorn's own line). InvokeAI loads a model only when a generation asks for"
        " it, so this is the end of its start-up, as for ComfyUI",
        "4.x to 6.x",
        example="[2025-04-26 11:09:00,626]::[InvokeAI]::INFO --> Invoke running on http://127.0.0.1:9090 (Press CTRL+C to quit)",
    ),
    ReadyPattern(
        "SD.Next, answering",
        r"\bAPI user=\S+ code=2\d\d http/[\d.]+ POST /sdapi/v1/(?:txt2img|img2img)\b",
        "vladmandic/sdnext modules/api/middleware.py: its API access log of a generation answered (a GET is answered"
        " whether or not a model loaded)",
        "2024 to 2026",
        example="02:29:40-512233 INFO     API user=None code=200 http/1.1 POST /sdapi/v1/txt2img 127.0.0.1 6.5210",
    ),
    ReadyPattern(
        "LocalAI, answering",
        r"^\[[^\]\s]+\]:\d+\s+2\d\d\s+-\s+POST\s+/v1/(?:(?:chat/)?completions|embeddings|audio/|images/)",
        "LocalAI's fiber access log (api/api.go logger): a request that runs a model was answered",
        "2023 to 2024",
        example="[127.0.0.1]:53912  200  -  POST     /v1/chat/completions",
    ),
    ReadyPattern(
        "LocalAI (2.x), answering",
        r"\bINF Success ip=\S+ latency=\S+ method=(?:GET status=200 url=/readyz\b|POST status=2\d\d url=/v1/)",
        "LocalAI core/http/app.go request log (zerolog): its readiness probe answered, or a model request",
        "2.x (2024 to 2025)",
        example='9:53AM INF Success ip=127.0.0.1 latency="43.604µs" method=GET status=200 url=/readyz',
    ),
    ReadyPattern(
        "LM Studio server, serving",
        r"\[LM STUDIO SERVER\] (?:\[[^\]\n]{1,300}\] )?Generated prediction:",
        "LM Studio's server log: a completion was generated and returned",
        "2024 to 2026",
        example="[2024-03-16 13:38:39.184] [INFO] [LM STUDIO SERVER] Generated prediction: {",
    ),
    ReadyPattern(
        "TorchServe, serving",
        r"\bMODEL_METRICS - HandlerTime\.ms:|\bresult=\[METRICS\]HandlerTime\.Milliseconds:",
        "pytorch/serve ts/torch_handler/base_handler.py handle(): HandlerTime is recorded only once the handler"
        " returned its output (TorchServe's own 'Model server started' comes before any model loads)",
        "0.4 to 0.12",
        example="2024-04-24T18:38:48,061 [INFO ] W-9000-res18-pt2_1.0-stdout MODEL_METRICS - HandlerTime.ms:2049.91|#ModelName:res18-pt2,Level:Model",
    ),
    ReadyPattern(
        "gradio apps (text-generation-webui, Stable Diffusion web UIs)",
        r"Running on local URL:\s+https?://\S+",
        "gradio blocks.py launch",
        "gradio 3 to 5",
        example="Running on local URL:  http://127.0.0.1:7860",
    ),
    ReadyPattern(
        "gradio apps, local only",
        r"To create a public link, set `share=True` in `launch\(\)`",
        "gradio blocks.py launch: printed right after the local URL when no share link is made",
        "gradio 3 to 5",
        example="To create a public link, set `share=True` in `launch()`.",
    ),
    ReadyPattern(
        "Fooocus",
        r"App started successful\. Use the app with https?://\S+",
        "lllyasviel/Fooocus webui.py: printed once its gradio app is launched",
        "2.1 to 2.5",
        example="App started successful. Use the app with http://localhost:7865/ or 0.0.0.0:7865",
    ),
    ReadyPattern(
        "TorchServe",
        r"^Model server started\.\s*$",
        "pytorch/serve frontend ModelServer.java main: the inference, management and metrics APIs are bound",
        "0.1 to 0.12",
        example="Model server started.",
    ),
    ReadyPattern(
        "TorchServe worker",
        r"\bState change WORKER_STARTED -> WORKER_MODEL_LOADED\b",
        "pytorch/serve frontend wlm/WorkerThread.java: a worker loaded its model and takes requests",
        "0.1 to 0.12",
        example="2024-04-09T10:35:13,072 [DEBUG] W-9007-PhoneDetection_1.0 org.pytorch.serve.wlm.WorkerThread -"
        " W-9007-PhoneDetection_1.0 State change WORKER_STARTED -> WORKER_MODEL_LOADED",
    ),
    ReadyPattern(
        "mlx-lm server",
        r"Starting httpd at \S+ on port \d+",
        "ml-explore/mlx-lm mlx_lm/server.py run: the model provider is set up and the HTTP server starts serving",
        "0.19 to 2026",
        example="2026-04-18 21:37:42,897 - INFO - Starting httpd at 127.0.0.1 on port 1234...",
    ),
    ReadyPattern(
        "vLLM offline (LLM class)",
        r"\[llm\.py:\d+\] Supported_tasks: \[",
        "vllm-project/vllm vllm/entrypoints/llm.py LLM.__init__: the engine is built and the offline run can generate;"
        " weak, as the generation that follows may still fail",
        "0.9 to 2026",
        weak=True,
        example="INFO 09-24 13:36:14 [llm.py:309] Supported_tasks: ['generate']",
    ),
    ReadyPattern(
        "vLLM offline examples",
        r"^Prompt: (?:'.*'|\".*\"), Generated text: ['\"]",
        "vllm-project/vllm examples/offline_inference (basic.py and its forebears) print each prompt with its"
        " completion once LLM.generate returned: an offline run that generated",
        "0.1 to 2026",
        example="Prompt: 'The future of AI is', Generated text: ' in art and design\\nArtificial intelligence (AI) has"
        " been one of the'",
    ),
    ReadyPattern(
        "DeepSpeed launcher, a rank done",
        r"\[launch\.py:\d+:main\] Process \d+ exits successfully\.",
        "deepspeedai/DeepSpeed deepspeed/launcher/launch.py main: a rank's process returned 0 (a batch or training"
        " job finished); weak, as another rank may still fail (its 'exits with return code' takes it back)",
        "0.9 to 2026",
        weak=True,
        example="[2026-04-13 16:23:59,974] [INFO] [launch.py:367:main] Process 35043 exits successfully.",
    ),
    ReadyPattern(
        "DeepSpeed-Chat, training",
        r"^Model Parameters: [\d.]+ B, Latency: [\d.]+s, TFLOPs: [\d.]+",
        "deepspeedai/DeepSpeedExamples applications/DeepSpeed-Chat dschat/utils/perf.py print_throughput: printed"
        " after each training step that ran; weak, as a later step may fail",
        "2023 to 2026",
        weak=True,
        example="Model Parameters: 6.767 B, Latency: 6.13s, TFLOPs: 5.68, Samples/sec: 0.65, Time/seq 1.53s, Batch"
        " Size: 4, Sequence Length: 432",
    ),
    ReadyPattern(
        "any http.server or werkzeug app, answering",
        r'^\S+ - - \[[^\]]+\] "(?:GET|POST|PUT) /\S* HTTP/[\d.]+" 2\d\d\b',
        "CPython http/server.py BaseHTTPRequestHandler.log_request (mlx-lm's server, Flask's development server"
        " through werkzeug): a request answered 2xx",
        "all",
        example='127.0.0.1 - - [18/Apr/2026 21:39:04] "POST /v1/chat/completions HTTP/1.1" 200 -',
    ),
    ReadyPattern(
        "hypercorn",
        r"Running on (?:https?://\S+|\S+ over (?:https?|quic)) (?:\(QUIC\) )?\(CTRL \+ C to quit\)",
        "hypercorn/asyncio/run.py",
        "0.11 to 0.18",
        example="Running on http://0.0.0.0:8000 (CTRL + C to quit)",
    ),
    ReadyPattern(
        "any server, announcing its address",
        r"^(?!.*(?i:router|proxy|runner|worker|metrics|dashboard|rpc|health|prometheus|debug|profil))(?:"
        r".*?\b(?:[Ss]erver|SERVER|API|[Aa]pp|[Ss]ervice|HTTP|httpd|[Ee]ndpoint|REST|[Gg]ateway|UI)\b[^\n]{0,60}?"
        r"\b(?:[Ll]istening|[Ss]erving|[Rr]unning|[Ss]tarted|[Rr]eady|[Aa]vailable|[Bb]ound|bind)"
        r"(?: and listening)? (?:on|at|to:?) (?:(?:https?|tcp|grpc)://)?(?:\[[0-9A-Fa-f:]*\]|[\w.-]+)?:\d{2,5}\b(?![.:]\d)"
        r"|(?:\S+ ){0,6}[Ll]istening (?:on|at) (?:(?:https?|tcp)://)?(?:\[[0-9A-Fa-f:]*\]|[\w.-]+):\d{2,5}/?\s*$"
        r"|.*?\b[Ss]erving (?:on|at) https?://\S+)",
        "the words servers use once their listener is open (a server, API or app listening, running, serving or"
        " ready at an address), for servers no line above knows; not a router's, proxy's, runner's, worker's or"
        " side listener's (metrics, health, RPC), which open before the model serves",
        "all",
        example="0810 16:46:35 ds4-server: listening on http://127.0.0.1:8000",
        not_after=SGLANG_MARKER,
        weak=True,
    ),
    ReadyPattern(
        "any server, answering",
        r"^(?!.*(?:HTTP Request:|connectionpool|\b(?:GET|POST|HEAD) https?://))(?:"
        r".*?\b(?:GET|POST)\b[^\n]{0,300}?(?:\b[Ss]tatus(?: code)?[=: ]+|\bcode=|HTTP/[\d.]+\"? )2\d\d\b"
        r"|.*?\b(?:[Ss]tatus(?: code)?[=: ]+|\bcode=)2\d\d\b[^\n]{0,300}?\b(?:GET|POST)\b)",
        "an access log line of a request answered 2xx, in the shapes servers print it, for servers no line above"
        " knows; not an HTTP client's log of its own request (httpx's 'HTTP Request: GET https://...', urllib3's"
        " connectionpool), nor SGLang's warm-up request before its own ready line",
        "all",
        example="02:28:12-130753 INFO     API user=None code=200 http/1.1 GET /sdapi/v1/motd 119.147.160.249 0.4232",
        not_after=SGLANG_MARKER,
        weak=True,
    ),
)


@dataclass(frozen=True)
class ReadyVoid:
    """A line after which an earlier ready line no longer counts: the server says it did not come up, or it
    died after coming up, without naming why (that is left to the failure rules, or to the crash)."""

    server: str
    pattern: str
    source: str
    example: str = ""


READY_VOIDS: tuple[ReadyVoid, ...] = (
    ReadyVoid(
        "SGLang",
        r"Initialization failed\. warmup error",
        "sgl-project/sglang entrypoints/http_server.py _wait_and_warmup: uvicorn is up, the server's own first"
        " request failed, and it kills itself",
        example="[2025-10-22 10:29:28] Initialization failed. warmup error: Traceback (most recent call last):",
    ),
    ReadyVoid(
        "Ollama",
        ollama_gin(r"5\d\d", r'POST\s+"/(?:api/(?:chat|generate|embed|embeddings)|v1/)'),
        "Ollama's gin access log: the API was up, but a model request failed on the server's side (the runner did"
        " not load or died)",
        example='[GIN] 2025/11/05 - 13:24:42 | 500 |  5.481717864s |       127.0.0.1 | POST     "/api/generate"',
    ),
    ReadyVoid(
        "any process",
        r"Assertion [`'][^\n]{0,2000}' failed\.\s*$|\bGGML_ASSERT\([^\n]{0,2000}\) failed"
        r"|^(?:.*: )?(?:Aborted|Segmentation fault)(?: \(core dumped\))?\s*$|^(?:.*: )?line \d+: +\d+ (?:Aborted|Segmentation fault)\b"
        r"|(?:^|\s)zsh: (?:abort|segmentation fault)\b"
        r"|^\[\d+\][+-]?\s+(?:\d+ )?(?:abort|segmentation fault|Aborted|Segmentation fault)(?: \(core dumped\))?\s{2,}\S"
        r"|(?:^|\s)Fatal Python error: (?!_enter_buffered_busy)"
        r"|(?:^|\s)terminate called after throwing an instance of",
        "glibc assert(), ggml's abort, the shell's report of a process killed by SIGABRT or SIGSEGV (also as a job,"
        " `[1]    474256 segmentation fault  ./server`), CPython's and"
        " libstdc++'s fatal handlers: the server that said it was ready has died",
        example="llama-server: src/llama-sampler.cpp:1094: void llama_sampler_dist_apply(llama_sampler*,"
        " llama_token_data_array*): Assertion `found' failed.",
    ),
    ReadyVoid(
        "any Go program (Ollama, LocalAI)",
        r"^panic: |^\[signal SIG[A-Z]+: |^SIG(?:SEGV|BUS|ILL|FPE|ABRT|TRAP): [a-z]",
        "the Go runtime's report of a panic nobody recovered (runtime/panic.go printpanics) or of a fatal signal"
        " (runtime/signal_unix.go): the process exits with status 2",
        example="panic: runtime error: invalid memory address or nil pointer dereference",
    ),
)
