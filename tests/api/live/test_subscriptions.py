"""GraphQL subscriptions over graphql-transport-ws, against a real server in this process."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
import websockets
from gql.transport.exceptions import TransportQueryError

from api.graphql.ids import decode_id
from api.graphql.view import LiveConnection
from api.http.config import Config
from api.live.events import CommentVisible
from api.runtime import Runtime
from tests.support.client import make_settings
from tests.support.constants import APPROVE, CLEAN, REJECT, TOXIC
from tests.support.live import Feed, Server, Socket, eventually, serve, session

ADDED = """subscription($a: ID!) { commentAdded(articleId: $a) {
  id body status author { id } parent { id body } article { slug } moderation { model } } }"""
REMOVED = "subscription($a: ID!) { commentRemoved(articleId: $a) }"
QUEUE = """subscription($q: ModerationQueue!, $a: ID) { moderationQueueChanged(queue: $q, articleId: $a) {
  kind queue comment { id status body moderation { reasons { code } } } } }"""
MINE = "subscription { myCommentStatusChanged { id status version } }"


@pytest.fixture
def settings(database_url: str) -> Config:
    return make_settings(database_url, ws_max_subscriptions=3, ws_keep_alive_interval=0.2)


@pytest.fixture
async def live(runtime: Runtime) -> AsyncIterator[Server]:
    async with serve(runtime) as server:
        yield server


async def test_readers_see_comments_as_they_become_visible_and_never_held_ones(
    live: Server,
) -> None:
    api = live.api
    article = await api.create_article()
    mo = api.token("mo", "moderator")
    async with session(live.ws_url) as reader:
        added = Feed(reader, ADDED, {"a": article["id"]})
        removed = Feed(reader, REMOVED, {"a": article["id"]})
        await asyncio.sleep(0.2)

        top = await api.comment(article["id"], CLEAN, as_=api.token("ann"))
        got = (await added.next())["commentAdded"]
        assert got["id"] == top["id"] and got["body"] == CLEAN and got["status"] == "APPROVED"
        assert got["author"] == {"id": "ann"} and got["article"] == {"slug": "a-story"}
        assert got["moderation"] is None  # a reader's view, as in queries

        reply = await api.comment(
            article["id"], "I agree.", as_=api.token("bob"), parent_id=top["id"]
        )
        got = (await added.next())["commentAdded"]
        assert got["id"] == reply["id"] and got["parent"] == {"id": top["id"], "body": CLEAN}

        held = await api.comment(article["id"], TOXIC, as_=api.token("cy"))
        assert held["status"] == "PENDING"
        assert len(await added.quiet()) == 2  # the reader never hears of it

        await api.data(APPROVE, {"i": {"commentId": held["id"]}}, as_=mo)
        assert (await added.next())["commentAdded"]["id"] == held["id"]

        await api.data(REJECT, {"i": {"commentId": reply["id"]}}, as_=mo)
        assert (await removed.next())["commentRemoved"] == reply["id"]
        assert [i["commentAdded"]["id"] for i in await added.quiet()] == [
            top["id"],
            reply["id"],
            held["id"],
        ]
        await added.stop()
        await removed.stop()


async def test_a_reader_never_receives_a_comment_it_may_not_see(live: Server) -> None:
    """Events name ids; what is sent is loaded under the subscriber's own rules."""
    api = live.api
    article = await api.create_article()
    held = await api.comment(article["id"], TOXIC, as_=api.token("ann"))
    a, c = decode_id("Article", article["id"]), decode_id("Comment", held["id"])
    assert a is not None and c is not None
    async with (
        session(live.ws_url) as reader,
        session(live.ws_url, api.token("mo", "moderator")) as mod,
    ):
        readers = Feed(reader, ADDED, {"a": article["id"]})
        moderators = Feed(mod, ADDED, {"a": article["id"]})
        await asyncio.sleep(0.2)
        # A stray event about a comment that is not visible (say, rejected again at once).
        api.runtime.events.publish(CommentVisible(a, c))
        assert await readers.quiet() == [] and await moderators.quiet(0) == []
        clean = await api.comment(article["id"], CLEAN, as_=api.token("bob"))
        assert (await readers.next())["commentAdded"]["id"] == clean["id"]
        # A moderator's own view includes the moderation fields.
        assert (await moderators.next())["commentAdded"]["moderation"]["model"]
        await readers.stop()
        await moderators.stop()


