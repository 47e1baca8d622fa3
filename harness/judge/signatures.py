"""Failure signatures and ready patterns, and the line-by-line log classifier.

Built-in failure rules come from the runtimes' own error vocabularies (`harness/judge/families`):
enumeration values, the ways programs print their documented strings, and programs' own phrases,
each with its source. The rank of an outcome (`harness/outcomes.py`) orders specificity: when several
rules match during the settle window, the lowest rank wins, so a root cause (DEVICE_LOST) beats a
wrapper printed before or after it ("Engine core initialization failed").
"""

from __future__ import annotations

import collections
import functools
import hashlib
import importlib
import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import ahocorasick

from harness.judge.families import (
    Family,
    Phrase,
    Raised,
    amd,
    apps,
    ascend,
    collectives,
    cuda,
    huggingface,
    intel,
    kernels,
    kunlun,
    neuron,
    servers,
    system,
    tensorrt,
    torch,
    vulkan,
    xla,
)
from harness.judge.families.general import ERROR_LINE, GENERAL, GENERAL_FAMILY, GENERAL_SKIPS
from harness.judge.families.ready import BUILTIN_READY, READY_VOIDS, ReadyPattern
from harness.outcomes import CAUSES, CRASHED, ERROR, NOT_RUN, RANK, READY, TIMEOUT, UNKNOWN, WRAPPERS

__all__ = ["CRASHED", "ERROR", "NOT_RUN", "READY", "TIMEOUT", "UNKNOWN", "ReadyPattern"]

BUILTIN_FAMILIES: tuple[Family, ...] = (
    *cuda.FAMILIES,
    *intel.FAMILIES,
    *amd.FAMILIES,
    *ascend.FAMILIES,
    *neuron.FAMILIES,
    *kunlun.FAMILIES,
    *xla.FAMILIES,
    *collectives.FAMILIES,
    *torch.FAMILIES,
    *kernels.FAMILIES,
    *tensorrt.FAMILIES,
    *system.FAMILIES,
    *huggingface.FAMILIES,
    *vulkan.FAMILIES,
    *servers.FAMILIES,
    *apps.FAMILIES,
)


@dataclass(frozen=True)
class Pattern:
    """A regular expression and where a line it matches was really seen."""

    regex: str
    source: str
    family: str = "matrix"
    unless_ready: bool = False
    """Decides only a log that ends without a ready line (see `Phrase.unless_ready`)."""


@dataclass(frozen=True)
class Signature:
    """An outcome, its rank, and the phrases that mean it."""

    name: str
    rank: int
    patterns: tuple[Pattern, ...]

    @property
    def regexes(self) -> tuple[str, ...]:
        return tuple(p.regex for p in self.patterns)


def _phrase_signatures(families: Sequence[Family]) -> tuple[Signature, ...]:
    grouped: dict[str, list[Pattern]] = {}
    for family in families:
        for phrase in family.phrases:
            grouped.setdefault(phrase.outcome, []).append(
                Pattern(phrase.regex, phrase.source, family.runtime, phrase.unless_ready)
            )
    return tuple(
        sorted(
            (Signature(name, RANK[name], tuple(patterns)) for name, patterns in grouped.items()), key=lambda s: s.rank
        )
    )


BUILTIN_SIGNATURES: tuple[Signature, ...] = _phrase_signatures(BUILTIN_FAMILIES)
"""The phrase rules of the built-in families, one signature per outcome."""


