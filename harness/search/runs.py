"""The searches driven through the normal run machinery: each round of points is a (resumed) run of
the matrix, so the result cache, the run folder, resume, secrets and leftovers work as for `bisect run`.
This module picks the line of cells, turns outcomes into good/bad/skip, and writes the answer."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.errors import UsageError
from harness.matrix.spec import Cell, Matrix, cell_id
from harness.outcomes import ERROR, NOT_RUN, READY, TIMEOUT
from harness.report.formats import Formats
from harness.run.backends.base import Backend
from harness.search.find import FindResult, Mark, Probe, find_first_bad
from harness.search.isolate import IsolateResult, Trial, isolate
from harness.session import Reporter, RunRequest, execute
from harness.store.results import CellResult, RunRecord, load_run

UNTESTABLE = (ERROR, TIMEOUT, NOT_RUN)
"""Outcomes that say nothing about the point: skipped, as `git bisect`'s exit 125."""


@dataclass(frozen=True)
class Line:
    """The cells of one axis from the good value to the bad one, every other axis fixed."""

    axis: str
    labels: list[str]
    cells: list[Cell]
    fixed: dict[str, str]


def line_of(
    matrix: Matrix,
    cells: Sequence[Cell],
    axis: str,
    good: str,
    bad: str,
    where: Mapping[str, str],
    values: Sequence[str] | None = None,
) -> Line:
    """The line to search, or a one-line UsageError saying what to give."""
    spec = matrix.spec
    if axis not in spec.axes:
        raise UsageError(f"--axis {axis}: not an axis of {matrix.path}; axes are {', '.join(spec.axes)}")
    for name in where:
        if name not in spec.axes or name == axis:
            raise UsageError(f"--where {name}: not another axis of {matrix.path}; axes are {', '.join(spec.axes)}")
    chosen = [c for c in cells if all(c.labels.get(k) == v for k, v in where.items())]
    open_axes = [name for name in spec.axes if name != axis and len({c.labels[name] for c in chosen}) > 1]
    if open_axes:
        options = {name: sorted({c.labels[name] for c in chosen}) for name in open_axes}
        hint = "; ".join(f"{name} is one of {', '.join(labels)}" for name, labels in options.items())
        raise UsageError(f"--where: fix {', '.join(open_axes)} ({hint}), e.g. --where {open_axes[0]}=...")
    by_label = {c.labels[axis]: c for c in chosen}
    order = list(values) if values else [label for label in dict.fromkeys(c.labels[axis] for c in chosen)]
    missing = [label for label in [*order, good, bad] if label not in by_label]
    if missing:
        known = ", ".join(by_label) or "none"
        raise UsageError(f"{axis}: no cell with {axis}={missing[0]} under --where; the cells have {known}")
    if good not in order or bad not in order:
        raise UsageError(f"--values must list --good {good} and --bad {bad}")
    start, end = order.index(good), order.index(bad)
    if start == end:
        raise UsageError("--good and --bad name the same value")
    span = order[start : end + 1] if start < end else order[end : start + 1][::-1]
    fixed = {name: chosen[0].labels[name] for name in spec.axes if name != axis}
    return Line(axis, span, [by_label[label] for label in span], fixed)


def marker(regress: str, skip: Sequence[str]) -> Callable[[str], Mark]:
    """What an outcome means for the search: `failure` (anything but ready is bad), `ready` (looking
    for the fix) or one signature (bad only when it appears; other failures cannot tell)."""
    untestable = {*UNTESTABLE, *skip}

    def mark(outcome: str) -> Mark:
        if outcome in untestable:
            return Mark.SKIP
        if regress == "failure":
            return Mark.GOOD if outcome == READY else Mark.BAD
        if regress == READY:
            return Mark.BAD if outcome == READY else Mark.GOOD
        if outcome == regress:
            return Mark.BAD
        return Mark.GOOD if outcome == READY else Mark.SKIP

    return mark


