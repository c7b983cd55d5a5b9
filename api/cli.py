"""The `commentmod` command line."""

from __future__ import annotations

import asyncio
import logging
import sys
from pathlib import Path

import click
from sqlalchemy.exc import OperationalError

from api.auth import Identity, Role, issue_token
from api.settings import Settings
from models.database import Database, redact
from models.migrate import current_revision, head_revision, upgrade


def _settings(database_url: str | None = None) -> Settings:
    overrides = {"database_url": database_url} if database_url else {}
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValueError as exc:
        raise click.ClickException(f"invalid COMMENTMOD_* setting:\n{exc}") from None


def _logging(settings: Settings) -> None:
    logging.basicConfig(
        level=settings.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )


@click.group()
def cli() -> None:
    """commentmod: comment moderation for news sites."""


def main() -> None:
    try:
        cli()
    except OperationalError as exc:
        # A database that cannot be reached is an operator's problem, not a crash.
        click.echo(f"Error: cannot use the database: {exc.orig or exc}", err=True)
        sys.exit(1)


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--database-url", help="Overrides COMMENTMOD_DATABASE_URL.")
@click.option("--demo", is_flag=True, help="Load sample articles if the database has none.")
@click.option("--no-migrate", is_flag=True, help="Do not apply pending migrations at start.")
def serve(host: str, port: int, database_url: str | None, demo: bool, no_migrate: bool) -> None:
    """Run the GraphQL server."""
    import uvicorn

    from api.app import create_app
    from api.runtime import Runtime
    from moderation.scorers.registry import ScorerConfigError, load_scorer

    settings = _settings(database_url)
    _logging(settings)
    try:
        # Before migrations and the socket: a scorer that cannot load stops startup here.
        loaded = load_scorer(settings.scorer_options())
    except ScorerConfigError as exc:
        raise click.ClickException(str(exc)) from None
    if not no_migrate:
        upgrade(settings.database_url)
    if demo:
        asyncio.run(_load_demo(settings))
    app = create_app(runtime=Runtime(settings, scorer=loaded), migrate=False)
    uvicorn.run(
        app,
        host=host,
        port=port,
        log_level=settings.log_level.lower(),
        # WebSocket-level keep-alive: a peer that stops answering pings is dropped.
        ws_ping_interval=20.0,
        ws_ping_timeout=20.0,
        # Clients send small messages (subscribe, complete, pong).
        ws_max_size=1024 * 1024,
    )


async def _load_demo(settings: Settings) -> None:
    from api.demo import ARTICLES
    from api.services.articles import upsert_many
    from models.queries.articles import count_articles

    db = Database(settings.database_url)
    try:
        async with db.read() as session:
            if await count_articles(session) > 0:
                return
        await upsert_many(db, ARTICLES)
        logging.getLogger("commentmod").info("demo: loaded %d sample articles", len(ARTICLES))
    finally:
        await db.dispose()


@cli.command()
@click.option("--user", "user_id", required=True, help="The user id (token subject).")
@click.option("--name", required=True, help="The display name.")
@click.option(
    "--role", type=click.Choice([r.value for r in Role], case_sensitive=False), default="commenter"
)
@click.option(
    "--ttl", default=86400, show_default=True, type=click.IntRange(min=1), help="Seconds."
)
def token(user_id: str, name: str, role: str, ttl: int) -> None:
    """Print a signed token, and nothing else."""
    settings = _settings()
    identity = Identity(user_id=user_id, name=name, role=Role(role.lower()))
    click.echo(issue_token(settings.resolve_jwt_secret(), identity, ttl))


