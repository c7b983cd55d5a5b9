"""No N+1: a thread costs the same number of SQL statements however long it is."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event

from api.http.config import Config
from tests.support.client import Api, make_settings

THREAD = """query($slug: String!) { article(slug: $slug) { title commentCount
  comments(first: 100) { totalCount edges { node { id body createdAt replyCount
    author { id name } article { slug } parent { id }
    replies(first: 10) { totalCount edges { node { id body author { name } parent { id } } } } } } } } }"""

MODERATOR_VIEW = """{ moderationQueue(queue: APPROVED, first: 100) { edges { node { id
  author { name } article { title } parent { id }
  moderation { model scores { label score } reasons { code } history { status moderator { id } }
    reports { reason reporter { id } } } } } } }"""


@pytest.fixture
def settings(database_url: str) -> Config:
    # The webhook worker polls the outbox on the same engine: its reads are not the
    # request's, and would be counted with them.
    return make_settings(database_url, webhooks="off")


@contextmanager
def counting(api: Api) -> Iterator[list[str]]:
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        # Transaction control is not a query; count what reads data.
        if not statement.startswith("BEGIN"):
            statements.append(statement)

    engine = api.runtime.db.engine.sync_engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


async def seed(api: Api, slug: str, comments: int, replies: int) -> None:
    # Every comment has its own author, so DataLoader caching cannot hide a per-row query.
    article = await api.create_article(slug)
    for i in range(comments):
        author = api.token(f"{slug}-{i}")
        top = await api.comment(article["id"], f"Comment number {i}", as_=author)
        for j in range(replies):
            replier = api.token(f"{slug}-{i}-{j}")
            await api.comment(article["id"], f"Reply {j} to {i}", as_=replier, parent_id=top["id"])


async def test_thread_statement_count_does_not_grow(api: Api) -> None:
    await seed(api, "small", comments=3, replies=2)
    await seed(api, "large", comments=50, replies=2)
    counts = {}
    for slug in ("small", "large"):
        with counting(api) as statements:
            data = await api.data(THREAD, {"slug": slug})
        counts[slug] = len(statements)
        edges = data["article"]["comments"]["edges"]
        assert all(len(e["node"]["replies"]["edges"]) == 2 for e in edges)
    assert len(edges) == 50
    assert counts["large"] == counts["small"], counts
    assert counts["large"] <= 8, counts


async def test_moderator_view_statement_count_does_not_grow(api: Api) -> None:
    await seed(api, "small", comments=2, replies=1)
    mo = api.token("mo", "moderator")
    with counting(api) as small:
        await api.data(MODERATOR_VIEW, as_=mo)
    await seed(api, "large", comments=30, replies=1)
    with counting(api) as large:
        data = await api.data(MODERATOR_VIEW, as_=mo)
    assert len(data["moderationQueue"]["edges"]) == 64
    assert len(large) == len(small), (len(small), len(large))
