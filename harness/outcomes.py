"""Outcome names, which of them are final, and the order in which failures outrank each other.

A cell's verdict is the most specific failure seen in its settle window: a root cause (the device was
lost, memory ran out) outranks a layer that only reports that something below it failed (a collective
operation, an engine or worker process), whichever is printed first.
"""

from __future__ import annotations

READY = "ready"
CRASHED = "crashed"
TIMEOUT = "timeout"
ERROR = "error"
UNKNOWN = "unknown"
NOT_RUN = "not_run"

DEVICE_LOST = "device_lost"
OOM = "oom"
KV_CACHE_INSUFFICIENT = "kv_cache_insufficient"
NO_DEVICE = "no_device"
MODEL_ACCESS = "model_access"
PORT_IN_USE = "port_in_use"
CONFIG_ERROR = "config_error"
COMM_ERROR = "comm_error"
ENGINE_FAILED = "engine_failed"

NOT_FINAL = frozenset({ERROR, NOT_RUN})
"""Outcomes that measured nothing: a resumed run launches these cells again, the cache never serves them."""


def is_final(outcome: str) -> bool:
    return outcome not in NOT_FINAL


RANK: dict[str, int] = {
    DEVICE_LOST: 10,
    KV_CACHE_INSUFFICIENT: 20,
    OOM: 30,
    NO_DEVICE: 40,
    MODEL_ACCESS: 50,
    PORT_IN_USE: 60,
    CONFIG_ERROR: 70,
    COMM_ERROR: 80,
    ENGINE_FAILED: 90,
}
"""Lower wins. Causes first; a device fault explains an OOM-looking cascade, never the reverse. A KV
cache that does not fit is the precise form of running out of memory (the weights fit, the cache did
not), so when an allocator's out-of-memory line and a KV-cache line tell the same event, the KV cache
names it."""

WRAPPERS = frozenset({COMM_ERROR, ENGINE_FAILED})
"""Failures that report a failure of something below them; they never outrank a cause."""

CAUSES = frozenset(RANK) - WRAPPERS
