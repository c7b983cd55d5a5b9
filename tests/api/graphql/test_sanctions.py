"""Bans, suspensions and per-user pre-moderation, as moderators use them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text

from api.services import sanctions
from tests.support.client import Api

ADD = "mutation($i: AddCommentInput!) { addComment(input: $i) { comment { id status } } }"
REPORT = """mutation($i: ReportCommentInput!) { reportComment(input: $i) { comment { id } } }"""
BAN = """mutation($i: BanUserInput!) { banUser(input: $i) {
  user { id banned } sanction { kind reason moderator { id } } rejectedComments } }"""
SUSPEND = """mutation($i: SuspendUserInput!) { suspendUser(input: $i) {
  user { suspendedUntil } sanction { kind until reason } } }"""
UNBAN = "mutation($i: UnbanUserInput!) { unbanUser(input: $i) { user { banned suspendedUntil } sanction { kind } } }"
PREMODERATE = """mutation($i: SetUserPremoderationInput!) { setUserPremoderation(input: $i) {
  user { premoderated } sanction { kind } } }"""
RECORD = """query($id: ID!) { user(id: $id) { id banned suspendedUntil premoderated
  approvedCommentCount rejectedCommentCount
  sanctions { kind reason until createdAt moderator { id name } } } }"""
COUNTS = "query($slug: String!) { article(slug: $slug) { commentCount } }"


async def post(api: Api, article_id: str, body: str, user: str) -> dict[str, Any]:
    return await api.query(ADD, {"i": {"articleId": article_id, "body": body}}, as_=api.token(user))


async def test_ban_refuses_comments_and_reports_and_is_recorded(api: Api) -> None:
    mod = api.token("mo", "moderator")
    article = await api.create_article()
    other = await api.comment(article["id"], "A fair point about the bridge.", as_=api.token("bob"))
    await api.comment(article["id"], "I was here first.", as_=api.token("troll"))

    banned = await api.data(
        BAN, {"i": {"userId": "troll", "reason": "spam", "rejectExistingComments": False}}, as_=mod
    )
    assert banned["banUser"] == {
        "user": {"id": "troll", "banned": True},
        "sanction": {"kind": "BAN", "reason": "spam", "moderator": {"id": "mo"}},
        "rejectedComments": 0,
    }
    error = (await post(api, article["id"], "Let me back in.", "troll"))["errors"][0]
    assert error["extensions"] == {"code": "FORBIDDEN", "reason": "USER_BANNED"}
    body = await api.query(
        REPORT, {"i": {"commentId": other["id"], "reason": "SPAM"}}, as_=api.token("troll")
    )
    assert body["errors"][0]["extensions"] == {"code": "FORBIDDEN", "reason": "USER_BANNED"}
    # A refused mutation writes nothing.
    async with api.runtime.db.read() as session:
        count = (
            await session.exec(text("SELECT count(*) FROM comments WHERE author_id = 'troll'"))
        ).one()  # type: ignore[call-overload]
        reports = (await session.exec(text("SELECT count(*) FROM reports"))).one()  # type: ignore[call-overload]
    assert (count[0], reports[0]) == (1, 0)

    unbanned = await api.data(UNBAN, {"i": {"userId": "troll", "reason": "appeal"}}, as_=mod)
    assert unbanned["unbanUser"]["user"] == {"banned": False, "suspendedUntil": None}
    assert "errors" not in await post(api, article["id"], "Sorry about that.", "troll")

    record = (await api.data(RECORD, {"id": "troll"}, as_=mod))["user"]
    assert [(s["kind"], s["reason"], s["moderator"]["id"]) for s in record["sanctions"]] == [
        ("BAN", "spam", "mo"),
        ("UNBAN", "appeal", "mo"),
    ]
    assert (record["approvedCommentCount"], record["rejectedCommentCount"]) == (2, 0)


async def test_ban_rejects_existing_comments_in_batches_with_history(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sanctions, "REJECT_BATCH", 2)
    mod = api.token("mo", "moderator")
    article = await api.create_article()
    first = await api.comment(article["id"], "One.", as_=api.token("troll"))
    for i in range(4):
        await api.comment(
            article["id"], f"Reply number {i}.", as_=api.token("troll"), parent_id=first["id"]
        )
    await api.comment(article["id"], "Unrelated and fine.", as_=api.token("bob"))
    assert (await api.data(COUNTS, {"slug": article["slug"]}))["article"]["commentCount"] == 6

    banned = await api.data(
        BAN, {"i": {"userId": "troll", "reason": "abuse", "rejectExistingComments": True}}, as_=mod
    )
    assert banned["banUser"]["rejectedComments"] == 5
    # Visible-comment counters moved with every rejection.
    assert (await api.data(COUNTS, {"slug": article["slug"]}))["article"]["commentCount"] == 1
    history = await api.data(
        """query($id: ID!) { comment(id: $id) { status replyCount
             moderation { history { status reason moderator { id } } } } }""",
        {"id": first["id"]},
        as_=mod,
    )
    assert history["comment"]["status"] == "REJECTED" and history["comment"]["replyCount"] == 0
    assert history["comment"]["moderation"]["history"][-1] == {
        "status": "REJECTED",
        "reason": "user banned: abuse",
        "moderator": {"id": "mo"},
    }
    record = (await api.data(RECORD, {"id": "troll"}, as_=mod))["user"]
    assert (record["approvedCommentCount"], record["rejectedCommentCount"]) == (0, 5)


async def test_suspension_ends_at_its_time(api: Api) -> None:
    mod = api.token("mo", "moderator")
    article = await api.create_article()
    await api.comment(article["id"], "Hello.", as_=api.token("sam"))
    until = (datetime.now(UTC) + timedelta(hours=2)).replace(microsecond=0)
    suspended = await api.data(
        SUSPEND, {"i": {"userId": "sam", "until": until.isoformat(), "reason": "cool off"}}, as_=mod
    )
    assert suspended["suspendUser"]["sanction"]["kind"] == "SUSPEND"
    assert datetime.fromisoformat(suspended["suspendUser"]["user"]["suspendedUntil"]) == until
    error = (await post(api, article["id"], "Still here.", "sam"))["errors"][0]
    assert error["extensions"]["code"] == "FORBIDDEN"
    assert error["extensions"]["reason"] == "USER_SUSPENDED"
    assert datetime.fromisoformat(error["extensions"]["until"]) == until

    # Once the time has passed, the user may comment again without a moderator.
    async with api.runtime.db.write() as session:
        await session.exec(
            text("UPDATE users SET suspended_until = '2000-01-01 00:00:00' WHERE id = 'sam'")
        )  # type: ignore[call-overload]
    assert "errors" not in await post(api, article["id"], "Back again.", "sam")
    assert (await api.data(RECORD, {"id": "sam"}, as_=mod))["user"]["suspendedUntil"] is None


async def test_user_premoderation_holds_their_comments(api: Api) -> None:
    mod = api.token("mo", "moderator")
    article = await api.create_article()
    await api.comment(article["id"], "First.", as_=api.token("pat"))
    on = await api.data(PREMODERATE, {"i": {"userId": "pat", "enabled": True}}, as_=mod)
    assert on["setUserPremoderation"] == {
        "user": {"premoderated": True},
        "sanction": {"kind": "PREMODERATE"},
    }
    held = await api.comment(article["id"], "A perfectly nice comment.", as_=api.token("pat"))
    assert held["status"] == "PENDING"
    reasons = await api.data(
        "query($id: ID!) { comment(id: $id) { moderation { reasons { code } } } }",
        {"id": held["id"]},
        as_=mod,
    )
    assert {"code": "USER_PREMODERATED"} in reasons["comment"]["moderation"]["reasons"]
    await api.data(PREMODERATE, {"i": {"userId": "pat", "enabled": False}}, as_=mod)
    assert (await api.comment(article["id"], "Another nice one.", as_=api.token("pat")))[
        "status"
    ] == "APPROVED"
    kinds = [
        s["kind"] for s in (await api.data(RECORD, {"id": "pat"}, as_=mod))["user"]["sanctions"]
    ]
    assert kinds == ["PREMODERATE", "END_PREMODERATION"]


@pytest.mark.parametrize(
    ("query", "variables", "field"),
    [
        (BAN, {"userId": "nobody", "reason": "x"}, "userId"),
        (BAN, {"userId": "mo", "reason": "x"}, "userId"),
        (BAN, {"userId": "sam", "reason": "  "}, "reason"),
        (SUSPEND, {"userId": "sam", "until": "2001-01-01T00:00:00Z", "reason": "x"}, "until"),
    ],
    ids=["unknown-user", "self", "blank-reason", "past-until"],
)
async def test_bad_sanctions_are_refused_and_write_nothing(
    api: Api, query: str, variables: dict[str, Any], field: str
) -> None:
    mod = api.token("mo", "moderator")
    article = await api.create_article()
    await api.comment(article["id"], "Hello.", as_=api.token("sam"))
    error = await api.error(query, {"i": variables}, as_=mod)
    assert error["extensions"]["code"] in ("BAD_USER_INPUT", "NOT_FOUND")
    assert error["extensions"]["field"] == field
    sanctions_left = (await api.data(RECORD, {"id": "sam"}, as_=mod))["user"]["sanctions"]
    assert sanctions_left == []


async def test_user_record_is_for_moderators_only(api: Api) -> None:
    article = await api.create_article()
    comment = await api.comment(article["id"], "Hello.", as_=api.token("sam"))
    query = """query($id: ID!) { comment(id: $id) { author { id name banned premoderated
        sanctions { kind } approvedCommentCount rejectedCommentCount } } }"""
    for token in (None, api.token("bob")):
        author = (await api.data(query, {"id": comment["id"]}, as_=token))["comment"]["author"]
        assert author == {
            "id": "sam",
            "name": "Sam",
            "banned": None,
            "premoderated": None,
            "sanctions": None,
            "approvedCommentCount": None,
            "rejectedCommentCount": None,
        }
    author = await api.data(query, {"id": comment["id"]}, as_=api.token("mo", "moderator"))
    assert author["comment"]["author"]["approvedCommentCount"] == 1
    for token, code in [(None, "UNAUTHENTICATED"), (api.token("bob"), "FORBIDDEN")]:
        error = await api.error(BAN, {"i": {"userId": "sam", "reason": "x"}}, as_=token)
        assert error["extensions"]["code"] == code


async def test_a_banned_moderator_has_no_powers_left(api: Api) -> None:
    article = await api.create_article()
    held = await api.comment(article["id"], "fuck you, idiot", as_=api.token("ann"))
    rogue = api.token("rogue", "moderator")
    await api.data("{ viewer { id } }", as_=rogue)  # known to the service
    admin = api.token("boss", "admin")
    await api.data(BAN, {"i": {"userId": "rogue", "reason": "abuse"}}, as_=admin)
    queue = await api.error("{ moderationQueue { totalCount } }", as_=rogue)
    assert queue["extensions"]["code"] == "FORBIDDEN"
    decided = await api.error(
        "mutation($i: ModerateCommentInput!) { approveComment(input: $i) { comment { id } } }",
        {"i": {"commentId": held["id"]}},
        as_=rogue,
    )
    assert decided["extensions"]["code"] == "FORBIDDEN"
    # Nor can they lift their own ban, nor comment; moderator-only fields are null.
    unban = await api.error(UNBAN, {"i": {"userId": "rogue", "reason": "me"}}, as_=rogue)
    assert unban["extensions"]["code"] == "FORBIDDEN"
    error = (await post(api, article["id"], "Hello.", "rogue"))["errors"][0]
    assert error["extensions"]["reason"] == "USER_BANNED"
    # Unbanned, the token's role counts again.
    await api.data(UNBAN, {"i": {"userId": "rogue", "reason": "appeal"}}, as_=admin)
    assert "errors" not in await api.query("{ moderationQueue { totalCount } }", as_=rogue)
