"""Authors edit (judged again, every revision kept) and delete their comments."""

from __future__ import annotations

import asyncio
from typing import Any

from tests.support.client import Api
from tests.support.constants import APPROVE, CLEAN, REJECT, TOXIC

EDIT = """mutation($i: EditCommentInput!) { editComment(input: $i) {
  comment { id body status version editedAt } } }"""
DELETE = """mutation($i: DeleteCommentInput!) { deleteComment(input: $i) {
  comment { id deletedAt version } } }"""
COMMENT = """query($id: ID!) { comment(id: $id) { id body status version editedAt deletedAt
  author { id } replyCount revisions { number body status current reasons { code } } } }"""
ARTICLE = """query($slug: String!) { article(slug: $slug) { commentCount
  comments { totalCount edges { node { id body deletedAt author { id }
    replies { edges { node { id body } } } } } } } }"""
COUNTS = "{ moderationQueueCounts { pending reported rejected approved } }"
BETTER = "Thanks for the clear reporting on the bridge repairs, and the photos."


async def edit(api: Api, comment: dict[str, Any], body: str, *, as_: str) -> dict[str, Any]:
    data = await api.data(
        EDIT,
        {"i": {"commentId": comment["id"], "body": body, "version": comment["version"]}},
        as_=as_,
    )
    result: dict[str, Any] = data["editComment"]["comment"]
    return result


async def test_an_edit_is_judged_again_and_every_revision_is_kept(api: Api) -> None:
    article = await api.create_article()
    ann, mo = api.token("ann"), api.token("mo", "moderator")
    posted = await api.comment(article["id"], CLEAN, as_=ann)
    assert (await api.data(ARTICLE, {"slug": "a-story"}))["article"]["commentCount"] == 1

    # Published -> held: it leaves the thread and the count, and enters PENDING.
    held = await edit(api, posted, TOXIC, as_=ann)
    assert held["status"] == "PENDING" and held["body"] == TOXIC
    assert held["version"] == posted["version"] + 1 and held["editedAt"] is not None
    reader = (await api.data(ARTICLE, {"slug": "a-story"}))["article"]
    assert reader["commentCount"] == 0 and reader["comments"]["edges"] == []
    assert (await api.data(COMMENT, {"id": posted["id"]}))["comment"] is None
    assert (await api.data(COUNTS, as_=mo))["moderationQueueCounts"]["pending"] == 1

    # Held -> published again.
    again = await edit(api, held, BETTER, as_=ann)
    assert again["status"] == "APPROVED"
    reader = (await api.data(ARTICLE, {"slug": "a-story"}))["article"]
    assert reader["commentCount"] == 1
    assert [e["node"]["body"] for e in reader["comments"]["edges"]] == [BETTER]
    counts = (await api.data(COUNTS, as_=mo))["moderationQueueCounts"]
    assert counts["pending"] == 0 and counts["approved"] == 1

    # Readers see that it was edited, not the revisions; author and moderators see them.
    seen = (await api.data(COMMENT, {"id": posted["id"]}))["comment"]
    assert seen["editedAt"] == again["editedAt"] and seen["revisions"] is None
    other = (await api.data(COMMENT, {"id": posted["id"]}, as_=api.token("bob")))["comment"]
    assert other["revisions"] is None
    for viewer in (ann, mo):
        revisions = (await api.data(COMMENT, {"id": posted["id"]}, as_=viewer))["comment"][
            "revisions"
        ]
        assert [(r["number"], r["body"], r["status"], r["current"]) for r in revisions] == [
            (1, CLEAN, "APPROVED", False),
            (2, TOXIC, "PENDING", False),
            (3, BETTER, "APPROVED", True),
        ]
        assert "TOXICITY" in {reason["code"] for reason in revisions[1]["reasons"]}
    # The history says who decided on each text (the system, twice after edits).
    history = await api.data(
        "query($id: ID!) { comment(id: $id) { moderation { history { status reason } } } }",
        {"id": posted["id"]},
        as_=mo,
    )
    assert [h["status"] for h in history["comment"]["moderation"]["history"]] == [
        "APPROVED",
        "PENDING",
        "APPROVED",
    ]


