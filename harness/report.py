"""The outcome table: a pandas pivot of cell outcomes, printed as GitHub markdown by tabulate."""

from __future__ import annotations

from collections.abc import Sequence

from harness.results import CellResult
from harness.signatures import CRASHED, ERROR, NOT_RUN, READY, TIMEOUT

EMOJI = {READY: "✅", CRASHED: "💥", TIMEOUT: "⏱️", ERROR: "⚠️", NOT_RUN: "⏸️"}
FAILURE_EMOJI = "❌"


def cell_text(result: CellResult) -> str:
    emoji = EMOJI.get(result.outcome, FAILURE_EMOJI)
    text = f"{emoji} {result.outcome}"
    if result.outcome == CRASHED and result.exit_code is not None:
        text += f" ({result.exit_code})"
    return text


def escape_markdown_cell(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def outcome_table(results: Sequence[CellResult], rows: Sequence[str], cols: Sequence[str]) -> str:
    """GitHub-flavoured markdown: one row per combination of `rows`, one column per `cols` value."""
    import pandas as pd
    from tabulate import tabulate

    if not results:
        return "(no cells)"
    records = [{**r.labels, "_outcome": cell_text(r)} for r in results]
    frame = pd.DataFrame.from_records(records)
    row_axes = list(rows) or ["_all"]
    if not rows:
        frame["_all"] = "outcome"
    if cols:
        pivot = frame.pivot_table(
            index=row_axes,
            columns=list(cols),
            values="_outcome",
            aggfunc=lambda values: " / ".join(dict.fromkeys(values)),
            sort=False,
        ).fillna("")
        col_headers = [
            ", ".join(
                f"{axis}={value}" for axis, value in zip(cols, key if isinstance(key, tuple) else (key,), strict=True)
            )
            for key in pivot.columns
        ]
    else:
        pivot = frame.groupby(row_axes, sort=False)["_outcome"].agg(lambda v: " / ".join(dict.fromkeys(v))).to_frame()
        col_headers = ["outcome"]
    body = []
    for index, row in pivot.iterrows():
        keys = index if isinstance(index, tuple) else (index,)
        body.append([escape_markdown_cell(str(k)) for k in keys] + [str(v) for v in row.tolist()])
    headers = [escape_markdown_cell(h) for h in (list(rows) if rows else [""])] + [
        escape_markdown_cell(h) for h in col_headers
    ]
    return str(tabulate(body, headers=headers, tablefmt="github", disable_numparse=True))


def summary_counts(results: Sequence[CellResult]) -> str:
    counts: dict[str, int] = {}
    for result in results:
        counts[result.outcome] = counts.get(result.outcome, 0) + 1
    return ", ".join(f"{outcome} {count}" for outcome, count in sorted(counts.items(), key=lambda kv: -kv[1]))
