"""Shared test helpers: a matrix writer for temporary folders."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "fixtures"))
sys.path.insert(0, str(ROOT / "scripts"))

MatrixWriter = Callable[..., Path]


@pytest.fixture
def write_matrix(tmp_path: Path) -> MatrixWriter:
    """Write a template and a matrix into tmp_path; keyword arguments override matrix keys."""

    def write(template_text: str = "services:\n  app:\n    image: {{ image }}\n", **keys: Any) -> Path:
        (tmp_path / "app.yaml.j2").write_text(template_text)
        matrix: dict[str, Any] = {"name": "t", "template": "app.yaml.j2", "axes": {"image": ["a:1", "a:2"]}}
        matrix.update(keys)
        path = tmp_path / "matrix.yaml"
        path.write_text(yaml.safe_dump(matrix, sort_keys=False))
        return path

    return write
