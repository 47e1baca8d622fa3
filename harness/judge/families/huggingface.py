"""Hugging Face: huggingface_hub's error classes (0.36 and 1.x) and transformers' loading errors
(4.x and 5.x): the model cannot be obtained; accelerate's launcher refusing its config."""

from __future__ import annotations

from harness.judge.families import Code, Family, Phrase, Raised
from harness.outcomes import CONFIG_ERROR, MODEL_ACCESS

HUB = Family(
    runtime="huggingface_hub",
    source="huggingface/huggingface_hub src/huggingface_hub/errors.py, utils/_http.py hf_raise_for_status, file_download.py at tag v0.36.2 (last 0.x; pairs with transformers 4.57.1 which requires huggingface-hub<1.0,>=0.34.0) and at HEAD ee0a4510f4bc15e26cb722be2efc2bdb01383ca0 (version 1.29.0.dev0; transformers 5.24.0 requires huggingface-hub>=1.31.0,<3.0) (0.36 and 1.x)",
    names="(?<![A-Za-z0-9_])([A-Z][A-Za-z]+(?:Error|Exception|NotFound|Enabled))(?![A-Za-z0-9_])",
    codes=(
        Code(
            "CacheNotFound",
            MODEL_ACCESS,
            string="Exception thrown when the Huggingface cache is not found.",
            evidence="https://github.com/HabanaAI/vllm-fork/issues/1474: ERROR 06-24 15:31:46 engine.py:389] Cache directory"
            " not found: /data/.cache/huggingface. Please use `cache_dir` argument or set `HF_HUB_CACHE` environment variable.",
        ),
        Code(
            "CorruptedCacheException",
            MODEL_ACCESS,
            string="Exception for any unexpected structure in the Huggingface cache-system.",
        ),
        Code(
            "CachedRepoTreeNotFoundError",
            MODEL_ACCESS,
            string="Raised by [`get_cached_repo_tree`] when no tree listing is cached for the requested revision.",
        ),
        Code("LocalTokenNotFoundError", MODEL_ACCESS, string="Raised if local token is required but not found."),
        Code(
            "OIDCError",
            MODEL_ACCESS,
            string='Raised when keyless CI/CD auth via OIDC token exchange ("Trusted Publishers") cannot proceed.',
        ),
        Code(
            "OAuthErrorCode",
            None,
            string="Known OAuth `error` codes returned by the Hub's token endpoint (RFC 6749 / RFC 8628).",
        ),
        Code(
            "DeviceCodeError",
            MODEL_ACCESS,
            string="Raised when the Device Code OAuth login flow (RFC 8628) or an OAuth token refresh fails.",
        ),
        Code(
            "OfflineModeIsEnabled",
            MODEL_ACCESS,
            string="Raised when a request is made but `HF_HUB_OFFLINE=1` is set as environment variable.",
        ),
        Code(
            "HfHubHTTPError",
            MODEL_ACCESS,
            string="HTTPError to inherit from for any custom HTTP Error raised in HF Hub.",
        ),
        Code(
            "InferenceTimeoutError", None, string="Error raised when a model is unavailable or the request times out."
        ),
        Code("InferenceEndpointError", None, string="Generic exception when dealing with Inference Endpoints."),
        Code(
            "InferenceEndpointTimeoutError", None, string="Exception for timeouts while waiting for Inference Endpoint."
        ),
        Code(
            "SafetensorsParsingError", MODEL_ACCESS, string="Raised when failing to parse a safetensors file metadata."
        ),
        Code(
            "NotASafetensorsRepoError",
            MODEL_ACCESS,
            string="Raised when a repo is not a Safetensors repo i.e. doesn't have either a `model.safetensors` or a `model.safetensors.index.json` file.",
        ),
        Code("TextGenerationError", None, string="Generic error raised if text-generation went wrong."),
        Code("ValidationError", None, string="Server-side validation error."),
        Code("GenerationError", None),
        Code("OverloadedError", None),
        Code("IncompleteGenerationError", None),
        Code("UnknownError", None),
        Code("HFValidationError", MODEL_ACCESS, string="Generic exception thrown by `huggingface_hub` validators."),
        Code("HfUriError", None, string="Raised when an `hf://...` URI is malformed."),
        Code(
            "DryRunError",
            None,
            string="Error triggered when a dry run is requested but cannot be performed (e.g. invalid repo).",
        ),
        Code(
            "FileMetadataError",
            MODEL_ACCESS,
            string="Error triggered when the metadata of a file on the Hub cannot be retrieved (missing ETag or commit_hash).",
        ),
        Code("BucketNotFoundError", None, string="Raised when trying to access a bucket that does not exist."),
        Code("JobNotFoundError", None, string="Raised when trying to access a Job that does not exist."),
        Code(
            "RepositoryNotFoundError",
            MODEL_ACCESS,
            string="Raised when trying to access a hf.co URL with an invalid repository name, or with a private repo name the user does not have access to.",
            evidence="https://github.com/Sudharsanselvaraj/Token-Print/pull/305: huggingface_hub.utils._errors.RepositoryNotFoundError: 401 Client Error. Repository Not Found for url: https://huggingface.co/api/models/org/private-model/revision/main. Please make sure you specified",
        ),
        Code(
            "GatedRepoError",
            MODEL_ACCESS,
            string="Raised when trying to access a gated repository for which the user is not on the authorized list.",
            evidence="https://github.com/ToTheBeginning/PuLID/issues/97: huggingface_hub.errors.GatedRepoError: 401 Client Error. (Request ID: Root=1-66f4b037-1bf3d7d219afbc904ee05694;5601d2c9-8fd8-4ed8-b38d-d8a432e1fa59)",
        ),
        Code(
            "DisabledRepoError",
            MODEL_ACCESS,
            string="Raised when trying to access a repository that has been disabled by its author.",
        ),
        Code(
            "RevisionNotFoundError",
            MODEL_ACCESS,
            string="Raised when trying to access a hf.co URL with a valid repository but an invalid revision.",
        ),
        Code(
            "RevisionResolutionError",
            MODEL_ACCESS,
            string="Raised by [`HfApi.resolve_revision`] when a revision cannot be resolved to a commit hash: the Hub could not be reached (offline mode, connection error, timeout, Hub downtime, ...) and no matching entry was found in the local cache.",
        ),
        Code("EntryNotFoundError", MODEL_ACCESS, string="Raised when entry not found, either locally or remotely."),
        Code(
            "RemoteEntryNotFoundError",
            MODEL_ACCESS,
            string="Raised when trying to access a hf.co URL with a valid repository and revision but an invalid filename.",
        ),
        Code(
            "LocalEntryNotFoundError",
            MODEL_ACCESS,
            string="Raised when trying to access a file or snapshot that is not on the disk when network is disabled or unavailable (connection issue). The entry may exist on the Hub.",
            evidence="https://github.com/yuruotong1/autoMate/issues/104: huggingface_hub.errors.LocalEntryNotFoundError: An error happened while trying to locate the file on the Hub and we cannot find the requested files in the local cache. Please check your connection and",
        ),
        Code(
            "IncompleteSnapshotError",
            MODEL_ACCESS,
            string="Raised by [`snapshot_download`] when the Hub cannot be reached (offline, connection issue, or `local_files_only=True`) and the cached snapshot is known to be incomplete: some files listed in the repository's cached tree listing are missing from the local snapshot.",
        ),
        Code(
            "BadRequestError", None, string="Raised by `hf_raise_for_status` when the server returns a HTTP 400 error."
        ),
        Code("DDUFError", None, string="Base exception for errors related to the DDUF format."),
        Code("DDUFCorruptedFileError", MODEL_ACCESS, string="Exception thrown when the DDUF file is corrupted."),
        Code("DDUFExportError", None, string="Base exception for errors during DDUF export."),
        Code("DDUFInvalidEntryNameError", None, string="Exception thrown when the entry name is invalid."),
        Code("StrictDataclassError", None, string="Base exception for strict dataclasses."),
        Code(
            "StrictDataclassDefinitionError",
            None,
            string="Exception thrown when a strict dataclass is defined incorrectly.",
        ),
        Code(
            "StrictDataclassFieldValidationError",
            None,
            string="Exception thrown when a strict dataclass fails validation for a given field.",
        ),
        Code(
            "StrictDataclassClassValidationError",
            None,
            string="Exception thrown when a strict dataclass fails validation on a class validator.",
        ),
        Code("XetDownloadError", MODEL_ACCESS, string="Exception thrown when the download from Xet Storage fails."),
        Code("FileDuplicationError", None, string="Raised when duplicating files across repos fails."),
        Code("CLIError", None, string="CLI error with clean message (no traceback by default)."),
        Code("ConfirmationError", None, string="Raised when a confirmation prompt is declined (non-interactive mode)."),
        Code("CLIExtensionInstallError", None, string="Error during CLI extension installation."),
        Code("SandboxError", None, string="Base exception for sandbox operations (see `huggingface_hub.Sandbox`)."),
        Code("SandboxCommandError", None, string="Raised when a command run in a sandbox exits with a non-zero code."),
        Code("XetError", MODEL_ACCESS, string="Base exception for errors related to Xet Storage."),
        Code(
            "XetAuthorizationError",
            MODEL_ACCESS,
            string="Exception thrown when the user does not have the right authorization to use Xet Storage.",
        ),
        Code("XetRefreshTokenError", MODEL_ACCESS, string="Exception thrown when the refresh token is invalid."),
    ),
    phrases=(
        Phrase(
            r"Error while deserializing header: (?:HeaderTooLarge|HeaderTooSmall|InvalidHeader\w*|MetadataIncompleteBuffer)",
            MODEL_ACCESS,
            "huggingface/safetensors bindings/python/src/lib.rs (SafetensorError) over safetensors/src/tensor.rs"
            " SafeTensorError: the file is truncated or not a safetensors file",
            example="safetensors_rust.SafetensorError: Error while deserializing header: HeaderTooLarge",
        ),
        Phrase(
            r"Cache directory not found: \S+\. Please use `cache_dir` argument or set `HF_HUB_CACHE`",
            MODEL_ACCESS,
            "huggingface_hub utils/_cache_manager.py scan_cache_dir (CacheNotFound): the model's cache folder is not there",
            example="Cache directory not found: /data/.cache/huggingface. Please use `cache_dir` argument or set"
            " `HF_HUB_CACHE` environment variable.",
        ),
        Phrase(
            r"https?://(?:huggingface\.co|hf\.co|hf-mirror\.com)/\S+: status code 40[134]\b",
            MODEL_ACCESS,
            "huggingface/hf-hub, the Rust client of candle, mistral.rs and TEI (ureq's status error, '<url>: status"
            " code <n>'): the hub refused or does not have the file",
            example="    https://huggingface.co/meta-llama/Llama-2-7b-hf/resolve/main/tokenizer.json: status code 401",
        ),
        Phrase(
            r"403 Client Error|Access to model \S+ is restricted",
            MODEL_ACCESS,
            "huggingface_hub hf_raise_for_status (gated or private repository)",
        ),
        Phrase(
            r"HTTPSConnectionPool\(host='(?:huggingface\.co|hf\.co|cdn-lfs\S*\.hf\.co|hf-mirror\.com)'(?!.*\bthrown while requesting\b)"
            r"|Connection error, and we cannot find the requested files in the disk cache",
            MODEL_ACCESS,
            "requests/urllib3 through huggingface_hub and older transformers (the hub, or the mirror HF_ENDPOINT"
            " names, cannot be reached); http_backoff's warning of a retry ('... thrown while requesting HEAD ...')"
            " is not read, as the next try may succeed",
            example="requests.exceptions.ProxyError: (MaxRetryError(\"HTTPSConnectionPool(host='hf-mirror.com', port=443):"
            " Max retries exceeded with url: /sentence-transformers/all-MiniLM-L6-v2/resolve/main/adapter_config.json",
        ),
        Phrase(
            r"Cannot access gated repo|Repository Not Found for url",
            MODEL_ACCESS,
            "huggingface_hub utils/_http.py hf_raise_for_status",
        ),
        Phrase(
            r"404 Client Error: Not Found for url: https://(?:huggingface\.co|hf\.co)/",
            MODEL_ACCESS,
            "requests' raise_for_status through huggingface_hub (before 0.17 no RepositoryNotFoundError for files)",
            example="requests.exceptions.HTTPError: 404 Client Error: Not Found for url: https://huggingface.co/HuggingFaceH4/gemma-2-2b-gkd/resolve/main/config.json",
        ),
        Phrase(
            r"401 Client Error",
            MODEL_ACCESS,
            "huggingface_hub HTTP errors",
            example="huggingface_hub.errors.GatedRepoError: 401 Client Error. (Request ID: Root=1-6650)",
        ),
    ),
    raised=(
        Raised(
            r"huggingface_hub/file_download\.py:(?:http_get|_download_to_tmp_and_move)$",
            MODEL_ACCESS,
            "huggingface_hub file_download.py: the download of a model file broke while streaming it (the"
            " connection, or the disk it is written to)",
            exceptions=r"OSError|\w*(?:Connection|ChunkedEncoding|Protocol)\w*Error",
            example='File "/venv/lib/python3.10/site-packages/huggingface_hub/file_download.py", line 455, in http_get'
            "\nOSError: [Errno 28] No space left on device",
        ),
    ),
)

