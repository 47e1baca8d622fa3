"""Failure signatures and ready patterns, as ordered data, and the line-by-line log classifier.

Every built-in pattern is based on a line the program really prints; `source` says where it was
seen (the program's source file or a public issue that pasted the log). Rank orders specificity:
when several signatures match during the settle window, the lowest rank wins, so a root cause
(DEVICE_LOST) beats the wrapper printed after it ("Engine core initialization failed").
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

READY = "ready"
CRASHED = "crashed"
TIMEOUT = "timeout"
ERROR = "error"
UNKNOWN = "unknown"
NOT_RUN = "not_run"


@dataclass(frozen=True)
class Signature:
    name: str
    rank: int
    patterns: tuple[str, ...]
    source: str = ""


@dataclass(frozen=True)
class ReadyPattern:
    server: str
    pattern: str
    source: str


BUILTIN_SIGNATURES: tuple[Signature, ...] = (
    Signature(
        "device_lost",
        10,
        (
            r"UR_RESULT_ERROR_DEVICE_LOST",
            r"ZE_RESULT_ERROR_DEVICE_LOST",
            r"level_zero backend failed with error: 20\b",
            r"CUDA error: an illegal memory access was encountered",
            r"CUDA error: unspecified launch failure",
            r"NVRM: Xid \(",
            r"GPU has fallen off the bus",
            r"Memory access fault by GPU node",
        ),
        "intel/llm-scaler#424 (torch.xpu.synchronize); PyTorch c10/cuda CUDA_CHECK messages; "
        "NVIDIA driver Xid kernel lines; ROCm runtime fault line",
    ),
    Signature(
        "oom",
        20,
        (
            r"\bOutOfMemoryError\b",
            r"\b(?:CUDA|XPU|HIP) out of memory\b",
            r"(?:UR_RESULT|ZE_RESULT)_ERROR_OUT_OF_DEVICE_MEMORY",
            r"Current platform can NOT allocate memory block with size larger than 4GB",
        ),
        "torch.OutOfMemoryError from the CUDA/XPU caching allocators (intel/llm-scaler#578, "
        "intel/torch-xpu-ops#3011); IPEX 4GB allocation limit (intel/intel-extension-for-pytorch#629)",
    ),
    Signature(
        "kv_cache_insufficient",
        30,
        (
            r"To serve at least one request with the models?'s? max seq len",
            r"No available memory for the cache blocks",
            r"max seq len \(\d+\) is larger than the maximum number of tokens that can be stored in KV cache",
        ),
        "vLLM v1/core/kv_cache_utils.py check_enough_kv_cache_memory (intel/llm-scaler#424); "
        "vLLM v0 worker raise_if_cache_size_invalid",
    ),
    Signature(
        "no_device",
        40,
        (
            r"No CUDA GPUs are available",
            r"Found no NVIDIA driver on your system",
            r"Failed to infer device type",
            r"No platform detected, vLLM is running on UnspecifiedPlatform",
            r"(?:PI_ERROR|UR_RESULT_ERROR)_DEVICE_NOT_FOUND",
        ),
        "vLLM platform detection (vllm-project/vllm#12847, #13946); torch.cuda lazy init; SYCL runtime",
    ),
    Signature(
        "model_access",
        50,
        (
            r"GatedRepoError|Cannot access gated repo",
            r"RepositoryNotFoundError|Repository Not Found for url",
            r"401 Client Error",
            r"Invalid repository ID or local directory specified",
            r"does not appear to have a file named config\.json",
            r"HFValidationError",
            r"We couldn't connect to 'https://huggingface\.co'",
        ),
        "huggingface_hub errors; transformers configuration_utils; vLLM transformers_utils/config.py",
    ),
    Signature(
        "port_in_use",
        60,
        (r"[Aa]ddress already in use", r"\bEADDRINUSE\b"),
        "uvicorn '[Errno 98] error while attempting to bind on address'; torch.distributed TCPStore "
        "'The server socket has failed to listen ... EADDRINUSE'",
    ),
    Signature(
        "config_error",
        70,
        (
            r"^[\w./ -]+: error: (?:unrecognized arguments|argument |the following arguments are required"
            r"|invalid choice)",
            r"error: unexpected argument '",
            r"User-specified max_model_len \(\d+\) is greater than",
            r"must be divisible by (?:tensor|pipeline) parallel size",
            r"ValidationError: \d+ validation errors? for (?:ModelConfig|VllmConfig|CacheConfig"
            r"|ParallelConfig|SchedulerConfig|EngineArgs)",
            r"Unknown quantization method",
        ),
        "argparse 'prog: error:' (vllm serve, SGLang); clap (TGI launcher); vLLM config.py checks",
    ),
    Signature(
        "comm_error",
        80,
        (
            r"NCCL error",
            r"\bnccl(?:UnhandledCuda|System|Internal|InvalidArgument|InvalidUsage|Remote)Error\b",
            r"Watchdog caught collective operation timeout",
            r"\|CCL_ERROR\|",
            r"oneCCL: .*EXCEPTION",
            r"Gloo connectFullMesh failed",
            r"gloo.*Connection (?:reset|closed) by peer",
            r"DistStoreError: Timed out",
        ),
        "torch ProcessGroupNCCL; oneCCL |CCL_ERROR| log prefix (vllm-project/vllm#14612, #10109); gloo",
    ),
    Signature(
        "engine_failed",
        90,
        (
            r"Engine core initialization failed",
            r"EngineCore failed to start",
            r"Engine process failed to start",
            r"WorkerProc hit an exception",
            r"WorkerProc failed to start",
            r"Scheduler hit an exception",
            r"Shard \d+ failed to start",
            r"llama runner process has terminated",
        ),
        "vLLM v1 engine/utils.py wait_for_engine_startup and multiproc_executor.py (intel/llm-scaler#424, "
        "vllm-project/vllm#17618); SGLang scheduler; TGI launcher; Ollama server",
    ),
)

BUILTIN_READY: tuple[ReadyPattern, ...] = (
    ReadyPattern("vLLM / uvicorn", r"Application startup complete", "uvicorn lifespan, printed by every vLLM"),
    ReadyPattern("vLLM / uvicorn", r"Uvicorn running on https?://", "uvicorn server startup"),
    ReadyPattern("SGLang", r"The server is fired up and ready to roll", "sglang/srt/entrypoints/http_server.py"),
    ReadyPattern("TGI", r"text_generation_router.*\bConnected\s*$", "TGI router/src/server.rs"),
    ReadyPattern("Ollama", r"Listening on \S+ \(version", "ollama server/routes.go"),
)


def merge_signatures(overrides: Iterable[tuple[str, Sequence[str], int | None]]) -> tuple[Signature, ...]:
    """Built-ins with the matrix's additions and overrides (same name replaces patterns), by rank."""
    by_name = {sig.name: sig for sig in BUILTIN_SIGNATURES}
    for name, patterns, rank in overrides:
        current = by_name.get(name)
        if current is None:
            by_name[name] = Signature(name, 0 if rank is None else rank, tuple(patterns), "matrix file")
        else:
            new_rank = current.rank if rank is None else rank
            by_name[name] = replace(current, patterns=tuple(patterns), rank=new_rank, source="matrix file")
    return tuple(sorted(by_name.values(), key=lambda sig: sig.rank))