async def test_edits_are_refused_with_stable_codes_and_write_nothing(api: Api) -> None:
    article = await api.create_article()
    ann, mo = api.token("ann"), api.token("mo", "moderator")
    posted = await api.comment(article["id"], CLEAN, as_=ann)
    variables = {"i": {"commentId": posted["id"], "body": BETTER, "version": posted["version"]}}

    assert (await api.error(EDIT, variables))["extensions"]["code"] == "UNAUTHENTICATED"
    error = await api.error(EDIT, variables, as_=api.token("bob"))
    assert error["extensions"] == {"code": "FORBIDDEN", "reason": "NOT_AUTHOR"}
    stale = {"i": {**variables["i"], "version": posted["version"] + 7}}
    error = await api.error(EDIT, stale, as_=ann)
    assert error["extensions"]["code"] == "CONFLICT"
    assert error["extensions"]["version"] == posted["version"]
    blank = {"i": {**variables["i"], "body": "  "}}
    assert (await api.error(EDIT, blank, as_=ann))["extensions"]["code"] == "BAD_USER_INPUT"
    unknown = {"i": {**variables["i"], "commentId": "nope"}}
    assert (await api.error(EDIT, unknown, as_=ann))["extensions"]["code"] == "NOT_FOUND"
    unchanged = (await api.data(COMMENT, {"id": posted["id"]}, as_=ann))["comment"]
    assert unchanged["body"] == CLEAN and unchanged["version"] == posted["version"]
    assert len(unchanged["revisions"]) == 1

    until = "query($id: ID!) { comment(id: $id) { editableUntil } }"
    assert (await api.data(until, {"id": posted["id"]}, as_=ann))["comment"]["editableUntil"]

    # Once a moderator decided, the text they judged stays.
    await api.data(APPROVE, {"i": {"commentId": posted["id"]}}, as_=mo)
    assert (await api.data(until, {"id": posted["id"]}, as_=ann))["comment"][
        "editableUntil"
    ] is None
    current = (await api.data(COMMENT, {"id": posted["id"]}, as_=ann))["comment"]
    moderated = {"i": {**variables["i"], "version": current["version"]}}
    error = await api.error(EDIT, moderated, as_=ann)
    assert error["extensions"] == {"code": "FORBIDDEN", "reason": "MODERATED"}

    # Past the window (0 seconds here): refused.
    later = await api.comment(article["id"], "Second thoughts on the bridge.", as_=ann)
    api.runtime.settings.edit_window_seconds = 0
    error = await api.error(
        EDIT,
        {"i": {"commentId": later["id"], "body": BETTER, "version": later["version"]}},
        as_=ann,
    )
    assert error["extensions"]["code"] == "FORBIDDEN"
    assert error["extensions"]["reason"] == "EDIT_WINDOW_CLOSED"


async def test_a_decision_is_pinned_to_the_revision_the_moderator_saw(api: Api) -> None:
    article = await api.create_article()
    ann, mo = api.token("ann"), api.token("mo", "moderator")
    held = await api.comment(article["id"], TOXIC, as_=ann)
    seen_version = held["version"]
    edited = await edit(api, held, TOXIC + " and worse", as_=ann)
    assert edited["version"] == seen_version + 1
    error = await api.error(
        APPROVE, {"i": {"commentId": held["id"], "version": seen_version}}, as_=mo
    )
    assert error["extensions"]["code"] == "CONFLICT"
    assert error["extensions"]["version"] == edited["version"]
    assert (await api.data(COMMENT, {"id": held["id"]}, as_=mo))["comment"]["status"] == "PENDING"
    # On the version they now see, it goes through.
    approved = await api.data(
        REJECT, {"i": {"commentId": held["id"], "version": edited["version"]}}, as_=mo
    )
    assert approved["rejectComment"]["comment"]["status"] == "REJECTED"


async def test_a_deleted_comment_keeps_its_place_and_counts_stay_right(api: Api) -> None:
    article = await api.create_article()
    ann, bob, mo = api.token("ann"), api.token("bob"), api.token("mo", "moderator")
    top = await api.comment(article["id"], CLEAN, as_=ann)
    reply = await api.comment(article["id"], "I agree with this.", as_=bob, parent_id=top["id"])
    before = (await api.data(ARTICLE, {"slug": "a-story"}))["article"]
    assert before["commentCount"] == 2

    assert (await api.error(DELETE, {"i": {"commentId": top["id"]}}, as_=bob))["extensions"] == {
        "code": "FORBIDDEN",
        "reason": "NOT_AUTHOR",
    }
    deleted = (await api.data(DELETE, {"i": {"commentId": top["id"]}}, as_=ann))["deleteComment"]
    assert deleted["comment"]["deletedAt"] is not None

    after = (await api.data(ARTICLE, {"slug": "a-story"}))["article"]
    assert after["commentCount"] == 1
    (node,) = [edge["node"] for edge in after["comments"]["edges"]]
    assert node["id"] == top["id"] and node["deletedAt"] is not None
    assert node["body"] is None and node["author"] is None
    assert [e["node"]["id"] for e in node["replies"]["edges"]] == [reply["id"]]
    # The author too sees a placeholder; moderators see what was there, and the history.
    own = (await api.data(COMMENT, {"id": top["id"]}, as_=ann))["comment"]
    assert own["body"] is None and own["replyCount"] == 1
    seen = (await api.data(COMMENT, {"id": top["id"]}, as_=mo))["comment"]
    assert seen["body"] == CLEAN and seen["author"] == {"id": "ann"}
    assert seen["deletedAt"] is not None and len(seen["revisions"]) == 1

    counts = (await api.data(COUNTS, as_=mo))["moderationQueueCounts"]
    assert counts["approved"] == 1
    user = await api.data('{ user(id: "ann") { approvedCommentCount } }', as_=mo)
    assert user["user"]["approvedCommentCount"] == 0

    # Frozen: no second deletion, no edit, no decision.
    error = await api.error(DELETE, {"i": {"commentId": top["id"]}}, as_=ann)
    assert error["extensions"] == {"code": "FORBIDDEN", "reason": "DELETED"}
    error = await api.error(
        EDIT, {"i": {"commentId": top["id"], "body": BETTER, "version": seen["version"]}}, as_=ann
    )
    assert error["extensions"] == {"code": "FORBIDDEN", "reason": "DELETED"}
    error = await api.error(REJECT, {"i": {"commentId": top["id"]}}, as_=mo)
    assert error["extensions"]["code"] == "CONFLICT" and error["extensions"]["reason"] == "DELETED"
    assert (await api.data(ARTICLE, {"slug": "a-story"}))["article"]["commentCount"] == 1


