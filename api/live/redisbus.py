"""The Redis-backed bus: local delivery plus one pub/sub channel shared by every process."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import uuid
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from api.live.bus import EventBus
from api.live.events import DeliveryGap, Event, decode, encode

logger = logging.getLogger("commentmod.events")


def redact_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{parts.username or ''}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


class RedisEventBus(EventBus):
    """Local delivery plus one Redis pub/sub channel shared by every process.

    A process delivers its own events at once and skips them when they come
    back through Redis (each message names its origin). Publishing to Redis
    happens on a background task, so a write never waits on Redis nor fails
    because of it.
    """

    backend = "redis"

    def __init__(
        self,
        url: str,
        channel: str,
        *,
        queue_limit: int = 256,
        outbox_limit: int = 10_000,
        backoff: tuple[float, float] = (0.1, 5.0),
        startup_wait: float = 2.0,
    ) -> None:
        super().__init__(queue_limit=queue_limit)
        self.url = url
        self.channel = channel
        self.origin = uuid.uuid4().hex
        self.outbox_limit = outbox_limit
        self.backoff = backoff
        self.startup_wait = startup_wait
        self._connected = False
        self._listening = asyncio.Event()
        self._outbox: asyncio.Queue[str] | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._publisher: Any = None
        self._listener: Any = None

    @property
    def connected(self) -> bool:
        return self._connected

    def _client(self, retries: int) -> Any:
        from redis.asyncio import Redis
        from redis.asyncio.retry import Retry
        from redis.backoff import ExponentialBackoff

        return Redis.from_url(
            self.url,
            retry=Retry(ExponentialBackoff(cap=1.0, base=0.05), retries),
            socket_connect_timeout=2,
            socket_keepalive=True,
            health_check_interval=10,
            client_name=f"commentmod-{self.origin[:8]}",
        )

    async def start(self, *, listen: bool = True) -> None:
        if self._tasks:
            return
        self._outbox = asyncio.Queue(maxsize=self.outbox_limit)
        self._publisher = self._client(retries=2)
        self._tasks.append(asyncio.create_task(self._publish_loop(), name="events-publisher"))
        if not listen:
            return
        # No retries inside redis-py: this loop notices every loss and says so.
        self._listener = self._client(retries=0)
        self._tasks.append(asyncio.create_task(self._listen_loop(), name="events-listener"))
        try:
            await asyncio.wait_for(self._listening.wait(), self.startup_wait)
        except TimeoutError:
            logger.warning(
                "events: Redis at %s is not reachable yet; retrying in the background",
                redact_url(self.url),
            )
        else:
            url = redact_url(self.url)
            logger.info("events: Redis pub/sub on %s, channel %s", url, self.channel)

    def _forward(self, event: Event) -> None:
        if self._outbox is None:
            logger.debug("events: bus not started; %r not forwarded", event)
            return
        try:
            self._outbox.put_nowait(encode(event, self.origin))
        except asyncio.QueueFull:
            self.stats["forward_dropped"] += 1
            logger.warning("events: Redis outbox full; an event was not forwarded")

    async def _publish_loop(self) -> None:
        assert self._outbox is not None
        failing = False
        while True:
            message = await self._outbox.get()
            try:
                await self._publisher.publish(self.channel, message)
                if failing:
                    logger.info("events: publishing to Redis again")
                failing = False
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self.stats["forward_failures"] += 1
                if not failing:
                    logger.warning("events: cannot publish to Redis (%s); event dropped", exc)
                failing = True
            finally:
                self._outbox.task_done()

    async def _listen_loop(self) -> None:
        delay = self.backoff[0]
        lost = False
        while True:
            pubsub = self._listener.pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.subscribe(self.channel)
                self._connected = True
                self._listening.set()
                if lost:
                    self.stats["reconnects"] += 1
                    logger.info("events: Redis connection re-established")
                    self.deliver(DeliveryGap("the Redis connection was re-established"))
                lost = False
                delay = self.backoff[0]
                while True:
                    message = await pubsub.get_message(timeout=1.0)
                    if message is not None and message.get("type") == "message":
                        self._received(message["data"])
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self._connected = False
                lost = True
                wait = delay * (0.5 + random.random())
                logger.warning(
                    "events: Redis connection lost (%s: %s); retrying in %.1fs",
                    type(exc).__name__,
                    exc,
                    wait,
                )
                await asyncio.sleep(wait)
                delay = min(delay * 2, self.backoff[1])
            finally:
                self._connected = False
                with contextlib.suppress(Exception):
                    await asyncio.shield(pubsub.aclose())

    def _received(self, data: bytes | str) -> None:
        try:
            origin, event = decode(data)
        except ValueError as exc:
            logger.warning("events: ignored a message on %s: %s", self.channel, exc)
            return
        if origin == self.origin:
            return
        self.stats["received"] += 1
        self.deliver(event)

    async def stop(self) -> None:
        if self._outbox is not None:
            # Forward what is already queued (a CLI command exits right after its write).
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._outbox.join(), 2.0)
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()
        for client in (self._listener, self._publisher):
            if client is not None:
                with contextlib.suppress(Exception):
                    await client.aclose()
        self._listener = self._publisher = None
        self._outbox = None
        self._listening.clear()
        await super().stop()

    def health(self) -> dict[str, object]:
        return {
            **super().health(),
            "channel": self.channel,
            "reconnects": self.stats["reconnects"],
            "forwardFailures": self.stats["forward_failures"],
        }


def create_bus(redis_url: str | None, channel: str, *, queue_limit: int = 256) -> EventBus:
    """Redis-backed when a URL is given, else in-process only."""
    if redis_url:
        return RedisEventBus(redis_url, channel, queue_limit=queue_limit)
    return EventBus(queue_limit=queue_limit)
