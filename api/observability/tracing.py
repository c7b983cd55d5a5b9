"""OpenTelemetry tracing (the optional `otel` extra), off unless
OTEL_EXPORTER_OTLP_ENDPOINT is set.

Spans: the request (the ASGI instrumentation), the GraphQL operation
(api/graphql/observing.py), the moderation pipeline (api/services/comments.py), each
scorer forward pass (a micro-batcher listener: the batch serves many requests, so it
is a trace of its own, its size and wait as attributes), each SQL statement (the
SQLAlchemy instrumentation) and outgoing HTTP calls (httpx: a remote scorer). The
exporter is OTLP over HTTP, configured by the standard OTEL_* variables
(OTEL_SERVICE_NAME, OTEL_EXPORTER_OTLP_HEADERS, ...).

Nothing here imports opentelemetry unless tracing is installed, so the extra stays
optional; with tracing off `span()` costs one comparison.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from moderation.batcher import BatchReport

if TYPE_CHECKING:
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SpanExporter

ENDPOINT_ENV = "OTEL_EXPORTER_OTLP_ENDPOINT"
_provider: TracerProvider | None = None


def wanted() -> bool:
    return bool(os.environ.get(ENDPOINT_ENV))


def active() -> bool:
    return _provider is not None


def install(exporter: SpanExporter | None = None) -> TracerProvider:
    """Start tracing in this process: to `exporter` as each span ends (tests), else
    in batches to the OTLP endpoint."""
    global _provider
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor

    resource = Resource.create({"service.name": os.environ.get("OTEL_SERVICE_NAME", "commentmod")})
    provider = TracerProvider(resource=resource)
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
    global _provider
    if _provider is None:
        return
    from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
    from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor

    HTTPXClientInstrumentor().uninstrument()
    if SQLAlchemyInstrumentor().is_instrumented_by_opentelemetry:
        SQLAlchemyInstrumentor().uninstrument()
    _provider.shutdown()
    _provider = None


def asgi_middleware() -> tuple[Any, dict[str, Any]]:
    """The request span's middleware and its options (for starlette's Middleware)."""
    from opentelemetry.instrumentation.asgi import OpenTelemetryMiddleware

    # One span per request: the per-message send/receive spans would triple the spans
    # of a cached read and tell an operator nothing the request span does not.
    return OpenTelemetryMiddleware, {
        "tracer_provider": _provider,
        "exclude_spans": ["receive", "send"],
    }


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
    """A span around a block, child of the current one; nothing when tracing is off."""
    if _provider is None:
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
