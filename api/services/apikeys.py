"""API keys of the Perspective-protocol endpoint: checking them, and their rate limits."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from limits import RateLimitItemPerSecond
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from api.runtime import Runtime
from api.services import audit
from models.database import Database
from models.queries import apikeys
from models.tables import ApiKey, utcnow

logger = logging.getLogger("commentmod.perspective")

# last_used_at is a hint for operators, not an audit log: one write a minute per key at most.
TOUCH_EVERY = timedelta(minutes=1)


@dataclass(frozen=True)
class Verdict:
    key: ApiKey | None
    # "missing", "invalid" or "rate_limited" when the request must be refused.
    refusal: str | None = None
    limit: int = 0


class KeyGuard:
    """Checks a key against the database and counts its requests in a moving one-second
    window, in this process's memory (each process of a deployment counts its own)."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self._limiter = MovingWindowRateLimiter(MemoryStorage())
        self._touched: dict[int, datetime] = {}

    async def check(self, key: str | None) -> Verdict:
        if not key:
            return Verdict(None, "missing")
        async with self.runtime.db.read() as session:
            row = await apikeys.find_active(session, key)
        if row is None or row.id is None:
            return Verdict(None, "invalid")
        limit = row.rate_limit or self.runtime.settings.perspective_rate_limit
        if not self._limiter.hit(RateLimitItemPerSecond(limit), "apikey", str(row.id)):
            return Verdict(row, "rate_limited", limit)
        await self._touch(row.id)
        return Verdict(row, None, limit)

    async def _touch(self, key_id: int) -> None:
        now = utcnow()
        if now - self._touched.get(key_id, datetime.min.replace(tzinfo=now.tzinfo)) < TOUCH_EVERY:
            return
        self._touched[key_id] = now
        try:
            async with self.runtime.db.write() as session:
                await apikeys.touch(session, key_id, now)
        except Exception:
            # Never refuse a request for the sake of a usage timestamp.
            logger.warning("could not record the use of API key %d", key_id, exc_info=True)


# What `commentmod apikey ...` does, each in its own transaction.


async def create_named_key(db: Database, name: str, rate_limit: int | None) -> str | None:
    """A new key named `name`, returned once (only its hash is stored); None if the name is
    taken."""
    async with db.write() as session:
        if await apikeys.find_key(session, name) is not None:
            return None
        row, key = await apikeys.create_key(session, name, rate_limit)
        await audit.record(
            session,
            actor_id=None,
            action="apikey.create",
            target=f"apikey:{row.id}",
            details={"name": name, "rate_limit": rate_limit, "via": "cli"},
        )
        return key


async def all_keys(db: Database) -> Sequence[ApiKey]:
    async with db.read() as session:
        return await apikeys.list_keys(session)


async def revoke_key(db: Database, name_or_id: str) -> str | None:
    """Revoke the key named or numbered `name_or_id`; its name, or None if there is none."""
    async with db.write() as session:
        row = await apikeys.find_key(session, name_or_id)
        if row is None:
            return None
        await apikeys.revoke(session, row)
        await audit.record(
            session,
            actor_id=None,
            action="apikey.revoke",
            target=f"apikey:{row.id}",
            details={"name": row.name, "via": "cli"},
        )
        return row.name