@cli.command("import-articles")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--database-url", help="Overrides COMMENTMOD_DATABASE_URL.")
def import_articles(files: tuple[Path, ...], database_url: str | None) -> None:
    """Upsert articles by slug from JSON Lines or plain-text files.

    A .jsonl file holds one object per line (slug, title, body, url?, language?,
    published_at?); any other file is plain text: the first non-empty line is the
    title, the rest the body, and the slug comes from the file name. Every file is
    checked before anything is written.
    """
    from api.importer import InvalidArticleFile, read_articles
    from api.services.articles import upsert_many

    settings = _settings(database_url)
    try:
        items = [item for path in files for item in read_articles(path)]
    except InvalidArticleFile as exc:
        raise click.ClickException(str(exc)) from None
    slugs = [item.slug for item in items]
    if duplicates := sorted({s for s in slugs if slugs.count(s) > 1}):
        raise click.ClickException(f"the same slug appears twice: {', '.join(duplicates)}")
    upgrade(settings.database_url)

    async def run() -> list[bool]:
        from api.events import create_bus

        db = Database(settings.database_url)
        # With COMMENTMOD_REDIS_URL, running servers hear of the changed articles.
        events = create_bus(settings.redis_url, settings.redis_channel)
        await events.start(listen=False)
        try:
            return [created for _, created in await upsert_many(db, items, events=events)]
        finally:
            await events.stop()
            await db.dispose()

    created = asyncio.run(run())
    click.echo(
        f"imported {len(items)} article(s): {sum(created)} created, "
        f"{len(created) - sum(created)} updated"
    )


@cli.command()
@click.option(
    "--status", type=click.Choice(["PENDING", "APPROVED", "REJECTED"], case_sensitive=False)
)
@click.option("--article", "article_slug", help="Only this article's comments (by slug).")
@click.option("--database-url", help="Overrides COMMENTMOD_DATABASE_URL.")
def rescore(status: str | None, article_slug: str | None, database_url: str | None) -> None:
    """Re-run moderation with the current scorer and settings.

    Only comments no moderator has decided on are moved.
    """
    from api.errors import AppError
    from api.runtime import Runtime
    from api.services.rescore import count_candidates
    from api.services.rescore import rescore as run_rescore

    settings = _settings(database_url)
    _logging(settings)

    async def run() -> str:
        runtime = Runtime(settings)
        await runtime.start(migrate=True)
        try:
            total = await count_candidates(runtime, status and status.upper(), article_slug)
            with click.progressbar(length=total, label="rescoring", file=sys.stderr) as bar:
                result = await run_rescore(
                    runtime,
                    status=status and status.upper(),
                    article_slug=article_slug,
                    progress=bar.update,
                )
        except AppError as exc:
            raise click.ClickException(str(exc)) from None
        finally:
            await runtime.stop()
        return (
            f"examined {result.examined} comment(s) with {runtime.scorer.scorer.name}: "
            f"{result.moved} changed status, {result.skipped_conflicts} skipped "
            "(a moderator decided meanwhile)"
        )

    click.echo(asyncio.run(run()))


@cli.group()
def models() -> None:
    """Scoring models."""


@models.command("download")
@click.argument(
    "name",
    type=click.Choice(["original", "unbiased", "multilingual", "original-small", "unbiased-small"]),
)
def models_download(name: str) -> None:
    """Fetch a detoxify model into the local cache (needs a network; serve never downloads)."""
    try:
        from moderation.scorers.detoxify import download
    except ImportError:
        raise click.ClickException("install the extra first: pip install '.[detoxify]'") from None
    try:
        weights = download(name)
    except Exception as exc:
        raise click.ClickException(f"download failed: {exc}") from None
    click.echo(f"checkpoint: {weights.checkpoint}\nconfig: {weights.config_dir}")


@cli.command("export-schema")
def export_schema() -> None:
    """Print the GraphQL SDL."""
    from api.graphql.schema import schema

    click.echo(schema.as_str())


@cli.group()
def db() -> None:
    """Database migrations."""


@db.command("upgrade")
@click.option("--database-url", help="Overrides COMMENTMOD_DATABASE_URL.")
def db_upgrade(database_url: str | None) -> None:
    """Apply pending migrations."""
    settings = _settings(database_url)
    upgrade(settings.database_url)
    click.echo(f"{redact(settings.database_url)} is at revision {head_revision()}")


@db.command("current")
@click.option("--database-url", help="Overrides COMMENTMOD_DATABASE_URL.")
def db_current(database_url: str | None) -> None:
    """Print the database's revision and the newest one available."""
    settings = _settings(database_url)
    click.echo(f"current: {current_revision(settings.database_url)}\nhead: {head_revision()}")
