"""Every way addComment can be refused, each with its code, and nothing written."""

from __future__ import annotations

from tests.support.client import Api
from tests.support.constants import CLEAN, TOXIC

ADD = """mutation($i: AddCommentInput!) { addComment(input: $i) { comment { id } } }"""
COUNT = """{ moderationQueueCounts { pending rejected } articles { edges { node { commentCount } } } }"""


async def assert_nothing_written(api: Api, visible: int = 0) -> None:
    data = await api.data(COUNT, as_=api.token("mo", "moderator"))
    assert data["moderationQueueCounts"] == {"pending": 0, "rejected": 0}
    assert sum(e["node"]["commentCount"] for e in data["articles"]["edges"]) == visible


async def test_body_checks(api: Api) -> None:
    article = await api.create_article()
    ann = api.token("ann")
    for body in ["", "   \n\t ", "nul \x00 inside", "x" * 5001]:
        error = await api.error(ADD, {"i": {"articleId": article["id"], "body": body}}, as_=ann)
        assert error["extensions"]["code"] == "BAD_USER_INPUT", body[:20]
        assert error["extensions"]["field"] == "body"
    # Exactly at the limit is fine.
    await api.comment(article["id"], "y" * 5000, as_=ann)
    await assert_nothing_written(api, visible=1)


async def test_max_length_setting(api: Api) -> None:
    api.runtime.settings.max_comment_length = 10
    article = await api.create_article()
    error = await api.error(
        ADD, {"i": {"articleId": article["id"], "body": "eleven char"}}, as_=api.token("ann")
    )
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "body", "maxLength": 10}


async def test_parent_checks(api: Api) -> None:
    one = await api.create_article("one")
    two = await api.create_article("two")
    ann = api.token("ann")
    elsewhere = await api.comment(two["id"], CLEAN, as_=ann)
    held = await api.comment(one["id"], TOXIC, as_=api.token("bob"))
    mo = api.token("mo", "moderator")
    await api.data(
        "mutation($i: ModerateCommentInput!) { rejectComment(input: $i) { comment { id } } }",
        {"i": {"commentId": held["id"]}},
        as_=mo,
    )
    for parent in [elsewhere["id"], held["id"], "Q29tbWVudDo5OTk", "garbage"]:
        error = await api.error(
            ADD, {"i": {"articleId": one["id"], "body": CLEAN, "parentId": parent}}, as_=ann
        )
        assert error["extensions"]["code"] == "BAD_USER_INPUT"
        assert error["extensions"]["field"] == "parentId"
    counts = await api.data(COUNT, as_=mo)
    assert counts["moderationQueueCounts"] == {"pending": 0, "rejected": 1}


async def test_unknown_article_and_anonymous(api: Api) -> None:
    error = await api.error(
        ADD, {"i": {"articleId": "QXJ0aWNsZTo5OQ", "body": CLEAN}}, as_=api.token("ann")
    )
    assert error["extensions"]["code"] == "NOT_FOUND"
    article = await api.create_article()
    error = await api.error(ADD, {"i": {"articleId": article["id"], "body": CLEAN}})
    assert error["extensions"]["code"] == "UNAUTHENTICATED"
    await assert_nothing_written(api)


async def test_malformed_requests_get_bad_user_input(api: Api) -> None:
    syntax = await api.query("{ articles { ")
    assert syntax["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    unknown = await api.query("{ nosuchfield }")
    assert unknown["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    wrong_type = await api.query(
        "query($n: Int) { articles(first: $n) { totalCount } }", {"n": "x"}
    )
    assert wrong_type["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    negative = await api.query("{ articles(first: -1) { totalCount } }")
    assert negative["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_bodies_of_invisible_characters_only_are_refused_as_blank(api: Api) -> None:
    article = await api.create_article()
    ann = api.token("ann")
    invisible = [
        "\u200b\u200b\u200b",  # zero-width spaces
        "\u2060\ufeff \u200d",  # word joiner, BOM, space, zero-width joiner
        "\u202e\u202d\u2066\u2069\u200f",  # bidi overrides, isolates, a mark
        "\u3164\u2800",  # Hangul filler, blank braille pattern
    ]
    for body in invisible:
        error = await api.error(ADD, {"i": {"articleId": article["id"], "body": body}}, as_=ann)
        assert (error["extensions"]["code"], error["extensions"]["field"]) == (
            "BAD_USER_INPUT",
            "body",
        ), repr(body)
    await assert_nothing_written(api)
    # Bidi controls inside visible text are kept as sent (right-to-left writers use them).
    kept = await api.comment(article["id"], "\u2067\u05e9\u05dc\u05d5\u05dd\u2069 ok", as_=ann)
    assert kept["body"] == "\u2067\u05e9\u05dc\u05d5\u05dd\u2069 ok"