@dataclass(frozen=True)
class Ruleset:
    """What the classifier knows: phrase signatures (built-in and the matrix's) and the families whose
    enumeration values and printed strings it looks up. An outcome the matrix redefines is decided by
    the matrix's patterns alone."""

    signatures: tuple[Signature, ...]
    families: tuple[Family, ...] = BUILTIN_FAMILIES
    redefined: frozenset[str] = frozenset()
    general: Family = GENERAL

    @property
    def general_phrases(self) -> list[Phrase]:
        """The general vocabulary, without the outcomes the matrix decides by its own patterns."""
        return [p for p in self.general.phrases if p.outcome not in self.redefined]

    def rank(self, outcome: str) -> int:
        found = next((sig.rank for sig in self.signatures if sig.name == outcome), None)
        return RANK.get(outcome, 0) if found is None else found

    @property
    def outcomes(self) -> list[str]:
        names = [sig.name for sig in self.signatures]
        looked_up = {c.outcome for f in self.families for c in f.codes if c.outcome and c.outcome not in self.redefined}
        return names + sorted(looked_up - set(names))

    def fingerprint(self) -> list[Any]:
        """Everything that decides a verdict, for result-cache keys: a changed table is a new key."""
        tables = json.dumps(
            [
                [
                    f.runtime,
                    f.names,
                    list(f.forms),
                    [[c.name, c.outcome, c.string, c.number] for c in f.codes],
                    [[r.frame, r.outcome, r.exceptions] for r in f.raised],
                ]
                for f in self.families
            ]
        )
        signatures = [[s.name, s.rank, [[p.regex, p.unless_ready] for p in s.patterns]] for s in self.signatures]
        general = (
            [[p.regex, p.outcome] for p in self.general_phrases]
            + [[r.frame, r.exceptions, r.outcome] for r in self.general.raised]
            + [[v.pattern] for v in READY_VOIDS]
        )
        return [signatures, sorted(self.redefined), hashlib.sha256(tables.encode()).hexdigest(), general]


BUILTIN_RULES = Ruleset(BUILTIN_SIGNATURES)


def merge_signatures(overrides: Iterable[tuple[str, Sequence[str], int | None]]) -> Ruleset:
    """Built-ins with the matrix's additions and overrides (same name replaces patterns), by rank."""
    by_name = {sig.name: sig for sig in BUILTIN_SIGNATURES}
    redefined: set[str] = set()
    for name, patterns, rank in overrides:
        mine = tuple(Pattern(regex, "matrix file") for regex in patterns)
        current = by_name.get(name)
        if current is None and name not in RANK:
            by_name[name] = Signature(name, 0 if rank is None else rank, mine)
        else:
            old_rank = current.rank if current is not None else RANK[name]
            by_name[name] = Signature(name, old_rank if rank is None else rank, mine)
            redefined.add(name)
    return Ruleset(tuple(sorted(by_name.values(), key=lambda sig: sig.rank)), redefined=frozenset(redefined))


@dataclass(frozen=True)
class Match:
    """A log line that decided (or may decide) a verdict, and the rule that matched it."""

    name: str
    rank: int
    line_no: int
    line: str
    family: str = ""
    rule: str = ""
    """The enumeration value, documented string or pattern that matched."""


Resolver = Callable[["re.Match[str]"], "tuple[str | None, str] | None"]
"""A match to (outcome, what matched); the outcome None when the value is a failure known to decide
nothing (`cudaErrorInvalidValue`); None when the table does not know the value or it means success."""


@dataclass(frozen=True)
class Rule:
    """One compiled rule: a regex, and how a match of it becomes an outcome (or nothing)."""

    regex: str
    family: str
    resolve: Resolver
    unless_ready: bool = False
    explains: bool = True
    compiled: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "compiled", re.compile(self.regex))


def _fixed(outcome: str, what: str) -> Resolver:
    return lambda match: (outcome, what)


def _looked_up(family: Family, redefined: frozenset[str]) -> Resolver:
    def resolve(match: re.Match[str]) -> tuple[str | None, str] | None:
        groups = match.groupdict()
        if groups.get("number") is not None:
            code = family.code_numbered(groups["number"])
        elif groups.get("text") is not None:
            code = family.code_described(groups["text"])
        else:
            code = family.code_named(match.group(1))
        if code is None or code.outcome in redefined or (code.outcome is None and code.number in (0, "0")):
            return None
        return code.outcome, code.name

    return resolve


