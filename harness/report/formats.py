"""Output formats, registered once per kind of document: every command that takes `--format`
(report, compare, classify) checks and renders through its registry, so a format is named, listed
in errors and rendered in one place."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Generic, TypeVar

from harness.errors import UsageError

Document = TypeVar("Document")


class Formats(Generic[Document]):
    def __init__(self, renderers: Mapping[str, Callable[[Document], str]]) -> None:
        self.renderers = dict(renderers)

    @property
    def names(self) -> list[str]:
        return list(self.renderers)

    def check(self, name: str) -> None:
        """A one-line error naming the formats there are, for an unknown `--format`."""
        if name not in self.renderers:
            raise UsageError(f"--format {name}: expected one of {', '.join(self.renderers)}")

    def render(self, name: str, document: Document) -> str:
        self.check(name)
        return self.renderers[name](document)
