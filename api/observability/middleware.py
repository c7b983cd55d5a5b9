"""Counting and timing every request (ASGI middleware), by operation and status.

The operation is the GraphQL operation's name where /graphql answered one (the
endpoint notes it in `scope["state"]["operation"]`, see `note_operation`), else a
fixed name for the route. WebSocket connections are counted while open.
"""

from __future__ import annotations

import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.observability import metrics

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


class Metrics:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            metrics.WEBSOCKETS.inc()
            try:
                await self.app(scope, receive, send)
            finally:
                metrics.WEBSOCKETS.dec()
            return
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        scope.setdefault("state", {})
        began = time.perf_counter()
        status = 500

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            state = scope.get("state") or {}
            operation = state.get(OPERATION) or route_name(scope.get("path", ""))
            metrics.request_done(operation, status, time.perf_counter() - began)