@dataclass(frozen=True)
class Match:
    """A log line that decided (or may decide) a verdict."""

    name: str
    rank: int
    line_no: int
    line: str


class LogClassifier:
    """Feeds on log lines one at a time and remembers the first ready line and the best failure."""

    def __init__(self, signatures: Sequence[Signature], ready_patterns: Sequence[str]) -> None:
        self._signatures = [(sig, [re.compile(p) for p in sig.patterns]) for sig in signatures]
        everything = [p for sig in signatures for p in sig.patterns] + list(ready_patterns)
        self._any = re.compile("|".join(f"(?:{p})" for p in everything)) if everything else None
        self._ready = [re.compile(p) for p in ready_patterns]
        self.line_no = 0
        self.failure: Match | None = None
        self.ready: Match | None = None

    def feed(self, line: str) -> Match | None:
        """Classify one line; returns the match it produced, if any."""
        self.line_no += 1
        if self._any is None or not self._any.search(line):
            return None
        text = line.rstrip("\r\n")
        for sig, patterns in self._signatures:
            if self.failure is not None and sig.rank >= self.failure.rank:
                break
            if any(p.search(text) for p in patterns):
                self.failure = Match(sig.name, sig.rank, self.line_no, text)
                return self.failure
        if self.ready is None and any(p.search(text) for p in self._ready):
            self.ready = Match(READY, -1, self.line_no, text)
            return self.ready
        return None


def builtin_ready_patterns() -> list[str]:
    return [r.pattern for r in BUILTIN_READY]


def classify_lines(
    lines: Iterable[str],
    signatures: Sequence[Signature] = BUILTIN_SIGNATURES,
    ready_patterns: Sequence[str] | None = None,
) -> tuple[str, Match | None]:
    """Verdict of a whole saved log: the most specific failure, else ready, else unknown."""
    classifier = LogClassifier(signatures, builtin_ready_patterns() if ready_patterns is None else ready_patterns)
    for line in lines:
        classifier.feed(line)
    if classifier.failure is not None:
        return classifier.failure.name, classifier.failure
    if classifier.ready is not None:
        return READY, classifier.ready
    return UNKNOWN, None
