"""The serving programs' own wordings: vLLM, SGLang, TGI, Ollama, llama.cpp, text-embeddings-inference,
Xinference, LocalAI, and the argument parsers they use."""

from __future__ import annotations

from harness.judge.families import Family, Phrase, Raised
from harness.outcomes import (
    COMM_ERROR,
    CONFIG_ERROR,
    ENGINE_FAILED,
    KV_CACHE_INSUFFICIENT,
    MODEL_ACCESS,
    NO_DEVICE,
    OOM,
    PORT_IN_USE,
)

DIVISIBLE = (
    r"(?:must be|is not|not|isn't) (?:evenly )?divisible by .{0,40}"
    r"(?:tensor[ _-]?parallel|\btp[ _]size|num_shards|world[ _]size|pipeline[ _-]?parallel|\bpp[ _]size)"
)
"""How vLLM, TGI and SGLang refuse a parallel size that does not split the model's heads or layers."""

VLLM_V1_ENGINE = "vLLM v1/engine/utils.py wait_for_engine_startup (intel/llm-scaler#424, vllm-project/vllm#23176)"

VLLM = Family(
    runtime="vllm",
    source="vllm-project/vllm: v1/core/kv_cache_utils.py, config/, worker/, v1/engine/, v1/executor/multiproc_executor.py;"
    " vllm-project/vllm-omni engine/",
    phrases=(
        Phrase(
            r"\[(?:Async)?OmniEngine\] (?:Stage initialization failed|Orchestrator thread crashed)",
            ENGINE_FAILED,
            "vLLM-Omni engine/async_omni_engine.py and omni_engine_base.py: a stage of the pipeline did not start, or"
            " the thread that drives the stages died (the cause, if any, is in the traceback)",
            example="(APIServer pid=6582) ERROR 05-07 18:37:29 [async_omni_engine.py:1022] [AsyncOmniEngine] Stage"
            " initialization failed; shutting down 0 initialized client(s)",
        ),
        Phrase(
            r"Model architectures? \[.*\] (?:are|is) not supported",
            CONFIG_ERROR,
            "vLLM model_executor/models/registry.py (the image's vLLM does not know the model)",
        ),
        Phrase(
            r"Cannot find the config file for (?:awq|gptq|fp8|bitsandbytes|compressed-tensors|modelopt|\w+_?quant\w*)\b",
            CONFIG_ERROR,
            "vLLM model_executor/model_loader/weight_utils.py get_quant_config: the quantization asked for is not the"
            " checkpoint's",
            example="ValueError: Cannot find the config file for awq",
        ),
        Phrase(
            r"max_num_batched_tokens \(\d+\) is smaller than max_model_len",
            CONFIG_ERROR,
            "vLLM SchedulerConfig.verify_args",
        ),
        Phrase(
            r"Quantization method specified in the model config \(\S+\) does not match",
            CONFIG_ERROR,
            "vLLM ModelConfig._verify_quantization",
        ),
        Phrase(
            r"--enable-auto-tool-choice.* requires --tool-call-parser|is not a valid tool call parser|Invalid (?:tool|reasoning) parser",
            CONFIG_ERROR,
            "vLLM serve argument checks",
        ),
        Phrase(
            r"To serve at least one request with the models?'s? max seq len",
            KV_CACHE_INSUFFICIENT,
            "vLLM v1/core/kv_cache_utils.py check_enough_kv_cache_memory (intel/llm-scaler#424)",
        ),
        Phrase(r"No available memory for the cache blocks", KV_CACHE_INSUFFICIENT, "vLLM v1/core/kv_cache_utils.py"),
        Phrase(
            r"Available KV cache memory: -\d",
            KV_CACHE_INSUFFICIENT,
            "vLLM v1/worker/gpu_worker.py determine_available_memory: the weights and activations left less than"
            " nothing for the KV cache (the check that fails next says so in words)",
            example="(EngineCore_DP0 pid=563) INFO 12-23 23:34:23 [gpu_worker.py:298] Available KV cache memory: -2.77 GiB",
        ),
        Phrase(
            r"Cannot provide a placement group of .{0,2000}? within \d+ seconds",
            NO_DEVICE,
            "vLLM executor/ray_utils.py _wait_until_pg_ready: the Ray cluster never showed the GPUs the cell asks for",
            example="ValueError: Cannot provide a placement group of placement_group_specs=[{'GPU': 1.0}, {'GPU': 1.0}] within 1800"
            " seconds. See `ray status` to make sure the cluster has enough resources.",
        ),
        Phrase(
            r"max seq len \(\d+\) is larger than the maximum number of tokens that can be stored in KV cache",
            KV_CACHE_INSUFFICIENT,
            "vLLM v0 worker raise_if_cache_size_invalid",
        ),
        Phrase(
            r"Free memory on device(?: \S+)? \([\d.]+/[\d.]+ GiB\) on startup is less than desired GPU memory utilization",
            OOM,
            "vLLM v1/worker/utils.py request_memory (another process holds the GPU's memory)",
        ),
        Phrase(r"Failed to infer device type", NO_DEVICE, "vLLM DeviceConfig (vllm-project/vllm#12847, #13946)"),
        Phrase(r"No platform detected, vLLM is running on UnspecifiedPlatform", NO_DEVICE, "vLLM platforms (#12847)"),
        Phrase(
            r"Invalid repository ID or local directory specified", MODEL_ACCESS, "vLLM transformers_utils/config.py"
        ),
        Phrase(
            r"No supported config format found in",
            MODEL_ACCESS,
            "vLLM transformers_utils/config.py get_config (0.6-0.8): neither config.json nor params.json could be read",
            example="ValueError: No supported config format found in mistralai/Mistral-7B-v0.1",
        ),
        Phrase(
            r"Could not detect config format for no config file found",
            MODEL_ACCESS,
            "vLLM transformers_utils/config.py get_config",
        ),
        Phrase(r"User-specified max_model_len \(\d+\) is greater than", CONFIG_ERROR, "vLLM config/model.py"),
        Phrase(
            DIVISIBLE,
            CONFIG_ERROR,
            "vLLM verify_with_parallel_config, TGI flash_*_modeling.py, SGLang model_config",
            example="ValueError: `num_heads` must be divisible by `num_shards` (got `num_heads`: 71 and `num_shards`: 2",
        ),
        Phrase(
            r"is not supported for the current GPU\. Minimum capability: \d+",
            CONFIG_ERROR,
            "vLLM model_loader _get_quantization_config (vllm-project/vllm 0.4-0.6)",
        ),
        Phrase(
            r"the rest of the memory reserved for KV Cache is -[\d.]+\s*GiB",
            KV_CACHE_INSUFFICIENT,
            "vLLM 0.6-0.8 worker determine_num_available_blocks: the model and activations leave a negative KV budget",
            example="INFO 02-26 09:54:05 worker.py:267] model weights take 5.20GiB; non_torch_memory takes 0.03GiB; PyTorch activation peak memory takes 1.42GiB; the rest of the memory reserved for KV Cache is -1.05GiB.",
        ),
        Phrase(
            r"# (?:GPU|cuda|CUDA|xpu|XPU|npu|NPU|hpu|HPU|tpu|TPU|neuron) blocks: 0\b",
            KV_CACHE_INSUFFICIENT,
            "vLLM 0.2-0.7 executor initialize_cache ('# GPU blocks', '# <device> blocks' from 0.6): profiling left no"
            " memory for a single cache block",
            example="INFO 04-27 10:13:04 llm_engine.py:337] # GPU blocks: 0, # CPU blocks: 2048",
        ),
        Phrase(
            r"ValidationError: \d+ validation errors? for (?:ModelConfig|VllmConfig|CacheConfig"
            r"|ParallelConfig|SchedulerConfig|EngineArgs)",
            CONFIG_ERROR,
            "vLLM pydantic config dataclasses",
        ),
        Phrase(r"Unknown quantization method", CONFIG_ERROR, "vLLM config quantization check"),
        Phrase(
            r"is not supported for quantization method \w+\. Supported dtypes",
            CONFIG_ERROR,
            "vLLM config _get_quantization_config",
        ),
        Phrase(
            r"Bfloat16 is only supported on GPUs with compute capability of at least",
            CONFIG_ERROR,
            "vLLM worker _check_if_gpu_supports_dtype",
        ),
        Phrase(
            r"you should provide the model as a positional argument",
            CONFIG_ERROR,
            "vLLM FlexibleArgumentParser.parse_args",
        ),
        Phrase(
            r"Trying to run tensor parallelization but the model does not support it",
            CONFIG_ERROR,
            "vLLM model_executor/models/transformers.py",
        ),
        Phrase(r"Engine core initialization failed", ENGINE_FAILED, VLLM_V1_ENGINE),
        Phrase(r"EngineCore failed to start", ENGINE_FAILED, "vLLM v1/engine/core.py (vllm-project/vllm#19002)"),
        Phrase(r"Engine process failed to start", ENGINE_FAILED, "vLLM v0 multiprocessing engine"),
        Phrase(
            r"Engine background task failed|AsyncEngineDeadError|Engine iteration timed out",
            ENGINE_FAILED,
            "vLLM v0 engine/async_llm_engine.py (0.4 to 0.6): the engine loop behind the API server stopped",
            example="ERROR 08-15 03:15:55 async_llm_engine.py:56] Engine background task failed",
        ),
        Phrase(
            r"Engine process \(pid \d+\) died|MQLLMEngine is already dead|MQEngineDeadError: Engine loop is not running",
            ENGINE_FAILED,
            "vLLM 0.6-0.8 engine/multiprocessing/client.py and api_server.py (the engine process is gone)",
            example="ERROR 12-01 13:05:02 client.py:282] RuntimeError('Engine process (pid 76) died.')",
        ),
        Phrase(
            r"WorkerProc hit an exception",
            ENGINE_FAILED,
            "vLLM v1/executor/multiproc_executor.py (intel/llm-scaler#424)",
        ),
        Phrase(r"WorkerProc failed to start", ENGINE_FAILED, "vLLM v1/executor/multiproc_executor.py"),
        Phrase(
            r"NUMA binding was requested, but vLLM could not detect",
            CONFIG_ERROR,
            "vLLM utils/numa_utils.py _get_numa_node: --numa-bind asks for a GPU-to-NUMA map this machine does not give",
            example="RuntimeError: NUMA binding was requested, but vLLM could not detect the GPU-to-NUMA topology"
            " automatically. Pass --numa-bind-nodes explicitly or disable --numa-bind.",
        ),
        Phrase(
            r"WorkerProc initialization failed due to an exception in a background process",
            ENGINE_FAILED,
            "vLLM v1/executor/multiproc_executor.py wait_for_ready (and the vllm-ascend fork's copy): a worker died"
            " while starting; its own traceback is the cause",
            example="Exception: WorkerProc initialization failed due to an exception in a background process. See stack"
            " trace for root cause.",
        ),
        Phrase(
            r"Worker proc \S+ died unexpectedly",
            ENGINE_FAILED,
            "vLLM v1/executor/multiproc_executor.py worker monitor",
            example="ERROR 11-08 11:01:29 [multiproc_executor.py:135] Worker proc VllmWorker-3 died unexpectedly, shutting down executor.",
        ),
        Phrase(r"EngineCore encountered a fatal error", ENGINE_FAILED, "vLLM v1/engine/core.py run_engine_core"),
        Phrase(
            r"Got fatal signal from worker processes, shutting down|Worker failed with error .{0,20}please check the stack"
            r" trace above for the root cause",
            ENGINE_FAILED,
            "vLLM v1/engine/core_client.py (a worker process signalled its death) and v1/executor/multiproc_executor.py"
            " collective_rpc (a worker raised)",
            example="CRITICAL 05-19 22:17:53 [core_client.py:359] Got fatal signal from worker processes, shutting down. See"
            " stack trace above for root cause issue.",
        ),
        Phrase(r"EngineDeadError: EngineCore encountered an issue", ENGINE_FAILED, "vLLM v1/engine/exceptions.py"),
        Phrase(r"failed \(engine dead\)", ENGINE_FAILED, "vLLM v1/engine/async_llm.py"),
    ),
    raised=(
        Raised(
            r"/vllm/config/device\.py:__post_init__$",
            NO_DEVICE,
            "vLLM config/device.py DeviceConfig: no platform plugin found a device, so the device type is empty and"
            " torch refuses it ('Device string must not be empty')",
            exceptions="RuntimeError",
            example='File "/venv/lib/python3.10/site-packages/vllm/config/device.py", line 73, in __post_init__',
        ),
        Raised(
            r"/vllm/(?:config(?:\.py|/\w+\.py)|engine/arg_utils\.py|entrypoints/openai/cli_args\.py):",
            CONFIG_ERROR,
            "vLLM config.py (to 0.10), config/ (0.11 on), engine/arg_utils.py, entrypoints/openai/cli_args.py:"
            " the checks of the engine's configuration",
            example='File "/workspace/vllm/config.py", line 260, in verify_with_parallel_config',
        ),
        Raised(
            r"/vllm/(?:platforms/\w+\.py:(?:check_and_update_config|verify_\w+|check_if_supports_dtype)"
            r"|worker/\w+\.py:_check_if_gpu_supports_dtype|model_executor/[\w/]+\.py:_get_quantization_config"
            r"|model_executor/models/registry\.py:)",
            CONFIG_ERROR,
            "vLLM platforms/, worker/worker.py, model_executor/model_loader and models/registry.py: the GPU, dtype,"
            " quantization and architecture checks",
            example='File "/opt/venv/vllm/worker/worker.py", line 189, in _check_if_gpu_supports_dtype',
        ),
        Raised(
            r"/(?:vllm|tpu_inference)/(?:[\w/]+/)?worker/\w+\.py:determine_(?:available_memory|num_available_blocks)$",
            KV_CACHE_INSUFFICIENT,
            "vLLM workers (GPU, TPU, XPU...) profile memory for the KV cache here: the ValueError they raise means"
            " the cache has no room (an assertion there is a profiling bug, not a verdict)",
            exceptions="ValueError",
            example='File "/mnt/disks/tpu-inference/tpu_inference/worker/tpu_worker.py", line 387, in determine_available_memory',
        ),
        Raised(
            r"/vllm/(?:v1/core/kv_cache_utils\.py:_?check_enough_kv_cache_memory|worker/worker\.py:raise_if_cache_size_invalid)$",
            KV_CACHE_INSUFFICIENT,
            "vLLM v1/core/kv_cache_utils.py and the v0 worker: the KV cache does not fit",
            example='File "/usr/local/lib/python3.12/dist-packages/vllm/v1/core/kv_cache_utils.py", line 758, in _check_enough_kv_cache_memory',
        ),
    ),
)

