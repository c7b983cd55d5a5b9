"""`commentmod report transparency`: the DSA transparency report for a period."""

from __future__ import annotations

import json
from datetime import UTC, datetime, time, timedelta
from typing import Any

import click

from api.cli.group import cli, process_config, with_database
from models.database import Database


@cli.group()
def report() -> None:
    """Reports computed from the product's own tables."""


def _moment(value: str, *, end: bool = False) -> datetime:
    """A date (YYYY-MM-DD: its start, or for --to the end of that day) or an ISO time."""
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is neither YYYY-MM-DD nor an ISO time") from None
    if len(value) == 10:
        day = datetime.combine(parsed.date(), time.min, UTC)
        return day + timedelta(days=1) if end else day
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


@report.command("transparency")
@click.option("--from", "since", required=True, help="First day (YYYY-MM-DD) or ISO time.")
@click.option("--to", "until", required=True, help="Last day, included (YYYY-MM-DD), or ISO time.")
@click.option("--format", "fmt", type=click.Choice(["json", "csv"]), default="json")
@click.option("--database-url", help="Overrides COMMENTMOD_DATABASE_URL.")
def transparency(since: str, until: str, fmt: str, database_url: str | None) -> None:
    """Notices by ground, actions by kind and ground, automated detection and decisions by
    model version, notice handling times, appeals and the automated holds' reversal rate."""
    from api.http.errors import BadUserInput
    from api.services.transparency import as_csv
    from api.services.transparency import report as build

    start, end = _moment(since), _moment(until, end=True)

    async def work(db: Database) -> dict[str, Any]:
        return await build(db, start, end)

    try:
        data = with_database(process_config(database_url), work)
    except BadUserInput as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(json.dumps(data, indent=2) if fmt == "json" else as_csv(data), nl=fmt == "json")
