"""`commentmod webhooks ...`: register, list, enable and disable webhook endpoints."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, TypeVar

import click

from api.cli.group import cli, process_config
from models.migrate import upgrade

if TYPE_CHECKING:
    from api.runtime import Runtime

T = TypeVar("T")


def with_runtime(database_url: str | None, work: Callable[[Runtime], Awaitable[T]]) -> T:
    """Run `work` with an unstarted runtime: the services here use only its database."""
    from api.http.errors import AppError
    from api.runtime import Runtime

    settings = process_config(database_url)
    upgrade(settings.database_url)

    async def run() -> T:
        runtime = Runtime(settings)
        try:
            return await work(runtime)
        finally:
            await runtime.db.dispose()

    try:
        return asyncio.run(run())
    except AppError as exc:
        raise click.ClickException(f"{exc.code}: {exc}") from None


def _endpoint_id(value: str) -> int:
    if not value.isdigit():
        raise click.BadParameter("an endpoint's number, as `webhooks list` shows it")
    return int(value)


@cli.group()
def webhooks() -> None:
    """Endpoints that receive signed POSTs about comments and users."""


@webhooks.command("add")
@click.argument("url")
@click.option(
    "--kind",
    "kinds",
    multiple=True,
    required=True,
    help="An event kind (repeat): COMMENT_CREATED, COMMENT_HELD, COMMENT_APPROVED, "
    "COMMENT_REJECTED, COMMENT_EDITED, COMMENT_DELETED, COMMENT_REPORTED, USER_SANCTIONED, "
    "NOTICE_DECIDED.",
)
@click.option("--secret", help="The signing secret (16-200 characters); generated if not given.")
@click.option("--description", help="What the endpoint is for.")
@click.option("--database-url", help="Overrides COMMENTMOD_DATABASE_URL.")
def webhooks_add(
    url: str,
    kinds: tuple[str, ...],
    secret: str | None,
    description: str | None,
    database_url: str | None,
) -> None:
    """Register URL for the event kinds given; prints its number and secret (once)."""
    from api.services.webhooks import register

    registered = with_runtime(
        database_url,
        lambda runtime: register(
            runtime,
            url,
            [kind.upper() for kind in kinds],
            secret=secret,
            description=description,
        ),
    )
    click.echo(f"id\t{registered.endpoint.id}")
    click.echo(f"secret\t{registered.secret}")


@webhooks.command("list")
@click.option("--database-url", help="Overrides COMMENTMOD_DATABASE_URL.")
def webhooks_list(database_url: str | None) -> None:
    """The endpoints, with their pending and failed deliveries."""
    from api.services.webhooks import endpoint_counts, list_endpoints

    async def work(runtime: Runtime) -> list[tuple[object, dict[str, int]]]:
        rows = await list_endpoints(runtime)
        counts = await endpoint_counts(runtime)
        return [(row, counts.get(row.id or 0, {})) for row in rows]

    click.echo("id\tenabled\turl\tkinds\tpending\tdelivered\tfailed")
    for row, counts in with_runtime(database_url, work):
        click.echo(
            f"{row.id}\t{'yes' if row.enabled else 'no'}\t{row.url}\t{','.join(row.kinds)}\t"  # type: ignore[attr-defined]
            f"{counts.get('PENDING', 0)}\t{counts.get('DELIVERED', 0)}\t{counts.get('FAILED', 0)}"
        )


def _set_enabled(endpoint: str, enabled: bool, database_url: str | None) -> None:
    from api.services.webhooks import update_endpoint

    row = with_runtime(
        database_url,
        lambda runtime: update_endpoint(runtime, _endpoint_id(endpoint), enabled=enabled),
    )
    click.echo(f"{'enabled' if row.enabled else 'disabled'} {row.id} {row.url}")


@webhooks.command("enable")
@click.argument("endpoint")
@click.option("--database-url", help="Overrides COMMENTMOD_DATABASE_URL.")
def webhooks_enable(endpoint: str, database_url: str | None) -> None:
    """Resume deliveries to ENDPOINT (its number); queued events go out."""
    _set_enabled(endpoint, True, database_url)


@webhooks.command("disable")
@click.argument("endpoint")
@click.option("--database-url", help="Overrides COMMENTMOD_DATABASE_URL.")
def webhooks_disable(endpoint: str, database_url: str | None) -> None:
    """Stop deliveries to ENDPOINT (its number); new events are not queued for it."""
    _set_enabled(endpoint, False, database_url)


@webhooks.command("retry")
@click.argument("endpoint")
@click.option("--database-url", help="Overrides COMMENTMOD_DATABASE_URL.")
def webhooks_retry(endpoint: str, database_url: str | None) -> None:
    """Queue ENDPOINT's FAILED deliveries again."""
    from api.services.webhooks import retry_failed

    row, count = with_runtime(
        database_url, lambda runtime: retry_failed(runtime, _endpoint_id(endpoint))
    )
    click.echo(f"requeued {count} deliveries for {row.id}")
