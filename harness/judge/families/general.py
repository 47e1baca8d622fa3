"""The general vocabulary of failure, for logs whose program no table knows yet.

Every runtime's table trails its next release, and a fresh program's wording is met first in a user's
log. What stays is the vocabulary: whatever the program, running out of memory is said with "out of
memory", "insufficient memory" or "failed to allocate", a missing GPU with "no ... devices found" or
"... not available", a bad setting with "invalid value", "unsupported" or "must be". These phrases are
read only on error lines (a line that says error, failed, fatal, an exception...), and they are weaker
than every table: they decide a log only when no table named anything and no ready line was seen, or
when a table named only a wrapper (an engine or a collective reporting that something below failed)
and they name the cause. They never stop a running cell early and never outrank a table's cause.

Each phrase's example is a line real programs printed that no table knew.
"""

from __future__ import annotations

import re

from harness.judge.families import Family, Phrase, Raised
from harness.outcomes import (
    COMM_ERROR,
    CONFIG_ERROR,
    DEVICE_LOST,
    ENGINE_FAILED,
    KV_CACHE_INSUFFICIENT,
    MODEL_ACCESS,
    NO_DEVICE,
    OOM,
    PORT_IN_USE,
)

GENERAL_FAMILY = "general"

ERROR_LINE = re.compile(
    r"\b(?:error|exception|fatal|fail(?:ed|ure|s)?|critical|panic|abort(?:ed|ing)?|fault|cannot|can't|could not"
    r"|couldn't|unable to|refused|denied|invalid|not found|crashed|crashes|dead|unrecognized|unknown (?:argument|option|value)|mismatch|in use"
    r"|exit(?:ed)? (?:with )?(?:code|status)|exitcode|signal \d+)\b"
    r"|\w(?:error|exception)\b"
)
"""A line the general vocabulary is read on, lowercased: one that says something failed (not "can yield
errors")."""

GENERAL_SKIPS = re.compile(
    r"(?<!NCCL )\bWARN(?:ING)?\b|\blevel=warn(?:ing)?\b|\[W:|\b[NR]CCL INFO\b|(?:^|[\])|:])\s{2,}[-\u2022] (?-i:[A-Z])"
    r"|^\s*(?:#?\d+\s+)?[^\s(]*\([^\s()]*\+0x[0-9a-f]+\)\s*\[0x[0-9a-f]+\]"
    r"|(?<![\w.])(?-i:NameError|AttributeError|IndexError|UnboundLocalError|SyntaxError|IndentationError"
    r"|ZeroDivisionError|RecursionError): ",
    re.IGNORECASE,
)
"""A line its program logged as a warning, or NCCL as INFO, or an indented bullet (at the line's start or
after a logger's prefix, not a padded level name): the general vocabulary does not read it. NCCL's WARN
is how NCCL reports its errors; its INFO lines narrate probing ("NET/Plugin: Failed to find
ncclCollNetPlugin symbol ... not supported") on healthy runs. An indented bullet is a hint list's guess
("This usually means: - Incompatible model file"), not a report of what happened. Python's exceptions
for a program's own bug (a name or attribute it lacks, an index) say what the code did wrong,
whatever words their message adds ("The name 'x' is not defined, or not supported in graph mode"). A
backtrace frame (`libucs.so.0(ucs_handle_error+0x2e4) [0x7f...]`) names a function, not what happened."""

NOT_KV = r"^(?!.*(?i:kv[ _-]?cache|memory slot))"

