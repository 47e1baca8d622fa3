"""The `bisect` command. User errors are caught in one place (`_Group.invoke`) and become one line
on stderr plus a documented exit code; tables go to stdout, progress and logs to stderr."""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import signal
import sys
from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from typer.core import TyperGroup

from harness.errors import ExitCode, HarnessError, LogFileError, UsageError
from harness.judge.signatures import CRASHED, ERROR, NOT_RUN, READY, TIMEOUT, ReadyPattern, Ruleset
from harness.matrix.spec import Cell, Matrix, expand, load_matrix, matrix_json_schema
from harness.store.results import write_atomic
from harness.units import parse_duration

if TYPE_CHECKING:
    from harness.report.diff import ImageDiff
    from harness.store.masking import Masker

err = Console(stderr=True, soft_wrap=True)


class _Group(TyperGroup):
    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except HarnessError as exc:
            from harness.store.masking import collect_secrets

            message = collect_secrets({}, [os.environ]).text(str(exc))  # the run's own masker may not exist yet
            for line in message.splitlines():
                err.print(f"[bold red]bisect:[/] {escape(line)}")
            raise typer.Exit(int(exc.exit_code)) from None
        except KeyboardInterrupt:
            err.print("bisect: interrupted")
            raise typer.Exit(int(ExitCode.INTERRUPTED)) from None


app = typer.Typer(
    cls=_Group,
    add_completion=False,
    no_args_is_help=True,
    rich_markup_mode=None,
    help="Find which image, env var, capability or parallelism setting breaks a GPU serving stack.\n\n"
    "Exit codes: 0 every cell got a verdict; 1 a cell could not be tested (error) or --fail-on matched; "
    "2 bad input; 3 Docker engine (or registry) unreachable; 130 interrupted.",
)

MatrixArg = Annotated[Path, typer.Argument(help="matrix file (YAML)", show_default=False)]


def _load(path: Path) -> tuple[Matrix, list[Cell]]:
    matrix = load_matrix(path)
    return matrix, expand(matrix.spec, origin=path)


def _check_outcomes(option: str, names: Sequence[str], signatures: Ruleset) -> None:
    """A typo in --fail-on would otherwise never match and silently pass a release pipeline."""
    known = [READY, CRASHED, TIMEOUT, ERROR, NOT_RUN, *signatures.outcomes]
    for name in names:
        if name not in known:
            raise UsageError(f"{option} {name}: unknown outcome; expected one of {', '.join(known)}")


def _raise_interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


@contextlib.contextmanager
def _term_as_interrupt() -> Iterator[None]:
    """SIGTERM stops a run the way Ctrl-C does (containers removed, cells `not_run`)."""
    previous = signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@app.command()
