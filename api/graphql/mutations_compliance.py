"""Write entry points of issue 19: appeals and notices of illegal content."""

from __future__ import annotations

import strawberry

from api.graphql.context import Info
from api.graphql.ids import decode_id
from api.graphql.types.comment import CommentNode
from api.graphql.types.compliance import AppealNode, NoticeNode, NoticeOutcome, StatementNode
from api.http.errors import BadUserInput, NotFound
from api.services import appeals as appeal_service
from api.services import notices as notice_service
from api.services.reasons import Ground


@strawberry.input(description="Give exactly one of commentId and sanctionId.")
class AppealDecisionInput:
    comment_id: strawberry.ID | None = None
    sanction_id: strawberry.ID | None = None
    explanation: str


@strawberry.type
class AppealPayload:
    appeal: AppealNode
    statement: StatementNode


@strawberry.input
class DecideAppealInput:
    appeal_id: strawberry.ID
    reverse: bool = strawberry.field(
        description="true: lift the restriction (publish the comment, lift the sanction)."
    )
    reason: str


@strawberry.type
class DecideAppealPayload:
    appeal: AppealNode
    comment: CommentNode | None


@strawberry.input
class ReportIllegalContentInput:
    comment_id: strawberry.ID
    law_broken: str = strawberry.field(description="The law the comment breaks.")
    explanation: str = strawberry.field(description="Why the comment is illegal.")
    notifier_name: str | None = None
    notifier_email: str | None = strawberry.field(
        default=None, description="Where to send the outcome when not signed in."
    )
    good_faith: bool = strawberry.field(
        description="Must be true: the notice is accurate and complete to your knowledge."
    )


@strawberry.type
class NoticePayload:
    notice: NoticeNode


@strawberry.input
class NoticeIdInput:
    notice_id: strawberry.ID


@strawberry.input(description="Cite a legalGround or a site rule (unless the outcome is VOID).")
class DecideNoticeInput:
    notice_id: strawberry.ID
    outcome: NoticeOutcome | None = strawberry.field(
        default=None, description="null voids the notice (unfounded, a duplicate)."
    )
    legal_ground: str | None = None
    rule: str | None = None
    explanation: str = strawberry.field(description="At least 20 characters.")


def _pk(value: strawberry.ID, field: str) -> int:
    text = str(value)
    # Numeric ids within the columns' range; anything else names nothing.
    if not text.isdigit() or not 0 < int(text) < 2**31:
        raise NotFound(f"no such {field}", field=field)
    return int(text)


@strawberry.type
class ComplianceMutation:
    @strawberry.mutation(
        description="Contest a decision on your comment or account, once, within "
        "COMMENTMOD_APPEAL_WINDOW_DAYS."
    )
    async def appeal_decision(self, info: Info, input: AppealDecisionInput) -> AppealPayload:
        user = await info.context.rate_limit("appealDecision")
        if (input.comment_id is None) == (input.sanction_id is None):
            raise BadUserInput("give exactly one of commentId and sanctionId")
        comment_id = (
            decode_id("Comment", input.comment_id) if input.comment_id is not None else None
        )
        sanction_id = (
            _pk(input.sanction_id, "sanctionId") if input.sanction_id is not None else None
        )
        if comment_id is None and sanction_id is None:
            raise NotFound("no decision of yours to appeal there")
        row, statement = await appeal_service.appeal(
            info.context.runtime,
            user,
            comment_id=comment_id,
            sanction_id=sanction_id,
            explanation=input.explanation,
        )
        return AppealPayload(appeal=AppealNode(row=row), statement=StatementNode(row=statement))

    @strawberry.mutation(
        description="Moderators: uphold or reverse an appeal; not the moderator who decided."
    )
    async def decide_appeal(self, info: Info, input: DecideAppealInput) -> DecideAppealPayload:
        outcome = await appeal_service.decide(
            info.context.runtime,
            info.context.moderator(),
            _pk(input.appeal_id, "appealId"),
            input.reverse,
            input.reason,
        )
        comment = CommentNode(row=outcome.comment) if outcome.comment else None
        return DecideAppealPayload(appeal=AppealNode(row=outcome.appeal), comment=comment)

    @strawberry.mutation(
        description="Notify a comment you believe illegal; no sign-in needed. "
        "Rate-limited by address."
    )
    async def report_illegal_content(
        self, info: Info, input: ReportIllegalContentInput
    ) -> NoticePayload:
        context = info.context
        identity = context.identity
        address = context.client_address()
        await context.runtime.limiter.hit(
            "reportIllegalContent",
            identity.user_id if identity else f"anonymous@{address}",
            address,
        )
        notice = await notice_service.submit(
            context.runtime,
            identity,
            notice_service.NewNotice(
                comment_id=decode_id("Comment", input.comment_id),
                law_broken=input.law_broken,
                explanation=input.explanation,
                notifier_name=input.notifier_name,
                notifier_email=input.notifier_email,
                good_faith=input.good_faith,
            ),
        )
        return NoticePayload(notice=NoticeNode(row=notice))

    @strawberry.mutation(description="Moderators: take a notice under review.")
    async def review_illegal_content_notice(
        self, info: Info, input: NoticeIdInput
    ) -> NoticePayload:
        notice = await notice_service.start_review(
            info.context.runtime, info.context.moderator(), _pk(input.notice_id, "noticeId")
        )
        return NoticePayload(notice=NoticeNode(row=notice))

    @strawberry.mutation(
        description="Moderators: decide a notice (remove the comment or not) on a legal or "
        "terms ground, or void it; the notifier is told."
    )
    async def decide_illegal_content_notice(
        self, info: Info, input: DecideNoticeInput
    ) -> NoticePayload:
        notice = await notice_service.decide(
            info.context.runtime,
            info.context.moderator(),
            _pk(input.notice_id, "noticeId"),
            notice_service.NoticeDecision(
                outcome=input.outcome.value if input.outcome else "VOID",
                ground=Ground(
                    rule=input.rule, law=input.legal_ground, explanation=input.explanation
                ),
            ),
        )
        return NoticePayload(notice=NoticeNode(row=notice))
