"""`python -m harness` is the `bisect` command."""

from __future__ import annotations

from harness.cli import main

main()