SGLANG = Family(
    runtime="sglang",
    source="sgl-project/sglang: srt/managers/scheduler.py, srt/model_executor/model_runner.py, srt/entrypoints/engine.py",
    phrases=(
        Phrase(r"Scheduler hit an exception", ENGINE_FAILED, "SGLang scheduler process"),
        Phrase(
            r"Exception in run_tp_server:",
            ENGINE_FAILED,
            "SGLang srt/managers/tp_worker.py run_tp_server (0.2-0.3, before the scheduler process): a tensor"
            " parallel worker died",
            example="[23:17:08 TP4] Exception in run_tp_server:",
        ),
        Phrase(r"Received sigquit from a child proces", ENGINE_FAILED, "SGLang entrypoints/engine.py sigquit_handler"),
        Phrase(
            r"Rank \d+ scheduler died during initialization \(exit code: -?\d+\)",
            ENGINE_FAILED,
            "SGLang entrypoints/engine.py _scheduler_died_error (2026): a scheduler process exited before it was ready;"
            " the hint that follows (the OOM killer for -9) is a guess, not a cause",
            example="RuntimeError: Rank 0 scheduler died during initialization (exit code: -3). If exit code is -9 (SIGKILL),"
            " a common cause is the OS OOM killer. Run `dmesg -T | grep -i oom` to check.",
        ),
        Phrase(
            r"Not enough memory\. Please try to increase --mem-fraction-static",
            KV_CACHE_INSUFFICIENT,
            "SGLang srt/model_executor/model_runner.py init_memory_pool: after the weights, no token fits the KV pool",
            example="RuntimeError: Not enough memory. Please try to increase --mem-fraction-static.",
        ),
        Phrase(
            r"max_total_tokens=\d+ is larger than the profiled value -\d+",
            KV_CACHE_INSUFFICIENT,
            "SGLang model_runner profile_max_num_token (a negative KV budget)",
        ),
        Phrase(r"leave no GPU memory for the KV cache", KV_CACHE_INSUFFICIENT, "SGLang model_runner (2026)"),
        Phrase(
            r"port_base at \d+ is not available in \d+ seconds|Port is already in use\. dist_init_port=",
            PORT_IN_USE,
            "SGLang server_args.py / utils port checks: the ports it derives from --port are taken",
            example="[2026-01-06 22:18:57] Port is already in use. dist_init_port=21233 port_base=21234 detokenizer_port=21235",
        ),
    ),
    raised=(
        Raised(
            r"/sglang/srt/(?:server_args\.py|configs/model_config\.py):",
            CONFIG_ERROR,
            "SGLang srt/server_args.py and configs/model_config.py: argument and model checks",
            example='File "/sgl-workspace/sglang/python/sglang/srt/server_args.py", line 412, in __post_init__',
        ),
        Raised(
            r"/sglang/srt/model_executor/model_runner\.py:(?:init_memory_pool|profile_max_num_token)$",
            KV_CACHE_INSUFFICIENT,
            "SGLang model_runner: no memory left for the KV cache pool",
            exceptions="RuntimeError|ValueError",
            example='File "/sgl-workspace/sglang/python/sglang/srt/model_executor/model_runner.py", line 700, in init_memory_pool',
        ),
    ),
)