async def test_moderators_see_comments_enter_and_leave_their_queue(live: Server) -> None:
    api = live.api
    article = await api.create_article()
    other = await api.create_article("another-story")
    mo = api.token("mo", "moderator")
    async with session(live.ws_url, mo) as console:
        pending = Feed(console, QUEUE, {"q": "PENDING"})
        this_article = Feed(console, QUEUE, {"q": "PENDING", "a": article["id"]})
        await asyncio.sleep(0.2)
        held = await api.comment(article["id"], TOXIC, as_=api.token("ann"))
        elsewhere = await api.comment(other["id"], TOXIC, as_=api.token("ann"))

        entered = (await pending.next())["moderationQueueChanged"]
        assert entered["kind"] == "ENTERED" and entered["queue"] == "PENDING"
        assert entered["comment"]["id"] == held["id"] and entered["comment"]["status"] == "PENDING"
        assert entered["comment"]["moderation"]["reasons"][0]["code"] == "TOXICITY"
        assert (await pending.next())["moderationQueueChanged"]["comment"]["id"] == elsewhere["id"]

        await api.data(APPROVE, {"i": {"commentId": held["id"]}}, as_=mo)
        left = (await pending.next())["moderationQueueChanged"]
        assert left["kind"] == "LEFT" and left["comment"] == {
            **left["comment"],
            "status": "APPROVED",
        }
        assert [i["moderationQueueChanged"]["kind"] for i in await this_article.quiet()] == [
            "ENTERED",
            "LEFT",
        ]
        await pending.stop()
        await this_article.stop()


async def test_authors_hear_of_their_own_comments_only(live: Server) -> None:
    api = live.api
    article = await api.create_article()
    mo = api.token("mo", "moderator")
    async with (
        session(live.ws_url, api.token("ann")) as ann,
        session(live.ws_url, api.token("bob")) as bob,
    ):
        mine = Feed(ann, MINE)
        theirs = Feed(bob, MINE)
        await asyncio.sleep(0.2)
        held = await api.comment(article["id"], TOXIC, as_=api.token("ann"))
        await api.data(APPROVE, {"i": {"commentId": held["id"]}}, as_=mo)
        approved = (await mine.next())["myCommentStatusChanged"]
        assert approved == {"id": held["id"], "status": "APPROVED", "version": 2}
        await api.data(REJECT, {"i": {"commentId": held["id"]}}, as_=mo)
        # Loaded afresh for each event: never an earlier event's cached row.
        rejected = (await mine.next())["myCommentStatusChanged"]
        assert rejected == {"id": held["id"], "status": "REJECTED", "version": 3}
        assert await theirs.quiet() == []
        await mine.stop()
        await theirs.stop()


async def test_refused_subscriptions_get_the_protocols_error(live: Server) -> None:
    api = live.api
    article = await api.create_article()
    cases = [
        (None, QUEUE, {"q": "PENDING"}, "UNAUTHENTICATED"),
        (api.token("ann"), QUEUE, {"q": "PENDING"}, "FORBIDDEN"),
        (None, MINE, {}, "UNAUTHENTICATED"),
        (None, ADDED, {"a": "QXJ0aWNsZTo5OTk="}, "NOT_FOUND"),
        (None, ADDED, {"a": "garbage"}, "NOT_FOUND"),
    ]
    for token, query, variables, code in cases:
        async with session(live.ws_url, token) as client:
            feed = Feed(client, query, variables)
            with pytest.raises(TransportQueryError) as refused:
                await feed.next()
            assert refused.value.errors is not None
            assert refused.value.errors[0]["extensions"]["code"] == code, (query, token)
    # Nothing was left subscribed by the refusals.
    assert api.runtime.events.subscriber_count == 0
    # A public subscription works without signing in.
    async with session(live.ws_url) as client:
        feed = Feed(client, ADDED, {"a": article["id"]})
        await asyncio.sleep(0.2)
        assert api.runtime.events.subscriber_count == 1
        await feed.stop()


