"""What changed between two sets of cells (two runs, or two values of one axis in a run), and the
outcome history of each image across every stored run. Pure functions over results; the CLI reads.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field

from harness.errors import UsageError
from harness.judge.signatures import ERROR, NOT_RUN, READY
from harness.report.formats import Formats
from harness.report.report import cell_text, escape_markdown_cell
from harness.store.results import CellResult, RunRecord

REGRESSION = "regression"
FIX = "fix"
CHANGED = "changed"
UNCHANGED = "unchanged"
UNTESTED = "untested"
ONLY_BEFORE = "only_before"
ONLY_AFTER = "only_after"
SECTIONS = (
    (REGRESSION, "Regressions (ready → failure)"),
    (FIX, "Fixes (failure → ready)"),
    (CHANGED, "Changes of failure kind"),
    (UNTESTED, "Not comparable (a side could not be tested)"),
    (ONLY_BEFORE, "Only in the first"),
    (ONLY_AFTER, "Only in the second"),
)

Key = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Change:
    key: Key
    kind: str
    before: CellResult | None
    after: CellResult | None


@dataclass(frozen=True)
class Side:
    """One side of a comparison: a name for headings and the cells it holds."""

    name: str
    results: Sequence[CellResult]


@dataclass(frozen=True)
class Comparison:
    before: Side
    after: Side
    matched_on: tuple[str, ...]
    ignored: tuple[str, ...]
    changes: tuple[Change, ...] = field(default=())

    def of_kind(self, kind: str) -> list[Change]:
        return [c for c in self.changes if c.kind == kind]

    @property
    def regressions(self) -> list[Change]:
        return self.of_kind(REGRESSION)


def change_kind(before: CellResult, after: CellResult) -> str:
    if before.outcome in (ERROR, NOT_RUN) or after.outcome in (ERROR, NOT_RUN):
        return UNCHANGED if before.outcome == after.outcome else UNTESTED
    if before.outcome == READY and after.outcome != READY:
        return REGRESSION
    if before.outcome != READY and after.outcome == READY:
        return FIX
    if before.outcome != after.outcome:
        return CHANGED
    return UNCHANGED


def _keyed(side: Side, axes: Sequence[str]) -> dict[Key, CellResult]:
    keyed: dict[Key, CellResult] = {}
    for result in side.results:
        key = tuple((axis, result.labels.get(axis, "")) for axis in axes)
        if key in keyed:
            shown = ", ".join(f"{a}={v}" for a, v in key) or "(no axes left)"
            raise UsageError(
                f"{side.name}: two cells share {shown}; pass --axis with the axis that differs between the two sides"
            )
        keyed[key] = result
    return keyed


def _shared_axes(before: Sequence[CellResult], after: Sequence[CellResult]) -> list[str]:
    """Axes of the first side that the second side has too (all of them when a side is empty)."""
    first = list(before[0].labels) if before else list(after[0].labels) if after else []
    return [axis for axis in first if not after or axis in after[0].labels]


def differing_axes(before: Sequence[CellResult], after: Sequence[CellResult]) -> list[str]:
    """Axes whose values do not overlap at all between the sides, e.g. the image of two release runs."""
    return [
        axis
        for axis in _shared_axes(before, after)
        if before and after and not {r.labels.get(axis) for r in before} & {r.labels.get(axis) for r in after}
    ]


def compare(before: Side, after: Side, ignore: Sequence[str] = ()) -> Comparison:
    """Match cells on every shared axis except `ignore` and classify each pair."""
    axes = tuple(a for a in _shared_axes(before.results, after.results) if a not in ignore)
    left, right = _keyed(before, axes), _keyed(after, axes)
    changes = []
    for key in list(left) + [k for k in right if k not in left]:
        old, new = left.get(key), right.get(key)
        if old is None:
            kind = ONLY_AFTER
        elif new is None:
            kind = ONLY_BEFORE
        else:
            kind = change_kind(old, new)
        changes.append(Change(key, kind, old, new))
    return Comparison(before, after, axes, tuple(ignore), tuple(changes))


def changed_images(comparison: Comparison) -> tuple[str, str] | None:
    """The watched image of each side when every cell of a side ran one image and the sides differ
    (an image axis compared): what `bisect diff` should explain."""

    def only(side: Side) -> str | None:
        images = {r.images.get(r.service) for r in side.results if r.service}
        return next(iter(images)) if len(images) == 1 else None

    before, after = only(comparison.before), only(comparison.after)
    return (before, after) if before and after and before != after else None


def split_by_axis(record: RunRecord, axis: str, old: str, new: str) -> tuple[Side, Side]:
    """The two sides of `compare RUN --axis AXIS OLD NEW`."""
    labels = {r.labels.get(axis) for r in record.results}
    if axis not in record.axes:
        known = ", ".join(record.axes) or "none"
        raise UsageError(f"--axis {axis}: run {record.run_id} has no such axis; axes are {known}")

    def side(value: str) -> Side:
        label = _find_label(value, sorted(str(label) for label in labels if label is not None))
        if label is None:
            known = ", ".join(sorted(map(str, labels)))
            raise UsageError(f"--axis {axis}: {value!r} is not a value of {axis} in run {record.run_id} ({known})")
        return Side(f"{axis}={label}", [r for r in record.results if r.labels.get(axis) == label])

    return side(old), side(new)


def _find_label(value: str, labels: Sequence[str]) -> str | None:
    """The label itself, or the one image reference whose tag it is (`1.4` for `repo/name:1.4`)."""
    if value in labels:
        return value
    tagged = [label for label in labels if label.rpartition(":")[2] == value and ":" in label]
    return tagged[0] if len(tagged) == 1 else None


def comparison_markdown(comparison: Comparison) -> str:
    from tabulate import tabulate

    before, after = comparison.before.name, comparison.after.name
    counts = {kind: len(comparison.of_kind(kind)) for kind, _ in SECTIONS}
    unchanged = len(comparison.of_kind(UNCHANGED))
    out = [f"## image-bisect compare: {escape_markdown_cell(before)} → {escape_markdown_cell(after)}", ""]
    matched = ", ".join(comparison.matched_on) or "nothing (one cell per side)"
    ignored = f"; ignored {', '.join(comparison.ignored)}" if comparison.ignored else ""
    out.append(f"Cells matched on {escape_markdown_cell(matched)}{escape_markdown_cell(ignored)}.")
    out.append(
        f"**{counts[REGRESSION]} regression{'s' * (counts[REGRESSION] != 1)}, "
        f"{counts[FIX]} fix{'es' * (counts[FIX] != 1)}, {counts[CHANGED]} change{'s' * (counts[CHANGED] != 1)} "
        f"of failure kind**; {unchanged} unchanged, {counts[UNTESTED]} not comparable, "
        f"{counts[ONLY_BEFORE]} only in the first, {counts[ONLY_AFTER]} only in the second."
    )
    for kind, title in SECTIONS:
        changes = comparison.of_kind(kind)
        if not changes:
            continue
        axes = [axis for axis, _ in changes[0].key]
        rows = [
            [escape_markdown_cell(label) for _, label in change.key]
            + [cell_text(change.before) if change.before else "-", cell_text(change.after) if change.after else "-"]
            for change in changes
        ]
        headers = [*axes, escape_markdown_cell(before), escape_markdown_cell(after)]
        out += ["", f"### {title}", "", str(tabulate(rows, headers=headers, tablefmt="github", disable_numparse=True))]
    return "\n".join(out) + "\n"


def comparison_json(comparison: Comparison) -> str:
    document = {
        "before": comparison.before.name,
        "after": comparison.after.name,
        "matched_on": list(comparison.matched_on),
        "ignored": list(comparison.ignored),
        "changes": [
            {
                "cell": dict(change.key),
                "kind": change.kind,
                "before": change.before.outcome if change.before else None,
                "after": change.after.outcome if change.after else None,
                "before_cell_id": change.before.cell_id if change.before else None,
                "after_cell_id": change.after.cell_id if change.after else None,
            }
            for change in comparison.changes
            if change.kind != UNCHANGED
        ],
        "unchanged": len(comparison.of_kind(UNCHANGED)),
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


@dataclass
class HistoryRow:
    label: str
    image: str
    """repo digest if the image has one, else its short id; '-' when the axis is not an image"""
    runs: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)


def _image_identity(record: RunRecord, result: CellResult, axis: str) -> str:
    """The digest (or id) of the image a cell's axis value names, when the axis is the image."""
    named = {result.labels.get(axis), str(result.values.get(axis))}
    service = next((s for s, ref in result.images.items() if ref in named), None)
    if service is None:
        return "-"
    image_id = result.image_ids.get(service)
    if image_id is None:
        return "?"
    for facts in record.info.images:
        if facts.id == image_id and facts.repo_digests:
            return facts.repo_digests[0].rpartition("@")[2]
    return image_id.removeprefix("sha256:")[:12]