def run(
    matrix_path: MatrixArg,
    resumed_run: Annotated[
        str | None, typer.Argument(metavar="[RUN]", help="with --resume: the run to continue", show_default=False)
    ] = None,
    results: Annotated[Path, typer.Option("--results", help="root folder for run folders")] = Path("results"),
    fail_on: Annotated[
        list[str] | None, typer.Option("--fail-on", help="exit 1 if any cell has this outcome (repeatable)")
    ] = None,
    resume: Annotated[
        bool,
        typer.Option(
            "--resume",
            help="continue the latest run of this matrix (or RUN): final results are kept, the rest launch",
        ),
    ] = False,
    no_cache: Annotated[
        bool, typer.Option("--no-cache", help="launch every cell even when an earlier run has its result")
    ] = False,
    rerun: Annotated[
        list[str] | None,
        typer.Option("--rerun", help="launch again cells whose known result is this outcome (repeatable)"),
    ] = None,
    repeats: Annotated[
        int | None, typer.Option("--repeats", min=1, help="launch each cell N times (default: matrix `repeats`)")
    ] = None,
    until_fail: Annotated[
        bool, typer.Option("--until-fail", help="stop repeating a cell at its first failure")
    ] = False,
    pull: Annotated[bool, typer.Option("--pull", help="pull every image once before launching")] = False,
    wait_engine: Annotated[
        str, typer.Option("--wait-engine", help="when the engine goes away, wait this long for it (e.g. 60s)")
    ] = "0s",
    jobs: Annotated[
        int | None,
        typer.Option("--jobs", "-j", min=1, help="cells at once, on disjoint devices (default: matrix `jobs`, else 1)"),
    ] = None,
    ray_address: Annotated[
        str | None,
        typer.Option(
            "--ray",
            metavar="ADDRESS",
            help="run the cells across a Ray cluster (auto, host:port or ray://host:10001), each node on its own "
            "Docker engine",
        ),
    ] = None,
) -> None:
    """Launch every cell of the matrix and print the outcome table."""
    from harness.report.progress import MatrixProgress
    from harness.report.report import outcome_table, summary_counts
    from harness.run.plan import watch_rules
    from harness.session import ENGINE_LOST, INTERRUPTED, RunRequest, execute

    if resumed_run is not None and not resume:
        raise UsageError(f"{resumed_run}: a second argument names the run to --resume; add --resume")
    matrix, cells = _load(matrix_path)
    signatures = watch_rules(matrix).signatures
    _check_outcomes("--fail-on", fail_on or [], signatures)
    _check_outcomes("--rerun", rerun or [], signatures)
    try:
        wait_seconds = parse_duration(wait_engine)
    except ValueError as exc:
        raise UsageError(f"--wait-engine: {exc}") from None
    request = RunRequest(
        matrix=matrix,
        cells=cells,
        results=results,
        resume=(resumed_run or "latest") if resume else None,
        use_cache=not no_cache,
        rerun=frozenset(rerun or []),
        repeats=repeats,
        until_fail=until_fail,
        pull=pull,
        wait_engine=wait_seconds,
        jobs=jobs,
    )
    layout = matrix.spec.table_layout()
    with (
        _term_as_interrupt(),
        MatrixProgress(err, cells, layout.rows, layout.cols, matrix.spec.timeout, jobs or matrix.spec.jobs) as progress,
    ):
        backend = _backend(ray_address)
        try:
            outcome = execute(request, progress, backend)
        finally:
            backend.close()
    typer.echo(outcome_table(outcome.results, layout.rows, layout.cols, layout.show))
    reused = f"; {outcome.reused} reused without launching" if outcome.reused else ""
    err.print(f"{summary_counts(outcome.results)}{reused}; results in {outcome.folder}")
    root = f" --results {results}" if results != Path("results") else ""
    err.print(f"issue-ready report: bisect report {outcome.run_id}{root}")
    if outcome.stopped == INTERRUPTED:
        err.print(f"bisect: interrupted; the interrupted cell is recorded as not_run; continue with --resume{root}")
        raise typer.Exit(int(ExitCode.INTERRUPTED))
    if outcome.stopped == ENGINE_LOST:
        err.print(f"bisect: the Docker engine went away; results so far are kept; continue with --resume{root}")
        raise typer.Exit(int(ExitCode.DOCKER_UNAVAILABLE))
    failing = {ERROR, *(fail_on or [])}
    if any(r.outcome in failing for r in outcome.results):
        raise typer.Exit(int(ExitCode.CELL_FAILED))


ResultsOption = Annotated[Path, typer.Option("--results", help="root folder of run folders")]


