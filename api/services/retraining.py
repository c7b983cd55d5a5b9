"""Scheduled retraining: `learn` every COMMENTMOD_LEARN_EVERY seconds while the app runs.

The app's lifespan owns it (Runtime only builds and holds the parts). It runs only
when the learned scorer is active, the one scorer that retraining changes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from api.runtime import Runtime
from api.services.learn import learn

logger = logging.getLogger("commentmod")


async def _retrain_every(runtime: Runtime, every: float) -> None:
    while True:
        await asyncio.sleep(every)
        try:
            outcome = await learn(runtime)
            logger.info("scheduled learn: %s: %s", outcome.result.version, outcome.result.why)
            # Serve the new version now rather than at the runtime's next look.
            await asyncio.to_thread(runtime.refresh_learned)
        except Exception:
            logger.exception("scheduled learn failed")


@contextlib.asynccontextmanager
async def scheduled_retraining(runtime: Runtime) -> AsyncIterator[None]:
    """While inside, retrain on the configured schedule (if any); a started runtime."""
    every = runtime.settings.learn_every
    if not every or not hasattr(runtime.scorer.scorer, "reloaded"):
        yield
        return
    task = asyncio.create_task(_retrain_every(runtime, every), name="scheduled-learn")
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
