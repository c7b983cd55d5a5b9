"""Notifications for authors: decisions, holds, replies, moderators' messages; reading them."""

from __future__ import annotations

from typing import Any

from tests.support.client import Api
from tests.support.constants import APPROVE, CLEAN, REJECT, TOXIC

MINE = """query($first: Int, $after: String) { viewer { notifications(first: $first, after: $after) {
  totalCount unreadCount pageInfo { hasNextPage endCursor }
  edges { node { id kind commentId message readAt } } } } }"""
MARK = (
    """mutation($i: MarkNotificationsReadInput!) { markNotificationsRead(input: $i) { marked } }"""
)
MESSAGE = """mutation($i: MessageUserInput!) { messageUser(input: $i) {
  notification { id kind message } } }"""
EDIT = (
    """mutation($i: EditCommentInput!) { editComment(input: $i) { comment { status version } } }"""
)


async def mine(api: Api, token: str, **variables: Any) -> dict[str, Any]:
    data = await api.data(MINE, variables, as_=token)
    result: dict[str, Any] = data["viewer"]["notifications"]
    return result


def kinds(connection: dict[str, Any]) -> list[tuple[str, str | None]]:
    return [(e["node"]["kind"], e["node"]["commentId"]) for e in connection["edges"]]


async def test_authors_hear_of_decisions_holds_and_replies(api: Api) -> None:
    article = await api.create_article()
    ann, bob, mo = api.token("ann"), api.token("bob"), api.token("mo", "moderator")
    top = await api.comment(article["id"], CLEAN, as_=ann)
    assert (await mine(api, ann))["totalCount"] == 0  # published: nothing to say

    held = await api.comment(article["id"], TOXIC, as_=ann)
    reply = await api.comment(article["id"], "I agree with this.", as_=bob, parent_id=top["id"])
    # A reply to oneself tells nobody.
    await api.comment(article["id"], "And one more thing.", as_=ann, parent_id=top["id"])
    await api.data(APPROVE, {"i": {"commentId": held["id"]}}, as_=mo)
    hidden = await api.comment(article["id"], TOXIC + " again", as_=ann)
    await api.data(
        REJECT,
        {"i": {"commentId": hidden["id"], "reason": "insults", "showReasonToAuthor": True}},
        as_=mo,
    )
    quiet = await api.comment(article["id"], TOXIC + " thrice", as_=ann)
    await api.data(REJECT, {"i": {"commentId": quiet["id"], "reason": "internal"}}, as_=mo)

    got = await mine(api, ann)
    assert kinds(got) == [
        ("REJECTED", quiet["id"]),
        ("HELD", quiet["id"]),
        ("REJECTED", hidden["id"]),
        ("HELD", hidden["id"]),
        ("APPROVED", held["id"]),
        ("REPLY", reply["id"]),
        ("HELD", held["id"]),
    ]
    # The reason reaches the author only when the moderator chose to show it.
    rejected = [e["node"] for e in got["edges"] if e["node"]["kind"] == "REJECTED"]
    assert [n["message"] for n in rejected] == [None, "insults"]
    assert got["totalCount"] == got["unreadCount"] == 7
    assert (await mine(api, bob))["totalCount"] == 0

    # Re-approving a published comment (reports dismissed) is no news.
    await api.data(APPROVE, {"i": {"commentId": top["id"]}}, as_=mo)
    assert (await mine(api, ann))["totalCount"] == 7


async def test_a_held_reply_tells_the_parent_once_it_is_published(api: Api) -> None:
    article = await api.create_article()
    ann, bob, mo = api.token("ann"), api.token("bob"), api.token("mo", "moderator")
    top = await api.comment(article["id"], CLEAN, as_=ann)
    reply = await api.comment(article["id"], TOXIC, as_=bob, parent_id=top["id"])
    assert (await mine(api, ann))["totalCount"] == 0
    # An edit that publishes it tells the parent's author; editing back and forth, once.
    edited = await api.data(
        EDIT,
        {"i": {"commentId": reply["id"], "body": "Fair point.", "version": reply["version"]}},
        as_=bob,
    )
    assert edited["editComment"]["comment"]["status"] == "APPROVED"
    assert kinds(await mine(api, ann)) == [("REPLY", reply["id"])]
    assert kinds(await mine(api, bob)) == [("HELD", reply["id"])]
    version = edited["editComment"]["comment"]["version"]
    again = await api.data(
        EDIT, {"i": {"commentId": reply["id"], "body": TOXIC, "version": version}}, as_=bob
    )
    version = again["editComment"]["comment"]["version"]
    await api.data(APPROVE, {"i": {"commentId": reply["id"], "version": version}}, as_=mo)
    assert kinds(await mine(api, ann)) == [("REPLY", reply["id"])]
    assert [k for k, _ in kinds(await mine(api, bob))] == ["APPROVED", "HELD", "HELD"]