def history(records: Sequence[RunRecord], axis: str) -> list[HistoryRow]:
    """One row per value of `axis` (and image digest, when the axis names images), oldest first.
    Only launches count: a result reused from an earlier run is that run's measurement."""
    rows: dict[tuple[str, str], HistoryRow] = {}
    for record in records:
        for result in record.results:
            label = result.labels.get(axis)
            if label is None or result.cached_from is not None:
                continue
            identity = _image_identity(record, result, axis)
            row = rows.setdefault((label, identity), HistoryRow(label, identity))
            if record.run_id not in row.runs:
                row.runs.append(record.run_id)
            row.counts[result.outcome] = row.counts.get(result.outcome, 0) + 1
    return list(rows.values())


def history_markdown(rows: Sequence[HistoryRow], axis: str) -> str:
    from tabulate import tabulate

    if not rows:
        return f"No stored run has an axis named {axis}.\n"
    outcomes = sorted({o for row in rows for o in row.counts}, key=lambda o: (o != READY, o))
    body = [
        [
            escape_markdown_cell(row.label),
            f"`{row.image}`" if row.image not in ("-", "?") else row.image,
            str(len(row.runs)),
            row.runs[-1],
        ]
        + [str(row.counts.get(o, 0)) for o in outcomes]
        for row in rows
    ]
    headers = [axis, "image digest/id", "runs", "last run", *outcomes]
    return str(tabulate(body, headers=headers, tablefmt="github", disable_numparse=True)) + "\n"


FORMATS: Formats[Comparison] = Formats({"md": comparison_markdown, "json": comparison_json})
