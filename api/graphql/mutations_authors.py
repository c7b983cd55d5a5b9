"""Authors' own words: editing and deleting comments, notifications, moderators' messages."""

from __future__ import annotations

import functools

import strawberry

from api.graphql.context import Info
from api.graphql.ids import decode_id
from api.graphql.types.comment import CommentNode
from api.graphql.types.notification import NotificationNode
from api.services import edits
from api.services import notifications as notification_service


@strawberry.input
class EditCommentInput:
    comment_id: strawberry.ID
    body: str
    version: int = strawberry.field(
        description="The version the author saw (Comment.version); another is a CONFLICT."
    )


@strawberry.input
class DeleteCommentInput:
    comment_id: strawberry.ID


@strawberry.type
class CommentPayload:
    comment: CommentNode


@strawberry.input(description="Give `ids`, or `all: true` for every notification.")
class MarkNotificationsReadInput:
    ids: list[strawberry.ID] | None = None
    all: bool = False


@strawberry.type
class MarkNotificationsReadPayload:
    marked: int = strawberry.field(description="How many were unread and now are read.")


@strawberry.input
class MessageUserInput:
    user_id: strawberry.ID
    message: str


@strawberry.type
class MessageUserPayload:
    notification: NotificationNode


@strawberry.type
class AuthorMutation:
    @strawberry.mutation(
        description="The author: replace a comment's text within the edit window, before "
        "any moderator decided on it; it is judged again and the old text kept as a revision."
    )
    async def edit_comment(self, info: Info, input: EditCommentInput) -> CommentPayload:
        comment = await edits.edit_comment(
            info.context.runtime,
            info.context.signed_in(),
            decode_id("Comment", input.comment_id),
            input.body,
            input.version,
            admit=functools.partial(info.context.rate_limit, "addComment"),
        )
        return CommentPayload(comment=CommentNode(row=comment))

    @strawberry.mutation(
        description="The author: delete a comment. It keeps its place in the thread (replies "
        "stay) without body or author; moderators still see what it said."
    )
    async def delete_comment(self, info: Info, input: DeleteCommentInput) -> CommentPayload:
        comment = await edits.delete_comment(
            info.context.runtime, info.context.signed_in(), decode_id("Comment", input.comment_id)
        )
        return CommentPayload(comment=CommentNode(row=comment))

    @strawberry.mutation(description="Mark the viewer's own notifications read.")
    async def mark_notifications_read(
        self, info: Info, input: MarkNotificationsReadInput
    ) -> MarkNotificationsReadPayload:
        ids = None if input.ids is None else [decode_id("Notification", i) for i in input.ids]
        marked = await notification_service.mark_read(
            info.context.runtime, info.context.signed_in(), ids, input.all
        )
        return MarkNotificationsReadPayload(marked=marked)

    @strawberry.mutation(description="Moderators: write to a user (a MESSAGE notification).")
    async def message_user(self, info: Info, input: MessageUserInput) -> MessageUserPayload:
        row = await notification_service.message_user(
            info.context.runtime, info.context.moderator(), str(input.user_id), input.message
        )
        return MessageUserPayload(notification=NotificationNode(row=row))
