"""The serving programs' own wordings: vLLM, SGLang, TGI, Ollama, llama.cpp, text-embeddings-inference,
and the argument parsers they use."""

from __future__ import annotations

from harness.judge.families import Family, Phrase
from harness.outcomes import (
    CONFIG_ERROR,
    ENGINE_FAILED,
    KV_CACHE_INSUFFICIENT,
    MODEL_ACCESS,
    NO_DEVICE,
    OOM,
    PORT_IN_USE,
)

VLLM_V1_ENGINE = "vLLM v1/engine/utils.py wait_for_engine_startup (intel/llm-scaler#424, vllm-project/vllm#23176)"

VLLM = Family(
    runtime="vllm",
    source="vllm-project/vllm: v1/core/kv_cache_utils.py, config/, worker/, v1/engine/, v1/executor/multiproc_executor.py",
    phrases=(
        Phrase(
            r"Model architectures? \[.*\] (?:are|is) not supported",
            CONFIG_ERROR,
            "vLLM model_executor/models/registry.py (the image's vLLM does not know the model)",
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
            r"max seq len \(\d+\) is larger than the maximum number of tokens that can be stored in KV cache",
            KV_CACHE_INSUFFICIENT,
            "vLLM v0 worker raise_if_cache_size_invalid",
        ),
        Phrase(
            r"Free memory on device \S+ \([\d.]+/[\d.]+ GiB\) on startup is less than desired GPU memory utilization",
            OOM,
            "vLLM v1/worker/utils.py request_memory (another process holds the GPU's memory)",
        ),
        Phrase(r"Failed to infer device type", NO_DEVICE, "vLLM DeviceConfig (vllm-project/vllm#12847, #13946)"),
        Phrase(r"No platform detected, vLLM is running on UnspecifiedPlatform", NO_DEVICE, "vLLM platforms (#12847)"),
        Phrase(
            r"Invalid repository ID or local directory specified", MODEL_ACCESS, "vLLM transformers_utils/config.py"
        ),
        Phrase(
            r"Could not detect config format for no config file found",
            MODEL_ACCESS,
            "vLLM transformers_utils/config.py get_config",
        ),
        Phrase(r"User-specified max_model_len \(\d+\) is greater than", CONFIG_ERROR, "vLLM config/model.py"),
        Phrase(
            r"must be divisible by (?:tensor|pipeline) parallel size", CONFIG_ERROR, "vLLM verify_with_parallel_config"
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
            r"WorkerProc hit an exception",
            ENGINE_FAILED,
            "vLLM v1/executor/multiproc_executor.py (intel/llm-scaler#424)",
        ),
        Phrase(r"WorkerProc failed to start", ENGINE_FAILED, "vLLM v1/executor/multiproc_executor.py"),
        Phrase(r"EngineDeadError: EngineCore encountered an issue", ENGINE_FAILED, "vLLM v1/engine/exceptions.py"),
        Phrase(r"failed \(engine dead\)", ENGINE_FAILED, "vLLM v1/engine/async_llm.py"),
    ),
)

SGLANG = Family(
    runtime="sglang",
    source="sgl-project/sglang: srt/managers/scheduler.py, srt/model_executor/model_runner.py, srt/entrypoints/engine.py",
    phrases=(
        Phrase(r"Scheduler hit an exception", ENGINE_FAILED, "SGLang scheduler process"),
        Phrase(r"Received sigquit from a child proces", ENGINE_FAILED, "SGLang entrypoints/engine.py sigquit_handler"),
        Phrase(
            r"max_total_tokens=\d+ is larger than the profiled value -\d+",
            KV_CACHE_INSUFFICIENT,
            "SGLang model_runner profile_max_num_token (a negative KV budget)",
        ),
        Phrase(r"leave no GPU memory for the KV cache", KV_CACHE_INSUFFICIENT, "SGLang model_runner (2026)"),
    ),
)

TGI = Family(
    runtime="tgi",
    source="huggingface/text-generation-inference: launcher/src/main.rs, server/text_generation_server/models/",
    phrases=(
        Phrase(r"Shard \d+ failed to start", ENGINE_FAILED, "TGI launcher"),
        Phrase(r"Method Warmup encountered an error", ENGINE_FAILED, "TGI launcher"),
        Phrase(r"text_generation_router\S*: .*Server error:", ENGINE_FAILED, "TGI router client (the shard is gone)"),
        Phrase(r"Not enough memory to handle \d+ prefill tokens", OOM, "TGI flash_causal_lm.py warmup"),
        Phrase(
            r"error: (?:unexpected argument|invalid value|unrecognized subcommand) '|error: the following required arguments were not provided",
            CONFIG_ERROR,
            "clap, the argument parser of the TGI and TEI launchers",
        ),
    ),
)

OLLAMA = Family(
    runtime="ollama",
    source="ollama/ollama: llm/server.go, server/images.go, discover/gpu.go, server/routes.go",
    phrases=(
        Phrase(r"llama runner process (?:has terminated|no longer running)", ENGINE_FAILED, "Ollama llm/server.go"),
        Phrase(r"pull model manifest: (?:file does not exist|.*not found)", MODEL_ACCESS, "Ollama server/images.go"),
        Phrase(r'msg="no compatible GPUs were discovered"', NO_DEVICE, "Ollama discover/gpu.go"),
        Phrase(r'"total vram"="0 B"', NO_DEVICE, "Ollama server/routes.go low-VRAM mode without a GPU"),
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
            r"gguf_init_from_file(?:_impl)?: failed to (?:read magic|open)|llama_model_loader: failed to load model from",
            MODEL_ACCESS,
            "ggml gguf.cpp, llama-model-loader.cpp",
        ),
        Phrase(r"couldn't bind HTTP server socket", PORT_IN_USE, "llama.cpp tools/server/server.cpp"),
        Phrase(r"no usable GPU found", NO_DEVICE, "llama.cpp common/arg.cpp"),
    ),
)

TEI = Family(
    runtime="tei",
    source="huggingface/text-embeddings-inference: router/src/lib.rs",
    phrases=(Phrase(r"Error: Could not create backend", ENGINE_FAILED, "text-embeddings-inference router"),),
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

FAMILIES = (VLLM, SGLANG, TGI, OLLAMA, LLAMA_CPP, TEI, ARGPARSE)