def compile_rules(ruleset: Ruleset) -> list[Rule]:
    """Every rule of a ruleset: phrase patterns, then each family's enumeration names and printed forms."""
    rules = [
        Rule(pattern.regex, pattern.family, _fixed(sig.name, pattern.regex), pattern.unless_ready)
        for sig in ruleset.signatures
        for pattern in sig.patterns
    ]
    for family in ruleset.families:
        lookup = _looked_up(family, ruleset.redefined)
        forms = (family.names, *family.forms, family.bare_form)
        rules += [Rule(regex, family.runtime, lookup, explains=family.explains) for regex in forms if regex]
    return rules


@dataclass(frozen=True)
class RaisedRule:
    """A `raised` rule of a family, compiled."""

    family: str
    rule: Raised
    frame: re.Pattern[str]
    exceptions: re.Pattern[str]


def compile_raised(families: Sequence[Family], redefined: frozenset[str]) -> list[RaisedRule]:
    return [
        RaisedRule(family.runtime, raised, re.compile(raised.frame), re.compile(raised.exceptions))
        for family in families
        for raised in family.raised
        if raised.outcome not in redefined
    ]


FRAME_LINE = re.compile(r'File "(?P<path>[^"]+)", line \d+, in (?P<function>\S+)')
EXCEPTION_LINE = re.compile(r"(?<![\w.])(?P<name>(?:[A-Za-z_]\w*\.)*[A-Za-z_]\w*(?:Error|Exception))(?::\s|:?$)")
FRAME_REACH = 12
"""Lines from a traceback's last frame to its exception line: the source line, carets, a multi-line
`raise` and blank lines fit."""


class _LastFrame:
    """The traceback frame last printed, so that an exception line can be told where it was raised."""

    def __init__(self, rules: list[RaisedRule]) -> None:
        self._rules = rules
        self._where = ""
        self._line_no = -FRAME_REACH

    def feed(self, line_no: int, text: str) -> tuple[RaisedRule, str] | None:
        """The rule the exception on this line falls under, if it closes a traceback a rule knows."""
        if not self._rules:
            return None
        if 'File "' in text:
            frame = FRAME_LINE.search(text)
            if frame is not None:
                path = frame["path"].replace("\\", "/")
                self._where, self._line_no = f"{path}:{frame['function']}", line_no
                return None
        if line_no - self._line_no > FRAME_REACH:
            return None
        found = EXCEPTION_LINE.search(text)
        if found is None:
            return None
        where, self._line_no = self._where, -FRAME_REACH
        for rule in self._rules:
            if rule.exceptions.fullmatch(found["name"].rsplit(".", 1)[-1]) and rule.frame.search(where):
                return rule, where
        return None


def required_literals(pattern: str) -> list[str] | None:
    """Strings one of which every match of `pattern` contains, or None when none can be told.

    `x in line` is a C substring search, tens of times faster than a regex over a long line; a line
    with none of a pattern's literals cannot match it. Reads the regex parser's tree (re._parser),
    and falls back to None on anything it does not know."""
    found = _parsed_literals(pattern)
    return None if found is None else list(found)


def folded_literals(pattern: str) -> list[str] | None:
    """Strings one of which `line.casefold()` contains for every line `pattern` matches, case-insensitive
    parts included, or None when none can be told: the prefilter of mostly case-insensitive patterns."""
    found = _parsed_literals(pattern, fold=True)
    return None if found is None else list(found)


@functools.lru_cache(maxsize=4096)
def _parsed_literals(pattern: str, fold: bool = False) -> tuple[str, ...] | None:
    """Parsed once per pattern: every classifier (one per cell, one per saved log) asks for the same
    few hundred, and parsing them was most of a classifier's start."""
    try:
        tree = importlib.import_module("re._parser").parse(pattern)
    except Exception:
        return None
    if tree.state.flags & re.IGNORECASE and not fold:
        return None
    found = _literals_of(list(tree), fold)
    return None if found is None else tuple(literal.casefold() if fold else literal for literal in found)


