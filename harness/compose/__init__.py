"""Compose files as `docker compose` reads them, turned into what the engine needs per cell:
`project` (interpolation, extends, paths) -> `translate` (which services start, one key table in
`keys`) -> `model` (the plan)."""

from __future__ import annotations

from harness.compose.keys import SERVICE_KEYS, TOP_LEVEL_KEYS, decision_table, parse_env_file
from harness.compose.model import ComposePlan, Problem, ServicePlan, VolumeSpec
from harness.compose.translate import Selection, Translation, plan_compose, translate

__all__ = [
    "SERVICE_KEYS",
    "TOP_LEVEL_KEYS",
    "ComposePlan",
    "Problem",
    "Selection",
    "ServicePlan",
    "Translation",
    "VolumeSpec",
    "decision_table",
    "parse_env_file",
    "plan_compose",
    "translate",
]
