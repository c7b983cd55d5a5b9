"""`commentmod users export|erase USER`: a person's data (GDPR Articles 15, 17, 20)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import click

from api.cli.group import cli
from api.cli.webhooks import with_runtime

if TYPE_CHECKING:
    from api.runtime import Runtime


@cli.group()
def users() -> None:
    """Export or erase everything stored about a user."""


@users.command("export")
@click.argument("user")
@click.option("--database-url", help="Overrides COMMENTMOD_DATABASE_URL.")
def users_export(user: str, database_url: str | None) -> None:
    """Print USER's data (by user id) as one JSON document."""
    from api.services.userdata import export

    document = with_runtime(database_url, lambda runtime: export(runtime, user))
    click.echo(json.dumps(document, indent=2, ensure_ascii=False))


@users.command("erase")
@click.argument("user")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.option("--database-url", help="Overrides COMMENTMOD_DATABASE_URL.")
def users_erase(user: str, yes: bool, database_url: str | None) -> None:
    """Erase USER (by user id): names and texts gone, the id replaced by a tombstone;
    cached responses and Redis keys mentioning them purged. Cannot be undone."""
    from api.services.userdata import erase

    if not yes:
        click.confirm(f"Erase user {user!r} for good?", abort=True)

    async def work(runtime: Runtime) -> Any:
        # The bus and cache connect to Redis (when configured), so that running servers
        # hear the CommentChanged events and drop what they cached.
        await runtime.events.start()
        await runtime.cache.start()
        try:
            return await erase(runtime, user)
        finally:
            await runtime.cache.stop()
            await runtime.events.stop()

    done = with_runtime(database_url, work)
    click.echo(f"erased {user}: now {done.tombstone_id}; {done.comments} comments blanked")
