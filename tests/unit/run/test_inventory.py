from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from harness.run.backends.inventory import gpu_tool_lines, local_facts

LSPCI = """\
00:00.0 Host bridge: Intel Corporation Device 7d1a (rev 01)
03:00.0 VGA compatible controller: Intel Corporation Battlemage G21 [Arc Pro B50] (rev 01)
04:00.0 VGA compatible controller: Intel Corporation Battlemage G21 [Arc Pro B50] (rev 01)
05:00.0 Ethernet controller: Intel Corporation Ethernet Controller I226-V (rev 04)
"""


def fake_root(tmp_path: Path) -> Path:
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc/os-release").write_text('NAME="Ubuntu"\nPRETTY_NAME="Ubuntu 25.04"\n')
    (tmp_path / "proc").mkdir()
    (tmp_path / "proc/meminfo").write_text("MemTotal:       65536000 kB\nMemFree: 1 kB\n")
    (tmp_path / "proc/cpuinfo").write_text("processor\t: 0\nmodel name\t: Intel(R) Core(TM) Ultra 9 285K\n")
    (tmp_path / "dev/dri").mkdir(parents=True)
    for node in ("renderD128", "card0", "card1", "renderD129"):
        (tmp_path / "dev/dri" / node).touch()
    for node in ("nvidia0", "nvidiactl", "kfd", "null"):
        (tmp_path / "dev" / node).touch()
    (tmp_path / "proc/driver/nvidia").mkdir(parents=True)
    nvrm = "NVRM version: NVIDIA UNIX Open Kernel Module for x86_64  570.133.20  Release Build  (dvs-builder@U16)"
    (tmp_path / "proc/driver/nvidia/version").write_text(nvrm + "\n")
    (tmp_path / "sys/module/xe").mkdir(parents=True)
    return tmp_path


def test_local_facts_read_os_cpu_memory_device_nodes_and_gpu_tools(tmp_path: Path) -> None:
    outputs = {
        "lspci": LSPCI,
        "clinfo": "Platform #0: Intel(R) OpenCL Graphics\n +-- Device #0: Intel(R) Arc(TM) Pro B50 Graphics\n",
    }

    def run(command: Sequence[str]) -> str | None:
        return outputs.get(command[0])

    facts = local_facts(fake_root(tmp_path), run)
    assert (facts.os, facts.cpu, facts.memory_gib) == ("Ubuntu 25.04", "Intel(R) Core(TM) Ultra 9 285K", 62.5)
    assert facts.gpu_device_nodes == [
        "/dev/dri/card0",
        "/dev/dri/card1",
        "/dev/dri/renderD128",
        "/dev/dri/renderD129",
        "/dev/kfd",
        "/dev/nvidia0",
        "/dev/nvidiactl",
    ]
    assert facts.gpu_drivers == {"nvidia": "570.133.20", "xe": "loaded"}
    assert list(facts.gpu_tools) == ["clinfo -l", "lspci"]
    assert facts.gpu_tools["lspci"] == [line for line in LSPCI.splitlines() if "VGA" in line]


def test_a_machine_without_gpu_tools_or_dri_reports_none(tmp_path: Path) -> None:
    facts = local_facts(tmp_path, lambda command: None)
    assert (facts.os, facts.gpu_device_nodes, facts.gpu_tools) == (None, [], {})


def test_tool_output_is_bounded() -> None:
    assert len(gpu_tool_lines(["nvidia-smi", "-L"], "GPU 0: x\n" * 500)) == 40


LISTINGS = Path(__file__).resolve().parents[2] / "fixtures" / "device_listings"
"""Outputs in the formats nvidia-smi -L, sycl-ls (oneAPI 2023 and 2025) and rocm-smi --showid print."""


def test_devices_are_listed_in_the_order_their_runtime_numbers_them() -> None:
    from harness.run.backends.inventory import DEVICE_LISTINGS, discover_devices, parse_devices

    patterns = {command[0]: pattern for command, pattern in DEVICE_LISTINGS}
    assert parse_devices((LISTINGS / "nvidia-smi-L.txt").read_text(), patterns["nvidia-smi"]) == ["0", "1"]
    assert parse_devices((LISTINGS / "sycl-ls-2025.txt").read_text(), patterns["sycl-ls"]) == [
        "0",
        "1",
        "2",
    ]  # the integrated GPU counts
    assert parse_devices((LISTINGS / "sycl-ls-2023.txt").read_text(), patterns["sycl-ls"]) == ["0"]
    assert parse_devices((LISTINGS / "rocm-smi-showid.txt").read_text(), patterns["rocm-smi"]) == ["0", "1"]
    outputs = {"sycl-ls": (LISTINGS / "sycl-ls-2025.txt").read_text()}
    assert discover_devices(lambda command: outputs.get(command[0])) == ["0", "1", "2"]
    assert discover_devices(lambda command: None) == []
