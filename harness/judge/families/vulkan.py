"""Vulkan, the backend of llama.cpp's and other runtimes' vendor-neutral GPU path: the `VkResult`
enumeration, as C code prints its names (`VK_ERROR_DEVICE_LOST`) and as Vulkan-Hpp throws and
prints them (`vk::DeviceLostError`, `vk::Queue::submit: ErrorDeviceLost`)."""

from __future__ import annotations

from harness.judge.families import Code, Family, Phrase
from harness.outcomes import CONFIG_ERROR, DEVICE_LOST, NO_DEVICE, OOM

SOURCE = (
    "KhronosGroup/Vulkan-Headers include/vulkan/vulkan_core.h enum VkResult (core 1.0-1.3 values); "
    "descriptions from the Vulkan specification's VkResult table; Vulkan-Hpp vulkan.hpp "
    "(exception classes vk::<Name>Error, to_string 'Error<Name>')"
)

CODES = (
    Code("VK_SUCCESS", None, string="Command successfully completed", number=0),
    Code("VK_NOT_READY", None, string="A fence or query has not yet completed", number=1),
    Code("VK_TIMEOUT", None, string="A wait operation has not completed in the specified time", number=2),
    Code("VK_EVENT_SET", None, string="An event is signaled", number=3),
    Code("VK_EVENT_RESET", None, string="An event is unsignaled", number=4),
    Code("VK_INCOMPLETE", None, string="A return array was too small for the result", number=5),
    Code("VK_ERROR_OUT_OF_HOST_MEMORY", OOM, string="A host memory allocation has failed.", number=-1),
    Code("VK_ERROR_OUT_OF_DEVICE_MEMORY", OOM, string="A device memory allocation has failed.", number=-2),
    Code(
        "VK_ERROR_INITIALIZATION_FAILED",
        NO_DEVICE,
        string="Initialization of an object could not be completed for implementation-specific reasons.",
        number=-3,
        evidence="what vkCreateInstance/vkCreateDevice return when the driver cannot bring the GPU up (no device "
        "passed into the container, driver mismatch)",
    ),
    Code(
        "VK_ERROR_DEVICE_LOST",
        DEVICE_LOST,
        string="The logical or physical device has been lost.",
        number=-4,
        evidence="https://github.com/ggml-org/llama.cpp issue thread: terminate called after throwing an instance of "
        "'vk::DeviceLostError' / what():  vk::Queue::submit: ErrorDeviceLost",
    ),
    Code("VK_ERROR_MEMORY_MAP_FAILED", None, string="Mapping of a memory object has failed.", number=-5),
    Code(
        "VK_ERROR_LAYER_NOT_PRESENT",
        CONFIG_ERROR,
        string="A requested layer is not present or could not be loaded.",
        number=-6,
    ),
    Code("VK_ERROR_EXTENSION_NOT_PRESENT", CONFIG_ERROR, string="A requested extension is not supported.", number=-7),
    Code("VK_ERROR_FEATURE_NOT_PRESENT", CONFIG_ERROR, string="A requested feature is not supported.", number=-8),
    Code(
        "VK_ERROR_INCOMPATIBLE_DRIVER",
        NO_DEVICE,
        string="The requested version of Vulkan is not supported by the driver or is otherwise incompatible for "
        "implementation-specific reasons.",
        number=-9,
        evidence="the Vulkan loader's answer when no installable client driver matches (no GPU driver in the image)",
    ),
    Code(
        "VK_ERROR_TOO_MANY_OBJECTS",
        None,
        string="Too many objects of the type have already been created.",
        number=-10,
    ),
    Code(
        "VK_ERROR_FORMAT_NOT_SUPPORTED",
        CONFIG_ERROR,
        string="A requested format is not supported on this device.",
        number=-11,
    ),
    Code(
        "VK_ERROR_FRAGMENTED_POOL",
        None,
        string="A pool allocation has failed due to fragmentation of the pool's memory.",
        number=-12,
    ),
    Code("VK_ERROR_UNKNOWN", None, string="An unknown error has occurred", number=-13),
    Code(
        "VK_ERROR_OUT_OF_POOL_MEMORY",
        None,
        string="A pool memory allocation has failed.",
        number=-1000069000,
    ),
    Code(
        "VK_ERROR_INVALID_EXTERNAL_HANDLE",
        None,
        string="An external handle is not a valid handle of the specified type.",
        number=-1000072003,
    ),
    Code(
        "VK_ERROR_FRAGMENTATION",
        None,
        string="A descriptor pool creation has failed due to fragmentation.",
        number=-1000161000,
    ),
    Code(
        "VK_ERROR_INVALID_OPAQUE_CAPTURE_ADDRESS",
        None,
        string="A buffer creation or memory allocation failed because the requested address is not available.",
        number=-1000257000,
    ),
    Code(
        "VK_PIPELINE_COMPILE_REQUIRED",
        None,
        string="A requested pipeline creation would have required compilation",
        number=1000297000,
    ),
    Code("VK_ERROR_SURFACE_LOST_KHR", None, string="A surface is no longer available.", number=-1000000000),
    Code(
        "VK_ERROR_NATIVE_WINDOW_IN_USE_KHR", None, string="The requested window is already in use", number=-1000000001
    ),
    Code(
        "VK_SUBOPTIMAL_KHR",
        None,
        string="A swapchain no longer matches the surface properties exactly",
        number=1000001003,
    ),
    Code(
        "VK_ERROR_OUT_OF_DATE_KHR",
        None,
        string="A surface has changed in such a way that it is no longer compatible",
        number=-1000001004,
    ),
    Code(
        "VK_ERROR_INCOMPATIBLE_DISPLAY_KHR",
        None,
        string="The display used by a swapchain does not use the same presentable image layout",
        number=-1000003001,
    ),
    Code(
        "VK_ERROR_VALIDATION_FAILED_EXT",
        None,
        string="A command failed because invalid usage was detected",
        number=-1000011001,
    ),
    Code(
        "VK_ERROR_INVALID_SHADER_NV", None, string="One or more shaders failed to compile or link.", number=-1000012000
    ),
    Code(
        "VK_ERROR_NOT_PERMITTED_KHR", None, string="The caller does not have sufficient privileges", number=-1000174001
    ),
)


def _camel(name: str) -> str:
    """`VK_ERROR_DEVICE_LOST` -> `DeviceLost`, as Vulkan-Hpp names the value."""
    return "".join(part.capitalize() for part in name.removeprefix("VK_ERROR_").split("_"))


RADV_CONTEXT_LOST = Phrase(
    r"The CS has been cancelled because the context is lost",
    DEVICE_LOST,
    "Mesa src/amd/vulkan/winsys/amdgpu/radv_amdgpu_cs.c: the kernel reset the GPU context, RADV's form of"
    " VK_ERROR_DEVICE_LOST",
    example="radv/amdgpu: The CS has been cancelled because the context is lost. This context is innocent.",
)

VULKAN = Family(
    runtime="vulkan",
    source=SOURCE,
    names=r"(?<![A-Za-z0-9_])(VK_ERROR_\w+)",
    codes=CODES,
    phrases=(
        *(
            Phrase(
                rf"\bvk::{_camel(code.name)}Error\b|\bError{_camel(code.name)}\b",
                code.outcome,
                f"Vulkan-Hpp spelling of {code.name}",
            )
            for code in CODES
            if code.outcome is not None and code.name.startswith("VK_ERROR_")
        ),
        RADV_CONTEXT_LOST,
    ),
)

FAMILIES = (VULKAN,)
