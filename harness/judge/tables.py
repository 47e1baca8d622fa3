"""The README's tables of what the classifier knows, generated from the families (a test keeps the
README equal to them; `python -m harness.judge.tables` rewrites them in place)."""

from __future__ import annotations

import re
from collections import Counter

from harness.judge.families.ready import BUILTIN_READY, READY_VOIDS
from harness.judge.judge import WEAK_READY_HOLD
from harness.judge.signatures import BUILTIN_FAMILIES
from harness.outcomes import RANK, WRAPPERS


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _code_span(text: str) -> str:
    """A code span for a table cell, its fence longer than any run of backticks inside (regexes hold some)."""
    runs = [len(run) for run in re.findall(r"`+", text)]
    fence = "`" * (max(runs, default=0) + 1)
    pad = " " if runs else ""
    return f"{fence}{pad}{_cell(text)}{pad}{fence}"


def outcome_table() -> str:
    """One row per failure outcome: its rank, whether it is a wrapper, and which families say it."""
    rows = ["| outcome | rank | kind | said by |", "|---|---|---|---|"]
    for outcome, rank in sorted(RANK.items(), key=lambda item: item[1]):
        families = [
            f.runtime
            for f in BUILTIN_FAMILIES
            if outcome in {c.outcome for c in f.codes} | {p.outcome for p in f.phrases} | {r.outcome for r in f.raised}
        ]
        kind = "wrapper" if outcome in WRAPPERS else "cause"
        rows.append(f"| `{outcome}` | {rank} | {kind} | {', '.join(families)} |")
    return "\n".join(rows) + "\n"


def family_table() -> str:
    """One row per family: where its table comes from and how many of its values map to each outcome."""
    rows = ["| family | from | values (outcome: count) | phrases | raised in |", "|---|---|---|---|---|"]
    for family in BUILTIN_FAMILIES:
        counts = Counter(c.outcome or "none" for c in family.codes)
        values = ", ".join(f"{name} {n}" for name, n in sorted(counts.items())) if family.codes else "-"
        source = _cell(family.source[:160])
        rows.append(f"| `{family.runtime}` | {source} | {values} | {len(family.phrases)} | {len(family.raised)} |")
    return "\n".join(rows) + "\n"


def ready_table() -> str:
    """One row per ready line: the server, its regex, the releases it covers and what it needs around it."""
    rows = ["| server | ready line (regex) | versions | condition |", "|---|---|---|---|"]
    for ready in BUILTIN_READY:
        condition = []
        if ready.after:
            condition.append(f"after {_code_span(ready.after)}")
        if ready.not_after:
            condition.append(f"not after {_code_span(ready.not_after)}")
        if ready.weak:
            condition.append(
                "weak: not after a general-vocabulary reading; an error line, a model load, a supervisor's line, a kill"
                f" or a traceback after it takes it back; held {WEAK_READY_HOLD:g} s live"
            )
        needs = "; ".join(condition) or "-"
        rows.append(f"| {ready.server} | {_code_span(ready.pattern)} | {ready.versions or '-'} | {needs} |")
    return "\n".join(rows) + "\n"


def void_table() -> str:
    """One row per line after which an earlier ready line no longer counts."""
    rows = ["| who | voids the ready line (regex) | why |", "|---|---|---|"]
    for void in READY_VOIDS:
        rows.append(f"| {void.server} | {_code_span(void.pattern)} | {_cell(void.source)} |")
    return "\n".join(rows) + "\n"


def generated_tables() -> tuple[str, ...]:
    """Every table the README shows, in the order it shows them."""
    return (outcome_table(), family_table(), ready_table(), void_table())


def refreshed(readme: str) -> str:
    """The README with each generated table replaced in place; a table is found by its header row."""
    lines = readme.splitlines(keepends=True)
    for table in generated_tables():
        header = table.splitlines(keepends=True)[0]
        if header not in lines:
            raise ValueError(f"README has no table headed {header.strip()!r}: insert that header row by hand once")
        start = lines.index(header)
        end = start
        while end < len(lines) and lines[end].startswith("|"):
            end += 1
        lines[start:end] = table.splitlines(keepends=True)
    return "".join(lines)


if __name__ == "__main__":
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "README.md"
    path.write_text(refreshed(path.read_text()))
