"""OpenTelemetry tracing (the optional `otel` extra), off unless
OTEL_EXPORTER_OTLP_ENDPOINT is set.

Spans: the request (the ASGI instrumentation), the GraphQL operation
(api/graphql/observing.py), the moderation pipeline (api/services/comments.py), each
scorer forward pass that a traced request waited on (a micro-batcher listener: filed
under the first such request, linked to the others it served, its size and wait as
attributes; a pass no traced request waited on records nothing), each SQL statement (the
SQLAlchemy instrumentation) and outgoing HTTP calls (httpx: a remote scorer). The
exporter is OTLP over HTTP, configured by the standard OTEL_* variables
(OTEL_SERVICE_NAME, OTEL_EXPORTER_OTLP_HEADERS, ...).

Sampling: a request that arrives with a `traceparent` follows its caller's decision;
other requests, and work outside requests (the webhook worker), start a trace up to
COMMENTMOD_TRACES_PER_SECOND times a second in each process (1, as AWS X-Ray's
reservoir; Jaeger's rate-limiting sampler), so tracing costs a busy server a bounded
amount and a quiet one traces everything. The bound is in traces, and a traced
addComment costs about 3 ms of CPU more than one left out (its ~20 spans built and
exported): ten a second would spend about 3% of a core on a server busy with comments.
OTEL_TRACES_SAMPLER=parentbased_traceidratio with OTEL_TRACES_SAMPLER_ARG draws a share
instead; any other OTEL_TRACES_SAMPLER (`parentbased_always_on` traces every request)
goes to the SDK as it is. Roots are drawn before the ASGI
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
import math
import os
import random
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from starlette.types import ASGIApp

from moderation.batcher import BatchReport

if TYPE_CHECKING:
    from opentelemetry.context import Context
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SpanExporter
    from opentelemetry.trace import Tracer

ENDPOINT_ENV = "OTEL_EXPORTER_OTLP_ENDPOINT"
SAMPLER_ENV = "OTEL_TRACES_SAMPLER"
SAMPLER_ARG_ENV = "OTEL_TRACES_SAMPLER_ARG"
DEFAULT_PER_SECOND = 1.0
_provider: TracerProvider | None = None
_tracer: Tracer | None = None  # commentmod's own spans'; asking the provider each time warns


class PerSecond:
    """Roots drawn at most `rate` a second, in bursts of up to `rate` (a token bucket,
    kept as the time its next token is due: a request that finds none, nearly every
    one on a busy server, costs one clock read and one comparison)."""

    def __init__(self, rate: float) -> None:
        self.rate = rate
        self.interval = 1.0 / rate if rate > 0 else math.inf
        # How far ahead of now the next token may be due while one is still left.
        self.tolerance = (max(rate, 1.0) - 1.0) * self.interval if rate > 0 else 0.0
        self.due = time.monotonic() if rate > 0 else math.inf
        # The earliest time.monotonic() at which `take` may succeed (RequestContext reads it).
        self.ready = self.due - self.tolerance

    def take(self) -> bool:
        now = time.monotonic()
        if self.due - now > self.tolerance:
            return False
        self.due = max(self.due, now) + self.interval
        self.ready = self.due - self.tolerance
        return True

    def __str__(self) -> str:
        return f"{self.rate:g}/s"


class Share:
    """Each root drawn with probability `ratio`."""

    def __init__(self, ratio: float) -> None:
        self.ratio = ratio
        self.ready = -math.inf  # any time: each root is a draw of its own

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
    global _provider, _tracer, _draw
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
    _tracer = provider.get_tracer("commentmod")
    return provider


def uninstall() -> None:
    global _provider, _tracer, _draw
    if _provider is None:
        return
    from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
    from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor

    HTTPXClientInstrumentor().uninstrument()
    if SQLAlchemyInstrumentor().is_instrumented_by_opentelemetry:
        SQLAlchemyInstrumentor().uninstrument()
    _provider.shutdown()
    _provider = _tracer = None
    _draw = None


# Where the running code is: in a request drawn for tracing, or not (outside any
# request, or in one left out: that one runs with instrumentation suppressed).
OUTSIDE, TRACED = 0, 1
_request: contextvars.ContextVar[int] = contextvars.ContextVar("commentmod_request", default=0)


def _roots(outside: Draw) -> Any:
    """The sampler for spans without a parent: a traced request's (drawn already, by
    `Requests`), or other work's (drawn here from `outside`)."""
    from opentelemetry.sdk.trace.sampling import ALWAYS_OFF, ALWAYS_ON, Sampler, SamplingResult

    class Roots(Sampler):
        def should_sample(self, *args: Any, **kwargs: Any) -> SamplingResult:
            # Inside a traced request the draw happened before the instrumentation ran.
            keep = _request.get() == TRACED or outside.take()
            return (ALWAYS_ON if keep else ALWAYS_OFF).should_sample(*args, **kwargs)

        def get_description(self) -> str:
            return f"CommentmodRoots{{{outside}}}"

    return Roots()


class Requests:
    """Which requests the ASGI instrumentation's request span covers, for the request
    layer (api/observability/middleware.py draws and suppresses for every request
    itself: one layer, not one more for tracing). Traced: every request that carries a
    `traceparent` (its caller decided) and those `draw` lets through (all with None).
    The rest skip the instrumentation and run with instrumentation suppressed
    (OpenTelemetry's own switch, which every instrumentation checks first)."""

    def __init__(self, app: ASGIApp, draw: Draw | str | None = "installed") -> None:
        from opentelemetry import context
        from opentelemetry.context import _SUPPRESS_INSTRUMENTATION_KEY
        from opentelemetry.instrumentation.asgi import OpenTelemetryMiddleware

        self.app = app
        self.draw = _draw if isinstance(draw, str) else draw
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

    def trace(self) -> tuple[ASGIApp, Callable[[Any], object], object]:
        """A request drawn: the instrumentation's span encloses it."""
        return self.traced, _request.reset, _request.set(TRACED)

    def suppressing(self, current: Context) -> Context:
        """`current`, with instrumentation suppressed."""
        return self.set_value(self.suppress, True, current)


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


def _suppressed() -> bool:
    from opentelemetry.instrumentation.utils import is_instrumentation_enabled

    return not is_instrumentation_enabled()


@contextlib.contextmanager
def span(name: str, **attributes: str | int | float | bool) -> Iterator[None]:
    """A span around a block, child of the current one; nothing when tracing is off
    or the request was left out."""
    if _tracer is None or (_request.get() != TRACED and _suppressed()):
        yield
        return
    with _tracer.start_as_current_span(name, attributes=attributes):
        yield


def batch_scored(report: BatchReport) -> None:
    """A micro-batcher listener: the forward pass as a span in the traces of the
    requests that waited on it. One batch serves several requests, so it is filed under
    the first traced one and linked to the others; a pass that no traced request waited
    on (nearly every one on a busy server) costs a look at each request's current span
    and records nothing, so scoring spends none of the budget that traces requests."""
    if _tracer is None:
        return
    from opentelemetry import context, trace
    from opentelemetry.trace import Link, Status, StatusCode

    waited = [
        span
        for span in (submitted.run(trace.get_current_span) for submitted in report.contexts)
        if span.get_span_context().trace_flags.sampled
    ]
    if not waited:
        return
    end = time.time_ns()
    start = end - int(report.seconds * 1e9)
    batch = _tracer.start_span(
        "scorer.batch",
        context=trace.set_span_in_context(waited[0], context.Context()),
        links=[Link(span.get_span_context()) for span in waited[1:]],
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
