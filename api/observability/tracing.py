"""OpenTelemetry tracing (the optional `otel` extra), off unless
OTEL_EXPORTER_OTLP_ENDPOINT is set.

Spans: the request (the ASGI instrumentation), the GraphQL operation
(api/graphql/observing.py), the moderation pipeline (api/services/comments.py), each
scorer forward pass (a micro-batcher listener: the batch serves many requests, so it
is a trace of its own, its size and wait as attributes), each SQL statement (the
SQLAlchemy instrumentation) and outgoing HTTP calls (httpx: a remote scorer). The
exporter is OTLP over HTTP, configured by the standard OTEL_* variables
(OTEL_SERVICE_NAME, OTEL_EXPORTER_OTLP_HEADERS, ...).

Sampling: a request that arrives with a `traceparent` follows its caller's decision;
other requests, and work outside requests (the webhook worker, scorer batches), start
a trace up to COMMENTMOD_TRACES_PER_SECOND times a second in each process (10; Jaeger's
rate-limiting sampler), so tracing costs a busy server a bounded amount and a quiet one
traces everything. OTEL_TRACES_SAMPLER=parentbased_traceidratio with OTEL_TRACES_SAMPLER_ARG
draws a share instead; any other OTEL_TRACES_SAMPLER (`parentbased_always_on` traces
every request) goes to the SDK as it is. Roots are drawn before the ASGI
instrumentation runs: it reads and parses every request's headers and URL before its
sampler is asked, which costs a cached read more than the read itself. A request left
out skips it and runs with OpenTelemetry's instrumentation suppressed: nothing inside
records a span, and the SQLAlchemy and httpx instrumentations return before they build
one (without that each statement would build a span only for the sampler to drop).

Nothing here imports opentelemetry unless tracing is installed, so the extra stays
optional; with tracing off `span()` costs one comparison.
"""

from __future__ import annotations

import contextlib
import contextvars
import copy
import os
import random
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from starlette.types import ASGIApp, Receive, Scope, Send

from moderation.batcher import BatchReport

if TYPE_CHECKING:
    from opentelemetry.context import Context
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SpanExporter

ENDPOINT_ENV = "OTEL_EXPORTER_OTLP_ENDPOINT"
SAMPLER_ENV = "OTEL_TRACES_SAMPLER"
SAMPLER_ARG_ENV = "OTEL_TRACES_SAMPLER_ARG"
DEFAULT_PER_SECOND = 10.0
_provider: TracerProvider | None = None


class PerSecond:
    """Roots drawn at most `rate` a second, in bursts of up to `rate` (a token bucket)."""

    def __init__(self, rate: float) -> None:
        self.rate = rate
        self.tokens = rate
        self.last = time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.rate, self.tokens + (now - self.last) * self.rate)
        self.last = now
        if self.tokens < 1.0:
            return False
        self.tokens -= 1.0
        return True

    def __str__(self) -> str:
        return f"{self.rate:g}/s"


class Share:
    """Each root drawn with probability `ratio`."""

    def __init__(self, ratio: float) -> None:
        self.ratio = ratio

    def take(self) -> bool:
        return self.ratio >= 1.0 or random.random() < self.ratio

    def __str__(self) -> str:
        return f"{self.ratio:g}"


Draw = PerSecond | Share
_draw: Draw | None = None


def wanted() -> bool:
    return bool(os.environ.get(ENDPOINT_ENV))


def active() -> bool:
    return _provider is not None


def draw_from_environment(per_second: float = DEFAULT_PER_SECOND) -> Draw | None:
    """How roots are drawn: `per_second` unless OTEL_TRACES_SAMPLER says otherwise; None
    when it names a sampler other than parentbased_traceidratio (the SDK applies it)."""
    sampler = os.environ.get(SAMPLER_ENV, "").strip().lower()
    if not sampler:
        return PerSecond(per_second)
    if sampler != "parentbased_traceidratio":
        return None
    try:
        ratio = float(os.environ.get(SAMPLER_ARG_ENV, "").strip() or "1")
    except ValueError:
        ratio = 1.0  # as the SDK does with an unreadable argument
    return Share(min(max(ratio, 0.0), 1.0))


