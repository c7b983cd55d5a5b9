"""The event bus: delivery, bounded queues, the wire form, and Redis across buses."""

from __future__ import annotations

import asyncio
import os
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from api.live.bus import EventBus, Subscriber, SubscriberLagging
from api.live.events import (
    ArticleChanged,
    CommentRemoved,
    CommentStatusChanged,
    CommentVisible,
    DeliveryGap,
    Event,
    QueueChanged,
    QueueKind,
    decode,
    encode,
)
from api.live.redisbus import RedisEventBus
from tests.support.constants import (
    REDIS_URL,
    needs_redis,
)


def drain(subscription: Subscriber) -> list[Event]:
    """What is queued right now, without waiting."""
    events = []
    while subscription.pending:
        events.append(subscription._queue.popleft())
    return events


# The bus on its own.


async def test_subscribers_get_what_their_filter_accepts_in_order() -> None:
    bus = EventBus()
    everything = bus.subscribe()
    one_article = bus.subscribe(lambda e: getattr(e, "article_id", None) == 1)
    bus.publish(CommentVisible(1, 10))
    bus.publish(ArticleChanged(2))
    bus.publish(CommentRemoved(1, 10))
    assert drain(everything) == [CommentVisible(1, 10), ArticleChanged(2), CommentRemoved(1, 10)]
    assert drain(one_article) == [CommentVisible(1, 10), CommentRemoved(1, 10)]


async def test_iterating_waits_for_events_and_ends_when_closed() -> None:
    bus = EventBus()
    received: list[Event] = []

    async def consume() -> None:
        async with bus.subscribe() as events:
            async for event in events:
                received.append(event)
                if len(received) == 2:
                    break

    task = asyncio.create_task(consume())
    await asyncio.sleep(0)
    assert bus.subscriber_count == 1
    bus.publish(ArticleChanged(1))
    bus.publish(ArticleChanged(2))
    await asyncio.wait_for(task, 1)
    assert received == [ArticleChanged(1), ArticleChanged(2)]
    assert bus.subscriber_count == 0

    # stop() ends every subscription; consumers leave their loops.
    events = bus.subscribe()
    waiter = asyncio.create_task(anext(aiter(events), None))
    await asyncio.sleep(0)
    await bus.stop()
    assert await asyncio.wait_for(waiter, 1) is None
    assert bus.subscriber_count == 0


async def test_a_subscriber_that_falls_behind_is_cut_off_not_grown() -> None:
    bus = EventBus(queue_limit=3)
    lagged: list[SubscriberLagging] = []
    slow = bus.subscribe(on_lag=lambda _s, error: lagged.append(error))
    fast = bus.subscribe()
    for n in range(5):
        bus.publish(ArticleChanged(n))
        drain(fast)
    assert slow.lagging and slow.pending == 0
    assert len(lagged) == 1 and "fell behind: more than 3 events" in str(lagged[0])
    with pytest.raises(SubscriberLagging):
        await anext(slow)
    assert bus.subscriber_count == 1  # the fast one stays
    assert bus.health()["laggingDisconnects"] == 1


async def test_a_failing_filter_does_not_stop_delivery_to_others() -> None:
    bus = EventBus()
    bus.subscribe(lambda _e: 1 / 0 > 0)
    ok = bus.subscribe()
    bus.publish(ArticleChanged(1))
    assert drain(ok) == [ArticleChanged(1)]


def test_events_round_trip_through_their_wire_form() -> None:
    for event in (
        CommentVisible(1, 2),
        CommentRemoved(1, 2),
        QueueChanged(QueueKind.ENTERED, "PENDING", 1, 2),
        CommentStatusChanged("ann", 1, 2, "REJECTED"),
        ArticleChanged(7),
    ):
        assert decode(encode(event, "me")) == ("me", event)
    decoded = decode(encode(QueueChanged(QueueKind.LEFT, "REPORTED", 1, 2), "x"))[1]
    assert isinstance(decoded, QueueChanged) and decoded.kind is QueueKind.LEFT
    for bad in (
        "nope",
        '{"origin": "x", "type": "Unknown", "event": {}}',
        '{"origin": "x", "type": "ArticleChanged", "event": {}}',
        '{"origin": "x", "type": "ArticleChanged", "event": {"article_id": "1; DROP"}}',
    ):
        with pytest.raises(ValueError):
            decode(bad)


# Through Redis, between buses that stand for separate processes.


@pytest.fixture
def channel() -> str:
    # A channel of its own per test, so that parallel runs never hear each other.
    return f"commentmod-test-{uuid.uuid4().hex}:events"


