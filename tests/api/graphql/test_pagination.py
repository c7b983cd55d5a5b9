"""Keyset pagination across pages, for every list."""

from __future__ import annotations

from typing import Any

from tests.support.client import Api
from tests.support.constants import CLEAN

COMMENTS = """query($slug: String!, $first: Int, $after: String, $order: CommentOrder) {
  article(slug: $slug) { comments(first: $first, after: $after, orderBy: $order) {
    totalCount edges { cursor node { id } } pageInfo { hasNextPage endCursor } } } }"""


async def walk(
    api: Api, query: str, path: list[str], variables: dict[str, Any], *, as_: str | None = None
) -> list[str]:
    """Follow endCursor until the last page; return the ids in order."""
    ids: list[str] = []
    after = None
    for _ in range(50):
        data: Any = await api.data(query, {**variables, "after": after}, as_=as_)
        for key in path:
            data = data[key]
        ids += [edge["node"]["id"] for edge in data["edges"]]
        if data["edges"]:
            assert data["pageInfo"]["endCursor"] == data["edges"][-1]["cursor"]
        if not data["pageInfo"]["hasNextPage"]:
            return ids
        after = data["pageInfo"]["endCursor"]
    raise AssertionError("pagination did not end")


async def test_thread_pages_newest_and_oldest_first(api: Api) -> None:
    article = await api.create_article()
    ann = api.token("ann")
    posted = [(await api.comment(article["id"], f"{CLEAN} #{i}", as_=ann))["id"] for i in range(7)]
    path = ["article", "comments"]
    newest = await walk(api, COMMENTS, path, {"slug": "a-story", "first": 3})
    assert newest == posted[::-1]
    oldest = await walk(
        api, COMMENTS, path, {"slug": "a-story", "first": 2, "order": "OLDEST_FIRST"}
    )
    assert oldest == posted
    total = await api.data(COMMENTS, {"slug": "a-story", "first": 1})
    assert total["article"]["comments"]["totalCount"] == 7


async def test_replies_pages(api: Api) -> None:
    article = await api.create_article()
    ann = api.token("ann")
    top = await api.comment(article["id"], CLEAN, as_=ann)
    replies = [
        (await api.comment(article["id"], f"reply {i}", as_=ann, parent_id=top["id"]))["id"]
        for i in range(5)
    ]
    query = """query($id: ID!, $after: String) { comment(id: $id) {
      replies(first: 2, after: $after) { edges { cursor node { id } } pageInfo { hasNextPage endCursor } } } }"""
    assert await walk(api, query, ["comment", "replies"], {"id": top["id"]}) == replies


async def test_queue_pages_in_every_order(api: Api) -> None:
    article = await api.create_article()
    ann = api.token("ann")
    bodies = ["fuck this", "you idiot", "shit", "damn fool", "asshole", "stupid bitch"]
    held = [(await api.comment(article["id"], b, as_=ann))["id"] for b in bodies]
    mo = api.token("mo", "moderator")
    query = """query($after: String, $order: QueueOrder) {
      moderationQueue(first: 4, after: $after, orderBy: $order) {
        edges { cursor node { id } } pageInfo { hasNextPage endCursor } } }"""
    assert await walk(api, query, ["moderationQueue"], {"order": "OLDEST_FIRST"}, as_=mo) == held
    assert (
        await walk(api, query, ["moderationQueue"], {"order": "NEWEST_FIRST"}, as_=mo) == held[::-1]
    )
    toxic = await walk(api, query, ["moderationQueue"], {"order": "MOST_TOXIC_FIRST"}, as_=mo)
    assert sorted(toxic) == sorted(held)


async def test_articles_pages_by_publication_time(api: Api) -> None:
    created = [
        (await api.create_article(f"s{i}", publishedAt=f"2026-11-{10 + i}T12:00:00+00:00"))["id"]
        for i in range(5)
    ]
    query = """query($after: String) { articles(first: 2, after: $after) {
      totalCount edges { cursor node { id } } pageInfo { hasNextPage endCursor } } }"""
    assert await walk(api, query, ["articles"], {}) == created[::-1]


async def test_first_is_capped_and_cursors_are_checked(api: Api) -> None:
    article = await api.create_article()
    data = await api.data(COMMENTS, {"slug": "a-story", "first": 10_000})
    assert data["article"]["comments"]["edges"] == []
    ann = api.token("ann")
    for i in range(3):
        await api.comment(article["id"], f"{CLEAN} {i}", as_=ann)
    empty = await api.data(COMMENTS, {"slug": "a-story", "first": 0})
    assert empty["article"]["comments"]["edges"] == []
    assert empty["article"]["comments"]["pageInfo"]["hasNextPage"] is True

    page = await api.data(COMMENTS, {"slug": "a-story", "first": 1})
    cursor = page["article"]["comments"]["pageInfo"]["endCursor"]
    # A cursor from one ordering is refused by another, and garbage is refused.
    for after, order in [
        (cursor, "OLDEST_FIRST"),
        ("bm90IGEgY3Vyc29y", "NEWEST_FIRST"),
        ("%%%", None),
    ]:
        error = await api.error(COMMENTS, {"slug": "a-story", "after": after, "order": order})
        assert error["extensions"]["code"] == "BAD_USER_INPUT"


async def test_page_size_is_capped_at_100(api: Api) -> None:
    await api.create_article()
    for i in range(101):
        await api.create_article(f"bulk-{i}")
    data = await api.data(
        "{ articles(first: 500) { totalCount edges { cursor } pageInfo { hasNextPage } } }"
    )
    assert len(data["articles"]["edges"]) == 100
    assert data["articles"]["pageInfo"]["hasNextPage"] is True
    assert data["articles"]["totalCount"] == 102
