"""The site's moderation settings: a single row, created on first change."""

from __future__ import annotations

from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from models.tables import ModerationSettings, utcnow

SETTINGS_ID = 1


async def load_settings(session: AsyncSession) -> ModerationSettings:
    """The stored settings, or the defaults (version 0) when none were saved yet."""
    row = await session.get(ModerationSettings, SETTINGS_ID)
    return row if row is not None else defaults()


def defaults() -> ModerationSettings:
    """The settings in force before any were saved (version 0)."""
    return ModerationSettings(id=SETTINGS_ID)


async def update_settings(
    session: AsyncSession, changes: dict[str, Any], updated_by: str | None
) -> ModerationSettings:
    """Apply the given fields only; call inside a write transaction."""
    row = await session.get(ModerationSettings, SETTINGS_ID, with_for_update=True)
    if row is None:
        row = ModerationSettings(id=SETTINGS_ID)
        session.add(row)
    for name, value in changes.items():
        setattr(row, name, value)
    row.version += 1
    row.updated_at = utcnow()
    row.updated_by = updated_by
    await session.flush()
    return row
