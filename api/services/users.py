"""Users are upserted from their token on first sight."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from api.http.auth import Identity
from models.database import Database
from models.queries.users import store_user, upsert_user, users_by_id
from models.tables import User


async def remember(session: AsyncSession, identity: Identity) -> User:
    """Inside a write transaction: store or refresh the token's user."""
    return await upsert_user(session, identity.user_id, identity.name, identity.role.value)


async def remember_found(session: AsyncSession, identity: Identity, user: User | None) -> User:
    """As remember(), given the row a lookup in this session just found (or None)."""
    return await store_user(session, user, identity.user_id, identity.name, identity.role.value)


async def ensure_user(db: Database, identity: Identity) -> User:
    """Outside a transaction: read first, and write only when the user is new or changed."""
    async with db.read() as session:
        user = (await users_by_id(session, [identity.user_id])).get(identity.user_id)
    if user is not None and (user.name, user.role) == (identity.name, identity.role.value):
        return user
    async with db.write() as session:
        return await remember(session, identity)