TGI = Family(
    runtime="tgi",
    source="huggingface/text-generation-inference: launcher/src/main.rs, server/text_generation_server/models/",
    phrases=(
        Phrase(r"Shard \d+ failed to start", ENGINE_FAILED, "TGI launcher"),
        Phrase(r"Method Warmup encountered an error", ENGINE_FAILED, "TGI launcher"),
        Phrase(
            r"\bweight [\w-]+(?:\.[\w-]+)+ does not exist\b",
            CONFIG_ERROR,
            "TGI server/text_generation_server/utils/weights.py get_filename: a weight the model's architecture needs is"
            " not in the checkpoint (its names are not this architecture's, as TEI's 'cannot find tensor')",
            example="RuntimeError: weight language_model.suffix.weight does not exist",
        ),
        Phrase(
            r"text_generation_launcher: Error when initializing model",
            ENGINE_FAILED,
            "TGI server/text_generation_server/server.py serve_inner: the shard's model did not load (the cause is logged"
            " in the traceback after it)",
            example="2024-03-31T18:31:04.932785Z ERROR text_generation_launcher: Error when initializing model",
        ),
        Phrase(r"text_generation_router\S*: .*Server error:", ENGINE_FAILED, "TGI router client (the shard is gone)"),
        Phrase(r"Not enough memory to handle \d+ prefill tokens", OOM, "TGI flash_causal_lm.py warmup"),
        Phrase(
            r"Error: DownloadError|Download encountered an error",
            MODEL_ACCESS,
            "TGI launcher download_convert_model: the weights could not be fetched",
            example="https://github.com/opea-project/GenAIComps/issues/1733: Error: DownloadError",
        ),
        Phrase(
            r"error: (?:unexpected argument|invalid value|unrecognized subcommand) '|error: the following required arguments were not provided",
            CONFIG_ERROR,
            "clap, the argument parser of the TGI and TEI launchers",
        ),
    ),
    raised=(
        Raised(
            r"/text_generation_server/models/__init__\.py:get_model$",
            CONFIG_ERROR,
            "TGI server/text_generation_server/models/__init__.py get_model: unsupported model type or quantization",
            example='File "/opt/conda/lib/python3.10/site-packages/text_generation_server/models/__init__.py", line 224, in get_model',
        ),
    ),
)

