"""Issue-ready reports of a stored run: the outcome table (a pandas pivot printed by tabulate), the
summary in words, what exactly was tested, and one collapsible block per cell that did not serve.

Markdown is written for GitHub: text from logs is escaped or fenced, long lines are cut, and the
whole document fits a comment (65,536 characters) by trimming log excerpts first and saying so.
"""

from __future__ import annotations

import html
import io
import json
import re
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import yaml

from harness import __version__
from harness.judge.signatures import CRASHED, ERROR, NOT_RUN, READY, TIMEOUT, error_lines
from harness.matrix.spec import default_table
from harness.report.explain import describe, explain
from harness.report.formats import Formats
from harness.run.backends.inventory import HostFacts, ImageFacts
from harness.store.results import CellResult, RunRecord

EMOJI = {READY: "✅", CRASHED: "💥", TIMEOUT: "⏱️", ERROR: "⚠️", NOT_RUN: "⏸️"}
FAILURE_EMOJI = "❌"
REUSED = "♻️"
LEGEND = (
    "✅ ready · ❌ failure signature matched in the log · 💥 crashed (exit code, no known signature) · "
    "⏱️ timeout · ⚠️ error (could not be tested) · ⏸️ not run · ♻️ result reused from an earlier run "
    "(same image ids, compose file and rules) · k/N: outcome of k of N launches"
)
GITHUB_COMMENT_LIMIT = 65_536
MAX_LINE = 500
MAX_MATCHED_LINE = 1000


def _outcome_text(outcome: str, exit_code: int | None) -> str:
    text = f"{EMOJI.get(outcome, FAILURE_EMOJI)} {outcome}"
    if outcome == CRASHED and exit_code is not None:
        text += f" ({exit_code})"
    return text


def cell_text(result: CellResult, show: Sequence[str] = ()) -> str:
    """`❌ device_lost`, or for a repeated cell `❌ device_lost 2/3 · ✅ ready 1/3 · flaky`."""
    if result.attempts:
        counts: dict[str, int] = {}
        for attempt in result.attempts:
            text_of = _outcome_text(attempt.outcome, attempt.exit_code if attempt.outcome == CRASHED else None)
            counts[text_of] = counts.get(text_of, 0) + 1
        total = len(result.attempts)
        text = " · ".join(f"{outcome} {count}/{total}" for outcome, count in counts.items())
        if result.flaky:
            text += " · flaky"
    else:
        text = _outcome_text(result.outcome, result.exit_code)
    if result.cached_from is not None:
        text += f" {REUSED}"
    for name in show:
        value = result.column(name)
        if value is not None:
            text += f" · {name} {escape_markdown_cell(value)}"
    return text


_MARKDOWN_SPECIAL = re.compile(r"([\\`*<|@])")