def install(
    exporter: SpanExporter | None = None,
    draw: Draw | str | None = "environment",
    per_second: float = DEFAULT_PER_SECOND,
) -> TracerProvider:
    """Start tracing in this process: to `exporter` as each span ends (tests), else
    in batches to the OTLP endpoint. `draw` chooses the roots traced (None: the SDK's
    sampler from OTEL_TRACES_SAMPLER); by default from the environment and `per_second`."""
    global _provider, _draw
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor
    from opentelemetry.sdk.trace.sampling import ParentBased

    _draw = draw_from_environment(per_second) if isinstance(draw, str) else draw
    resource = Resource.create({"service.name": os.environ.get("OTEL_SERVICE_NAME", "commentmod")})
    if _draw is None:
        provider = TracerProvider(resource=resource)
    else:
        # Every span below a root follows its parent. Work outside requests draws
        # from a budget of its own: a worker polling each second would spend the
        # requests' budget otherwise.
        outside = copy.copy(_draw)
        provider = TracerProvider(resource=resource, sampler=ParentBased(_roots(outside)))
    if exporter is None:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    else:
        provider.add_span_processor(SimpleSpanProcessor(exporter))
    from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor

    HTTPXClientInstrumentor().instrument(tracer_provider=provider)
    _provider = provider
    return provider


def uninstall() -> None:
    global _provider, _draw
    if _provider is None:
        return
    from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
    from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor

    HTTPXClientInstrumentor().uninstrument()
    if SQLAlchemyInstrumentor().is_instrumented_by_opentelemetry:
        SQLAlchemyInstrumentor().uninstrument()
    _provider.shutdown()
    _provider = None
    _draw = None


# Where the running code is: outside any request, in a request `SampledRequests` let
# through to the instrumentation, or in one it left out.
OUTSIDE, TRACED, LEFT_OUT = 0, 1, 2
_request: contextvars.ContextVar[int] = contextvars.ContextVar("commentmod_request", default=0)


def _roots(outside: Draw) -> Any:
    """The sampler for spans without a parent: a request's (drawn already, by
    `SampledRequests`), or background work's (drawn here from `outside`)."""
    from opentelemetry.sdk.trace.sampling import ALWAYS_OFF, ALWAYS_ON, Sampler, SamplingResult

    class Roots(Sampler):
        def should_sample(self, *args: Any, **kwargs: Any) -> SamplingResult:
            where = _request.get()
            # Inside a request the draw happened before the instrumentation ran.
            keep = outside.take() if where == OUTSIDE else where == TRACED
            return (ALWAYS_ON if keep else ALWAYS_OFF).should_sample(*args, **kwargs)

        def get_description(self) -> str:
            return f"CommentmodRoots{{{outside}}}"

    return Roots()


def asgi_middleware() -> tuple[Any, dict[str, Any]]:
    """The request span's middleware and its options (for starlette's Middleware)."""
    return SampledRequests, {"draw": _draw}