@app.command()
def find(
    matrix_path: MatrixArg,
    axis: Annotated[str, typer.Option("--axis", help="the ordered axis to search (e.g. image)", show_default=False)],
    good: Annotated[str, typer.Option("--good", help="a value of the axis known good", show_default=False)],
    bad: Annotated[str, typer.Option("--bad", help="a value of the axis known bad", show_default=False)],
    where: Annotated[str | None, typer.Option("--where", help="the other axes fixed: AXIS=LABEL,AXIS=LABEL")] = None,
    values: Annotated[
        str | None, typer.Option("--values", help="the axis's order, comma-separated (default: the matrix's)")
    ] = None,
    regress: Annotated[
        str,
        typer.Option("--regress", help="what bad means: failure (anything but ready), ready (the fix), or a signature"),
    ] = "failure",
    skip: Annotated[
        list[str] | None, typer.Option("--skip", help="another outcome that cannot tell (repeatable)")
    ] = None,
    jobs: Annotated[
        int | None, typer.Option("--jobs", "-j", min=1, help="points tested at once (default: matrix `jobs`)")
    ] = None,
    repeats: Annotated[
        int | None, typer.Option("--repeats", min=1, help="launches per point; bad when any launch is bad")
    ] = None,
    output_format: Annotated[str, typer.Option("--format", help="md or json")] = "md",
    out: Annotated[Path | None, typer.Option("--out", "-o", help="write to this file instead of stdout")] = None,
    results: ResultsOption = Path("results"),
) -> None:
    """The first bad value of an ordered axis (a release line): a search that launches a few points
    instead of the full sweep. Exit 1 when the good and bad ends do not differ."""
    from harness.run.backends.docker import DockerBackend
    from harness.run.plan import watch_rules
    from harness.search.runs import (
        FIND_FORMATS,
        RunOracle,
        find_report,
        images_either_side,
        line_of,
        marker,
        run_find,
    )

    FIND_FORMATS.check(output_format)
    matrix, cells = _load(matrix_path)
    outcomes = watch_rules(matrix).signatures
    if regress not in ("failure", READY):
        _check_outcomes("--regress", [regress], outcomes)
    _check_outcomes("--skip", skip or [], outcomes)
    fixed = dict(_pair(part, "--where") for part in (where or "").split(",") if part)
    line = line_of(matrix, cells, axis, good, bad, fixed, _axes_option(values))
    reporter = _PlainReporter()
    oracle = RunOracle(matrix, results, reporter, DockerBackend(), jobs=jobs, repeats=repeats)
    batch = jobs or matrix.spec.jobs
    with _term_as_interrupt():
        result = run_find(line, oracle, marker(regress, skip or []), batch)
    report = find_report(line, result, oracle, regress, skip or [])
    pair = images_either_side(report)
    if pair is not None:
        report = replace(report, image_diff=_image_diff(*pair, results))
    _write_output(FIND_FORMATS.render(output_format, report) + "\n", out)
    if not result.ends_differ:
        raise typer.Exit(int(ExitCode.CELL_FAILED))


@app.command()
def isolate(
    matrix_path: MatrixArg,
    good: Annotated[str, typer.Option("--good", help="the good cell: its id or axis=label,...", show_default=False)],
    bad: Annotated[str, typer.Option("--bad", help="the bad cell: its id or axis=label,...", show_default=False)],
    repeats: Annotated[int | None, typer.Option("--repeats", min=1, help="launches per cell")] = None,
    output_format: Annotated[str, typer.Option("--format", help="md or json")] = "md",
    out: Annotated[Path | None, typer.Option("--out", "-o", help="write to this file instead of stdout")] = None,
    results: ResultsOption = Path("results"),
) -> None:
    """The settings that turn the good cell's outcome into the bad one's: each axis value, environment
    variable, capability or device that differs is tried apart (delta debugging), launching cells the
    matrix never listed. Exit 1 when both cells have the same outcome."""
    from harness.run.backends.docker import DockerBackend
    from harness.search.runs import ISOLATE_FORMATS, RunOracle, run_isolate, select_cell

    ISOLATE_FORMATS.check(output_format)
    matrix, cells = _load(matrix_path)
    good_cell, bad_cell = select_cell(cells, good, "--good"), select_cell(cells, bad, "--bad")
    oracle = RunOracle(matrix, results, _PlainReporter(), DockerBackend(), jobs=1, repeats=repeats)
    with _term_as_interrupt():
        report = run_isolate(good_cell, bad_cell, oracle)
    _write_output(ISOLATE_FORMATS.render(output_format, report), out)
    if not report.result.ends_differ:
        raise typer.Exit(int(ExitCode.CELL_FAILED))


