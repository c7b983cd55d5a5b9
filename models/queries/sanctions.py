"""Sanctions on users, and the facts about an author that moderation asks for."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.tables import APPROVED, PENDING, REJECTED, Comment, Sanction, User


async def sanctions_for(
    session: AsyncSession, user_ids: Iterable[str]
) -> dict[str, list[Sanction]]:
    ids = list(set(user_ids))
    query = (
        select(Sanction)
        .where(col(Sanction.user_id).in_(ids))
        .order_by(col(Sanction.created_at), col(Sanction.id))
    )
    grouped: dict[str, list[Sanction]] = {i: [] for i in ids}
    for sanction in await session.exec(query):
        grouped[sanction.user_id].append(sanction)
    return grouped


async def status_counts(
    session: AsyncSession, author_ids: Iterable[str]
) -> dict[str, dict[str, int]]:
    """Per author: how many of their comments (not deleted) are in each status."""
    ids = list(set(author_ids))
    query: Any = (
        select(Comment.author_id, Comment.status, func.count())
        .where(col(Comment.author_id).in_(ids), col(Comment.deleted_at).is_(None))
        .group_by(col(Comment.author_id), col(Comment.status))
    )
    counts: dict[str, dict[str, int]] = {i: {} for i in ids}
    for author_id, status, count in await session.exec(query):
        counts[author_id][status] = int(count)
    return counts


async def user_with_counts(
    session: AsyncSession, user_id: str
) -> tuple[User | None, dict[str, int]]:
    """The user's row and how many of their comments are in each status, in one
    statement (it runs for every new comment)."""

    def count(status: str) -> Any:
        return (
            select(func.count())
            .where(col(Comment.author_id) == user_id, col(Comment.status) == status)
            .scalar_subquery()
        )

    statuses = (APPROVED, PENDING, REJECTED)
    query: Any = select(User, *(count(status) for status in statuses)).where(
        col(User.id) == user_id
    )
    row = (await session.exec(query)).first()
    if row is None:
        return None, {}  # not stored yet, so no comments either
    user, *counts = row
    return user, {status: int(n) for status, n in zip(statuses, counts, strict=True) if n}


async def bodies_since(
    session: AsyncSession, author_id: str, since: datetime, excluding: int | None = None
) -> list[str]:
    """The author's texts posted since `since`; `excluding`: a comment being edited,
    whose own old text is no repeat of its new one."""
    query = select(Comment.body).where(
        col(Comment.author_id) == author_id, col(Comment.created_at) >= since
    )
    if excluding is not None:
        query = query.where(col(Comment.id) != excluding)
    return list((await session.exec(query)).all())


async def unrejected_after(
    session: AsyncSession, author_id: str, after_id: int, limit: int
) -> list[Comment]:
    """The author's comments that are not rejected, in id order, one batch at a time."""
    query = (
        select(Comment)
        .where(
            col(Comment.author_id) == author_id,
            col(Comment.status) != REJECTED,
            col(Comment.id) > after_id,
            # A deleted comment is frozen as it was (comments.change_status).
            col(Comment.deleted_at).is_(None),
        )
        .order_by(col(Comment.id))
        .limit(limit)
    )
    return list((await session.exec(query)).all())