def _literals_of(items: list[Any], fold: bool = False) -> list[str] | None:
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
            branches = [_literals_of(list(branch), fold) for branch in value[1]]
            if all(branches):
                inner = [literal for branch in branches for literal in branch or ()]
        elif op is sre.SUBPATTERN:
            _group, add_flags, _del_flags, body = value
            if fold or not (add_flags & re.IGNORECASE):
                inner = _literals_of(list(body), fold)
        elif op in (sre.MAX_REPEAT, sre.MIN_REPEAT) and value[0] >= 1:
            inner = _literals_of(list(value[2]), fold)
        if inner:
            candidates.append(inner)
    if run:
        candidates.append([run])
    if not candidates:
        return None
    return max(candidates, key=lambda options: min(len(option) for option in options))


class _Prefilter:
    """Tells cheaply whether a line may match any of the patterns: an Aho-Corasick automaton of the
    patterns' required literals (one pass over the line, whatever the number of literals: a regex
    alternation of hundreds of literals tries a branch at every character of a long line), plus the
    patterns whose literals are not known, searched one by one (joined, one's global flag, group name or
    backreference would break the others')."""

    def __init__(self, patterns: Sequence[str]) -> None:
        self._literals = ahocorasick.Automaton()
        self._unknown: list[tuple[int, re.Pattern[str]]] = []
        needed_by: dict[str, list[int]] = {}
        for at, pattern in enumerate(patterns):
            found = required_literals(pattern)
            if found:
                for literal in found:
                    needed_by.setdefault(literal, []).append(at)
            else:
                self._unknown.append((at, re.compile(pattern)))
        for literal, ats in needed_by.items():
            self._literals.add_word(literal, ats)
        if len(self._literals):
            self._literals.make_automaton()

    def may_match(self, line: str) -> bool:
        if len(self._literals) and next(self._literals.iter(line), None) is not None:
            return True
        return any(pattern.search(line) for _, pattern in self._unknown)

    def which(self, line: str) -> list[int]:
        """The positions, in order, of the patterns that may match: a line that says "failed" needs the
        few rules that need that word, not every rule because one of them does."""
        found = {at for at, _ in self._unknown}
        if len(self._literals):
            for _end, ats in self._literals.iter(line):
                found.update(ats)
        return sorted(found)


_ERROR_WORDS = _Prefilter([ERROR_LINE.pattern])
"""The words ERROR_LINE needs: most lines have none, and one pass rules them out."""


_VOIDS = [re.compile(void.pattern) for void in READY_VOIDS]
_VOID_WORDS = _Prefilter([void.pattern for void in READY_VOIDS])
"""The same for every classifier: built once, not per log."""


NOT_SERVING_YET = re.compile(
    r"(?i)\bloading (?:the )?(?:model|weights|checkpoint|safetensors)|\bStarting to load model\b|\bLoad weight begin\b"
    r"|\bload_tensors:|\bFetching \d+ files\b|\bInitializing an LLM engine\b|\bStarted (?:reloader|parent) process\b"
    r"|^(?:.*: )?(?:line \d+: +\d+ )?Killed\b|\bTraceback \(most recent call last\)"
)
"""After a weak ready line: a server that says it is loading or fetching its model was not serving yet (a
proxy, or a listener opened before the load as llama.cpp's and BentoML's, answers on its own), nor is
uvicorn's app while its supervisor, which bound the socket, starts the workers; and a process killed or
raising since has not stayed up."""


def _not_serving_yet(text: str) -> bool:
    """The server's own line, not a warning's advice or a hint list's bullet ("... by loading the model with
    an auto class")."""
    return NOT_SERVING_YET.search(text) is not None and GENERAL_SKIPS.search(text) is None


READY_RULE = "ready line"
WEAK_READY_RULE = "weak ready line"
"""How a ready match names the line that made it, in `--explain` and for the classifier itself."""
TAKE_BACK = "takes back the weak ready line"
"""Ends the `rule` of an explained line after which a weak ready line no longer counts."""


