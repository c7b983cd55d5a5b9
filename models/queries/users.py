"""Users are known from their tokens and stored on first sight."""

from __future__ import annotations

from collections.abc import Iterable

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.tables import User


async def upsert_user(session: AsyncSession, user_id: str, name: str, role: str) -> User:
    return await store_user(session, await session.get(User, user_id), user_id, name, role)


async def store_user(
    session: AsyncSession, user: User | None, user_id: str, name: str, role: str
) -> User:
    """Insert or refresh the user, given what a lookup of user_id just found."""
    if user is None:
        user = User(id=user_id, name=name, role=role)
        session.add(user)
    elif (user.name, user.role) != (name, role):
        user.name, user.role = name, role
    await session.flush()
    return user


async def users_by_id(session: AsyncSession, ids: Iterable[str]) -> dict[str, User]:
    rows = await session.exec(select(User).where(col(User.id).in_(list(set(ids)))))
    return {user.id: user for user in rows}