@dataclass
class RunOracle:
    """Judges cells by running them; every round resumes the same run folder."""

    matrix: Matrix
    results: Path
    reporter: Reporter
    backend: Backend
    jobs: int | None = None
    repeats: int | None = None
    run_id: str | None = None
    folder: Path | None = None
    launched: int = 0
    known: dict[str, CellResult] = field(default_factory=dict)

    def judge(self, cells: Sequence[Cell]) -> dict[str, CellResult]:
        wanted = [c for c in cells if c.id not in self.known]
        if wanted:
            repeats = self.repeats or self.matrix.spec.repeats
            request = RunRequest(
                matrix=self.matrix,
                cells=wanted,
                results=self.results,
                resume=self.run_id,
                repeats=repeats,
                until_fail=repeats > 1,
                jobs=self.jobs,
            )
            outcome = execute(request, self.reporter, self.backend)
            if outcome.stopped:
                raise UsageError(f"the search stopped: {outcome.stopped}; continue it with the same command")
            self.run_id, self.folder = outcome.run_id, outcome.folder
            for result in outcome.results:
                self.known[result.cell_id] = result
                if result.cached_from is None:
                    self.launched += 1
        return {c.id: self.known[c.id] for c in cells}


def run_find(line: Line, oracle: RunOracle, mark: Callable[[str], Mark], batch: int) -> FindResult:
    def probe(points: Sequence[int]) -> dict[int, Probe]:
        found = oracle.judge([line.cells[p] for p in points])
        return {
            p: Probe(
                mark(found[line.cells[p].id].outcome), found[line.cells[p].id].outcome, found[line.cells[p].id].flaky
            )
            for p in points
        }

    return find_first_bad(len(line.cells), probe, batch)


@dataclass(frozen=True)
class FindReport:
    line: Line
    result: FindResult
    regress: str
    skip: tuple[str, ...]
    launched: int
    record: RunRecord | None
    image_diff: str | None = None
    """What changed between the last good and the first bad image, when the searched axis changes it."""


def images_either_side(report: FindReport) -> tuple[str, str] | None:
    """The watched service's image of the last good and of the first bad point, when they differ."""
    result, record = report.result, report.record
    if not result.exact or record is None or result.last_good is None or result.first_bad is None:
        return None
    by_cell = {r.cell_id: r for r in record.results}
    good = by_cell.get(report.line.cells[result.last_good].id)
    bad = by_cell.get(report.line.cells[result.first_bad].id)
    if good is None or bad is None or good.service is None:
        return None
    pair = (good.images.get(good.service), bad.images.get(good.service))
    return (pair[0], pair[1]) if pair[0] and pair[1] and pair[0] != pair[1] else None


def find_report(line: Line, result: FindResult, oracle: RunOracle, regress: str, skip: Sequence[str]) -> FindReport:
    record = load_run(oracle.folder) if oracle.folder is not None else None
    return FindReport(line, result, regress, tuple(skip), oracle.launched, record)


def _image_of(report: FindReport, point: int) -> str:
    """The image ids (and digests) a point ran, as the engine reported them."""
    record = report.record
    cell = report.line.cells[point]
    result = next((r for r in record.results if r.cell_id == cell.id), None) if record else None
    if result is None or not result.image_ids:
        return ""
    facts = {f.id: f for f in record.info.images} if record else {}
    parts = []
    for image_id in sorted(set(result.image_ids.values())):
        digest = next(iter(facts[image_id].repo_digests), "") if image_id in facts else ""
        parts.append(f"`{image_id.removeprefix('sha256:')[:12]}`" + (f" ({digest})" if digest else ""))
    return "; image " + ", ".join(parts)


def _rule_text(regress: str) -> str:
    if regress == "failure":
        return "any outcome but `ready`"
    if regress == READY:
        return "`ready` (searching for the fix)"
    return f"the signature `{regress}` (other failures cannot tell)"