def escape_markdown_cell(text: str) -> str:
    """Text that renders literally in a GitHub table cell or paragraph (no formatting, no @mention)."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", cut_line(text)).replace("\n", " ")


def cut_line(line: str, limit: int = MAX_LINE) -> str:
    if len(line) <= limit:
        return line
    return f"{line[:limit]} …[{len(line) - limit} more characters]"


def code_span(text: str, limit: int = MAX_LINE) -> str:
    """Inline code that survives backticks in the text, for log lines in prose."""
    text = cut_line(text.replace("\n", " "), limit)
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or longest else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def code_block(lines: Sequence[str], language: str = "text") -> str:
    """A fenced block longer than any backtick run inside it, so a log cannot close it early."""
    body = "\n".join(cut_line(line) for line in lines)
    longest = max((len(run) for run in re.findall(r"`{3,}", body)), default=2)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{language}\n{body}\n{fence}"


def outcome_table(
    results: Sequence[CellResult], rows: Sequence[str], cols: Sequence[str], show: Sequence[str] = ()
) -> str:
    """GitHub-flavoured markdown: one row per combination of `rows`, one column per `cols` value."""
    import pandas as pd
    from tabulate import tabulate

    if not results:
        return "(no cells)"
    records = [{**r.labels, "_outcome": cell_text(r, show)} for r in results]
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


@dataclass(frozen=True)
class ReportOptions:
    rows: tuple[str, ...] | None = None
    cols: tuple[str, ...] | None = None
    show: tuple[str, ...] | None = None
    before: int | None = None
    after: int | None = None
    display_root: str | None = None
    """how the report names the run folder in commands (default: relative to the working directory)"""
    limit: int = GITHUB_COMMENT_LIMIT


@dataclass(frozen=True)
class Excerpt:
    """Log lines around the deciding line (or the last lines when no line decided), with line numbers."""

    first_line_no: int
    lines: tuple[str, ...]
    source: str


def read_excerpt(log: Path, line_no: int, before: int, after: int) -> Excerpt | None:
    """Stream the stored log once, keeping only the window: logs can be gigabytes."""
    try:
        handle = log.open(encoding="utf-8", errors="replace")
    except OSError:
        return None
    window: deque[str] = deque(maxlen=before + 1 + after)
    with handle:
        for number, line in enumerate(handle, start=1):
            if number < line_no - before:
                continue
            window.append(line.rstrip("\r\n"))
            if number >= line_no + after:
                break
    return Excerpt(max(1, line_no - before), tuple(window), log.name)


def excerpt_of(record: RunRecord, result: CellResult, before: int, after: int) -> Excerpt | None:
    if result.line_no is not None and result.watched_log is not None:
        log = record.path / "cells" / result.cell_id / result.watched_log
        found = read_excerpt(log, result.line_no, before, after)
        if found is not None and result.line is not None and result.line in found.lines:
            return found
    if result.log_tail:
        tail = result.log_tail[-(before + after + 1) :]
        return Excerpt(0, tuple(tail), f"last {len(tail)} lines of {result.service or 'the'} log")
    return None


def _error_lines(record: RunRecord, result: CellResult) -> list[tuple[int, str]]:
    """Error-looking lines of a failed cell no rule decided: from the stored log, else its tail."""
    if result.watched_log is not None:
        log = record.path / "cells" / result.cell_id / result.watched_log
        try:
            with log.open(encoding="utf-8", errors="replace") as handle:
                return error_lines(handle)
        except OSError:
            pass
    return error_lines(result.log_tail)


KERNEL_LINES = 30


def _kernel_lines(record: RunRecord, result: CellResult) -> list[str]:
    if result.kernel_log is None:
        return []
    try:
        lines = (record.path / "cells" / result.cell_id / result.kernel_log).read_text(errors="replace").splitlines()
    except OSError:
        return []
    return lines[-KERNEL_LINES:]


def _run_root_display(record: RunRecord, options: ReportOptions) -> str:
    if options.display_root is not None:
        return f"{options.display_root.rstrip('/')}/{record.run_id}"
    folder = record.path.resolve()
    here = Path.cwd()
    return str(folder.relative_to(here)) if folder.is_relative_to(here) else str(folder)


def reproduce_command(record: RunRecord, result: CellResult, options: ReportOptions) -> str:
    compose = f"{_run_root_display(record, options)}/cells/{result.cell_id}/compose.yaml"
    return f"docker compose -f {compose} up"


def collapsed(summary: str, body: Sequence[str]) -> list[str]:
    """A GitHub `<details>` block; the summary is HTML-escaped, the body is markdown."""
    return ["<details>", f"<summary>{html.escape(summary, quote=False)}</summary>", "", *body, "", "</details>"]


def _short_id(image_id: str) -> str:
    return image_id.removeprefix("sha256:")[:12]


def _image_versions(record: RunRecord) -> dict[str, list[str]]:
    """Version strings found in the logs of each image's cells, e.g. `vllm 0.14.1`."""
    found: dict[str, list[str]] = {}
    for result in record.results:
        image = result.images.get(result.service or "")
        if image is None:
            continue
        for program, version in result.versions.items():
            text = f"{program} {version}"
            if text not in found.setdefault(image, []):
                found[image].append(text)
    return found


def _images_section(images: Sequence[ImageFacts], versions: dict[str, list[str]]) -> list[str]:
    from tabulate import tabulate

    if not images:
        return ["No image facts were recorded (run made before image capture, or no image was present)."]
    rows = []
    for image in images:
        digest = ", ".join(f"`{d}`" for d in image.repo_digests) or "(local build, no repo digest)"
        labels = ", ".join(f"{k}={v}" for k, v in image.labels.items())
        rows.append(
            [
                escape_markdown_cell(image.ref),
                f"`{_short_id(image.id)}`",
                digest,
                escape_markdown_cell((image.created or "?")[:19].replace("T", " ")),
                escape_markdown_cell(", ".join(versions.get(image.ref, [])) or "-"),
                escape_markdown_cell(labels or "-"),
            ]
        )
    headers = ["image", "id", "repo digest", "created (UTC)", "versions in logs", "labels"]
    return [str(tabulate(rows, headers=headers, tablefmt="github", disable_numparse=True))]


