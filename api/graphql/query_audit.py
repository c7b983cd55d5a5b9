"""Admins: the audit log."""

from __future__ import annotations

import strawberry

from api.graphql.context import Info
from api.graphql.types.audit import AuditEntryNode, AuditLogFilter
from api.graphql.types.connection import Connection, build_connection, page_args
from models.queries import audit
from models.tables import AuditEntry


@strawberry.type
class AuditQuery:
    @strawberry.field(description="Admins: moderator, admin and operator actions, newest first.")
    async def audit_log(
        self,
        info: Info,
        filter: AuditLogFilter | None = None,
        first: int | None = 20,
        after: str | None = None,
    ) -> Connection[AuditEntryNode]:
        given = filter or AuditLogFilter()
        where = audit.AuditFilter(
            actor_id=str(given.actor_id) if given.actor_id is not None else None,
            action=given.action,
            target_prefix=given.target_prefix,
            since=given.from_,
            until=given.to,
        )
        size, key = page_args("audit", audit.NEWEST_FIRST, first, after)
        db = info.context.runtime.db
        async with db.read() as session:
            page = await audit.audit_page(session, where, size, key)

        async def count() -> int:
            async with db.read() as session:
                return await audit.count_audit(session, where)

        def wrap(row: AuditEntry) -> AuditEntryNode:
            return AuditEntryNode(row=row)

        return build_connection(page, "audit", audit.NEWEST_FIRST, wrap, count)
