"""Libraries and applications people run on GPUs beside the big servers: Apple's Metal (through MLX and
PyTorch's MPS), CTranslate2 (faster-whisper), gradio (the web UIs), AUTOMATIC1111's launcher, unsloth, LM
Studio, GPUStack's worker, mlx-lm, Kokoro-FastAPI, Lemonade, InvokeAI, ComfyUI, SD.Next."""

from __future__ import annotations

from harness.judge.families import Family, Phrase
from harness.outcomes import (
    CONFIG_ERROR,
    DEVICE_LOST,
    ENGINE_FAILED,
    KV_CACHE_INSUFFICIENT,
    MODEL_ACCESS,
    NO_DEVICE,
    OOM,
    PORT_IN_USE,
)

METAL = Family(
    runtime="metal",
    source="Apple Metal MTLCommandBufferError as IOGPU reports it (kIOGPUCommandBufferCallbackError*), printed by"
    " ml-explore/mlx mlx/backend/metal/device.cpp ('[METAL] Command buffer execution failed: ...') and ggml's Metal"
    " backend ('error: ...' after 'command buffer N failed with status 5')",
    phrases=(
        Phrase(
            r"Caused GPU (?:Timeout|Hang|Address Fault) Error"
            r"|kIO(?:GPU|Accel)CommandBufferCallbackError(?:Timeout|Hang|PageFault|SubmissionsIgnored|InnocentVictim)",
            DEVICE_LOST,
            "the GPU did not finish the command buffer (timeout, hang or page fault), refuses the process's work"
            " after its earlier GPU errors (SubmissionsIgnored; named kIOAccel* or kIOGPU*), or discarded it while"
            " recovering from another's error (InnocentVictim): the work on it is lost",
            example="error: Ignored (for causing prior/excessive GPU errors)"
            " (00000004:kIOAccelCommandBufferCallbackErrorSubmissionsIgnored)",
        ),
        Phrase(
            r"kIO(?:GPU|Accel)CommandBufferCallbackErrorOutOfMemory",
            OOM,
            "the GPU ran out of memory while executing the command buffer",
            example="[METAL] Command buffer execution failed: Insufficient Memory"
            " (00000008:kIOGPUCommandBufferCallbackErrorOutOfMemory)",
        ),
    ),
)

CTRANSLATE2 = Family(
    runtime="ctranslate2",
    source="OpenNMT/CTranslate2 src/models/model.cc (model files), src/types.cc (compute types)",
    phrases=(
        Phrase(
            r"Unable to open file '[^']+' in model|File \S+ is incomplete: failed to read a buffer",
            MODEL_ACCESS,
            "the converted model's files are missing or truncated",
            example="RuntimeError: File model.bin is incomplete: failed to read a buffer of size 1048576 at position 256247769",
        ),
        Phrase(
            r"This CTranslate2 package was not compiled with CUDA support",
            NO_DEVICE,
            "src/devices.cc: device='cuda' asked of a wheel built without CUDA (macOS, CPU-only builds): no GPU this"
            " runtime can use",
            example="https://github.com/meizhong986/WhisperJAV/issues/110: ValueError: This CTranslate2 package was not"
            " compiled with CUDA support",
        ),
        Phrase(
            r"Requested \w+ compute type, but the target device or backend do not support efficient",
            CONFIG_ERROR,
            "the compute type asked for (float16, int8_float16...) is not one this GPU runs",
            example="ValueError: Requested float16 compute type, but the target device or backend do not support efficient"
            " float16 computation.",
        ),
    ),
)

GRADIO = Family(
    runtime="gradio",
    source="gradio-app/gradio gradio/networking.py start_server",
    phrases=(
        Phrase(
            r"Cannot find empty port in range: \d+-\d+",
            PORT_IN_USE,
            "every port gradio may use (GRADIO_SERVER_PORT or server_port) is taken",
            example="OSError: Cannot find empty port in range: 8080-8080. You can specify a different port by setting the"
            " GRADIO_SERVER_PORT environment variable",
        ),
    ),
)

WEBUI = Family(
    runtime="sd_webui",
    source="AUTOMATIC1111/stable-diffusion-webui modules/launch_utils.py prepare_environment (and its forks)",
    phrases=(
        Phrase(
            r"Torch is not able to use GPU",
            NO_DEVICE,
            "the launcher's torch.cuda.is_available() check",
            example="AssertionError: Torch is not able to use GPU; add --skip-torch-cuda-test to COMMANDLINE_ARGS variable to"
            " disable this check",
        ),
    ),
)

