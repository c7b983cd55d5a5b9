"""Users as the API shows them."""

from __future__ import annotations

import strawberry

from api.auth import Role
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
