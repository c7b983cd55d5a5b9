"""Users are known from their tokens and stored on first sight."""

from __future__ import annotations

from collections.abc import Iterable

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.tables import User


async def upsert_user(session: AsyncSession, user_id: str, name: str, role: str) -> User:
    user = await session.get(User, user_id)
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