HUB_LOCATE = Phrase(
    r"An error happened while trying to locate the files? on the Hub and we cannot find the requested files? in the"
    r" local cache",
    MODEL_ACCESS,
    "huggingface_hub file_download.py: offline or unreachable Hub and nothing cached (LocalEntryNotFoundError)",
    example="An error happened while trying to locate the file on the Hub and we cannot find the requested files in the local cache.",
)

TRANSFORMERS = Family(
    runtime="transformers",
    source="transformers 4.57.1 (PyPI wheel) and transformers 5.24.0 (PyPI wheel), files transformers/utils/hub.py (cached_files), configuration_utils.py, modeling_utils.py, tokenization_utils_base.py, models/auto/configuration_auto.py; older wording from huggingface/transformers src/transformers/utils/hub.py at commit d8cb2e01f4fa36ac328283192a86b7259e567954 (~4.2x)",
    phrases=(
        Phrase(
            r"Your setup doesn't support bf16/(?:gpu|cpu)",
            CONFIG_ERROR,
            "transformers training_args.py __post_init__: bf16 asked on a GPU or torch without it",
            example="ValueError: Your setup doesn't support bf16/gpu. You need torch>=1.10, using Ampere GPU with cuda>=11.0",
        ),
        HUB_LOCATE,
        Phrase(
            r"does not recognize this architecture|Unrecognized model in \S+\. Should have a `model_type`",
            CONFIG_ERROR,
            "transformers models/auto/configuration_auto.py (the model is newer than the library)",
        ),
        Phrase(
            r"is not a local folder and is not a",
            MODEL_ACCESS,
            "transformers utils/hub.py cached_files (4.x and 5.x)",
        ),
        Phrase(r"You are trying to access a gated repo", MODEL_ACCESS, "transformers utils/hub.py"),
        Phrase(
            r"We couldn't connect to 'https://huggingface\.co'",
            MODEL_ACCESS,
            "transformers utils/hub.py (network down or HF_HUB_OFFLINE with an empty cache)",
        ),
        Phrase(
            r"does not appear to have (?:a fil|files)(?!e named (?:generation_config|preprocessor_config|processor_config"
            r"|chat_template|special_tokens_map|added_tokens)\b)",
            MODEL_ACCESS,
            "transformers modeling_utils / configuration_utils (4.x); optional files (the generation config, the"
            " processor's) missing is only a warning",
            example="OSError: /llm/models/Qwen3-14B does not appear to have a file named config.json.",
        ),
        Phrase(
            r"is not a valid git identifier \(branch name, tag name or commit id\)",
            MODEL_ACCESS,
            "transformers utils/hub.py",
        ),
        Phrase(
            r"Can't load (?:the configuration of|the model for|tokenizer for) '",
            MODEL_ACCESS,
            "transformers configuration_utils, modeling_utils, tokenization_utils_base",
        ),
        Phrase(
            r"Invalid repository ID or local directory specified", MODEL_ACCESS, "vLLM transformers_utils/config.py"
        ),
        Phrase(
            r"\bError no file named .{1,300}? found in directory\b",
            MODEL_ACCESS,
            "transformers modeling_utils.py from_pretrained: a local model directory holds no weights file it knows",
            example="OSError: Error no file named pytorch_model.bin, tf_model.h5, model.ckpt.index or flax_model.msgpack"
            " found in directory I:\\Textmodels\\TheBloke_chronos-wizardlm-uc-scot-st-13B-GPTQ.",
        ),
    ),
)

