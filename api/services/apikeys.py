"""API keys of the Perspective-protocol endpoint: checking them, and their rate limits."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from limits import RateLimitItemPerSecond
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from api.runtime import Runtime
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
