"""Which notifications a change to a comment sends, and to whom.

Called inside the change's transaction; the caller publishes the rows it gets back
(notifications.publish) once the transaction has committed.
"""

from __future__ import annotations

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from api.services.notifications import Kind, notify
from models.tables import APPROVED, PENDING, REJECTED, Comment, Notification


async def _reply(
    session: AsyncSession, reply: Comment, *, fresh: bool = False
) -> Notification | None:
    """Tell the parent's author of a reply the first time it becomes visible; never
    for a reply to oneself. `fresh`: the reply was just posted, so nobody was told yet."""
    if reply.parent_id is None or reply.status != APPROVED or reply.id is None:
        return None
    parent = await session.get(Comment, reply.parent_id)
    if parent is None or parent.author_id == reply.author_id:
        return None
    told = select(Notification.id).where(
        col(Notification.user_id) == parent.author_id,
        col(Notification.kind) == Kind.REPLY.value,
        col(Notification.comment_id) == reply.id,
    )
    if not fresh and (await session.exec(told.limit(1))).first() is not None:
        return None  # it was visible before (approved, held by an edit, approved again)
    return await notify(
        session, parent.author_id, Kind.REPLY, comment_id=reply.id, actor_id=reply.author_id
    )


async def posted(session: AsyncSession, comment: Comment) -> list[Notification]:
    """A new comment: HELD to its author when held, REPLY to the parent's author when
    published."""
    assert comment.id is not None
    if comment.status == PENDING:
        return [await notify(session, comment.author_id, Kind.HELD, comment_id=comment.id)]
    reply = await _reply(session, comment, fresh=True)
    return [reply] if reply else []


async def edited(session: AsyncSession, comment: Comment, before: str | None) -> list[Notification]:
    """An edit was judged again: HELD when the new text is held (and the old was not),
    REPLY when a reply first becomes visible."""
    assert comment.id is not None
    if comment.status == PENDING and before != PENDING:
        return [await notify(session, comment.author_id, Kind.HELD, comment_id=comment.id)]
    reply = await _reply(session, comment)
    return [reply] if reply else []


async def decided(
    session: AsyncSession,
    comment: Comment,
    before: str | None,
    moderator_id: str,
    shown_reason: str | None,
) -> list[Notification]:
    """A moderator's decision that changed the comment's status: APPROVED or REJECTED
    to its author (REJECTED with the reason when the moderator chose to show it), and
    REPLY to the parent's author when a reply first becomes visible. Re-approving a
    published comment (reports dismissed) tells nobody."""
    assert comment.id is not None
    if comment.status == before:
        return []
    sent: list[Notification] = []
    if (reply := await _reply(session, comment)) is not None:
        sent.append(reply)
    if comment.author_id == moderator_id:
        return sent  # a moderator deciding on their own comment knows
    if comment.status == APPROVED:
        sent.append(
            await notify(
                session,
                comment.author_id,
                Kind.APPROVED,
                comment_id=comment.id,
                actor_id=moderator_id,
            )
        )
    elif comment.status == REJECTED:
        sent.append(
            await notify(
                session,
                comment.author_id,
                Kind.REJECTED,
                comment_id=comment.id,
                message=shown_reason,
                actor_id=moderator_id,
            )
        )
    return sent
