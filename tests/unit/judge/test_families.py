"""Every error table walked: each entry has its documented string or a real line behind it, its
rule finds it, and what it says matches what the classifier concludes."""

from __future__ import annotations

import re

import pytest

from harness.judge.families import Family
from harness.judge.signatures import BUILTIN_FAMILIES, classify_lines
from harness.outcomes import RANK

FAMILIES = {family.runtime: family for family in BUILTIN_FAMILIES}


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
        assert classify_lines([f"  {elsewhere}", f"{exception}: a check failed"])[0] != raised.outcome or any(
            r.frame != raised.frame and re.search(r.frame, elsewhere) for r in family.raised
        )


def test_the_readme_tables_are_generated_from_the_families() -> None:
    from pathlib import Path

    from harness.judge.tables import family_table, outcome_table, ready_table

    readme = (Path(__file__).resolve().parents[3] / "README.md").read_text()
    for table in (outcome_table(), family_table(), ready_table()):
        assert table in readme
