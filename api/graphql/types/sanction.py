"""A moderator's action on a user, as moderators see it."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, Annotated

import strawberry

from api.graphql.context import Info
from models.queries import compliance
from models.tables import Sanction

if TYPE_CHECKING:
    from api.graphql.types.compliance import StatementNode
    from api.graphql.types.user import UserNode

StatementRef = Annotated["StatementNode", strawberry.lazy("api.graphql.types.compliance")]

UserRef = Annotated["UserNode", strawberry.lazy("api.graphql.types.user")]


@strawberry.enum
class SanctionKind(Enum):
    BAN = "BAN"
    SUSPEND = "SUSPEND"
    UNBAN = "UNBAN"
    PREMODERATE = "PREMODERATE"
    END_PREMODERATION = "END_PREMODERATION"


@strawberry.type(name="Sanction")
class SanctionNode:
    row: strawberry.Private[Sanction]

    @strawberry.field
    def kind(self) -> SanctionKind:
        return SanctionKind(self.row.kind)

    @strawberry.field(description="The end of a suspension.")
    def until(self) -> datetime | None:
        return self.row.until

    @strawberry.field
    def reason(self) -> str | None:
        return self.row.reason

    @strawberry.field
    async def moderator(self, info: Info) -> UserRef | None:
        from api.graphql.types.user import UserNode

        user = await info.context.loaders.user.load(self.row.moderator_id)
        return UserNode(row=user) if user else None

    @strawberry.field
    def created_at(self) -> datetime:
        return self.row.created_at

    @strawberry.field(description="The statement of reasons of a ban or a suspension.")
    async def statement_of_reasons(self, info: Info) -> StatementRef | None:
        from api.graphql.types.compliance import StatementNode

        async with info.context.runtime.db.read() as session:
            found = await compliance.for_sanction(session, self.row.id or 0)
        return StatementNode(row=found) if found else None
