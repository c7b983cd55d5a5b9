"""The moderation queue: held comments, decisions, history, reports and counts."""

from __future__ import annotations

from tests.support.client import Api
from tests.support.constants import APPROVE, CLEAN, REJECT, REPORT, TOXIC

QUEUE = """
query($queue: ModerationQueue!, $articleId: ID, $order: QueueOrder) {
  moderationQueue(queue: $queue, articleId: $articleId, orderBy: $order) {
    totalCount
    edges { node { id body status version } }
  }
}"""
COUNTS = "query($a: ID) { moderationQueueCounts(articleId: $a) { pending reported rejected } }"
HISTORY = """query($id: ID!) { comment(id: $id) { status moderation {
  history { status reason moderator { id } }
  reports { reason details resolved reporter { id } } } } }"""
VISIBLE = "query($slug: String!) { article(slug: $slug) { commentCount comments { edges { node { id } } } } }"


async def queue(api: Api, name: str, **variables: object) -> list[str]:
    data = await api.data(QUEUE, {"queue": name, **variables}, as_=api.token("mo", "moderator"))
    connection = data["moderationQueue"]
    assert connection["totalCount"] == len(connection["edges"])
    return [edge["node"]["id"] for edge in connection["edges"]]


async def test_held_comment_waits_in_pending_until_approved(api: Api) -> None:
    article = await api.create_article()
    held = await api.comment(article["id"], TOXIC, as_=api.token("ann"))
    mo = api.token("mo", "moderator")
    assert await queue(api, "PENDING") == [held["id"]]
    assert (await api.data(COUNTS, as_=mo))["moderationQueueCounts"] == {
        "pending": 1,
        "reported": 0,
        "rejected": 0,
    }

    approved = await api.data(APPROVE, {"i": {"commentId": held["id"], "reason": "satire"}}, as_=mo)
    comment = approved["approveComment"]["comment"]
    assert comment["status"] == "APPROVED" and comment["version"] == held["version"] + 1

    assert await queue(api, "PENDING") == []
    assert await queue(api, "APPROVED") == [held["id"]]
    visible = await api.data(VISIBLE, {"slug": "a-story"})
    assert visible["article"]["commentCount"] == 1
    history = (await api.data(HISTORY, {"id": held["id"]}, as_=mo))["comment"]["moderation"]
    assert history["history"] == [
        {"status": "PENDING", "reason": None, "moderator": None},
        {"status": "APPROVED", "reason": "satire", "moderator": {"id": "mo"}},
    ]


async def test_rejecting_a_visible_comment_removes_it_and_fixes_counts(api: Api) -> None:
    article = await api.create_article()
    ann = api.token("ann")
    top = await api.comment(article["id"], CLEAN, as_=ann)
    reply = await api.comment(
        article["id"], "I agree with this.", as_=api.token("bob"), parent_id=top["id"]
    )
    mo = api.token("mo", "moderator")
    await api.data(REJECT, {"i": {"commentId": reply["id"]}}, as_=mo)

    data = await api.data(
        "query($id: ID!) { comment(id: $id) { replyCount replies { totalCount edges { node { id } } } } }",
        {"id": top["id"]},
    )
    assert data["comment"]["replyCount"] == 0
    assert data["comment"]["replies"] == {"totalCount": 0, "edges": []}
    assert (await api.data(VISIBLE, {"slug": "a-story"}))["article"]["commentCount"] == 1
    assert await queue(api, "REJECTED") == [reply["id"]]
    # The rejected comment is gone for readers, not for its author.
    query = "query($id: ID!) { comment(id: $id) { status } }"
    assert (await api.data(query, {"id": reply["id"]}))["comment"] is None
    own = await api.data(query, {"id": reply["id"]}, as_=api.token("bob"))
    assert own["comment"]["status"] == "REJECTED"


async def test_stale_version_is_a_conflict_and_writes_nothing(api: Api) -> None:
    article = await api.create_article()
    held = await api.comment(article["id"], TOXIC, as_=api.token("ann"))
    mo, other = api.token("mo", "moderator"), api.token("mia", "moderator")
    await api.data(APPROVE, {"i": {"commentId": held["id"], "version": held["version"]}}, as_=mo)
    error = await api.error(
        REJECT, {"i": {"commentId": held["id"], "version": held["version"]}}, as_=other
    )
    assert error["extensions"]["code"] == "CONFLICT"
    assert error["extensions"]["status"] == "APPROVED"
    history = (await api.data(HISTORY, {"id": held["id"]}, as_=mo))["comment"]
    assert history["status"] == "APPROVED"
    assert len(history["moderation"]["history"]) == 2


