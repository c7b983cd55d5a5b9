"""In-process delivery of live events: each subscriber's bounded queue, and the bus.

A subscriber that falls too far behind is cut off (`SubscriberLagging`) instead
of growing memory.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter, deque
from collections.abc import Callable
from types import TracebackType

from api.live.events import Event, Filter

logger = logging.getLogger("commentmod.events")


class SubscriberLagging(Exception):
    """The subscriber did not keep up; its queue was full and it was cut off."""

    def __init__(self, limit: int) -> None:
        super().__init__(
            f"subscriber fell behind: more than {limit} events waiting; reconnect and refetch"
        )
        self.limit = limit


class Subscriber:
    """One subscriber's bounded queue: an async iterator of the events its filter accepts.

    Use it as `async with bus.subscribe(f) as events: async for event in events`.
    Leaving the block (or `close()`) takes it off the bus at once.
    """

    def __init__(
        self,
        bus: EventBus,
        accepts: Filter | None,
        limit: int,
        on_lag: Callable[[Subscriber, SubscriberLagging], None] | None,
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

    def __aiter__(self) -> Subscriber:
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

    async def __aenter__(self) -> Subscriber:
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
        self._subscriptions: dict[Subscriber, None] = {}
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
        on_lag: Callable[[Subscriber, SubscriberLagging], None] | None = None,
    ) -> Subscriber:
        """Start receiving, from now on, the events that `accepts` (all when None)."""
        subscription = Subscriber(self, accepts, limit or self.queue_limit, on_lag)
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

    def _forget(self, subscription: Subscriber, *, lagging: bool = False) -> None:
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
