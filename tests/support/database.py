"""Database fixtures: a migrated database per test, on SQLite or (COMMENTMOD_TEST_POSTGRES) PostgreSQL.

The conftests of the folders whose tests need a database import these fixtures.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url
from sqlmodel import SQLModel

import models.tables  # noqa: F401  (the tables to empty between tests)
from models.migrate import upgrade
from tests.support.constants import POSTGRES


@pytest.fixture(scope="session")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One database migrated once; each test gets a copy."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    upgrade(f"sqlite+aiosqlite:///{path}")
    return path


def _admin(*statements: str, database: str | None = None) -> None:
    """Run statements on the PostgreSQL server outside any transaction."""
    import asyncpg

    assert POSTGRES is not None
    url = make_url(POSTGRES).set(drivername="postgresql")
    if database is not None:
        url = url.set(database=database)
    dsn = url.render_as_string(hide_password=False)

    async def run() -> None:
        connection = await asyncpg.connect(dsn)
        try:
            for statement in statements:
                await connection.execute(statement)
        finally:
            await connection.close()

    # Fixtures may run while an event loop is running in this thread.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, run()).result()


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """One migrated database per test run, emptied before each test."""
    assert POSTGRES is not None
    name = f"cm_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    _admin(f'CREATE DATABASE "{name}"')
    url = make_url(POSTGRES).set(database=name).render_as_string(hide_password=False)
    upgrade(url)
    yield url
    _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def database_url(request: pytest.FixtureRequest, tmp_path: Path, template_db: Path) -> str:
    if POSTGRES is None:
        path = tmp_path / "commentmod.db"
        shutil.copy(template_db, path)
        return f"sqlite+aiosqlite:///{path}"
    url: str = request.getfixturevalue("pg_database")
    tables = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
    # Much faster than a database per test (CREATE DATABASE costs about half a second).
    _admin(f"TRUNCATE {tables} RESTART IDENTITY CASCADE", database=make_url(url).database)
    return url
