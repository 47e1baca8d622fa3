"""Devices as resources, pure: which waiting cell starts next and on which devices, so no two running
cells share a device and no device idles while a cell that fits is waiting."""

from __future__ import annotations

import socket
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field


@dataclass
class DevicePool:
    """The host's devices (in the order the matrix or the discovery lists them) and who holds which."""

    devices: tuple[str, ...]
    held: dict[str, str] = field(default_factory=dict)
    """device -> the cell id holding it"""

    @property
    def free(self) -> list[str]:
        return [d for d in self.devices if d not in self.held]

    def take(self, cell_id: str, count: int) -> tuple[str, ...]:
        """The first `count` free devices, now held by the cell."""
        chosen = tuple(self.free[:count])
        if len(chosen) < count:
            raise ValueError(f"{cell_id} needs {count} devices, {len(chosen)} are free")
        for device in chosen:
            self.held[device] = cell_id
        return chosen

    def give_back(self, cell_id: str) -> None:
        for device in [d for d, holder in self.held.items() if holder == cell_id]:
            del self.held[device]


def next_to_start(waiting: Sequence[str], needs: Mapping[str, int], free: int) -> str | None:
    """First fit in the matrix's order: the first waiting cell whose device need fits what is free."""
    return next((cell_id for cell_id in waiting if needs.get(cell_id, 0) <= free), None)


def overlapping(spans: Iterable[tuple[float, float, Sequence[str]]]) -> list[tuple[str, int, int]]:
    """Pairs of spans (start, end, devices) that held a device at the same time: (device, i, j).
    How a run proves afterwards that no device was ever shared."""
    listed = list(spans)
    clashes = []
    for i, (start_a, end_a, devices_a) in enumerate(listed):
        for j in range(i + 1, len(listed)):
            start_b, end_b, devices_b = listed[j]
            if start_a < end_b and start_b < end_a:
                clashes += [(device, i, j) for device in set(devices_a) & set(devices_b)]
    return clashes


class PortBook:
    """Host ports handed to running cells (`cell.port`, `cell.ports`): free when handed out, and never
    handed to two running cells, since a port is only taken once the server binds it."""

    def __init__(self) -> None:
        self.held: dict[str, tuple[int, ...]] = {}

    def take(self, cell_id: str, count: int) -> tuple[int, ...]:
        taken = {port for ports in self.held.values() for port in ports}
        chosen: list[int] = []
        while len(chosen) < count:
            port = _free_port()
            if port not in taken and port not in chosen:
                chosen.append(port)
        self.held[cell_id] = tuple(chosen)
        return self.held[cell_id]

    def give_back(self, cell_id: str) -> None:
        self.held.pop(cell_id, None)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("", 0))
        return int(probe.getsockname()[1])
