from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from harness.store.masking import Masker, StreamMasker, collect_secrets, looks_secret

TOKEN = "hf_QmVyeVNlY3JldFRva2VuMTIz"


@pytest.mark.parametrize(
    "name",
    [
        "HF_TOKEN",
        "HUGGING_FACE_HUB_TOKEN",
        "OPENAI_API_KEY",
        "VLLM_API_KEY",
        "DB_PASSWORD",
        "aws_secret_access_key",
        "hf_token",
        "GITHUB_APIKEY",
    ],
)
def test_secret_looking_names(name: str) -> None:
    assert looks_secret(name)


@pytest.mark.parametrize(
    "name",
    [
        "TOKENIZERS_PARALLELISM",
        "MAX_NUM_BATCHED_TOKENS",
        "CCL_ZE_IPC_EXCHANGE",
        "VLLM_WORKER_MULTIPROC_METHOD",
        "KEYBOARD",
    ],
)
def test_ordinary_names(name: str) -> None:
    assert not looks_secret(name)


def test_secrets_are_found_at_any_depth_of_the_matrix_and_in_service_environments() -> None:
    raw = {
        "axes": {"env": {"auth": {"HF_TOKEN": TOKEN}, "none": {}}},
        "vars": {"registry": {"password": "correct-horse-battery"}, "model": "Qwen3-14B"},
    }
    masker = collect_secrets(raw, [{"OPENAI_API_KEY": "sk-proj-abcdef123", "VLLM_PORT": "8000"}])
    assert masker.secrets == {
        TOKEN: "HF_TOKEN",
        "correct-horse-battery": "PASSWORD",
        "sk-proj-abcdef123": "OPENAI_API_KEY",
    }


def test_names_listed_in_the_matrix_are_secret_too() -> None:
    masker = collect_secrets({"vars": {"endpoint": "https://user:pw@example.net"}}, [], listed=["endpoint"])
    assert masker.text("GET https://user:pw@example.net/x") == "GET [masked:ENDPOINT]/x"


@pytest.mark.parametrize("value", ["true", "8000", "1", "abc", "disabled"])
def test_short_or_harmless_values_are_not_searched_for(value: str) -> None:
    assert collect_secrets({"vars": {"USE_KEY": value}}, []).secrets == {}


def test_compose_files_reference_masked_values_by_name() -> None:
    masker = Masker({TOKEN: "HF_TOKEN"})
    text = f'services:\n  vllm:\n    environment:\n      HF_TOKEN: "{TOKEN}"\n'
    assert masker.compose(text) == 'services:\n  vllm:\n    environment:\n      HF_TOKEN: "${HF_TOKEN}"\n'


def test_nested_data_is_masked_keys_and_values() -> None:
    masker = Masker({TOKEN: "HF_TOKEN"})
    assert masker.data({"env": [f"HF_TOKEN={TOKEN}"], TOKEN: 1}) == {
        "env": ["HF_TOKEN=[masked:HF_TOKEN]"],
        "[masked:HF_TOKEN]": 1,
    }


def test_multi_line_values_are_masked_line_by_line() -> None:
    key = "-----BEGIN KEY-----\nMIIEvQIBADANBgkqhkiG9w0\n-----END KEY-----"
    masker = collect_secrets({"vars": {"ssh_private_key": key}}, [])
    assert "MIIEvQIBADANBgkqhkiG9w0" not in masker.text(key)


@given(
    st.lists(st.sampled_from(["log line ", TOKEN, "\n", "sk-other-secret-99", "x" * 7]), max_size=30),
    st.lists(st.integers(min_value=1, max_value=40), max_size=20),
)
def test_a_stream_cut_anywhere_masks_like_the_whole(parts: list[str], cuts: list[int]) -> None:
    masker = Masker({TOKEN: "HF_TOKEN", "sk-other-secret-99": "API_KEY"})
    data = "".join(parts).encode()
    chunks, position = [], 0
    for size in cuts:
        chunks.append(data[position : position + size])
        position += size
    chunks.append(data[position:])
    stream = StreamMasker(masker)
    out = b"".join(stream.feed(chunk) for chunk in chunks) + stream.flush()
    assert out == masker.binary(data)
    assert TOKEN.encode() not in out


def test_complete_lines_are_never_held_back() -> None:
    stream = StreamMasker(Masker({TOKEN: "HF_TOKEN"}))
    assert stream.feed(b"Application startup complete.\n") == b"Application startup complete.\n"
    assert stream.feed(b"partial") == b""
    assert stream.flush() == b"partial"