async def test_deleting_a_held_comment_takes_it_out_of_the_queue(api: Api) -> None:
    article = await api.create_article()
    ann, mo = api.token("ann"), api.token("mo", "moderator")
    held = await api.comment(article["id"], TOXIC, as_=ann)
    assert (await api.data(COUNTS, as_=mo))["moderationQueueCounts"]["pending"] == 1
    await api.data(DELETE, {"i": {"commentId": held["id"]}}, as_=ann)
    assert (await api.data(COUNTS, as_=mo))["moderationQueueCounts"]["pending"] == 0
    # Gone from its author's thread too; the count never included it.
    own = (await api.data(ARTICLE, {"slug": "a-story"}, as_=ann))["article"]
    assert own["commentCount"] == 0 and own["comments"]["edges"] == []


async def test_no_edits_on_a_closed_article_but_deletion_still_works(api: Api) -> None:
    article = await api.create_article()
    ann = api.token("ann")
    posted = await api.comment(article["id"], CLEAN, as_=ann)
    await api.data(
        "mutation($i: SetCommentsOpenInput!) { setCommentsOpen(input: $i) { article { id } } }",
        {"i": {"articleId": article["id"], "open": False}},
        as_=api.token("mo", "moderator"),
    )
    variables = {"i": {"commentId": posted["id"], "body": BETTER, "version": posted["version"]}}
    assert (await api.error(EDIT, variables, as_=ann))["extensions"]["code"] == "COMMENTS_CLOSED"
    await api.data(DELETE, {"i": {"commentId": posted["id"]}}, as_=ann)
    assert (await api.data(ARTICLE, {"slug": "a-story"}))["article"]["commentCount"] == 0


async def test_an_edit_racing_a_decision_loses_or_wins_whole(api: Api) -> None:
    """A moderator's decision and an edit on the same version: exactly one is applied."""
    article = await api.create_article()
    ann, mo = api.token("ann"), api.token("mo", "moderator")
    for round_ in range(3):
        held = await api.comment(article["id"], f"{TOXIC} {round_}", as_=ann)
        edit_vars = {"i": {"commentId": held["id"], "body": BETTER, "version": held["version"]}}
        decide_vars = {"i": {"commentId": held["id"], "version": held["version"]}}
        edited, decided = await asyncio.gather(
            api.query(EDIT, edit_vars, as_=ann), api.query(APPROVE, decide_vars, as_=mo)
        )
        assert ("errors" in edited) != ("errors" in decided), (edited, decided)
        seen = (await api.data(COMMENT, {"id": held["id"]}, as_=mo))["comment"]
        if "errors" in edited:
            assert edited["errors"][0]["extensions"]["code"] in ("CONFLICT", "FORBIDDEN")
            assert seen["body"] == f"{TOXIC} {round_}" and len(seen["revisions"]) == 1
        else:
            assert decided["errors"][0]["extensions"]["code"] == "CONFLICT"
            assert seen["body"] == BETTER and len(seen["revisions"]) == 2


async def test_two_edits_on_one_version_apply_one(api: Api) -> None:
    article = await api.create_article()
    ann = api.token("ann")
    posted = await api.comment(article["id"], CLEAN, as_=ann)
    bodies = [f"{CLEAN} (take {n})" for n in range(3)]
    results = await asyncio.gather(
        *(
            api.query(
                EDIT,
                {"i": {"commentId": posted["id"], "body": body, "version": posted["version"]}},
                as_=ann,
            )
            for body in bodies
        )
    )
    won = [r for r in results if "errors" not in r]
    assert len(won) == 1
    assert {r["errors"][0]["extensions"]["code"] for r in results if "errors" in r} == {"CONFLICT"}
    seen = (await api.data(COMMENT, {"id": posted["id"]}, as_=ann))["comment"]
    assert seen["body"] == won[0]["data"]["editComment"]["comment"]["body"]
    assert [r["number"] for r in seen["revisions"]] == [1, 2]