class SampledRequests:
    """The ASGI instrumentation's request span for the requests sampled: every request
    that carries a `traceparent` (its caller decided) and those `draw` lets through (all
    with None). The rest skip the instrumentation and run with instrumentation
    suppressed (OpenTelemetry's own switch, which every instrumentation checks first)."""

    def __init__(self, app: ASGIApp, draw: Draw | None) -> None:
        from opentelemetry import context
        from opentelemetry.context import _SUPPRESS_INSTRUMENTATION_KEY
        from opentelemetry.instrumentation.asgi import OpenTelemetryMiddleware

        self.app = app
        self.draw = draw
        self.suppress = _SUPPRESS_INSTRUMENTATION_KEY
        # A request starts with an empty context (nothing attached yet): the suppressing
        # one is then always this, made once.
        self.suppressed = context.set_value(_SUPPRESS_INSTRUMENTATION_KEY, True, context.Context())
        # OpenTelemetry keeps the current context in a context variable: its own get and
        # set are three Python calls each way, which under uvicorn cost a cached read
        # about a microsecond; the variable's methods cost none. Another runtime context
        # (OTEL_PYTHON_CONTEXT) goes through the API.
        variable = getattr(getattr(context, "_RUNTIME_CONTEXT", None), "_current_context", None)
        self.current: Callable[[], Context] = context.get_current
        self.attach: Callable[[Context], contextvars.Token[Context]] = context.attach
        self.detach: Callable[[contextvars.Token[Context]], object] = context.detach
        if isinstance(variable, contextvars.ContextVar):
            self.current, self.attach, self.detach = variable.get, variable.set, variable.reset
        self.set_value = context.set_value
        # One span per request: the per-message send/receive spans would triple the
        # spans of a cached read and tell an operator nothing the request span does not.
        self.traced = OpenTelemetryMiddleware(
            app, tracer_provider=_provider, exclude_spans=["receive", "send"]
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)  # the lifespan: no request to trace
            return
        draw = self.draw
        traced = draw is None
        if draw is not None:
            for name, _ in scope.get("headers") or ():
                if name == b"traceparent":
                    traced = True
                    break
            else:
                traced = draw.take()
        if traced:
            where = _request.set(TRACED)
            try:
                await self.traced(scope, receive, send)
            finally:
                _request.reset(where)
            return
        # Left out: the instrumentations (SQLAlchemy's, httpx's) see OpenTelemetry's
        # suppress key and return at once, without asking the sampler for a span.
        where = _request.set(LEFT_OUT)
        current = self.current()
        suppressed = self.attach(
            self.set_value(self.suppress, True, current) if current else self.suppressed
        )
        try:
            await self.app(scope, receive, send)
        finally:
            self.detach(suppressed)
            _request.reset(where)


def watch_engines(*engines: Any) -> None:
    """A span for each SQL statement these engines run (the instrumentor is one per
    process: all engines at once)."""
    from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor

    instrumentor = SQLAlchemyInstrumentor()
    if instrumentor.is_instrumented_by_opentelemetry:
        instrumentor.uninstrument()
    instrumentor.instrument(
        engines=[getattr(engine, "sync_engine", engine) for engine in engines],
        tracer_provider=_provider,
        # It declares SQLAlchemy < 2.1 and refuses 2.1, though the engine events it
        # hooks are unchanged; tests/api/observability/test_tracing.py checks the spans.
        skip_dep_check=True,
    )


@contextlib.contextmanager
def span(name: str, **attributes: str | int | float | bool) -> Iterator[None]:
    """A span around a block, child of the current one; nothing when tracing is off
    or the request was left out."""
    if _provider is None or _request.get() == LEFT_OUT:
        yield
        return
    with _provider.get_tracer("commentmod").start_as_current_span(name, attributes=attributes):
        yield


def batch_scored(report: BatchReport) -> None:
    """A micro-batcher listener: the forward pass as a span of its own."""
    if _provider is None:
        return
    from opentelemetry import context
    from opentelemetry.trace import Status, StatusCode

    end = time.time_ns()
    start = end - int(report.seconds * 1e9)
    # A root: the batch serves several requests (the batcher's task would otherwise
    # file it under whichever request happened to start that task).
    batch = _provider.get_tracer("commentmod").start_span(
        "scorer.batch",
        context=context.Context(),
        start_time=start,
        attributes={
            "scorer.name": report.scorer,
            "scorer.version": report.version,
            "scorer.batch_size": report.size,
            "scorer.max_queue_wait_ms": max(report.waits, default=0.0) * 1000,
        },
    )
    if report.error is not None:
        batch.set_status(Status(StatusCode.ERROR, report.error))
    batch.end(end_time=end)
