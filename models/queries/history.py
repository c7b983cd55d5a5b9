"""The moderation history of comments: one row per decision."""

from __future__ import annotations

from collections.abc import Iterable

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.tables import ModerationAction


def record(
    session: AsyncSession,
    comment_id: int,
    status: str,
    moderator_id: str | None = None,
    reason: str | None = None,
) -> ModerationAction:
    action = ModerationAction(
        comment_id=comment_id, status=status, moderator_id=moderator_id, reason=reason
    )
    session.add(action)
    return action


async def history_for(
    session: AsyncSession, comment_ids: Iterable[int]
) -> dict[int, list[ModerationAction]]:
    ids = list(set(comment_ids))
    query = (
        select(ModerationAction)
        .where(col(ModerationAction.comment_id).in_(ids))
        .order_by(col(ModerationAction.created_at), col(ModerationAction.id))
    )
    grouped: dict[int, list[ModerationAction]] = {i: [] for i in ids}
    for action in await session.exec(query):
        grouped[action.comment_id].append(action)
    return grouped
