"""API keys of the Perspective-protocol endpoint: stored hashed, revoked, never deleted."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import or_, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.tables import ApiKey, utcnow

# Visible in logs and listings as a hint of what the string is; not part of the secret.
KEY_PREFIX = "cm_"


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def new_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


async def create_key(
    session: AsyncSession, name: str, rate_limit: int | None = None
) -> tuple[ApiKey, str]:
    """Store a new key under `name`; returns the row and the key, which exists nowhere else."""
    key = new_key()
    row = ApiKey(name=name, key_hash=hash_key(key), prefix=key[:10], rate_limit=rate_limit)
    session.add(row)
    await session.flush()
    return row, key


async def find_active(session: AsyncSession, key: str) -> ApiKey | None:
    query = select(ApiKey).where(ApiKey.key_hash == hash_key(key), col(ApiKey.revoked_at).is_(None))
    return (await session.exec(query)).first()


async def list_keys(session: AsyncSession) -> Sequence[ApiKey]:
    return (await session.exec(select(ApiKey).order_by(col(ApiKey.id)))).all()


async def find_key(session: AsyncSession, name_or_id: str) -> ApiKey | None:
    clauses = [col(ApiKey.name) == name_or_id]
    if name_or_id.isdigit():
        clauses.append(col(ApiKey.id) == int(name_or_id))
    rows = (await session.exec(select(ApiKey).where(or_(*clauses)))).all()
    # A name wins over an id that happens to look like it.
    by_name = [r for r in rows if r.name == name_or_id]
    found = by_name or list(rows)
    return found[0] if found else None


async def revoke(session: AsyncSession, row: ApiKey) -> None:
    row.revoked_at = row.revoked_at or utcnow()
    session.add(row)
    await session.flush()


async def touch(session: AsyncSession, key_id: int, when: datetime) -> None:
    await session.exec(update(ApiKey).where(col(ApiKey.id) == key_id).values(last_used_at=when))
