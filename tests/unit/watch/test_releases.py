"""A release line's order, what is new, and the baseline (no registry)."""

from __future__ import annotations

from harness.watch.registry import parse_repository
from harness.watch.releases import Qualified, baseline, new_tags, release_key, releases


def test_tags_are_ordered_as_releases() -> None:
    tags = ["1.10", "latest", "1.4.1", "1.4", "1.9", "1.4-rc1", "b10", "b8", "v1.2"]
    assert releases(tags) == ["v1.2", "1.4-rc1", "1.4", "1.4.1", "1.9", "1.10", "b8", "b10"]
    assert releases(tags, match=r"^1\.4") == ["1.4-rc1", "1.4", "1.4.1"]
    assert release_key("1.4rc1") == release_key("1.4-rc1")


def test_new_and_rebuilt_tags_and_the_baseline() -> None:
    ordered = ["1.2", "1.3", "1.4", "1.5"]
    done = {
        "1.2": Qualified("1.2", "sha256:a", "run-1", good=True),
        "1.3": Qualified("1.3", "sha256:b", "run-2", good=True),
        "1.4": Qualified("1.4", "sha256:c", "run-3", good=False),
    }
    digests = {"1.2": "sha256:a", "1.3": "sha256:B", "1.4": "sha256:c", "1.5": "sha256:d"}
    assert new_tags(ordered, digests, done) == ["1.3", "1.5"]  # 1.3 was rebuilt
    assert baseline(ordered, done, "1.5") == "1.3"  # 1.4 regressed, so the last good is 1.3
    assert baseline(ordered, done, "1.3") == "1.2"
    assert baseline(ordered, {}, "1.2") is None


def test_repositories_are_named_as_docker_names_them() -> None:
    hub = parse_repository("intel/llm-scaler-vllm")
    assert (hub.registry, hub.name, hub.ref) == (
        "registry-1.docker.io",
        "intel/llm-scaler-vllm",
        "intel/llm-scaler-vllm",
    )
    assert parse_repository("busybox").name == "library/busybox"
    local = parse_repository("127.0.0.1:5000/fake-vllm")
    assert (local.registry, local.name, local.base) == (
        "127.0.0.1:5000",
        "fake-vllm",
        "http://127.0.0.1:5000/v2/fake-vllm",
    )
    assert parse_repository("ghcr.io/org/image").base == "https://ghcr.io/v2/org/image"
