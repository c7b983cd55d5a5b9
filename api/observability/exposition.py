"""Serving the metrics: /metrics on the app behind a bearer token, or a separate port.

Not public by default: with neither COMMENTMOD_METRICS_TOKEN nor COMMENTMOD_METRICS_PORT
set there is no /metrics at all. The token guards /metrics on the main port (for a
scraper that reaches the app through its load balancer); the port serves metrics alone
on its own listener (bind it to an internal interface: COMMENTMOD_METRICS_HOST).
"""

from __future__ import annotations

import contextlib
import hmac
import os
import tempfile
from collections.abc import Iterator

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    generate_latest,
    multiprocess,
    start_http_server,
    values,
)
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from api.http.config import Config
from api.observability import metrics

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"


def registry() -> CollectorRegistry:
    """All processes' figures in multiprocess mode, else this process's registry."""
    if os.environ.get(MULTIPROC_ENV):
        collected = CollectorRegistry()
        multiprocess.MultiProcessCollector(collected)  # type: ignore[no-untyped-call]
        return collected
    return REGISTRY


def exposition() -> bytes:
    metrics.TALLY.flush()  # this process's latest; other workers' are a second old at most
    return generate_latest(registry())


def metrics_routes(settings: Config) -> list[Route]:
    token = settings.metrics_token.get_secret_value() if settings.metrics_token else ""
    if not token:
        return []
    expected = f"Bearer {token}".encode()

    async def metrics(request: Request) -> Response:
        given = request.headers.get("authorization", "").encode()
        if not hmac.compare_digest(given, expected):
            return Response(
                "a metrics token is needed\n",
                status_code=401,
                headers={"WWW-Authenticate": "Bearer"},
                media_type="text/plain",
            )
        return Response(exposition(), media_type=CONTENT_TYPE_LATEST)

    return [Route("/metrics", metrics, methods=["GET"])]


@contextlib.contextmanager
def multiprocess_dir() -> Iterator[tempfile.TemporaryDirectory[str]]:
    """`serve`: a fresh directory for every process's figures, removed at exit. It must
    be set before any metric exists, so serve enters this first thing; on the way out
    the process is back in single-process mode (a test may run serve in its process)."""
    directory = tempfile.TemporaryDirectory(prefix="commentmod-metrics-")
    before = os.environ.get(MULTIPROC_ENV)
    os.environ[MULTIPROC_ENV] = directory.name
    # prometheus-client picks its value class on import; pick again now the
    # directory is known (nothing has created a metric yet).
    values.ValueClass = values.get_value_class()  # type: ignore[no-untyped-call]
    try:
        yield directory
    finally:
        directory.cleanup()
        if before is None:
            os.environ.pop(MULTIPROC_ENV, None)
        else:
            os.environ[MULTIPROC_ENV] = before
        values.ValueClass = values.get_value_class()  # type: ignore[no-untyped-call]


def serve_port(settings: Config) -> None:
    """The separate metrics listener (a daemon thread of the `serve` process), if set."""
    if settings.metrics_port:
        start_http_server(settings.metrics_port, settings.metrics_host, registry=registry())
