"""What one server process holds: settings, the database, the active scorer, the event bus."""

from __future__ import annotations

import asyncio
import logging
from collections import Counter

from api.events import EventBus, create_bus
from api.ratelimit import RateLimiter
from api.services.policy import PolicyCache
from api.settings import Settings
from models.database import Database, redact
from models.migrate import upgrade
from moderation.batcher import MicroBatcher
from moderation.language import warm_up
from moderation.scorers.registry import LoadedScorer, load_scorer

logger = logging.getLogger("commentmod")


class Runtime:
    def __init__(self, settings: Settings, *, scorer: LoadedScorer | None = None) -> None:
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
        self.limiter = RateLimiter(settings)
        # Events worth watching: scorer_unavailable, comments_created, ...
        self.counters: Counter[str] = Counter()
        self._loaded = scorer
        self._batcher: MicroBatcher | None = None

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
            )
        return self._batcher

    def use_scorer(self, loaded: LoadedScorer) -> None:
        self._loaded = loaded
        self._batcher = None

    async def start(self, *, migrate: bool = True) -> None:
        if migrate:
            await asyncio.to_thread(upgrade, self.settings.database_url)
        if self._loaded is None:
            # Loading a model is slow, blocking work: keep it off the event loop.
            self._loaded = await asyncio.to_thread(load_scorer, self.settings.scorer_options())
        await asyncio.to_thread(warm_up)
        await self.events.start()
        scorer = self._loaded.scorer
        logger.info("database: %s", redact(self.settings.database_url))
        logger.info("scorer: %s %s (%s)", scorer.name, scorer.version, self._loaded.why)

    async def stop(self) -> None:
        await self.events.stop()
        if self._batcher is not None:
            await self._batcher.close()
        # Remote scorers hold connections.
        close = getattr(self._loaded.scorer if self._loaded else None, "aclose", None)
        if close is not None:
            await close()
        await self.db.dispose()