def _host_section(host: HostFacts | None) -> list[str]:
    if host is None:
        return ["No host facts were recorded."]
    memory = f"{host.memory_gib:g} GiB" if host.memory_gib is not None else "?"
    engine = f"Docker {host.engine_version or '?'} (API {host.engine_api_version or '?'})"
    if host.engine_remote:
        engine += f", remote engine on {host.engine_os or '?'}, kernel {host.engine_kernel or '?'}"
    lines = [
        f"- OS: {escape_markdown_cell(host.os or '?')}, kernel {escape_markdown_cell(host.kernel or '?')}",
        f"- CPU: {escape_markdown_cell(host.cpu or '?')} ({host.cpus or '?'} logical), memory {memory}",
        f"- Engine: {escape_markdown_cell(engine)}",
        "- GPU device nodes: "
        + (", ".join(f"`{node}`" for node in host.gpu_device_nodes) or "none (/dev/dri, /dev/nvidia*, /dev/kfd)"),
    ]
    if host.gpu_drivers:
        lines.append(
            "- GPU kernel drivers: " + ", ".join(f"{name} {version}" for name, version in host.gpu_drivers.items())
        )
    if not host.gpu_tools:
        lines.append("- GPU tools: none of xpu-smi, clinfo, nvidia-smi, rocm-smi, lspci reported a device")
    for command, output in host.gpu_tools.items():
        lines += ["", f"`{command}`:", "", code_block(output)]
    return lines


def _shape(excerpt: Excerpt) -> tuple[str, ...]:
    """An excerpt with numbers blanked: two cells whose logs differ only in timestamps and pids match."""
    return tuple(re.sub(r"\d+", "#", line) for line in excerpt.lines)


def cell_detail(
    record: RunRecord,
    result: CellResult,
    excerpt: Excerpt | None,
    options: ReportOptions,
    same_as: CellResult | None = None,
) -> str:
    labels = ", ".join(f"{axis}={label}" for axis, label in result.labels.items())
    summary = f"{EMOJI.get(result.outcome, FAILURE_EMOJI)} {result.outcome} — {labels}"
    facts = []
    if result.line is not None and result.source == "kernel":
        kernel_line = code_span(result.line, MAX_MATCHED_LINE)
        facts.append(f"- Matched in the host's kernel log (the container's own log named no cause): {kernel_line}")
    elif result.line is not None:
        where = f" (line {result.line_no} of `{result.watched_log}`)" if result.line_no else ""
        facts.append(f"- Matched{where}: {code_span(result.line, MAX_MATCHED_LINE)}")
    if result.reason:
        facts.append(f"- Reason: {escape_markdown_cell(result.reason)}")
    facts.append(f"- Exit code: {'-' if result.exit_code is None else result.exit_code}")
    facts.append(f"- Seconds to verdict: {'-' if result.seconds is None else f'{result.seconds:g}'}")
    if result.metrics:
        facts.append("- Metrics: " + ", ".join(f"{k} {code_span(v)}" for k, v in result.metrics.items()))
    if result.attempts:
        outcomes = ", ".join(a.outcome for a in result.attempts)
        facts.append(f"- Launches: {outcomes}" + (" (flaky)" if result.flaky else ""))
    if result.cached_from is not None:
        facts.append(f"- Reused from run `{result.cached_from.run_id}` (same image ids, compose file and rules)")
    if result.log_cut:
        facts.append(f"- Log capped by `log_limit`: {result.log_cut} bytes in the middle were not kept")
    facts.append(f"- Cell: `{result.cell_id}`")
    parts = [*facts, ""]
    if result.signature is None and result.outcome != READY:
        found = _error_lines(record, result)
        if found:
            parts += [
                "No rule matched; the last error-looking lines:",
                "",
                code_block([f"{n}: {line}" for n, line in found]),
                "",
            ]
    if same_as is not None:
        labels_before = ", ".join(f"{axis}={label}" for axis, label in same_as.labels.items())
        parts += [f"Log: the same lines as {escape_markdown_cell(labels_before)} above, numbers aside.", ""]
    elif excerpt is not None:
        heading = f"Log ({excerpt.source}" + (f", from line {excerpt.first_line_no})" if excerpt.first_line_no else ")")
        parts += [heading + ":", "", code_block(excerpt.lines), ""]
    if result.gpu_state_changes:
        parts += [
            "GPU state after the cell, against before the first cell:",
            "",
            code_block(result.gpu_state_changes),
            "",
        ]
    kernel = _kernel_lines(record, result)
    if kernel:
        parts += ["What the host's kernel said during the cell (`kernel.log`):", "", code_block(kernel), ""]
    parts += ["Reproduce:", "", code_block([reproduce_command(record, result, options)], "sh")]
    if record.info.masked:
        parts += ["", f"(export {', '.join(record.info.masked)} first: secret values are not stored.)"]
    return "\n".join(collapsed(summary, parts))


