"""Qualify every new or rebuilt release of a repository against the last good one: pull it, run the
matrix with the image axis set to the two, compare, write the comparison, and remember the answer
under the results root (one watcher per repository at a time)."""

from __future__ import annotations

import contextlib
import fcntl
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from harness.errors import UsageError
from harness.matrix.spec import Matrix, expand
from harness.report.compare import compare, comparison_markdown, split_by_axis
from harness.report.report import collapsed, outcome_table
from harness.run.backends.base import Backend
from harness.session import Reporter, RunRequest, execute
from harness.store.results import load_run, write_atomic
from harness.watch.registry import RegistryClient, Repository, parse_repository
from harness.watch.releases import Qualified, baseline, new_tags, releases


@dataclass
class Verdict:
    tag: str
    against: str | None
    run_id: str
    regressions: int
    report: Path


@dataclass
class WatchState:
    repository: str
    qualified: dict[str, Qualified] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path, repository: str) -> WatchState:
        if not path.exists():
            return cls(repository)
        try:
            data = json.loads(path.read_text())
            return cls(repository, {tag: Qualified(**q) for tag, q in data.get("qualified", {}).items()})
        except (ValueError, TypeError) as exc:
            raise UsageError(f"{path}: not a watch state file ({exc}); move it away to start over") from None

    def save(self, path: Path) -> None:
        data = {"repository": self.repository, "qualified": {t: asdict(q) for t, q in self.qualified.items()}}
        write_atomic(path, json.dumps(data, indent=2) + "\n")


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-")


@contextlib.contextmanager
def exclusive(folder: Path) -> Iterator[None]:
    """One watcher per repository and results root; a second one is refused with one line."""
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "lock").open("w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise UsageError(f"{folder}: another bisect watch follows this repository here; stop it first") from None
        yield


def with_images(matrix: Matrix, axis: str, images: dict[str, str]) -> Matrix:
    """The matrix with its image axis replaced by these releases (label: tag, value: the reference)."""
    spec = matrix.spec.model_copy(update={"axes": {**matrix.spec.axes, axis: images}, "exclude": [], "include": []})
    return replace(matrix, spec=spec)


def qualify(
    matrix: Matrix,
    axis: str,
    repository_text: str,
    results: Path,
    reporter: Reporter,
    backend: Backend,
    pull: Callable[[str], str | None],
    match: str | None = None,
    describe: Callable[[str, str], str | None] = lambda before, after: None,
) -> list[Verdict]:
    """Qualify what is new now; returns one verdict per new or rebuilt tag, in release order."""
    if axis not in matrix.spec.axes:
        raise UsageError(f"--axis {axis}: not an axis of {matrix.path}; axes are {', '.join(matrix.spec.axes)}")
    repository = parse_repository(repository_text)
    folder = results / ".watch" / _slug(repository.ref)
    with exclusive(folder):
        client = RegistryClient(repository)
        ordered = releases(client.tags(), match)
        reporter.note(f"{repository.ref}: releases in order: {', '.join(ordered) or 'none'}")
        digests = {tag: client.digest(tag) for tag in ordered}
        state = WatchState.load(folder / "state.json", repository.ref)
        verdicts = []
        for tag in new_tags(ordered, digests, state.qualified):
            verdicts.append(
                _qualify_one(
                    matrix,
                    axis,
                    repository,
                    tag,
                    digests[tag],
                    ordered,
                    state,
                    folder,
                    reporter,
                    backend,
                    pull,
                    results,
                )
            )
            if verdicts[-1].against is not None:
                _add_image_diff(verdicts[-1], repository, describe)
            state.save(folder / "state.json")
        if not verdicts:
            reporter.note(f"{repository.ref}: nothing new since the last qualification")
        return verdicts


def _add_image_diff(verdict: Verdict, repository: Repository, describe: Callable[[str, str], str | None]) -> None:
    """What changed between the two images, appended (collapsed) to the comparison."""
    assert verdict.against is not None
    what = describe(f"{repository.ref}:{verdict.against}", f"{repository.ref}:{verdict.tag}")
    if what:
        title = f"What changed between {verdict.against} and {verdict.tag}"
        text = verdict.report.read_text().rstrip("\n") + "\n\n" + "\n".join(collapsed(title, [what])) + "\n"
        write_atomic(verdict.report, text)


def _qualify_one(
    matrix: Matrix,
    axis: str,
    repository: Repository,
    tag: str,
    digest: str,
    ordered: list[str],
    state: WatchState,
    folder: Path,
    reporter: Reporter,
    backend: Backend,
    pull: Callable[[str], str | None],
    results: Path,
) -> Verdict:
    ref = f"{repository.ref}:{tag}"
    rebuilt = " (rebuilt: its digest moved)" if tag in state.qualified else ""
    reporter.note(f"new release {ref}{rebuilt}: {digest}")
    against = baseline(ordered, state.qualified, tag)
    images = {tag: ref} if against is None else {against: f"{repository.ref}:{against}", tag: ref}
    for image in images.values():
        problem = pull(image)
        if problem is not None:
            raise UsageError(f"pull {image} failed: {problem}")
    run_matrix = with_images(matrix, axis, images)
    outcome = execute(RunRequest(run_matrix, expand(run_matrix.spec), results), reporter, backend)
    record = load_run(outcome.folder)
    if against is None:
        layout = record.info.layout
        table = outcome_table(record.results, layout.rows if layout else [], layout.cols if layout else [])
        text = f"## First qualification of `{ref}`\n\nNo earlier release to compare with; its outcomes:\n\n{table}\n"
        regressions = 0
    else:
        comparison = compare(*split_by_axis(record, axis, against, tag), [axis])
        text = comparison_markdown(comparison)
        regressions = len(comparison.regressions)
    report = folder / f"{_slug(tag)}.md"
    write_atomic(report, text)
    state.qualified[tag] = Qualified(tag, digest, outcome.run_id, good=regressions == 0)
    return Verdict(tag, against, outcome.run_id, regressions, report)
