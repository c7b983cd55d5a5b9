"""Live events: what changed, named by ids, for whoever listens.

Service functions publish an event after their transaction commits (never
before, so a rolled-back write publishes nothing). Subscribers take events
through a filter into a bounded queue of their own; one that falls too far
behind is cut off (`SubscriberLagging`) instead of growing memory.

`EventBus` delivers within this process. `RedisEventBus` also forwards every
event through one Redis pub/sub channel, so that every `commentmod serve`
process behind a load balancer delivers it to its own subscribers. Events carry
ids only: each process loads what it sends under its own rules. A lost Redis
connection is re-established with backoff and subscriptions survive it; events
published while it was down may be missed, and subscribers are told so with a
local `DeliveryGap` event (which they may ignore).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
import uuid
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import asdict, dataclass, fields
from enum import StrEnum
from types import TracebackType
from typing import Any, ClassVar
from urllib.parse import urlsplit, urlunsplit

logger = logging.getLogger("commentmod.events")


class Event:
    """Base of every event; subclasses are frozen dataclasses of ids and names."""

    # Local events are delivered in this process only, never forwarded.
    local: ClassVar[bool] = False


@dataclass(frozen=True)
class CommentVisible(Event):
    """A comment became visible to everyone: created APPROVED, or approved later."""

    article_id: int
    comment_id: int


@dataclass(frozen=True)
class CommentRemoved(Event):
    """A comment that was visible is not any more (rejected, or held by a rescore)."""

    article_id: int
    comment_id: int


class QueueKind(StrEnum):
    ENTERED = "ENTERED"
    LEFT = "LEFT"


@dataclass(frozen=True)
class QueueChanged(Event):
    """A comment entered or left a moderation queue (PENDING, REPORTED, REJECTED, APPROVED)."""

    kind: QueueKind
    queue: str
    article_id: int
    comment_id: int


@dataclass(frozen=True)
class CommentStatusChanged(Event):
    """A comment's status changed after it was created (a moderator's decision or a rescore)."""

    author_id: str
    article_id: int
    comment_id: int
    status: str


@dataclass(frozen=True)
class ArticleChanged(Event):
    """An article's own fields changed (created, edited, opened or closed, its moderation)."""

    article_id: int


@dataclass(frozen=True)
class SettingsChanged(Event):
    """The site's moderation settings changed (a new version was saved)."""

    version: int


@dataclass(frozen=True)
class DeliveryGap(Event):
    """Events may have been missed (e.g. the Redis connection was down); local only."""

    local: ClassVar[bool] = True
    reason: str


EVENT_TYPES: dict[str, type[Event]] = {
    cls.__name__: cls
    for cls in (
        CommentVisible,
        CommentRemoved,
        QueueChanged,
        CommentStatusChanged,
        ArticleChanged,
        SettingsChanged,
    )
}
_FIELD_TYPES: dict[str, Callable[[Any], Any]] = {"int": int, "str": str, "QueueKind": QueueKind}


def encode(event: Event, origin: str) -> str:
    assert isinstance(event, tuple(EVENT_TYPES.values())), event
    body = asdict(event)  # type: ignore[call-overload]
    return json.dumps({"origin": origin, "type": type(event).__name__, "event": body})


def decode(raw: str | bytes) -> tuple[str, Event]:
    """(origin, event) of a forwarded message; ValueError when it is not one."""
    try:
        message = json.loads(raw)
        cls = EVENT_TYPES[message["type"]]
        body = message["event"]
        values: dict[str, Any] = {}
        for f in fields(cls):  # type: ignore[arg-type]
            value = body[f.name]
            convert = _FIELD_TYPES[str(f.type)]
            if convert in (int, str) and not isinstance(value, convert):
                raise TypeError(f"{f.name} must be {f.type}")
            values[f.name] = convert(value)
        return str(message["origin"]), cls(**values)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ValueError(f"not an event: {exc}") from None


Filter = Callable[[Event], bool]


class SubscriberLagging(Exception):
    """The subscriber did not keep up; its queue was full and it was cut off."""

    def __init__(self, limit: int) -> None:
        super().__init__(
            f"subscriber fell behind: more than {limit} events waiting; reconnect and refetch"
        )
        self.limit = limit


