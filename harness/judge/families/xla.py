"""XLA and JAX: absl status codes as JAX prints them (`XlaRuntimeError: RESOURCE_EXHAUSTED: ...`),
and JAX's backend initialisation messages."""

from __future__ import annotations

from harness.judge.families import Code, Family, Phrase
from harness.outcomes import COMM_ERROR, CONFIG_ERROR, NO_DEVICE, OOM

XLA = Family(
    runtime="xla_jax",
    source="abseil/abseil-cpp absl/status/status.h + status.cc StatusCodeToString (commit 926f1d05a4f85663e4ca057f70f1a7f0a7d6b762); jax-ml/jax jax/_src/xla_bridge.py, jax/errors.py, jaxlib/jax.cc, CHANGELOG.md (commit cec06d116c05f0d52adfceee3d3b730fdbcb0ce5, jax 0.11.1 dev); jax/_src/xla_bridge.py",
    names="(?:XlaRuntimeError|JaxRuntimeError|RuntimeError|Bad StatusOr access|Status): (OK|CANCELLED|UNKNOWN|INVALID_ARGUMENT|DEADLINE_EXCEEDED|NOT_FOUND|ALREADY_EXISTS|PERMISSION_DENIED|RESOURCE_EXHAUSTED|FAILED_PRECONDITION|ABORTED|OUT_OF_RANGE|UNIMPLEMENTED|INTERNAL|UNAVAILABLE|DATA_LOSS|UNAUTHENTICATED):",
    codes=(
        Code("OK", None, string="absl::StatusCodeToString -> 'OK'", number=0),
        Code("CANCELLED", None, string="absl::StatusCodeToString -> 'CANCELLED'", number=1),
        Code("UNKNOWN", None, string="absl::StatusCodeToString -> 'UNKNOWN'", number=2),
        Code("INVALID_ARGUMENT", None, string="absl::StatusCodeToString -> 'INVALID_ARGUMENT'", number=3),
        Code("DEADLINE_EXCEEDED", COMM_ERROR, string="absl::StatusCodeToString -> 'DEADLINE_EXCEEDED'", number=4),
        Code("NOT_FOUND", None, string="absl::StatusCodeToString -> 'NOT_FOUND'", number=5),
        Code("ALREADY_EXISTS", None, string="absl::StatusCodeToString -> 'ALREADY_EXISTS'", number=6),
        Code("PERMISSION_DENIED", None, string="absl::StatusCodeToString -> 'PERMISSION_DENIED'", number=7),
        Code(
            "RESOURCE_EXHAUSTED",
            OOM,
            string="absl::StatusCodeToString -> 'RESOURCE_EXHAUSTED'",
            number=8,
            evidence="https://github.com/google-deepmind/alphafold/issues/1023: jaxlib.xla_extension.XlaRuntimeError: RESOURCE_EXHAUSTED: Out of memory while trying to allocate 7406166528 bytes.",
        ),
        Code(
            "FAILED_PRECONDITION",
            None,
            string="absl::StatusCodeToString -> 'FAILED_PRECONDITION'",
            number=9,
            evidence="https://github.com/jax-ml/jax/issues/24866: jaxlib.xla_extension.XlaRuntimeError: FAILED_PRECONDITION: No visible GPU devices.",
        ),
        Code("ABORTED", None, string="absl::StatusCodeToString -> 'ABORTED'", number=10),
        Code("OUT_OF_RANGE", None, string="absl::StatusCodeToString -> 'OUT_OF_RANGE'", number=11),
        Code("UNIMPLEMENTED", None, string="absl::StatusCodeToString -> 'UNIMPLEMENTED'", number=12),
        Code(
            "INTERNAL",
            None,
            string="absl::StatusCodeToString -> 'INTERNAL'",
            number=13,
            evidence="https://github.com/jax-ml/jax/issues/24866: E external/xla/xla/stream_executor/cuda/cuda_driver.cc:152] failed call to cuInit: INTERNAL: CUDA error: Failed call to cuInit: CUDA_ERROR_SYSTEM_NOT_READY: system not yet initialized",
        ),
        Code("UNAVAILABLE", COMM_ERROR, string="absl::StatusCodeToString -> 'UNAVAILABLE'", number=14),
        Code("DATA_LOSS", None, string="absl::StatusCodeToString -> 'DATA_LOSS'", number=15),
        Code("UNAUTHENTICATED", None, string="absl::StatusCodeToString -> 'UNAUTHENTICATED'", number=16),
    ),
    phrases=(
        Phrase(
            r"Allocator ran out of memory trying to allocate|\bOOM when allocating tensor|ResourceExhaustedError",
            OOM,
            "TensorFlow and Intel Extension for TensorFlow BFC allocator (the XLA/TensorFlow lineage)",
        ),
        Phrase(r"Unable to initialize backend '(?:cuda|gpu|rocm|tpu)'", NO_DEVICE, "jax/_src/xla_bridge.py backends()"),
        Phrase(r"CUDA backend failed to initialize", NO_DEVICE, "jax/_src/xla_bridge.py"),
        Phrase(r"No GPU/TPU found, falling back to CPU", NO_DEVICE, "older jax/_src/xla_bridge.py"),
        Phrase(
            r"Error loading CUDA libraries\. GPU will not be used",
            NO_DEVICE,
            "jaxlib/cuda/versions_helpers.cc, raised into jax/_src/xla_bridge.py _version_check: the CUDA libraries"
            " jaxlib needs did not load",
            example="RuntimeError: jaxlib/cuda/versions_helpers.cc:33: operation cudaRuntimeGetVersion(&version) failed:"
            " Error loading CUDA libraries. GPU will not be used.",
        ),
        Phrase(r"Backend '\w+' failed to initialize", NO_DEVICE, "jax/_src/xla_bridge.py _get_backend_uncached"),
        Phrase(r"failed call to cuInit", NO_DEVICE, "xla stream_executor cuda_driver.cc"),
        Phrase(r"No visible GPU devices", NO_DEVICE, "XLA FAILED_PRECONDITION from the GPU client"),
        Phrase(
            r"Cannot dlopen some GPU libraries",
            NO_DEVICE,
            "tensorflow/core/common_runtime/gpu/gpu_device.cc: a CUDA library is missing, TensorFlow skips the GPU",
        ),
        Phrase(
            r"Jax plugin configuration error",
            CONFIG_ERROR,
            "jax/_src/xla_bridge.py discover_pjrt_plugins: the installed CUDA plugin does not match jaxlib",
        ),
    ),
)

FAMILIES = (XLA,)
