"""The migrations and the SQLModel tables must describe the same schema, on each dialect."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.ext.asyncio import create_async_engine
from sqlmodel import SQLModel

import models.tables  # noqa: F401
from models.migrate import current_revision, head_revision, upgrade


async def test_models_match_migrations(database_url: str) -> None:
    """database_url is migrated by the fixtures (SQLite, or PostgreSQL in the second run)."""

    def compare(connection: Any) -> list[Any]:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, SQLModel.metadata))

    engine = create_async_engine(database_url)
    async with engine.connect() as connection:
        diff = await connection.run_sync(compare)
    await engine.dispose()
    assert diff == [], f"models and migrations disagree; write a migration: {diff}"


def test_upgrade_is_idempotent_and_reaches_head(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'nested' / 'dir' / 'm.db'}"
    upgrade(url)
    upgrade(url)
    assert current_revision(url) == head_revision() is not None
