"""Statements of reasons, appeals and notices of illegal content (issue 19)."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry

from api.graphql.context import Info
from api.graphql.ids import encode_id
from api.services.reasons import redress
from models.queries import compliance
from models.tables import Appeal, IllegalContentNotice, NoticeEvent, StatementOfReasons


@strawberry.enum
class Restriction(Enum):
    HOLD = "HOLD"
    REJECTION = "REJECTION"
    BAN = "BAN"
    SUSPENSION = "SUSPENSION"


@strawberry.enum
class GroundKind(Enum):
    TERMS = "TERMS"
    LAW = "LAW"


@strawberry.enum
class AppealStatus(Enum):
    PENDING = "PENDING"
    UPHELD = "UPHELD"
    REVERSED = "REVERSED"


@strawberry.enum
class NoticeStatus(Enum):
    RECEIVED = "RECEIVED"
    UNDER_REVIEW = "UNDER_REVIEW"
    DECIDED = "DECIDED"
    VOID = "VOID"


@strawberry.enum
class NoticeOutcome(Enum):
    REMOVED = "REMOVED"
    NO_ACTION = "NO_ACTION"


@strawberry.type(
    name="StatementOfReasons",
    description="Why content or an account was restricted (DSA Art. 17).",
)
class StatementNode:
    row: strawberry.Private[StatementOfReasons]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(str(self.row.id))

    @strawberry.field
    def restriction(self) -> Restriction:
        return Restriction(self.row.restriction)

    @strawberry.field(description="What was restricted.")
    def facts(self) -> str:
        return self.row.facts

    @strawberry.field
    def ground_kind(self) -> GroundKind:
        return GroundKind(self.row.ground_kind)

    @strawberry.field(description="A site rule's code (TERMS), or the law named (LAW).")
    def ground(self) -> str:
        return self.row.ground

    @strawberry.field(description="The rule's wording when it was applied.")
    def ground_text(self) -> str:
        return self.row.ground_text

    @strawberry.field
    def explanation(self) -> str | None:
        return self.row.explanation or None

    @strawberry.field(description="Whether automated means detected the content.")
    def automated_detection(self) -> bool:
        return self.row.automated_detection

    @strawberry.field(description="Whether automated means took the decision (no human).")
    def automated_decision(self) -> bool:
        return self.row.automated_decision

    @strawberry.field(description="The scorer's model version, when automation was used.")
    def model_version(self) -> str | None:
        return self.row.model or None

    @strawberry.field(description="The moderation rules (reason codes) that fired.")
    def triggers(self) -> list[str]:
        return list(self.row.triggers)

    @strawberry.field(description="How to contest the decision.")
    def redress(self) -> str:
        return redress(self.row.appeal_until)

    @strawberry.field
    def appeal_until(self) -> datetime:
        return self.row.appeal_until

    @strawberry.field
    def comment_id(self) -> strawberry.ID | None:
        if self.row.comment_id is None:
            return None
        return strawberry.ID(encode_id("Comment", self.row.comment_id))

    @strawberry.field
    def sanction_id(self) -> strawberry.ID | None:
        return strawberry.ID(str(self.row.sanction_id)) if self.row.sanction_id else None

    @strawberry.field(description="The appeal against this decision, if one was made.")
    async def appeal(self, info: Info) -> AppealNode | None:
        async with info.context.runtime.db.read() as session:
            found = await compliance.appeal_of(session, self.row.id or 0)
        return AppealNode(row=found) if found else None

    @strawberry.field
    def created_at(self) -> datetime:
        return self.row.created_at


@strawberry.type(name="Appeal", description="A complaint against one decision (DSA Art. 20).")
class AppealNode:
    row: strawberry.Private[Appeal]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(str(self.row.id))

    @strawberry.field
    def status(self) -> AppealStatus:
        return AppealStatus(self.row.status)

    @strawberry.field
    def appellant_id(self) -> strawberry.ID:
        return strawberry.ID(self.row.appellant_id)

    @strawberry.field
    def explanation(self) -> str:
        return self.row.explanation

    @strawberry.field(description="The moderator's reasons for upholding or reversing.")
    def decision_reason(self) -> str | None:
        return self.row.decision_reason

    @strawberry.field
    def decided_at(self) -> datetime | None:
        return self.row.decided_at

    @strawberry.field
    def created_at(self) -> datetime:
        return self.row.created_at

    @strawberry.field(description="The decision appealed against.")
    async def statement(self, info: Info) -> StatementNode:
        async with info.context.runtime.db.read() as session:
            found = await session.get(StatementOfReasons, self.row.statement_id)
        assert found is not None
        return StatementNode(row=found)

    @strawberry.field(description="Moderators: who took the decision appealed against.")
    def decided_by(self) -> strawberry.ID | None:
        return strawberry.ID(self.row.decided_by) if self.row.decided_by else None


@strawberry.type(name="NoticeEvent")
class NoticeEventNode:
    row: strawberry.Private[NoticeEvent]

    @strawberry.field
    def status(self) -> NoticeStatus:
        return NoticeStatus(self.row.status)

    @strawberry.field
    def actor_id(self) -> strawberry.ID | None:
        return strawberry.ID(self.row.actor_id) if self.row.actor_id else None

    @strawberry.field
    def note(self) -> str | None:
        return self.row.note

    @strawberry.field
    def created_at(self) -> datetime:
        return self.row.created_at


@strawberry.type(
    name="IllegalContentNotice", description="A notice of illegal content (DSA Art. 16)."
)
class NoticeNode:
    row: strawberry.Private[IllegalContentNotice]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(str(self.row.id))

    @strawberry.field
    def status(self) -> NoticeStatus:
        return NoticeStatus(self.row.status)

    @strawberry.field
    def comment_id(self) -> strawberry.ID:
        return strawberry.ID(encode_id("Comment", self.row.comment_id))

    @strawberry.field
    def law_broken(self) -> str:
        return self.row.law_broken

    @strawberry.field
    def explanation(self) -> str:
        return self.row.explanation

    @strawberry.field
    def notifier_id(self) -> strawberry.ID | None:
        return strawberry.ID(self.row.notifier_id) if self.row.notifier_id else None

    @strawberry.field
    def notifier_name(self) -> str | None:
        return self.row.notifier_name

    @strawberry.field
    def notifier_email(self) -> str | None:
        return self.row.notifier_email

    @strawberry.field
    def outcome(self) -> NoticeOutcome | None:
        return NoticeOutcome(self.row.outcome) if self.row.outcome else None

    @strawberry.field
    def ground_kind(self) -> GroundKind | None:
        return GroundKind(self.row.ground_kind) if self.row.ground_kind else None

    @strawberry.field
    def ground(self) -> str | None:
        return self.row.ground

    @strawberry.field
    def decision_explanation(self) -> str | None:
        return self.row.decision_explanation

    @strawberry.field
    def decided_at(self) -> datetime | None:
        return self.row.decided_at

    @strawberry.field
    def created_at(self) -> datetime:
        return self.row.created_at

    @strawberry.field(description="Every status the notice went through, oldest first.")
    async def history(self, info: Info) -> list[NoticeEventNode]:
        async with info.context.runtime.db.read() as session:
            rows = await compliance.notice_history(session, self.row.id or 0)
        return [NoticeEventNode(row=r) for r in rows]