UVICORN_LOGGER = "uvicorn.error"
"""uvicorn's own logger, named so for all its lines ("Uvicorn running on" through a logging formatter)."""


def is_error_line(text: str) -> bool:
    """Whether a line says something failed; the general vocabulary reads only these."""
    lowered = text.lower().replace(UVICORN_LOGGER, "uvicorn")
    return (
        _ERROR_WORDS.may_match(lowered)
        and ERROR_LINE.search(lowered) is not None
        and GENERAL_SKIPS.search(text) is None
    )


class LogClassifier:
    """Feeds on log lines one at a time and remembers the first ready line and the best failure; with
    `explain`, every line any rule matched."""

    def __init__(
        self, rules: Ruleset | Sequence[Signature], ready_patterns: Sequence[str | ReadyPattern], explain: bool = False
    ) -> None:
        ruleset = rules if isinstance(rules, Ruleset) else Ruleset(tuple(rules))
        self._ruleset = ruleset
        self._rules = compile_rules(ruleset)
        self._last_frame = _LastFrame(compile_raised(ruleset.families, ruleset.redefined))
        self._general_frame = _LastFrame(compile_raised((ruleset.general,), ruleset.redefined))
        self._ready = sorted((_as_ready(p) for p in ready_patterns), key=lambda r: r.weak)
        self._conditions = {c: re.compile(c) for r in self._ready for c in (r.after, r.not_after) if c}
        self._rule_words = _Prefilter([rule.regex for rule in self._rules])
        self._condition_words = _Prefilter(list(self._conditions))
        self._ready_words = _Prefilter([r.pattern for r in self._ready])
        """Apart: the weak ready lines' words (GET, listening...) fill a serving log, and a line that has
        only those needs no failure rule, and nothing at all once the server is ready."""
        self._general = [(re.compile(p.regex), p.outcome, folded_literals(p.regex)) for p in ruleset.general_phrases]
        self._seen: set[str] = set()
        self.voided: Match | None = None
        """The line after which the server said it did not come up after all."""
        self.line_no = 0
        self.failure: Match | None = None
        self.ready: Match | None = None
        self.general: Match | None = None
        """The best outcome the general vocabulary (or an `unless_ready` phrase) found while no ready line
        held: it decides only a log that ends without one."""
        self.explained: list[Match] | None = [] if explain else None

    @property
    def ready_is_weak(self) -> bool:
        """The ready line that holds is a weak one (see `ReadyPattern.weak`)."""
        return self.ready is not None and self.ready.rule == WEAK_READY_RULE

    def _matches(self, text: str, candidates: list[int]) -> tuple[list[Match], bool]:
        """What the tables say of a line (only the `candidates` can), and whether they named it at all (a
        value that decides nothing still explains the line)."""
        matches: list[Match] = []
        named = False
        for rule in (self._rules[at] for at in candidates):
            for found in rule.compiled.finditer(text):
                resolved = rule.resolve(found)
                if resolved is None:
                    continue
                outcome, what = resolved
                named = named or rule.explains
                if outcome is not None and rule.unless_ready:
                    self._note_unless_ready(outcome, text, what, rule.family)
                    break
                if outcome is not None:
                    matches.append(Match(outcome, self._ruleset.rank(outcome), self.line_no, text, rule.family, what))
                    break
        return matches, named

    def feed(self, line: str) -> Match | None:
        """Classify one line; returns the match it produced, if any."""
        self.line_no += 1
        if "\x1b" in line or "#033[" in line:
            line = ANSI_ESCAPE.sub("", line)
        text = line.rstrip("\r\n")
        if self.ready is not None and _VOID_WORDS.may_match(text) and any(v.search(text) for v in _VOIDS):
            self._void_ready(text)
        elif self.ready_is_weak and is_error_line(text):
            self._take_back_ready(text, f"error line {TAKE_BACK}")
        elif self.ready_is_weak and _not_serving_yet(text):
            self._take_back_ready(text, f"not serving yet: {TAKE_BACK}")
        raised = self._raised(text)
        general_raised = self._general_frame.feed(self.line_no, text)
        best: Match | None = None
        rules = self._rule_words.which(text)
        if raised is None and not rules and not self._condition_words.may_match(text):
            self._read_general(text, general_raised)
        else:
            for condition, regex in self._conditions.items():
                if condition not in self._seen and regex.search(text):
                    self._seen.add(condition)
            matches, named = self._matches(text, rules)
            for match in matches if raised is None else [raised, *matches]:
                if self.explained is not None:
                    self.explained.append(match)
                if best is None or match.rank < best.rank:
                    best = match
            if best is None:
                self._read_general(text, general_raised, phrases=not named)
            if best is not None and (self.failure is None or best.rank < self.failure.rank):
                self.failure = best
                return best
        if best is None and (self.ready is None or self.ready_is_weak) and self.voided is None:
            ready_lines = self._ready_words.which(text)
            if ready_lines:
                return self._note_ready(text, ready_lines)
        return None

    def _note_ready(self, text: str, candidates: list[int]) -> Match | None:
        """A ready line (only the `candidates` can match), or a server's own ready line after a weak one (it
        replaces it)."""
        ready = next((self._ready[at] for at in candidates if self._ready_line(self._ready[at], text)), None)
        if ready is None or (ready.weak and self.ready is not None):
            return None
        if ready.weak and (self.general is not None or is_error_line(text)):
            return None
        self.ready = Match(READY, -1, self.line_no, text, "ready", WEAK_READY_RULE if ready.weak else READY_RULE)
        if self.explained is not None:
            self.explained.append(self.ready)
        return self.ready

    def _take_back_ready(self, text: str, why: str) -> None:
        """The weak ready line was not this server's readiness after all, or it failed since; the failure
        rules and the general vocabulary read on, and a later ready line counts."""
        self.ready = None
        if self.explained is not None:
            self.explained.append(Match(READY, -1, self.line_no, text, "ready", why))

    def _void_ready(self, text: str) -> None:
        self.voided = Match(READY, -1, self.line_no, text, "ready", "voids the ready line")
        if self.explained is not None:
            self.explained.append(self.voided)
        self.ready = None

    def _weighing_guesses(self) -> bool:
        """Whether a reading that decides only a log ending without a ready line can still matter."""
        if self.ready is not None or self.voided is not None:
            return False
        return self.failure is None or self.failure.name in WRAPPERS

    def _note_unless_ready(self, outcome: str, text: str, what: str, family: str) -> None:
        if self.ready_is_weak:
            self._take_back_ready(text, f"{family} {TAKE_BACK}")
        if self._weighing_guesses():
            self._note_general(outcome, text, what, family)

    def _read_general(self, text: str, raised: tuple[RaisedRule, str] | None, phrases: bool = True) -> None:
        """The general vocabulary on a line no table decided, while no ready line and no table's cause
        was seen: where its exception was raised, and (unless a table named the line's value as one that
        decides nothing) its phrases."""
        if not self._weighing_guesses():
            return
        if raised is not None:
            self._note_general(raised[0].rule.outcome, text, f"raised in {raised[1]}")
        if not phrases or not self._general or not is_error_line(text):
            return
        folded = text.casefold()
        for regex, outcome, needs in self._general:
            if needs is not None and not any(word in folded for word in needs):
                continue
            if self._ranks_above_general(outcome) and regex.search(text):
                self._note_general(outcome, text, "general vocabulary")

    def _ranks_above_general(self, outcome: str) -> bool:
        return self.general is None or self._ruleset.rank(outcome) < self.general.rank

    def _note_general(self, outcome: str, text: str, what: str, family: str = GENERAL_FAMILY) -> None:
        if self._ranks_above_general(outcome):
            rank = self._ruleset.rank(outcome)
            self.general = Match(outcome, rank, self.line_no, text, family, what)
            if self.explained is not None:
                self.explained.append(self.general)

    def decision(self, ended: bool = True) -> Match | None:
        """The failure that decides the verdict. A table's cause decides; a table's wrapper decides unless
        the general vocabulary named a cause; the general vocabulary alone decides only a log that ended
        (`ended`) without a ready line."""
        specific, general = self.failure, self.general
        if specific is not None:
            if specific.name in WRAPPERS and general is not None and general.name in CAUSES:
                return general
            return specific
        return general if ended and self.ready is None else None

    def _raised(self, text: str) -> Match | None:
        found = self._last_frame.feed(self.line_no, text)
        if found is None:
            return None
        rule, where = found
        outcome = rule.rule.outcome
        return Match(outcome, self._ruleset.rank(outcome), self.line_no, text, rule.family, f"raised in {where}")

    def _ready_line(self, ready: _Ready, text: str) -> bool:
        if ready.after is not None and ready.after not in self._seen:
            return False
        if ready.not_after is not None and ready.not_after in self._seen:
            return False
        return ready.compiled.search(text) is not None


