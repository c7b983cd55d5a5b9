"""notificationAdded (each user their own) and commentChanged (edits and deletions), live."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from api.http.config import Config
from api.runtime import Runtime
from tests.support.client import make_settings
from tests.support.constants import CLEAN, REJECT, TOXIC
from tests.support.live import Feed, Server, serve, session

NOTIFIED = "subscription { notificationAdded { id kind commentId message } }"
CHANGED = """subscription($a: ID!) { commentChanged(articleId: $a) {
  id body editedAt deletedAt author { id } } }"""
EDIT = """mutation($i: EditCommentInput!) { editComment(input: $i) { comment { version } } }"""
DELETE = """mutation($i: DeleteCommentInput!) { deleteComment(input: $i) { comment { id } } }"""


@pytest.fixture
def settings(database_url: str) -> Config:
    return make_settings(database_url, ws_keep_alive_interval=0.2)


@pytest.fixture
async def live(runtime: Runtime) -> AsyncIterator[Server]:
    async with serve(runtime) as server:
        yield server


async def test_each_user_hears_only_their_own_notifications(live: Server) -> None:
    api = live.api
    article = await api.create_article()
    ann, bob, mo = api.token("ann"), api.token("bob"), api.token("mo", "moderator")
    async with session(live.ws_url, ann) as ann_ws, session(live.ws_url, bob) as bob_ws:
        mine = Feed(ann_ws, NOTIFIED)
        theirs = Feed(bob_ws, NOTIFIED)
        await asyncio.sleep(0.2)
        held = await api.comment(article["id"], TOXIC, as_=ann)
        got = (await mine.next())["notificationAdded"]
        assert (got["kind"], got["commentId"]) == ("HELD", held["id"])
        await api.data(
            REJECT,
            {"i": {"commentId": held["id"], "reason": "insults", "showReasonToAuthor": True}},
            as_=mo,
        )
        got = (await mine.next())["notificationAdded"]
        assert (got["kind"], got["message"]) == ("REJECTED", "insults")
        assert await theirs.quiet() == []
        await mine.stop()
        await theirs.stop()


async def test_readers_see_edits_and_deletions_as_they_happen(live: Server) -> None:
    api = live.api
    article = await api.create_article()
    ann = api.token("ann")
    async with session(live.ws_url) as reader:
        changed = Feed(reader, CHANGED, {"a": article["id"]})
        await asyncio.sleep(0.2)
        posted = await api.comment(article["id"], CLEAN, as_=ann)
        better = CLEAN + " Well done."
        await api.data(
            EDIT,
            {"i": {"commentId": posted["id"], "body": better, "version": posted["version"]}},
            as_=ann,
        )
        got = (await changed.next())["commentChanged"]
        assert got["body"] == better and got["editedAt"] is not None
        await api.data(DELETE, {"i": {"commentId": posted["id"]}}, as_=ann)
        got = (await changed.next())["commentChanged"]
        assert got["deletedAt"] is not None and got["body"] is None and got["author"] is None
        await changed.stop()
