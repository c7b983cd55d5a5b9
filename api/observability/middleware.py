"""The request-context middleware: each request's id and start for its log lines;
with metrics on, its count and time by operation and status; with tracing on, whether
the ASGI instrumentation traces it.

The operation is the GraphQL operation's name where /graphql answered one (the
endpoint notes it in `scope["state"]["operation"]`, see `note_operation`), else a
fixed name for the route. WebSocket connections are counted while open.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.observability import logs, metrics, tracing

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
    """The outermost layer. It notes each request's id and start, so that log lines say
    which request they belong to (a context variable: each request runs in its own
    task; api/observability/logs.py); with `counting` it counts and times every request
    and counts the WebSocket connections open; with `traced` it draws the requests
    traced (api/observability/tracing.py's `Requests`) and calls the ASGI
    instrumentation for those, the app itself with instrumentation suppressed for the
    rest. One layer does all three: each layer a request crosses is a coroutine and
    calls more for every request, and a cached read is only about 150,000 instructions
    of Python (bench/hotpath.py). With `cors`, the preflights CORSMiddleware answers
    itself are not counted (it sits inside this layer; no operation sees them)."""

    def __init__(
        self,
        app: ASGIApp,
        secret: str,
        counting: bool = False,
        cors: bool = False,
        traced: bool = False,
    ) -> None:
        self.app = app
        self.key = logs.user_key(secret)
        self.counting = counting
        self.cors = cors
        self.tracing: tracing.Requests | None = tracing.Requests(app) if traced else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind != "http" and kind != "websocket":
            await self.app(scope, receive, send)  # the lifespan
            return
        state = scope.setdefault("state", {})
        state["request_id"] = logs.request_id(scope)
        began = state["started"] = time.perf_counter()
        state["user_key"] = self.key
        logged = logs.current.set(state)
        app = self.app
        tracer = self.tracing
        if tracer is not None:
            # Written out here, not called on tracing.Requests: a call was about a sixth
            # of tracing's cost on a cached read.
            draw = tracer.draw
            traced = True  # with no draw, every request; with a traceparent, its caller's
            if draw is not None:
                # A loop, not `in map(...)`: for the few headers of a request, faster.
                for name, _ in scope["headers"]:
                    if name == b"traceparent":
                        break
                else:
                    # The draw called only once it may succeed: on a busy server a
                    # request left out makes no Python call for it.
                    traced = time.monotonic() >= draw.ready and draw.take()
            if traced:
                app, undo, token = tracer.trace()
            else:
                # Left out: the instrumentations (SQLAlchemy's, httpx's) and `span` see
                # OpenTelemetry's suppress key and return at once, without a sampler.
                current = tracer.current()
                undo = tracer.detach
                token = tracer.attach(tracer.suppressing(current) if current else tracer.suppressed)
        try:
            if not self.counting or (self.cors and preflight(scope)):
                await app(scope, receive, send)
                return
            if kind == "websocket":
                metrics.WEBSOCKETS.inc()
                try:
                    await app(scope, receive, send)
                finally:
                    metrics.WEBSOCKETS.dec()
                return

            status = 500

            # A plain function, not a coroutine: it returns `send`'s awaitable, so a
            # message costs one call more, not a coroutine more.
            def sending(message: Message) -> Awaitable[None]:
                nonlocal status
                if message["type"] == "http.response.start":
                    status = message["status"]
                return send(message)

            try:
                await app(scope, receive, sending)
            finally:
                operation = state.get(OPERATION) or route_name(scope.get("path", ""))
                metrics.request_done(operation, status, time.perf_counter() - began)
        finally:
            if tracer is not None:
                undo(token)
            logs.current.reset(logged)