GENERAL = Family(
    runtime=GENERAL_FAMILY,
    source="the words programs use for each failure, read on error lines when no table matched",
    phrases=(
        Phrase(
            r"(?i)illegal (?:memory access|address|instruction)|\bdevice (?:was |has been |is )?(?:lost|removed|hung)\b"
            r"|\bGPU (?:hang|hung|reset|crash(?:ed)?)\b|fallen off the bus|uncorrectable (?:ECC|memory) error"
            r"|\b(?:hardware|vector core|ai ?core|aivec|aicpu) (?:exception|error)\b|exception of \w+ error"
            r"|\b(?:GPU|device|MMU|memory access|page) fault|misaligned address|unspecified launch failure",
            DEVICE_LOST,
            "device faults as runtimes word them (CUDA, HIP, CANN, Level Zero, kernel drivers)",
            example="https://github.com/shun8686/for_debug/blob/705beec5a7e4494ba1d552b9b5fb813eb2c1cc76/logs/test_ascend_deepep_low_lantency_qwen3_480b.log: "
            "rtStreamSynchronizeWithTimeout execution failed, reason=vector core exception",
        ),
        Phrase(
            NOT_KV + r"(?i:.*?(?:\bout of (?:device |gpu |host |video |shared |graphics |)memory|\bOOM\b|OutOfMemory"
            r"|(?:insufficient|not enough) (?:\w+ ){0,2}memory|(?:failed|unable|can ?not|can't|could not|couldn't) (?:to )?allocate"
            r"|\balloc\w* (?:of \S+ (?:bytes )?)?failed|memory allocation (?:error|failure|failed)"
            r"|exceeds? (?:the )?(?:available|free|total|device) (?:\w+ )?memory|RESOURCE_EXHAUSTED|bad_alloc"
            r"|\b(?:memory|VRAM) (?:is )?(?:exhausted|full)\b))",
            OOM,
            "how allocators and frameworks say memory ran out",
            example="https://github.com/ollama/ollama/issues/6149: "
            "ggml_cuda_host_malloc: failed to allocate 256.00 MiB of pinned memory: unknown error",
        ),
        Phrase(
            r"(?i)kv[ _-]?cache\b.{0,80}(?:insufficient|not enough|too small|larger than|exceeds?|no (?:free|available)"
            r"|free space|\bfull\b|cannot hold|can't hold)|(?:insufficient|not enough|no (?:free|available)|failed to find)"
            r"\b.{0,40}kv[ _-]?cache|memory slot for (?:the )?batch"
            r"|(?:could not|couldn't|unable to|cannot) find (?:a |any )?(?:free )?(?:kv[ _-]?cache|memory) slot"
            r"|(?:failed|unable) to allocate (?:\w+ ){0,3}for (?:the )?kv[ _-]?cache\b",
            KV_CACHE_INSUFFICIENT,
            "the KV cache (not the weights) has no room for the requests or the context length",
            example="https://github.com/ggml-org/llama.cpp/issues/29090: "
            "W decode: failed to find a memory slot for batch of size 128",
        ),
        Phrase(
            r"(?i)\bno (?:[\w-]+ ){0,3}(?:devices?|GPUs?|NPUs?|XPUs?|accelerators?)(?: \w+){0,2}"
            r" (?:found|available|detected|discovered|visible|present)\b"
            r"|\b(?:CUDA|GPUs?|NPUs?|XPUs?|devices?|drivers?|accelerators?|ROCm|HIP|NVML)\b (?:is |are |was |were )?"
            r"(?:not (?:available|found|detected|present|visible)|unavailable)\b"
            r"|(?:could not|couldn't|unable to|failed to|cannot) (?:find|detect|locate|initiali[sz]e) (?:any |a |the )?"
            r"(?:[\w-]+ ){0,2}(?:GPUs?|devices?|drivers?|NVML|NPUs?)\b(?!-)"
            r"|\bno (?:CUDA|ROCm|HIP|XPU|NPU|MPS|GPU)s?(?:(?: (?:or|and|nor) |\s?/\s?)(?:CUDA|ROCm|HIP|XPU|NPU|MPS|GPU)s?)*"
            r" (?:is |are )?(?:available|found|detected)\b",
            NO_DEVICE,
            "how programs say no accelerator or driver is there",
            example="I tensorflow/tsl/cuda/cudart_stub.cc:28] Could not find cuda drivers on your machine, GPU will not be used.",
        ),
        Phrase(
            r"(?i)^(?!.*\b(?:loading|loads?|using|trying) (?:it |them )?(?:from )?(?:the )?local\b).*?(?:"
            r"(?:download|fetch)\w* (?:\w+ )?(?:error|failed|failure)|\b(?:error|failed|failure) (?:while |when )?(?:download|fetch)\w* (?:the )?(?:model|weights|checkpoint|tokenizer|repo)"
            r"|DownloadError"
            r"|(?:failed to|could not|couldn't|unable to) (?:download|fetch|pull)\b|\b(?:repo(?:sitory)?|model|revision|manifest) \S*\s?(?:not found|does not exist)"
            r"|not a valid model identifier|\b40[13]\b.{0,40}(?:Unauthorized|Forbidden|Client Error)|\bgated (?:repo|model)"
            r"|(?:failed|unable|cannot|can't|could not|couldn't) (?:to )?(?:open|read|find|locate|parse) (?:the )?"
            r"(?:model|tokenizer|weights|checkpoint|vocab)\w*\b(?! (?:on|to) )"
            r"|(?:invalid|corrupt\w*|malformed|truncated|incomplete) (?:\w+ )?(?:model|tokenizer|vocab|weights?|checkpoint"
            r"|safetensors|gguf)(?: file)?\b|\b(?:model|weights?|checkpoint|file)\w* (?:is |are |was |seems )?(?:corrupt\w*"
            r"|incomplete|truncated)\b|No such file or directory:? .{0,200}\.(?:safetensors|gguf|bin|pt|pth|ckpt|onnx|model|json)\b"
            r"|\bno (?:\w+ )?(?:config|model|weights?|checkpoint) files? (?:was |were )?found\b"
            r"|(?:can't|cannot|could not|couldn't|unable to) (?:find|locate|open|load) (?:the )?(?:file )?['\"`]?"
            r"(?:adapter_|tokenizer_)?config\.json\b)",
            MODEL_ACCESS,
            "the model, its files or its hub could not be reached or read (unless the same line says the program"
            " loads it from a local copy instead)",
            example="https://github.com/parallelworks/activate-rag-vllm/blob/f9c153191655f6cdbed4b2d9bfa845fed15e5385/vllm.out: "
            "openai_harmony.HarmonyError: invalid tiktoken vocab file: expected token and rank, could not split on ' ' at line 1",
        ),
        Phrase(
            r"(?i)address already in use|\bEADDRINUSE\b|\bports? (?:\S+ ){0,4}(?:is|are) (?:already )?(?:in use|taken|occupied)"
            r"|only one usage of each socket address|\b(?:port|address)\w* (?:\w+ ){0,4}(?:bound already|already bound)"
            r"|\bport \d+\b.{0,50}\b(?:is|are) (?:not available|unavailable)\b"
            r"|\bport\S* .{0,40}\bused by (?:a|another) process",
            PORT_IN_USE,
            "the listening port is taken",
            example="https://github.com/AUTOMATIC1111/stable-diffusion-webui/issues/8941: "
            "OSError: All ports from 7860 to 7959 are in use. Please close a port.",
        ),
        Phrase(
            r"(?i)\binvalid (?:value|choice|option|configuration|config|parameter|literal|dtype|setting)s?\b"
            r"|\binvalid (?:device|backend|platform) (?:name|type)s?\b|\bplease choose (?:from|one of)\b"
            r"|\bunrecognized (?:arguments?|options?|parameters?)|\bno such (?:option|command)\b|\bunknown (?:argument|option|value|parameter|flag|architecture|model type)s?\b|\bunknown \w+ architecture\b"
            r"|error while handling argument|\berror: argument\b|\b(?:is|are) not supported\b|\bnot supported (?:on|by|for|with|in|yet)\b"
            r"|\bunsupported\b|\bsupport (?:for [\w.-]+ )?is not (?:yet )?(?:implemented|ready)\b"
            r"|\bnot (?:yet )?implemented (?:for|on) (?:this |the )?(?:[\w.-]+ ){0,2}?(?:GPUs?|devices?|platforms?"
            r"|architectures?|hardware|sm_?\d+|Blackwell|Hopper|Ada|Ampere|Turing|Volta|ROCm|XPUs?|NPUs?|MPS|Metal)\b"
            r"|\bexceeds (?:the )?model'?s (?:max|maximum)|\bincompatib(?:le|ility)\b|\bshould (?:not )?be (?:equal|greater|less|smaller|larger|at least|at most|(?:evenly )?divisible|between|one of)\b|\b(?:must|has to|have to) (?:be|have|not be) (?:a |an |one of|greater|less|smaller|larger|at least"
            r"|at most|(?:evenly )?divisible|set|between|specified|provided|either|equal|in |the same|built|compiled"
            r"|enabled|disabled)"
            r"|\b(?:requires?|needs?) \S+ (?:version )?(?:[<>=]=?\s*v?\d|v?[\d.]+ or (?:less|lower|older|greater|higher|newer|later))"
            r"|version mismatch|mismatch(?:ed)? (?:\w+ )?versions?|(?:cannot|can't) be (?:used|combined|set|enabled) (?:with|together|when)"
            r"|\bconfig(?:uration)? error\b|version\w*(?: tag)? (?:does not|doesn't|do not) match"
            r"|\brequires? (?:\S+ ){0,3}(?:sm_?\d+|compute capability)|\b(?:does not|doesn't) support\b"
            r"|\b(?:please|try(?: to)?) (?:increase|decrease|reduce|raise|lower|set|specify|pass|enable|disable) (?:the )?"
            r"[`'\"]?(?:--)?(?![\w-]*(?:DEBUG|LOG|TRACE|VERBOS|BLOCKING))[a-z]+[_-][\w-]+|got an unexpected keyword argument '\w+-[\w-]+'"
            r"|lib(?:cudart|cublas\w*|cudnn\w*|nvrtc|nccl|cufft|curand|cusparse|cusolver|nvJitLink)\S*\.so(?:\.\d+)*: cannot open",
            CONFIG_ERROR,
            "settings, arguments or library versions the program refuses",
            example="https://github.com/atreydesai/augmented-mcqa/blob/4576ad913faf7506241562372dd7a5ab8de25449/logs/slurm/local_model_smoke/local_model_smoke_20260220_063442/Nanbeige_Nanbeige4_1-3B_6286314.err: "
            "ImportError: Numba needs NumPy 2.2 or less. Got NumPy 2.4.",
        ),
        Phrase(
            r"(?i)\b(?:[NRH]CCL\w*|oneCCL|gloo|MPI|UCX)\b.{0,80}(?:error|fail\w*|time ?out|timed out|abort\w*|refused)"
            r"|\b(?:collective|all_?reduce|all_?gather|reduce_?scatter|broadcast|barrier|all_?to_?all)\b.{0,60}"
            r"(?:fail\w*|timed out|time ?out|error|refused|reset|closed)|connection (?:reset|closed) by (?:remote )?peer|socket times? out"
            r"|\bnvshmem\b.{0,60}\b(?:fail\w*|error)|\brendezvous\b.{0,60}(?:fail\w*|timed out|timeout|error|closed)|remote (?:rank|process|peer)\b.{0,60}"
            r"(?:exit\w*|fail\w*|did not|closed|died)",
            COMM_ERROR,
            "the collective layer between ranks or nodes failed",
            example="https://github.com/NVIDIA/nccl-tests/issues/185: "
            "dgxh100-3:225140:225355 [0] misc/ibvwrap.cc:187 NCCL WARN Call to ibv_modify_qp failed with error Network is"
            " unreachable",
        ),
        Phrase(
            r"(?i)\b(?:engine|engine ?core|worker|runner|shard|scheduler|child process|subprocess|backend|server process"
            r"|rank \d+|executor|server|replica|actor|container|model)\b.{0,40}\b(?:failed to (?:start|initiali[sz]e|load)"
            r"|died|(?:is )?dead\b|terminated|exited|crash(?:ed|es)?\b|was killed|not alive|hit an exception)"
            r"|\b(?:process|server|runner|worker|engine|child)\b.{0,40}"
            r"\b(?:exit(?:ed)? (?:with )?(?:status|code)|return(?:ed)? code)[: =]+(?:-?[1-9]\d*|0x[0-9a-f]+|null)"
            r"|(?:terminated|exited|died|crashed) unexpectedly|\bexitcode\s*:\s*-?[1-9]|\bnon-zero exit code|\bcmd\.Wait\(\) returned error: (?:signal: |exit status [1-9])"
            r"|\b(?:exited|terminated|quit|stopped) (?:with an? error|abnormally)\b"
            r"|\bcrashed (?:container|pod|worker|replica)",
            ENGINE_FAILED,
            "a launcher or engine reports that the process under it died",
            example="https://github.com/BlazeFiresong18/Doraeon/blob/f7af8e196cd4968db6668bc4399cdf6da2a80e2a/ollama_serve.log: "
            'time=2026-07-29T22:23:22.926+05:30 level=ERROR source=llama_server.go:985 msg="llama-server terminated" error="exit status 1" exit=1',
        ),
    ),
    raised=(
        Raised(
            r"/urllib3/(?:util/)?connection\.py:(?:create_connection|_new_conn|connect)$",
            MODEL_ACCESS,
            "a connection a server opens while it starts, refused or timed out in urllib3 (under requests and"
            " huggingface_hub): the model's or tokenizer's fetch; decides only a log that never became ready",
            exceptions=r"TimeoutError|ConnectionRefusedError|ConnectionResetError|OSError|socket\.gaierror"
            r"|[\w.]*(?:NewConnectionError|ConnectTimeoutError|NameResolutionError)",
            example='File "/usr/local/lib/python3.10/dist-packages/urllib3/util/connection.py", line 73, in create_connection',
        ),
        Raised(
            r":_*(?:validate|verify|check)(?:_\w+)?$",
            CONFIG_ERROR,
            "any program's own input checks: a ValueError or TypeError raised by a function whose name says it"
            " validates, verifies or checks (after a ready line these are a request's errors, so never read there)",
            exceptions=r"ValueError|TypeError|[\w.]*ValidationError",
            example="https://github.com/JackYansongLi/local_llm_server/blob/fff765075a3cb7f9150ed9edae462bea291b1afd/logs/vllm_server.log: "
            'File "/venv/lib/python3.10/site-packages/vllm/entrypoints/chat_utils.py", line 1033, in validate_chat_template',
        ),
    ),
)
"""One phrase per outcome; the outcome ranks decide between them as between the tables."""
