"""Every error table walked: each entry has its documented string or a real line behind it, its
rule finds it, and what it says matches what the classifier concludes."""

from __future__ import annotations

import re

import pytest

from harness.judge.families import Family
from harness.judge.signatures import BUILTIN_FAMILIES, BUILTIN_RULES, LogClassifier, classify_lines
from harness.outcomes import RANK

FAMILIES = {family.runtime: family for family in BUILTIN_FAMILIES}


def _tables_say(lines: list[str]) -> str | None:
    """What the tables alone conclude, without the general vocabulary."""
    classifier = LogClassifier(BUILTIN_RULES, ())
    for line in lines:
        classifier.feed(line)
    return classifier.failure.name if classifier.failure else None


def _example_line(example: str) -> str:
    """Examples are a line, or `<url>: <line>` when the line was seen in a public thread."""
    return example.split(": ", 1)[1] if example.startswith("https://") else example


@pytest.mark.parametrize("family", BUILTIN_FAMILIES, ids=lambda f: f.runtime)
def test_every_table_entry_has_a_documented_string_or_a_real_line(family: Family) -> None:
    assert family.source
    names = [code.name for code in family.codes]
    assert len(names) == len(set(names)), "a code is listed twice"
    for code in family.codes:
        assert code.outcome is None or code.outcome in RANK, code
        if code.outcome is not None:
            assert code.string or code.evidence or code.name, code
    for phrase in family.phrases:
        assert phrase.outcome in RANK and phrase.source, phrase
        re.compile(phrase.regex)
    for raised in family.raised:
        assert raised.outcome in RANK and raised.source and raised.example, raised


@pytest.mark.parametrize("family", [f for f in BUILTIN_FAMILIES if f.names], ids=lambda f: f.runtime)
def test_every_enumeration_value_with_an_outcome_is_found_by_its_name(family: Family) -> None:
    for code in family.codes:
        if code.outcome is None:
            continue
        line = f"RuntimeError: {code.name}: failed"
        if family.runtime == "xla_jax":
            line = f"jaxlib.xla_extension.XlaRuntimeError: {code.name}: failed"
        assert classify_lines([line])[0] == code.outcome, (family.runtime, code.name)


@pytest.mark.parametrize("family", [f for f in BUILTIN_FAMILIES if f.names], ids=lambda f: f.runtime)
def test_values_without_an_outcome_decide_nothing(family: Family) -> None:
    for code in family.codes:
        if code.outcome is None:
            assert classify_lines([f"{code.name} seen"])[0] in ("unknown",), (family.runtime, code.name)


def test_documented_strings_are_found_in_the_forms_programs_print() -> None:
    cases = {
        "RuntimeError: CUDA error: an illegal memory access was encountered": "device_lost",
        "RuntimeError: CUDA error: out of memory": "oom",
        "RuntimeError: CUDA error: device-side assert triggered": "device_lost",
        "RuntimeError: CUDA error: no kernel image is available for execution on the device": "config_error",
        "RuntimeError: CUDA error: CUDA-capable device(s) is/are busy or unavailable": "no_device",
        "misc/strongstream.cc:395 NCCL WARN Cuda failure 'out of memory'": "oom",
        "enqueue.cc:1556 NCCL WARN Cuda failure 700 'an illegal memory access was encountered'": "device_lost",
        "RuntimeError: cuda runtime error (77) : an illegal memory access was encountered at /pytorch/aten/x.cu:12": (
            "device_lost"
        ),
        "RuntimeError: Triton Error [CUDA]: an illegal memory access was encountered": "device_lost",
        "RuntimeError: HIP error: an illegal memory access was encountered": "device_lost",
        "torch.AcceleratorError: HIP error: out of memory": "oom",
        "RuntimeError: [Errno 12] Cannot allocate memory": "oom",
        "OSError: [Errno 98] Address already in use": "port_in_use",
        "jaxlib.xla_extension.XlaRuntimeError: RESOURCE_EXHAUSTED: Out of memory while trying to allocate 1.2GiB.": (
            "oom"
        ),
        "RuntimeError: Native API failed. Native API returns: -5 (PI_ERROR_OUT_OF_RESOURCES)": "oom",
        "RuntimeError: ACL stream synchronize failed, error code:507035": "device_lost",
        "synchronize stream failed, runtime result = 507011[FUNC:ReportCallError][FILE:log_inner.cpp][LINE:162]": (
            "device_lost"
        ),
        "RuntimeError: InnerRunOpApi:OpParamMaker.cpp:281 OPS function error: HcclAllreduce, error code is 9": (
            "comm_error"
        ),
        "Exception: Call to wake_up method failed: CUDA Error: out of memory at cumem_allocator.cpp:139": "oom",
        # ggml-cuda's CUDA_CHECK in 2023 (Ollama 0.1.9, ollama/ollama#1083)
        "CUDA error 3 at /go/src/github.com/jmorganca/ollama/llm/llama.cpp/gguf/ggml-cuda.cu:5661:"
        " initialization error": "no_device",
        # pyzmq prints the C library's strerror (vllm-project/vllm-omni#3577)
        "zmq.error.ZMQError: Cannot assign requested address (addr='tcp://10.128.0.7:41257')": "config_error",
        "zmq.error.ZMQError: Address already in use (addr='tcp://*:5557')": "port_in_use",
        # bitsandbytes csrc/ops.cuh CUDA_CHECK_THROW (oobabooga/text-generation-webui#53)
        "Error no kernel image is available for execution on the device at line 479 in file"
        " D:\\ai\\tool\\bitsandbytes\\csrc\\ops.cu": "config_error",
    }
    for line, expected in cases.items():
        assert classify_lines([line])[0] == expected, line


