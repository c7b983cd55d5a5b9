"""Comments, their replies and, for moderators, their moderation."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Annotated, cast

import strawberry

from api.graphql.context import Info
from api.graphql.ids import encode_id
from api.graphql.types.article import ArticleNode
from api.graphql.types.connection import Connection, build_connection, known_count, page_args
from api.graphql.types.moderation import CommentModeration
from api.graphql.types.revision import RevisionNode
from api.graphql.types.user import UserNode, require_user
from api.services.visibility import can_see
from models.queries import compliance
from models.queries.comments import ORDERS, ThreadScope
from models.tables import Comment, utcnow
from moderation.decision import Status


def _hidden(info: Info, row: Comment) -> bool:
    """A deleted comment's text and author are for moderators only."""
    identity = info.context.identity
    return row.deleted_at is not None and not (identity is not None and identity.is_moderator)


if TYPE_CHECKING:
    from api.graphql.types.compliance import StatementNode

StatementRef = Annotated["StatementNode", strawberry.lazy("api.graphql.types.compliance")]

# Replies read as a conversation: oldest first.
REPLY_ORDER = "oldest"


@strawberry.type(name="Comment")
class CommentNode:
    row: strawberry.Private[Comment]

    @classmethod
    def of(cls, row: Comment) -> CommentNode:
        return cls(row=row)

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(encode_id("Comment", self.row.id))

    @strawberry.field
    async def article(self, info: Info) -> ArticleNode:
        article = await info.context.loaders.article.load(self.row.article_id)
        assert article is not None
        return ArticleNode(row=article)

    @strawberry.field(description="The comment this one replies to, when the viewer may see it.")
    async def parent(self, info: Info) -> CommentNode | None:
        if self.row.parent_id is None:
            return None
        parent = await info.context.loaders.comment.load(self.row.parent_id)
        if parent is None or not can_see(info.context.identity, parent):
            return None
        return CommentNode(row=parent)

    @strawberry.field(
        description="Why the comment was held or removed (DSA Art. 17): for its author and "
        "moderators; null for others and for comments never restricted."
    )
    async def statement_of_reasons(self, info: Info) -> StatementRef | None:
        from api.graphql.types.compliance import StatementNode

        identity = info.context.identity
        if identity is None or not (
            identity.is_moderator or identity.user_id == self.row.author_id
        ):
            return None
        async with info.context.runtime.db.read() as session:
            found = await compliance.latest_for_comment(session, self.row.id or 0)
        return StatementNode(row=found) if found else None

    @strawberry.field(description="null once its author deleted it (but for moderators).")
    def author(self, info: Info) -> UserNode | None:
        if _hidden(info, self.row):
            return None
        user = info.context.loaders.known_users.get(self.row.author_id)
        if user is not None:
            return UserNode(row=user)
        # Not prefetched with a page: through the DataLoader. graphql-core awaits what a
        # resolver returns when it is awaitable; only this path needs it.
        return cast(UserNode, require_user(info, self.row.author_id))

    @strawberry.field(
        description="Exactly the text the author sent; render it as text. null once its "
        "author deleted it (but for moderators)."
    )
    def body(self, info: Info) -> str | None:
        return None if _hidden(info, self.row) else self.row.body

    @strawberry.field(description="When its author last edited it; null if never.")
    def edited_at(self) -> datetime | None:
        return self.row.edited_at

    @strawberry.field(
        description="When its author deleted it; null if not. A deleted comment keeps its "
        "place in the thread, without body or author."
    )
    def deleted_at(self) -> datetime | None:
        return self.row.deleted_at

    @strawberry.field(
        description="The author only: until when they may still edit it (COMMENTMOD_EDIT_"
        "WINDOW_SECONDS after posting); null once they may not (past it, deleted, or a "
        "moderator decided), and for everyone else."
    )
    async def editable_until(self, info: Info) -> datetime | None:
        row = self.row
        if row.deleted_at is not None or row.id is None:
            return None
        until = row.created_at + timedelta(
            seconds=info.context.runtime.settings.edit_window_seconds
        )
        if until <= utcnow():
            return None
        history = await info.context.loaders.history.load(row.id)
        return None if any(a.moderator_id is not None for a in history) else until

    @strawberry.field(
        description="The author and moderators: every text the comment had, oldest first, "
        "the current one last, each with the decision it got; null for everyone else."
    )
    async def revisions(self, info: Info) -> list[RevisionNode] | None:
        assert self.row.id is not None
        past = await info.context.loaders.revisions.load(self.row.id)
        row = self.row
        return [
            *(
                RevisionNode(
                    number=r.number,
                    body=r.body,
                    created_at=r.created_at,
                    status=Status(r.status),
                    raw_reasons=r.reasons,
                    current=False,
                )
                for r in past
            ),
            RevisionNode(
                number=len(past) + 1,
                body=row.body,
                created_at=row.edited_at or row.created_at,
                status=Status(row.status),
                raw_reasons=row.reasons,
                current=True,
            ),
        ]

    @strawberry.field
    def created_at(self) -> datetime:
        return self.row.created_at

    @strawberry.field
    def status(self) -> Status:
        return Status(self.row.status)

    @strawberry.field(description="Detected language (ISO 639-1); null when uncertain.")
    def language(self) -> str | None:
        return self.row.language

    @strawberry.field(description="Bumped on every status change, edit or deletion.")
    def version(self) -> int:
        return self.row.version

    @strawberry.field(description="Visible direct replies.")
    def reply_count(self) -> int:
        return self.row.reply_count

    @strawberry.field(description="Visible direct replies, oldest first.")
    async def replies(
        self, info: Info, first: int | None = 20, after: str | None = None
    ) -> Connection[CommentNode]:
        assert self.row.id is not None
        order = ORDERS[REPLY_ORDER]
        size, key = page_args(REPLY_ORDER, order, first, after)
        loaders = info.context.loaders
        page = await loaders.thread.load(
            (ThreadScope("parent", size, key, REPLY_ORDER, info.context.viewer_id()), self.row.id)
        )
        await loaders.prefetch_authors(page.rows)
        return build_connection(
            page, REPLY_ORDER, order, CommentNode.of, known_count(self.row.reply_count)
        )

    @strawberry.field(description="Moderators only; null for everyone else.")
    def moderation(self) -> CommentModeration | None:
        return CommentModeration(row=self.row)