ANSI_ESCAPE = re.compile(r"(?:\x1b|#033)\[[0-9;?]*[A-Za-z]")
"""Colour codes: newer vLLM colours its line prefixes; syslog (rsyslog's control-character escaping) writes the
escape byte as `#033`."""

HARNESS_LINE = "[image-bisect] "
SHUTDOWN_MARK = "so what follows is its shutdown"
"""Ends the line the harness writes into a stored log when it stops a container after its verdict: a saved
log is judged up to it, as the live judge read it, and not on the shutdown's own noise."""


def shutdown_mark(text: str) -> str:
    """The harness's own line that says the container is being stopped: what follows is not judged."""
    return f"{HARNESS_LINE}{text}, {SHUTDOWN_MARK}"


def is_shutdown_mark(line: str) -> bool:
    return line.startswith(HARNESS_LINE) and SHUTDOWN_MARK in line


@dataclass(frozen=True)
class _Ready:
    pattern: str
    after: str | None = None
    not_after: str | None = None
    weak: bool = False
    compiled: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "compiled", re.compile(self.pattern))


def _as_ready(pattern: str | ReadyPattern) -> _Ready:
    if isinstance(pattern, ReadyPattern):
        return _Ready(pattern.pattern, pattern.after, pattern.not_after, pattern.weak)
    return _Ready(pattern)