def test_every_phrase_example_is_a_line_it_matches() -> None:
    for family in BUILTIN_FAMILIES:
        for phrase in family.phrases:
            if phrase.example:
                line = _example_line(phrase.example)
                assert re.search(phrase.regex, line), (family.runtime, phrase.regex, line)
                assert classify_lines([line])[0] in (
                    phrase.outcome,
                    *(o for o in RANK if RANK[o] < RANK[phrase.outcome]),
                )


@pytest.mark.parametrize("family", [f for f in BUILTIN_FAMILIES if f.raised], ids=lambda f: f.runtime)
def test_every_raised_rule_decides_the_traceback_of_its_example(family: Family) -> None:
    for raised in family.raised:
        frame = _example_line(raised.example)
        exception = raised.exceptions.split("|", 1)[0]
        traceback = ["Traceback (most recent call last):", f"  {frame}", "    raise " + exception + "(", ""]
        outcome = classify_lines([*traceback, f"{exception}: a check failed"])[0]
        assert outcome == raised.outcome, (family.runtime, raised.frame)
        elsewhere = frame.replace('", line', '_elsewhere", line').replace("/", "/other/", 1)
        assert _tables_say([f"  {elsewhere}", f"{exception}: a check failed"]) != raised.outcome or any(
            r.frame != raised.frame and re.search(r.frame, elsewhere) for r in family.raised
        )


def test_the_readme_tables_are_generated_from_the_families() -> None:
    from pathlib import Path

    from harness.judge.tables import refreshed

    readme = (Path(__file__).resolve().parents[3] / "README.md").read_text()
    assert refreshed(readme) == readme, "run: python -m harness.judge.tables"


def test_a_regex_with_backticks_gets_a_longer_code_fence() -> None:
    from harness.judge.tables import _code_span

    assert _code_span("a|b") == "`a\\|b`"
    assert _code_span("Assertion [`'].*' failed") == "`` Assertion [`'].*' failed ``"


def test_refreshing_a_readme_without_a_table_says_which_header_to_add() -> None:
    from harness.judge.tables import refreshed

    with pytest.raises(ValueError, match=r"\| outcome \| rank"):
        refreshed("# no tables here\n")


def test_every_general_phrase_example_is_an_error_line_the_vocabulary_reads() -> None:
    from harness.judge.families.general import GENERAL
    from harness.judge.signatures import is_error_line

    for phrase in GENERAL.phrases:
        line = _example_line(phrase.example)
        assert is_error_line(line) and re.search(phrase.regex, line), phrase.outcome
        classifier = LogClassifier(BUILTIN_RULES, ())
        classifier.feed(line)
        assert classifier.general is not None and classifier.general.name == phrase.outcome, line
        assert classify_lines([line])[0] in (phrase.outcome, *(o for o in RANK if RANK[o] < RANK[phrase.outcome]))


def test_the_general_vocabulary_skips_lines_that_say_no_failure() -> None:
    quiet = [
        "INFO 06-02 14:10:25 Using CPU offload; flash attention is not supported on this GPU, using xformers",
        "WARNING: model of type llama is not supported for all configurations and can yield errors",
        "INFO: 2 GPUs available, using GPU 0",
    ]
    assert classify_lines(quiet)[0] == "unknown"