async def test_reports_put_a_comment_in_the_reported_queue_until_decided(api: Api) -> None:
    article = await api.create_article()
    comment = await api.comment(article["id"], CLEAN, as_=api.token("ann"))
    bob, mo = api.token("bob"), api.token("mo", "moderator")
    variables = {"i": {"commentId": comment["id"], "reason": "SPAM", "details": "ad link"}}
    await api.data(REPORT, variables, as_=bob)
    assert await queue(api, "REPORTED") == [comment["id"]]
    assert (await api.data(COUNTS, as_=mo))["moderationQueueCounts"]["reported"] == 1
    reports = (await api.data(HISTORY, {"id": comment["id"]}, as_=mo))["comment"]["moderation"]
    assert reports["reports"] == [
        {"reason": "SPAM", "details": "ad link", "resolved": False, "reporter": {"id": "bob"}}
    ]

    # Once per user per comment.
    again = await api.error(REPORT, variables, as_=bob)
    assert again["extensions"]["code"] == "CONFLICT"

    # Approving clears it from the queue; it stays visible.
    await api.data(APPROVE, {"i": {"commentId": comment["id"]}}, as_=mo)
    assert await queue(api, "REPORTED") == []
    assert (await api.data(VISIBLE, {"slug": "a-story"}))["article"]["commentCount"] == 1
    reports = (await api.data(HISTORY, {"id": comment["id"]}, as_=mo))["comment"]["moderation"]
    assert reports["reports"][0]["resolved"] is True


async def test_rejecting_a_reported_comment_removes_it_from_view(api: Api) -> None:
    article = await api.create_article()
    comment = await api.comment(article["id"], CLEAN, as_=api.token("ann"))
    await api.data(
        REPORT, {"i": {"commentId": comment["id"], "reason": "ABUSIVE"}}, as_=api.token("bob")
    )
    await api.data(REJECT, {"i": {"commentId": comment["id"]}}, as_=api.token("mo", "moderator"))
    assert await queue(api, "REPORTED") == []
    assert (await api.data(VISIBLE, {"slug": "a-story"}))["article"]["commentCount"] == 0


async def test_report_threshold_setting(api: Api) -> None:
    api.runtime.settings.report_threshold = 2
    article = await api.create_article()
    comment = await api.comment(article["id"], CLEAN, as_=api.token("ann"))
    report = {"i": {"commentId": comment["id"], "reason": "OFFENSIVE"}}
    await api.data(REPORT, report, as_=api.token("bob"))
    assert await queue(api, "REPORTED") == []
    await api.data(REPORT, report, as_=api.token("cy"))
    assert await queue(api, "REPORTED") == [comment["id"]]


async def test_report_errors(api: Api) -> None:
    article = await api.create_article()
    ann = api.token("ann")
    own = await api.comment(article["id"], CLEAN, as_=ann)
    held = await api.comment(article["id"], TOXIC, as_=api.token("bob"))
    error = await api.error(REPORT, {"i": {"commentId": own["id"], "reason": "SPAM"}}, as_=ann)
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    # A held comment is invisible to other readers, so it cannot be found to report.
    error = await api.error(REPORT, {"i": {"commentId": held["id"], "reason": "SPAM"}}, as_=ann)
    assert error["extensions"]["code"] == "NOT_FOUND"
    error = await api.error(REPORT, {"i": {"commentId": "nope", "reason": "SPAM"}}, as_=ann)
    assert error["extensions"]["code"] == "NOT_FOUND"
    error = await api.error(REPORT, {"i": {"commentId": own["id"], "reason": "SPAM"}})
    assert error["extensions"]["code"] == "UNAUTHENTICATED"


async def test_queue_filters_by_article_and_orders(api: Api) -> None:
    one = await api.create_article("one")
    two = await api.create_article("two")
    ann = api.token("ann")
    first = await api.comment(one["id"], TOXIC, as_=ann)
    second = await api.comment(two["id"], "fuck off", as_=ann)
    third = await api.comment(one["id"], "shit article you moron", as_=ann)
    assert await queue(api, "PENDING") == [first["id"], second["id"], third["id"]]
    assert await queue(api, "PENDING", order="NEWEST_FIRST") == [
        third["id"],
        second["id"],
        first["id"],
    ]
    assert await queue(api, "PENDING", articleId=one["id"]) == [first["id"], third["id"]]
    counts = await api.data(COUNTS, {"a": two["id"]}, as_=api.token("mo", "moderator"))
    assert counts["moderationQueueCounts"]["pending"] == 1

    mo = api.token("mo", "moderator")
    data = await api.data(
        """{ moderationQueue(orderBy: MOST_TOXIC_FIRST) {
             edges { node { id moderation { scores { score } } } } } }""",
        as_=mo,
    )
    scores = [
        e["node"]["moderation"]["scores"][0]["score"] for e in data["moderationQueue"]["edges"]
    ]
    assert scores == sorted(scores, reverse=True)


async def test_moderation_requires_a_moderator(api: Api) -> None:
    article = await api.create_article()
    held = await api.comment(article["id"], TOXIC, as_=api.token("ann"))
    for query, variables in [
        (QUEUE, {"queue": "PENDING"}),
        (COUNTS, {}),
        (APPROVE, {"i": {"commentId": held["id"]}}),
        (REJECT, {"i": {"commentId": held["id"]}}),
    ]:
        anonymous = await api.error(query, variables)
        assert anonymous["extensions"]["code"] == "UNAUTHENTICATED"
        commenter = await api.error(query, variables, as_=api.token("bob"))
        assert commenter["extensions"]["code"] == "FORBIDDEN"
    assert await queue(api, "PENDING") == [held["id"]]


async def test_moderating_an_unknown_comment_is_not_found(api: Api) -> None:
    error = await api.error(
        APPROVE, {"i": {"commentId": "Q29tbWVudDo5OTk"}}, as_=api.token("mo", "moderator")
    )
    assert error["extensions"]["code"] == "NOT_FOUND"
