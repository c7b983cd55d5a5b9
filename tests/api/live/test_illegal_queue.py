"""The ILLEGAL queue's live feed: a notice puts its comment in, a decision takes it out."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from api.runtime import Runtime
from tests.support.constants import CLEAN
from tests.support.live import Feed, Server, serve, session

QUEUE = """subscription { moderationQueueChanged(queue: ILLEGAL) { kind queue comment { id } } }"""
NOTICE = """mutation($i: ReportIllegalContentInput!) { reportIllegalContent(input: $i) {
  notice { id } } }"""
DECIDE = """mutation($i: DecideNoticeInput!) { decideIllegalContentNotice(input: $i) {
  notice { status } } }"""


@pytest.fixture
async def live(runtime: Runtime) -> AsyncIterator[Server]:
    async with serve(runtime) as server:
        yield server


async def test_notices_enter_and_leave_the_illegal_queue_live(live: Server) -> None:
    api = live.api
    article = await api.create_article()
    comment = await api.comment(article["id"], CLEAN, as_=api.token("ann"))
    mo = api.token("mo", "moderator")
    async with session(live.ws_url, mo) as console:
        feed = Feed(console, QUEUE, {})
        await asyncio.sleep(0.2)
        sent = await api.data(
            NOTICE,
            {
                "i": {
                    "commentId": comment["id"],
                    "lawBroken": "Defamation",
                    "explanation": "A false accusation.",
                    "goodFaith": True,
                }
            },
        )
        entered = (await feed.next())["moderationQueueChanged"]
        assert entered == {"kind": "ENTERED", "queue": "ILLEGAL", "comment": {"id": comment["id"]}}
        notice_id = sent["reportIllegalContent"]["notice"]["id"]
        await api.data(
            DECIDE,
            {
                "i": {
                    "noticeId": notice_id,
                    "outcome": "NO_ACTION",
                    "rule": "civility",
                    "explanation": "Sharp, but an opinion on a public matter.",
                }
            },
            as_=mo,
        )
        left = (await feed.next())["moderationQueueChanged"]
        assert (left["kind"], left["queue"]) == ("LEFT", "ILLEGAL")
        await feed.stop()
