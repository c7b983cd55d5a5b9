"""The public read cache over HTTP, in one process: what is cached, for whom, until when;
persisted queries; GET with ETag and Cache-Control."""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from typing import Any

import httpx
import pytest

from api.graphql.schema import schema
from api.live.bus import EventBus
from api.live.events import ArticleChanged, CommentRemoved, CommentVisible
from api.live.tags import article_tag
from api.readcache.cacheability import Audience, plan
from api.readcache.entries import Entry, LocalEntries
from api.readcache.responsecache import ResponseCache
from tests.support.client import Api
from tests.support.constants import CLEAN, TOXIC

THREAD = """query Thread($slug: String!) { article(slug: $slug) { title commentsOpen commentCount
  comments(first: 50) { totalCount edges { node { id body status author { name } replyCount
    replies(first: 5) { edges { node { id body status } } } } } } } }"""
# The same query, asking for what only moderators may read.
THREAD_MODERATED = """query Thread($slug: String!) { article(slug: $slug) { title
  comments(first: 50) { edges { node { id body moderation { model } } } } } }"""
COMMENT = "query($id: ID!) { comment(id: $id) { id body status } }"
DECIDE = "mutation($i: ModerateCommentInput!) { %s(input: $i) { comment { id status } } }"


def sha(query: str) -> str:
    return hashlib.sha256(query.encode()).hexdigest()


async def read(
    api: Api, query: str, variables: dict[str, Any], *, as_: str | None = None
) -> httpx.Response:
    headers = {"Authorization": f"Bearer {as_}"} if as_ else {}
    response = await api.http.post(
        "/graphql", json={"query": query, "variables": variables}, headers=headers
    )
    assert response.status_code == 200, response.text
    return response


def bodies(response: httpx.Response) -> list[str]:
    edges = response.json()["data"]["article"]["comments"]["edges"]
    return [edge["node"]["body"] for edge in edges]


async def cache_stats(api: Api) -> dict[str, Any]:
    stats: dict[str, Any] = (await api.http.get("/healthz")).json()["cache"]
    return stats


async def decide(api: Api, verb: str, comment: dict[str, Any]) -> None:
    await api.data(
        DECIDE % verb, {"i": {"commentId": comment["id"]}}, as_=api.token("mo", "moderator")
    )


async def test_a_reader_never_gets_a_held_comment_and_sees_decisions_at_once(api: Api) -> None:
    article = await api.create_article("thread")
    await api.comment(article["id"], CLEAN, as_=api.token("ann"))
    held = await api.comment(article["id"], TOXIC, as_=api.token("bob"))
    assert held["status"] == "PENDING"
    first = await read(api, THREAD, {"slug": "thread"})
    assert first.headers["x-cache"] == "MISS"
    second = await read(api, THREAD, {"slug": "thread"})
    assert second.headers["x-cache"] == "HIT"
    assert second.content == first.content
    assert bodies(second) == [CLEAN]
    # Held comments never reach readers, neither executed nor cached.
    await decide(api, "approveComment", held)
    after = await read(api, THREAD, {"slug": "thread"})
    assert after.headers["x-cache"] == "MISS"
    assert bodies(after) == [TOXIC, CLEAN]
    assert after.json()["data"]["article"]["commentCount"] == 2
    assert (await read(api, THREAD, {"slug": "thread"})).headers["x-cache"] == "HIT"
    await decide(api, "rejectComment", held)
    assert bodies(await read(api, THREAD, {"slug": "thread"})) == [CLEAN]


async def test_a_reply_changes_the_cached_thread(api: Api) -> None:
    article = await api.create_article("replies")
    top = await api.comment(article["id"], CLEAN, as_=api.token("ann"))
    await read(api, THREAD, {"slug": "replies"})
    await api.comment(article["id"], "Agreed.", as_=api.token("bob"), parent_id=top["id"])
    node = (await read(api, THREAD, {"slug": "replies"})).json()["data"]["article"]["comments"]
    assert node["edges"][0]["node"]["replyCount"] == 1
    assert node["edges"][0]["node"]["replies"]["edges"][0]["node"]["body"] == "Agreed."


