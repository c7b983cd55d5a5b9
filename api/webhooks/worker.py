"""The delivery worker: claims due outbox rows, POSTs them signed, records the outcome.

One per process, started by the app's lifespan (`delivering`). Work is shared through
the database, not through the process: a claim moves a row's `next_attempt_at` past a
lease (PostgreSQL: FOR UPDATE SKIP LOCKED, so `serve --workers N` never claims a row
twice), and only a 2xx answer marks it DELIVERED. A worker that dies between claim and
acknowledgement leaves the row PENDING; it is due again when the lease runs out, and is
sent again with the same event id (receivers deduplicate by it: at-least-once delivery).
Nothing here runs inside a request, so a slow or dead endpoint never slows one.

An endpoint that fails is paused in this worker (a circuit breaker): its other due
deliveries are not tried one by one, which during an outage would be a stream of
doomed attempts (and database writes) competing with requests for the process. After
the pause (backoff, doubling with each failure in a row) one batch probes it again;
a success ends the pause. Deliveries not tried meanwhile keep their attempt count.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
from sqlalchemy import update
from sqlmodel import col

from api.observability import metrics
from api.runtime import Runtime
from api.webhooks import signature
from models.queries import webhooks as queries
from models.tables import (
    WEBHOOK_DELIVERED,
    WEBHOOK_FAILED,
    WEBHOOK_PENDING,
    WebhookDelivery,
    WebhookEndpoint,
    utcnow,
)

logger = logging.getLogger("commentmod.webhooks")

MAX_ERROR = 2000


def event_body(delivery: WebhookDelivery) -> bytes:
    """What is POSTed: the event's id (as in the header), kind, time and data."""
    document = {
        "id": delivery.event_id,
        "kind": delivery.kind,
        "createdAt": delivery.created_at.isoformat(),
        "data": delivery.payload,
    }
    return json.dumps(document, separators=(",", ":"), sort_keys=True).encode()


def backoff(attempts: int, base: float, ceiling: float) -> float:
    """Seconds before attempt `attempts + 1`: exponential, with jitter in its upper half
    so that the retries of many deliveries that failed together spread out."""
    delay = min(ceiling, base * 2 ** max(0, attempts - 1))
    return random.uniform(delay / 2, delay)


@dataclass
class Outcome:
    ok: bool
    status_code: int | None = None
    error: str | None = None


