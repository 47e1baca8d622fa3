"""A release line, pure: which tags are releases, in which order, and which are new since the last
qualification (a tag whose digest moved counts as new: it was rebuilt)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from packaging.version import InvalidVersion, Version


def release_key(tag: str) -> tuple[Any, ...]:
    """Version-aware order: `1.9` < `1.10`, `1.4rc1` and `1.4-rc1` < `1.4` < `1.4.1`, `b8` < `b10`.
    PEP 440 where the tag is one (after a leading `v`), else digits compared as numbers."""
    try:
        return (0, Version(tag.removeprefix("v")), "")
    except InvalidVersion:
        parts = re.split(r"(\d+)", tag)
        return (1, tuple((0, int(p)) if p.isdigit() else (1, p) for p in parts if p), tag)


def releases(tags: Sequence[str], match: str | None = None) -> list[str]:
    """The tags `match` selects (all but `latest`-like moving tags by default), oldest first."""
    selected = [t for t in tags if (re.search(match, t) if match else t not in ("latest", "main", "nightly"))]
    return sorted(selected, key=release_key)


@dataclass(frozen=True)
class Qualified:
    tag: str
    digest: str
    run_id: str
    good: bool
    """No regression against its baseline (or, for the first one, simply tested)."""


def new_tags(ordered: Sequence[str], digests: Mapping[str, str], done: Mapping[str, Qualified]) -> list[str]:
    """Tags never qualified, or rebuilt since (their digest moved), in release order."""
    return [t for t in ordered if t not in done or done[t].digest != digests.get(t)]


def baseline(ordered: Sequence[str], done: Mapping[str, Qualified], before: str) -> str | None:
    """The newest good qualified release older than `before`."""
    older = ordered[: ordered.index(before)] if before in ordered else list(ordered)
    return next((t for t in reversed(older) if t in done and done[t].good), None)