async def test_moderators_never_use_the_public_cache(api: Api) -> None:
    article = await api.create_article("moderated")
    await api.comment(article["id"], CLEAN, as_=api.token("ann"))
    mod = api.token("mo", "moderator")
    await read(api, THREAD, {"slug": "moderated"})
    before = await cache_stats(api)
    response = await read(api, THREAD, {"slug": "moderated"}, as_=mod)
    assert "x-cache" not in response.headers
    assert response.headers["cache-control"] == "private, no-store"
    assert (await cache_stats(api))["hits"] == before["hits"]
    # Moderator-only fields make a query uncacheable: each viewer gets their own answer.
    as_mod = (await read(api, THREAD_MODERATED, {"slug": "moderated"}, as_=mod)).json()
    as_reader = await read(api, THREAD_MODERATED, {"slug": "moderated"})
    assert "x-cache" not in as_reader.headers
    node = as_reader.json()["data"]["article"]["comments"]["edges"][0]["node"]
    assert node["moderation"] is None
    mod_node = as_mod["data"]["article"]["comments"]["edges"][0]["node"]
    assert mod_node["moderation"]["model"].startswith("linear")
    # And the moderator's reply never went into the cache for the reader.
    again = await read(api, THREAD_MODERATED, {"slug": "moderated"})
    assert again.json()["data"]["article"]["comments"]["edges"][0]["node"]["moderation"] is None


async def test_an_author_sees_their_own_held_comment_never_the_cached_null(api: Api) -> None:
    article = await api.create_article("own")
    ann = api.token("ann")
    held = await api.comment(article["id"], TOXIC, as_=ann)
    anonymous = await read(api, COMMENT, {"id": held["id"]})
    assert anonymous.json()["data"]["comment"] is None
    assert (await read(api, COMMENT, {"id": held["id"]})).headers["x-cache"] == "HIT"
    mine = await read(api, COMMENT, {"id": held["id"]}, as_=ann)
    assert mine.json()["data"]["comment"]["status"] == "PENDING"
    assert mine.headers["cache-control"] == "private, no-store"
    # A thread lists its author's own held comments: executed for each signed-in reader.
    other = await read(api, THREAD, {"slug": "own"}, as_=api.token("carl"))
    assert other.headers["cache-control"] == "private, no-store"
    assert bodies(other) == []
    own_thread = await read(api, THREAD, {"slug": "own"}, as_=ann)
    assert own_thread.headers["cache-control"] == "private, no-store"
    assert bodies(own_thread) == [TOXIC]
    assert bodies(await read(api, THREAD, {"slug": "own"})) == []
    await decide(api, "approveComment", held)
    assert (await read(api, COMMENT, {"id": held["id"]})).json()["data"]["comment"]["body"] == TOXIC


async def test_article_edit_close_and_settings_change_invalidate(api: Api) -> None:
    article = await api.create_article("edited", title="Before")
    assert (await read(api, THREAD, {"slug": "edited"})).json()["data"]["article"]["title"] == (
        "Before"
    )
    await api.create_article("edited", title="After")
    response = await read(api, THREAD, {"slug": "edited"})
    assert response.json()["data"]["article"]["title"] == "After"
    await api.data(
        "mutation($i: SetCommentsOpenInput!) { setCommentsOpen(input: $i) { article { id } } }",
        {"i": {"articleId": article["id"], "open": False}},
        as_=api.token("mo", "moderator"),
    )
    assert (await read(api, THREAD, {"slug": "edited"})).json()["data"]["article"][
        "commentsOpen"
    ] is False
    assert (await read(api, THREAD, {"slug": "edited"})).headers["x-cache"] == "HIT"
    before = await cache_stats(api)
    await api.data(
        "mutation { updateModerationSettings(input: {premoderateAll: true}) { settings { "
        "premoderateAll } } }",
        as_=api.token("root", "admin"),
    )
    after = await cache_stats(api)
    assert after["invalidations"] == before["invalidations"] + 1
    assert after["entries"] == 0
    assert (await read(api, THREAD, {"slug": "edited"})).headers["x-cache"] == "MISS"