def find_markdown(report: FindReport) -> str:
    from harness.report.report import ReportOptions, cell_detail, excerpt_of

    line, result = report.line, report.result
    axis = line.axis
    fixed = ", ".join(f"{k}={v}" for k, v in line.fixed.items()) or "no other axis"
    head = [f"## bisect find: `{axis}`", ""]
    facts = [
        f"- Searched: `{axis}` over {len(line.labels)} values from `{line.labels[0]}` (good) to "
        f"`{line.labels[-1]}` (bad), with {fixed}",
        f"- Bad means: {_rule_text(report.regress)}; untestable: {', '.join([*UNTESTABLE, *report.skip])}",
    ]
    if not result.ends_differ:
        outcomes = {s.point: s.probe.outcome for s in result.steps}
        facts.append(
            f"- **The ends do not differ**: `{line.labels[0]}` gave {outcomes.get(0)}, `{line.labels[-1]}` gave "
            f"{outcomes.get(len(line.labels) - 1)}; nothing to search"
        )
    else:
        assert result.last_good is not None and result.first_bad is not None
        last_good, first_bad = result.last_good, result.first_bad
        outcome = {s.point: s.probe.outcome for s in result.steps}
        facts.append(
            f"- Last good: `{line.labels[last_good]}` ({outcome.get(last_good, 'given')}{_image_of(report, last_good)})"
        )
        if result.exact:
            facts.insert(0, f"**First bad `{axis}`: `{line.labels[first_bad]}`**")
            facts.append(
                f"- First bad: `{line.labels[first_bad]}` ({outcome[first_bad]}{_image_of(report, first_bad)})"
            )
        else:
            names = ", ".join(f"`{line.labels[p]}`" for p in result.candidates)
            facts.insert(
                0, f"**The first bad `{axis}` is one of {names}** (the ones before the last could not be tested)"
            )
        for p, q in result.contradictions:
            facts.append(f"- Not monotone: `{line.labels[p]}` is good after `{line.labels[q]}` was bad")
        if result.flaky:
            facts.append("- Flaky: " + ", ".join(f"`{line.labels[p]}`" for p in result.flaky))
    run = f" (run `{report.record.run_id}`)" if report.record else ""
    facts.append(f"- Launches: {report.launched}, against {len(line.labels)} for the full sweep{run}")
    rows = ["| round | " + axis + " | outcome | counts as |", "|---|---|---|---|"]
    for step in result.steps:
        flaky = " (flaky)" if step.probe.flaky else ""
        rows.append(
            f"| {step.round} | `{line.labels[step.point]}` | {step.probe.outcome}{flaky} | {step.probe.mark.value} |"
        )
    parts = [*head, *facts, "", *rows, ""]
    if result.ends_differ and result.first_bad is not None and report.record is not None:
        cell = line.cells[result.first_bad]
        found = next((r for r in report.record.results if r.cell_id == cell.id), None)
        if found is not None:
            options = ReportOptions()
            settings = report.record.info.report
            parts += [
                cell_detail(
                    report.record, found, excerpt_of(report.record, found, settings.before, settings.after), options
                ),
                "",
            ]
    if report.image_diff:
        from harness.report.report import collapsed

        pair = images_either_side(report)
        summary = f"What changed between {pair[0]} and {pair[1]}" if pair else "What changed between the images"
        parts += [*collapsed(summary, [report.image_diff]), ""]
    return "\n".join(parts)


