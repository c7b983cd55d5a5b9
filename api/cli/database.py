"""`commentmod db ...`: migrations."""

from __future__ import annotations

import click

from api.cli.group import cli, process_config
from models.database import redact
from models.migrate import current_revision, head_revision, upgrade


@cli.group()
def db() -> None:
    """Database migrations."""


@db.command("upgrade")
@click.option("--database-url", help="Overrides COMMENTMOD_DATABASE_URL.")
def db_upgrade(database_url: str | None) -> None:
    """Apply pending migrations."""
    settings = process_config(database_url)
    upgrade(settings.database_url)
    click.echo(f"{redact(settings.database_url)} is at revision {head_revision()}")


@db.command("current")
@click.option("--database-url", help="Overrides COMMENTMOD_DATABASE_URL.")
def db_current(database_url: str | None) -> None:
    """Print the database's revision and the newest one available."""
    settings = process_config(database_url)
    click.echo(f"current: {current_revision(settings.database_url)}\nhead: {head_revision()}")