async def test_a_ban_that_rejects_comments_clears_them_from_threads(api: Api) -> None:
    article = await api.create_article("banned")
    await api.comment(article["id"], CLEAN, as_=api.token("troll"))
    assert bodies(await read(api, THREAD, {"slug": "banned"})) == [CLEAN]
    await api.data(
        """mutation { banUser(input: {userId: "troll", reason: "spam",
             rejectExistingComments: true}) { rejectedComments } }""",
        as_=api.token("mo", "moderator"),
    )
    assert bodies(await read(api, THREAD, {"slug": "banned"})) == []


async def test_a_burst_of_misses_executes_once(api: Api) -> None:
    article = await api.create_article("burst")
    await api.comment(article["id"], CLEAN, as_=api.token("ann"))
    before = await cache_stats(api)
    responses = await asyncio.gather(*(read(api, THREAD, {"slug": "burst"}) for _ in range(20)))
    after = await cache_stats(api)
    assert after["executions"] == before["executions"] + 1
    assert after["coalesced"] == before["coalesced"] + 19
    assert len({r.content for r in responses}) == 1


async def test_persisted_queries_follow_apollos_protocol(api: Api) -> None:
    await api.create_article("apq")
    digest = sha(THREAD)
    extensions = {"persistedQuery": {"version": 1, "sha256Hash": digest}}
    variables = {"slug": "apq"}
    missing = await api.http.post(
        "/graphql", json={"extensions": extensions, "variables": variables}
    )
    assert missing.status_code == 200
    error = missing.json()["errors"][0]
    assert error == {
        "message": "PersistedQueryNotFound",
        "extensions": {"code": "PERSISTED_QUERY_NOT_FOUND"},
    }
    wrong = await api.http.post(
        "/graphql",
        json={"query": THREAD_MODERATED, "extensions": extensions, "variables": variables},
    )
    assert wrong.status_code == 400
    assert wrong.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert "does not match" in wrong.json()["errors"][0]["message"]
    registered = await api.http.post(
        "/graphql", json={"query": THREAD, "extensions": extensions, "variables": variables}
    )
    assert registered.json()["data"]["article"]["title"] == "A story"
    by_hash = await api.http.post(
        "/graphql", json={"extensions": extensions, "variables": variables}
    )
    assert by_hash.json() == registered.json()
    unsupported = await api.http.post(
        "/graphql",
        json={"extensions": {"persistedQuery": {"version": 2, "sha256Hash": digest}}},
    )
    assert unsupported.status_code == 400
    # A persisted query that is not cacheable still runs (strawberry answers it).
    mod_digest = sha(THREAD_MODERATED)
    mod_ext = {"persistedQuery": {"version": 1, "sha256Hash": mod_digest}}
    await api.http.post("/graphql", json={"query": THREAD_MODERATED, "extensions": mod_ext})
    for method in ("post", "get"):
        if method == "post":
            response = await api.http.post(
                "/graphql",
                json={"extensions": mod_ext, "variables": variables},
                headers={"Authorization": f"Bearer {api.token('mo', 'moderator')}"},
            )
        else:
            response = await api.http.get(
                "/graphql",
                params={"extensions": json.dumps(mod_ext), "variables": json.dumps(variables)},
                headers={"Authorization": f"Bearer {api.token('mo', 'moderator')}"},
            )
        assert response.status_code == 200, response.text
        assert response.json()["data"]["article"]["comments"]["edges"] == []
        assert response.headers["cache-control"] == "private, no-store"


