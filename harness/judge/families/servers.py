"""The serving programs' own wordings: vLLM, SGLang, TGI, Ollama, and the argument parsers they use."""

from __future__ import annotations

from harness.judge.families import Family, Phrase
from harness.outcomes import CONFIG_ERROR, ENGINE_FAILED, KV_CACHE_INSUFFICIENT, MODEL_ACCESS, NO_DEVICE

VLLM_V1_ENGINE = "vLLM v1/engine/utils.py wait_for_engine_startup (intel/llm-scaler#424, vllm-project/vllm#23176)"

VLLM = Family(
    runtime="vllm",
    source="vllm-project/vllm: v1/core/kv_cache_utils.py, config/, v1/engine/, v1/executor/multiproc_executor.py",
    phrases=(
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
        Phrase(r"Failed to infer device type", NO_DEVICE, "vLLM DeviceConfig (vllm-project/vllm#12847, #13946)"),
        Phrase(r"No platform detected, vLLM is running on UnspecifiedPlatform", NO_DEVICE, "vLLM platforms (#12847)"),
        Phrase(
            r"Invalid repository ID or local directory specified", MODEL_ACCESS, "vLLM transformers_utils/config.py"
        ),
        Phrase(r"User-specified max_model_len \(\d+\) is greater than", CONFIG_ERROR, "vLLM config/model.py"),
        Phrase(
            r"must be divisible by (?:tensor|pipeline) parallel size",
            CONFIG_ERROR,
            "vLLM verify_with_parallel_config",
        ),
        Phrase(
            r"ValidationError: \d+ validation errors? for (?:ModelConfig|VllmConfig|CacheConfig"
            r"|ParallelConfig|SchedulerConfig|EngineArgs)",
            CONFIG_ERROR,
            "vLLM pydantic config dataclasses",
        ),
        Phrase(r"Unknown quantization method", CONFIG_ERROR, "vLLM config quantization check"),
        Phrase(r"Engine core initialization failed", ENGINE_FAILED, VLLM_V1_ENGINE),
        Phrase(r"EngineCore failed to start", ENGINE_FAILED, "vLLM v1/engine/core.py (vllm-project/vllm#19002)"),
        Phrase(r"Engine process failed to start", ENGINE_FAILED, "vLLM v0 multiprocessing engine"),
        Phrase(
            r"WorkerProc hit an exception",
            ENGINE_FAILED,
            "vLLM v1/executor/multiproc_executor.py (intel/llm-scaler#424)",
        ),
        Phrase(r"WorkerProc failed to start", ENGINE_FAILED, "vLLM v1/executor/multiproc_executor.py"),
    ),
)

SGLANG = Family(
    runtime="sglang",
    source="sgl-project/sglang: srt/managers/scheduler.py",
    phrases=(Phrase(r"Scheduler hit an exception", ENGINE_FAILED, "SGLang scheduler process"),),
)

TGI = Family(
    runtime="tgi",
    source="huggingface/text-generation-inference: launcher/src/main.rs",
    phrases=(
        Phrase(r"Shard \d+ failed to start", ENGINE_FAILED, "TGI launcher"),
        Phrase(r"error: unexpected argument '", CONFIG_ERROR, "clap, the TGI launcher's argument parser"),
    ),
)

OLLAMA = Family(
    runtime="ollama",
    source="ollama/ollama: llm/server.go",
    phrases=(Phrase(r"llama runner process has terminated", ENGINE_FAILED, "Ollama server"),),
)

ARGPARSE = Family(
    runtime="argparse",
    source="CPython Lib/argparse.py ArgumentParser.error: '<prog>: error: <message>'",
    phrases=(
        Phrase(
            r"^[\w./ -]+: error: (?:unrecognized arguments|argument |the following arguments are required"
            r"|invalid choice)",
            CONFIG_ERROR,
            "argparse 'prog: error:' of vllm serve and SGLang",
        ),
    ),
)

FAMILIES = (VLLM, SGLANG, TGI, OLLAMA, ARGPARSE)