def _metrics_section(results: Sequence[CellResult], axes: Sequence[str]) -> list[str]:
    from tabulate import tabulate

    names = list(dict.fromkeys(name for r in results for name in r.metrics))
    if not names:
        return []
    rows = [
        [escape_markdown_cell(r.labels.get(a, "")) for a in axes]
        + [escape_markdown_cell(r.outcome)]
        + [escape_markdown_cell(r.metrics.get(n, "-")) for n in names]
        + ["-" if r.seconds is None else f"{r.seconds:g}"]
        for r in results
    ]
    headers = [*axes, "outcome", *names, "seconds"]
    table = str(tabulate(rows, headers=headers, tablefmt="github", disable_numparse=True))
    return ["### Metrics", "", table, ""]


def _layout(record: RunRecord, options: ReportOptions) -> tuple[list[str], list[str], list[str], list[str]]:
    layout = record.info.layout
    axes = record.axes
    default_rows, default_cols = (layout.rows, layout.cols) if layout else default_table(axes)
    rows = list(options.rows) if options.rows is not None else default_rows
    cols = list(options.cols) if options.cols is not None else default_cols
    show = list(options.show) if options.show is not None else (layout.show if layout else [])
    return axes, rows, cols, show


def markdown_report(record: RunRecord, options: ReportOptions = ReportOptions()) -> str:
    """The whole report, within `options.limit` characters: excerpts shrink first, then go, then blocks."""
    results = record.results
    settings = record.info.report
    before = settings.before if options.before is None else options.before
    after = settings.after if options.after is None else options.after
    failing = [r for r in results if r.outcome != READY]
    excerpts = {r.cell_id: excerpt_of(record, r, before, after) for r in failing}
    attempts = _trim_steps(failing, excerpts)
    for note, trimmed in attempts:
        text = _document(record, options, trimmed, note)
        if len(text) <= options.limit:
            return text
    marker = "\n\n…[report cut at GitHub's comment limit; see the run folder for the rest]\n"
    return text[: options.limit - len(marker)] + marker


def _trim_steps(
    failing: Sequence[CellResult], excerpts: dict[str, Excerpt | None]
) -> Iterator[tuple[str | None, list[tuple[CellResult, Excerpt | None]]]]:
    """Ever smaller versions of the details: full, then shorter excerpts, then none, then fewer blocks."""
    yield None, [(r, excerpts[r.cell_id]) for r in failing]
    note = (
        "Log excerpts were shortened to fit GitHub's 65,536-character comment limit; full logs are in the run folder."
    )
    for keep in (10, 5, 2):
        yield note, [(r, _shorten(excerpts[r.cell_id], keep)) for r in failing]
    note = "Log excerpts were left out to fit GitHub's comment limit; full logs are in the run folder."
    yield note, [(r, None) for r in failing]
    shown = len(failing)
    while shown > 1:
        shown //= 2
        yield (
            f"Only {shown} of {len(failing)} failing cells are detailed, to fit GitHub's comment limit; "
            "the others are in the run folder.",
            [(r, None) for r in failing[:shown]],
        )