async def test_get_with_etag_and_cache_control(api: Api) -> None:
    await api.create_article("get")
    digest = sha(THREAD)
    await api.http.post(
        "/graphql",
        json={
            "query": THREAD,
            "extensions": {"persistedQuery": {"version": 1, "sha256Hash": digest}},
        },
    )
    params = {
        "extensions": json.dumps({"persistedQuery": {"version": 1, "sha256Hash": digest}}),
        "variables": json.dumps({"slug": "get"}),
        "operationName": "Thread",
    }
    first = await api.http.get("/graphql", params=params)
    assert first.status_code == 200, first.text
    assert first.headers["cache-control"] == "public, max-age=5, stale-while-revalidate=30"
    assert first.headers["vary"] == "Authorization, Accept"
    etag = first.headers["etag"]
    assert etag.startswith('"')
    again = await api.http.get("/graphql", params=params, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == etag
    other = await api.http.get("/graphql", params=params, headers={"If-None-Match": '"x"'})
    assert other.status_code == 200
    assert other.content == first.content
    signed_in = await api.http.get(
        "/graphql", params=params, headers={"Authorization": f"Bearer {api.token('ann')}"}
    )
    assert signed_in.headers["cache-control"] == "private, no-store"
    # Whatever strawberry answers itself is never stored by shared caches.
    mutation = await api.post("mutation { __typename }")
    assert mutation.headers["cache-control"] == "no-store"


async def test_a_cached_answer_has_the_executed_bytes(api: Api) -> None:
    article = await api.create_article("bytes")
    await api.comment(article["id"], CLEAN, as_=api.token("ann"))
    cached = await read(api, THREAD, {"slug": "bytes"})
    api.runtime.cache.enabled = False
    try:
        executed = await read(api, THREAD, {"slug": "bytes"})
    finally:
        api.runtime.cache.enabled = True
    assert "x-cache" not in executed.headers
    assert executed.content == cached.content


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (THREAD, Audience.ANONYMOUS),
        ("{ articles { edges { node { id title commentCount } } } }", Audience.READERS),
        ("{ __typename articles { totalCount } }", Audience.READERS),
        (COMMENT, Audience.ANONYMOUS),
        ("query($id: ID!) { comment(id: $id) { parent { id } } }", Audience.ANONYMOUS),
        (
            'query { ...F } fragment F on Query { article(slug: "a") { comments { edges { node '
            "{ ... on Comment { id body } } } } } }",
            Audience.ANONYMOUS,
        ),
        ("{ viewer { id } }", None),
        ('{ article(slug: "a") { moderation { premoderateAll } } }', None),
        ('{ article(slug: "a") { comments { edges { node { version } } } } }', None),
        ('{ article(slug: "a") { comments { edges { node { author { banned } } } } } }', None),
        ("{ moderationQueueCounts { pending } }", None),
        ("mutation { __typename }", None),
        ("{ __schema { types { name } } }", None),
        ("{ articles @include(if: true) { totalCount } }", Audience.READERS),
        ("{ articles @deprecated { totalCount } }", None),
        ("{ nope }", None),
        ("{ articles { ", None),
        ("query A { articles { totalCount } } mutation B { __typename }", None),
    ],
)
def test_cacheability_is_decided_from_the_document(query: str, expected: Audience | None) -> None:
    assert plan(schema._schema, query, None).audience is expected


def test_layout_does_not_change_the_key() -> None:
    spaced = plan(schema._schema, "query   {\n articles { totalCount } # c\n}", None)
    tight = plan(schema._schema, "{articles{totalCount}}", None)
    assert spaced.key == tight.key
    assert plan(schema._schema, "{articles{totalCount}}", "X").key != tight.key


async def test_an_execution_that_raced_an_invalidation_is_not_stored() -> None:
    bus = EventBus()
    cache = ResponseCache(bus)
    await cache.start()

    async def racing() -> tuple[bytes, frozenset[str], bool]:
        # The thread was read, then a comment became visible (its commit and event).
        bus.publish(CommentVisible(article_id=7, comment_id=70))
        return b"{}", frozenset({article_tag(7)}), True

    outcome = await cache.fetch("k", racing)
    assert outcome.body == b"{}"
    assert cache.peek("k") is None

    async def calm() -> tuple[bytes, frozenset[str], bool]:
        return b"{}", frozenset({article_tag(7)}), True

    await cache.fetch("k", calm)
    assert cache.peek("k") is not None
    bus.publish(CommentRemoved(article_id=8, comment_id=80))
    assert cache.peek("k") is not None
    bus.publish(ArticleChanged(article_id=7))
    assert cache.peek("k") is None


def test_the_local_store_is_bounded_in_bytes() -> None:
    store = LocalEntries(max_bytes=250)
    for key in "abc":
        store.put(key, Entry.of(b"x" * 100, frozenset({key}), time.time(), 60))
    assert len(store) == 2
    assert store.get("a") is None
    assert store.bytes == 200
    assert store.drop_tags(frozenset({"b"})) == 1
    assert store.get("c") is not None
