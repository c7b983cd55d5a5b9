"""Helpers shared by bench/seed.py and bench/queries.py: create and drop the database."""

from __future__ import annotations

from pathlib import Path

import asyncpg  # type: ignore[import-untyped]
from sqlalchemy.engine import URL, make_url


def backend(url: str) -> str:
    return make_url(url).get_backend_name()


def sqlite_file(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise SystemExit("the benchmarks need a SQLite file, not an in-memory database")
    return Path(database)


def remove_sqlite(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(str(path) + suffix).unlink(missing_ok=True)


def asyncpg_dsn(url: URL, database: str | None = None) -> str:
    """A libpq-style DSN for asyncpg, from a SQLAlchemy URL."""
    plain = url.set(drivername="postgresql")
    if database is not None:
        plain = plain.set(database=database)
    return plain.render_as_string(hide_password=False)


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


async def create_database(url: str, *, fresh: bool) -> None:
    """Create the database (PostgreSQL) or its folder (SQLite); `fresh` drops it first."""
    if backend(url) == "sqlite":
        path = sqlite_file(url)
        path.parent.mkdir(parents=True, exist_ok=True)
        if fresh:
            remove_sqlite(path)
        return
    parsed = make_url(url)
    name = parsed.database or ""
    conn = await asyncpg.connect(asyncpg_dsn(parsed, "postgres"))
    try:
        if fresh:
            await conn.execute(f"DROP DATABASE IF EXISTS {_quoted(name)} WITH (FORCE)")
        exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        if not exists:
            await conn.execute(f"CREATE DATABASE {_quoted(name)}")
    finally:
        await conn.close()


async def drop_database(url: str) -> None:
    if backend(url) == "sqlite":
        remove_sqlite(sqlite_file(url))
        return
    parsed = make_url(url)
    conn = await asyncpg.connect(asyncpg_dsn(parsed, "postgres"))
    try:
        await conn.execute(f"DROP DATABASE IF EXISTS {_quoted(parsed.database or '')} WITH (FORCE)")
    finally:
        await conn.close()