@pytest.mark.parametrize(
    "line",
    [
        # LM Studio (lmstudio-bug-tracker), DeepSpeed-MII, an llm-d benchmark harness, Xinference's supervisor
        "- Caused By: Error: The model has crashed without additional information. (Exit code: 18446744072635812000)",
        "RuntimeError: server crashed for some reason, unable to proceed",
        "16:53:24 - \N{CROSS MARK} Crashed container in pod: vllm-standalone-llama-3-1b-845945945-dljsw",
        "2025-02-13 09:16:53,942 xinference.core.supervisor 4404 ERROR    Worker dead. address: 127.0.0.1:48208",
        # the init script of mmartial/ComfyUI-Nvidia-Docker, after its ComfyUI command died
        "!! ERROR: ComfyUI failed or exited with an error",
        # llama-swap (mostlygeek/llama-swap#155), a Go supervisor: os/exec's error for the llama-server it started
        "[DEBUG] <qwen-coder-14B-FIM> cmd.Wait() returned error: signal: aborted (core dumped)",
    ],
)
def test_the_general_vocabulary_hears_a_supervisor_say_what_it_watched_died(line: str) -> None:
    """Each program's table knows its own line now; the vocabulary would have heard them before the tables."""
    from harness.judge.families.general import GENERAL
    from harness.judge.signatures import is_error_line

    heard = [p.outcome for p in GENERAL.phrases if re.search(p.regex, line)]
    assert is_error_line(line) and heard == ["engine_failed"]
    assert classify_lines([line])[0] == "engine_failed"


def test_an_assertion_that_says_what_a_setting_should_be_is_a_configuration_error() -> None:
    """Wan2.2's generate.py checks its launch arguments with assert (Wan-Video/Wan2.2#176)."""
    line = "[rank0]: AssertionError: The number of ulysses_size should be equal to the world size."
    assert classify_lines([line])[0] == "config_error"
    assert classify_lines(["RuntimeError: this should be a temporary failure"])[0] == "unknown"


def test_a_backtrace_frame_or_an_operators_own_limit_is_not_a_cause() -> None:
    """A frame of UCX's backtrace (NVIDIA/physicsnemo#1068) names a function; torch_npu's operator that lacks a
    format is its own bug, not a setting (vllm-ascend)."""
    frame = " 0  /opt/hpcx/ucx/lib/libucs.so.0(ucs_handle_error+0x2e4) [0x7f452c25d654]"
    assert classify_lines([frame])[0] == "unknown"
    operator = (
        "RuntimeError: Current device only support aclnn operator, and current operator cat do not support internal"
        " format."
    )
    assert classify_lines([operator])[0] == "unknown"


def test_a_disk_that_fills_while_a_server_starts_is_its_models_fetch_but_shared_memory_is_the_containers() -> None:
    full = "LLM init error: [Errno 122] Disk quota exceeded"
    assert classify_lines([full])[0] == "model_access"
    assert classify_lines(["INFO:     Application startup complete.", full])[0] == "ready"
    shm = [
        "Traceback (most recent call last):",
        '  File "/usr/lib/python3.11/multiprocessing/shared_memory.py", line 112, in __init__',
        "    os.ftruncate(self._fd, size)",
        "OSError: [Errno 28] No space left on device",
        "RuntimeError: Engine core initialization failed. See root cause above. Failed core proc(s): {}",
    ]
    assert classify_lines(shm)[0] == "config_error"
    torch_shm = "RuntimeError: unable to write to file </torch_3812_2473960519_0>: No space left on device (28)"
    assert classify_lines([torch_shm])[0] == "config_error"


def test_words_near_the_vocabulary_that_say_something_else() -> None:
    assert classify_lines(["ERROR: Error fetching release notes from GitHub"])[0] == "unknown"
    assert classify_lines(["ERROR: model server returned status 503 for /v1/models"])[0] != "engine_failed"
    assert classify_lines(["In node 3 (importX): INVALID_VALUE: invalid value for attribute"])[0] == "unknown"


def test_a_helper_command_that_failed_is_not_the_engine_dying() -> None:
    called = (
        "ERROR 06-13 18:12:20 [registry.py:361] subprocess.CalledProcessError: Command '['python', '-m',"
        " 'vllm.model_executor.models.registry']' returned non-zero exit status 1."
    )
    assert classify_lines([called])[0] == "unknown"


def test_long_documented_strings_are_read_without_a_known_form_and_short_ones_are_not() -> None:
    # TensorRT 8's logger, as pasted in public threads (2022): its own prefix around CUDA's string
    trt = (
        "[06/29/2022-20:09:21] [TRT] [E] 1: [executionContext.cpp::executeInternal::667] Error Code 1: Cuda Runtime"
        " (an illegal memory access was encountered)"
    )
    assert classify_lines([trt])[0] == "device_lost"
    assert classify_lines(["Fatal: No kernel image is available for execution on the device"])[0] == "config_error"
    assert classify_lines(["plugin loader: initialization error, skipping"])[0] == "unknown"
    assert classify_lines(["an illegal memory access was encountered-ish"])[0] == "unknown"
    # a pasted ROCm line whose HSA_STATUS_ name lost its head to the paste: HSA's own sentence still tells
    hsa = "RROR_MEMORY_APERTURE_VIOLATION: The agent attempted to access memory beyond the largest legal address."
    assert classify_lines([hsa])[0] == "device_lost"
