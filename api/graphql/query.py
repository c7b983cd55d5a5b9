"""Read entry points."""

from __future__ import annotations

import strawberry

from api.graphql.context import Info
from api.graphql.ids import decode_id
from api.graphql.types.article import ArticleNode
from api.graphql.types.comment import CommentNode
from api.graphql.types.connection import Connection, build_connection, page_args
from api.graphql.types.moderation import ModerationQueue, QueueCounts, QueueOrder
from api.graphql.types.policy import ModerationSettingsNode
from api.graphql.types.user import UserNode
from api.http.errors import BadUserInput, NotFound
from api.live.tags import LISTING, article_tag
from api.services.users import ensure_user
from api.services.validation import SLUG
from api.services.visibility import can_see
from models.queries import articles, comments
from models.queries.comments import ORDERS
from models.queries.settings import load_settings


def article_pk(article_id: strawberry.ID | None) -> int | None:
    if article_id is None:
        return None
    pk = decode_id("Article", article_id)
    if pk is None:
        raise NotFound("no article with that id", argument="articleId")
    return pk


@strawberry.type
class Query:
    @strawberry.field(description="Articles, most recently published first.")
    async def articles(
        self, info: Info, first: int | None = 20, after: str | None = None
    ) -> Connection[ArticleNode]:
        size, key = page_args("listing", articles.LISTING, first, after)
        info.context.read(LISTING)
        db = info.context.runtime.db
        async with db.read() as session:
            page = await articles.list_articles(session, size, key)

        async def count() -> int:
            async with db.read() as session:
                return await articles.count_articles(session)

        return build_connection(
            page, "listing", articles.LISTING, lambda a: ArticleNode(row=a), count
        )

    @strawberry.field(description="One article, by id or by slug (give exactly one).")
    async def article(
        self, info: Info, id: strawberry.ID | None = None, slug: str | None = None
    ) -> ArticleNode | None:
        if (id is None) == (slug is None):
            raise BadUserInput("give exactly one of id and slug")
        if id is not None:
            pk = decode_id("Article", id)
            found = await info.context.loaders.article.load(pk) if pk is not None else None
        else:
            found = None
            # Every stored slug passed validation.slug: one that cannot (NUL, which
            # PostgreSQL refuses to compare, among others) names no article.
            if SLUG.fullmatch(slug or ""):
                async with info.context.runtime.db.read() as session:
                    found = await articles.article_by_slug(session, slug or "")
            # A slug not found yet may be created later: any article change may matter.
            info.context.read(article_tag(found.id or 0) if found else LISTING)
        return ArticleNode(row=found) if found else None

    @strawberry.field(description="A comment, or null when the viewer may not see it.")
    async def comment(self, info: Info, id: strawberry.ID) -> CommentNode | None:
        pk = decode_id("Comment", id)
        found = await info.context.loaders.comment.load(pk) if pk is not None else None
        if found is None or not can_see(info.context.identity, found):
            return None
        return CommentNode(row=found)

    @strawberry.field(description="The signed-in user; null for anonymous readers.")
    async def viewer(self, info: Info) -> UserNode | None:
        identity = info.context.identity
        if identity is None:
            return None
        return UserNode(row=await ensure_user(info.context.runtime.db, identity))

    @strawberry.field
    async def moderation_queue(
        self,
        info: Info,
        queue: ModerationQueue = ModerationQueue.PENDING,
        article_id: strawberry.ID | None = None,
        first: int | None = 20,
        after: str | None = None,
        order_by: QueueOrder | None = QueueOrder.OLDEST_FIRST,
    ) -> Connection[CommentNode]:
        order_by = order_by or QueueOrder.OLDEST_FIRST
        order = ORDERS[order_by.value]
        size, key = page_args(order_by.value, order, first, after)
        runtime = info.context.runtime
        conditions = comments.queue_filter(
            queue.value, runtime.settings.report_threshold, article_pk(article_id)
        )
        async with runtime.db.read() as session:
            page = await comments.queue_page(session, conditions, order, size, key)

        async def count() -> int:
            async with runtime.db.read() as session:
                return await comments.count_where(session, conditions)

        return build_connection(page, order_by.value, order, CommentNode.of, count)

    @strawberry.field
    async def moderation_queue_counts(
        self, info: Info, article_id: strawberry.ID | None = None
    ) -> QueueCounts:
        runtime = info.context.runtime
        pk = article_pk(article_id)
        threshold = runtime.settings.report_threshold
        async with runtime.db.read() as session:
            counts = {
                queue: await comments.count_where(
                    session, comments.queue_filter(queue, threshold, pk)
                )
                for queue in ModerationQueue.__members__
            }
        return QueueCounts(
            pending=counts["PENDING"],
            reported=counts["REPORTED"],
            rejected=counts["REJECTED"],
            approved=counts["APPROVED"],
            illegal=counts["ILLEGAL"],
        )

    @strawberry.field(description="Admins: the site's moderation policy.")
    async def moderation_settings(self, info: Info) -> ModerationSettingsNode:
        async with info.context.runtime.db.read() as session:
            return ModerationSettingsNode(row=await load_settings(session))

    @strawberry.field(description="Moderators: a user by id, with their record.")
    async def user(self, info: Info, id: strawberry.ID) -> UserNode | None:
        found = await info.context.loaders.user.load(str(id))
        return UserNode(row=found) if found else None
