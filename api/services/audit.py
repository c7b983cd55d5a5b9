"""The audit log: every moderator, admin and operator action, appended in the caller's
transaction so that the action and its record commit (or roll back) together.

Append-only by construction: this module is the only writer and it only inserts; no
service updates or deletes an entry (a test checks the source), and on PostgreSQL a
trigger refuses UPDATE and DELETE on the table.
"""

from __future__ import annotations

from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from models.database import Database
from models.tables import AuditEntry

MAX_REASON = 2000


async def record(
    session: AsyncSession,
    *,
    actor_id: str | None,
    action: str,
    target: str,
    reason: str | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    """Append one entry. `actor_id` None: the system or an operator at the command line;
    `action` a dotted verb ("comment.reject"); `target` "<kind>:<id>" ("comment:42")."""
    session.add(
        AuditEntry(
            actor_id=actor_id,
            action=action,
            target=target,
            reason=reason[:MAX_REASON] if reason else None,
            details=details or {},
        )
    )
    # Flushed now, so that a constraint failure surfaces at the action, not at commit.
    await session.flush()


async def record_alone(
    db: Database,
    *,
    actor_id: str | None,
    action: str,
    target: str,
    reason: str | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    """Append one entry in a transaction of its own: for actions whose state lives outside
    the database (a model version activated on disk), recorded once they are done."""
    async with db.write() as session:
        await record(
            session,
            actor_id=actor_id,
            action=action,
            target=target,
            reason=reason,
            details=details,
        )
