"""NVIDIA TensorRT's ONNX parser: its `ErrorCode` values, as the parser prints them when an ONNX model
does not import (`In node 0 (importFallbackPluginImporter): UNSUPPORTED_NODE: ...`), under trtexec,
TensorRT's Python API, Triton's TensorRT backend or an engine-building step of a serving image."""

from __future__ import annotations

from harness.judge.families import Code, Family
from harness.outcomes import CONFIG_ERROR, MODEL_ACCESS, OOM

_PARSER_CODES: tuple[tuple[str, int, str | None], ...] = (
    ("SUCCESS", 0, None),
    ("INTERNAL_ERROR", 1, None),
    ("MEM_ALLOC_FAILED", 2, OOM),
    ("MODEL_DESERIALIZE_FAILED", 3, MODEL_ACCESS),
    ("INVALID_VALUE", 4, None),
    ("INVALID_GRAPH", 5, None),
    ("INVALID_NODE", 6, None),
    ("UNSUPPORTED_GRAPH", 7, CONFIG_ERROR),
    ("UNSUPPORTED_NODE", 8, CONFIG_ERROR),
    ("UNSUPPORTED_NODE_ATTR", 9, CONFIG_ERROR),
    ("UNSUPPORTED_NODE_INPUT", 10, CONFIG_ERROR),
    ("UNSUPPORTED_NODE_DATATYPE", 11, CONFIG_ERROR),
    ("UNSUPPORTED_NODE_DYNAMIC", 12, CONFIG_ERROR),
    ("UNSUPPORTED_NODE_SHAPE", 13, CONFIG_ERROR),
    ("REFIT_FAILED", 14, None),
)
"""(name as errorCodeStr prints it, number, outcome). A graph or operator this TensorRT cannot import
(an op without a plugin, an attribute, data type or dynamic shape it does not support) is a model this
build does not support; an ONNX file that does not deserialize is the model's file; the parser's own
allocation failing is memory. An internal error, a refit, and values or nodes the model itself gets
wrong (INVALID_*) decide nothing: they say the parser met something, not which stage failed."""

_EVIDENCE = {
    "UNSUPPORTED_NODE": "https://github.com/NVIDIA/trt-samples-for-hackathon-cn/blob/"
    "76321b190daa3755d544922052be109a2172e441/cookbook/06-PluginAndParser/pyTorch-FailConvertNonZero/result.log: "
    'In node 0 (importFallbackPluginImporter): UNSUPPORTED_NODE: Assertion failed: creator && "Plugin not found,'
    ' are the plugin name, version, and namespace correct?"',
}

TENSORRT_ONNX_PARSER = Family(
    runtime="tensorrt_onnx",
    source="onnx/onnx-tensorrt NvOnnxParser.h (enum class ErrorCode) and errorHelpers.hpp errorCodeStr",
    names=r"(?<![A-Za-z0-9_])(MEM_ALLOC_FAILED|MODEL_DESERIALIZE_FAILED|INTERNAL_ERROR|REFIT_FAILED"
    r"|INVALID_(?:VALUE|GRAPH|NODE)|UNSUPPORTED_(?:GRAPH|NODE(?:_ATTR|_INPUT|_DATATYPE|_DYNAMIC|_SHAPE)?))"
    r"(?![A-Za-z0-9_])",
    codes=tuple(
        Code(name, outcome, number=number, evidence=_EVIDENCE.get(name, "")) for name, number, outcome in _PARSER_CODES
    ),
)

FAMILIES = (TENSORRT_ONNX_PARSER,)
