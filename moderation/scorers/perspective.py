"""A Scorer that asks a Perspective-protocol server: Google's, or another commentmod node.

Perspective scores one comment per request, so a batch becomes concurrent requests,
at most `concurrency` in flight. Any failure (network, timeout, a non-200 answer, a
missing attribute) raises, and the pipeline holds the comment with SCORER_UNAVAILABLE.
The key travels in the X-Goog-Api-Key header rather than the URL, so that it never
appears in an exception message or a log line.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from typing import Any, Final

import httpx

# Perspective's attribute names for the shared label vocabulary.
ATTRIBUTES: Final[Mapping[str, str]] = {
    "TOXICITY": "toxicity",
    "SEVERE_TOXICITY": "severe_toxicity",
    "IDENTITY_ATTACK": "identity_attack",
    "INSULT": "insult",
    "PROFANITY": "obscene",
    "THREAT": "threat",
    "SEXUALLY_EXPLICIT": "sexual_explicit",
}
LABEL_ATTRIBUTES: Final[Mapping[str, str]] = {label: attr for attr, label in ATTRIBUTES.items()}


class PerspectiveError(RuntimeError):
    """The remote server did not answer with scores."""


class PerspectiveScorer:
    name: str
    version: str
    labels: tuple[str, ...]
    languages: tuple[str, ...]

    def __init__(
        self,
        base_url: str,
        key: str,
        *,
        attributes: Sequence[str] = ("TOXICITY",),
        languages: Sequence[str] = ("en",),
        concurrency: int = 16,
        timeout: float = 2.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        url = httpx.URL(base_url.rstrip("/"))
        if url.scheme not in ("http", "https") or not url.host:
            raise ValueError(f"the Perspective URL must be http(s)://host/..., not {base_url!r}")
        if not key:
            raise ValueError("a Perspective scorer needs a key (COMMENTMOD_SCORER_KEY)")
        unknown = [a for a in attributes if a not in ATTRIBUTES]
        if unknown or not attributes:
            raise ValueError(f"unknown Perspective attributes {unknown}; known: {list(ATTRIBUTES)}")
        if concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        self._endpoint = f"{url}/comments:analyze"
        self._key = key
        self._attributes = tuple(attributes)
        self._timeout = timeout
        self._transport = transport
        self._concurrency = concurrency
        self._client: httpx.AsyncClient | None = None
        self._semaphore: asyncio.Semaphore | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self.name = f"perspective:{url}"
        self.version = f"perspective-{url.host}"
        self.labels = tuple(ATTRIBUTES[a] for a in self._attributes)
        self.languages = tuple(languages)

    def _session(self) -> tuple[httpx.AsyncClient, asyncio.Semaphore]:
        # Connections and the semaphore belong to one event loop; a new loop gets new ones.
        loop = asyncio.get_running_loop()
        if self._client is None or self._semaphore is None or self._loop is not loop:
            self._client = httpx.AsyncClient(
                timeout=self._timeout,
                transport=self._transport,
                limits=httpx.Limits(max_connections=self._concurrency),
            )
            self._semaphore = asyncio.Semaphore(self._concurrency)
            self._loop = loop
        return self._client, self._semaphore

    async def _score_one(self, text: str) -> dict[str, float]:
        client, semaphore = self._session()
        body: dict[str, Any] = {
            "comment": {"text": text},
            "requestedAttributes": {a: {} for a in self._attributes},
            # Whoever answers must not keep our commenters' words.
            "doNotStore": True,
        }
        async with semaphore:
            try:
                response = await client.post(
                    self._endpoint, json=body, headers={"X-Goog-Api-Key": self._key}
                )
            except httpx.HTTPError as exc:
                raise PerspectiveError(f"{self.name}: {type(exc).__name__}") from None
        if response.status_code != 200:
            status = response.status_code
            raise PerspectiveError(f"{self.name} answered {status}: {_message(response)}")
        try:
            scores = response.json()["attributeScores"]
            return {
                ATTRIBUTES[a]: float(scores[a]["summaryScore"]["value"]) for a in self._attributes
            }
        except (ValueError, KeyError, TypeError) as exc:
            raise PerspectiveError(f"{self.name} answered without scores ({exc!r})") from None

    async def score(self, texts: Sequence[str]) -> list[dict[str, float]]:
        if not texts:
            return []
        return list(await asyncio.gather(*(self._score_one(t) for t in texts)))

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None


def _message(response: httpx.Response) -> str:
    try:
        return str(response.json()["error"]["message"])[:200]
    except (ValueError, KeyError, TypeError):
        return response.reason_phrase
