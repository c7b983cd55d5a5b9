"""Users as the API shows them."""

from __future__ import annotations

import strawberry

from api.auth import Role
from api.graphql.context import Info
from models.tables import User

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