@pytest.fixture
async def redis_client() -> AsyncIterator[Any]:
    from redis.asyncio import Redis

    client = Redis.from_url(REDIS_URL)
    yield client
    await client.aclose()


async def next_event(subscription: Subscriber, timeout: float = 2.0) -> Event:
    return await asyncio.wait_for(anext(subscription), timeout)


async def numsub(client: Any, channel: str) -> int:
    return int(dict(await client.pubsub_numsub(channel))[channel.encode()])


@needs_redis
async def test_events_reach_every_bus_sharing_the_channel_once(
    channel: str, redis_client: Any
) -> None:
    a, b = RedisEventBus(REDIS_URL, channel), RedisEventBus(REDIS_URL, channel)
    await a.start()
    await b.start()
    try:
        assert await numsub(redis_client, channel) == 2  # one connection per process
        on_a, on_b = a.subscribe(), b.subscribe()
        a.subscribe()  # more local subscribers share that connection
        assert await numsub(redis_client, channel) == 2
        a.publish(CommentVisible(1, 2))
        assert await next_event(on_a) == CommentVisible(1, 2)
        assert await next_event(on_b) == CommentVisible(1, 2)
        b.publish(QueueChanged(QueueKind.ENTERED, "PENDING", 1, 3))
        assert await next_event(on_a) == QueueChanged(QueueKind.ENTERED, "PENDING", 1, 3)
        assert await next_event(on_b) == QueueChanged(QueueKind.ENTERED, "PENDING", 1, 3)
        await asyncio.sleep(0.1)
        # Nobody hears an event twice (its own coming back through Redis is skipped).
        assert on_a.pending == 0 and on_b.pending == 0
        assert a.health()["connected"] is True
    finally:
        await a.stop()
        await b.stop()
    # Stopped: no Redis subscription and no connection left behind.
    assert await numsub(redis_client, channel) == 0
    names = [c.get("name", "") for c in await redis_client.client_list()]
    assert not any(name.startswith(f"commentmod-{x.origin[:8]}") for x in (a, b) for name in names)


@needs_redis
async def test_subscriptions_survive_a_lost_redis_connection(
    channel: str, redis_client: Any
) -> None:
    listener = RedisEventBus(REDIS_URL, channel, backoff=(0.05, 0.2))
    sender = RedisEventBus(REDIS_URL, channel)
    await listener.start()
    await sender.start(listen=False)
    try:
        events = listener.subscribe()
        sender.publish(ArticleChanged(1))
        assert await next_event(events) == ArticleChanged(1)

        # Kill the listener's pub/sub connection, as a Redis restart would.
        name = f"commentmod-{listener.origin[:8]}"
        for client in await redis_client.client_list():
            if client.get("name") == name and int(client.get("sub", 0)) > 0:
                await redis_client.client_kill_filter(_id=client["id"])
        gap = await next_event(events, timeout=5)
        assert isinstance(gap, DeliveryGap)  # told that events may have been missed
        assert listener.stats["reconnects"] == 1 and listener.connected

        sender.publish(ArticleChanged(2))
        assert await next_event(events) == ArticleChanged(2)
        assert listener.subscriber_count == 1
    finally:
        await listener.stop()
        await sender.stop()


async def test_an_unreachable_redis_never_fails_a_write_and_local_delivery_goes_on() -> None:
    bus = RedisEventBus("redis://127.0.0.1:1/0", "nowhere:events", startup_wait=0.2)
    await bus.start()
    try:
        local = bus.subscribe()
        bus.publish(ArticleChanged(1))  # does not raise, does not wait
        assert await next_event(local) == ArticleChanged(1)
        assert not bus.connected
    finally:
        await bus.stop()


@needs_redis
async def test_the_command_line_tells_running_servers_through_redis(
    channel: str, tmp_path: Path
) -> None:
    """`commentmod import-articles` in another process: the servers' bus hears of it."""
    listener = RedisEventBus(REDIS_URL, channel)
    await listener.start()
    try:
        events = listener.subscribe()
        (tmp_path / "story.txt").write_text("A title\n\nThe body.\n")
        env = {k: v for k, v in os.environ.items() if not k.startswith("COMMENTMOD_")}
        env.update(
            COMMENTMOD_DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path}/cli.db",
            COMMENTMOD_REDIS_URL=REDIS_URL,
            COMMENTMOD_REDIS_PREFIX=channel.removesuffix(":events"),
        )
        done = await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            "from api.cli.main import main; main()",
            "import-articles",
            str(tmp_path / "story.txt"),
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        output, _ = await asyncio.wait_for(done.communicate(), 120)
        assert done.returncode == 0, output
        assert await next_event(events) == ArticleChanged(1)
    finally:
        await listener.stop()
