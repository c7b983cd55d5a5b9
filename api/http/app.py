"""The Starlette application."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route, WebSocketRoute

from api.graphql.schema import schema
from api.graphql.view import GraphQLEndpoint
from api.http.allocator import return_large_blocks
from api.http.bodylimit import BodyLimit
from api.http.config import Config
from api.observability import metrics, tracing
from api.observability.exposition import metrics_routes
from api.observability.middleware import RequestContext
from api.perspective.routes import perspective_routes
from api.runtime import Runtime
from api.services.retraining import scheduled_retraining
from api.web import web_routes
from api.webhooks.worker import delivering


def create_app(
    settings: Config | None = None,
    *,
    runtime: Runtime | None = None,
    migrate: bool = True,
    freeze_heap: bool = False,
) -> Starlette:
    """freeze_heap (for `serve`): once started, what startup made (modules, the model)
    lives as long as the process; it is moved out of the garbage collector's sight, so
    the collections that every request's garbage triggers stay cheap."""
    runtime = runtime or Runtime(settings or Config())

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        await runtime.start(migrate=migrate)
        if freeze_heap:
            gc.freeze()
        try:
            async with scheduled_retraining(runtime), delivering(runtime):
                yield
        finally:
            await graphql.reads.aclose()
            await runtime.stop()

    graphql = GraphQLEndpoint(schema, runtime)

    async def healthz(_request: Request) -> JSONResponse:
        loaded = runtime.scorer
        stats = runtime.scoring.stats
        body: dict[str, object] = {
            "status": "ok",
            "database": runtime.db.dialect,
            "scorer": {
                "name": loaded.scorer.name,
                "version": loaded.scorer.version,
                "why": loaded.why,
                # Per-language scorers behind a routing scorer (moderation/scorers/routing.py).
                "byLanguage": getattr(loaded.scorer, "routes", None),
                "requests": stats.requests,
                "batches": stats.batches,
                "largestBatch": stats.largest_batch,
                "failures": stats.failures,
                "texts": stats.texts,
                "batchSizes": {str(size): n for size, n in sorted(stats.sizes.items())},
                "unavailable": runtime.counters["scorer_unavailable"],
            },
            # The public read cache (api/readcache/responsecache.py); this process's own figures.
            "cache": runtime.cache.health(),
            # Where rate-limit counters live now (Redis, or this process's while it is away).
            "rateLimits": runtime.limiter.health(),
            "events": {
                **runtime.events.health(),
                # Subscriptions: each distinct one executes once (api/graphql/fanout.py).
                "streams": graphql.fanout.streams,
                "listeners": graphql.fanout.listeners,
            },
        }
        try:
            await runtime.db.ping()
        except Exception as exc:
            body.update(status="unavailable", error=f"database unreachable: {type(exc).__name__}")
            return JSONResponse(body, status_code=503)
        return JSONResponse(body)

    settings = runtime.settings
    middleware = [Middleware(BodyLimit, max_bytes=settings.max_body_bytes)]
    if settings.metrics_enabled:
        runtime.batch_listeners.append(metrics.batch_scored)
        db = runtime.db
        metrics.watch_pool(db.engine, "read")
        if db.write_engine is not db.engine:
            metrics.watch_pool(db.write_engine, "write")
    origins = settings.cors_origin_list()
    if origins:
        middleware.insert(
            0,
            Middleware(
                CORSMiddleware,
                allow_origins=origins,
                allow_methods=["GET", "POST"],
                allow_headers=["authorization", "content-type", "x-request-id"],
                expose_headers=["x-request-id"],
                max_age=600,
            ),
        )
    if tracing.wanted() and not tracing.active():
        # OTEL_EXPORTER_OTLP_ENDPOINT (the `otel` extra)
        tracing.install(per_second=settings.traces_per_second)
    # Outermost: every log line of a request names it; with metrics on it counts and
    # times what every other layer answers, and with tracing on the request's span
    # encloses everything else (api/observability/middleware.py).
    middleware.insert(
        0,
        Middleware(
            RequestContext,
            secret=runtime.jwt_secret,
            counting=settings.metrics_enabled,
            cors=bool(origins),
            traced=tracing.active(),
        ),
    )
    if tracing.active():
        runtime.batch_listeners.append(tracing.batch_scored)
        engines = {id(e): e for e in (runtime.db.engine, runtime.db.write_engine)}
        tracing.watch_engines(*engines.values())
    app = Starlette(
        routes=[
            Route("/graphql", graphql, methods=["GET", "POST"]),
            # Subscriptions: graphql-transport-ws on the same path.
            WebSocketRoute("/graphql", graphql),
            Route("/healthz", healthz, methods=["GET"]),
            # Only with COMMENTMOD_METRICS_TOKEN (docs/operations.md).
            *metrics_routes(settings),
            *perspective_routes(runtime),
            # The console and the reader page: static clients of /graphql.
            *web_routes(production=settings.production),
        ],
        middleware=middleware,
        lifespan=lifespan,
    )
    app.state.runtime = runtime
    return app


def app_from_environment() -> Starlette:
    """The app of one `commentmod serve --workers N` worker: settings from COMMENTMOD_*;
    the parent applied the migrations."""
    from api.observability.logs import configure

    settings = Config()
    return_large_blocks()
    configure(settings.log_format, settings.log_level)
    return create_app(settings, migrate=False, freeze_heap=True)
