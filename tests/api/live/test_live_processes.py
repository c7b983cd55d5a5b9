"""Two real `commentmod serve` processes sharing one database and Redis, and gql clients.

A subscriber on process A hears what is written through process B: the event
goes from B through Redis to A, which loads and sends it under its own rules.
"""

from __future__ import annotations

import asyncio
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.http.auth import Identity, Role, issue_token
from tests.support.constants import CLEAN, REDIS_URL, TOXIC, needs_redis
from tests.support.live import Feed, eventually, session
from tests.support.servers import clean_env, commentmod, start_server

pytestmark = needs_redis

SECRET = "live-test-secret-" + "y" * 48
ADDED = "subscription($a: ID!) { commentAdded(articleId: $a) { id body status parent { id } } }"
REMOVED = "subscription($a: ID!) { commentRemoved(articleId: $a) }"
QUEUE = """subscription($a: ID) { moderationQueueChanged(queue: PENDING, articleId: $a) {
  kind queue comment { id status } } }"""
MINE = "subscription { myCommentStatusChanged { id status } }"
ADD = """mutation($i: AddCommentInput!) { addComment(input: $i) { comment { id status } } }"""
DECIDE = """mutation($i: ModerateCommentInput!) {
  %s(input: $i) { comment { id status } } }"""


def token(user: str, role: str = "commenter") -> str:
    return issue_token(SECRET, Identity(user, user.title(), Role(role)), 3600)


@dataclass
class Process:
    name: str
    base: str
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def ws(self) -> str:
        return self.base.replace("http://", "ws://") + "/graphql"

    async def gql(self, query: str, variables: dict[str, Any], as_: str) -> dict[str, Any]:
        async with httpx.AsyncClient() as http:
            response = await http.post(
                f"{self.base}/graphql",
                json={"query": query, "variables": variables},
                headers={"Authorization": f"Bearer {as_}"},
            )
        body: dict[str, Any] = response.json()
        assert "errors" not in body, body
        data: dict[str, Any] = body["data"]
        return data

    def health(self) -> dict[str, Any]:
        body: dict[str, Any] = httpx.get(f"{self.base}/healthz", timeout=2).json()
        return body


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Process, Process]]:
    root = tmp_path_factory.mktemp("cluster")
    env = dict(
        COMMENTMOD_DATABASE_URL=f"sqlite+aiosqlite:///{root / 'shared.db'}",
        COMMENTMOD_JWT_SECRET=SECRET,
        COMMENTMOD_SCORER="linear",
        COMMENTMOD_RATE_LIMITS="off",
        COMMENTMOD_REDIS_URL=REDIS_URL,
        # A channel of this run's own: parallel runs on one Redis never meet.
        COMMENTMOD_REDIS_PREFIX=f"commentmod-test-{uuid.uuid4().hex}",
    )
    commentmod(root, clean_env(**env), "db", "upgrade")
    processes: list[Process] = []
    try:
        for name in ("a", "b"):
            server = start_server(root, env, "--no-migrate")
            processes.append(Process(name, server.base, server.process, server.log))
        # Healthy is not enough: each must be listening on Redis before the tests publish.
        deadline = time.monotonic() + 60
        for process in processes:
            while not process.health()["events"]["connected"]:
                assert time.monotonic() < deadline, process.log.read_text()
                time.sleep(0.2)
        yield processes[0], processes[1]
    finally:
        for process in processes:
            process.process.terminate()
        for process in processes:
            process.process.wait(timeout=20)


async def new_article(process: Process) -> str:
    slug = f"story-{uuid.uuid4().hex[:8]}"
    data = await process.gql(
        "mutation($a: ArticleInput!) { upsertArticle(input: $a) { article { id } } }",
        {"a": {"slug": slug, "title": "A story", "body": "Text."}},
        as_=token("admin", "admin"),
    )
    article_id: str = data["upsertArticle"]["article"]["id"]
    return article_id


async def post(process: Process, article: str, body: str, user: str, **more: Any) -> dict[str, Any]:
    data = await process.gql(
        ADD, {"i": {"articleId": article, "body": body, **more}}, as_=token(user)
    )
    comment: dict[str, Any] = data["addComment"]["comment"]
    return comment


async def decide(process: Process, decision: str, comment_id: str) -> None:
    await process.gql(
        DECIDE % decision, {"i": {"commentId": comment_id}}, as_=token("mo", "moderator")
    )


