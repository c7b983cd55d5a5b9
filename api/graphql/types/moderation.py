"""What moderators see about a comment: scores, reasons, reports and history."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry

from api.graphql.context import Info
from api.graphql.types.user import UserNode, load_user, require_user
from models.tables import Comment, ModerationAction, Report, utcnow
from moderation.decision import Reason, ReasonCode, Status

strawberry.enum(Status, name="CommentStatus")
strawberry.enum(ReasonCode, name="ReasonCode")


@strawberry.enum
class ReportReason(Enum):
    OFFENSIVE = "OFFENSIVE"
    ABUSIVE = "ABUSIVE"
    SPAM = "SPAM"
    OTHER = "OTHER"


@strawberry.enum
class ModerationQueue(Enum):
    PENDING = "PENDING"
    REPORTED = "REPORTED"
    REJECTED = "REJECTED"
    APPROVED = "APPROVED"
    # Comments with a notice of illegal content not yet decided (issue 19).
    ILLEGAL = "ILLEGAL"


@strawberry.enum
class QueueOrder(Enum):
    OLDEST_FIRST = "oldest"
    NEWEST_FIRST = "newest"
    MOST_TOXIC_FIRST = "toxic"


def _claim_active(row: Comment) -> bool:
    return row.claimed_until is not None and row.claimed_until > utcnow()


@strawberry.type
class LabelScore:
    label: str
    score: float


@strawberry.type(
    name="Span", description="Character offsets into the comment body; end is exclusive."
)
class SpanNode:
    start: int
    end: int


@strawberry.type
class ModerationReason:
    code: ReasonCode
    detail: str | None
    spans: list[SpanNode] | None

    @classmethod
    def from_reason(cls, reason: Reason) -> ModerationReason:
        spans = [SpanNode(start=s.start, end=s.end) for s in reason.spans]
        return cls(code=reason.code, detail=reason.detail, spans=spans or None)


@strawberry.type(name="Report")
class ReportNode:
    row: strawberry.Private[Report]

    @strawberry.field
    def reason(self) -> ReportReason:
        return ReportReason(self.row.reason)

    @strawberry.field
    def details(self) -> str | None:
        return self.row.details

    @strawberry.field
    def created_at(self) -> datetime:
        return self.row.created_at

    @strawberry.field(description="True once a moderator decided on the comment.")
    def resolved(self) -> bool:
        return self.row.resolved_at is not None

    @strawberry.field
    async def reporter(self, info: Info) -> UserNode:
        return await require_user(info, self.row.reporter_id)


@strawberry.type(name="ModerationAction")
class ModerationActionNode:
    row: strawberry.Private[ModerationAction]

    @strawberry.field
    def status(self) -> Status:
        return Status(self.row.status)

    @strawberry.field
    def reason(self) -> str | None:
        return self.row.reason

    @strawberry.field
    def created_at(self) -> datetime:
        return self.row.created_at

    @strawberry.field(description="Who decided; null when the system decided.")
    async def moderator(self, info: Info) -> UserNode | None:
        return await load_user(info, self.row.moderator_id)


@strawberry.type
class CommentModeration:
    row: strawberry.Private[Comment]

    @strawberry.field
    def scores(self) -> list[LabelScore]:
        return [LabelScore(label=k, score=v) for k, v in sorted(self.row.scores.items())]

    @strawberry.field(description="The scorer that produced the scores, as name@version.")
    def model(self) -> str:
        return self.row.model

    @strawberry.field
    def reasons(self) -> list[ModerationReason]:
        return [ModerationReason.from_reason(Reason.from_dict(r)) for r in self.row.reasons]

    @strawberry.field
    async def reports(self, info: Info) -> list[ReportNode]:
        assert self.row.id is not None
        return [ReportNode(row=r) for r in await info.context.loaders.reports.load(self.row.id)]

    @strawberry.field(description="The moderator who claimed the comment, while the claim lasts.")
    async def claimed_by(self, info: Info) -> UserNode | None:
        return await load_user(info, self.row.claimed_by) if _claim_active(self.row) else None

    @strawberry.field
    def claim_expires_at(self) -> datetime | None:
        return self.row.claimed_until if _claim_active(self.row) else None

    @strawberry.field
    async def history(self, info: Info) -> list[ModerationActionNode]:
        assert self.row.id is not None
        actions = await info.context.loaders.history.load(self.row.id)
        return [ModerationActionNode(row=a) for a in actions]


@strawberry.type
class QueueCounts:
    pending: int
    reported: int
    rejected: int
    approved: int
    illegal: int = strawberry.field(
        default=0, description="Comments with a notice of illegal content not yet decided."
    )