def find_json(report: FindReport) -> str:
    line, result = report.line, report.result

    def label(point: int | None) -> str | None:
        return None if point is None else line.labels[point]

    data: dict[str, Any] = {
        "axis": line.axis,
        "values": line.labels,
        "fixed": line.fixed,
        "regress": report.regress,
        "ends_differ": result.ends_differ,
        "last_good": label(result.last_good),
        "first_bad": label(result.first_bad),
        "exact": result.exact,
        "candidates": [line.labels[p] for p in result.candidates],
        "contradictions": [
            f"{line.labels[p]} is good after {line.labels[q]} was bad" for p, q in result.contradictions
        ],
        "flaky": [line.labels[p] for p in result.flaky],
        "launches": report.launched,
        "full_sweep": len(line.labels),
        "run_id": report.record.run_id if report.record else None,
        "steps": [
            {
                "round": s.round,
                "value": line.labels[s.point],
                "outcome": s.probe.outcome,
                "counts_as": s.probe.mark.value,
                "flaky": s.probe.flaky,
            }
            for s in result.steps
        ],
    }
    return json.dumps(data, indent=2)


FIND_FORMATS: Formats[FindReport] = Formats({"md": find_markdown, "json": find_json})


@dataclass(frozen=True)
class Change:
    """One setting that differs between the good and the bad cell: a whole axis value, or one key of
    a mapping axis (an environment variable) or one item of a list axis (a capability, a device)."""

    axis: str
    key: str | None = None
    item: Any = None

    def describe(self, good: Cell, bad: Cell) -> str:
        if self.key is not None:
            after = bad.values[self.axis]
            return f"{self.key}={after[self.key]}" if self.key in after else f"{self.key} unset"
        if self.item is not None:
            added = self.item in bad.values[self.axis]
            return f"{self.axis} {'+' if added else '-'}{self.item}"
        return f"{self.axis}={bad.labels[self.axis]}"


def select_cell(cells: Sequence[Cell], text: str, option: str) -> Cell:
    """A cell named by its id or by `axis=label,...`."""
    by_id = next((c for c in cells if c.id == text), None)
    if by_id is not None:
        return by_id
    wanted = dict(part.split("=", 1) for part in text.split(",") if "=" in part)
    if not wanted:
        raise UsageError(f"{option} {text}: give a cell id or axis=label,axis=label")
    found = [c for c in cells if all(c.labels.get(k) == v for k, v in wanted.items())]
    if len(found) != 1:
        what = "no cell" if not found else f"{len(found)} cells"
        raise UsageError(f"{option} {text}: {what} of the matrix match; name every axis that varies")
    return found[0]


def differences(good: Cell, bad: Cell) -> list[Change]:
    changes: list[Change] = []
    for axis, before in good.values.items():
        after = bad.values[axis]
        if before == after:
            continue
        if isinstance(before, Mapping) and isinstance(after, Mapping):
            keys = sorted({*before, *after}, key=str)
            changes += [
                Change(axis, key=str(k)) for k in keys if before.get(k) != after.get(k) or (k in before) != (k in after)
            ]
        elif isinstance(before, list) and isinstance(after, list):
            changes += [Change(axis, item=i) for i in before if i not in after]
            changes += [Change(axis, item=i) for i in after if i not in before]
        else:
            changes.append(Change(axis))
    return changes


def mixed_cell(good: Cell, bad: Cell, changes: Sequence[Change], chosen: frozenset[int]) -> Cell:
    """The good cell with the chosen changes applied: a cell the matrix may never have listed."""
    values = json.loads(json.dumps(dict(good.values)))
    for index in sorted(chosen):
        change = changes[index]
        if change.key is not None:
            after = bad.values[change.axis]
            target = {str(k): v for k, v in values[change.axis].items()}
            if change.key in after:
                target[change.key] = after[change.key]
            else:
                target.pop(change.key, None)
            values[change.axis] = target
        elif change.item is not None:
            items = list(values[change.axis])
            values[change.axis] = (
                [i for i in items if i != change.item] if change.item in items else [*items, change.item]
            )
        else:
            values[change.axis] = bad.values[change.axis]
    labels = {}
    for axis in good.labels:
        if values[axis] == good.values[axis]:
            labels[axis] = good.labels[axis]
        elif values[axis] == bad.values[axis]:
            labels[axis] = bad.labels[axis]
        else:
            applied = [changes[i].describe(good, bad) for i in sorted(chosen) if changes[i].axis == axis]
            labels[axis] = f"{good.labels[axis]}+" + "+".join(applied)
    return Cell(cell_id(labels), labels, values)


