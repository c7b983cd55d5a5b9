"""The `commentmod` command group, and what its commands share: config, logging, a database."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

import click

from api.http.config import Config
from models.database import Database
from models.migrate import upgrade

T = TypeVar("T")


def process_config(database_url: str | None = None) -> Config:
    overrides = {"database_url": database_url} if database_url else {}
    try:
        return Config(**overrides)  # type: ignore[arg-type]
    except ValueError as exc:
        raise click.ClickException(f"invalid COMMENTMOD_* setting:\n{exc}") from None


def setup_logging(settings: Config) -> None:
    """Text, or JSON lines with COMMENTMOD_LOG_FORMAT=json (api/observability/logs.py)."""
    from api.observability.logs import configure

    configure(settings.log_format, settings.log_level)


@click.group()
def cli() -> None:
    """commentmod: comment moderation for news sites."""


def with_database(settings: Config, work: Callable[[Database], Awaitable[T]]) -> T:
    upgrade(settings.database_url)

    async def run() -> T:
        db = Database(settings.database_url)
        try:
            return await work(db)
        finally:
            await db.dispose()

    return asyncio.run(run())
