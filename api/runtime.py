"""What one server process holds: settings, the database, the active scorer."""

from __future__ import annotations

import asyncio
import logging

from api.settings import Settings
from models.database import Database, redact
from models.migrate import upgrade
from moderation.policy import Policy
from moderation.scorers.registry import LoadedScorer, load_scorer

logger = logging.getLogger("commentmod")


class Runtime:
    def __init__(self, settings: Settings, *, scorer: LoadedScorer | None = None) -> None:
        self.settings = settings
        self.db = Database(settings.database_url, pool_size=settings.db_pool_size)
        self.jwt_secret = settings.resolve_jwt_secret()
        self._scorer = scorer

    @property
    def scorer(self) -> LoadedScorer:
        if self._scorer is None:
            raise RuntimeError("scorer not loaded; call Runtime.start() first")
        return self._scorer

    def policy(self) -> Policy:
        return Policy(hold_threshold=self.settings.hold_threshold)

    async def start(self, *, migrate: bool = True) -> None:
        if migrate:
            await asyncio.to_thread(upgrade, self.settings.database_url)
        if self._scorer is None:
            # Loading a model is slow, blocking work: keep it off the event loop.
            self._scorer = await asyncio.to_thread(load_scorer, self.settings.scorer)
        scorer = self._scorer.scorer
        logger.info("database: %s", redact(self.settings.database_url))
        logger.info("scorer: %s %s (%s)", scorer.name, scorer.version, self._scorer.why)

    async def stop(self) -> None:
        await self.db.dispose()
