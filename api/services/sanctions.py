"""Bans, suspensions and per-user pre-moderation, and the checks they imply.

A user's current standing lives on the users row (cheap to check on every
comment); every change is also appended to `sanctions`, so moderators see who
did what, when and why.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from api.http.auth import Identity
from api.http.errors import BadUserInput, Forbidden, NotFound
from api.live.changes import CommentState, comment_events
from api.live.events import Event
from api.runtime import Runtime
from api.services import audit, outbox, reasons, validation
from api.services.users import remember
from models.queries import comments, history
from models.queries.sanctions import bodies_since, unrejected_after, user_with_counts
from models.tables import (
    APPROVED,
    BAN,
    END_PREMODERATION,
    PREMODERATE,
    REJECTED,
    SUSPEND,
    UNBAN,
    Sanction,
    User,
    utcnow,
)
from moderation.author import REPEAT_WINDOW, AuthorFacts, normalise

MAX_REASON = 2000
# Comments rejected per transaction when a ban rejects a user's comments, so that a
# prolific user's ban never holds the write lock for long.
REJECT_BATCH = 500


def aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; they are UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def standing_error(user: User | None, now: datetime | None = None) -> Forbidden | None:
    if user is None:
        return None
    if user.banned:
        return Forbidden("you are banned from commenting", reason="USER_BANNED")
    if user.suspended_until is not None:
        until = aware(user.suspended_until)
        if until > (now or utcnow()):
            return Forbidden(
                f"you are suspended from commenting until {until.isoformat()}",
                reason="USER_SUSPENDED",
                until=until.isoformat(),
            )
    return None


async def ensure_allowed(session: AsyncSession, user_id: str) -> User | None:
    """Raise FORBIDDEN (USER_BANNED / USER_SUSPENDED) for a sanctioned user."""
    user = await session.get(User, user_id)
    if (error := standing_error(user)) is not None:
        raise error
    return user


async def author_facts(
    session: AsyncSession, user_id: str, excluding: int | None = None
) -> AuthorFacts:
    """Check the author may post, and gather what the moderation phases ask about them.
    `excluding`: a comment being edited, whose old text is no repeat of the new one."""
    user, counts = await user_with_counts(session, user_id)
    if (error := standing_error(user)) is not None:
        raise error
    recent = await bodies_since(session, user_id, utcnow() - REPEAT_WINDOW, excluding)
    return AuthorFacts(
        comment_count=sum(counts.values()),
        approved_count=counts.get(APPROVED, 0),
        premoderated=bool(user and user.premoderated),
        recent_texts=frozenset(normalise(body) for body in recent),
    )


@dataclass(frozen=True)
class SanctionOutcome:
    user: User
    sanction: Sanction
    rejected_comments: int = 0


async def _sanction(
    session: AsyncSession,
    moderator: Identity,
    user_id: str,
    kind: str,
    reason: str | None,
    until: datetime | None = None,
) -> tuple[User, Sanction]:
    if reason is not None:
        validation.text_field("reason", reason, max_length=MAX_REASON, required=False)
    if user_id == moderator.user_id:
        raise BadUserInput("you cannot sanction yourself", field="userId")
    await remember(session, moderator)
    user = await session.get(User, user_id)
    if user is None:
        raise NotFound("no user with that id", field="userId")
    sanction = Sanction(
        user_id=user_id,
        kind=kind,
        until=until,
        reason=reason or None,
        moderator_id=moderator.user_id,
    )
    session.add(sanction)
    await session.flush()
    await outbox.enqueue(
        session,
        outbox.USER_SANCTIONED,
        {
            "userId": user_id,
            "kind": kind,
            "until": until.isoformat() if until else None,
            "reason": reason or None,
            "moderatorId": moderator.user_id,
        },
    )
    await audit.record(
        session,
        actor_id=moderator.user_id,
        action=f"user.{kind.lower()}",
        target=f"user:{user_id}",
        reason=reason or None,
        details={"sanction_id": sanction.id, "until": until.isoformat() if until else None},
    )
    return user, sanction


async def ban(
    runtime: Runtime,
    moderator: Identity,
    user_id: str,
    reason: str,
    reject_existing: bool,
    ground: reasons.Ground | None = None,
) -> SanctionOutcome:
    validation.text_field("reason", reason, max_length=MAX_REASON)
    ground = ground or reasons.Ground(explanation=reason)
    window = runtime.settings.appeal_window_days
    async with runtime.db.write() as session:
        user, sanction = await _sanction(session, moderator, user_id, BAN, reason)
        await reasons.for_sanction(session, sanction, ground, window)
        user.banned = True
        session.add(user)
    rejected = 0
    if reject_existing:
        rejected = await reject_comments(
            runtime, moderator, user_id, f"user banned: {reason}", ground
        )
    return SanctionOutcome(user, sanction, rejected)


async def reject_comments(
    runtime: Runtime,
    moderator: Identity,
    user_id: str,
    reason: str,
    ground: reasons.Ground | None = None,
) -> int:
    """Reject every comment of the user not yet rejected, REJECT_BATCH per transaction,
    each with a history entry; counters move with each status change."""
    rejected, after = 0, 0
    threshold = runtime.settings.report_threshold
    while True:
        events: list[Event] = []
        async with runtime.db.write() as session:
            batch = await unrejected_after(session, user_id, after, REJECT_BATCH)
            for comment in batch:
                assert comment.id is not None
                after = comment.id
                before = CommentState.of(comment)
                if not await comments.change_status(session, comment, REJECTED):
                    # Changed since it was read (another moderator): read it again once.
                    await session.refresh(comment)
                    before = CommentState.of(comment)
                    if comment.status == REJECTED or not await comments.change_status(
                        session, comment, REJECTED
                    ):
                        continue
                history.record(session, comment.id, REJECTED, moderator.user_id, reason[:2000])
                await outbox.comment_decided(
                    session, comment, moderator_id=moderator.user_id, reason=reason[:2000]
                )
                await reasons.for_moderator(
                    session,
                    comment,
                    moderator.user_id,
                    ground or reasons.Ground(explanation=reason),
                    runtime.settings.appeal_window_days,
                )
                await audit.record(
                    session,
                    actor_id=moderator.user_id,
                    action="comment.reject",
                    target=f"comment:{comment.id}",
                    reason=reason,
                    details={"from": before.status, "to": REJECTED, "via": "ban"},
                )
                rejected += 1
                events += comment_events(comment, before, threshold)
        # Committed: readers' threads (and the response cache) drop what was visible.
        runtime.events.publish_all(events)
        if len(batch) < REJECT_BATCH:
            return rejected


async def suspend(
    runtime: Runtime,
    moderator: Identity,
    user_id: str,
    until: datetime,
    reason: str,
    ground: reasons.Ground | None = None,
) -> SanctionOutcome:
    validation.text_field("reason", reason, max_length=MAX_REASON)
    until = aware(until).astimezone(UTC)
    if until <= utcnow():
        raise BadUserInput("until must be in the future", field="until")
    async with runtime.db.write() as session:
        user, sanction = await _sanction(session, moderator, user_id, SUSPEND, reason, until)
        await reasons.for_sanction(
            session,
            sanction,
            ground or reasons.Ground(explanation=reason),
            runtime.settings.appeal_window_days,
        )
        user.suspended_until = until
        session.add(user)
    return SanctionOutcome(user, sanction)


async def unban(
    runtime: Runtime, moderator: Identity, user_id: str, reason: str | None
) -> SanctionOutcome:
    """Lift a ban and any suspension."""
    async with runtime.db.write() as session:
        user, sanction = await _sanction(session, moderator, user_id, UNBAN, reason)
        user.banned, user.suspended_until = False, None
        session.add(user)
    return SanctionOutcome(user, sanction)


async def set_premoderation(
    runtime: Runtime, moderator: Identity, user_id: str, enabled: bool, reason: str | None
) -> SanctionOutcome:
    kind = PREMODERATE if enabled else END_PREMODERATION
    async with runtime.db.write() as session:
        user, sanction = await _sanction(session, moderator, user_id, kind, reason)
        user.premoderated = enabled
        session.add(user)
    return SanctionOutcome(user, sanction)
