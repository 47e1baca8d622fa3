"""Error vocabularies, one module per runtime or program, each built from its public source.

A family has up to three kinds of rules:
- `names`: a regex whose first group captures a value of the runtime's error enumeration
  (`cudaErrorIllegalAddress`, `UR_RESULT_ERROR_DEVICE_LOST`); the value is looked up in `codes`,
  exactly, then ignoring case.
- `forms`: the ways programs print an error's documented string (PyTorch's `CUDA error: <string>`,
  NCCL's `Cuda failure '<string>'`) or its number (PyTorch XPU's `level_zero backend failed with
  error: 20`); the group `text` is matched against the codes' strings, the group `number` against
  their numbers.
- `bare`: outcomes whose codes' documented strings are read wherever a line prints them, without a
  known form around them, when the string is long enough to be the runtime's alone (TensorRT's
  `Cuda Runtime (an illegal memory access was encountered)`, a HIP build printing CUDA's strings):
  each program that wraps them has its own prefix, and the next one will too.
- `phrases`: wordings that are not enumeration values (vLLM's `Engine core initialization failed`).
- `raised`: where in a program a Python exception was raised, read from the traceback's last frame
  (`File ".../vllm/config/parallel.py", line 212, in __post_init__` then `ValueError: ...`): every
  exception a configuration check raises is a configuration error, whatever its wording in the
  release at hand, so these rules hold across releases where phrases trail them.
Every code maps to an outcome or, deliberately, to none. `tests/unit/judge/test_families.py` walks every
table: each entry has a documented string or a real line behind it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

BARE_MIN_CHARS = 25
"""Shorter documented strings ("out of memory", "initialization error") are every program's words."""


@dataclass(frozen=True)
class Code:
    """One value of an error enumeration and what it means for a cell."""

    name: str
    outcome: str | None
    """None: deliberately not a verdict (success, or too generic to tell anything)."""
    string: str = ""
    """The documented description (what the runtime's get-error-string function returns)."""
    number: int | str | None = None
    evidence: str = ""
    """A real line that contains it, and where it was seen."""


@dataclass(frozen=True)
class Phrase:
    """A wording a program prints for a failure (or a ready state) that is not an enumeration value."""

    regex: str
    outcome: str
    source: str
    example: str = ""
    """A real line it matches."""
    unless_ready: bool = False
    """Decides only a log that ends with no ready line, as the general vocabulary does: a supervisor
    restarting a helper reports a hiccup the server may survive (and serve after)."""


@dataclass(frozen=True)
class Raised:
    """Exceptions raised in a program's own code at a known place, and what they mean for a cell."""

    frame: str
    """Regex searched in `<path>:<function>` of the traceback's last frame, with `/` as separator."""
    outcome: str
    source: str
    exceptions: str = r"ValueError|NotImplementedError|TypeError|AssertionError|[\w.]*ValidationError"
    example: str = ""
    """A real traceback end it matches: the frame line, then the exception line."""


@dataclass(frozen=True)
class Family:
    runtime: str
    source: str
    codes: tuple[Code, ...] = ()
    names: str = ""
    forms: tuple[str, ...] = ()
    phrases: tuple[Phrase, ...] = ()
    raised: tuple[Raised, ...] = ()
    bare: tuple[str, ...] = ()
    explains: bool = True
    """A value of this table that decides nothing explains its whole line (CUDA's `invalid argument`),
    so the general vocabulary does not read the line's other words; False where the value only says
    what a system call returned and the line's words say what the program was doing."""

    @cached_property
    def bare_form(self) -> str:
        """A form that finds the `bare` outcomes' distinctive strings anywhere on a line (the first letter
        in either case, as a sentence may start with it)."""
        strings = sorted(
            {
                code.string
                for code in self.codes
                if code.outcome in self.bare and len(code.string) >= BARE_MIN_CHARS and " " in code.string
            },
            key=len,
            reverse=True,
        )
        if not strings:
            return ""
        branches = (f"[{s[0].upper()}{s[0]}]{re.escape(s[1:])}" if s[0].islower() else re.escape(s) for s in strings)
        return r"(?<![\w-])(?P<text>" + "|".join(branches) + r")(?![\w-])"

    @cached_property
    def _by_name(self) -> dict[str, Code]:
        return {code.name: code for code in self.codes}

    @cached_property
    def _by_folded_name(self) -> dict[str, Code]:
        return {code.name.casefold(): code for code in self.codes}

    @cached_property
    def _by_string(self) -> list[tuple[str, Code]]:
        strings = [(code.string.casefold(), code) for code in self.codes if code.string]
        return sorted(strings, key=lambda item: -len(item[0]))

    def code_named(self, name: str) -> Code | None:
        return self._by_name.get(name) or self._by_folded_name.get(name.casefold())

    @cached_property
    def _by_number(self) -> dict[str, Code]:
        return {str(code.number): code for code in self.codes if code.number is not None}

    def code_numbered(self, number: str) -> Code | None:
        return self._by_number.get(number.strip())

    def code_described(self, text: str) -> Code | None:
        """The code whose documented string `text` starts with (the longest such), ignoring case."""
        folded = text.casefold().strip()
        return next((code for string, code in self._by_string if folded.startswith(string)), None)


def word(pattern: str) -> str:
    """A pattern that does not start or end inside a longer identifier."""
    return rf"(?<![A-Za-z0-9_]){pattern}(?![A-Za-z0-9_])"


def compiles(family: Family) -> bool:
    raised = (pattern for r in family.raised for pattern in (r.frame, r.exceptions))
    for regex in (family.names, *family.forms, *(p.regex for p in family.phrases), *raised):
        if regex:
            re.compile(regex)
    return True
