"""The public read cache: serialised GraphQL responses, dropped by the live events.

An entry is the exact bytes of one response with its ETag and its tags: the
articles (and missing comments, and the article listing) its execution read.
Every event that changes what readers see names an article, so the bus's events
invalidate the entries tagged with it, in every process (the bus carries them
through Redis when there is one).

- In-process: an LRU bounded in bytes.
- With Redis: entries live in Redis, shared by every process, and each process
  keeps the ones it served in its own LRU in front. Invalidation deletes both.
- An entry is only ever served when its execution began after the last
  invalidation of each of its tags that this process knows of: an execution
  that raced a commit is never stored, nor served from Redis, as current.
- Single flight: concurrent misses of one key execute once per process, and,
  with Redis, once across processes (a short lock; the others wait for its entry).
- While the Redis event stream is down, invalidations from other processes
  cannot arrive: the cache is bypassed (every query executes) until it is back,
  and then flushed. Redis errors never fail a read; they make a miss.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections import Counter, OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any

from api.live.bus import EventBus
from api.live.events import (
    Event,
)
from api.live.tags import tags_of
from api.observability import metrics
from api.readcache.entries import CacheReply, Entry, LocalEntries

logger = logging.getLogger("commentmod.cache")

# How long a process keeps the Redis side alone after an error, before trying again.
REDIS_BACKOFF = 1.0
# Misses that lost the cross-process lock wait this long for the winner's entry.
FLIGHT_WAIT = 2.0


# What a miss runs: the response bytes, the tags read, and whether it may be stored.
Execute = Callable[[], Awaitable[tuple[bytes, frozenset[str], bool]]]

# Drops every member of each tag set, then the sets (KEYS: tag set keys).
INVALIDATE = """
local n = 0
for _, tag in ipairs(KEYS) do
  local members = redis.call('SMEMBERS', tag)
  for i = 1, #members, 500 do
    n = n + redis.call('DEL', unpack(members, i, math.min(i + 499, #members)))
  end
  redis.call('DEL', tag)
end
return n
"""


class ResponseCache:
    def __init__(
        self,
        bus: EventBus,
        *,
        enabled: bool = True,
        ttl: float = 60.0,
        max_bytes: int = 64 * 1024 * 1024,
        redis_url: str | None = None,
        prefix: str = "commentmod",
    ) -> None:
        self.bus = bus
        self.enabled = enabled
        self.ttl = ttl
        self.local = LocalEntries(max_bytes)
        self.redis_url = redis_url
        self.prefix = f"{prefix}:cache"
        # Its /healthz figures, mirrored into Prometheus counters.
        self.stats: Counter[str] = metrics.CacheStats()
        # When each tag was last invalidated here (wall clock); older entries are stale.
        self._invalidated: OrderedDict[str, float] = OrderedDict()
        # Tags forgotten from _invalidated count as invalidated at this time.
        self._floor = 0.0
        self._flights: dict[str, asyncio.Future[CacheReply]] = {}
        self._redis: Any = None
        self._redis_down_until = 0.0
        self._script: Any = None
        self._tasks: set[asyncio.Task[None]] = set()
        bus.watch(self._on_event)

    # -- reading -------------------------------------------------------------

    @property
    def usable(self) -> bool:
        """Serving from the cache is correct only while invalidations can reach us."""
        return self.enabled and self.bus.connected

    def peek(self, key: str) -> Entry | None:
        """The hot path: this process's own entry, without awaiting anything."""
        entry = self.local.get(key)
        if entry is not None:
            self.stats["hits"] += 1
        return entry

    async def fetch(self, key: str, execute: Execute) -> CacheReply:
        """After a local miss: Redis, else one execution for all who ask at once."""
        flight = self._flights.get(key)
        if flight is not None:
            self.stats["coalesced"] += 1
            return await asyncio.shield(flight)
        flight = asyncio.get_running_loop().create_future()
        self._flights[key] = flight
        try:
            outcome = await self._fetch(key, execute)
        except BaseException as exc:
            flight.set_exception(exc)
            flight.exception()  # retrieved: no "never retrieved" warning without waiters
            raise
        else:
            flight.set_result(outcome)
            return outcome
        finally:
            del self._flights[key]

    async def _fetch(self, key: str, execute: Execute) -> CacheReply:
        entry = await self._remote_get(key)
        if entry is not None:
            self.stats["hits"] += 1
            self.stats["remoteHits"] += 1
            self.local.put(key, entry)
            return CacheReply(entry.body, entry, True)
        self.stats["misses"] += 1
        locked = await self._lock(key)
        try:
            if locked is False:
                entry = await self._await_remote(key)
                if entry is not None:
                    self.stats["hits"] += 1
                    self.stats["remoteHits"] += 1
                    self.local.put(key, entry)
                    return CacheReply(entry.body, entry, True)
            started = time.time()
            body, tags, storable = await execute()
            self.stats["executions"] += 1
            if not storable:
                return CacheReply(body, None, False)
            entry = Entry.of(body, tags, started, self.ttl)
            if self._fresh(entry):
                self.local.put(key, entry)
                await self._remote_put(key, entry)
            return CacheReply(body, entry, False)
        finally:
            if locked:
                await self._unlock(key)

    def _fresh(self, entry: Entry) -> bool:
        if entry.started <= self._floor or entry.expires <= time.time():
            return False
        return all(entry.started > self._invalidated.get(tag, 0.0) for tag in entry.tags)

    # -- invalidation --------------------------------------------------------

    def _on_event(self, event: Event) -> None:
        tags = tags_of(event)
        if tags is None or not self.enabled:
            return
        self.invalidate(tags)

    def invalidate(self, tags: frozenset[str]) -> None:
        """Now, in this process; in Redis on a background task."""
        now = time.time()
        for tag in tags:
            self._invalidated[tag] = now
            self._invalidated.move_to_end(tag)
        while len(self._invalidated) > 100_000:
            _tag, when = self._invalidated.popitem(last=False)
            self._floor = max(self._floor, when)
        self.stats["invalidations"] += 1
        self.stats["invalidatedEntries"] += self.local.drop_tags(tags)
        if self._redis is not None:
            task = asyncio.get_running_loop().create_task(self._remote_invalidate(tags))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    def purge(self, needles: list[str]) -> int:
        """Drop this process's entries that mention any of `needles` (a user's id, name,
        texts), as they appear in a JSON body; Redis's are purged by api/services/userdata."""
        forms = {form for n in needles if n for form in (n.encode(), json.dumps(n)[1:-1].encode())}
        return self.local.drop_mentioning(sorted(forms))

    # -- Redis ---------------------------------------------------------------

    def _redis_ready(self) -> bool:
        return self._redis is not None and time.monotonic() >= self._redis_down_until

    def _redis_failed(self, exc: Exception) -> None:
        self.stats["redisErrors"] += 1
        if time.monotonic() >= self._redis_down_until:
            name = type(exc).__name__
            logger.warning("cache: Redis failed (%s: %s); executing instead", name, exc)
        self._redis_down_until = time.monotonic() + REDIS_BACKOFF

    def _key(self, key: str) -> str:
        return f"{self.prefix}:entry:{key}"

    async def _remote_get(self, key: str) -> Entry | None:
        if not self._redis_ready():
            return None
        try:
            raw = await self._redis.get(self._key(key))
        except Exception as exc:
            self._redis_failed(exc)
            return None
        if raw is None:
            return None
        try:
            entry = Entry.unpack(raw, self.ttl)
        except (ValueError, KeyError, TypeError):
            return None
        return entry if self._fresh(entry) else None

    async def _remote_put(self, key: str, entry: Entry) -> None:
        if not self._redis_ready():
            return
        ttl_ms = int(self.ttl * 1000)
        try:
            async with self._redis.pipeline(transaction=False) as pipe:
                pipe.set(self._key(key), entry.pack(), px=ttl_ms)
                for tag in entry.tags:
                    pipe.sadd(f"{self.prefix}:tag:{tag}", self._key(key))
                    pipe.pexpire(f"{self.prefix}:tag:{tag}", ttl_ms * 2)
                await pipe.execute()
        except Exception as exc:
            self._redis_failed(exc)

    async def _remote_invalidate(self, tags: frozenset[str]) -> None:
        if self._redis is None:
            return
        try:
            await self._script(keys=[f"{self.prefix}:tag:{tag}" for tag in sorted(tags)])
        except Exception as exc:
            self._redis_failed(exc)

    async def _lock(self, key: str) -> bool | None:
        """True: ours; False: another process executes it; None: no Redis."""
        if not self._redis_ready():
            return None
        try:
            got = await self._redis.set(f"{self.prefix}:lock:{key}", b"1", nx=True, px=5000)
        except Exception as exc:
            self._redis_failed(exc)
            return None
        return bool(got)

    async def _unlock(self, key: str) -> None:
        with contextlib.suppress(Exception):
            await self._redis.delete(f"{self.prefix}:lock:{key}")

    async def _await_remote(self, key: str) -> Entry | None:
        deadline = time.monotonic() + FLIGHT_WAIT
        while time.monotonic() < deadline and self._redis_ready():
            await asyncio.sleep(0.005)
            entry = await self._remote_get(key)
            if entry is not None:
                return entry
            try:
                if not await self._redis.exists(f"{self.prefix}:lock:{key}"):
                    return await self._remote_get(key)
            except Exception as exc:
                self._redis_failed(exc)
        return None

    # -- lifecycle -----------------------------------------------------------

    async def start(self) -> None:
        # Whatever Redis holds from before this process listened may have missed an
        # invalidation this process never heard of: it is not trusted.
        self._floor = time.time()
        if not self.enabled or not self.redis_url:
            return
        from redis.asyncio import Redis

        self._redis = Redis.from_url(
            self.redis_url, socket_timeout=0.5, socket_connect_timeout=0.5, retry_on_timeout=False
        )
        self._script = self._redis.register_script(INVALIDATE)

    async def stop(self) -> None:
        for task in list(self._tasks):
            with contextlib.suppress(Exception):
                await asyncio.wait_for(task, 1.0)
        if self._redis is not None:
            with contextlib.suppress(Exception):
                await self._redis.aclose()
        self._redis = None

    def health(self) -> dict[str, object]:
        return {
            "enabled": self.enabled,
            "backend": "redis" if self.redis_url else "memory",
            "serving": self.usable,
            "hits": self.stats["hits"],
            "remoteHits": self.stats["remoteHits"],
            "misses": self.stats["misses"],
            "executions": self.stats["executions"],
            "coalesced": self.stats["coalesced"],
            "bypassed": self.stats["bypassed"],
            "invalidations": self.stats["invalidations"],
            "invalidatedEntries": self.stats["invalidatedEntries"],
            "entries": len(self.local),
            "bytes": self.local.bytes,
            "redisErrors": self.stats["redisErrors"],
        }
