"""Hugging Face hub and transformers errors when a model cannot be obtained."""

from __future__ import annotations

from harness.judge.families import Family, Phrase
from harness.outcomes import MODEL_ACCESS

HUB = Family(
    runtime="huggingface",
    source="huggingface/huggingface_hub: src/huggingface_hub/errors.py; huggingface/transformers: utils/hub.py",
    phrases=(
        Phrase(r"GatedRepoError|Cannot access gated repo", MODEL_ACCESS, "huggingface_hub errors"),
        Phrase(r"RepositoryNotFoundError|Repository Not Found for url", MODEL_ACCESS, "huggingface_hub errors"),
        Phrase(r"401 Client Error", MODEL_ACCESS, "huggingface_hub HTTP errors"),
        Phrase(r"does not appear to have a file named config\.json", MODEL_ACCESS, "transformers configuration_utils"),
        Phrase(r"HFValidationError", MODEL_ACCESS, "huggingface_hub validate_repo_id"),
        Phrase(r"We couldn't connect to 'https://huggingface\.co'", MODEL_ACCESS, "transformers hub offline error"),
    ),
)

FAMILIES = (HUB,)
