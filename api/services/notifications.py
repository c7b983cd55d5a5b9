"""Notifications for users: stored in the caller's transaction, announced after its commit.

A service that tells a user something calls `notify` inside its own write
transaction (so the notification exists exactly when the change does), keeps the
rows it got back, and once the transaction has committed calls `publish` with
them, which feeds the `notificationAdded` subscription:

    async with runtime.db.write() as session:
        ...  # the change itself
        sent = [await notify(session, author_id, Kind.APPROVED, comment_id=comment.id)]
    publish(runtime.events, sent)

`Kind` is an open vocabulary: add a member for a new kind (the column is a plain
string, so no migration is needed; the GraphQL enum follows the members).
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from api.http.auth import Identity
from api.http.errors import BadUserInput, NotFound
from api.live.bus import EventBus
from api.live.events import NotificationAdded
from api.runtime import Runtime
from api.services import validation
from api.services.users import remember
from models.queries import notifications as queries
from models.tables import Notification, User

MAX_MESSAGE = 2000
# Ids one markNotificationsRead may name.
MAX_MARK = 100


class Kind(StrEnum):
    """What a notification is about."""

    # A moderator approved the user's comment (or a held one was published).
    APPROVED = "APPROVED"
    # A moderator rejected the user's comment; `message` is the reason when the
    # moderator chose to show it.
    REJECTED = "REJECTED"
    # The user's comment (new or edited) was held for review.
    HELD = "HELD"
    # Someone else replied to the user's comment; comment_id is the reply.
    REPLY = "REPLY"
    # A moderator wrote to the user; `message` is the text.
    MESSAGE = "MESSAGE"
    # Issue 19: the user's appeal was decided (details: appeal_id, outcome UPHELD or
    # REVERSED); a notice the user sent about illegal content was decided (details:
    # notice_id, outcome REMOVED or NO_ACTION).
    APPEAL_DECIDED = "APPEAL_DECIDED"
    NOTICE_DECIDED = "NOTICE_DECIDED"


async def notify(
    session: AsyncSession,
    user_id: str,
    kind: str,
    *,
    comment_id: int | None = None,
    message: str | None = None,
    actor_id: str | None = None,
    details: dict[str, Any] | None = None,
) -> Notification:
    """Store a notification for `user_id` in the caller's transaction (flushed, so the
    row has its id). Hand the row to `publish` after the commit."""
    row = queries.add(
        session,
        Notification(
            user_id=user_id,
            kind=str(kind),
            comment_id=comment_id,
            message=message,
            actor_id=actor_id,
            details=details or {},
        ),
    )
    await session.flush()
    return row


def publish(events: EventBus, rows: Iterable[Notification | None]) -> None:
    """After the commit: tell the users' live subscriptions. None entries are skipped,
    so callers may pass what a conditional `notify` gave them."""
    for row in rows:
        if row is not None and row.id is not None:
            events.publish(NotificationAdded(user_id=row.user_id, notification_id=row.id))


async def message_user(
    runtime: Runtime, moderator: Identity, user_id: str, message: str
) -> Notification:
    """A moderator's message to a user, delivered as a MESSAGE notification."""
    validation.text_field("message", message, max_length=MAX_MESSAGE)
    async with runtime.db.write() as session:
        await remember(session, moderator)
        if await session.get(User, user_id) is None:
            raise NotFound("no user with that id", field="userId")
        row = await notify(
            session, user_id, Kind.MESSAGE, message=message, actor_id=moderator.user_id
        )
    publish(runtime.events, [row])
    return row


async def mark_read(
    runtime: Runtime, reader: Identity, ids: list[int | None] | None, everything: bool
) -> int:
    """Mark the reader's own notifications read: those named by `ids`, or all of them.
    Answers how many were unread before."""
    if everything == (ids is not None):
        raise BadUserInput("give exactly one of ids and all: true")
    if ids is not None:
        if len(ids) > MAX_MARK:
            raise BadUserInput(f"at most {MAX_MARK} ids at once", field="ids")
        if any(i is None for i in ids):
            raise NotFound("no notification with that id", field="ids")
    async with runtime.db.write() as session:
        return await queries.mark_read(
            session, reader.user_id, None if everything else [i for i in ids or [] if i]
        )
