"""Secrets never leave the machine: every value that looks secret is masked before anything is written.

A value is secret when it is given under a name that looks secret (HF_TOKEN, OPENAI_API_KEY,
DB_PASSWORD...), anywhere in the matrix or in a service's environment after env_file and host
pass-through, or under a name the matrix lists in `secrets:`. Stored compose files reference a
masked value as `${NAME}`, so `docker compose -f` still runs them with the value exported.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

SECRET_NAME = re.compile(
    r"(?:^|_)(?:TOKEN|SECRET|SECRETS|PASSWORD|PASSWD|KEY|APIKEY|CREDENTIAL|CREDENTIALS|PRIVATE)(?:_|$)"
    r"|(?:TOKEN|SECRET|PASSWORD|APIKEY)$",
    re.IGNORECASE,
)
MIN_SECRET_LENGTH = 6
"""Shorter values are masked where they are given (the environment) but not searched for in logs:
masking every `true` or `8000` in a log would hide the log, not a secret."""
HARMLESS_VALUES = frozenset({"true", "false", "yes", "no", "none", "null", "auto", "default", "disabled", "enabled"})


def looks_secret(name: str) -> bool:
    return bool(SECRET_NAME.search(name))


def _env_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_]", "_", name).upper()


def _maskable(value: str) -> bool:
    text = value.strip()
    return len(text) >= MIN_SECRET_LENGTH and text.lower() not in HARMLESS_VALUES and not _is_number(text)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _secret_leaves(data: Any, named: frozenset[str], under: str | None = None) -> Iterator[tuple[str, str]]:
    """(name, value) for each string given under a secret-looking or listed name, at any depth."""
    if isinstance(data, Mapping):
        for key, value in data.items():
            name = str(key)
            secret = looks_secret(name) or name in named
            yield from _secret_leaves(value, named, name if secret else under)
    elif isinstance(data, list | tuple):
        for item in data:
            yield from _secret_leaves(item, named, under)
    elif under is not None and isinstance(data, str | int | float) and not isinstance(data, bool):
        yield under, str(data)


class Masker:
    """Replaces known secret values, longest first, in text, bytes and nested data."""

    def __init__(self, secrets: Mapping[str, str] | None = None) -> None:
        self.secrets: Mapping[str, str] = dict(secrets or {})
        """secret value -> the name it was given under"""
        ordered = sorted(self.secrets, key=len, reverse=True)
        self.pattern = re.compile("|".join(re.escape(v) for v in ordered)) if ordered else None
        self.byte_pattern = re.compile(b"|".join(re.escape(v.encode()) for v in ordered)) if ordered else None

    @property
    def names(self) -> list[str]:
        return sorted(set(self.secrets.values()))

    @property
    def longest(self) -> int:
        """Bytes a stream must hold back so a secret split across two chunks is still found."""
        return max((len(v.encode()) for v in self.secrets), default=0)

    def marker(self, name: str) -> str:
        return f"[masked:{name}]"

    def text(self, text: str) -> str:
        if self.pattern is None or not text:
            return text
        return self.pattern.sub(lambda m: self.marker(self.secrets[m.group(0)]), text)

    def binary(self, data: bytes) -> bytes:
        if self.byte_pattern is None or not data:
            return data
        return self.byte_pattern.sub(lambda m: self.marker(self.secrets[m.group(0).decode()]).encode(), data)

    def data(self, data: Any) -> Any:
        """A copy of nested dicts/lists with every string masked (keys too)."""
        if isinstance(data, str):
            return self.text(data)
        if isinstance(data, Mapping):
            return {self.text(str(k)) if isinstance(k, str) else k: self.data(v) for k, v in data.items()}
        if isinstance(data, list | tuple):
            return [self.data(item) for item in data]
        return data

    def compose(self, text: str) -> str:
        """A compose file whose secret values are `${NAME}` references, still runnable with the value exported."""
        if self.pattern is None:
            return text
        return self.pattern.sub(lambda m: "${" + _env_name(self.secrets[m.group(0)]) + "}", text)


def collect_secrets(
    matrix_raw: Mapping[str, Any], environments: Iterable[Mapping[str, Any]], listed: Iterable[str] = ()
) -> Masker:
    """Every secret value the run will know: from the matrix file and from each service's final environment."""
    named = frozenset(listed)
    found: dict[str, str] = {}
    for source in (matrix_raw, *environments):
        for name, value in _secret_leaves(source, named):
            for line in value.splitlines():
                if _maskable(line):
                    found.setdefault(line.strip(), _env_name(name))
    return Masker(found)


class StreamMasker:
    """Masks a byte stream chunk by chunk, holding back just enough to catch a secret cut in two.

    Secrets are registered line by line, so no match spans a newline and complete lines are never held."""

    def __init__(self, masker: Masker) -> None:
        self._masker = masker
        self._held = b""

    def feed(self, chunk: bytes) -> bytes:
        """Masked bytes that are safe to write now."""
        data = self._held + chunk
        cut = max(0, len(data) - (self._masker.longest - 1), data.rfind(b"\n") + 1)
        if self._masker.byte_pattern is not None:
            for match in self._masker.byte_pattern.finditer(data):
                if match.start() < cut < match.end():
                    cut = match.end()
                    break
        self._held = data[cut:]
        return self._masker.binary(data[:cut])

    def flush(self) -> bytes:
        rest, self._held = self._held, b""
        return self._masker.binary(rest)