@app.command()
def diff(
    before: Annotated[str, typer.Argument(metavar="IMAGE_A", help="the older image", show_default=False)],
    after: Annotated[str, typer.Argument(metavar="IMAGE_B", help="the newer image", show_default=False)],
    output_format: Annotated[str, typer.Option("--format", help="md or json")] = "md",
    out: Annotated[Path | None, typer.Option("--out", "-o", help="write to this file instead of stdout")] = None,
    results: ResultsOption = Path("results"),
) -> None:
    """What changed between two local images, read without starting them: GPU stack, Python and
    Debian packages, environment, entrypoint and layers (cached per image id under RESULTS/.images)."""
    from harness.report.diff import FORMATS

    FORMATS.check(output_format)
    found, masker = _read_images(before, after, results)
    _write_output(masker.text(FORMATS.render(output_format, found)), out)


def _flipping_image_diffs(record: Any, results: Path) -> str:
    """For each axis that changes the image, and each pair of neighbouring values where some cell's
    outcome flips, what changed between the two images (when the engine still has them)."""
    from harness.report.compare import compare, split_by_axis

    sections: list[str] = []
    for axis in record.axes:
        values = list(dict.fromkeys(r.labels.get(axis) for r in record.results))
        for old, new in itertools.pairwise(values):
            comparison = compare(*split_by_axis(record, axis, str(old), str(new)), [axis])
            sections += _image_diff_section(comparison, results)
    return "\n".join(sections) + ("\n" if sections else "")


def _image_diff_section(comparison: Any, results: Path) -> list[str]:
    """What changed between the two sides' images, collapsed, when the sides ran different images and
    some cell flipped; nothing otherwise."""
    from harness.report.compare import changed_images
    from harness.report.report import collapsed

    images = changed_images(comparison)
    if images is None or not any(c.kind in ("regression", "fix", "changed") for c in comparison.changes):
        return []
    found = _image_diff(*images, results)
    return ["", *collapsed(f"What changed between {images[0]} and {images[1]}", [found])] if found else []


def _read_images(before: str, after: str, results: Path) -> tuple[ImageDiff, Masker]:
    """Both images read (cached per image id) and compared, and the masker of their environments."""
    from harness.report.diff import diff_images
    from harness.run.backends import docker_ops
    from harness.run.backends.image_contents import read_contents
    from harness.store.masking import collect_secrets

    client = docker_ops.connect()
    first, second = (read_contents(client, ref, results / ".images") for ref in (before, after))
    return diff_images(first, second), collect_secrets({}, [first.env, second.env])


def _image_diff(before: str, after: str, results: Path) -> str | None:
    """The markdown of `bisect diff` for two images, or None when they cannot be read here."""
    from harness.report.diff import diff_markdown

    try:
        found, masker = _read_images(before, after, results)
    except HarnessError as exc:
        err.print(f"no image diff: {exc}", markup=False)
        return None
    return masker.text(diff_markdown(found))


@app.command()
def watch(
    matrix_path: MatrixArg,
    repo: Annotated[str, typer.Option("--repo", help="REGISTRY/NAME whose tags are the releases", show_default=False)],
    axis: Annotated[str, typer.Option("--axis", help="the image axis of the matrix")] = "image",
    match: Annotated[str | None, typer.Option("--match", help="regex selecting the release tags")] = None,
    every: Annotated[
        str | None, typer.Option("--every", help="keep watching, this often (e.g. 6h); default: once")
    ] = None,
    fail_on_regression: Annotated[
        bool, typer.Option("--fail-on-regression", help="exit 1 when a new release regressed")
    ] = False,
    results: ResultsOption = Path("results"),
) -> None:
    """Qualify every new or rebuilt release tag of a repository against the last good one: pull it, run
    the matrix with the two, and write the comparison (under RESULTS/.watch/)."""
    import time

    from harness.run.backends.docker import DockerBackend
    from harness.watch.qualify import qualify

    matrix = load_matrix(matrix_path)
    interval = parse_duration(every) if every else None
    reporter = _PlainReporter()
    regressed = False
    wait = 10.0
    while True:
        backend = DockerBackend()
        try:
            verdicts = qualify(
                matrix,
                axis,
                repo,
                results,
                reporter,
                backend,
                _puller(backend, reporter),
                match,
                describe=lambda before, after: _image_diff(before, after, results),
            )
        except HarnessError as exc:
            if interval is None:
                raise
            err.print(f"bisect watch: {exc}; trying again in {wait:g}s", markup=False)
            time.sleep(wait)
            wait = min(wait * 2, interval)
            continue
        finally:
            backend.close()
        wait = 10.0
        for verdict in verdicts:
            against = f" against {verdict.against}" if verdict.against else " (first release)"
            found = f"{verdict.regressions} regression(s)" if verdict.regressions else "no regression"
            typer.echo(f"{verdict.tag}{against}: {found}; {verdict.report}")
            regressed = regressed or verdict.regressions > 0
        if interval is None:
            break
        time.sleep(interval)
    if fail_on_regression and regressed:
        raise typer.Exit(int(ExitCode.CELL_FAILED))


