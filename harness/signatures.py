"""Failure signatures and ready patterns, as ordered data, and the line-by-line log classifier.

Every built-in pattern is based on a line the program really prints; its `source` says where that
line was seen (the program's source file or a public issue that pasted the log). Rank orders specificity:
when several signatures match during the settle window, the lowest rank wins, so a root cause
(DEVICE_LOST) beats the wrapper printed after it ("Engine core initialization failed").
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

READY = "ready"
CRASHED = "crashed"
TIMEOUT = "timeout"
ERROR = "error"
UNKNOWN = "unknown"
NOT_RUN = "not_run"


@dataclass(frozen=True)
class Pattern:
    """A regular expression and where a line it matches was really seen."""

    regex: str
    source: str


@dataclass(frozen=True)
class Signature:
    name: str
    rank: int
    patterns: tuple[Pattern, ...]

    @property
    def regexes(self) -> tuple[str, ...]:
        return tuple(p.regex for p in self.patterns)


@dataclass(frozen=True)
class ReadyPattern:
    server: str
    pattern: str
    source: str


P = Pattern
VLLM_V1_ENGINE = "vLLM v1/engine/utils.py wait_for_engine_startup (intel/llm-scaler#424, vllm-project/vllm#23176)"

BUILTIN_SIGNATURES: tuple[Signature, ...] = (
    Signature(
        "device_lost",
        10,
        (
            P(r"UR_RESULT_ERROR_DEVICE_LOST", "torch.xpu.synchronize in intel/llm-scaler#424"),
            P(r"ZE_RESULT_ERROR_DEVICE_LOST", "oneCCL ze_call.cpp do_call and Level Zero API return code"),
            P(r"level_zero backend failed with error: 20\b", "intel/llm-scaler#424, pytorch/pytorch#190972"),
            P(r"CUDA error: an illegal memory access was encountered", "PyTorch c10/cuda CUDA_CHECK"),
            P(r"CUDA error: unspecified launch failure", "PyTorch c10/cuda CUDA_CHECK"),
            P(r"NVRM: Xid \(", "NVIDIA kernel driver Xid report"),
            P(r"GPU has fallen off the bus", "NVIDIA kernel driver, Xid 79"),
            P(r"Memory access fault by GPU node", "ROCm runtime (HSA) page fault report"),
        ),
    ),
    Signature(
        "oom",
        20,
        (
            P(r"\bOutOfMemoryError\b", "torch.OutOfMemoryError (intel/torch-xpu-ops#3011)"),
            P(r"\b(?:CUDA|XPU|HIP) out of memory\b", "PyTorch caching allocators (intel/llm-scaler#578)"),
            P(
                r"(?:UR_RESULT|ZE_RESULT)_ERROR_OUT_OF_DEVICE_MEMORY",
                "level_zero backend error 39 (open-edge-platform/physical-ai-studio#440)",
            ),
            P(
                r"Current platform can NOT allocate memory block with size larger than 4GB",
                "IPEX allocator (intel/intel-extension-for-pytorch#629)",
            ),
        ),
    ),
    Signature(
        "kv_cache_insufficient",
        30,
        (
            P(
                r"To serve at least one request with the models?'s? max seq len",
                "vLLM v1/core/kv_cache_utils.py check_enough_kv_cache_memory (intel/llm-scaler#424)",
            ),
            P(r"No available memory for the cache blocks", "vLLM v1/core/kv_cache_utils.py"),
            P(
                r"max seq len \(\d+\) is larger than the maximum number of tokens that can be stored in KV cache",
                "vLLM v0 worker raise_if_cache_size_invalid",
            ),
        ),
    ),
    Signature(
        "no_device",
        40,
        (
            P(r"No CUDA GPUs are available", "torch.cuda lazy init"),
            P(r"Found no NVIDIA driver on your system", "torch.cuda lazy init"),
            P(r"Failed to infer device type", "vLLM DeviceConfig (vllm-project/vllm#12847, #13946)"),
            P(r"No platform detected, vLLM is running on UnspecifiedPlatform", "vLLM platforms (#12847)"),
        ),
    ),
    Signature(
        "model_access",
        50,
        (
            P(r"GatedRepoError|Cannot access gated repo", "huggingface_hub errors"),
            P(r"RepositoryNotFoundError|Repository Not Found for url", "huggingface_hub errors"),
            P(r"401 Client Error", "huggingface_hub HTTP errors"),
            P(r"Invalid repository ID or local directory specified", "vLLM transformers_utils/config.py"),
            P(r"does not appear to have a file named config\.json", "transformers configuration_utils"),
            P(r"HFValidationError", "huggingface_hub validate_repo_id"),
            P(r"We couldn't connect to 'https://huggingface\.co'", "transformers hub offline error"),
        ),
    ),
    Signature(
        "port_in_use",
        60,
        (
            P(r"[Aa]ddress already in use", "uvicorn '[Errno 98] error while attempting to bind on address'"),
            P(r"\bEADDRINUSE\b", "torch.distributed TCPStore 'The server socket has failed to listen'"),
        ),
    ),
    Signature(
        "config_error",
        70,
        (
            P(
                r"^[\w./ -]+: error: (?:unrecognized arguments|argument |the following arguments are required"
                r"|invalid choice)",
                "argparse 'prog: error:' of vllm serve and SGLang",
            ),
            P(r"error: unexpected argument '", "clap, the TGI launcher's argument parser"),
            P(r"User-specified max_model_len \(\d+\) is greater than", "vLLM config/model.py"),
            P(r"must be divisible by (?:tensor|pipeline) parallel size", "vLLM verify_with_parallel_config"),
            P(
                r"ValidationError: \d+ validation errors? for (?:ModelConfig|VllmConfig|CacheConfig"
                r"|ParallelConfig|SchedulerConfig|EngineArgs)",
                "vLLM pydantic config dataclasses",
            ),
            P(r"Unknown quantization method", "vLLM config quantization check"),
        ),
    ),
    Signature(
        "comm_error",
        80,
        (
            P(r"NCCL error", "torch ProcessGroupNCCL DistBackendError"),
            P(
                r"\bnccl(?:UnhandledCuda|System|Internal|InvalidArgument|InvalidUsage|Remote)Error\b",
                "NCCL result codes",
            ),
            P(r"Watchdog caught collective operation timeout", "torch ProcessGroupNCCL watchdog"),
            P(r"\|CCL_ERROR\|", "oneCCL log prefix (vllm-project/vllm#14612)"),
            P(r"oneCCL: .*EXCEPTION", "oneCCL exception text (vllm-project/vllm#10109)"),
            P(r"Gloo connectFullMesh failed", "torch ProcessGroupGloo"),
            P(r"gloo.*Connection (?:reset|closed) by peer", "gloo tcp pair.cc"),
            P(r"DistStoreError: Timed out", "torch.distributed rendezvous store"),
        ),
    ),
    Signature(
        "engine_failed",
        90,
        (
            P(r"Engine core initialization failed", VLLM_V1_ENGINE),
            P(r"EngineCore failed to start", "vLLM v1/engine/core.py (vllm-project/vllm#19002)"),
            P(r"Engine process failed to start", "vLLM v0 multiprocessing engine"),
            P(r"WorkerProc hit an exception", "vLLM v1/executor/multiproc_executor.py (intel/llm-scaler#424)"),
            P(r"WorkerProc failed to start", "vLLM v1/executor/multiproc_executor.py"),
            P(r"Scheduler hit an exception", "SGLang scheduler process"),
            P(r"Shard \d+ failed to start", "TGI launcher"),
            P(r"llama runner process has terminated", "Ollama server"),
        ),
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
        mine = tuple(Pattern(regex, "matrix file") for regex in patterns)
        current = by_name.get(name)
        if current is None:
            by_name[name] = Signature(name, 0 if rank is None else rank, mine)
        else:
            by_name[name] = replace(current, patterns=mine, rank=current.rank if rank is None else rank)
    return tuple(sorted(by_name.values(), key=lambda sig: sig.rank))


@dataclass(frozen=True)
class Match:
    """A log line that decided (or may decide) a verdict."""

    name: str
    rank: int
    line_no: int
    line: str


def required_literals(pattern: str) -> list[str] | None:
    """Strings one of which every match of `pattern` contains, or None when none can be told.

    `x in line` is a C substring search, tens of times faster than a regex over a long line; a line
    with none of a pattern's literals cannot match it. Reads the regex parser's tree (re._parser),
    and falls back to None on anything it does not know."""
    try:
        tree = importlib.import_module("re._parser").parse(pattern)
    except Exception:
        return None
    if tree.state.flags & re.IGNORECASE:
        return None
    return _literals_of(list(tree))


def _literals_of(items: list[Any]) -> list[str] | None:
    sre = importlib.import_module("re._constants")
    candidates: list[list[str]] = []
    run = ""
    for op, value in items:
        if op is sre.LITERAL:
            run += chr(value)
            continue
        if run:
            candidates.append([run])
            run = ""
        inner: list[str] | None = None
        if op is sre.BRANCH:
            branches = [_literals_of(list(branch)) for branch in value[1]]
            if all(branches):
                inner = [literal for branch in branches for literal in branch or ()]
        elif op is sre.SUBPATTERN:
            inner = _literals_of(list(value[-1]))
        elif op in (sre.MAX_REPEAT, sre.MIN_REPEAT) and value[0] >= 1:
            inner = _literals_of(list(value[2]))
        if inner:
            candidates.append(inner)
    if run:
        candidates.append([run])
    if not candidates:
        return None
    return max(candidates, key=lambda options: min(len(option) for option in options))


class _Prefilter:
    """Tells cheaply whether a line may match any of the patterns: one regex of the patterns' required
    literals (plain strings, which `re` scans fast), plus the patterns whose literals are not known."""

    def __init__(self, patterns: Sequence[str]) -> None:
        alternatives: set[str] = set()
        for pattern in patterns:
            literals = required_literals(pattern)
            if literals:
                alternatives.update(re.escape(literal) for literal in literals)
            else:
                alternatives.add(f"(?:{pattern})")
        self._any = re.compile("|".join(sorted(alternatives))) if alternatives else None

    def may_match(self, line: str) -> bool:
        return self._any is not None and self._any.search(line) is not None


class LogClassifier:
    """Feeds on log lines one at a time and remembers the first ready line and the best failure."""

    def __init__(self, signatures: Sequence[Signature], ready_patterns: Sequence[str]) -> None:
        self._signatures = [(sig, [re.compile(p) for p in sig.regexes]) for sig in signatures]
        self._prefilter = _Prefilter([p for sig in signatures for p in sig.regexes] + list(ready_patterns))
        self._ready = [re.compile(p) for p in ready_patterns]
        self.line_no = 0
        self.failure: Match | None = None
        self.ready: Match | None = None

    def feed(self, line: str) -> Match | None:
        """Classify one line; returns the match it produced, if any."""
        self.line_no += 1
        if not self._prefilter.may_match(line):
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


BUILTIN_VERSIONS: dict[str, str] = {
    "vllm": r"vLLM API server version (\S+)",
    "ollama": r"Listening on \S+ \(version ([^)\s]+)\)",
}
"""Version strings a serving stack prints at start; the report lists them per image."""


class MetricCollector:
    """Remembers the first capture of each named regex in a log, e.g. model memory or a version."""

    def __init__(self, patterns: Mapping[str, str]) -> None:
        self._patterns = {name: re.compile(pattern) for name, pattern in patterns.items()}
        self.values: dict[str, str] = {}

    def feed(self, line: str) -> None:
        if len(self.values) == len(self._patterns):
            return
        for name, pattern in self._patterns.items():
            if name in self.values:
                continue
            match = pattern.search(line)
            if match is not None:
                captured = next((g for g in match.groups() if g is not None), match.group(0))
                self.values[name] = captured.strip()