async def test_pages_newest_first_and_marking_read(api: Api) -> None:
    ann, mo = api.token("ann"), api.token("mo", "moderator")
    await api.data("{ viewer { id } }", as_=ann)  # ann is known from her first request
    for n in range(5):
        await api.data(MESSAGE, {"i": {"userId": "ann", "message": f"note {n}"}}, as_=mo)
    first = await mine(api, ann, first=2)
    assert [e["node"]["kind"] for e in first["edges"]] == ["MESSAGE", "MESSAGE"]
    assert first["pageInfo"]["hasNextPage"] and first["totalCount"] == 5
    rest = await mine(api, ann, first=10, after=first["pageInfo"]["endCursor"])
    texts = [n["node"]["message"] for n in first["edges"] + rest["edges"]]
    assert texts == [f"note {n}" for n in (4, 3, 2, 1, 0)]

    ids = [e["node"]["id"] for e in first["edges"]]
    assert (await api.data(MARK, {"i": {"ids": ids}}, as_=ann))["markNotificationsRead"] == {
        "marked": 2
    }
    # Someone else's ids mark nothing; marking again is a no-op.
    assert (await api.data(MARK, {"i": {"ids": ids}}, as_=api.token("bob")))[
        "markNotificationsRead"
    ]["marked"] == 0
    assert (await api.data(MARK, {"i": {"ids": ids}}, as_=ann))["markNotificationsRead"][
        "marked"
    ] == 0
    after = await mine(api, ann)
    assert after["unreadCount"] == 3 and after["totalCount"] == 5
    assert [e["node"]["readAt"] is not None for e in after["edges"]] == [True, True] + [False] * 3
    assert (await api.data(MARK, {"i": {"all": True}}, as_=ann))["markNotificationsRead"][
        "marked"
    ] == 3
    assert (await mine(api, ann))["unreadCount"] == 0


async def test_only_the_user_reads_their_notifications_and_refusals(api: Api) -> None:
    ann, bob, mo = api.token("ann"), api.token("bob"), api.token("mo", "moderator")
    await api.data("{ viewer { id } }", as_=ann)
    await api.data(MESSAGE, {"i": {"userId": "ann", "message": "Please keep it civil."}}, as_=mo)
    # A moderator looking the user up does not read their notifications.
    looked = await api.data('{ user(id: "ann") { notifications { totalCount } } }', as_=mo)
    assert looked["user"]["notifications"] is None
    assert (await api.data(MINE, as_=bob))["viewer"]["notifications"]["totalCount"] == 0
    assert (await api.data(MINE))["viewer"] is None

    error = await api.error(MESSAGE, {"i": {"userId": "ann", "message": "hi"}}, as_=bob)
    assert error["extensions"]["code"] == "FORBIDDEN"
    error = await api.error(MESSAGE, {"i": {"userId": "nobody", "message": "hi"}}, as_=mo)
    assert error["extensions"]["code"] == "NOT_FOUND"
    error = await api.error(MESSAGE, {"i": {"userId": "ann", "message": " "}}, as_=mo)
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    for bad in ({}, {"ids": [], "all": True}):
        error = await api.error(MARK, {"i": bad}, as_=ann)
        assert error["extensions"]["code"] == "BAD_USER_INPUT"
    error = await api.error(MARK, {"i": {"ids": ["bogus"]}}, as_=ann)
    assert error["extensions"]["code"] == "NOT_FOUND"
    assert (await api.error(MARK, {"i": {"all": True}}))["extensions"]["code"] == "UNAUTHENTICATED"
    assert (await api.data(MINE, as_=ann))["viewer"]["notifications"]["unreadCount"] == 1