OLLAMA = Family(
    runtime="ollama",
    source="ollama/ollama: llm/server.go, server/images.go, discover/gpu.go, server/routes.go",
    phrases=(
        Phrase(
            r"llama runner process (?:has terminated|no longer running)|llama-server process has terminated: ",
            ENGINE_FAILED,
            "Ollama llm/server.go ('llama-server ...: <error>' since 0.30, when Ollama runs llama.cpp's server; other"
            " supervisors of llama-server word its exit their own way)",
            example='msg="Load failed" model=/usr/share/ollama/.ollama/models/blobs/sha256-6540 error="llama-server process'
            ' has terminated: signal: aborted"',
        ),
        Phrase(
            r"failed to decode batch: could not find a kv cache slot",
            KV_CACHE_INSUFFICIENT,
            "Ollama runner/ollamarunner/runner.go (and llamarunner): a request's batch found no room left in the KV"
            " cache, and the runner panics",
            example="panic: failed to decode batch: could not find a kv cache slot (length: 2560)",
        ),
        Phrase(
            r"llama runner exited with error|error starting llama runner",
            ENGINE_FAILED,
            "Ollama llm/llama.go (2023, before llm/server.go): the runner subprocess died while starting",
            example="2023/10/06 15:01:20 llama.go:323: llama runner exited with error: signal: illegal instruction",
        ),
        Phrase(
            r"pull model manifest: (?!412\b)\S",
            MODEL_ACCESS,
            "Ollama server/images.go: the manifest could not be fetched (no such model, or the registry cannot be"
            " reached); 412 is the registry refusing an Ollama too old for the model",
            example='Error: pull model manifest: Get "https://registry.ollama.ai/v2/library/deepseek-r1/manifests/32b":'
            " dial tcp: lookup registry.ollama.ai: no such host",
        ),
        Phrase(
            r'^Error: (?:Head|Get) "https?://[^"\s]*/blobs/sha256[:/]',
            MODEL_ACCESS,
            "Ollama server/download.go: a model blob could not be fetched from the registry or the storage it"
            " redirects to",
            example='Error: Head "https://dd20bb891979d25aebc8bec07b2b3bbc.r2.cloudflarestorage.com/ollama/docker/registry/v2'
            '/blobs/sha256/89/8934d96d3f08982e95922b2b7a2c626a1fe873d7c3b06e8e56d7bc0a1fef9246/data?X-Amz-Algorithm=AWS4"',
        ),
        Phrase(
            r"requires a newer version of Ollama",
            CONFIG_ERROR,
            "Ollama's registry (412 on the manifest) and server/images.go: the model needs a newer Ollama than the image's",
            example="The model you are attempting to pull requires a newer version of Ollama.",
        ),
        Phrase(
            r"this model is not supported by your version of Ollama",
            CONFIG_ERROR,
            "Ollama llm/server.go: the runner exited on an architecture its llama.cpp does not know",
            example="ResponseError: llama runner process has terminated: this model is not supported by your version of"
            " Ollama. You may need to upgrade",
        ),
        Phrase(
            r"sha256-[0-9a-f]{64}-partial(?:-\d+)?: ",
            MODEL_ACCESS,
            "Ollama server/download.go: a model blob's download into its -partial file failed (network or disk)",
            example="Error: close /home/u/.ollama/models/blobs/sha256-667b0c1932bc6ffc593ed1d03f895bf2dc8dc6df21db3042284a6f4416b06a29"
            "-partial: disk quota exceeded",
        ),
        Phrase(r'msg="no compatible GPUs were discovered"', NO_DEVICE, "Ollama discover/gpu.go"),
        Phrase(
            r'msg="error looking up nvidia GPU memory"',
            NO_DEVICE,
            "Ollama gpu/gpu.go (0.1.3x): the CUDA driver gave no context, the runner starts from a CPU build",
            example='level=INFO source=gpu.go:197 msg="error looking up nvidia GPU memory" error="nvcuda failed to get primary device context 800"',
        ),
        Phrase(
            r'msg="no GPU detected"',
            NO_DEVICE,
            "Ollama server/routes.go (0.1.2x): the GPU library did not load, models run on the CPU",
            example='https://github.com/ollama/ollama/issues/3024: level=INFO source=routes.go:1042 msg="no GPU detected"',
        ),
        Phrase(r'"total vram"="0 B"', NO_DEVICE, "Ollama server/routes.go low-VRAM mode without a GPU"),
        Phrase(
            r"Unable to load cudart CUDA management library \S+: cudart init failure: 100\b",
            NO_DEVICE,
            "Ollama gpu/gpu.go (0.1.2x-0.1.3x): the CUDA runtime finds no device (cudaErrorNoDevice, 100), whichever"
            " candidate library it tries; other codes (35, a driver too old for that one library) may pass with the next",
            example='level=INFO source=gpu.go:340 msg="Unable to load cudart CUDA management library'
            ' /tmp/ollama913939083/runners/cuda_v11/libcudart.so.11.0: cudart init failure: 100"',
        ),
        Phrase(
            r"model requires more system memory \([\d.]+ \w+\) than is available",
            OOM,
            "Ollama llm/server.go NewLlamaServer: the host has not the memory the model needs, so it is not loaded",
            example="Error: model requires more system memory (164.8 GiB) than is available (13.4 GiB)",
        ),
        Phrase(
            r'msg="inference compute" id=\S* library=cpu\b',
            NO_DEVICE,
            "Ollama discover/types.go LogDetails: the CPU is listed as the inference compute only when no GPU was found",
            example='time=2026-04-20T17:47:49.215Z level=INFO source=types.go:60 msg="inference compute" id=cpu library=cpu'
            ' compute="" name=cpu description=cpu libdirs=ollama driver=""',
        ),
        Phrase(
            r'msg="server crash \d+ - exit code -?\d+ - respawning"',
            ENGINE_FAILED,
            "Ollama app/lifecycle/server.go (desktop app): the ollama server it started keeps dying",
            example='time=2024-03-04T13:56:53.536+08:00 level=WARN source=server.go:113 msg="server crash 1 - exit code 2 -'
            ' respawning"',
        ),
        Phrase(
            r"\bmodel ['\"][^'\"]+['\"] not found(?:, try pulling it first| \(status code: 404\))",
            MODEL_ACCESS,
            "Ollama server/routes.go (and the ollama-python client's ResponseError): the model was never pulled",
            example="Extraction error: model 'qwen2.5:0.5b' not found (status code: 404)",
        ),
        Phrase(
            r"^Error: max retries exceeded(?:: |$)",
            MODEL_ACCESS,
            "Ollama server/download.go errMaxRetriesExceeded: a model blob's download kept failing (the CLI prints"
            " it under 'pulling <digest>')",
            example="Error: max retries exceeded: EOF",
        ),
        Phrase(
            r'msg="model request too large for system"',
            OOM,
            "Ollama llm/server.go: the model needs more memory than the host's GPUs and RAM have, so it is not"
            " loaded (logged as a warning, then returned as the request's error)",
            example='level=WARN source=server.go:1044 msg="model request too large for system" requested="338.1 GiB"',
        ),
        Phrase(
            r"no nvidia devices detected",
            NO_DEVICE,
            "Ollama gpu/gpu.go (0.1-0.3): the CUDA library loads but lists no GPU, so models run on the CPU",
        ),
        Phrase(
            r'request failed: Get \\?"?https://registry\.ollama\.ai/v2/\S+/manifests/',
            MODEL_ACCESS,
            "Ollama server/images.go makeRequestWithRetry: the model's manifest cannot be fetched",
        ),
    ),
)

