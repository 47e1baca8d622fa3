"""What changed between two images, from what they hold (no engine)."""

from __future__ import annotations

from harness.report.diff import (
    FORMATS,
    ImageContents,
    diff_images,
    parse_conda_meta,
    parse_dpkg_status,
    parse_python_metadata,
)

DPKG_STATUS = """Package: libze1
Status: install ok installed
Priority: optional
Section: libs
Installed-Size: 740
Maintainer: Debian OpenCL Maintainers <pkg-opencl-devel@lists.alioth.debian.org>
Architecture: amd64
Multi-Arch: same
Source: level-zero
Version: 1.17.6-1
Depends: libc6 (>= 2.34)
Description: Intel(R) Graphics Compute Runtime for oneAPI Level Zero.
 Level Zero is the primary low-level interface.

Package: curl
Status: deinstall ok config-files
Architecture: amd64
Version: 7.88.1-10

Package: zlib1g
Status: install ok installed
Architecture: amd64
Version: 1:1.2.13.dfsg-1
Description: compression library - runtime
"""

METADATA = """Metadata-Version: 2.1
Name: Intel_Extension_For_PyTorch
Version: 2.7.10+xpu
Summary: Intel(R) Extension for PyTorch*
Requires-Dist: psutil

Long description here.
"""


def contents(ref: str, image_id: str, **fields: object) -> ImageContents:
    return ImageContents.model_validate({"ref": ref, "id": image_id, **fields})


def test_installed_packages_and_distributions_are_read_from_their_own_files() -> None:
    assert parse_dpkg_status(DPKG_STATUS) == {"libze1": "1.17.6-1", "zlib1g": "1:1.2.13.dfsg-1"}
    assert parse_python_metadata(METADATA) == ("intel-extension-for-pytorch", "2.7.10+xpu")
    assert parse_python_metadata("Metadata-Version: 2.1\n") is None
    assert parse_conda_meta('{"name": "pytorch", "version": "2.3.1", "build": "py3"}') == ("pytorch", "2.3.1")


def test_the_gpu_stack_comes_first_then_python_debian_env_and_layers() -> None:
    before = contents(
        "llm-scaler-vllm:1.3",
        "sha256:" + "a" * 64,
        env={"PATH": "/usr/bin", "CCL_TOPO_P2P_ACCESS": "1"},
        debian={"libze1": "1.17.6-1", "zlib1g": "1.2.13", "curl": "7.88"},
        python={"vllm": "0.10.1", "numpy": "1.26.4", "intel-extension-for-pytorch": "2.7.10+xpu"},
        markers={"oneapi ccl": "2021.15"},
        layers=["sha256:1", "sha256:2"],
        history=[{"created_by": "base", "size": 10}, {"created_by": "RUN pip install vllm", "size": 2000000}],
    )
    after = contents(
        "llm-scaler-vllm:1.4",
        "sha256:" + "b" * 64,
        env={"PATH": "/usr/bin", "CCL_ZE_IPC_EXCHANGE": "pidfd"},
        debian={"libze1": "1.21.9-1", "zlib1g": "1.2.13"},
        python={"vllm": "0.11.0", "numpy": "2.1.0", "intel-extension-for-pytorch": "2.7.10+xpu"},
        markers={"oneapi ccl": "2021.16"},
        layers=["sha256:1", "sha256:3", "sha256:4"],
        history=[
            {"created_by": "base", "size": 10},
            {"created_by": "RUN pip install vllm==0.11.0", "size": 3000000},
            {"created_by": "ENV CCL_ZE_IPC_EXCHANGE=pidfd", "size": 0, "empty_layer": True},
            {"created_by": "COPY patches /", "size": 1000},
        ],
    )
    diff = diff_images(before, after)
    assert [(c.name, c.before, c.after) for c in diff.gpu_stack] == [
        ("oneapi ccl", "2021.15", "2021.16"),
        ("libze1 (debian)", "1.17.6-1", "1.21.9-1"),
        ("vllm (python)", "0.10.1", "0.11.0"),
    ]
    assert [(c.name, c.kind) for c in diff.python] == [("numpy", "changed")]
    assert [(c.name, c.kind) for c in diff.debian] == [("curl", "removed")]
    assert [(c.name, c.kind) for c in diff.env] == [
        ("CCL_TOPO_P2P_ACCESS", "removed"),
        ("CCL_ZE_IPC_EXCHANGE", "added"),
    ]
    assert diff.shared_layers == 1 and [s["created_by"] for s in diff.new_layers] == [
        "RUN pip install vllm==0.11.0",
        "COPY patches /",
    ]
    text = FORMATS.render("md", diff)
    assert text.startswith("### What changed between `llm-scaler-vllm:1.3` and `llm-scaler-vllm:1.4`")
    assert text.index("#### GPU stack (3)") < text.index("#### Python packages (1)") < text.index("#### Environment")
    assert "| libze1 (debian) | `1.17.6-1` | `1.21.9-1` |" in text
    assert "| CCL_ZE_IPC_EXCHANGE | - | `pidfd` |" in text
    assert "#### Layers: 1 shared, 2 new" in text and "| `COPY patches /` | 0.0 MB |" in text
    assert '"kind": "added"' in FORMATS.render("json", diff)


def test_one_image_under_two_tags_has_nothing_to_say() -> None:
    same = contents("a:1", "sha256:" + "c" * 64)
    assert "nothing changed" in FORMATS.render("md", diff_images(same, same.model_copy(update={"ref": "a:latest"})))
