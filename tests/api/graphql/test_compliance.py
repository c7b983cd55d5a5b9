"""Trust and compliance (issue 19): statements of reasons, appeals and notices of illegal
content, end to end through GraphQL."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import update
from sqlmodel import col, select

from api.runtime import Runtime
from models.tables import Notification, StatementOfReasons
from moderation.scorers.registry import LoadedScorer
from tests.support.client import Api, in_process, make_settings
from tests.support.constants import CLEAN, REJECT, TOXIC

STATEMENT = """query($id: ID!) { comment(id: $id) { status statementOfReasons {
  restriction facts groundKind ground groundText explanation automatedDetection
  automatedDecision modelVersion triggers redress appealUntil appeal { status } } } }"""
APPEAL = """mutation($i: AppealDecisionInput!) { appealDecision(input: $i) {
  appeal { id status explanation } statement { restriction } } }"""
APPEALS = """query($s: AppealStatus) { appeals(status: $s) { totalCount edges { node {
  id status explanation appellantId decidedBy statement { restriction ground automatedDecision
  commentId sanctionId } } } } }"""
DECIDE_APPEAL = """mutation($i: DecideAppealInput!) { decideAppeal(input: $i) {
  appeal { status decisionReason } comment { id status } } }"""
NOTICE = """mutation($i: ReportIllegalContentInput!) { reportIllegalContent(input: $i) {
  notice { id status lawBroken } } }"""
NOTICES = """query($s: NoticeStatus) { illegalContentNotices(status: $s) { totalCount edges {
  node { id status commentId lawBroken notifierName notifierEmail outcome groundKind ground
  decisionExplanation history { status actorId note } } } } }"""
REVIEW = """mutation($i: NoticeIdInput!) { reviewIllegalContentNotice(input: $i) {
  notice { status } } }"""
DECIDE_NOTICE = """mutation($i: DecideNoticeInput!) { decideIllegalContentNotice(input: $i) {
  notice { status outcome groundKind ground } } }"""
COUNTS = "{ moderationQueueCounts { pending illegal } }"
ILLEGAL_QUEUE = "{ moderationQueue(queue: ILLEGAL) { totalCount edges { node { id } } } }"
BAN = """mutation($i: BanUserInput!) { banUser(input: $i) { sanction { statementOfReasons {
  restriction ground groundKind explanation sanctionId } } } }"""
MINE = "{ myStatementsOfReasons { restriction sanctionId commentId ground } }"
VISIBLE = "query($s: String!) { article(slug: $s) { comments { edges { node { id } } } } }"
GOOD_NOTICE = {
    "lawBroken": "Incitement to hatred (StGB §130)",
    "explanation": "The comment calls for violence against a group.",
    "goodFaith": True,
}
LONG_ENOUGH = "The comment incites hatred against a protected group; removed under §130."


async def notifications(api: Api, user_id: str) -> list[Notification]:
    async with api.runtime.db.read() as session:
        query = select(Notification).where(col(Notification.user_id) == user_id)
        return list(await session.exec(query))


async def test_notice_decided_on_a_legal_ground_informs_the_notifier(api: Api) -> None:
    mo = api.token("mo", "moderator")
    article = await api.create_article()
    comment = await api.comment(article["id"], CLEAN, as_=api.token("ann"))

    sent = await api.data(
        NOTICE, {"i": {"commentId": comment["id"], **GOOD_NOTICE}}, as_=api.token("nina")
    )
    notice = sent["reportIllegalContent"]["notice"]
    assert notice["status"] == "RECEIVED"
    # An ordinary report is something else: the REPORTED queue stays empty.
    assert (await api.data(COUNTS, as_=mo))["moderationQueueCounts"] == {
        "pending": 0,
        "illegal": 1,
    }
    queue = (await api.data(ILLEGAL_QUEUE, as_=mo))["moderationQueue"]
    assert [e["node"]["id"] for e in queue["edges"]] == [comment["id"]]

    reviewed = await api.data(REVIEW, {"i": {"noticeId": notice["id"]}}, as_=mo)
    assert reviewed["reviewIllegalContentNotice"]["notice"]["status"] == "UNDER_REVIEW"
    again = await api.error(REVIEW, {"i": {"noticeId": notice["id"]}}, as_=mo)
    assert again["extensions"]["code"] == "CONFLICT"

    decision = {
        "noticeId": notice["id"],
        "outcome": "REMOVED",
        "legalGround": "StGB §130",
        "explanation": LONG_ENOUGH,
    }
    decided = await api.data(DECIDE_NOTICE, {"i": decision}, as_=mo)
    assert decided["decideIllegalContentNotice"]["notice"] == {
        "status": "DECIDED",
        "outcome": "REMOVED",
        "groundKind": "LAW",
        "ground": "StGB §130",
    }
    # The comment is gone for readers; its author reads why.
    visible = await api.data(VISIBLE, {"s": "a-story"})
    assert visible["article"]["comments"]["edges"] == []
    statement = (await api.data(STATEMENT, {"id": comment["id"]}, as_=api.token("ann")))["comment"][
        "statementOfReasons"
    ]
    assert statement["restriction"] == "REJECTION"
    assert (statement["groundKind"], statement["ground"]) == ("LAW", "StGB §130")
    assert statement["explanation"] == LONG_ENOUGH
    assert statement["automatedDecision"] is False
    (removal,) = await notifications(api, "ann")
    assert removal.kind == "REJECTED" and removal.details["notice_id"] is not None

    # The notifier is told; the notice's history shows each step.
    (told,) = await notifications(api, "nina")
    assert told.kind == "NOTICE_DECIDED" and "removal" in (told.message or "")
    assert told.details["outcome"] == "REMOVED"
    done = (await api.data(NOTICES, {"s": "DECIDED"}, as_=mo))["illegalContentNotices"]
    (node,) = [e["node"] for e in done["edges"]]
    assert [(h["status"], h["actorId"]) for h in node["history"]] == [
        ("RECEIVED", None),
        ("UNDER_REVIEW", "mo"),
        ("DECIDED", "mo"),
    ]
    assert (await api.data(COUNTS, as_=mo))["moderationQueueCounts"]["illegal"] == 0


async def test_automated_hold_statement_appeal_and_reversal_by_a_human(api: Api) -> None:
    article = await api.create_article()
    ann, mo = api.token("ann"), api.token("mo", "moderator")
    held = await api.comment(article["id"], TOXIC, as_=ann)
    assert held["status"] == "PENDING"

    statement = (await api.data(STATEMENT, {"id": held["id"]}, as_=ann))["comment"][
        "statementOfReasons"
    ]
    assert statement["restriction"] == "HOLD"
    assert statement["automatedDetection"] is True and statement["automatedDecision"] is True
    assert statement["modelVersion"] and "TOXICITY" in statement["triggers"]
    assert (statement["groundKind"], statement["ground"]) == ("TERMS", "civility")
    assert "appeal" in statement["redress"] and statement["appeal"] is None
    # Moderators see it; another reader does not see the held comment at all.
    assert (await api.data(STATEMENT, {"id": held["id"]}, as_=mo))["comment"]["statementOfReasons"][
        "restriction"
    ] == "HOLD"
    assert (await api.data(STATEMENT, {"id": held["id"]}, as_=api.token("bob")))["comment"] is None

    filed = await api.data(
        APPEAL, {"i": {"commentId": held["id"], "explanation": "I was quoting a film."}}, as_=ann
    )
    assert filed["appealDecision"]["appeal"]["status"] == "PENDING"
    twice = await api.error(
        APPEAL, {"i": {"commentId": held["id"], "explanation": "Please."}}, as_=ann
    )
    assert twice["extensions"]["code"] == "CONFLICT"
    not_mine = await api.error(
        APPEAL, {"i": {"commentId": held["id"], "explanation": "Me too."}}, as_=api.token("bob")
    )
    assert not_mine["extensions"]["code"] == "NOT_FOUND"

    queue = (await api.data(APPEALS, as_=mo))["appeals"]
    (appeal,) = [e["node"] for e in queue["edges"]]
    assert appeal["statement"]["automatedDecision"] is True and appeal["appellantId"] == "ann"
    reversed_ = await api.data(
        DECIDE_APPEAL,
        {"i": {"appealId": appeal["id"], "reverse": True, "reason": "A quotation, in context."}},
        as_=mo,
    )
    assert reversed_["decideAppeal"] == {
        "appeal": {"status": "REVERSED", "decisionReason": "A quotation, in context."},
        "comment": {"id": held["id"], "status": "APPROVED"},
    }
    visible = await api.data(VISIBLE, {"s": "a-story"})
    assert [e["node"]["id"] for e in visible["article"]["comments"]["edges"]] == [held["id"]]
    (told,) = [n for n in await notifications(api, "ann") if n.kind == "APPEAL_DECIDED"]
    assert told.details["outcome"] == "REVERSED"
    # Published now: readers see the comment, never its statement of reasons.
    for reader in (api.token("bob"), None):
        seen = (await api.data(STATEMENT, {"id": held["id"]}, as_=reader))["comment"]
        assert seen == {"status": "APPROVED", "statementOfReasons": None}
    decided_again = await api.error(
        DECIDE_APPEAL, {"i": {"appealId": appeal["id"], "reverse": False, "reason": "No."}}, as_=mo
    )
    assert decided_again["extensions"]["code"] == "CONFLICT"


async def test_only_another_moderator_decides_an_appeal(api: Api) -> None:
    article = await api.create_article()
    ann, mo, mo2 = api.token("ann"), api.token("mo", "moderator"), api.token("mo2", "moderator")
    comment = await api.comment(article["id"], CLEAN, as_=ann)
    await api.data(REJECT, {"i": {"commentId": comment["id"], "rule": "spam"}}, as_=mo)
    await api.data(APPEAL, {"i": {"commentId": comment["id"], "explanation": "Not spam."}}, as_=ann)
    (appeal,) = [e["node"] for e in (await api.data(APPEALS, as_=mo))["appeals"]["edges"]]
    assert appeal["decidedBy"] is None and appeal["statement"]["ground"] == "spam"
    same = await api.error(
        DECIDE_APPEAL, {"i": {"appealId": appeal["id"], "reverse": True, "reason": "ok"}}, as_=mo
    )
    assert same["extensions"] == {"code": "FORBIDDEN", "reason": "SAME_MODERATOR"}
    upheld = await api.data(
        DECIDE_APPEAL,
        {"i": {"appealId": appeal["id"], "reverse": False, "reason": "Clearly spam."}},
        as_=mo2,
    )
    assert upheld["decideAppeal"] == {
        "appeal": {"status": "UPHELD", "decisionReason": "Clearly spam."},
        "comment": None,
    }
    assert (await api.data(STATEMENT, {"id": comment["id"]}, as_=ann))["comment"][
        "status"
    ] == "REJECTED"
    assert (await api.data(APPEALS, {"s": "UPHELD"}, as_=mo))["appeals"]["totalCount"] == 1


async def test_a_banned_user_appeals_the_ban_and_it_is_lifted(api: Api) -> None:
    mo, mo2, troll = api.token("mo", "moderator"), api.token("mo2", "moderator"), api.token("troll")
    article = await api.create_article()
    await api.comment(article["id"], CLEAN, as_=troll)
    banned = await api.data(
        BAN, {"i": {"userId": "troll", "reason": "adverts", "rule": "spam"}}, as_=mo
    )
    statement = banned["banUser"]["sanction"]["statementOfReasons"]
    assert statement["restriction"] == "BAN"
    assert (statement["groundKind"], statement["ground"], statement["explanation"]) == (
        "TERMS",
        "spam",
        "adverts",
    )
    (mine,) = (await api.data(MINE, as_=troll))["myStatementsOfReasons"]
    assert mine["restriction"] == "BAN" and mine["commentId"] is None
    await api.data(
        APPEAL, {"i": {"sanctionId": mine["sanctionId"], "explanation": "Not adverts."}}, as_=troll
    )
    (appeal,) = [e["node"] for e in (await api.data(APPEALS, as_=mo))["appeals"]["edges"]]
    await api.data(
        DECIDE_APPEAL,
        {"i": {"appealId": appeal["id"], "reverse": True, "reason": "A fair link."}},
        as_=mo2,
    )
    # Lifted: the user comments again.
    assert (await api.comment(article["id"], "Thanks.", as_=troll))["status"] == "APPROVED"


async def test_appeals_close_after_the_window(api: Api) -> None:
    article = await api.create_article()
    ann = api.token("ann")
    held = await api.comment(article["id"], TOXIC, as_=ann)
    async with api.runtime.db.write() as session:
        past = datetime(2000, 1, 1, tzinfo=UTC)
        await session.exec(update(StatementOfReasons).values(appeal_until=past))
    error = await api.error(
        APPEAL, {"i": {"commentId": held["id"], "explanation": "Late."}}, as_=ann
    )
    assert error["extensions"]["code"] == "FORBIDDEN"
    assert error["extensions"]["reason"] == "APPEAL_WINDOW_CLOSED"


async def test_notice_input_rules_and_voiding(api: Api) -> None:
    mo = api.token("mo", "moderator")
    article = await api.create_article()
    comment = await api.comment(article["id"], CLEAN, as_=api.token("ann"))
    bad = await api.error(
        NOTICE, {"i": {"commentId": comment["id"], **GOOD_NOTICE, "goodFaith": False}}
    )
    assert bad["extensions"] == {"code": "BAD_USER_INPUT", "field": "goodFaith"}
    bad = await api.error(
        NOTICE, {"i": {"commentId": comment["id"], **GOOD_NOTICE, "notifierEmail": "nope"}}
    )
    assert bad["extensions"]["field"] == "notifierEmail"
    # Anonymous, with a name and an address for the outcome; only moderators read them.
    sent = await api.data(
        NOTICE,
        {
            "i": {
                "commentId": comment["id"],
                **GOOD_NOTICE,
                "notifierName": "Nina",
                "notifierEmail": "nina@example.org",
            }
        },
    )
    notice_id = sent["reportIllegalContent"]["notice"]["id"]
    (node,) = [
        e["node"] for e in (await api.data(NOTICES, as_=mo))["illegalContentNotices"]["edges"]
    ]
    assert (node["notifierName"], node["notifierEmail"]) == ("Nina", "nina@example.org")

    short = await api.error(
        DECIDE_NOTICE,
        {
            "i": {
                "noticeId": notice_id,
                "outcome": "NO_ACTION",
                "rule": "civility",
                "explanation": "No.",
            }
        },
        as_=mo,
    )
    assert short["extensions"]["field"] == "explanation"
    no_ground = await api.error(
        DECIDE_NOTICE,
        {"i": {"noticeId": notice_id, "outcome": "NO_ACTION", "explanation": LONG_ENOUGH}},
        as_=mo,
    )
    assert no_ground["extensions"]["code"] == "BAD_USER_INPUT"
    voided = await api.data(
        DECIDE_NOTICE,
        {
            "i": {
                "noticeId": notice_id,
                "explanation": "A duplicate of an earlier notice, already decided.",
            }
        },
        as_=mo,
    )
    assert voided["decideIllegalContentNotice"]["notice"]["status"] == "VOID"
    # Nothing happened to the comment.
    visible = await api.data(VISIBLE, {"s": "a-story"})
    assert len(visible["article"]["comments"]["edges"]) == 1
    missing = await api.error(NOTICE, {"i": {"commentId": "Q29tbWVudDo5OTk5", **GOOD_NOTICE}})
    assert missing["extensions"]["code"] == "NOT_FOUND"


async def test_site_rules_are_editable_and_cited(api: Api) -> None:
    admin, mo = api.token("ad", "admin"), api.token("mo", "moderator")
    rules = (await api.data("{ siteRules { code title } }"))["siteRules"]
    assert "civility" in [r["code"] for r in rules]
    await api.data(
        """mutation($i: ModerationSettingsInput!) { updateModerationSettings(input: $i) {
          settings { rules { code } } } }""",
        {"i": {"rules": [{"code": "no-doxxing", "title": "Never publish private details."}]}},
        as_=admin,
    )
    article = await api.create_article()
    comment = await api.comment(article["id"], CLEAN, as_=api.token("ann"))
    unknown = await api.error(
        REJECT, {"i": {"commentId": comment["id"], "rule": "civility"}}, as_=mo
    )
    assert unknown["extensions"] == {"code": "BAD_USER_INPUT", "field": "rule"}
    both = await api.error(
        REJECT,
        {"i": {"commentId": comment["id"], "rule": "no-doxxing", "legalGround": "x"}},
        as_=mo,
    )
    assert both["extensions"]["code"] == "BAD_USER_INPUT"
    # A refused rejection wrote nothing: the comment is still published.
    assert len((await api.data(VISIBLE, {"s": "a-story"}))["article"]["comments"]["edges"]) == 1
    await api.data(REJECT, {"i": {"commentId": comment["id"], "rule": "no-doxxing"}}, as_=mo)
    statement = (await api.data(STATEMENT, {"id": comment["id"]}, as_=mo))["comment"][
        "statementOfReasons"
    ]
    assert (statement["ground"], statement["groundText"]) == (
        "no-doxxing",
        "Never publish private details.",
    )


async def test_anonymous_notices_are_rate_limited_by_address(
    database_url: str, linear_scorer: LoadedScorer
) -> None:
    settings = make_settings(database_url, rate_limits="on", rate_limit_user="2 per minute")
    async with in_process(Runtime(settings, scorer=linear_scorer)) as api:
        article = await api.create_article()
        comment = await api.comment(article["id"], CLEAN, as_=api.token("ann"))
        variables: dict[str, Any] = {"i": {"commentId": comment["id"], **GOOD_NOTICE}}
        for _ in range(2):
            await api.data(NOTICE, variables)
        limited = await api.error(NOTICE, variables)
        assert limited["extensions"]["code"] == "RATE_LIMITED"


async def test_a_rescore_that_holds_a_comment_gives_its_reasons(api: Api) -> None:
    from api.services.rescore import rescore

    article = await api.create_article()
    ann = api.token("ann")
    comment = await api.comment(article["id"], "The ferry is a scam.", as_=ann)
    assert comment["status"] == "APPROVED"
    await api.data(
        """mutation { updateModerationSettings(input: {bannedWords: ["scam"]}) {
          settings { version } } }""",
        as_=api.token("ad", "admin"),
    )
    result = await rescore(api.runtime, status="APPROVED")
    assert result.moved == 1
    statement = (await api.data(STATEMENT, {"id": comment["id"]}, as_=ann))["comment"][
        "statementOfReasons"
    ]
    assert statement["restriction"] == "REJECTION"
    assert statement["automatedDecision"] and statement["triggers"] == ["BANNED_WORD"]
    assert statement["ground"] == "language"