async def test_a_bad_token_in_connection_init_closes_with_4403(live: Server) -> None:
    async with Socket.open(live.ws_url) as ws:
        await ws.send({"type": "connection_init", "payload": {"authorization": "Bearer forged"}})
        assert await ws.closed() == (4403, "Forbidden")
    async with Socket.open(live.ws_url) as ws:
        await ws.send({"type": "connection_init", "payload": {"authorization": 42}})
        assert await ws.closed() == (4403, "Forbidden")
    # A bad Authorization header on the handshake is refused before the upgrade.
    with pytest.raises(websockets.InvalidStatus) as refused:
        async with Socket.open(live.ws_url, additional_headers={"Authorization": "Bearer forged"}):
            pass
    assert refused.value.response.status_code == 403
    # A subscribe before connection_init is refused by the protocol.
    async with Socket.open(live.ws_url) as ws:
        await ws.subscribe("1", MINE)
        assert (await ws.closed())[0] == 4401


async def test_a_connection_may_hold_only_so_many_subscriptions(live: Server) -> None:
    api = live.api
    article = await api.create_article()
    async with Socket.open(live.ws_url) as ws:
        assert (await ws.init())["type"] == "connection_ack"
        for n in range(3):
            await ws.subscribe(str(n), ADDED, {"a": article["id"]})
        await ws.subscribe("3", ADDED, {"a": article["id"]})
        refused = await ws.receive()
        assert refused["id"] == "3" and refused["type"] == "error"
        assert refused["payload"][0]["message"] == "Subscription limit reached"
        # Completing one frees a place.
        await ws.send({"id": "0", "type": "complete"})
        await asyncio.sleep(0.1)
        await ws.subscribe("4", ADDED, {"a": article["id"]})
        await asyncio.sleep(0.1)
        events = (await api.http.get("/healthz")).json()["events"]
        # Three subscribers of one identical subscription: one execution, three listeners.
        assert (events["listeners"], events["streams"], events["subscribers"]) == (3, 1, 1)


