"""`commentmod import-articles`: articles from JSON/JSONL files, upserted by slug."""

from __future__ import annotations

import asyncio
from pathlib import Path

import click

from api.cli.group import cli, process_config
from models.database import Database
from models.migrate import upgrade


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
    from api.cli.importer import InvalidArticleFile, read_articles
    from api.services.articles import upsert_many

    settings = process_config(database_url)
    try:
        items = [item for path in files for item in read_articles(path)]
    except InvalidArticleFile as exc:
        raise click.ClickException(str(exc)) from None
    slugs = [item.slug for item in items]
    if duplicates := sorted({s for s in slugs if slugs.count(s) > 1}):
        raise click.ClickException(f"the same slug appears twice: {', '.join(duplicates)}")
    upgrade(settings.database_url)

    async def run() -> list[bool]:
        from api.live.redisbus import create_bus

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
