"""A user's notifications: what happened to their comments, replies, moderators' messages."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

import strawberry

from api.graphql.ids import encode_id
from api.graphql.types.connection import Edge, PageInfo
from api.services.notifications import Kind
from models.tables import Notification

strawberry.enum(Kind, name="NotificationKind")


@strawberry.type(name="Notification")
class NotificationNode:
    row: strawberry.Private[Notification]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(encode_id("Notification", self.row.id))

    @strawberry.field
    def kind(self) -> Kind:
        return Kind(self.row.kind)

    @strawberry.field(
        description="The comment it is about (for REPLY: the reply); load it with "
        "`comment(id:)`, which answers null once the viewer may not see it."
    )
    def comment_id(self) -> strawberry.ID | None:
        if self.row.comment_id is None:
            return None
        return strawberry.ID(encode_id("Comment", self.row.comment_id))

    @strawberry.field(
        description="REJECTED: the reason, when the moderator chose to show it; "
        "MESSAGE: the moderator's text."
    )
    def message(self) -> str | None:
        return self.row.message

    @strawberry.field
    def created_at(self) -> datetime:
        return self.row.created_at

    @strawberry.field(description="When the user marked it read; null while unread.")
    def read_at(self) -> datetime | None:
        return self.row.read_at


@strawberry.type
class NotificationConnection:
    edges: list[Edge[NotificationNode]]
    page_info: PageInfo
    count: strawberry.Private[Callable[[], Awaitable[int]]]
    unread: strawberry.Private[Callable[[], Awaitable[int]]]

    @strawberry.field(description="All of the user's notifications, across pages.")
    async def total_count(self) -> int:
        return await self.count()

    @strawberry.field(description="The user's unread notifications, across pages.")
    async def unread_count(self) -> int:
        return await self.unread()
