"""Reading the audit log: filtered, newest first, by keyset pages. (Writing is
api/services/audit.record's alone, and it only inserts.)"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.queries.keyset import Key, Order, Page
from models.tables import AuditEntry

NEWEST_FIRST = Order((col(AuditEntry.created_at), col(AuditEntry.id)), descending=True)


@dataclass(frozen=True)
class AuditFilter:
    actor_id: str | None = None
    action: str | None = None
    target_prefix: str | None = None
    since: datetime | None = None
    until: datetime | None = None

    def conditions(self) -> list[ColumnElement[bool]]:
        found: list[ColumnElement[bool]] = []
        if self.actor_id is not None:
            found.append(col(AuditEntry.actor_id) == self.actor_id)
        if self.action is not None:
            found.append(col(AuditEntry.action) == self.action)
        if self.target_prefix:
            # Escaped: a "%" or "_" in the prefix is matched as itself.
            found.append(col(AuditEntry.target).startswith(self.target_prefix, autoescape=True))
        if self.since is not None:
            found.append(col(AuditEntry.created_at) >= self.since)
        if self.until is not None:
            found.append(col(AuditEntry.created_at) < self.until)
        return found


async def audit_page(
    session: AsyncSession, where: AuditFilter, first: int, after: Key | None
) -> Page[AuditEntry]:
    query: Any = select(AuditEntry).where(*where.conditions())
    if after is not None:
        query = query.where(NEWEST_FIRST.after(after))
    query = query.order_by(*NEWEST_FIRST.order_by()).limit(first + 1)
    return Page.from_overfetch(list(await session.exec(query)), first)


async def count_audit(session: AsyncSession, where: AuditFilter) -> int:
    query = select(func.count()).select_from(AuditEntry).where(*where.conditions())
    return int((await session.exec(query)).one())