def _puller(backend: Any, reporter: Any) -> Any:
    from harness.run.backends import docker_ops

    return lambda ref: docker_ops.pull(backend.client, ref, reporter.note)


def _pair(text: str, option: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep or not name or not value:
        raise UsageError(f"{option} {text}: expected AXIS=LABEL")
    return name.strip(), value.strip()


class _PlainReporter:
    """A search's runs, one line per event on stderr."""

    def note(self, text: str) -> None:
        err.print(text, markup=False, highlight=False)

    def cell_started(self, cell: Cell) -> None:
        err.print(f"launching {cell.describe()}", markup=False, highlight=False)

    def cell_finished(self, result: Any) -> None:
        known = " (known)" if result.cached_from else ""
        err.print(f"{result.cell_id}: {result.outcome}{known}", markup=False, highlight=False)

    def cell_line(self, cell_id: str, line: str) -> None:
        pass


def _backend(ray_address: str | None) -> Any:
    """The local Docker engine, or a Ray cluster of them."""
    if ray_address is None:
        from harness.run.backends.docker import DockerBackend

        return DockerBackend()
    from harness.run.backends.ray import RayBackend

    return RayBackend(ray_address)


def _write_output(text: str, out: Path | None) -> None:
    if out is None:
        typer.echo(text, nl=False)
        return
    try:
        write_atomic(out, text)
    except OSError as exc:
        raise UsageError(f"{out}: cannot write: {exc.strerror}") from None
    err.print(f"wrote {out}")


def _axes_option(value: str | None) -> tuple[str, ...] | None:
    return None if value is None else tuple(a for a in value.split(",") if a)


@app.command()
def report(
    run_ref: Annotated[str, typer.Argument(metavar="RUN", help="run id, run folder or `latest`", show_default=False)],
    output_format: Annotated[str, typer.Option("--format", help="md, json, csv or html")] = "md",
    out: Annotated[Path | None, typer.Option("--out", "-o", help="write to this file instead of stdout")] = None,
    rows: Annotated[str | None, typer.Option("--rows", help="table row axes, comma-separated")] = None,
    cols: Annotated[str | None, typer.Option("--cols", help="table column axes, comma-separated")] = None,
    show: Annotated[str | None, typer.Option("--show", help="metrics shown in table cells, comma-separated")] = None,
    before: Annotated[int | None, typer.Option("--before", min=0, help="log lines before a matched line")] = None,
    after: Annotated[int | None, typer.Option("--after", min=0, help="log lines after a matched line")] = None,
    results: ResultsOption = Path("results"),
) -> None:
    """Write an issue-ready report of a stored run (markdown fits one GitHub comment)."""
    from harness.report.report import FORMATS, ReportOptions, render_report
    from harness.store.results import load_run, resolve_run

    FORMATS.check(output_format)
    record = load_run(resolve_run(run_ref, results))
    axes = record.axes
    for option, chosen in (("--rows", _axes_option(rows)), ("--cols", _axes_option(cols))):
        unknown = [a for a in chosen or () if a not in axes]
        if unknown:
            raise UsageError(f"{option}: unknown axis {', '.join(unknown)}; axes of this run are {', '.join(axes)}")
    options = ReportOptions(
        rows=_axes_option(rows), cols=_axes_option(cols), show=_axes_option(show), before=before, after=after
    )
    text = render_report(record, output_format, options)
    if output_format == "md":
        text += _flipping_image_diffs(record, results)
    _write_output(text, out)


@app.command()
def compare(
    runs: Annotated[
        list[str],
        typer.Argument(
            metavar="RUN_A [RUN_B | OLD NEW]",
            help="two runs (id, folder or `latest`), or one run and two values of --axis",
            show_default=False,
        ),
    ],
    axis: Annotated[
        str | None,
        typer.Option(
            "--axis", help="one run: the axis whose values OLD and NEW are compared; two runs: the axis to ignore"
        ),
    ] = None,
    output_format: Annotated[str, typer.Option("--format", help="md or json")] = "md",
    fail_on_regression: Annotated[
        bool, typer.Option("--fail-on-regression", help="exit 1 when any cell went from ready to a failure")
    ] = False,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="write to this file instead of stdout")] = None,
    results: ResultsOption = Path("results"),
) -> None:
    """Show only what changed: regressions, fixes and changes of failure kind.

    `bisect compare RUN --axis image 1.3 1.4` compares two values of an axis within one run;
    `bisect compare RUN_A RUN_B` matches two runs on their shared axes."""
    from harness.report.compare import FORMATS, Side, compare, differing_axes, split_by_axis
    from harness.store.results import load_run, resolve_run

    FORMATS.check(output_format)
    if len(runs) == 3 and axis is not None:
        record = load_run(resolve_run(runs[0], results))
        before, after = split_by_axis(record, axis, runs[1], runs[2])
        ignore = [axis]
    elif len(runs) == 2:
        first, second = (load_run(resolve_run(ref, results)) for ref in runs)
        before, after = Side(first.run_id, first.results), Side(second.run_id, second.results)
        ignore = [axis] if axis else differing_axes(before.results, after.results)
    else:
        raise UsageError("compare takes two runs (RUN_A RUN_B) or one run and two values: RUN --axis AXIS OLD NEW")
    comparison = compare(before, after, ignore)
    text = FORMATS.render(output_format, comparison)
    section = _image_diff_section(comparison, results) if output_format == "md" else []
    if section:
        text = text.rstrip("\n") + "\n" + "\n".join(section) + "\n"
    _write_output(text, out)
    if fail_on_regression and comparison.regressions:
        err.print(f"bisect: {len(comparison.regressions)} regression(s)")
        raise typer.Exit(int(ExitCode.CELL_FAILED))


