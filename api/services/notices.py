"""Notices of illegal content (DSA Art. 16): anyone, signed in or not, may notify a
comment they believe illegal; the notice is confirmed (status RECEIVED), reviewed
(UNDER_REVIEW), and decided (DECIDED: the comment removed or left, on a legal or a terms
ground, explained) or set aside (VOID: unfounded, a duplicate); every step is kept as
history. The notifier is told the outcome: a notification when signed in, otherwise
by email through a NOTICE_DECIDED webhook (`tell_anonymous_notifier`)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlmodel.ext.asyncio.session import AsyncSession

from api.http.auth import Identity
from api.http.errors import BadUserInput, Conflict, NotFound
from api.live.changes import CommentState, comment_events
from api.live.events import Event, QueueChanged, QueueKind
from api.runtime import Runtime
from api.services import audit, outbox, reasons, validation
from api.services.notifications import Kind, notify, publish
from api.services.users import remember
from api.services.visibility import can_see
from models.queries import comments, compliance, history, reports
from models.tables import (
    NOTICE_DECIDED,
    NOTICE_RECEIVED,
    NOTICE_UNDER_REVIEW,
    NOTICE_VOID,
    REJECTED,
    Comment,
    IllegalContentNotice,
    NoticeEvent,
    Notification,
    utcnow,
)

ILLEGAL = "ILLEGAL"
REMOVED, NO_ACTION = "REMOVED", "NO_ACTION"
MAX_TEXT = 5000
# A decision's explanation must say something: the notifier and the author read it.
MIN_EXPLANATION = 20
EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,255}$")


@dataclass(frozen=True)
class NewNotice:
    comment_id: int | None
    law_broken: str
    explanation: str
    notifier_name: str | None = None
    notifier_email: str | None = None
    good_faith: bool = False


def _validated(new: NewNotice) -> NewNotice:
    validation.text_field("lawBroken", new.law_broken, max_length=500)
    validation.text_field("explanation", new.explanation, max_length=MAX_TEXT)
    if new.notifier_name is not None:
        validation.text_field("notifierName", new.notifier_name, max_length=200, required=False)
    email = (new.notifier_email or "").strip() or None
    if email is not None and (len(email) > 320 or not EMAIL.fullmatch(email)):
        raise BadUserInput("notifierEmail is not an email address", field="notifierEmail")
    if not new.good_faith:
        raise BadUserInput(
            "confirm that you believe the notice accurate and complete (goodFaith: true)",
            field="goodFaith",
        )
    name = (new.notifier_name or "").strip() or None
    return NewNotice(
        new.comment_id, new.law_broken.strip(), new.explanation.strip(), name, email, True
    )


def _queue_event(comment: Comment, kind: QueueKind) -> QueueChanged:
    assert comment.id is not None
    return QueueChanged(
        kind=kind, queue=ILLEGAL, article_id=comment.article_id, comment_id=comment.id
    )


async def submit(
    runtime: Runtime, notifier: Identity | None, new: NewNotice
) -> IllegalContentNotice:
    """Store a notice (RECEIVED, with its first history entry) and put the comment in
    the ILLEGAL queue."""
    new = _validated(new)
    async with runtime.db.write() as session:
        if notifier is not None:
            await remember(session, notifier)
        comment = await session.get(Comment, new.comment_id) if new.comment_id else None
        if comment is None or not can_see(notifier, comment):
            raise NotFound("no comment with that id", field="commentId")
        notice = IllegalContentNotice(
            comment_id=comment.id or 0,
            law_broken=new.law_broken,
            explanation=new.explanation,
            notifier_id=notifier.user_id if notifier else None,
            notifier_name=new.notifier_name,
            notifier_email=new.notifier_email,
            good_faith=True,
        )
        session.add(notice)
        await session.flush()
        assert notice.id is not None
        session.add(NoticeEvent(notice_id=notice.id, status=NOTICE_RECEIVED, note="received"))
    runtime.events.publish(_queue_event(comment, QueueKind.ENTERED))
    return notice


async def _open_notice(
    session: AsyncSession, notice_id: int | None, allowed: tuple[str, ...]
) -> IllegalContentNotice:
    notice = (
        await session.get(IllegalContentNotice, notice_id, with_for_update=True)
        if notice_id is not None
        else None
    )
    if notice is None:
        raise NotFound("no notice with that id", field="noticeId")
    if notice.status not in allowed:
        raise Conflict(f"the notice is {notice.status}", status=notice.status)
    return notice


async def start_review(
    runtime: Runtime, moderator: Identity, notice_id: int | None
) -> IllegalContentNotice:
    async with runtime.db.write() as session:
        await remember(session, moderator)
        notice = await _open_notice(session, notice_id, (NOTICE_RECEIVED,))
        notice.status = NOTICE_UNDER_REVIEW
        session.add(notice)
        session.add(
            NoticeEvent(
                notice_id=notice.id or 0,
                status=NOTICE_UNDER_REVIEW,
                actor_id=moderator.user_id,
                note="review started",
            )
        )
        await audit.record(
            session,
            actor_id=moderator.user_id,
            action="notice.review",
            target=f"notice:{notice.id}",
        )
    return notice


@dataclass(frozen=True)
class NoticeDecision:
    outcome: str  # REMOVED or NO_ACTION; VOID sets the notice aside
    ground: reasons.Ground


async def decide(
    runtime: Runtime, moderator: Identity, notice_id: int | None, decision: NoticeDecision
) -> IllegalContentNotice:
    """Decide a notice: remove the comment (with a statement of reasons citing the
    ground) or leave it; or void the notice. The notifier is told the outcome."""
    explanation = decision.ground.explanation or ""
    validation.text_field("explanation", explanation, max_length=MAX_TEXT)
    if len(explanation.strip()) < MIN_EXPLANATION:
        raise BadUserInput(
            f"explain the decision in at least {MIN_EXPLANATION} characters",
            field="explanation",
        )
    void = decision.outcome == NOTICE_VOID
    if not void and decision.ground.rule is None and decision.ground.law is None:
        raise BadUserInput("cite a legal ground or a site rule", field="legalGround")
    events: list[Event] = []
    sent: list[Notification] = []
    async with runtime.db.write() as session:
        await remember(session, moderator)
        notice = await _open_notice(session, notice_id, (NOTICE_RECEIVED, NOTICE_UNDER_REVIEW))
        comment = await session.get(Comment, notice.comment_id)
        assert comment is not None and comment.id is not None
        kind = ground = None
        if not void:
            kind, ground, _wording, _ = await reasons.resolve_ground(session, decision.ground)
        if decision.outcome == REMOVED and comment.status != REJECTED:
            before = CommentState.of(comment)
            if not await comments.change_status(
                session, comment, REJECTED, claimed_by=None, claimed_until=None
            ):
                await session.refresh(comment)
                raise Conflict("the comment changed meanwhile; try again", status=comment.status)
            await reports.resolve_reports(session, comment.id)
            note = f"illegal content notice #{notice.id}: {explanation}"[:2000]
            history.record(session, comment.id, REJECTED, moderator.user_id, note)
            statement = await reasons.for_moderator(
                session,
                comment,
                moderator.user_id,
                decision.ground,
                runtime.settings.appeal_window_days,
            )
            await audit.record(
                session,
                actor_id=moderator.user_id,
                action="comment.reject",
                target=f"comment:{comment.id}",
                reason=note,
                details={"from": before.status, "to": REJECTED, "notice_id": notice.id}
                | reasons.summary(statement),
            )
            events += comment_events(comment, before, runtime.settings.report_threshold)
            # The author hears of the removal, with the statement of reasons to read.
            sent.append(
                await notify(
                    session,
                    comment.author_id,
                    Kind.REJECTED,
                    comment_id=comment.id,
                    message=explanation.strip()[:2000],
                    actor_id=moderator.user_id,
                    details={"statement_id": statement.id, "notice_id": notice.id},
                )
            )
        notice.status = NOTICE_VOID if void else NOTICE_DECIDED
        notice.outcome = None if void else decision.outcome
        notice.ground_kind, notice.ground = kind, ground
        notice.decision_explanation = explanation.strip()
        notice.decided_by, notice.decided_at = moderator.user_id, utcnow()
        session.add(notice)
        session.add(
            NoticeEvent(
                notice_id=notice.id or 0,
                status=notice.status,
                actor_id=moderator.user_id,
                note=explanation.strip(),
            )
        )
        await audit.record(
            session,
            actor_id=moderator.user_id,
            action="notice.void" if void else "notice.decide",
            target=f"notice:{notice.id}",
            reason=explanation.strip(),
            details={"outcome": notice.outcome, "ground_kind": kind, "ground": ground},
        )
        await session.flush()
        if notice.notifier_id is not None:
            sent.append(
                await notify(
                    session,
                    notice.notifier_id,
                    Kind.NOTICE_DECIDED,
                    comment_id=comment.id,
                    message=outcome_message(notice),
                    actor_id=moderator.user_id,
                    details={"notice_id": notice.id, "outcome": notice.outcome or NOTICE_VOID},
                )
            )
        else:
            await tell_anonymous_notifier(session, notice)
        still_open = await compliance.count(
            session,
            IllegalContentNotice,
            [
                IllegalContentNotice.comment_id == comment.id,  # type: ignore[list-item]
                compliance.open_notice_on(IllegalContentNotice.comment_id),
            ],
        )
    if not still_open:
        events.append(_queue_event(comment, QueueKind.LEFT))
    runtime.events.publish_all(events)
    publish(runtime.events, sent)
    return notice


def outcome_message(notice: IllegalContentNotice) -> str:
    """The outcome in words, for the notifier."""
    if notice.status == NOTICE_VOID:
        what = "was set aside without action on the comment"
    elif notice.outcome == REMOVED:
        what = f"led to the comment's removal ({notice.ground_kind}: {notice.ground})"
    else:
        what = f"was reviewed; the comment stays ({notice.ground_kind}: {notice.ground})"
    return f"Your notice #{notice.id} {what}. {notice.decision_explanation}"


async def tell_anonymous_notifier(session: AsyncSession, notice: IllegalContentNotice) -> None:
    """A notifier who was not signed in hears of the outcome by email: a NOTICE_DECIDED
    webhook event that the site's mailer subscribes to, in this transaction. Without an
    email the outcome stays readable in the notice's history."""
    if notice.notifier_email is None:
        return
    await outbox.enqueue(
        session,
        outbox.NOTICE_DECIDED,
        {
            "noticeId": notice.id,
            "email": notice.notifier_email,
            "name": notice.notifier_name,
            "status": notice.status,
            "outcome": notice.outcome,
            "message": outcome_message(notice),
        },
    )
