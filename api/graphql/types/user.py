"""Users as the API shows them; their standing and record are for moderators."""

from __future__ import annotations

import functools
from datetime import datetime

import strawberry

from api.graphql.context import Info
from api.graphql.cursor import encode_cursor
from api.graphql.types.connection import Edge, PageInfo, page_args
from api.graphql.types.notification import NotificationConnection, NotificationNode
from api.graphql.types.sanction import SanctionNode
from api.http.auth import Role
from api.services.sanctions import aware
from models.queries import notifications
from models.tables import APPROVED, REJECTED, User, utcnow

NOTIFICATION_ORDER = "notifications"

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

    @strawberry.field(
        description="The user's own notifications, newest first (read on `viewer`); null "
        "for anyone else."
    )
    async def notifications(
        self, info: Info, first: int | None = 20, after: str | None = None
    ) -> NotificationConnection | None:
        size, key = page_args(NOTIFICATION_ORDER, notifications.NEWEST, first, after)
        db, user_id = info.context.runtime.db, self.row.id
        async with db.read() as session:
            page = await notifications.page_for(session, user_id, size, key)

        async def count(unread: bool = False) -> int:
            async with db.read() as session:
                return await notifications.count_for(session, user_id, unread=unread)

        edges = [
            Edge(
                cursor=encode_cursor(NOTIFICATION_ORDER, notifications.NEWEST.key(row)),
                node=NotificationNode(row=row),
            )
            for row in page.rows
        ]
        return NotificationConnection(
            edges=edges,
            page_info=PageInfo(
                has_next_page=page.has_next, end_cursor=edges[-1].cursor if edges else None
            ),
            count=count,
            unread=functools.partial(count, unread=True),
        )


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