@app.command()
def history(
    axis: Annotated[str, typer.Option("--axis", help="axis to follow across runs, e.g. image")] = "image",
    results: ResultsOption = Path("results"),
) -> None:
    """One row per value of an axis (and image digest) over every stored run, with outcome counts."""
    from harness.report.compare import history as build_history
    from harness.report.compare import history_markdown
    from harness.store.results import load_run, run_folders

    records = [load_run(folder) for folder in run_folders(results)]
    if not records:
        raise UsageError(f"{results}: no run folders here; run `bisect run MATRIX` first or pass --results")
    typer.echo(history_markdown(build_history(records, axis), axis), nl=False)


def _say(notices: Sequence[str]) -> None:
    for line in notices:
        err.print(f"bisect: {escape(line)}")


@app.command()
def plan(matrix_path: MatrixArg) -> None:
    """List the cells of a matrix and check every one (render and translate) without launching anything."""
    from tabulate import tabulate

    from harness.run.plan import prepare

    matrix, cells = _load(matrix_path)
    notices: list[str] = []
    prepare(matrix, cells, lambda cell: Path("rendered") / cell.id, "plan", notices=notices)
    _say(notices)
    axes = list(matrix.spec.axes)
    rows = [[c.id, *(c.labels[a] for a in axes)] for c in cells]
    typer.echo(tabulate(rows, headers=["cell", *axes], tablefmt="github", disable_numparse=True))
    err.print(f"{len(cells)} cells")


