"""AWS Neuron (Inferentia, Trainium): the Neuron runtime's `NRT_STATUS` codes, as its callers print
them (`nrt_tensor_allocate status=4 message="Allocation Failure"` from torch-neuronx and
transformers-neuronx under vLLM or TorchServe)."""

from __future__ import annotations

from harness.judge.families import Code, Family
from harness.outcomes import COMM_ERROR, CONFIG_ERROR, DEVICE_LOST, NO_DEVICE, OOM

_NRT_CODES: tuple[tuple[str, int, str | None], ...] = (
    ("NRT_SUCCESS", 0, None),
    ("NRT_FAILURE", 1, None),
    ("NRT_INVALID", 2, None),
    ("NRT_INVALID_HANDLE", 3, None),
    ("NRT_RESOURCE", 4, OOM),
    ("NRT_TIMEOUT", 5, None),
    ("NRT_HW_ERROR", 6, DEVICE_LOST),
    ("NRT_QUEUE_FULL", 7, None),
    ("NRT_LOAD_NOT_ENOUGH_NC", 9, NO_DEVICE),
    ("NRT_UNSUPPORTED_NEFF_VERSION", 10, CONFIG_ERROR),
    ("NRT_FAIL_HOST_MEM_ALLOC", 11, OOM),
    ("NRT_UNINITIALIZED", 13, None),
    ("NRT_CLOSED", 14, None),
    ("NRT_QUEUE_EMPTY", 15, None),
    ("NRT_EXEC_UNIT_UNRECOVERABLE", 101, DEVICE_LOST),
    ("NRT_EXEC_BAD_INPUT", 1002, None),
    ("NRT_EXEC_COMPLETED_WITH_NUM_ERR", 1003, None),
    ("NRT_EXEC_COMPLETED_WITH_ERR", 1004, None),
    ("NRT_EXEC_NC_BUSY", 1005, None),
    ("NRT_EXEC_OOB", 1006, DEVICE_LOST),
    ("NRT_COLL_PENDING", 1100, None),
    ("NRT_EXEC_HW_ERR_COLLECTIVES", 1200, DEVICE_LOST),
    ("NRT_EXEC_HW_ERR_HBM_UE", 1201, DEVICE_LOST),
    ("NRT_EXEC_HW_ERR_NC_UE", 1202, DEVICE_LOST),
    ("NRT_EXEC_HW_ERR_DMA_ABORT", 1203, DEVICE_LOST),
    ("NRT_EXEC_SW_NQ_OVERFLOW", 1204, None),
    ("NRT_EXEC_HW_ERR_REPAIRABLE_HBM_UE", 1205, DEVICE_LOST),
    ("NRT_NETWORK_PROXY_FAILURE", 1206, COMM_ERROR),
)
"""(name, number, outcome). A resource the runtime could not allocate is device memory (its callers
say "Allocation Failure"); too few free NeuronCores is the placement failing, as too few GPUs is;
hardware errors (uncorrectable HBM or core errors, DMA aborts, out-of-bounds access) lose the work on
the device. Caller mistakes (invalid input, handles, queue states) decide nothing."""

_EVIDENCE = {
    "NRT_RESOURCE": "https://github.com/vllm-project/vllm/issues/12443: RuntimeError: nrt_tensor_allocate status=4"
    ' message="Allocation Failure"',
}

NEURON_RUNTIME = Family(
    runtime="neuron_runtime",
    source="aws-neuron/aws-neuron-sdk src/libnrt/include/nrt/nrt_status.h (NRT_STATUS)",
    names=r"(?<![A-Za-z0-9_])(NRT_[A-Z_]+)(?![A-Za-z0-9_])",
    forms=(r"\bnrt_\w+ status=(?P<number>\d+)",),
    codes=tuple(
        Code(name, outcome, number=number, evidence=_EVIDENCE.get(name, "")) for name, number, outcome in _NRT_CODES
    ),
)

FAMILIES = (NEURON_RUNTIME,)