LLAMA_CPP = Family(
    runtime="llama_cpp",
    source="ggml-org/llama.cpp: ggml/src/ggml-alloc.c, ggml backends, src/llama-model-loader.cpp, tools/server/server.cpp",
    phrases=(
        Phrase(
            r"failed to allocate \w+ buffer of size|unable to allocate \w+ buffer",
            OOM,
            "ggml-alloc.c and llama-model.cpp",
            example="alloc_tensor_range: failed to allocate CUDA0 buffer of size 151851674624",
        ),
        Phrase(r"unknown model architecture: '", CONFIG_ERROR, "llama.cpp src/llama-model-loader.cpp"),
        Phrase(
            r"unknown pre-tokenizer type: '",
            CONFIG_ERROR,
            "llama.cpp src/llama-vocab.cpp load_pre: the model's tokenizer is newer than this build knows",
            example="llama_model_load: error loading model: error loading model vocabulary: unknown pre-tokenizer type: 'refact'",
        ),
        Phrase(
            r"unknown \(magic, version\) combination: ",
            MODEL_ACCESS,
            "llama.cpp (2023 GGML builds) llama.cpp's llama_file_loader: the file is not in a format this build reads",
            example="error loading model: unknown (magic, version) combination: 46554747, 00000002; is this really a GGML file?",
        ),
        Phrase(
            r"gguf_init_from_file(?:_impl)?: (?:failed to (?:read magic|open)|invalid magic characters)"
            r"|llama_model_loader: failed to load model from",
            MODEL_ACCESS,
            "ggml gguf.cpp, llama-model-loader.cpp (a file that is not GGUF: an HTML page or a cut download)",
            example="https://github.com/TabbyML/tabby/issues/1575: gguf_init_from_file: invalid magic characters 'Inte'",
        ),
        Phrase(
            r"\bget_repo_commit: error: GET failed \(\d+\)|\bget_repo_files: failed to resolve commit for ",
            MODEL_ACCESS,
            "llama.cpp common/download.cpp (-hf, 2025 on): the hub (or its mirror) did not answer for the repository",
            example="https://github.com/vtuber-plan/olah/issues/85: 0.00.073.098 E get_repo_commit: error: GET failed (404):"
            " Sorry, we can't find the page you are looking for.",
        ),
        Phrase(
            r"couldn't bind HTTP server socket(?!.*hostname: /)",
            PORT_IN_USE,
            "llama.cpp tools/server/server.cpp (a unix socket path is not a port)",
        ),
        Phrase(
            r"error loading model: failed to open .*: No such file or directory",
            MODEL_ACCESS,
            "llama.cpp llama.cpp llama_file (2023 builds)",
            example="error loading model: failed to open llama-2-7b-chat.ggmlv3.q5_1.bin: No such file or directory",
        ),
        Phrase(r"no usable GPU found", NO_DEVICE, "llama.cpp common/arg.cpp"),
        Phrase(
            r"--n-gpu-layers \d+ was passed but no GPUs were found; falling back to CPU",
            NO_DEVICE,
            "Mozilla-Ocho/llamafile llama.cpp/common.cpp: GPU layers were asked for and no GPU backend could be loaded",
            example="warning: --n-gpu-layers 9999 was passed but no GPUs were found; falling back to CPU inference",
        ),
        Phrase(
            r"Error: Detected different sycl devices",
            CONFIG_ERROR,
            "intel/ipex-llm's llama.cpp build: mixed SYCL GPUs are refused until ONEAPI_DEVICE_SELECTOR or"
            " SYCL_DEVICE_CHECK=0 is set",
            example="Error: Detected different sycl devices, the performance will limit to the slowest device.",
        ),
        Phrase(
            r"ggml_cuda_init: failed to initialize CUDA: ",
            NO_DEVICE,
            "ggml/src/ggml-cuda/ggml-cuda.cu ggml_cuda_init: the CUDA backend is off, everything runs on the CPU",
            example="ggml_cuda_init: failed to initialize CUDA: unknown error",
        ),
        Phrase(
            r"Remote RPC server crashed or returned malformed response",
            COMM_ERROR,
            "ggml/src/ggml-rpc/ggml-rpc.cpp: the link to a remote rpc-server broke",
            example="/opt/llama.cpp/ggml/src/ggml-rpc/ggml-rpc.cpp:615: Remote RPC server crashed or returned malformed response",
        ),
        Phrase(
            r"error loading model: unexpectedly reached end of file",
            MODEL_ACCESS,
            "llama.cpp (2023 GGML builds) llama_file::read_raw: the model file is shorter than its header says",
            example="error loading model: unexpectedly reached end of file",
        ),
        Phrase(
            r"data is not within the file bounds, model is corrupted or incomplete",
            MODEL_ACCESS,
            "llama.cpp src/llama-model-loader.cpp load_all_data",
            example="llama_model_load: error loading model: tensor 'blk.2.ffn_down.weight' data is not within the file bounds, model is corrupted or incomplete",
        ),
        Phrase(
            r'error while handling argument "',
            CONFIG_ERROR,
            "llama.cpp common/arg.cpp common_params_parse (2025 on)",
            example='https://github.com/janhq/jan/issues/6099: error while handling argument "-c": stoi',
        ),
        Phrase(
            r"llama_kv_cache_init: failed to allocate buffer for kv cache|failed to initialize the context: failed to"
            r" allocate buffer for kv cache",
            KV_CACHE_INSUFFICIENT,
            "llama.cpp src/llama-kv-cache.cpp and llama-context.cpp: the model loaded, its KV cache for n_ctx does not fit",
        ),
        Phrase(
            r"^error: (?:unknown argument|invalid argument|invalid parameter for argument): ",
            CONFIG_ERROR,
            "llama.cpp common/arg.cpp common_params_parse (and gpt_params_parse before it)",
        ),
    ),
)