async def test_a_reader_on_a_receives_within_a_second_what_is_posted_through_b(
    cluster: tuple[Process, Process],
) -> None:
    a, b = cluster
    article = await new_article(b)
    async with session(a.ws) as reader:
        feed = Feed(reader, ADDED, {"a": article})
        await asyncio.sleep(0.3)
        for n in range(3):
            sent = time.monotonic()
            comment = await post(b, article, f"{CLEAN} ({n})", "ann")
            got = (await feed.next(timeout=1.0))["commentAdded"]
            assert time.monotonic() - sent < 1.0
            assert got == {
                "id": comment["id"],
                "body": f"{CLEAN} ({n})",
                "status": "APPROVED",
                "parent": None,
            }
        # A reply, with its parent resolvable on A.
        reply = await post(b, article, "Seconded.", "bob", parentId=comment["id"])
        got = (await feed.next(timeout=1.0))["commentAdded"]
        assert got["id"] == reply["id"] and got["parent"] == {"id": comment["id"]}
        await feed.stop()


async def test_a_moderator_on_a_sees_entered_then_left_when_b_approves(
    cluster: tuple[Process, Process],
) -> None:
    a, b = cluster
    article = await new_article(a)
    async with (
        session(a.ws, token("mo", "moderator")) as console,
        session(a.ws) as reader_a,
        session(b.ws) as reader_b,
    ):
        queue = Feed(console, QUEUE, {"a": article})
        readers = [Feed(reader_a, ADDED, {"a": article}), Feed(reader_b, ADDED, {"a": article})]
        await asyncio.sleep(0.3)
        held = await post(b, article, TOXIC, "troll")
        assert held["status"] == "PENDING"
        entered = (await queue.next())["moderationQueueChanged"]
        assert entered == {
            "kind": "ENTERED",
            "queue": "PENDING",
            "comment": {"id": held["id"], "status": "PENDING"},
        }
        # Readers on either process never see a held comment.
        for feed in readers:
            assert await feed.quiet() == []

        await decide(b, "approveComment", held["id"])
        left = (await queue.next())["moderationQueueChanged"]
        assert left == {
            "kind": "LEFT",
            "queue": "PENDING",
            "comment": {"id": held["id"], "status": "APPROVED"},
        }
        # Approved, it reaches the readers of both processes.
        for feed in readers:
            assert (await feed.next())["commentAdded"]["id"] == held["id"]
            await feed.stop()
        await queue.stop()


async def test_a_rejection_through_a_removes_the_comment_for_readers_on_b(
    cluster: tuple[Process, Process],
) -> None:
    a, b = cluster
    article = await new_article(a)
    comment = await post(a, article, CLEAN, "ann")
    async with session(b.ws) as reader:
        removed = Feed(reader, REMOVED, {"a": article})
        await asyncio.sleep(0.3)
        await decide(a, "rejectComment", comment["id"])
        assert (await removed.next())["commentRemoved"] == comment["id"]
        await removed.stop()


async def test_authors_hear_of_decisions_on_their_own_comments_only(
    cluster: tuple[Process, Process],
) -> None:
    a, b = cluster
    article = await new_article(a)
    held = await post(a, article, TOXIC, "ann")
    async with session(a.ws, token("ann")) as ann, session(a.ws, token("bob")) as bob:
        mine, theirs = Feed(ann, MINE), Feed(bob, MINE)
        await asyncio.sleep(0.3)
        await decide(b, "rejectComment", held["id"])
        assert (await mine.next())["myCommentStatusChanged"] == {
            "id": held["id"],
            "status": "REJECTED",
        }
        assert await theirs.quiet() == []
        await mine.stop()
        await theirs.stop()


async def test_subscribers_are_let_go_when_clients_leave(cluster: tuple[Process, Process]) -> None:
    a, _b = cluster
    article = await new_article(a)
    async with session(a.ws, token("mo", "moderator")) as client:
        feeds = [Feed(client, ADDED, {"a": article}), Feed(client, QUEUE, {"a": None})]
        await asyncio.sleep(0.3)
        assert a.health()["events"]["subscribers"] == 2
        for feed in feeds:
            await feed.stop()
    await eventually(lambda: a.health()["events"]["subscribers"] == 0)
    events = a.health()["events"]
    assert (events["streams"], events["listeners"], events["connected"]) == (0, 0, True)
