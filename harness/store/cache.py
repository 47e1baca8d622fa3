"""Results reused instead of launched: from the run being resumed, or from any earlier run whose cell
had the same key. The key is what decides an outcome: the image ids (not tags), the rendered compose
file with secrets masked, the signatures, the ready rule, timeout, settle and repeats. So adding a new
release to a matrix launches only its cells, and rebuilding a tag launches its cells again.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Collection, Mapping, Sequence
from dataclasses import asdict
from pathlib import Path

from harness.errors import UsageError
from harness.judge.judge import WatchRules
from harness.judge.signatures import ready_fingerprint
from harness.run.plan import PreparedCell
from harness.run.schedule import Repeats
from harness.store.masking import Masker
from harness.store.results import CachedFrom, CellResult, RunRecord, RunStore, load_run, run_folders


def cache_key(
    prepared: PreparedCell,
    image_ids: Mapping[str, str | None],
    rules: WatchRules,
    masker: Masker,
    repeats: Repeats,
) -> str | None:
    """None when an image is missing: such a cell cannot match anything and will report the problem."""
    ids = {service: image_ids.get(ref) for service, ref in sorted(prepared.images.items())}
    if any(image_id is None for image_id in ids.values()):
        return None
    decisive = {
        "images": ids,
        "compose": masker.compose(prepared.compose_text),
        "signatures": rules.signatures.fingerprint(),
        "ready": [
            ready_fingerprint(rules.ready_patterns),
            rules.http.model_dump() if rules.http else None,
            rules.ready_exit_code,
        ],
        "timeout": rules.timeout,
        "settle": rules.settle,
        "repeats": asdict(repeats),
    }
    return hashlib.sha256(json.dumps(decisive, sort_keys=True).encode()).hexdigest()


def cache_index(root: Path, skip_run: str | None = None) -> dict[str, tuple[Path, CellResult]]:
    """key -> the newest stored final result with that key and the cell folder it lives in."""
    index: dict[str, tuple[Path, CellResult]] = {}
    for folder in run_folders(root):
        if folder.name == skip_run:
            continue
        try:
            record = load_run(folder)
        except UsageError:  # a foreign or older folder is simply not a cache entry
            continue
        for result in record.results:
            if result.cache_key and result.is_final and result.cached_from is None:
                index[result.cache_key] = (folder / "cells" / result.cell_id, result)
    return index


def _copy_logs(source: Path, target: Path) -> None:
    target.mkdir(parents=True, exist_ok=True)
    for log in source.glob("*.log"):
        destination = target / log.name
        destination.unlink(missing_ok=True)
        try:
            os.link(log, destination)
        except OSError:
            shutil.copy2(log, destination)


def plan_reuse(
    cells: Sequence[PreparedCell],
    keys: Mapping[str, str | None],
    store: RunStore,
    resumed: RunRecord | None,
    index: Mapping[str, tuple[Path, CellResult]],
    rerun: Collection[str],
) -> dict[str, CellResult]:
    """Results to use instead of launching, stored in the run folder now: a resumed run's own final
    results whose key still matches, then cached results from earlier runs. `rerun` outcomes never count."""
    own = {r.cell_id: r for r in resumed.results} if resumed else {}
    reuse: dict[str, CellResult] = {}
    for prepared in cells:
        cell_id, key = prepared.cell.id, keys.get(prepared.cell.id)
        kept = own.get(cell_id)
        if kept is not None and kept.is_final and kept.outcome not in rerun and kept.cache_key in (key, None):
            reuse[cell_id] = kept
            continue
        if key is None or key not in index:
            continue
        source, found = index[key]
        if found.outcome in rerun:
            continue
        _copy_logs(source, store.cell_dir(cell_id))
        adopted = found.model_copy(
            update={
                "run_id": store.run_id,
                "cell_id": cell_id,
                "labels": dict(prepared.cell.labels),
                "values": dict(prepared.cell.values),
                "cached_from": CachedFrom(run_id=found.run_id, cell_id=found.cell_id),
            }
        )
        reuse[cell_id] = store.write_result(adopted)
    return reuse