TEI = Family(
    runtime="tei",
    source="huggingface/text-embeddings-inference: router/src/lib.rs",
    phrases=(
        Phrase(r"Error: Could not create backend", ENGINE_FAILED, "text-embeddings-inference router"),
        Phrase(
            r"Runtime compute cap \d+ is not compatible with compile time compute cap \d+",
            CONFIG_ERROR,
            "text-embeddings-inference backends/candle: the image was built for another GPU generation",
        ),
        Phrase(
            r"Could not start backend: cannot find tensor \S+",
            CONFIG_ERROR,
            "text-embeddings-inference backends/candle: the weights lack the names of the architecture Candle"
            " loads them as, so this model's architecture is not one it supports",
            example="ERROR text_embeddings_backend: backends/src/lib.rs:255: Could not start Candle backend: Could"
            " not start backend: cannot find tensor encoder.layer.0.attention.q_lin.weight",
        ),
    ),
)

XINFERENCE = Family(
    runtime="xinference",
    source="xorbitsai/inference: xinference/core/worker.py, xinference/api/restful_api.py",
    phrases=(
        Phrase(
            r"xoscar\.errors\.ServerClosed|Remote server unixsocket://\S+ closed",
            ENGINE_FAILED,
            "xoscar (Xinference's actor pool): the model's worker process is gone",
            example="xoscar.errors.ServerClosed: Remote server unixsocket:///9961472 closed: 0 bytes read on a total of 11 expected bytes",
        ),
        Phrase(
            r"xinference\.core\.worker .*Failed to load model",
            ENGINE_FAILED,
            "Xinference core/worker.py launch_builtin_model (the model's engine died; its cause is printed by it)",
            example="2026-08-07T18:25:43.623Z ERROR xinference.core.worker pid:41 role:local address:0.0.0.0:26776 node:3d67e2e62a71 Failed to load model qwen3-rep0",
        ),
        Phrase(
            r"xinference\.core\.supervisor .*Worker dead\. address: ",
            ENGINE_FAILED,
            "Xinference core/supervisor.py: a worker stopped answering its heartbeat; the models it held are gone",
            example="2025-02-13 09:16:53,942 xinference.core.supervisor 4404 ERROR Worker dead. address: 127.0.0.1:48208,"
            " influenced models: ['bce-reranker-base_v1-0']",
        ),
    ),
)

LOCALAI_CPU = Phrase(
    r"GPU acceleration is not enabled or supported\. Defaulting to CPU",
    NO_DEVICE,
    "LocalAI aio/entrypoint.sh: the all-in-one image found no GPU",
    example="https://github.com/cinestesia/adhr-enterprise-suite/blob/dcf10498c466ff7eb0c78dc1f3d1c2f8ecf86cc8/localai.log: "
    "GPU acceleration is not enabled or supported. Defaulting to CPU.",
)

LOCALAI = Family(
    runtime="localai",
    source="mudler/LocalAI: pkg/model/initializers.go, core/backend",
    phrases=(
        Phrase(
            r"failed to load model with internal loader|could not load model: rpc error: code = Unavailable"
            r"|\[[\w.-]+\] Fails: ",
            ENGINE_FAILED,
            "LocalAI pkg/model/initializers.go: the backend process died before answering",
            example="7:25AM INF [stablediffusion-ggml] Fails: failed to load model with internal loader: could not load model: rpc error: code = Unavailable desc = error reading from server: EOF",
        ),
        LOCALAI_CPU,
        Phrase(
            r"could not load model: rpc error: code = \w+ desc = stat \S+: no such file or directory",
            MODEL_ACCESS,
            "LocalAI pkg/model/initializers.go: the backend was handed a model path that is not there",
            example="5:38AM INF [whisper] Fails: could not load model: rpc error: code = Unknown desc = stat"
            " /build/models/huggingface:/l3utterfly/phi-2-layla-v1-chatml-gguf/phi-2-layla-v1-chatml-Q8_0.gguf: no such file"
            " or directory",
        ),
    ),
)