async def test_a_subscriber_whose_connection_falls_behind_is_cut_off_alone(
    live: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Readers of one article share one execution; each has its own bounded queue."""
    api = live.api
    api.runtime.settings.subscriber_queue_size = 2
    article = await api.create_article()
    stuck = asyncio.Event()
    send = LiveConnection.send_message

    async def slow_send(self: LiveConnection, message: dict[str, object]) -> None:
        # This test's stand-in for a client that stopped reading.
        if message["type"] == "next" and (self.context.connection_params or {}).get("slow"):
            await stuck.wait()
        await send(self, message)  # type: ignore[arg-type]

    monkeypatch.setattr(LiveConnection, "send_message", slow_send)
    async with Socket.open(live.ws_url) as fast, Socket.open(live.ws_url) as slow:
        await fast.init()
        await slow.init(slow=True)
        await fast.subscribe("1", ADDED, {"a": article["id"]})
        await slow.subscribe("1", ADDED, {"a": article["id"]})
        await asyncio.sleep(0.2)
        posted = []
        for n in range(4):  # one in the stuck send, two queued, the fourth overflows
            posted.append(
                (await api.comment(article["id"], f"{CLEAN} {n}", as_=api.token("ann")))["id"]
            )
            assert (await fast.receive())["payload"]["data"]["commentAdded"]["id"] == posted[-1]
        code, reason = await slow.closed()
        assert code == 1013
        assert reason == (
            "subscriber fell behind: more than 2 events waiting; reconnect and refetch"
        )
        # The fast reader goes on.
        more = await api.comment(article["id"], "And another thing.", as_=api.token("bob"))
        assert (await fast.receive())["payload"]["data"]["commentAdded"]["id"] == more["id"]
        stuck.set()


async def test_a_process_that_falls_behind_disconnects_with_a_reason(
    live: Server,
) -> None:
    api = live.api
    runtime = api.runtime
    article = await api.create_article()
    comment = await api.comment(article["id"], CLEAN, as_=api.token("ann"))
    a, c = decode_id("Article", article["id"]), decode_id("Comment", comment["id"])
    assert a is not None and c is not None
    async with Socket.open(live.ws_url) as ws:
        await ws.init()
        await ws.subscribe("1", ADDED, {"a": article["id"]})
        await asyncio.sleep(0.2)
        assert runtime.events.subscriber_count == 1
        # A burst larger than the stream's queue on the bus, faster than it can execute.
        for _ in range(runtime.events.queue_limit + 1):
            runtime.events.publish(CommentVisible(a, c))
        code, reason = await ws.closed()
        assert code == 1013
        assert reason.startswith("subscriber fell behind: more than 256 events waiting")
    assert runtime.events.subscriber_count == 0
    assert runtime.events.health()["laggingDisconnects"] == 1


async def test_the_server_pings_to_keep_the_connection_alive(live: Server) -> None:
    async with Socket.open(live.ws_url) as ws:
        await ws.init()
        assert await ws.receive(timeout=1, pings=True) == {"type": "ping"}
        await ws.send({"type": "pong"})
        assert await ws.receive(timeout=1, pings=True) == {"type": "ping"}
        # And answers the client's pings.
        await ws.send({"type": "ping"})
        assert (await ws.receive(timeout=1))["type"] == "pong"


def live_tasks() -> set[asyncio.Task[object]]:
    current = asyncio.current_task()
    return {t for t in asyncio.all_tasks() if t is not current and not t.done()}


async def test_leaving_tears_everything_down(live: Server) -> None:
    api = live.api
    runtime = api.runtime
    article = await api.create_article()
    await asyncio.sleep(0.1)
    before = live_tasks()
    async with Socket.open(live.ws_url) as ws:
        await ws.init(api.token("mo", "moderator"))
        await ws.subscribe("1", ADDED, {"a": article["id"]})
        await ws.subscribe("2", QUEUE, {"q": "PENDING"})
        await ws.subscribe("3", MINE)
        await asyncio.sleep(0.2)
        assert runtime.events.subscriber_count == 3
        # The connection, its three operations and pings, three shared streams.
        assert len(live_tasks() - before) >= 8
        # Completing one subscription drops exactly that one.
        await ws.send({"id": "2", "type": "complete"})
        await asyncio.sleep(0.1)
        assert runtime.events.subscriber_count == 2
    # The client left without completing the others.
    await eventually(lambda: not runtime.events.subscriber_count and not live_tasks() - before)
    events = (await api.http.get("/healthz")).json()["events"]
    assert (events["subscribers"], events["streams"], events["listeners"]) == (0, 0, 0)


async def test_a_connection_does_not_outlive_its_token(
    live: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    from api.http import auth

    monkeypatch.setattr(auth, "LEEWAY_SECONDS", 0)
    identity = auth.Identity("mo", "Mo", auth.Role.MODERATOR)
    short = auth.issue_token(live.api.runtime.jwt_secret, identity, 1)
    async with Socket.open(live.ws_url) as ws:
        assert (await ws.init(short))["type"] == "connection_ack"
        await ws.subscribe("1", QUEUE, {"q": "PENDING"})
        assert await ws.closed(timeout=4) == (4403, "Forbidden: token expired")
    await eventually(lambda: live.api.runtime.events.subscriber_count == 0)
