"""image-bisect: run a matrix of container configurations and tabulate which ones break."""

from __future__ import annotations

__version__ = "0.1.0"