RAMALAMA = Family(
    runtime="ramalama",
    source="containers/ramalama ramalama/cli.py and transports: the serving container it started did not answer",
    phrases=(
        Phrase(
            r"Failed to serve model \S+, for ramalama \w+ command",
            ENGINE_FAILED,
            "ramalama serve/run: the llama-server (or vLLM) container failed its health check or exited",
            example="2025-12-09 10:40:29 - ERROR - Failed to serve model llama3, for ramalama run command",
        ),
    ),
)

LMDEPLOY = Family(
    runtime="lmdeploy",
    source="InternLM/lmdeploy: lmdeploy/pytorch/engine/engine.py",
    phrases=(
        Phrase(
            r"Engine main loop stopped",
            ENGINE_FAILED,
            "lmdeploy pytorch engine: the engine's loop ended on an exception",
            example="2024-03-14 09:10:17,407 - lmdeploy - ERROR - Engine main loop stopped.",
        ),
    ),
)

BENTOML = Family(
    runtime="bentoml",
    source="bentoml/BentoML: _internal/runner (runner instantiation in the runner process)",
    phrases=(
        Phrase(
            r"An exception occurred while instantiating runner",
            ENGINE_FAILED,
            "BentoML runner process: the model runner did not start",
            example="2023-07-04T17:56:23+0800 [ERROR] [runner:pt-glm6b2p:1] An exception occurred while instantiating runner 'pt-glm6b2p', see details below:",
        ),
    ),
)

ONNXRUNTIME = Family(
    runtime="onnxruntime",
    source="microsoft/onnxruntime: python/onnxruntime_pybind_state.cc CreateExecutionProviderInstance, onnxruntime_inference_collection.py",
    phrases=(
        Phrase(
            r"Failed to create (?:CUDA|ROCM|TensorRT|MIGraphX|OpenVINO|DML)ExecutionProvider"
            r"|'(?:CUDA|ROCM|TensorRT)ExecutionProvider' is not in available provider names",
            NO_DEVICE,
            "ONNX Runtime: the GPU execution provider could not be created, sessions run on the CPU",
            example="[W:onnxruntime:Default, onnxruntime_pybind_state.cc:861 CreateExecutionProviderInstance] Failed to create CUDAExecutionProvider.",
        ),
        Phrase(
            r"TryGetProviderInfo_(?:CUDA|ROCM)\]"
            r"|LoadLibrary failed with error \d+ \"[^\"]*\" when trying to load \"[^\"]*onnxruntime_providers_(?:cuda|rocm|tensorrt)\.dll",
            NO_DEVICE,
            "ONNX Runtime session/provider_bridge_ort.cc: the GPU provider's library (or the CUDA libraries under it) did"
            " not load, so the session has no GPU provider",
            example="[E:onnxruntime:Default, provider_bridge_ort.cc:1480 TryGetProviderInfo_CUDA] /onnxruntime_src/onnxruntime/"
            "core/session/provider_bridge_ort.cc:1193 onnxruntime::Provider& onnxruntime::ProviderLibrary::Get()"
            " [ONNXRuntimeError] : 1 : FAIL : Failed to load library libonnxruntime_providers_cuda.so",
        ),
        Phrase(
            r"Falling back to \['CPUExecutionProvider'\] and retrying"
            r"|Attempt to set (?:CUDA|ROCM|TensorRT)ExecutionProvider failed\. Current providers: \['CPUExecutionProvider'\]",
            NO_DEVICE,
            "onnxruntime_inference_collection.py _create_inference_session (its 'EP Error' banner), and fastembed's"
            " onnx_model.py: the session was created again with the CPU provider only",
            example="fastembed-gpu  | /usr/local/lib/python3.10/dist-packages/fastembed/common/onnx_model.py:100:"
            " RuntimeWarning: Attempt to set CUDAExecutionProvider failed. Current providers: ['CPUExecutionProvider'].",
        ),
        Phrase(
            r"\b(?:CUDA|ROCM)ExecutionProvider (?:is )?not available\b",
            NO_DEVICE,
            "apps that check onnxruntime.get_available_providers() before creating a session: the installed ONNX"
            " Runtime has no GPU provider, so it runs on the CPU",
            example="⚠️  CUDAExecutionProvider not available — ONNX will fall back to CPU.",
        ),
    ),
)

MPIRUN = Family(
    runtime="open_mpi",
    source="open-mpi/ompi orte/tools/orterun/help-orterun.txt and prte's help-prterun.txt (mpirun, which launches"
    " TensorRT-LLM's and Triton's ranks)",
    phrases=(
        Phrase(
            r"mpirun detected that one or more processes exited with non-zero status"
            r"|mpirun noticed that process rank \d+ with PID \d+ on node \S+ exited on signal"
            r"|Primary job\s+terminated normally, but \d+ process(?:es)? returned",
            ENGINE_FAILED,
            "the launcher reports that a rank exited or was killed (as torchrun's ChildFailedError)",
            example="mpirun detected that one or more processes exited with non-zero status, thus causing",
        ),
    ),
)

TENSORRT_LLM = Family(
    runtime="tensorrt_llm",
    source="NVIDIA/TensorRT-LLM cpp/tensorrt_llm/runtime/worldConfig.cpp and the executor's TLLM_CHECK messages",
    phrases=(
        Phrase(
            r"Assertion failed: mpiSize == tp \* pp",
            CONFIG_ERROR,
            "TensorRT-LLM worldConfig.cpp: the launched MPI world does not match the engine's tensor x pipeline parallelism",
            example="[TensorRT-LLM][ERROR] Assertion failed: mpiSize == tp * pp"
            " (/app/tensorrt_llm/cpp/tensorrt_llm/runtime/worldConfig.cpp:80)",
        ),
        Phrase(
            r"The following component could not be created: KV cache\b",
            KV_CACHE_INSUFFICIENT,
            "TensorRT-LLM PyTorch backend (_torch/pyexecutor/py_executor_creator.py): executor creation ran out of GPU"
            " memory at the KV cache, after the model's weights were placed",
            example="The following component could not be created: KV cache",
        ),
    ),
)

