"""Users are known from their tokens and stored on first sight."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.tables import User, utcnow


async def upsert_user(session: AsyncSession, user_id: str, name: str, role: str) -> User:
    return await store_user(session, await session.get(User, user_id), user_id, name, role)


async def store_user(
    session: AsyncSession, user: User | None, user_id: str, name: str, role: str
) -> User:
    """Insert or refresh the user, given what a lookup of user_id just found."""
    if user is None:
        user = await _insert_once(session, user_id, name, role)
    if (user.name, user.role) != (name, role):
        user.name, user.role = name, role
    await session.flush()
    return user


async def _insert_once(session: AsyncSession, user_id: str, name: str, role: str) -> User:
    """Insert the user unless a concurrent transaction just did, then read the row.

    A user's first requests often come in parallel (a page posting several
    comments, a moderator's first decisions): read-then-insert would let all but
    one fail on the primary key. ON CONFLICT DO NOTHING waits for the other
    transaction and then inserts nothing; under READ COMMITTED (PostgreSQL's
    default) the following read sees its row. SQLite serialises writers anyway."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    values = {
        "id": user_id,
        "name": name,
        "role": role,
        "created_at": utcnow(),
        "banned": False,
        "premoderated": False,
    }
    statement = insert(User).values(**values).on_conflict_do_nothing(index_elements=["id"])
    await session.exec(statement)
    user = await session.get(User, user_id, populate_existing=True)
    assert user is not None  # inserted now or by the transaction that won
    return user


async def users_by_id(session: AsyncSession, ids: Iterable[str]) -> dict[str, User]:
    rows = await session.exec(select(User).where(col(User.id).in_(list(set(ids)))))
    return {user.id: user for user in rows}
