"""Notifications: a user's list, newest first, and marking them read."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import func, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.queries.keyset import Key, Order, Page
from models.tables import Notification, utcnow

NEWEST = Order((col(Notification.created_at), col(Notification.id)), descending=True)


def add(session: AsyncSession, notification: Notification) -> Notification:
    """Adds the row to the caller's transaction (flushed with it)."""
    session.add(notification)
    return notification


async def page_for(
    session: AsyncSession, user_id: str, first: int, after: Key | None
) -> Page[Notification]:
    query = select(Notification).where(col(Notification.user_id) == user_id)
    if after is not None:
        query = query.where(NEWEST.after(after))
    query = query.order_by(*NEWEST.order_by()).limit(first + 1)
    return Page.from_overfetch((await session.exec(query)).all(), first)


async def count_for(session: AsyncSession, user_id: str, *, unread: bool = False) -> int:
    query: Any = (
        select(func.count()).select_from(Notification).where(col(Notification.user_id) == user_id)
    )
    if unread:
        query = query.where(col(Notification.read_at).is_(None))
    return int((await session.exec(query)).one())


async def mark_read(
    session: AsyncSession, user_id: str, ids: Iterable[int] | None, when: datetime | None = None
) -> int:
    """Mark the user's unread notifications read: those named, or all when ids is None.
    Ids of other users' notifications match nothing. Answers how many changed."""
    statement = (
        update(Notification)
        .where(col(Notification.user_id) == user_id, col(Notification.read_at).is_(None))
        .values(read_at=when or utcnow())
        .execution_options(synchronize_session=False)
    )
    if ids is not None:
        statement = statement.where(col(Notification.id).in_(list(set(ids))))
    result = await session.exec(statement)  # type: ignore[call-overload]
    return int(getattr(result, "rowcount", 0) or 0)


async def notifications_by_id(session: AsyncSession, ids: Iterable[int]) -> dict[int, Notification]:
    rows = await session.exec(select(Notification).where(col(Notification.id).in_(list(set(ids)))))
    return {n.id: n for n in rows if n.id is not None}