def ready_fingerprint(patterns: Sequence[str | ReadyPattern]) -> list[Any]:
    """Ready rules as data for result-cache keys."""
    return [[r.pattern, r.after, r.not_after, r.weak] for r in map(_as_ready, patterns)]


def builtin_ready_patterns() -> list[ReadyPattern]:
    return list(BUILTIN_READY)


@dataclass(frozen=True)
class Verdict:
    """The verdict of a whole saved log, every match when explained, and why the winner won."""

    outcome: str
    match: Match | None
    matches: tuple[Match, ...] = ()
    why: str = ""


def explain_winner(outcome: str, matches: Sequence[Match], winner: Match | None = None, ended: bool = False) -> str:
    """Why `outcome` won among `matches`: the ranking, in words. `ended`: the winner decides only because
    the log ended without a ready line (an `unless_ready` phrase)."""
    if ended and winner is not None:
        return f"{winner.family} says {outcome} only of a log that ends without a ready line, as this one does"
    general = winner is not None and winner.family == GENERAL_FAMILY
    failures = [m for m in matches if m.name != READY and (m.family == GENERAL_FAMILY) == general]
    if outcome == UNKNOWN:
        if any(m.rule.endswith(TAKE_BACK) for m in matches):
            return "no rule matched a failure, and the weak ready line seen was taken back"
        return "no rule matched a failure and no ready line was seen"
    if outcome == READY:
        return "a ready line was seen and no rule matched a failure"
    if general:
        tables = sorted({m.name for m in matches if m.name != READY and m.family != GENERAL_FAMILY})
        told = f"the tables named only {' and '.join(tables)}, a wrapper" if tables else "no table named a failure"
        others = sorted({m.name for m in failures} - {outcome})
        ranked = f", the lowest rank of what it read ({', '.join([outcome, *others])})" if others else ""
        return f"{told}; on error lines the general vocabulary says {outcome}{ranked}"
    seen = sorted({(m.rank, m.name) for m in failures})
    reason = f"{outcome} has the lowest rank ({seen[0][0]})"
    others = [f"{name} {rank}" for rank, name in seen[1:]]
    if others:
        reason += f" of the outcomes matched ({', '.join(others)})"
    wrappers = sorted({m.name for m in failures if m.name in WRAPPERS and m.name != outcome})
    if wrappers and outcome not in WRAPPERS:
        verb = "reports" if len(wrappers) == 1 else "report"
        reason += f"; {' and '.join(wrappers)} only {verb} that a layer below failed, so a cause outranks it"
    if any(m.name == READY and m.rule in (READY_RULE, WEAK_READY_RULE) for m in matches):
        reason += "; a failure outranks a ready line"
    return reason


