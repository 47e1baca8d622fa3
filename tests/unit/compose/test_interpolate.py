"""Interpolation against the Compose Specification's own cases: the rows below are those of
compose-go `template/template_test.go` (environment FOO=first, BAR set but empty, JSON={"json":2})."""

from __future__ import annotations

from typing import Any

import pytest

from harness.compose.interpolate import InterpolationError, Substitution, escape, interpolate, substitute

ENV = {"FOO": "first", "BAR": "", "JSON": '{"json":2}'}

CASES: list[tuple[str, str, list[str]]] = [
    ("$${foo}", "${foo}", []),
    ("a $ string", "a $ string", []),
    ("^REGEX$", "^REGEX$", []),
    ("$}", "$}", []),
    ("$", "$", []),
    ("$1 and $-", "$1 and $-", []),
    ("$FOO-bar", "first-bar", []),
    ("This ${missing} var", "This  var", ["missing"]),
    ("This $missing var", "This  var", ["missing"]),
    ("This ${BAR} var", "This  var", []),
    ("This $FOO var", "This first var", []),
    ("This ${FOO} var", "This first var", []),
    ("ok ${missing:-def}", "ok def", []),
    ("ok ${missing-def}", "ok def", []),
    ("ok ${BAR:-def}", "ok def", []),
    ("ok ${BAR-def}", "ok ", []),
    ("ok ${FOO:-def}", "ok first", []),
    ("ok ${UNSET_VAR:+presence_value}", "ok ", []),
    ("ok ${UNSET_VAR+presence_value}", "ok ", []),
    ("ok ${FOO:+presence_value}", "ok presence_value", []),
    ("ok ${FOO+presence_value}", "ok presence_value", []),
    ("ok ${BAR+presence_value}", "ok presence_value", []),
    ("ok ${BAR:+presence_value}", "ok ", []),
    ("ok ${BAR:-/non:-alphanumeric}", "ok /non:-alphanumeric", []),
    ("+ok ${UNSET:-${BAR-defaultValue}}", "+ok ", []),
    ("ok ${UNSET_VAR-${FOO} ${FOO}}", "ok first first", []),
    ("ok ${BAR+$FOO ${FOO:+second}}", "ok first second", []),
    ("ok ${FOO:?err}", "ok first", []),
    ("ok ${FOO?err}", "ok first", []),
    ("ok ${BAR?err}", "ok ", []),
    ("${UNSET_VAR-myerror?msg}", "myerror?msg", []),
    ("${FOO?bar-baz}", "first", []),
    ('ok ${missing:-{"json":1}}', 'ok {"json":1}', []),
    ('ok ${JSON:-{"json":1}}', 'ok {"json":2}', []),
    ("${A:+${A},}B", "B", []),
    ("${A:-${B}}", "", ["B"]),
    ("ok ${SUBDOMAIN:-redis}.${FOO:?}", "ok redis.first", []),
    ("{{{ ${FOO2:-foo_} }}}", "{{{ foo_ }}}", []),
    ("${foo}", "", ["foo"]),
]


@pytest.mark.parametrize(("text", "expected", "unset"), CASES, ids=[c[0] for c in CASES])
def test_compose_go_template_cases(text: str, expected: str, unset: list[str]) -> None:
    seen = Substitution()
    assert substitute(text, ENV, seen) == expected
    assert seen.unset == unset


ERRORS = [
    (
        "not ok ${UNSET_VAR:?Mandatory Variable Unset}",
        "required variable UNSET_VAR is missing a value: Mandatory Variable Unset",
    ),
    ("not ok ${BAR:?Mandatory Variable Empty}", "required variable BAR is missing a value: Mandatory Variable Empty"),
    ("not ok ${UNSET_VAR:?}", "required variable UNSET_VAR is missing a value$"),
    ("not ok ${UNSET_VAR?}", "required variable UNSET_VAR is missing a value$"),
    ("not ok ${UNSET_VAR?Mandatory Variable ${FOO}}", "missing a value: Mandatory Variable first"),
    ("${UNSET_VAR?bar-baz}", "required variable UNSET_VAR is missing a value: bar-baz"),
    ("${", "no closing brace"),
    ("${}", "a variable name must come first"),
    ("${ }", "a variable name must come first"),
    ("${ foo}", "a variable name must come first"),
    ("${foo }", "expected one of"),
    ("${foo!}", "expected one of"),
    ("${VAR:x}", "expected one of"),
    ("x${FOO", "no closing brace"),
]


@pytest.mark.parametrize(("text", "message"), ERRORS, ids=[e[0] for e in ERRORS])
def test_malformed_and_required_variables_are_errors(text: str, message: str) -> None:
    with pytest.raises(InterpolationError, match=message):
        substitute(text, ENV)


def test_only_values_are_interpolated_and_each_failure_is_reported_with_its_path() -> None:
    failures: list[tuple[Any, str]] = []
    document = {
        "services": {
            "${FOO}": {
                "image": "vllm/vllm-openai:${TAG:-latest}",
                "environment": {"${FOO}": "$FOO", "LITERAL": "$$HOME"},
                "ports": ["${PORT:?set PORT}:8000", 8000],
                "privileged": True,
            }
        }
    }
    seen = Substitution()
    result = interpolate(document, ENV, seen, lambda path, exc: failures.append((path, str(exc))))
    service = result["services"]["${FOO}"]
    assert service["image"] == "vllm/vllm-openai:latest"
    assert service["environment"] == {"${FOO}": "first", "LITERAL": "$HOME"}
    assert service["ports"] == ["${PORT:?set PORT}:8000", 8000]
    assert service["privileged"] is True
    assert failures == [
        (("services", "${FOO}", "ports", 0), "required variable PORT is missing a value: set PORT"),
    ]


def test_a_resolved_value_written_back_is_read_the_same() -> None:
    for value in ["plain", "cost $5", "$$ already", "${NOT_A_VAR}"]:
        assert substitute(escape(value), {}) == value
