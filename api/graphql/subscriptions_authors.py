"""Live updates for authors' changes: notifications, and comments edited or deleted."""

from __future__ import annotations

from collections.abc import AsyncGenerator

import strawberry

from api.graphql.context import Info
from api.graphql.loaders import Loaders
from api.graphql.subscription import _existing_article, _stream
from api.graphql.types.comment import CommentNode
from api.graphql.types.notification import NotificationNode
from api.live.events import CommentChanged, Event, NotificationAdded
from api.services.visibility import can_see
from models.queries.notifications import notifications_by_id


@strawberry.type
class AuthorSubscription:
    @strawberry.subscription(description="The signed-in user's own notifications as they come.")
    async def notification_added(self, info: Info) -> AsyncGenerator[NotificationNode, None]:
        me = info.context.signed_in().user_id
        db = info.context.runtime.db

        async def load(event: Event, _loaders: Loaders) -> NotificationNode | None:
            assert isinstance(event, NotificationAdded)
            async with db.read() as session:
                row = (await notifications_by_id(session, [event.notification_id])).get(
                    event.notification_id
                )
            return NotificationNode(row=row) if row is not None and row.user_id == me else None

        return _stream(  # type: ignore[return-value]
            info, lambda e: isinstance(e, NotificationAdded) and e.user_id == me, load
        )

    @strawberry.subscription(
        description="The article's comments edited or deleted by their authors, as the "
        "subscriber may see them (a deleted one: deletedAt set, no body or author)."
    )
    async def comment_changed(
        self, info: Info, article_id: strawberry.ID
    ) -> AsyncGenerator[CommentNode, None]:
        pk = await _existing_article(info, article_id)

        async def load(event: Event, loaders: Loaders) -> CommentNode | None:
            assert isinstance(event, CommentChanged)
            comment = await loaders.comment.load(event.comment_id)
            if comment is None or not can_see(info.context.identity, comment):
                return None
            return CommentNode(row=comment)

        return _stream(  # type: ignore[return-value]
            info, lambda e: isinstance(e, CommentChanged) and e.article_id == pk, load
        )
