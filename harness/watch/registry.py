"""A repository's tags and digests through the OCI distribution API: Docker Hub's and GHCR's bearer
token flow, basic auth for a private registry, credentials from the user's Docker config and its
credential helpers (as the Docker SDK reads them)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import requests
from docker import auth

from harness.errors import ExitCode, HarnessError

MANIFEST_TYPES = ", ".join(
    [
        "application/vnd.oci.image.index.v1+json",
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
        "application/vnd.docker.distribution.manifest.v2+json",
    ]
)
TIMEOUT = 30


class RegistryError(HarnessError):
    """The registry could not be reached; one line saying which and why."""

    exit_code = ExitCode.DOCKER_UNAVAILABLE


class RegistryRefusedError(HarnessError):
    """The registry answered, but not with what was asked (credentials, a missing repository)."""


@dataclass(frozen=True)
class Repository:
    registry: str
    """host[:port]; Docker Hub is registry-1.docker.io"""
    name: str
    """the path, `library/` added for official Docker Hub images"""

    @property
    def ref(self) -> str:
        """How `docker pull` names it."""
        if self.registry == "registry-1.docker.io":
            return self.name.removeprefix("library/")
        return f"{self.registry}/{self.name}"

    @property
    def base(self) -> str:
        local = re.match(r"^(localhost|127\.0\.0\.1|\[::1\])(:\d+)?$", self.registry)
        return f"{'http' if local else 'https'}://{self.registry}/v2/{self.name}"


def parse_repository(text: str) -> Repository:
    """`intel/llm-scaler-vllm`, `ghcr.io/org/image`, `127.0.0.1:5000/fake`."""
    first, _, rest = text.partition("/")
    if rest and ("." in first or ":" in first or first == "localhost"):
        return Repository(first, rest)
    name = text if "/" in text else f"library/{text}"
    return Repository("registry-1.docker.io", name)


class RegistryClient:
    def __init__(self, repository: Repository, session: requests.Session | None = None) -> None:
        self.repository = repository
        self.session = session or requests.Session()
        self._token: str | None = None

    def _credentials(self) -> tuple[str, str] | None:
        registry = "https://index.docker.io/v1/" if self.repository.registry == "registry-1.docker.io" else None
        config = auth.load_config()
        found = auth.resolve_authconfig(config, registry or self.repository.registry)
        if not found:
            return None
        user = found.get("username") or found.get("Username")
        password = found.get("password") or found.get("Password")
        return (str(user), str(password)) if user and password else None

    def _request(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        headers = dict(kwargs.pop("headers", {}))
        for _ in range(2):
            if self._token:
                headers["Authorization"] = f"Bearer {self._token}"
            try:
                response = self.session.request(
                    method,
                    url,
                    headers=headers,
                    timeout=TIMEOUT,
                    auth=None if self._token else self._credentials(),
                    **kwargs,
                )
            except requests.RequestException as exc:
                raise RegistryError(f"registry {self.repository.registry} unreachable: {type(exc).__name__}") from None
            challenge = response.headers.get("WWW-Authenticate", "")
            if response.status_code == 401 and challenge.lower().startswith("bearer") and not self._token:
                self._token = self._bearer_token(challenge)
                continue
            return response
        return response

    def _bearer_token(self, challenge: str) -> str:
        fields = dict(re.findall(r'(\w+)="([^"]*)"', challenge))
        realm = fields.pop("realm", "")
        try:
            response = self.session.get(realm, params=fields, auth=self._credentials(), timeout=TIMEOUT)
        except requests.RequestException as exc:
            raise RegistryError(f"token service {realm} unreachable: {type(exc).__name__}") from None
        if response.status_code != 200:
            raise RegistryError(
                f"{self.repository.ref}: the token service refused ({response.status_code}); docker login"
            )
        body = response.json()
        return str(body.get("token") or body.get("access_token") or "")

    def tags(self) -> list[str]:
        return list(self._pages(f"{self.repository.base}/tags/list?n=1000"))

    def _pages(self, url: str) -> Iterator[str]:
        while url:
            response = self._request("GET", url)
            if response.status_code != 200:
                raise RegistryRefusedError(f"{self.repository.ref}: listing tags answered {response.status_code}")
            yield from response.json().get("tags") or []
            following = re.search(r'<([^>]+)>;\s*rel="next"', response.headers.get("Link", ""))
            url = ""
            if following:
                target = following.group(1)
                url = target if target.startswith("http") else self.repository.base.split("/v2/")[0] + target

    def digest(self, tag: str) -> str:
        url = f"{self.repository.base}/manifests/{tag}"
        response = self._request("HEAD", url, headers={"Accept": MANIFEST_TYPES})
        digest = response.headers.get("Docker-Content-Digest")
        if response.status_code != 200 or not digest:
            raise RegistryRefusedError(f"{self.repository.ref}:{tag}: the manifest answered {response.status_code}")
        return digest