class Worker:
    def __init__(self, runtime: Runtime, client: httpx.AsyncClient | None = None) -> None:
        self.runtime = runtime
        self.settings = runtime.settings
        self._client = client or httpx.AsyncClient(
            timeout=httpx.Timeout(self.settings.webhook_timeout),
            follow_redirects=False,
            headers={"User-Agent": "commentmod-webhooks"},
        )
        self._owns_client = client is None
        self._wake = asyncio.Event()
        # Endpoint id -> (failures in a row, monotonic time its pause ends).
        self._paused: dict[int, tuple[int, float]] = {}

    def wake(self) -> None:
        """Look at the outbox now rather than after the poll interval."""
        self._wake.set()

    async def aclose(self) -> None:
        if self._owns_client:
            await self._client.aclose()

    async def run(self) -> None:
        while True:
            try:
                handled = await self.run_once()
            except Exception:
                # The database away, say: try again after the interval.
                logger.exception("webhooks: delivering the outbox failed")
                handled = 0
            if handled:
                continue
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.settings.webhook_poll_interval)

    async def run_once(self) -> int:
        """Claim one batch of due deliveries and send them; how many were sent."""
        db = self.runtime.db
        now = time.monotonic()
        skip = sorted(e for e, (_n, until) in self._paused.items() if until > now)
        async with db.read() as session:
            if self.settings.metrics_enabled:
                metrics.outbox_pending(await queries.pending_count(session))
            if not await queries.any_due(session, skip):
                return 0
        lease = utcnow() + timedelta(seconds=self.settings.webhook_lease_seconds)
        async with db.write() as session:
            claimed = await queries.claim(session, self.settings.webhook_concurrency, lease, skip)
            if not claimed:
                return 0
            ids = sorted({d.endpoint_id for d in claimed})
            endpoints = {e.id: e for e in await queries.endpoints(session, ids)}
        try:
            outcomes = await asyncio.gather(
                *(self._send(d, endpoints[d.endpoint_id]) for d in claimed)
            )
            self._pause_failing(claimed, outcomes)
            async with db.write() as session:
                done_at = utcnow()
                for delivery, outcome in zip(claimed, outcomes, strict=True):
                    values = self._record(delivery, outcome, done_at)
                    # Only while it is still ours: a row whose lease ran out meanwhile may
                    # have gone out again from another worker; first acknowledgement wins.
                    await session.exec(
                        update(WebhookDelivery)  # type: ignore[call-overload]
                        .where(col(WebhookDelivery.id) == delivery.id)
                        .where(col(WebhookDelivery.status) == WEBHOOK_PENDING)
                        .values(**values)
                    )
        except asyncio.CancelledError:
            # Stopping mid-batch (a restart, a deploy): hand the claims back now, so the
            # next worker sends them at once instead of after the lease (a minute). Any
            # that did go out are sent again with the same event id: at-least-once.
            await self._release(claimed, lease)
            raise
        return len(claimed)

    async def _release(self, claimed: list[WebhookDelivery], lease: datetime) -> None:
        try:
            async with self.runtime.db.write() as session:
                await session.exec(
                    update(WebhookDelivery)  # type: ignore[call-overload]
                    .where(col(WebhookDelivery.id).in_([d.id for d in claimed]))
                    .where(col(WebhookDelivery.status) == WEBHOOK_PENDING)
                    .where(col(WebhookDelivery.next_attempt_at) == lease)
                    .values(next_attempt_at=utcnow())
                )
        except Exception:
            # The lease still ends on its own; nothing is lost, only delayed.
            logger.exception("webhooks: handing back %d claimed deliveries failed", len(claimed))

    def _pause_failing(self, claimed: list[WebhookDelivery], outcomes: list[Outcome]) -> None:
        failed = {d.endpoint_id for d, o in zip(claimed, outcomes, strict=True) if not o.ok}
        succeeded = {d.endpoint_id for d, o in zip(claimed, outcomes, strict=True) if o.ok}
        for endpoint_id in succeeded - failed:
            self._paused.pop(endpoint_id, None)
        for endpoint_id in failed - succeeded:
            failures = self._paused.get(endpoint_id, (0, 0.0))[0] + 1
            delay = backoff(
                failures, self.settings.webhook_backoff_base, self.settings.webhook_backoff_max
            )
            self._paused[endpoint_id] = (failures, time.monotonic() + delay)

    def _record(
        self, delivery: WebhookDelivery, outcome: Outcome, now: datetime
    ) -> dict[str, object]:
        values: dict[str, object] = {"last_status_code": outcome.status_code}
        if outcome.ok:
            values.update(status=WEBHOOK_DELIVERED, delivered_at=now, last_error=None)
            return values
        values["last_error"] = (outcome.error or "")[:MAX_ERROR]
        if delivery.attempts >= self.settings.webhook_max_attempts:
            values["status"] = WEBHOOK_FAILED
            logger.warning(
                "webhooks: gave up on event %s to endpoint %s after %d attempts: %s",
                delivery.event_id,
                delivery.endpoint_id,
                delivery.attempts,
                outcome.error,
            )
        else:
            delay = backoff(
                delivery.attempts,
                self.settings.webhook_backoff_base,
                self.settings.webhook_backoff_max,
            )
            values["next_attempt_at"] = now + timedelta(seconds=delay)
        return values

    async def _send(self, delivery: WebhookDelivery, endpoint: WebhookEndpoint) -> Outcome:
        body = event_body(delivery)
        headers = signature.headers(endpoint.secret, delivery.event_id, body)
        try:
            response = await self._client.post(endpoint.url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            return Outcome(False, None, f"{type(exc).__name__}: {exc}".strip())
        if 200 <= response.status_code < 300:
            return Outcome(True, response.status_code)
        return Outcome(False, response.status_code, f"HTTP {response.status_code}")


@contextlib.asynccontextmanager
async def delivering(runtime: Runtime) -> AsyncIterator[Worker | None]:
    """While inside, this process delivers the outbox (unless COMMENTMOD_WEBHOOKS=off)."""
    if runtime.settings.webhooks != "on":
        yield None
        return
    worker = Worker(runtime)
    task = asyncio.create_task(worker.run(), name="webhook-worker")
    try:
        yield worker
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await worker.aclose()
