"""`commentmod serve`: the HTTP server, optionally with demo articles."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import tempfile
from typing import TYPE_CHECKING, Any

import click

from api.cli.group import cli, process_config, setup_logging
from models.migrate import upgrade

if TYPE_CHECKING:
    from api.http.config import Config
    from api.runtime import Runtime


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--database-url", help="Overrides COMMENTMOD_DATABASE_URL.")
@click.option(
    "--demo",
    is_flag=True,
    help="Load sample articles, threads, held comments and a report (once; not into a "
    "database that holds other articles).",
)
@click.option("--no-migrate", is_flag=True, help="Do not apply pending migrations at start.")
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(min=1, max=256),
    help="Server processes on the one port (more than 1 needs COMMENTMOD_REDIS_URL).",
)
def serve(
    host: str, port: int, database_url: str | None, demo: bool, no_migrate: bool, workers: int
) -> None:
    """Run the GraphQL server."""
    # First: every process's metrics go to files here (before any metric exists). When
    # serve returns or fails (in a test's process, say), the process is as it was.
    from api.observability.exposition import multiprocess_dir

    with multiprocess_dir() as metrics_dir:
        _serve(host, port, database_url, demo, no_migrate, workers, metrics_dir)


def _serve(
    host: str,
    port: int,
    database_url: str | None,
    demo: bool,
    no_migrate: bool,
    workers: int,
    metrics_dir: tempfile.TemporaryDirectory[str],
) -> None:
    import uvicorn

    from api.http.allocator import return_large_blocks
    from api.http.app import create_app
    from api.observability.exposition import serve_port
    from api.runtime import Runtime
    from moderation.scorers.registry import ScorerConfigError, load_routed

    settings = process_config(database_url)
    if demo and "env" not in settings.model_fields_set:
        # The demo is for trying the API out: GraphiQL and introspection help there.
        settings = settings.model_copy(update={"env": "development"})
    setup_logging(settings)
    announce_mode(settings)
    # Before the threads and the buffers of requests: freed large blocks go back.
    return_large_blocks()
    if workers > 1 and not settings.redis_url:
        # Each worker would hear only its own events: live updates and the response
        # cache's invalidation would miss what the other workers write.
        raise click.ClickException(
            f"--workers {workers} needs COMMENTMOD_REDIS_URL: the workers share live "
            "events and the response cache through Redis (or run one worker per port)"
        )
    try:
        # Before migrations and the socket: a scorer that cannot load stops startup here.
        loaded = load_routed(settings.scorer_options())
    except ScorerConfigError as exc:
        raise click.ClickException(str(exc)) from None
    if not no_migrate:
        upgrade(settings.database_url)
    if demo:
        asyncio.run(_load_demo(Runtime(settings, scorer=loaded)))
    options: dict[str, Any] = {}
    if workers > 1:
        # Workers are fresh processes that build the app from the environment; the
        # migrations ran once, here. Each loads its own scorer.
        if database_url:
            os.environ["COMMENTMOD_DATABASE_URL"] = database_url
        os.environ["COMMENTMOD_ENV"] = settings.env
        del loaded
        app: Any = "api.http.app:app_from_environment"
        options.update(factory=True, workers=workers)
    else:
        app = create_app(runtime=Runtime(settings, scorer=loaded), migrate=False, freeze_heap=True)
    from api.web import page_urls

    for name, url in page_urls(host, port, production=settings.production):
        logging.getLogger("commentmod").info("%-12s %s", name, url)
    serve_port(settings)  # COMMENTMOD_METRICS_PORT: its own listener, all workers' figures

    def _remove_metrics(signum: int, _frame: object) -> None:
        # uvicorn hands a stopping signal back once it has shut down, and the process
        # then ends by it: remove the metrics directory first.
        metrics_dir.cleanup()
        signal.signal(signum, signal.SIG_DFL)
        signal.raise_signal(signum)

    for stopping in (signal.SIGTERM, signal.SIGINT):
        signal.signal(stopping, _remove_metrics)
    # On SIGTERM uvicorn stops accepting, lets requests in flight finish (up to the
    # grace period), then runs the lifespan shutdown: acknowledged comments are stored.
    if settings.log_format == "json":
        # uvicorn's loggers write through the JSON handler setup_logging installed.
        options["log_config"] = None
    uvicorn.run(
        app,
        **options,
        host=host,
        port=port,
        log_level=settings.log_level.lower(),
        timeout_graceful_shutdown=settings.shutdown_grace_seconds,
        # WebSocket-level keep-alive: a peer that stops answering pings is dropped.
        ws_ping_interval=20.0,
        ws_ping_timeout=20.0,
        # Clients send small messages (subscribe, complete, pong).
        ws_max_size=1024 * 1024,
    )
    metrics_dir.cleanup()


def announce_mode(settings: Config) -> None:
    """Say which mode serves, so that nobody runs a public server in development by
    mistake (or wonders where GraphiQL went)."""
    log = logging.getLogger("commentmod")
    if settings.production:
        log.info(
            "mode: production (no GraphiQL, introspection or field suggestions; "
            "COMMENTMOD_ENV=development turns them on)"
        )
    else:
        log.warning(
            "mode: DEVELOPMENT (GraphiQL, introspection and field suggestions are on; "
            "not for a public server: COMMENTMOD_ENV=production turns them off)"
        )


async def _load_demo(runtime: Runtime) -> None:
    from api.services.demo import load_demo

    log = logging.getLogger("commentmod")
    await runtime.start(migrate=False)
    try:
        loaded = await load_demo(runtime)
    finally:
        await runtime.stop()
    if loaded is None:
        log.info("demo: skipped, the database holds other articles")
    else:
        log.info(
            "demo: added %d articles, %d comments (%d for moderators), %d reports",
            loaded.articles,
            loaded.comments,
            loaded.held,
            loaded.reports,
        )
