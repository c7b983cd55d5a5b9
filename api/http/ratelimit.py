"""Rate limits on the writes anyone can send: per user and, looser, per client address.

The algorithm is the `limits` package's moving window: "3 per 9 seconds" lets a
burst of 3 through and then, on average, one every 3 seconds. Counters live in
this process's memory, or in Redis (COMMENTMOD_REDIS_URL) so that every server
process shares them.
"""

from __future__ import annotations

import math
import time
from ipaddress import IPv4Network, IPv6Network, ip_address

from limits import RateLimitItem, parse_many
from limits.aio.strategies import MovingWindowRateLimiter
from limits.errors import StorageError
from limits.storage import storage_from_string

from api.http.config import Config
from api.http.errors import RateLimited, Unavailable

Networks = list[IPv4Network | IPv6Network]


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

    async def hit(self, action: str, user_id: str, address: str | None) -> None:
        """Count one attempt at `action`; RATE_LIMITED (with retryAfter) when over."""
        if not self.enabled:
            return
        checks = [(item, ("user", action, user_id)) for item in self.per_user]
        if address:
            checks += [(item, ("addr", action, address)) for item in self.per_address]
        try:
            for item, key in checks:
                if not await self.strategy.hit(item, *key):
                    stats = await self.strategy.get_window_stats(item, *key)
                    retry_after = max(1, math.ceil(stats.reset_time - time.time()))
                    scope = "you are" if key[0] == "user" else "your network is"
                    raise RateLimited(
                        f"{scope} posting too fast; try again in {retry_after} s",
                        retryAfter=retry_after,
                    )
        except (StorageError, ConnectionError, OSError, TimeoutError) as exc:
            raise Unavailable("rate limit store unreachable; try again shortly") from exc


def client_address(peer: str | None, forwarded_for: str | None, proxies: Networks) -> str | None:
    """The client's address: the peer, unless the peer is a trusted proxy, in which
    case the right-most X-Forwarded-For entry that is not itself a trusted proxy."""
    if peer is None or not _trusted(peer, proxies) or not forwarded_for:
        return peer
    hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
    for hop in reversed(hops):
        if not _trusted(hop, proxies):
            return hop if _valid(hop) else peer
    return hops[0] if hops and _valid(hops[0]) else peer


def _valid(address: str) -> bool:
    try:
        ip_address(address)
    except ValueError:
        return False
    return True


def _trusted(address: str, proxies: Networks) -> bool:
    try:
        parsed = ip_address(address)
    except ValueError:
        return False
    return any(parsed in network for network in proxies)
