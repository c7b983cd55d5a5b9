"""Engine and sessions, dialect-neutral, with SQLite tuned for a web server."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

logger = logging.getLogger(__name__)


def redact(url: str) -> str:
    """The URL as it may appear in logs: no password."""
    return make_url(url).render_as_string(hide_password=True)


def sqlite_path(url: URL) -> Path | None:
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    return Path(url.database or "")


class Database:
    """Owns the engines. Reads and writes use separate engines on SQLite so that
    write transactions can take the lock up front (BEGIN IMMEDIATE) and wait on
    busy_timeout instead of failing half-way with 'database is locked'."""

    def __init__(
        self,
        url: str,
        *,
        pool_size: int = 10,
        max_overflow: int = 10,
        pool_timeout: float = 5.0,
        connect_timeout: float = 5.0,
        command_timeout: float = 30.0,
        busy_timeout_ms: int = 5000,
    ) -> None:
        self.url = make_url(url)
        self.dialect = self.url.get_backend_name()
        if self.dialect == "sqlite":
            path = sqlite_path(self.url)
            if path is not None:
                path.parent.mkdir(parents=True, exist_ok=True)
            # Readers keep as many connections as the pool allows: an overflow connection
            # closed on check-in costs a new thread and the PRAGMAs on the next request.
            self.engine = self._sqlite_engine(
                busy_timeout_ms, "BEGIN", pool_size=pool_size + max_overflow, max_overflow=0
            )
            # One writer at a time (the lock below): a small pool is plenty.
            self.write_engine = self._sqlite_engine(
                busy_timeout_ms, "BEGIN IMMEDIATE", pool_size=2, max_overflow=2
            )
            self._write_lock: asyncio.Lock | None = asyncio.Lock()
        else:
            connect_args: dict[str, Any] = (
                {
                    "timeout": connect_timeout,
                    "command_timeout": command_timeout,
                    # Short index-driven queries gain nothing from JIT compilation; it
                    # added over 100 ms to some plans at a million comments.
                    "server_settings": {"jit": "off"},
                }
                if self.url.get_driver_name() == "asyncpg"
                else {}
            )
            self.engine = create_async_engine(
                self.url,
                pool_size=pool_size,
                max_overflow=max_overflow,
                pool_timeout=pool_timeout,
                # A connection that died while the database was away is replaced, not
                # handed out: the service recovers by itself when it comes back.
                pool_pre_ping=True,
                pool_recycle=1800,
                connect_args=connect_args,
            )
            self.write_engine = self.engine
            self._write_lock = None
        self._read = async_sessionmaker(self.engine, class_=AsyncSession, expire_on_commit=False)
        self._write = async_sessionmaker(
            self.write_engine, class_=AsyncSession, expire_on_commit=False
        )

    def _sqlite_engine(
        self, busy_timeout_ms: int, begin: str, *, pool_size: int, max_overflow: int
    ) -> AsyncEngine:
        if sqlite_path(self.url) is None:
            # In memory: SQLAlchemy's own pool choice keeps the one database alive.
            engine = create_async_engine(self.url)
        else:
            engine = create_async_engine(self.url, pool_size=pool_size, max_overflow=max_overflow)

        @event.listens_for(engine.sync_engine, "connect")
        def _on_connect(dbapi_connection: Any, _record: Any) -> None:
            # Take transaction control from the driver so that "begin" below decides.
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        @event.listens_for(engine.sync_engine, "begin")
        def _on_begin(connection: Any) -> None:
            connection.exec_driver_sql(begin)

        return engine

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        async with self._read() as session:
            yield session

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncSession]:
        """A session inside one transaction: committed on success, rolled back on error."""
        if self._write_lock is None:
            async with self._write() as session, session.begin():
                yield session
            return
        # SQLite has one writer at a time. Queueing this process's writers here, in
        # order, beats all of them polling the file lock until busy_timeout gives up.
        async with self._write_lock, self._write() as session, session.begin():
            yield session

    async def ping(self) -> None:
        async with self.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    async def dispose(self) -> None:
        await self.engine.dispose()
        if self.write_engine is not self.engine:
            await self.write_engine.dispose()