@dataclass(frozen=True)
class IsolateReport:
    good: Cell
    bad: Cell
    changes: list[Change]
    result: IsolateResult
    outcomes: tuple[str, str]
    launched: int
    record: RunRecord | None


def run_isolate(good: Cell, bad: Cell, oracle: RunOracle) -> IsolateReport:
    changes = differences(good, bad)
    if not changes:
        raise UsageError("--good and --bad are the same settings; nothing to isolate")
    ends = oracle.judge([good, bad])
    good_outcome, bad_outcome = ends[good.id].outcome, ends[bad.id].outcome

    def judge(chosen: frozenset[int]) -> tuple[Trial, str]:
        if not chosen:
            outcome = good_outcome
        elif len(chosen) == len(changes):
            outcome = bad_outcome
        else:
            cell = mixed_cell(good, bad, changes, chosen)
            outcome = oracle.judge([cell])[cell.id].outcome
        if outcome == good_outcome:
            return Trial.PASS, outcome
        return (Trial.FAIL if outcome == bad_outcome else Trial.UNRESOLVED), outcome

    if good_outcome == bad_outcome:
        result = IsolateResult(len(changes), ends_differ=False)
    else:
        result = isolate(len(changes), judge, check_ends=False)
    record = load_run(oracle.folder) if oracle.folder is not None else None
    return IsolateReport(good, bad, changes, result, (good_outcome, bad_outcome), oracle.launched, record)


def isolate_markdown(report: IsolateReport) -> str:
    good, bad, changes = report.good, report.bad, report.changes
    before, after = report.outcomes
    lines = [f"## bisect isolate: {good.describe()} -> {bad.describe()}", ""]
    if not report.result.ends_differ:
        lines += [f"**Both cells are `{before}`**: there is no difference to isolate.", ""]
    else:
        named = ", ".join(f"`{changes[i].describe(good, bad)}`" for i in report.result.culprits)
        alone = "alone turns" if len(report.result.culprits) == 1 else "together turn"
        rest = len(changes) - len(report.result.culprits)
        lines += [
            f"**{named} {alone} `{before}` into `{after}`** ({report.launched} launches; the other {rest} "
            f"difference{'s' if rest != 1 else ''} do not matter)",
            "",
        ]
    lines += ["Differences: " + ", ".join(f"`{c.describe(good, bad)}`" for c in changes), ""]
    lines += ["| changes applied to the good cell | outcome | counts as |", "|---|---|---|"]
    for chosen, trial, outcome in report.result.tried:
        applied = ", ".join(f"`{changes[i].describe(good, bad)}`" for i in sorted(chosen)) or "none (the good cell)"
        lines.append(f"| {applied} | {outcome} | {trial.value} |")
    if report.record is not None:
        lines += ["", f"Run `{report.record.run_id}`; each cell's compose file is in its folder."]
    return "\n".join(lines) + "\n"


def isolate_json(report: IsolateReport) -> str:
    good, bad, changes = report.good, report.bad, report.changes
    return json.dumps(
        {
            "good": good.id,
            "bad": bad.id,
            "outcomes": list(report.outcomes),
            "differences": [c.describe(good, bad) for c in changes],
            "culprits": [changes[i].describe(good, bad) for i in report.result.culprits],
            "ends_differ": report.result.ends_differ,
            "launches": report.launched,
            "tried": [
                {"changes": [changes[i].describe(good, bad) for i in sorted(s)], "outcome": o, "counts_as": t.value}
                for s, t, o in report.result.tried
            ],
        },
        indent=2,
    )


ISOLATE_FORMATS: Formats[IsolateReport] = Formats({"md": isolate_markdown, "json": isolate_json})