TRITON_SERVER = Family(
    runtime="triton_server",
    source="triton-inference-server/server src/main.cc: the server exits when a model it was told to load did not load",
    phrases=(
        Phrase(
            r"error: creating server: .*failed to load all models",
            ENGINE_FAILED,
            "tritonserver main.cc (--exit-on-error, the default): a backend failed to load its model",
            example="error: creating server: Internal - failed to load all models",
        ),
        Phrase(
            r"model_repository_manager\.cc:\d+\] \"?Poll failed for model directory '[^']*': (?!failed to read text proto)",
            MODEL_ACCESS,
            "tritonserver model_repository_manager.cc: a model directory of the repository holds no model it can load",
            example="E1011 08:02:59.084688 1 model_repository_manager.cc:1919] Poll failed for model directory '1':"
            " unexpected platform type  for 1",
        ),
        Phrase(
            r"unable to find backend library for backend '[^']*'",
            CONFIG_ERROR,
            "tritonserver backend_manager: the model's config names a backend this image does not ship",
            example="E0120 08:28:09.425599 2049 model_lifecycle.cc:654] \"failed to load 'tensorrt_llm' version 1: Invalid"
            " argument: unable to find backend library for backend 'tensorrtllm', try specifying runtime on the model"
            ' configuration."',
        ),
        Phrase(
            r"Poll failed for model directory '[^']*': failed to read text proto"
            r"|Error parsing text-format inference\.ModelConfig",
            CONFIG_ERROR,
            "tritonserver ReadTextProto and libprotobuf: a model's config.pbtxt is not a valid ModelConfig",
            example="[libprotobuf ERROR text_format.cc:335] Error parsing text-format inference.ModelConfig: 29:17:"
            " Expected integer, got: $",
        ),
    ),
)

RAY = Family(
    runtime="ray",
    source="ray-project/ray: python/ray/exceptions.py (RayActorError, ActorDiedError) and the messages of a dead actor",
    phrases=(
        Phrase(
            r"\b(?:RayActorError|ActorDiedError|RayTaskError)\b|The actor died (?:unexpectedly|because of an error raised in its creation task)"
            r"|The actor is dead because its worker process has died",
            ENGINE_FAILED,
            "ray/exceptions.py: the actor (a Ray Serve replica, a vLLM worker) is gone; Ray only lists possible causes",
            example="ray.exceptions.RayActorError: The actor died unexpectedly before finishing this task.",
        ),
        Phrase(
            r"Exception in [Rr]eplica(?: '[^']+'|\([^)]*\)), the replica will be stopped",
            ENGINE_FAILED,
            "ray serve/_private/deployment_state.py: a replica's constructor raised (its traceback follows)",
            example="(ServeController pid=30685) ERROR 2023-10-23 08:06:27,590 controller 30685 deployment_state.py:617 -"
            " Exception in replica 'default#DeployLLM#Ekjjks', the replica will be stopped.",
        ),
    ),
)

ARGPARSE = Family(
    runtime="argparse",
    source="CPython Lib/argparse.py ArgumentParser.error: '<prog>: error: <message>' after the usage",
    phrases=(
        Phrase(
            r"^[\w./ -]+: error: (?:unrecognized arguments|argument |the following arguments are required"
            r"|invalid choice)",
            CONFIG_ERROR,
            "argparse 'prog: error:' of vllm serve and SGLang",
        ),
        Phrase(r"^usage: [\w.-]+(?: [\w.-]+)* \[-h\]", CONFIG_ERROR, "argparse print_usage, printed before the error"),
    ),
)

NIM = Family(
    runtime="nim",
    source="NVIDIA NIM for LLMs: vllm_nvext/utils/caches.py check_cache_dir (the model cache the container downloads into)",
    phrases=(
        Phrase(
            r"Unable to write to NIM_CACHE_PATH",
            MODEL_ACCESS,
            "the model cache cannot be written, so the model cannot be fetched into it",
            example="RuntimeError: Unable to write to NIM_CACHE_PATH (/mnt/models/cache)",
        ),
    ),
)

KSERVE = Family(
    runtime="kserve",
    source="kserve/kserve python/kserve/kserve/model_server.py and model_repository.py",
    phrases=(
        Phrase(
            r"fail to locate model file for model \S+ under dir \S+",
            MODEL_ACCESS,
            "the model server found no model file in its model directory (what the storage initializer should have"
            " put there)",
            example="ERROR:root:fail to locate model file for model sklearn-iris under dir /mnt/models,trying loading from"
            " model repository.",
        ),
    ),
)

KUBERNETES = Family(
    runtime="kubernetes",
    source="kubernetes pkg/kubelet/kuberuntime (the BackOff event of a restarting container) and the harnesses that"
    " watch pods (llm-d-benchmark)",
    phrases=(
        Phrase(
            r"Back-off restarting failed container|\bCrashLoopBackOff\b|Crashed container in pod: ",
            ENGINE_FAILED,
            "the serving container exited and Kubernetes restarts it; its own log says why",
            example="Warning  BackOff  29s (x8 over 104s)  kubelet  Back-off restarting failed container kserve-container in"
            " pod dbp-predictor-7f4b8d4dx6q5_default(4dd91701-b2ab-4441-ae75-dba42264ef38)",
        ),
    ),
)

TORCHSERVE = Family(
    runtime="torchserve",
    source="pytorch/serve ts/model_service_worker.py (the Python backend worker the frontend starts per model)",
    phrases=(
        Phrase(
            r"\bBackend worker process died\b",
            ENGINE_FAILED,
            "the backend worker raised while loading or serving the model; its traceback follows on MODEL_LOG lines",
            example="2023-07-26T11:09:00,267 [INFO ] W-9001-smart_recruit_1_1_0_1.0-stdout MODEL_LOG - Backend worker"
            " process died.",
        ),
    ),
)

FAMILIES = (
    VLLM,
    SGLANG,
    TGI,
    OLLAMA,
    LLAMA_CPP,
    TEI,
    NIM,
    TORCHSERVE,
    KSERVE,
    KUBERNETES,
    XINFERENCE,
    LOCALAI,
    RAMALAMA,
    LMDEPLOY,
    BENTOML,
    ONNXRUNTIME,
    MPIRUN,
    TENSORRT_LLM,
    TRITON_SERVER,
    RAY,
    ARGPARSE,
)
