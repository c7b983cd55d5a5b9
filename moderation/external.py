"""Asking a site's own moderation endpoint about a new comment (Coral's "external
moderation phase"): its rules, or a vendor's.

The comment (text, the author's standing, the article) is POSTed as JSON, signed with
HMAC-SHA256 over `<timestamp>.<body>` in `X-Commentmod-Signature: t=<unix>,v1=<hex>`
(the endpoint recomputes it with the shared secret and refuses stale timestamps). The
endpoint answers `{"action": "approve"}`, `{"action": "hold", "reasons": ["..."]}` or
`{"action": "reject", "reason": "..."}`.

Like the remote scorer (scorers/perspective.py) this is the judgement floor's one kind
of outside call, made before the phases run; the phase (phases/external.py) only reads
the verdict. Anything but a well-formed answer in time (a timeout over the whole
exchange, a refused connection, a non-200, an answer over MAX_ANSWER_BYTES, malformed
JSON, an unknown action) is a verdict of "unavailable": the comment is held (fail
closed), never let through unjudged. Never raises.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final, Literal

import httpx

MAX_ANSWER_BYTES: Final = 16 * 1024
MAX_REASONS: Final = 10
MAX_REASON_CHARS: Final = 500
SIGNATURE_HEADER: Final = "X-Commentmod-Signature"

Action = Literal["approve", "hold", "reject", "unavailable"]


@dataclass(frozen=True)
class Verdict:
    action: Action
    # The endpoint's reasons (hold, reject), or why it was unavailable.
    reasons: tuple[str, ...] = ()
    # For counting unavailability: timeout, error, status, oversized, malformed.
    why: str = ""


def signature(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def _unavailable(why: str, detail: str) -> Verdict:
    return Verdict("unavailable", (detail,), why)


def _reasons(value: object) -> tuple[str, ...] | None:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(r, str) for r in value):
        return None
    return tuple(r.strip()[:MAX_REASON_CHARS] for r in value[:MAX_REASONS] if r.strip())


def parse_answer(raw: bytes) -> Verdict:
    try:
        answer = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return _unavailable("malformed", "the endpoint's answer is not JSON")
    if not isinstance(answer, dict):
        return _unavailable("malformed", "the endpoint's answer is not an object")
    action = answer.get("action")
    if action == "approve":
        return Verdict("approve")
    if action in ("hold", "reject"):
        reasons = _reasons(answer.get("reasons", answer.get("reason", [])))
        if reasons is None:
            return _unavailable("malformed", "the endpoint's reasons are not strings")
        return Verdict(action, reasons or (f"{action} by the site's moderation endpoint",))
    return _unavailable("malformed", "the endpoint's answer has no known action")


class ExternalModerator:
    def __init__(
        self,
        url: str,
        secret: str,
        timeout: float,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        listener: Callable[[Verdict], None] | None = None,
    ) -> None:
        self.url, self._secret, self.timeout = url, secret, timeout
        # Told every verdict (api/observability counts them); knows nothing of it.
        self._listener = listener
        self._transport = transport
        self._client: httpx.AsyncClient | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def _session(self) -> httpx.AsyncClient:
        # Connections belong to one event loop; a new loop gets a new client.
        loop = asyncio.get_running_loop()
        if self._client is None or self._loop is not loop:
            self._client = httpx.AsyncClient(
                timeout=self.timeout, transport=self._transport, follow_redirects=False
            )
            self._loop = loop
        return self._client

    async def ask(self, payload: dict[str, Any]) -> Verdict:
        verdict = await self._ask(payload)
        if self._listener is not None:
            self._listener(verdict)
        return verdict

    async def _ask(self, payload: dict[str, Any]) -> Verdict:
        body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
        headers = {
            "content-type": "application/json",
            SIGNATURE_HEADER: signature(self._secret, int(time.time()), body),
        }
        try:
            # One deadline for the whole exchange: a server that answers a byte at a
            # time gets no more than the timeout in all.
            async with asyncio.timeout(self.timeout):
                return await self._exchange(body, headers)
        except TimeoutError:
            return _unavailable("timeout", f"no answer within {self.timeout:g}s")
        except httpx.HTTPError as exc:
            return _unavailable("error", f"cannot reach the endpoint: {type(exc).__name__}")

    async def _exchange(self, body: bytes, headers: dict[str, str]) -> Verdict:
        client = self._session()
        async with client.stream("POST", self.url, content=body, headers=headers) as response:
            if response.status_code != 200:
                return _unavailable("status", f"the endpoint answered {response.status_code}")
            raw = bytearray()
            async for chunk in response.aiter_bytes():
                raw += chunk
                if len(raw) > MAX_ANSWER_BYTES:
                    return _unavailable("oversized", "the endpoint's answer is too large")
        return parse_answer(bytes(raw))

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None