UNSLOTH = Family(
    runtime="unsloth",
    source="unslothai/unsloth unsloth/device_type.py get_device_type",
    phrases=(
        Phrase(
            r"Unsloth currently only works on (?:NVIDIA|AMD|Intel)",
            NO_DEVICE,
            "unsloth found no accelerator torch can use",
            example='raise NotImplementedError("Unsloth currently only works on NVIDIA GPUs and Intel GPUs.")',
        ),
        Phrase(
            r"Unsloth cannot find any torch accelerator",
            NO_DEVICE,
            "unsloth_zoo device_type.py get_device_type (2025 on): torch sees no CUDA, ROCm or XPU device",
            example="NotImplementedError: Unsloth cannot find any torch accelerator? You need a GPU.",
        ),
    ),
)

LM_STUDIO = Family(
    runtime="lm_studio",
    source="LM Studio's llmworker (the engine process that loads a model for its server)",
    phrases=(
        Phrase(
            r"Caused By: Error: Failed to load model|\bLLMEngineWrapper\.load \(",
            ENGINE_FAILED,
            "the engine worker could not load the model; its cause, when printed, comes from the engine (llama.cpp,"
            " MLX)",
            example="- Caused By: Error: Failed to load model",
        ),
        Phrase(
            r"Error: The model has crashed without additional information\. \(Exit code: -?\d+\)",
            ENGINE_FAILED,
            "LM Studio 0.3: the worker process running the model exited (its onChildExit handler)",
            example="- Caused By: Error: The model has crashed without additional information. (Exit code:"
            " 18446744072635812000)",
        ),
        Phrase(
            r"No gpus found without acceleration backend compilation",
            NO_DEVICE,
            "LM Studio's hardware survey (lms, llmster): no engine it has can use a GPU here, so models run on the CPU",
            example='            "message": "No gpus found without acceleration backend compilation!"',
        ),
        Phrase(
            r"cause: 'Error when loading model: ",
            ENGINE_FAILED,
            "LM Studio 0.3.x llmworker: the engine refused the model; the engine's own error follows the prefix",
            example="  cause: 'Error when loading model: ValueError: Gemma 4 support is not ready yet, stay tuned!',",
        ),
        Phrase(
            r"\[Endpoint=loadModel\] Error in channel handler: Error: Error loading model\.",
            ENGINE_FAILED,
            "LM Studio 0.3: the model's worker process exited while loading (raised from its onChildExit handler)",
            example="[2025-02-08 01:29:29.905] [error] [LMSInternal][Client=LM Studio][Endpoint=loadModel] Error in"
            " channel handler: Error: Error loading model.",
        ),
        Phrase(
            r"^\(Exit code: -?\d+\)\. (?:Unknown error\. Try a different model|Please check settings and try loading)",
            ENGINE_FAILED,
            "LM Studio's app, under 'Error loading model.': the engine process that loads the model exited with that code"
            " and left no cause",
            example="(Exit code: 6). Please check settings and try loading the model again.",
        ),
    ),
)

GPUSTACK = Family(
    runtime="gpustack",
    source="gpustack/gpustack worker/worker_manager.py (the worker supervises one llama-box RPC server per GPU)",
    phrases=(
        Phrase(
            r"RPC server for GPU \d+ is not running, pid \d+, restarting",
            ENGINE_FAILED,
            "the worker found the RPC server it started for a GPU gone and starts another: before the server is up,"
            " the GPU's engine died; once it serves, a restart it survives",
            example="2025-03-17T17:33:16+08:00 - gpustack.worker.worker_manager - WARNING - RPC server for GPU 0 is not"
            " running, pid 46228, restarting.",
            unless_ready=True,
        ),
    ),
)

MLX_LM = Family(
    runtime="mlx_lm",
    source="ml-explore/mlx-lm mlx_lm/utils.py _get_classes (the architectures the installed mlx-lm implements)",
    phrases=(
        Phrase(
            r"Model type \S+ not supported\.",
            CONFIG_ERROR,
            "the checkpoint's model_type has no module in this mlx-lm",
            example="ERROR:root:Model type internvl_chat not supported.",
        ),
    ),
)

KOKORO_FASTAPI = Family(
    runtime="kokoro_fastapi",
    source="remsky/Kokoro-FastAPI api/src/main.py lifespan (the device it initialises the TTS model on)",
    phrases=(
        Phrase(
            r"\bInitializing model on cpu\s*$",
            NO_DEVICE,
            "the server put its model on the CPU: torch saw no GPU. Only the whole model's placement is read: healthy"
            " servers put helpers on the CPU on purpose ('Loading VAD model on CPU', 'Moving model to CPU' to offload),"
            " and 'CUDA available: False' is also what an Intel or Apple GPU host prints",
            example="kokoro-tts-1  | 08:21:55 PM | INFO     | Initializing model on cpu",
        ),
    ),
)

