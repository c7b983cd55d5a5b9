"""The request-context middleware: each request's id and start for its log lines
and, with metrics on, its count and time by operation and status.

The operation is the GraphQL operation's name where /graphql answered one (the
endpoint notes it in `scope["state"]["operation"]`, see `note_operation`), else a
fixed name for the route. WebSocket connections are counted while open.
"""

from __future__ import annotations

import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.observability import logs, metrics

OPERATION = "operation"
_ROUTES = (
    ("/v1alpha1/comments:analyze", "perspective.analyze"),
    ("/v1alpha1/comments:suggestscore", "perspective.suggestscore"),
    ("/$discovery/", "perspective.discovery"),
    ("/healthz", "healthz"),
    ("/metrics", "metrics"),
)


def note_operation(scope: Scope | dict[str, Any], name: str | None) -> None:
    """Called by the GraphQL endpoint once it knows which operation it runs."""
    scope.setdefault("state", {})[OPERATION] = metrics.operation_label(name)


def route_name(path: str) -> str:
    for prefix, name in _ROUTES:
        if path.startswith(prefix):
            return name
    if path == "/graphql":
        return "graphql.unparsed"  # refused before an operation was read
    return "other"


def preflight(scope: Scope) -> bool:
    """A CORS preflight: CORSMiddleware answers it and nothing inside sees it."""
    if scope.get("method") != "OPTIONS":
        return False
    names = {name for name, _ in scope.get("headers") or ()}
    return b"origin" in names and b"access-control-request-method" in names


class RequestContext:
    """The outermost layer but tracing's. It notes each request's id and start, so that
    log lines say which request they belong to (a context variable: each request runs
    in its own task; api/observability/logs.py), and with `counting` it counts and times
    every request and counts the WebSocket connections open: one layer and one `send`
    wrapper (for the status) do both. With `cors`, the preflights CORSMiddleware answers
    itself are not counted (it sits inside this layer; no operation sees them)."""

    def __init__(
        self, app: ASGIApp, secret: str, counting: bool = False, cors: bool = False
    ) -> None:
        self.app = app
        self.key = logs.user_key(secret)
        self.counting = counting
        self.cors = cors

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind != "http" and kind != "websocket":
            await self.app(scope, receive, send)  # the lifespan
            return
        state = scope.setdefault("state", {})
        state["request_id"] = logs.request_id(scope)
        began = state["started"] = time.perf_counter()
        state["user_key"] = self.key
        token = logs.current.set(state)
        if not self.counting or (self.cors and preflight(scope)):
            try:
                await self.app(scope, receive, send)
            finally:
                logs.current.reset(token)
            return
        if kind == "websocket":
            metrics.WEBSOCKETS.inc()
            try:
                await self.app(scope, receive, send)
            finally:
                metrics.WEBSOCKETS.dec()
                logs.current.reset(token)
            return
        status = 500

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            logs.current.reset(token)
            operation = state.get(OPERATION) or route_name(scope.get("path", ""))
            metrics.request_done(operation, status, time.perf_counter() - began)