def judge_lines(
    lines: Iterable[str],
    signatures: Ruleset | Sequence[Signature] = BUILTIN_RULES,
    ready_patterns: Sequence[str | ReadyPattern] | None = None,
    explain: bool = False,
) -> Verdict:
    """Verdict of a whole saved log (up to the harness's shutdown mark): the most specific failure, else
    ready, else unknown."""
    patterns = builtin_ready_patterns() if ready_patterns is None else ready_patterns
    classifier = LogClassifier(signatures, patterns, explain=explain)
    for line in lines:
        if is_shutdown_mark(line):
            break
        classifier.feed(line)
    decided = classifier.decision()
    if decided is not None:
        outcome, match = decided.name, decided
    elif classifier.ready is not None:
        outcome, match = READY, classifier.ready
    else:
        outcome, match = UNKNOWN, None
    matches = tuple(classifier.explained or ())
    ended = decided is not None and decided is classifier.general and decided.family != GENERAL_FAMILY
    return Verdict(outcome, match, matches, explain_winner(outcome, matches, match, ended) if explain else "")


def classify_lines(
    lines: Iterable[str],
    signatures: Ruleset | Sequence[Signature] = BUILTIN_RULES,
    ready_patterns: Sequence[str | ReadyPattern] | None = None,
) -> tuple[str, Match | None]:
    """Verdict of a whole saved log: the most specific failure, else ready, else unknown."""
    verdict = judge_lines(lines, signatures, ready_patterns)
    return verdict.outcome, verdict.match


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


ERROR_LOOKING = re.compile(
    r"Traceback \(most recent call last\)|^\s*(?:[\w.]+\.)?\w*(?:Error|Exception|Exit|Fault|Abort)\b:?"
    r"|\b(?:ERROR|FATAL|CRITICAL|PANIC|Fatal error|Fatal Python error)\b|^panic: |Segmentation fault|core dumped"
    r"|^Aborted\b"
    r"|terminate called after throwing|\bwhat\(\): |\bKilled\b"
)
"""Lines that look like a failure though no rule knows them: exception lines, ERROR/FATAL log levels,
crashes. When nothing decided a failed cell, these still show the reader a cause."""


def error_lines(lines: Iterable[str], keep: int = 8) -> list[tuple[int, str]]:
    """The last `keep` error-looking lines with their line numbers, in one pass (logs can be huge)."""
    found: collections.deque[tuple[int, str]] = collections.deque(maxlen=keep)
    for number, line in enumerate(lines, start=1):
        if ERROR_LOOKING.search(line):
            found.append((number, line.rstrip("\r\n")))
    return list(found)
