"""Appeals (DSA Art. 20): the affected user contests one decision, once, within
COMMENTMOD_APPEAL_WINDOW_DAYS; a moderator other than the one who decided (any human,
when the system decided alone) upholds or reverses it, with reasons. A reversal
publishes the comment or lifts the sanction, and the author is told."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlmodel.ext.asyncio.session import AsyncSession

from api.http.auth import Identity
from api.http.errors import BadUserInput, Conflict, Forbidden, NotFound
from api.live.changes import CommentState, comment_events
from api.live.events import Event
from api.runtime import Runtime
from api.services import audit, feedback, validation
from api.services.notifications import Kind, notify, publish
from api.services.sanctions import aware
from api.services.users import remember
from models.queries import comments, compliance, history, reports
from models.tables import (
    APPEAL_PENDING,
    APPEAL_REVERSED,
    APPEAL_UPHELD,
    APPROVED,
    BAN_RESTRICTION,
    HOLD,
    PENDING,
    REJECTED,
    SUSPENSION,
    UNBAN,
    Appeal,
    Comment,
    Notification,
    Sanction,
    StatementOfReasons,
    User,
    utcnow,
)

MAX_EXPLANATION = 5000
# The status a comment must still have for its restriction to be in force.
IN_FORCE = {HOLD: PENDING, "REJECTION": REJECTED}


async def appeal(
    runtime: Runtime,
    user: Identity,
    *,
    comment_id: int | None = None,
    sanction_id: int | None = None,
    explanation: str,
) -> tuple[Appeal, StatementOfReasons]:
    """File the user's appeal against the latest decision on their comment, or against
    a sanction on their account. Banned and suspended users may appeal too."""
    validation.text_field("explanation", explanation, max_length=MAX_EXPLANATION)
    try:
        async with runtime.db.write() as session:
            await remember(session, user)
            statement = None
            if comment_id is not None:
                statement = await compliance.latest_for_comment(session, comment_id)
                comment = await session.get(Comment, comment_id)
                if (
                    statement is not None
                    and comment is not None
                    and statement.user_id == user.user_id
                    and IN_FORCE.get(statement.restriction) != comment.status
                ):
                    raise BadUserInput(
                        "that decision no longer applies to the comment", field="commentId"
                    )
            elif sanction_id is not None:
                statement = await compliance.for_sanction(session, sanction_id)
            if statement is None or statement.user_id != user.user_id:
                raise NotFound("no decision of yours to appeal there")
            assert statement.id is not None
            if aware(statement.appeal_until) < utcnow():
                raise Forbidden(
                    "the time to appeal this decision has passed",
                    reason="APPEAL_WINDOW_CLOSED",
                    until=aware(statement.appeal_until).isoformat(),
                )
            if await compliance.appeal_of(session, statement.id) is not None:
                raise Conflict("this decision has been appealed already")
            row = Appeal(
                statement_id=statement.id,
                appellant_id=user.user_id,
                explanation=explanation.strip(),
            )
            session.add(row)
            await session.flush()
        return row, statement
    except IntegrityError:
        # Two appeals raced past the check; the unique statement_id kept one.
        raise Conflict("this decision has been appealed already") from None


@dataclass(frozen=True)
class AppealOutcome:
    appeal: Appeal
    statement: StatementOfReasons
    comment: Comment | None = None


async def decide(
    runtime: Runtime, moderator: Identity, appeal_id: int | None, reverse: bool, reason: str
) -> AppealOutcome:
    """Uphold or reverse an appeal. FORBIDDEN (reason SAME_MODERATOR) for the moderator
    who took the decision, and for the appellant; CONFLICT once decided."""
    validation.text_field("reason", reason, max_length=MAX_EXPLANATION)
    events: list[Event] = []
    sent: list[Notification] = []
    async with runtime.db.write() as session:
        await remember(session, moderator)
        row = await session.get(Appeal, appeal_id) if appeal_id is not None else None
        if row is None:
            raise NotFound("no appeal with that id", field="appealId")
        if row.status != APPEAL_PENDING:
            raise Conflict(f"this appeal was decided already ({row.status})", status=row.status)
        statement = await session.get(StatementOfReasons, row.statement_id)
        assert statement is not None and statement.id is not None
        if statement.decided_by == moderator.user_id:
            raise Forbidden(
                "a moderator other than the one who decided must review the appeal",
                reason="SAME_MODERATOR",
            )
        if row.appellant_id == moderator.user_id:
            raise Forbidden("you cannot decide your own appeal", reason="OWN_APPEAL")
        comment = None
        if reverse:
            comment, events = await _reverse(runtime, session, moderator, statement, reason)
        row.status = APPEAL_REVERSED if reverse else APPEAL_UPHELD
        row.decided_by, row.decision_reason, row.decided_at = moderator.user_id, reason, utcnow()
        session.add(row)
        await session.flush()
        target = (
            f"comment:{statement.comment_id}"
            if statement.comment_id is not None
            else f"sanction:{statement.sanction_id}"
        )
        await audit.record(
            session,
            actor_id=moderator.user_id,
            action="appeal.reverse" if reverse else "appeal.uphold",
            target=f"appeal:{row.id}",
            reason=reason,
            details={"statement_id": statement.id, "decision": target},
        )
        outcome = "reversed: the restriction is lifted" if reverse else "upheld"
        sent.append(
            await notify(
                session,
                row.appellant_id,
                Kind.APPEAL_DECIDED,
                comment_id=statement.comment_id,
                message=f"Your appeal was {outcome}. {reason}",
                actor_id=moderator.user_id,
                details={
                    "appeal_id": row.id,
                    "outcome": row.status,
                    "statement_id": statement.id,
                    "sanction_id": statement.sanction_id,
                },
            )
        )
    runtime.events.publish_all(events)
    publish(runtime.events, sent)
    return AppealOutcome(row, statement, comment)


async def _reverse(
    runtime: Runtime,
    session: AsyncSession,
    moderator: Identity,
    statement: StatementOfReasons,
    reason: str,
) -> tuple[Comment | None, list[Event]]:
    """Publish the comment, or lift the ban or suspension, in the appeal's transaction."""
    note = f"appeal reversed: {reason}"[:2000]
    if statement.comment_id is not None:
        comment = await session.get(Comment, statement.comment_id)
        assert comment is not None and comment.id is not None
        if comment.status == APPROVED:
            return comment, []
        before = CommentState.of(comment)
        if not await comments.change_status(
            session, comment, APPROVED, claimed_by=None, claimed_until=None
        ):
            await session.refresh(comment)
            raise Conflict("the comment changed meanwhile; try again", status=comment.status)
        await reports.resolve_reports(session, comment.id)
        history.record(session, comment.id, APPROVED, moderator.user_id, note)
        feedback.record_decision(session, comment, APPROVED, moderator.user_id)
        await audit.record(
            session,
            actor_id=moderator.user_id,
            action="comment.approve",
            target=f"comment:{comment.id}",
            reason=note,
            details={"from": before.status, "to": APPROVED, "via": "appeal"},
        )
        return comment, comment_events(comment, before, runtime.settings.report_threshold)
    if statement.restriction in (BAN_RESTRICTION, SUSPENSION):
        user = await session.get(User, statement.user_id)
        assert user is not None
        lifted = Sanction(
            user_id=statement.user_id, kind=UNBAN, reason=note, moderator_id=moderator.user_id
        )
        session.add(lifted)
        await session.flush()
        user.banned, user.suspended_until = False, None
        session.add(user)
        await audit.record(
            session,
            actor_id=moderator.user_id,
            action="user.unban",
            target=f"user:{statement.user_id}",
            reason=note,
            details={"sanction_id": lifted.id, "via": "appeal"},
        )
    return None, []
