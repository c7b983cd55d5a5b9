"""`commentmod apikey ...`: the Perspective endpoint's API keys."""

from __future__ import annotations

from datetime import datetime

import click

from api.cli.group import cli, process_config, with_database
from models.database import Database


@cli.group()
def apikey() -> None:
    """Keys for the Perspective-protocol endpoint (/v1alpha1/comments:analyze)."""


@apikey.command("create")
@click.option("--name", required=True, help="Who or what uses the key (unique).")
@click.option(
    "--rate-limit",
    type=click.IntRange(min=1),
    help="Requests per second; default COMMENTMOD_PERSPECTIVE_RATE_LIMIT.",
)
@click.option("--database-url", help="Overrides COMMENTMOD_DATABASE_URL.")
def apikey_create(name: str, rate_limit: int | None, database_url: str | None) -> None:
    """Create a key and print it, once: only its hash is stored."""
    from api.services.apikeys import create_named_key

    name = name.strip()
    if not name or len(name) > 200:
        raise click.ClickException("--name must have 1 to 200 characters")

    async def work(db: Database) -> str | None:
        return await create_named_key(db, name, rate_limit)

    key = with_database(process_config(database_url), work)
    if key is None:
        raise click.ClickException(f"an API key named {name!r} exists already")
    click.echo(key)


@apikey.command("list")
@click.option("--database-url", help="Overrides COMMENTMOD_DATABASE_URL.")
def apikey_list(database_url: str | None) -> None:
    """List keys (never the keys themselves)."""
    from api.services.apikeys import all_keys

    def when(moment: datetime | None) -> str:
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ") if moment else "-"

    click.echo("id\tname\tprefix\trate_limit\tcreated\tlast_used\trevoked")
    for row in with_database(process_config(database_url), all_keys):
        click.echo(
            f"{row.id}\t{row.name}\t{row.prefix}…\t{row.rate_limit or 'default'}\t"
            f"{when(row.created_at)}\t{when(row.last_used_at)}\t{when(row.revoked_at)}"
        )


@apikey.command("revoke")
@click.argument("name_or_id")
@click.option("--database-url", help="Overrides COMMENTMOD_DATABASE_URL.")
def apikey_revoke(name_or_id: str, database_url: str | None) -> None:
    """Revoke a key by name or id; it stops working at once, in every process."""
    from api.services.apikeys import revoke_key

    async def work(db: Database) -> str | None:
        return await revoke_key(db, name_or_id)

    name = with_database(process_config(database_url), work)
    if name is None:
        raise click.ClickException(f"no API key named or numbered {name_or_id!r}")
    click.echo(f"revoked {name}")
