"""GraphQL over HTTP's two response media types, chosen by the request's Accept header.

`application/json` is what existing clients get, unchanged: every GraphQL answer is
HTTP 200 (refusals before GraphQL, such as a bad token or a malformed body, have their
own 4xx), and a request error still says `"data": null`.

`application/graphql-response+json` (the GraphQL-over-HTTP spec) is answered to a
client that asks for it: a request error (the document does not parse or validate,
the variables do not coerce) has no `data` entry and HTTP 400, so that any HTTP layer
(a proxy, a CDN, a dashboard) tells a broken request from a working one. An error
during execution (it has a `path`) stays a 200 with `data`, as the spec says.
"""

from __future__ import annotations

import json
from typing import Final

from starlette.types import Message, Send

JSON: Final = b"application/json"
GRAPHQL_RESPONSE: Final = b"application/graphql-response+json"


def _quality(params: list[bytes]) -> float:
    for param in params:
        name, _, value = param.strip().partition(b"=")
        if name.strip().lower() == b"q":
            try:
                return float(value)
            except ValueError:
                return 0.0
    return 1.0


def wants_graphql_response(accept: bytes | None) -> bool:
    """Whether Accept prefers application/graphql-response+json to application/json
    (equal preference: the newer type; absent or `*/*` alone: application/json)."""
    if not accept:
        return False
    best: dict[bytes, float] = {}
    for item in accept.split(b","):
        media, *params = item.split(b";")
        media = media.strip().lower()
        best[media] = max(best.get(media, 0.0), _quality(params))
    ours = best.get(GRAPHQL_RESPONSE, 0.0)
    return ours > 0 and ours >= best.get(JSON, 0.0)


def _request_error(body: bytes) -> bytes | None:
    """The body without `data` when it answers a request error, else None."""
    try:
        result = json.loads(body)
    except ValueError:
        return None
    if not isinstance(result, dict) or result.get("data") is not None:
        return None
    errors = result.get("errors")
    if not isinstance(errors, list) or not errors:
        return None
    if any(not isinstance(e, dict) or "path" in e for e in errors):
        return None  # an execution error: data null is the result
    result.pop("data", None)
    return json.dumps(result, separators=(",", ":")).encode()


def _with(headers: list[tuple[bytes, bytes]], **values: bytes) -> list[tuple[bytes, bytes]]:
    names = {name.replace("_", "-").encode() for name in values}
    kept = [(k, v) for k, v in headers if k.lower() not in names]
    return kept + [(name.replace("_", "-").encode(), v) for name, v in values.items()]


def _vary(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """The answer depends on Accept: shared caches must keep the two apart."""
    present = [v for k, v in headers if k.lower() == b"vary"]
    if any(b"accept" in [p.strip().lower() for p in v.split(b",")] for v in present):
        return headers
    joined = b", ".join([*present, b"Accept"])
    return _with(headers, vary=joined)


def negotiated(send: Send, accept: bytes | None) -> Send:
    """send, answering in the media type Accept prefers (see the module's docstring)."""
    if not wants_graphql_response(accept):

        async def plain(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": _vary(list(message.get("headers") or []))}
            await send(message)

        return plain

    start: Message | None = None
    chunks: list[bytes] = []

    async def sending(message: Message) -> None:
        nonlocal start
        if message["type"] == "http.response.start":
            headers = list(message.get("headers") or [])
            content_type = next((v for k, v in headers if k.lower() == b"content-type"), b"")
            if not content_type.startswith(JSON):
                await send({**message, "headers": _vary(headers)})  # GraphiQL's page, a 304
                return
            start = {**message, "headers": _vary(headers)}
            return
        if start is None or message["type"] != "http.response.body":
            await send(message)
            return
        chunks.append(message.get("body", b""))
        if message.get("more_body", False):
            return
        body = b"".join(chunks)
        status = start["status"]
        stripped = _request_error(body)
        if stripped is not None:
            body = stripped
            status = status if status >= 400 else 400
        headers = _with(
            start["headers"],
            content_type=GRAPHQL_RESPONSE + b"; charset=utf-8",
            content_length=str(len(body)).encode(),
        )
        await send({**start, "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    return sending