LEMONADE = Family(
    runtime="lemonade",
    source="lemonade-sdk/lemonade: the server's router and the wrapped back-end servers it starts (llama-server,"
    " whisper-server, vllm-server)",
    phrases=(
        Phrase(
            r"\((?:Router|Server)\) (?:Retry also failed|Failed to load model): \S+ failed to start"
            r"|\(WrappedServer\) \S+ process has terminated with exit code:? (?!0\b)",
            ENGINE_FAILED,
            "the back-end server it wraps died or never became ready; the cause, if any, is in that server's lines",
            example="2026-05-08 11:50:25.741 [Error] (Router) Failed to load model: vllm-server failed to start within timeout",
        ),
    ),
)

INVOKEAI = Family(
    runtime="invokeai",
    source="invoke-ai/InvokeAI invokeai/app/api_app.py and run_app.py (the torch device it reports at start)",
    phrases=(
        Phrase(
            r"\[InvokeAI\]::INFO --> (?:GPU device = cpu|Using torch device: CPU)\b",
            NO_DEVICE,
            "InvokeAI chose the CPU: torch saw no CUDA or MPS device",
            example="[2023-10-05 01:21:29,458]::[InvokeAI]::INFO --> GPU device = cpu",
        ),
    ),
)

TABBY = Family(
    runtime="tabby",
    source="TabbyML/tabby crates/llama-cpp-server/src/supervisor.rs (the llama-server processes Tabby starts)",
    phrases=(
        Phrase(
            r"llama_cpp_server::supervisor: .*\bllama-server <\w+> exited with status code (?!0\b)-?\d+",
            ENGINE_FAILED,
            "Tabby's supervisor logs (as a warning) that a llama-server it started for completion, chat or embedding"
            " died; it restarts it",
            example="2025-05-10T15:17:27.838517Z  WARN llama_cpp_server::supervisor: crates/llama-cpp-server/src/"
            "supervisor.rs:124: llama-server <embedding> exited with status code 127, args: `Command {",
        ),
    ),
)

VLLM_RS = Family(
    runtime="vllm_rs",
    source="guoqingbao/vllm.rs (the candle-based server behind xinfer) src/server/server.rs and core/scheduler.rs",
    phrases=(
        Phrase(
            r"Remaining \d+ kvcache tokens, but your prompt requires \d+ new tokens",
            KV_CACHE_INSUFFICIENT,
            "the scheduler refuses a request whose prompt does not fit the KV cache blocks left",
            example="2026-04-01T02:59:00.655654Z ERROR vllm_rs::server::server: Stream generation failed: Remaining"
            " 1406272 kvcache tokens, but your prompt requires 1717120 new tokens, please request later!",
        ),
    ),
)

COMFYUI = Family(
    runtime="comfyui",
    source="comfyanonymous/ComfyUI execution.py (the prompt executor's handler of comfy.model_management.OOM_EXCEPTION)",
    phrases=(
        Phrase(
            r"\bGot an OOM, unloading all loaded models\.",
            OOM,
            "printed only when a node raised the torch (or DirectML) out-of-memory exception, whatever its message",
            example="https://github.com/Comfy-Org/ComfyUI/issues/7627: 2025-04-27T21:58:22.876800 - Got an OOM,"
            " unloading all loaded models.",
        ),
    ),
)

SDNEXT = Family(
    runtime="sdnext",
    source="vladmandic/sdnext installer.py check_torch (the launcher that picks a torch build for the GPU it finds)",
    phrases=(
        Phrase(
            r"\bUsing CPU-only torch\b",
            NO_DEVICE,
            "no CUDA, ROCm, ZLUDA, IPEX, OpenVINO or DirectML backend was found or asked for, so the launcher installs"
            " the CPU build of torch",
            example="https://github.com/vladmandic/sdnext/issues/3108: 12:11:51-561950 INFO     Using CPU-only torch",
        ),
    ),
)

FAMILIES = (
    METAL,
    CTRANSLATE2,
    GRADIO,
    WEBUI,
    COMFYUI,
    SDNEXT,
    UNSLOTH,
    LM_STUDIO,
    GPUSTACK,
    MLX_LM,
    KOKORO_FASTAPI,
    LEMONADE,
    INVOKEAI,
    TABBY,
    VLLM_RS,
)
