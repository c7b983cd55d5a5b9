"""Users are upserted from their token on first sight."""

from __future__ import annotations

from dataclasses import replace

from sqlmodel.ext.asyncio.session import AsyncSession

from api.http.auth import Identity, Role
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


async def with_standing(db: Database, identity: Identity) -> Identity:
    """The identity a request acts as: a banned moderator or admin has no powers left
    (a ban is a ban whatever the token says) and acts as the commenter they are, who is
    banned from commenting too. Suspension and pre-moderation judge comments only."""
    if not identity.is_moderator:
        return identity
    async with db.read() as session:
        user = await session.get(User, identity.user_id)
    if user is not None and user.banned:
        return replace(identity, role=Role.COMMENTER)
    return identity
