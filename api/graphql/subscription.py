"""Live updates: subscriptions fed by the event bus (graphql-transport-ws on /graphql).

Events carry ids; each subscriber's process loads what it sends, with loaders
made for that event (shared by all its subscribers here), and checks it against
the subscriber's own visibility rules exactly as the queries do.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable
from typing import TypeVar

import strawberry

from api.graphql.context import Info, RequestContext
from api.graphql.ids import encode_id
from api.graphql.loaders import Loaders, PerEvent
from api.graphql.query import article_pk
from api.graphql.types.comment import CommentNode
from api.graphql.types.moderation import ModerationQueue
from api.http.errors import NotFound
from api.live.bus import Subscriber, SubscriberLagging
from api.live.events import (
    CommentRemoved,
    CommentStatusChanged,
    CommentVisible,
    Event,
    QueueChanged,
    QueueKind,
)
from api.services.visibility import can_see
from models.tables import APPROVED, Comment

T = TypeVar("T")

# WebSocket close code for a subscriber that fell behind: 1013 "try again later",
# which graphql-ws clients treat as retryable.
LAGGING_CLOSE_CODE = 1013

strawberry.enum(QueueKind, name="QueueEventKind")

_per_event = PerEvent()


@strawberry.type(description="A comment entered or left a moderation queue.")
class QueueEvent:
    kind: QueueKind
    comment: CommentNode
    queue: ModerationQueue


def _cut_off(context: RequestContext) -> Callable[[Subscriber, SubscriberLagging], None]:
    def on_lag(_subscription: Subscriber, error: SubscriberLagging) -> None:
        if context.connection is not None:
            context.connection.close_soon(LAGGING_CLOSE_CODE, str(error))

    return on_lag


def _stream(
    info: Info,
    accepts: Callable[[Event], bool],
    load: Callable[[Event, Loaders], Awaitable[T | None]],
) -> AsyncIterator[T]:
    """Subscribe now (so nothing published from here on is missed) and stream what
    `load` makes of each accepted event; None means "not for this subscriber"."""
    context = info.context
    runtime = context.runtime
    events = runtime.events.subscribe(accepts, on_lag=_cut_off(context))
    # However the operation ends, even before its first event, the bus lets go.
    task = asyncio.current_task()
    if task is not None:
        task.add_done_callback(lambda _task: events.close())

    async def generate() -> AsyncGenerator[T, None]:
        async with events:
            try:
                async for event in events:
                    loaders = context.use_loaders(_per_event.loaders(event, runtime.db))
                    item = await load(event, loaders)
                    if item is not None:
                        yield item
            except SubscriberLagging:
                if context.connection is None:
                    raise
                # The connection is being closed with the reason; nothing more to send.

    return generate()


async def _existing_article(info: Info, article_id: strawberry.ID) -> int:
    pk = article_pk(article_id)
    if pk is None or await info.context.loaders.article.load(pk) is None:
        raise NotFound("no article with that id", argument="articleId")
    return pk


def _comment_for(
    info: Info, check: Callable[[Comment], bool]
) -> Callable[[Event, Loaders], Awaitable[Comment | None]]:
    async def load(event: Event, loaders: Loaders) -> Comment | None:
        comment_id = getattr(event, "comment_id", None)
        comment = await loaders.comment.load(comment_id) if comment_id is not None else None
        if comment is None or not can_see(info.context.identity, comment) or not check(comment):
            return None
        return comment

    return load


@strawberry.type
class Subscription:
    @strawberry.subscription(
        description="Comments on the article the moment they become visible (created approved "
        "or approved later), replies included."
    )
    async def comment_added(
        self, info: Info, article_id: strawberry.ID
    ) -> AsyncGenerator[CommentNode, None]:
        pk = await _existing_article(info, article_id)
        visible = _comment_for(info, lambda c: c.status == APPROVED and c.article_id == pk)

        async def load(event: Event, loaders: Loaders) -> CommentNode | None:
            comment = await visible(event, loaders)
            return CommentNode(row=comment) if comment else None

        return _stream(  # type: ignore[return-value]
            info, lambda e: isinstance(e, CommentVisible) and e.article_id == pk, load
        )

    @strawberry.subscription(
        description="Ids of the article's comments that were visible and no longer are."
    )
    async def comment_removed(
        self, info: Info, article_id: strawberry.ID
    ) -> AsyncGenerator[strawberry.ID, None]:
        pk = await _existing_article(info, article_id)

        async def load(event: Event, _loaders: Loaders) -> strawberry.ID | None:
            assert isinstance(event, CommentRemoved)
            return strawberry.ID(encode_id("Comment", event.comment_id))

        return _stream(  # type: ignore[return-value]
            info, lambda e: isinstance(e, CommentRemoved) and e.article_id == pk, load
        )

    @strawberry.subscription(
        description="Moderators: comments entering and leaving a queue, optionally of one article."
    )
    async def moderation_queue_changed(
        self, info: Info, queue: ModerationQueue, article_id: strawberry.ID | None = None
    ) -> AsyncGenerator[QueueEvent, None]:
        pk = await _existing_article(info, article_id) if article_id is not None else None
        anything = _comment_for(info, lambda _c: True)

        def accepts(event: Event) -> bool:
            return (
                isinstance(event, QueueChanged)
                and event.queue == queue.value
                and (pk is None or event.article_id == pk)
            )

        async def load(event: Event, loaders: Loaders) -> QueueEvent | None:
            assert isinstance(event, QueueChanged)
            comment = await anything(event, loaders)
            if comment is None:
                return None
            return QueueEvent(kind=event.kind, comment=CommentNode(row=comment), queue=queue)

        return _stream(info, accepts, load)  # type: ignore[return-value]

    @strawberry.subscription(
        description="The signed-in user's comments, each time a moderator (or a rescore) "
        "approves or rejects one."
    )
    async def my_comment_status_changed(self, info: Info) -> AsyncGenerator[CommentNode, None]:
        me = info.context.signed_in().user_id
        own = _comment_for(info, lambda c: c.author_id == me)

        async def load(event: Event, loaders: Loaders) -> CommentNode | None:
            comment = await own(event, loaders)
            return CommentNode(row=comment) if comment else None

        return _stream(  # type: ignore[return-value]
            info, lambda e: isinstance(e, CommentStatusChanged) and e.author_id == me, load
        )