class Subscription:
    """One subscriber's bounded queue: an async iterator of the events its filter accepts.

    Use it as `async with bus.subscribe(f) as events: async for event in events`.
    Leaving the block (or `close()`) takes it off the bus at once.
    """

    def __init__(
        self,
        bus: EventBus,
        accepts: Filter | None,
        limit: int,
        on_lag: Callable[[Subscription, SubscriberLagging], None] | None,
    ) -> None:
        self._bus = bus
        self._accepts = accepts
        self.limit = limit
        self._on_lag = on_lag
        self._queue: deque[Event] = deque()
        self._wakeup = asyncio.Event()
        self.lagging = False
        self.closed = False

    @property
    def pending(self) -> int:
        return len(self._queue)

    def offer(self, event: Event) -> None:
        """Queue the event if the filter accepts it (called by the bus, never blocks)."""
        if self.closed:
            return
        try:
            if self._accepts is not None and not self._accepts(event):
                return
        except Exception:
            logger.exception("event filter failed on %r", event)
            return
        if len(self._queue) >= self.limit:
            self._lag()
            return
        self._queue.append(event)
        self._wakeup.set()

    def _lag(self) -> None:
        self.lagging = True
        self._queue.clear()
        self._bus._forget(self, lagging=True)
        self.closed = True
        self._wakeup.set()
        if self._on_lag is not None:
            try:
                self._on_lag(self, SubscriberLagging(self.limit))
            except Exception:
                logger.exception("on_lag callback failed")

    def __aiter__(self) -> Subscription:
        return self

    async def __anext__(self) -> Event:
        while True:
            if self.lagging:
                raise SubscriberLagging(self.limit)
            if self._queue:
                return self._queue.popleft()
            if self.closed:
                raise StopAsyncIteration
            self._wakeup.clear()
            await self._wakeup.wait()

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self._bus._forget(self)
        self._wakeup.set()

    async def aclose(self) -> None:
        self.close()

    async def __aenter__(self) -> Subscription:
        return self

    async def __aexit__(
        self,
        _type: type[BaseException] | None,
        _value: BaseException | None,
        _traceback: TracebackType | None,
    ) -> None:
        self.close()


class EventBus:
    """In-process delivery: publish() hands the event to every matching subscriber now."""

    backend = "memory"

    def __init__(self, *, queue_limit: int = 256) -> None:
        self.queue_limit = queue_limit
        # A dict, so that delivery follows subscription order.
        self._subscriptions: dict[Subscription, None] = {}
        self._watchers: list[Callable[[Event], None]] = []
        self.stats: Counter[str] = Counter()

    @property
    def subscriber_count(self) -> int:
        return len(self._subscriptions)

    @property
    def connected(self) -> bool:
        return True

    def subscribe(
        self,
        accepts: Filter | None = None,
        *,
        limit: int | None = None,
        on_lag: Callable[[Subscription, SubscriberLagging], None] | None = None,
    ) -> Subscription:
        """Start receiving, from now on, the events that `accepts` (all when None)."""
        subscription = Subscription(self, accepts, limit or self.queue_limit, on_lag)
        self._subscriptions[subscription] = None
        return subscription

    def watch(self, callback: Callable[[Event], None]) -> None:
        """Call `callback` with every event delivered here, synchronously, before any
        subscriber sees it (the response cache: stale entries go before anyone reads)."""
        self._watchers.append(callback)

    def publish(self, event: Event) -> None:
        """Deliver here and forward to the other processes. Call it after the commit."""
        self.stats["published"] += 1
        self.deliver(event)
        if not event.local:
            self._forward(event)

    def publish_all(self, events: list[Event]) -> None:
        for event in events:
            self.publish(event)

    def deliver(self, event: Event) -> None:
        """Hand an event to this process's watchers and subscribers only."""
        for watcher in self._watchers:
            try:
                watcher(event)
            except Exception:
                logger.exception("event watcher failed on %r", event)
        for subscription in list(self._subscriptions):
            subscription.offer(event)

    def _forward(self, event: Event) -> None:
        return None

    def _forget(self, subscription: Subscription, *, lagging: bool = False) -> None:
        if subscription not in self._subscriptions:
            return
        del self._subscriptions[subscription]
        if lagging:
            self.stats["lagging_disconnects"] += 1
            logger.warning(
                "a subscriber fell behind (%d events waiting) and was cut off", subscription.limit
            )

    async def start(self, *, listen: bool = True) -> None:
        return None

    async def stop(self) -> None:
        for subscription in list(self._subscriptions):
            subscription.close()

    def health(self) -> dict[str, object]:
        return {
            "backend": self.backend,
            "connected": self.connected,
            "subscribers": self.subscriber_count,
            "published": self.stats["published"],
            "laggingDisconnects": self.stats["lagging_disconnects"],
        }


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
