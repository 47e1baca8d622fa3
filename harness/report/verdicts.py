"""`bisect classify`'s output: each saved log's verdict, and with `--explain` every line any rule
matched and why the winner won, as text for people or JSON for scripts."""

from __future__ import annotations

import json
from typing import Any

from harness.judge.signatures import READY, UNKNOWN, Verdict
from harness.report.formats import Formats


def verdict_record(file: str, verdict: Verdict, explain: bool) -> dict[str, Any]:
    match = verdict.match
    found: dict[str, Any] = {
        "file": file,
        "outcome": verdict.outcome,
        "signature": match.name if match and verdict.outcome not in (READY, UNKNOWN) else None,
        "line_no": match.line_no if match else None,
        "line": match.line if match else None,
    }
    if explain:
        found["why"] = verdict.why
        found["matches"] = [
            {
                "line_no": m.line_no,
                "outcome": m.name,
                "rank": m.rank,
                "family": m.family,
                "rule": m.rule,
                "line": m.line,
            }
            for m in verdict.matches
        ]
    return found


def verdicts_text(records: list[dict[str, Any]]) -> str:
    lines = []
    for record in records:
        where = f":{record['line_no']}" if record["line_no"] else ""
        line = f"  {record['line']}" if record["line"] else ""
        lines.append(f"{record['file']}{where}: {record['outcome']}{line}")
        if "why" in record:
            lines.append(f"  why: {record['why']}")
            for m in record["matches"]:
                rank = "" if m["outcome"] == READY else f" rank {m['rank']}"
                lines.append(
                    f"  line {m['line_no']}: {m['outcome']}{rank} [{m['family']}: {m['rule']}]  {m['line'][:200]}"
                )
    return "\n".join(lines)


FORMATS: Formats[list[dict[str, Any]]] = Formats(
    {"text": verdicts_text, "json": lambda records: json.dumps(records, indent=2)}
)
