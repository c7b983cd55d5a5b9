"""An entry of the audit log, as admins see it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry
from strawberry.scalars import JSON

from models.tables import AuditEntry


@strawberry.input(description="Every field is optional; given ones must all match.")
class AuditLogFilter:
    actor_id: strawberry.ID | None = None
    action: str | None = strawberry.field(default=None, description='e.g. "comment.reject".')
    target_prefix: str | None = strawberry.field(
        default=None, description='Targets starting with this, e.g. "comment:" or "user:alice".'
    )
    from_: datetime | None = strawberry.field(
        default=None, name="from", description="Entries at or after this time."
    )
    to: datetime | None = strawberry.field(default=None, description="Entries before this time.")


@strawberry.type(name="AuditEntry")
class AuditEntryNode:
    row: strawberry.Private[AuditEntry]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(str(self.row.id))

    @strawberry.field(description="Who acted; null for the system or an operator's command.")
    def actor_id(self) -> strawberry.ID | None:
        return strawberry.ID(self.row.actor_id) if self.row.actor_id is not None else None

    @strawberry.field(description='A dotted verb, e.g. "comment.reject", "settings.update".')
    def action(self) -> str:
        return self.row.action

    @strawberry.field(description='What was acted on, "<kind>:<id>", e.g. "comment:42".')
    def target(self) -> str:
        return self.row.target

    @strawberry.field
    def reason(self) -> str | None:
        return self.row.reason

    @strawberry.field(description="What changed, as recorded by the action.")
    def details(self) -> JSON:
        value: Any = self.row.details
        return JSON(value)

    @strawberry.field
    def created_at(self) -> datetime:
        return self.row.created_at
