"""Rate limits on the writes anyone can send: per user and, looser, per client address.

The algorithm is the `limits` package's moving window: "3 per 9 seconds" lets a
burst of 3 through and then, on average, one every 3 seconds. Counters live in
this process's memory, or in Redis (COMMENTMOD_REDIS_URL) so that every server
process shares them. While Redis cannot be reached, limiting goes on with this
process's own counters (logged, and shown on /healthz as `rateLimits.store`), and
goes back to Redis once it answers again (tried at most every RETRY_SECONDS).
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Sequence
from ipaddress import IPv4Network, IPv6Network, ip_address
from typing import Any

from limits import RateLimitItem, parse_many
from limits.aio.strategies import MovingWindowRateLimiter
from limits.errors import StorageError
from limits.storage import storage_from_string

from api.http.config import Config
from api.http.errors import RateLimited, Unavailable

Networks = list[IPv4Network | IPv6Network]
logger = logging.getLogger("commentmod.ratelimit")
# How often, while on local counters, Redis is tried again.
RETRY_SECONDS = 5.0
STORE_ERRORS = (StorageError, ConnectionError, OSError, TimeoutError)


class RateLimiter:
    def __init__(self, settings: Config) -> None:
        self.enabled = settings.rate_limited
        self.per_user: list[RateLimitItem] = parse_many(settings.rate_limit_user)
        self.per_address: list[RateLimitItem] = parse_many(settings.rate_limit_address)
        self.proxies: Networks = settings.proxy_networks()
        if settings.redis_url:
            uri = "async+" + settings.redis_url
            storage = storage_from_string(
                uri, key_prefix=settings.redis_prefix, wrap_exceptions=True
            )
        else:
            storage = storage_from_string("async+memory://")
        self.storage = storage
        self.strategy = MovingWindowRateLimiter(storage)  # type: ignore[arg-type]
        self.shared = bool(settings.redis_url)
        # Per-process counters for while Redis is away (None: not in use).
        self._fallback: MovingWindowRateLimiter | None = None
        self._retry_at = 0.0
        self.fallbacks = 0

    def health(self) -> dict[str, object]:
        if not self.shared:
            store = "memory"
        else:
            store = "redis" if self._fallback is None else "local (Redis unreachable)"
        return {"enabled": self.enabled, "store": store, "fallbacks": self.fallbacks}

    async def _strategy(self) -> MovingWindowRateLimiter:
        """Redis's counters, or this process's while Redis is unreachable."""
        fallback = self._fallback
        if fallback is None:
            return self.strategy
        if time.monotonic() >= self._retry_at:
            self._retry_at = time.monotonic() + RETRY_SECONDS
            try:
                checked = self.storage.check()
                if await checked if not isinstance(checked, bool) else checked:
                    logger.warning("rate limits: Redis answers again; back to shared counters")
                    self._fallback = None
                    return self.strategy
            except STORE_ERRORS:
                pass
        return fallback

    def _fall_back(self, exc: BaseException) -> MovingWindowRateLimiter:
        logger.warning(
            "rate limits: Redis unreachable (%s); limiting with this process's counters", exc
        )
        self.fallbacks += 1
        self._retry_at = time.monotonic() + RETRY_SECONDS
        local = storage_from_string("async+memory://")
        self._fallback = MovingWindowRateLimiter(local)  # type: ignore[arg-type]
        return self._fallback

    async def forget_user(self, user_id: str) -> int:
        """Drop this process's in-memory counters keyed by `user_id` (an erased user);
        counters in Redis are deleted with the user's other Redis keys."""
        forgotten = 0
        for strategy in (self.strategy, self._fallback):
            storage: Any = strategy.storage if strategy is not None else None
            if storage is None or (self.shared and strategy is self.strategy):
                continue
            keys = {
                key
                for name in ("storage", "events", "expirations")
                for key in getattr(storage, name, {})
                if isinstance(key, str) and f"/{user_id}/" in key
            }
            for key in keys:
                await storage.clear(key)
            forgotten += len(keys)
        return forgotten

    async def hit(self, action: str, user_id: str, address: str | None) -> None:
        """Count one attempt at `action`; RATE_LIMITED (with retryAfter) when over."""
        if not self.enabled:
            return
        checks = [(item, ("user", action, user_id)) for item in self.per_user]
        if address:
            checks += [(item, ("addr", action, address)) for item in self.per_address]
        strategy = await self._strategy()
        try:
            await self._count(strategy, checks)
        except STORE_ERRORS as exc:
            if strategy is not self.strategy:
                raise Unavailable("rate limit store unreachable; try again shortly") from exc
            # Redis being down never stops commenting: limit locally meanwhile.
            await self._count(self._fall_back(exc), checks)

    @staticmethod
    async def _count(
        strategy: MovingWindowRateLimiter, checks: Sequence[tuple[RateLimitItem, tuple[str, ...]]]
    ) -> None:
        for item, key in checks:
            if not await strategy.hit(item, *key):
                stats = await strategy.get_window_stats(item, *key)
                retry_after = max(1, math.ceil(stats.reset_time - time.time()))
                scope = "you are" if key[0] == "user" else "your network is"
                raise RateLimited(
                    f"{scope} posting too fast; try again in {retry_after} s",
                    retryAfter=retry_after,
                )


def client_address(peer: str | None, forwarded_for: str | None, proxies: Networks) -> str | None:
    """The client's address: the peer, unless the peer is a trusted proxy, in which
    case the right-most X-Forwarded-For entry that is not itself a trusted proxy."""
    if peer is None or not trusted(peer, proxies) or not forwarded_for:
        return peer
    hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
    for hop in reversed(hops):
        if not trusted(hop, proxies):
            return hop if _valid(hop) else peer
    return hops[0] if hops and _valid(hops[0]) else peer


def _valid(address: str) -> bool:
    try:
        ip_address(address)
    except ValueError:
        return False
    return True


def trusted(address: str, proxies: Networks) -> bool:
    try:
        parsed = ip_address(address)
    except ValueError:
        return False
    return any(parsed in network for network in proxies)
