"""Articles: upsert by slug, lookups, closing comments."""

from __future__ import annotations

from tests.support.client import Api
from tests.support.constants import CLEAN

UPSERT = """mutation($a: ArticleInput!) { upsertArticle(input: $a) {
  article { id slug title body url language publishedAt commentsOpen commentCount } } }"""
CLOSE = """mutation($i: SetCommentsOpenInput!) { setCommentsOpen(input: $i) {
  article { id commentsOpen } } }"""
ADD = """mutation($i: AddCommentInput!) { addComment(input: $i) { comment { id } } }"""


async def test_upsert_creates_then_updates_by_slug(api: Api) -> None:
    admin = api.token("root", "admin")
    article = {
        "slug": "storm-warning",
        "title": "Storm warning",
        "body": "Winds of 90 km/h expected.",
        "url": "https://news.example/storm",
        "language": "en",
        "publishedAt": "2026-11-30T06:00:00+00:00",
    }
    created = (await api.data(UPSERT, {"a": article}, as_=admin))["upsertArticle"]["article"]
    assert created["publishedAt"] == "2026-11-30T06:00:00+00:00"
    assert created["commentsOpen"] is True and created["commentCount"] == 0
    updated = (
        await api.data(UPSERT, {"a": {**article, "title": "Storm warning lifted"}}, as_=admin)
    )["upsertArticle"]["article"]
    assert updated["id"] == created["id"] and updated["title"] == "Storm warning lifted"

    by_id = await api.data("query($id: ID!) { article(id: $id) { slug } }", {"id": created["id"]})
    assert by_id["article"]["slug"] == "storm-warning"
    assert (await api.data('{ article(slug: "nope") { id } }'))["article"] is None
    assert (await api.data('{ article(id: "garbage") { id } }'))["article"] is None


async def test_upsert_requires_admin_and_valid_input(api: Api) -> None:
    article = {"slug": "ok", "title": "Title", "body": "Body"}
    anonymous = await api.error(UPSERT, {"a": article})
    assert anonymous["extensions"]["code"] == "UNAUTHENTICATED"
    moderator = await api.error(UPSERT, {"a": article}, as_=api.token("mo", "moderator"))
    assert moderator["extensions"]["code"] == "FORBIDDEN"
    admin = api.token("root", "admin")
    for bad in [
        {"slug": "Has Spaces"},
        {"title": "   "},
        {"url": "javascript:alert(1)"},
        {"language": "english please"},
        {"body": "nul\x00byte"},
    ]:
        error = await api.error(UPSERT, {"a": {**article, **bad}}, as_=admin)
        assert error["extensions"]["code"] == "BAD_USER_INPUT", bad
    assert (await api.data("{ articles { totalCount } }"))["articles"]["totalCount"] == 0


async def test_article_query_needs_exactly_one_key(api: Api) -> None:
    error = await api.error("{ article { id } }")
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    error = await api.error('{ article(id: "x", slug: "y") { id } }')
    assert error["extensions"]["code"] == "BAD_USER_INPUT"


async def test_closed_article_refuses_comments(api: Api) -> None:
    article = await api.create_article()
    ann = api.token("ann")
    await api.comment(article["id"], CLEAN, as_=ann)
    commenter = await api.error(CLOSE, {"i": {"articleId": article["id"], "open": False}}, as_=ann)
    assert commenter["extensions"]["code"] == "FORBIDDEN"
    closed = await api.data(
        CLOSE, {"i": {"articleId": article["id"], "open": False}}, as_=api.token("mo", "moderator")
    )
    assert closed["setCommentsOpen"]["article"]["commentsOpen"] is False

    error = await api.error(ADD, {"i": {"articleId": article["id"], "body": CLEAN}}, as_=ann)
    assert error["extensions"]["code"] == "COMMENTS_CLOSED"
    count = await api.data('{ article(slug: "a-story") { commentCount } }')
    assert count["article"]["commentCount"] == 1

    await api.data(
        CLOSE, {"i": {"articleId": article["id"], "open": True}}, as_=api.token("root", "admin")
    )
    await api.comment(article["id"], CLEAN, as_=ann)


async def test_set_comments_open_on_unknown_article(api: Api) -> None:
    error = await api.error(
        CLOSE,
        {"i": {"articleId": "QXJ0aWNsZTo5OQ", "open": False}},
        as_=api.token("mo", "moderator"),
    )
    assert error["extensions"]["code"] == "NOT_FOUND"