def _shorten(excerpt: Excerpt | None, keep: int) -> Excerpt | None:
    if excerpt is None or len(excerpt.lines) <= keep:
        return excerpt
    middle = len(excerpt.lines) // 2
    start = max(0, middle - keep // 2)
    first = excerpt.first_line_no + start if excerpt.first_line_no else 0
    return replace(excerpt, lines=excerpt.lines[start : start + keep], first_line_no=first)


def _document(
    record: RunRecord,
    options: ReportOptions,
    details: Sequence[tuple[CellResult, Excerpt | None]],
    note: str | None,
) -> str:
    info = record.info
    results = record.results
    axes, rows, cols, show = _layout(record, options)
    findings = explain([(r.labels, r.outcome) for r in results], axes)
    missing = len(info.cells) - len(results)
    out = [f"## image-bisect: {escape_markdown_cell(info.name)}", ""]
    summary = describe(findings, quote=code_span, strong=lambda text: f"**{text}**") if results else "No results yet."
    if missing:
        why = info.stopped or ("interrupted" if info.interrupted else None)
        summary += f" {missing} planned cell{'s' if missing > 1 else ''} did not run" + (
            f" (the run stopped: {why})." if why else "."
        )
    out += [summary, "", outcome_table(results, rows, cols, show), "", f"<sub>{LEGEND}</sub>", ""]
    out += ["### What was tested", ""]
    out += [*_images_section(info.images, _image_versions(record)), ""]
    out += ["Host:", "", *_host_section(info.host), ""]
    finished = info.finished_at or "not finished"
    reporter = f" (report by {__version__})" if info.harness_version != __version__ else ""
    out += [
        f"Run `{info.run_id}` with image-bisect {info.harness_version}{reporter}, "
        f"matrix {code_span(Path(info.matrix_path).name)} ({len(info.cells)} cells), "
        f"{info.started_at} → {finished}.",
        "",
    ]
    if info.masked:
        out += [
            f"Secret values ({', '.join(info.masked)}) are masked everywhere in this report and the run folder.",
            "",
        ]
    out += [*collapsed("matrix file", [code_block(_matrix_lines(info.matrix), "yaml")]), ""]
    out += _compose_section(record)
    out += _metrics_section(results, axes)
    if details:
        out += ["### Cells that did not reach ready", ""]
        if note:
            out += [f"_{note}_", ""]
        shown: dict[tuple[str, ...], CellResult] = {}
        for result, excerpt in details:
            same = shown.get(_shape(excerpt)) if excerpt is not None else None
            out.append(cell_detail(record, result, excerpt, options, same_as=same) + "\n")
            if excerpt is not None and same is None:
                shown[_shape(excerpt)] = result
    return "\n".join(out).rstrip() + "\n"


def _compose_section(record: RunRecord) -> list[str]:
    """One cell's compose file as run (secrets as ${NAME}); the others differ only in axis values."""
    shown = next((r for r in record.results if r.outcome != READY), record.results[0] if record.results else None)
    if shown is None:
        return []
    try:
        text = (record.path / "cells" / shown.cell_id / "compose.yaml").read_text(encoding="utf-8")
    except OSError:
        return []
    labels = ", ".join(f"{axis}={label}" for axis, label in shown.labels.items())
    summary = f"compose file of {labels} (other cells differ in their axis values)"
    return [*collapsed(summary, [code_block(text.splitlines(), "yaml")]), ""]


def _matrix_lines(matrix: dict[str, Any]) -> list[str]:
    return yaml.safe_dump(matrix, sort_keys=False, allow_unicode=True, width=100).splitlines()


def json_report(record: RunRecord) -> str:
    findings = explain([(r.labels, r.outcome) for r in record.results], record.axes)
    document = {
        "run": record.info.model_dump(),
        "summary": describe(findings),
        "results": [r.model_dump() for r in record.results],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def csv_report(record: RunRecord) -> str:
    """One row per cell: labels, outcome and every recorded fact, for spreadsheets and pandas."""
    import pandas as pd

    metric_names = list(dict.fromkeys(name for r in record.results for name in r.metrics))
    rows = [
        {
            **r.labels,
            "outcome": r.outcome,
            "signature": r.signature,
            "exit_code": r.exit_code,
            "seconds": r.seconds,
            **{f"metric.{name}": r.metrics.get(name) for name in metric_names},
            "line": r.line,
            "reason": r.reason,
            "cell_id": r.cell_id,
            "image_id": r.image_ids.get(r.service or ""),
        }
        for r in record.results
    ]
    buffer = io.StringIO()
    pd.DataFrame.from_records(rows).to_csv(buffer, index=False, lineterminator="\n")
    return buffer.getvalue()


HTML_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 75em; margin: 2em auto; padding: 0 1em; }}
table {{ border-collapse: collapse; }} th, td {{ border: 1px solid #ccc; padding: 0.3em 0.6em; }}
pre {{ background: #f6f8fa; padding: 0.8em; overflow-x: auto; }} summary {{ cursor: pointer; }}
</style></head><body>
{body}
</body></html>
"""


def html_report(record: RunRecord, options: ReportOptions = ReportOptions()) -> str:
    """The markdown report rendered by markdown-it (CommonMark + tables), as one standalone page."""
    from markdown_it import MarkdownIt

    renderer = MarkdownIt("commonmark", {"html": True}).enable("table")
    unlimited = replace(options, limit=10**9)
    body = renderer.render(markdown_report(record, unlimited))
    return HTML_PAGE.format(title=html.escape(record.info.name), body=body)


FORMATS: Formats[tuple[RunRecord, ReportOptions]] = Formats(
    {
        "md": lambda document: markdown_report(*document),
        "json": lambda document: json_report(document[0]),
        "csv": lambda document: csv_report(document[0]),
        "html": lambda document: html_report(*document),
    }
)


def render_report(record: RunRecord, output_format: str, options: ReportOptions = ReportOptions()) -> str:
    return FORMATS.render(output_format, (record, options))
