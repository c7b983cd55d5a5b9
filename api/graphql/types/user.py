"""Users as the API shows them; their standing and record are for moderators."""

from __future__ import annotations

from datetime import datetime

import strawberry

from api.graphql.context import Info
from api.graphql.types.sanction import SanctionNode
from api.http.auth import Role
from api.services.sanctions import aware
from models.tables import APPROVED, REJECTED, User, utcnow

strawberry.enum(Role, name="Role")


@strawberry.type(name="User")
class UserNode:
    row: strawberry.Private[User]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(self.row.id)

    @strawberry.field
    def name(self) -> str:
        return self.row.name

    @strawberry.field
    def role(self) -> Role:
        return Role(self.row.role)

    @strawberry.field(description="Moderators only; null for everyone else.")
    def banned(self) -> bool | None:
        return self.row.banned

    @strawberry.field(
        description="Moderators only: the end of a running suspension; null when none."
    )
    def suspended_until(self) -> datetime | None:
        until = self.row.suspended_until
        return aware(until) if until is not None and aware(until) > utcnow() else None

    @strawberry.field(description="Moderators only: every comment of the user is held.")
    def premoderated(self) -> bool | None:
        return self.row.premoderated

    @strawberry.field(description="Moderators only: every sanction, oldest first.")
    async def sanctions(self, info: Info) -> list[SanctionNode] | None:
        rows = await info.context.loaders.sanctions.load(self.row.id)
        return [SanctionNode(row=row) for row in rows]

    @strawberry.field(description="Moderators only: the user's comments now approved.")
    async def approved_comment_count(self, info: Info) -> int | None:
        return (await info.context.loaders.status_counts.load(self.row.id)).get(APPROVED, 0)

    @strawberry.field(description="Moderators only: the user's comments now rejected.")
    async def rejected_comment_count(self, info: Info) -> int | None:
        return (await info.context.loaders.status_counts.load(self.row.id)).get(REJECTED, 0)


async def load_user(info: Info, user_id: str | None) -> UserNode | None:
    """The user through the request's DataLoader; None for no id or an unknown one."""
    if user_id is None:
        return None
    user = await info.context.loaders.user.load(user_id)
    return UserNode(row=user) if user else None


async def require_user(info: Info, user_id: str) -> UserNode:
    """For references the schema guarantees (foreign keys): the user must exist."""
    node = await load_user(info, user_id)
    assert node is not None, f"missing user {user_id}"
    return node
