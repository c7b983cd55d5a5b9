"""The composition root: what one process holds, built from its configuration.

It builds and holds the parts (the database, the active scorer behind its
micro-batcher, the event bus, the caches, the rate limiter) and imports no service:
services take what they use from it, and the app's lifespan starts and stops it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import Counter

from api.http.config import Config
from api.http.ratelimit import RateLimiter
from api.live.bus import EventBus
from api.live.redisbus import create_bus
from api.readcache.policies import PolicyCache
from api.readcache.responsecache import ResponseCache
from models.database import Database, redact
from models.migrate import upgrade
from moderation.batcher import BatchListener, MicroBatcher
from moderation.language import warm_up
from moderation.scorers.registry import LoadedScorer, load_routed

logger = logging.getLogger("commentmod")

# How often a server using the learned scorer looks for a newly activated model version.
MODEL_POLL_SECONDS = 5.0


class Runtime:
    def __init__(self, settings: Config, *, scorer: LoadedScorer | None = None) -> None:
        self.settings = settings
        self.db = Database(
            settings.database_url,
            pool_size=settings.db_pool_size,
            max_overflow=settings.db_max_overflow,
            pool_timeout=settings.db_pool_timeout,
            connect_timeout=settings.db_connect_timeout,
            command_timeout=settings.db_command_timeout,
        )
        self.jwt_secret = settings.resolve_jwt_secret()
        self.policies = PolicyCache()
        # Live events (subscriptions, and whoever else listens): published after commits.
        self.events: EventBus = create_bus(
            settings.redis_url, settings.redis_channel, queue_limit=settings.subscriber_queue_size
        )
        # Public reads, served from their serialised responses; dropped by the events.
        self.cache = ResponseCache(
            self.events,
            enabled=settings.response_cache == "on",
            ttl=settings.response_cache_ttl,
            max_bytes=settings.response_cache_max_bytes,
            redis_url=settings.redis_url,
            prefix=settings.redis_prefix,
        )
        self.limiter = RateLimiter(settings)
        # Events worth watching: scorer_unavailable, comments_created, ...
        self.counters: Counter[str] = Counter()
        # Who watches every forward pass (api/observability: metrics, traces).
        self.batch_listeners: list[BatchListener] = []
        self._loaded = scorer
        self._batcher: MicroBatcher | None = None
        self._background: set[asyncio.Task[None]] = set()
        self._retired: list[MicroBatcher] = []

    @property
    def scorer(self) -> LoadedScorer:
        if self._loaded is None:
            raise RuntimeError("scorer not loaded; call Runtime.start() first")
        return self._loaded

    @property
    def scoring(self) -> MicroBatcher:
        """The active scorer behind the micro-batcher: what every caller scores through."""
        if self._batcher is None:
            self._batcher = MicroBatcher(
                self.scorer.scorer,
                max_batch=self.settings.scorer_max_batch,
                max_wait=self.settings.scorer_max_wait_ms / 1000,
                listeners=self.batch_listeners,
            )
        return self._batcher

    def use_scorer(self, loaded: LoadedScorer) -> None:
        self._loaded = loaded
        if self._batcher is not None:
            # Requests already queued on the old batcher still finish there, with the
            # version that scored them; it is closed on stop.
            self._retired.append(self._batcher)
        self._batcher = None

    def refresh_learned(self) -> bool:
        """Switch to the learned scorer's active model version if it changed on disk."""
        current = self._loaded.scorer if self._loaded else None
        reloaded = getattr(current, "reloaded", None)
        if reloaded is None:
            return False
        scorer = reloaded()
        if scorer is None:
            return False
        logger.info("scorer: learned model version %s is now active", scorer.version)
        self.use_scorer(LoadedScorer(scorer, f"learned: active version {scorer.version}"))
        return True

    async def _watch_models(self) -> None:
        """Follow `models activate` / `learn` from other processes."""
        while True:
            await asyncio.sleep(MODEL_POLL_SECONDS)
            try:
                await asyncio.to_thread(self.refresh_learned)
            except Exception:
                logger.exception("learned scorer: refreshing the model version failed")

    async def start(self, *, migrate: bool = True) -> None:
        if migrate:
            await asyncio.to_thread(upgrade, self.settings.database_url)
        if self._loaded is None:
            # Loading a model is slow, blocking work: keep it off the event loop.
            self._loaded = await asyncio.to_thread(load_routed, self.settings.scorer_options())
        await asyncio.to_thread(warm_up)
        await self.events.start()
        await self.cache.start()
        scorer = self._loaded.scorer
        logger.info("database: %s", redact(self.settings.database_url))
        logger.info("scorer: %s %s (%s)", scorer.name, scorer.version, self._loaded.why)
        if hasattr(scorer, "reloaded"):
            task = asyncio.create_task(self._watch_models(), name="learned-models")
            self._background.add(task)

    async def stop(self) -> None:
        for task in self._background:
            task.cancel()
        for task in self._background:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._background.clear()
        for batcher in [*self._retired, self._batcher]:
            if batcher is not None:
                await batcher.close()
        self._retired.clear()
        await self.cache.stop()
        await self.events.stop()
        # Remote scorers hold connections.
        close = getattr(self._loaded.scorer if self._loaded else None, "aclose", None)
        if close is not None:
            await close()
        await self.db.dispose()
