"""The external moderation phase against a real local HTTP server that agrees,
holds, rejects, is slow, is down, and misbehaves (oversized, malformed answers)."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
from prometheus_client import REGISTRY

from api.graphql.ids import decode_id
from models.tables import Comment
from moderation.external import SIGNATURE_HEADER
from tests.support.client import Api
from tests.support.constants import CLEAN, TOXIC
from tests.support.servers import free_port

SECRET = "a-shared-secret-of-some-length"
CONFIGURE = """mutation($i: ExternalModerationInput!) {
  updateExternalModeration(input: $i) { settings { enabled url timeoutMs hasSecret } } }"""
READ = "{ externalModeration { url hasSecret } }"


class Endpoint:
    """A raw HTTP/1.1 server whose behaviour a test switches (mode)."""

    def __init__(self) -> None:
        self.port = free_port()
        self.mode = "approve"
        self.seen: list[tuple[dict[str, str], bytes]] = []

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(Exception):
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode().split("\r\n")[1:]
            headers = {
                k.lower(): v.strip() for k, _, v in (ln.partition(":") for ln in lines if ln)
            }
            body = await reader.readexactly(int(headers.get("content-length", "0")))
            self.seen.append((headers, body))
            await self.answer(writer)
        writer.close()

    async def answer(self, writer: asyncio.StreamWriter) -> None:
        mode = self.mode
        if mode == "slow":
            await asyncio.sleep(5)
        if mode == "drip":
            writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 40\r\n\r\n")
            for _ in range(40):
                writer.write(b" ")
                await writer.drain()
                await asyncio.sleep(0.05)
            return
        status, payload = 200, b""
        if mode == "approve":
            payload = b'{"action": "approve"}'
        elif mode == "hold":
            payload = json.dumps(
                {"action": "hold", "reasons": ["off topic", "needs a source"]}
            ).encode()
        elif mode == "reject":
            payload = b'{"action": "reject", "reason": "vendor: hate speech"}'
        elif mode == "huge":
            payload = b'{"action": "approve", "pad": "' + b"x" * (1024 * 1024) + b'"}'
        elif mode == "garbage":
            payload = b"<html>not json"
        elif mode == "unknown":
            payload = b'{"action": "approve_everything"}'
        elif mode == "error":
            status, payload = 500, b'{"action": "approve"}'
        writer.write(
            f"HTTP/1.1 {status} X\r\ncontent-type: application/json\r\n"
            f"content-length: {len(payload)}\r\nconnection: close\r\n\r\n".encode()
            + payload
        )
        await writer.drain()


@pytest.fixture
async def endpoint() -> AsyncIterator[Endpoint]:
    ep = Endpoint()
    server = await asyncio.start_server(ep.handle, "127.0.0.1", ep.port)
    try:
        yield ep
    finally:
        server.close()


def counted(outcome: str, why: str = "") -> float:
    labels = {"outcome": outcome, "why": why}
    return REGISTRY.get_sample_value("commentmod_external_moderation_total", labels) or 0.0


async def stored(api: Api, comment_id: str) -> Comment:
    async with api.runtime.db.read() as session:
        row = await session.get(Comment, decode_id("Comment", comment_id))
    assert row is not None
    return row


async def configure(api: Api, url: str, **more: Any) -> dict[str, Any]:
    variables = {"i": {"url": url, "secret": SECRET, "timeoutMs": 300, **more}}
    return await api.data(CONFIGURE, variables, as_=api.token("root", "admin"))


async def test_the_endpoints_verdicts_and_every_failure_hold_or_pass(
    api: Api, endpoint: Endpoint
) -> None:
    article = await api.create_article()
    settings = await configure(api, f"http://127.0.0.1:{endpoint.port}/moderate")
    assert settings["updateExternalModeration"]["settings"]["hasSecret"] is True
    expected = {
        "approve": ("APPROVED", []),
        "hold": ("PENDING", ["EXTERNAL", "EXTERNAL"]),
        "reject": ("REJECTED", ["EXTERNAL"]),
        "slow": ("PENDING", ["EXTERNAL_UNAVAILABLE"]),
        "drip": ("PENDING", ["EXTERNAL_UNAVAILABLE"]),
        "huge": ("PENDING", ["EXTERNAL_UNAVAILABLE"]),
        "garbage": ("PENDING", ["EXTERNAL_UNAVAILABLE"]),
        "unknown": ("PENDING", ["EXTERNAL_UNAVAILABLE"]),
        "error": ("PENDING", ["EXTERNAL_UNAVAILABLE"]),
    }
    before = counted("unavailable", "timeout")
    for n, (mode, (status, codes)) in enumerate(expected.items()):
        endpoint.mode = mode
        began = time.monotonic()
        comment = await api.comment(article["id"], f"{CLEAN} ({n})", as_=api.token(f"u{n}"))
        took = time.monotonic() - began
        row = await stored(api, comment["id"])
        assert (row.status, [r["code"] for r in row.reasons]) == (status, codes), mode
        # The strict timeout holds for the whole exchange, a slow drip included.
        assert took < 2.0, (mode, took)
    assert counted("unavailable", "timeout") - before == 2
    assert counted("unavailable", "oversized") >= 1 and counted("unavailable", "malformed") >= 2
    # Held with the endpoint's reasons; a rejection carries its reason.
    hold = [h for h, _ in endpoint.seen]
    assert len(hold) == len(expected)
    # What the endpoint got: the text, the author's standing, the article; signed.
    headers, body = endpoint.seen[0]
    sent = json.loads(body)
    assert sent["comment"]["text"] == f"{CLEAN} (0)"
    assert sent["article"]["id"] and "premoderated" in sent["author"]
    stamp, mac = (part.split("=", 1)[1] for part in headers[SIGNATURE_HEADER.lower()].split(","))
    signed = hmac.new(SECRET.encode(), f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(mac, signed)
    assert abs(int(stamp) - time.time()) < 60


async def test_an_endpoint_that_is_down_holds_and_approval_does_not_override(api: Api) -> None:
    article = await api.create_article()
    await configure(api, f"http://127.0.0.1:{free_port()}/gone")
    comment = await api.comment(article["id"], CLEAN, as_=api.token("ann"))
    row = await stored(api, comment["id"])
    assert row.status == "PENDING"
    assert [r["code"] for r in row.reasons] == ["EXTERNAL_UNAVAILABLE"]
    # Turned off: comments are judged by the other phases alone.
    await configure(api, f"http://127.0.0.1:{free_port()}/gone", enabled=False)
    comment = await api.comment(article["id"], CLEAN + " again", as_=api.token("bob"))
    assert (await stored(api, comment["id"])).status == "APPROVED"


async def test_an_approving_endpoint_does_not_let_toxic_text_through(
    api: Api, endpoint: Endpoint
) -> None:
    article = await api.create_article()
    await configure(api, f"http://127.0.0.1:{endpoint.port}/")
    comment = await api.comment(article["id"], TOXIC, as_=api.token("ann"))
    row = await stored(api, comment["id"])
    assert row.status == "PENDING" and "TOXICITY" in [r["code"] for r in row.reasons]


async def test_only_admins_configure_and_only_https(api: Api) -> None:
    variables = {"i": {"url": "https://mod.example.org/hook", "secret": SECRET}}
    for role in ("commenter", "moderator"):
        error = await api.error(CONFIGURE, variables, as_=api.token("x", role))
        assert error["extensions"]["code"] == "FORBIDDEN"
    admin = api.token("root", "admin")
    for url in ("http://mod.example.org/hook", "ftp://x", "https://user:pw@mod.example.org/"):
        error = await api.error(CONFIGURE, {"i": {"url": url, "secret": SECRET}}, as_=admin)
        assert error["extensions"]["code"] == "BAD_USER_INPUT", url
    for more in ({"secret": "short"}, {"timeoutMs": 50}, {"secret": None}):
        error = await api.error(CONFIGURE, {"i": {**variables["i"], **more}}, as_=admin)
        assert error["extensions"]["code"] == "BAD_USER_INPUT", more
    assert (await api.data(READ, as_=admin))["externalModeration"] is None
    await api.data(CONFIGURE, variables, as_=admin)
    # The secret is kept when not given again, and never read back.
    await api.data(CONFIGURE, {"i": {"url": "https://other.example.org/"}}, as_=admin)
    body = await api.query(READ, as_=admin)
    assert body["data"]["externalModeration"] == {
        "url": "https://other.example.org/",
        "hasSecret": True,
    }
    assert SECRET not in json.dumps(body)
