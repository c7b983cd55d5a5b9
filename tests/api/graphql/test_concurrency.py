"""Many writers at once: conditional decisions, idempotent retries, queue claims.

These run against SQLite and, in the suite's second run, PostgreSQL, with real
concurrent transactions (each request has its own connection)."""

from __future__ import annotations

import asyncio
from typing import Any

from tests.support.client import Api
from tests.support.constants import TOXIC

DECIDE = """mutation($i: ModerateCommentInput!) {
  %s(input: $i) { comment { id status version } } }"""
CLAIM = """mutation($i: ClaimCommentsInput!) { claimComments(input: $i) {
  expiresAt comments { id moderation { claimedBy { id } claimExpiresAt } } } }"""
HISTORY = "query($id: ID!) { comment(id: $id) { status version moderation { history { status moderator { id } } claimedBy { id } } } }"


async def held_comments(api: Api, n: int) -> list[dict[str, Any]]:
    article = await api.create_article()
    return [
        await api.comment(article["id"], f"{TOXIC} {i}", as_=api.token(f"u{i}")) for i in range(n)
    ]


async def test_two_moderators_deciding_at_once_exactly_one_wins(api: Api) -> None:
    ann, bob = api.token("ann", "moderator"), api.token("bob", "moderator")
    for comment in await held_comments(api, 8):
        variables = {"i": {"commentId": comment["id"], "version": comment["version"]}}
        approve, reject = await asyncio.gather(
            api.query(DECIDE % "approveComment", variables, as_=ann),
            api.query(DECIDE % "rejectComment", variables, as_=bob),
        )
        outcomes = [r for r in (approve, reject) if "errors" not in r]
        conflicts = [r["errors"][0] for r in (approve, reject) if "errors" in r]
        assert len(outcomes) == 1 and len(conflicts) == 1, (approve, reject)
        winner = next(iter(outcomes[0]["data"].values()))["comment"]
        assert conflicts[0]["extensions"]["code"] == "CONFLICT"
        assert conflicts[0]["extensions"]["status"] == winner["status"]
        stored = (await api.data(HISTORY, {"id": comment["id"]}, as_=ann))["comment"]
        assert stored["status"] == winner["status"] and stored["version"] == comment["version"] + 1
        assert len(stored["moderation"]["history"]) == 2


async def test_concurrent_retries_create_exactly_one_comment(api: Api) -> None:
    article = await api.create_article()
    ann = api.token("ann")
    mutation = "mutation($i: AddCommentInput!) { addComment(input: $i) { comment { id } } }"
    variables = {
        "i": {"articleId": article["id"], "body": "Once only.", "clientMutationId": "retry-1"}
    }
    results = await asyncio.gather(*(api.data(mutation, variables, as_=ann) for _ in range(6)))
    assert len({r["addComment"]["comment"]["id"] for r in results}) == 1
    count = await api.data('{ article(slug: "a-story") { commentCount } }')
    assert count["article"]["commentCount"] == 1


async def test_claims_hand_out_disjoint_comments_and_expire(api: Api) -> None:
    comments = await held_comments(api, 5)
    ann, bob = api.token("ann", "moderator"), api.token("bob", "moderator")
    a, b = await asyncio.gather(
        api.data(CLAIM, {"i": {"count": 3}}, as_=ann), api.data(CLAIM, {"i": {"count": 3}}, as_=bob)
    )
    mine = [c["id"] for c in a["claimComments"]["comments"]]
    theirs = [c["id"] for c in b["claimComments"]["comments"]]
    assert not set(mine) & set(theirs)
    assert sorted(mine + theirs) == sorted(c["id"] for c in comments)
    assert a["claimComments"]["comments"][0]["moderation"]["claimedBy"] == {"id": "ann"}
    # Nothing left to claim for a third moderator.
    third = await api.data(CLAIM, {"i": {"count": 3}}, as_=api.token("cy", "moderator"))
    assert third["claimComments"]["comments"] == []
    # Claiming again returns one's own claims (renewed).
    again = await api.data(CLAIM, {"i": {"count": 5}}, as_=ann)
    assert sorted(c["id"] for c in again["claimComments"]["comments"]) == sorted(mine)

    # A decision ends the claim.
    await api.data(DECIDE % "approveComment", {"i": {"commentId": mine[0]}}, as_=ann)
    assert (await api.data(HISTORY, {"id": mine[0]}, as_=ann))["comment"]["moderation"][
        "claimedBy"
    ] is None

    # Expired claims are free again: bob's renewal expires at once, ann's still holds.
    api.runtime.settings.claim_seconds = -1
    await api.data(CLAIM, {"i": {"count": 5}}, as_=bob)
    later = await api.data(CLAIM, {"i": {"count": 5}}, as_=api.token("cy", "moderator"))
    assert sorted(c["id"] for c in later["claimComments"]["comments"]) == sorted(theirs)


async def test_claim_checks_input_and_role(api: Api) -> None:
    for count in (0, 101):
        error = await api.error(CLAIM, {"i": {"count": count}}, as_=api.token("mo", "moderator"))
        assert error["extensions"]["code"] == "BAD_USER_INPUT"
    error = await api.error(CLAIM, {"i": {"count": 1}}, as_=api.token("ann"))
    assert error["extensions"]["code"] == "FORBIDDEN"


async def test_a_new_users_first_writes_at_once_all_succeed(api: Api) -> None:
    article = await api.create_article()
    newcomer = api.token("newcomer")
    mutation = "mutation($i: AddCommentInput!) { addComment(input: $i) { comment { id } } }"
    results = await asyncio.gather(
        *(
            api.query(
                mutation,
                {
                    "i": {
                        "articleId": article["id"],
                        "body": f"Hello {i}.",
                        "clientMutationId": f"c{i}",
                    }
                },
                as_=newcomer,
            )
            for i in range(10)
        )
    )
    assert all("errors" not in r for r in results), [r.get("errors") for r in results]
    assert len({r["data"]["addComment"]["comment"]["id"] for r in results}) == 10
    # A moderator's first requests, in parallel, likewise.
    held = await held_comments(api, 6)
    fresh = api.token("first-day", "moderator")
    decisions = await asyncio.gather(
        *(
            api.query(
                DECIDE % "approveComment",
                {"i": {"commentId": c["id"], "version": c["version"]}},
                as_=fresh,
            )
            for c in held
        )
    )
    assert all("errors" not in r for r in decisions), [r.get("errors") for r in decisions]