ACCELERATE = Family(
    runtime="accelerate",
    source="huggingface/accelerate commands/config/config_args.py BaseConfig.from_yaml_file (accelerate launch)",
    phrases=(
        Phrase(
            r"The config file at \S+ had unknown keys \(",
            CONFIG_ERROR,
            "the launch config names settings this accelerate release does not have",
            example="ValueError: The config file at configs/accelerate_multi_gpu.yaml had unknown keys"
            " (['main_training_tp_size']), please try upgrading your `accelerate` version or fix (and potentially"
            " remove) these keys from your config file.",
        ),
    ),
)

MODELSCOPE = Family(
    runtime="modelscope",
    source="modelscope/modelscope hub/api.py get_valid_revision and hub/errors.py (the hub vLLM reads with"
    " VLLM_USE_MODELSCOPE)",
    phrases=(
        Phrase(
            r"The model: \S+ has no revision: \S+ !|\bmodelscope\.hub\.errors\.NotExistError\b",
            MODEL_ACCESS,
            "the model or the revision asked for is not on the hub",
            example="ERROR 05-12 15:40:22 engine.py:400] The model: Qwen/Qwen2.5-VL-7B-Instruct has no revision: main !",
        ),
        Phrase(
            r"(?:Authentication token does not exist|The authentication token is invalid), failed to access \S+"
            r"|404 Not Found: \S+ does not exist or is not accessible",
            MODEL_ACCESS,
            "hub/errors.py handle_http_response (2022 on; the 404 wording since mid-2026): the hub answered 403 (no"
            " token, or a bad one) or 404 for the model",
            example="2024-05-17 23:15:33,005 - modelscope - ERROR - Authentication token does not exist, failed to access"
            " model 01-ai/Yi-1.5-34B-Chat which may not exist or may be                 private. Please login first.",
        ),
        Phrase(
            r"\b[45]\d\d (?:Client|Server) Error: .{0,200}? for url: https?://(?:www\.)?modelscope\.cn/api/v1/models/",
            MODEL_ACCESS,
            "hub/errors.py handle_http_response as released 2023-2025, which let requests' raise_for_status word it:"
            " the hub refused the model's metadata",
            example="requests.exceptions.HTTPError: 404 Client Error: Not Found for url:"
            " https://www.modelscope.cn/api/v1/models/gpt2/revisions?EndTime=1706391065",
        ),
    ),
)

FAMILIES = (
    HUB,
    TRANSFORMERS,
    ACCELERATE,
    MODELSCOPE,
)
