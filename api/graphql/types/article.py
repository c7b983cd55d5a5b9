"""Articles and their top-level thread."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, Annotated

import strawberry

from api.graphql.context import Info
from api.graphql.ids import encode_id
from api.graphql.types.connection import Connection, build_connection, known_count, page_args
from api.graphql.types.policy import ArticleModeration
from models.queries.comments import ORDERS, ThreadScope
from models.tables import Article

if TYPE_CHECKING:
    from api.graphql.types.comment import CommentNode

CommentRef = Annotated["CommentNode", strawberry.lazy("api.graphql.types.comment")]


@strawberry.enum
class CommentOrder(Enum):
    NEWEST_FIRST = "newest"
    OLDEST_FIRST = "oldest"


@strawberry.type(name="Article")
class ArticleNode:
    row: strawberry.Private[Article]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(encode_id("Article", self.row.id))

    @strawberry.field
    def slug(self) -> str:
        return self.row.slug

    @strawberry.field
    def title(self) -> str:
        return self.row.title

    @strawberry.field
    def body(self) -> str:
        return self.row.body

    @strawberry.field
    def url(self) -> str | None:
        return self.row.url

    @strawberry.field
    def language(self) -> str:
        return self.row.language

    @strawberry.field
    def published_at(self) -> datetime | None:
        return self.row.published_at

    @strawberry.field
    def comments_open(self) -> bool:
        return self.row.comments_open

    @strawberry.field(description="Visible comments on the article, replies included.")
    def comment_count(self) -> int:
        return self.row.comment_count

    @strawberry.field(description="Moderators only; null for everyone else.")
    def moderation(self) -> ArticleModeration | None:
        return ArticleModeration(row=self.row)

    @strawberry.field(description="Visible top-level comments; replies nest under them.")
    async def comments(
        self,
        info: Info,
        first: int | None = 20,
        after: str | None = None,
        order_by: CommentOrder | None = CommentOrder.NEWEST_FIRST,
    ) -> Connection[CommentRef]:
        from api.graphql.types.comment import CommentNode

        assert self.row.id is not None
        order_by = order_by or CommentOrder.NEWEST_FIRST
        order = ORDERS[order_by.value]
        size, key = page_args(order_by.value, order, first, after)
        scope = ThreadScope("article", size, key, order_by.value, info.context.viewer_id())
        page = await info.context.loaders.thread.load((scope, self.row.id))
        await info.context.loaders.prefetch_authors(page.rows)
        return build_connection(
            page, order_by.value, order, CommentNode.of, known_count(self.row.top_level_count)
        )