@app.command()
def render(
    matrix_path: MatrixArg,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="folder for <cell>/compose.yaml (default: rendered/<name>)")
    ] = None,
) -> None:
    """Render and check every cell's compose file without launching anything."""
    from harness.run.plan import prepare, run_masker, write_compose_files

    matrix, cells = _load(matrix_path)
    target = out or Path("rendered") / matrix.spec.name
    notices: list[str] = []
    prepared = prepare(matrix, cells, lambda cell: target / cell.id, "render", notices=notices)
    _say(notices)
    write_compose_files(prepared, run_masker(matrix, prepared))
    for item in prepared:
        typer.echo(str(item.compose_path))
    err.print(f"{len(prepared)} compose files written under {target}")


@app.command()
def classify(
    logs: Annotated[list[Path], typer.Argument(help="saved log files", show_default=False)],
    output_format: Annotated[str, typer.Option("--format", help="text or json")] = "text",
    matrix_path: Annotated[
        Path | None, typer.Option("--matrix", help="use this matrix's signatures and ready rule")
    ] = None,
    explain: Annotated[
        bool, typer.Option("--explain", help="every line any rule matched, its family and rank, and why the winner won")
    ] = False,
) -> None:
    """Apply the run's log classifier to saved logs (e.g. pasted from a bug report)."""
    from harness.judge.signatures import BUILTIN_RULES, judge_lines
    from harness.report.verdicts import FORMATS, verdict_record
    from harness.run.plan import watch_rules

    FORMATS.check(output_format)
    signatures: Ruleset = BUILTIN_RULES
    ready: list[str | ReadyPattern] | None = None
    if matrix_path is not None:
        rules = watch_rules(load_matrix(matrix_path))
        signatures, ready = rules.signatures, list(rules.ready_patterns)
    verdicts = []
    for path in logs:
        try:
            with path.open(encoding="utf-8", errors="replace") as handle:
                verdict = judge_lines(handle, signatures, ready, explain=explain)
        except OSError as exc:
            raise LogFileError(f"{path}: cannot read: {exc.strerror}") from None
        verdicts.append(verdict_record(str(path), verdict, explain))
    typer.echo(FORMATS.render(output_format, verdicts))


@app.command()
def schema(
    out: Annotated[Path | None, typer.Option("--out", "-o", help="write to this file instead of stdout")] = None,
) -> None:
    """Print the JSON Schema of matrix files, for editors."""
    text = json.dumps(matrix_json_schema(), indent=2)
    if out is None:
        typer.echo(text)
        return
    try:
        write_atomic(out, text + "\n")
    except OSError as exc:
        raise UsageError(f"{out}: cannot write: {exc.strerror}") from None


@app.command()
def clean(
    run_id: Annotated[str | None, typer.Option("--run", help="every leftover of this run")] = None,
    everything: Annotated[
        bool, typer.Option("--all", help="every container and network bisect ever labelled, live runs included")
    ] = False,
    volumes: Annotated[
        bool,
        typer.Option("--volumes", help="also the named volumes bisect created for compose files (model caches)"),
    ] = False,
    ray_address: Annotated[
        str | None, typer.Option("--ray", metavar="ADDRESS", help="on every node of this Ray cluster")
    ] = None,
) -> None:
    """Remove containers and networks left by bisect runs whose process is gone (found by label)."""
    backend = _backend(ray_address)
    backend.connect()
    try:
        _clean_with(backend, everything, run_id, volumes)
    finally:
        backend.close()


def _clean_with(backend: Any, everything: bool, run_id: str | None, volumes: bool) -> None:
    whose = None if everything else run_id
    removed = backend.remove_runs(whose) if everything or run_id else backend.remove_orphans()
    err.print(f"removed {len(removed)}: {', '.join(removed)}" if removed else "nothing to remove")
    if volumes:
        gone, busy = backend.remove_volumes()
        err.print(f"removed volumes {', '.join(gone)}" if gone else "no bisect volumes to remove")
        if busy:
            err.print(f"kept volumes in use by a live run: {', '.join(busy)}")


def main() -> None:
    """Console-script entry point."""
    sys.exit(app())
