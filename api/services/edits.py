"""An author's changes to their own comment: editing (judged again) and deleting.

Editing is allowed to the author only, within COMMENTMOD_EDIT_WINDOW_SECONDS of
posting, on the version they saw, and never once a moderator has decided on the
comment (the decision was about the text the moderator read). The new text goes
through the whole moderation pipeline, as a new comment would; the old text and
the decision it got are kept as a revision. Deleting is allowed to the author at
any time: the comment keeps its place in the thread (replies stay) as a
placeholder, and moderators still see the text and the history.

Refusals (extensions.code / reason): NOT_FOUND (no such comment, or not visible
to the caller); FORBIDDEN with reason NOT_AUTHOR, DELETED, MODERATED or
EDIT_WINDOW_CLOSED; COMMENTS_CLOSED (editing on a closed article); CONFLICT
(with the current status and version) when the comment changed since the
version the author saw.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from datetime import timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from api.http.auth import Identity
from api.http.errors import CommentsClosed, Conflict, Forbidden, NotFound
from api.live.changes import CommentState, comment_events, queues
from api.live.events import CommentChanged, Event, QueueChanged, QueueKind
from api.runtime import Runtime
from api.services import comment_notices, notifications, outbox, reasons, sanctions, validation
from api.services.comments import judge, scoring_columns
from api.services.visibility import can_see
from models.queries import articles, comments, history, revisions
from models.queries.settings import defaults
from models.tables import APPROVED, Comment, utcnow
from moderation.author import AuthorFacts


def _own(author: Identity, comment: Comment | None) -> Comment:
    if comment is None or not can_see(author, comment):
        raise NotFound("no comment with that id", field="commentId")
    if comment.author_id != author.user_id:
        raise Forbidden("only its author may change a comment", reason="NOT_AUTHOR")
    if comment.deleted_at is not None:
        raise Forbidden("the comment was deleted", reason="DELETED")
    return comment


async def _editable(
    session: AsyncSession, runtime: Runtime, author: Identity, comment_id: int | None, version: int
) -> Comment:
    comment = _own(author, await session.get(Comment, comment_id) if comment_id else None)
    assert comment.id is not None
    if await revisions.moderator_decided(session, comment.id):
        raise Forbidden(
            "a moderator has decided on this comment; it can no longer be edited",
            reason="MODERATED",
        )
    window = runtime.settings.edit_window_seconds
    if utcnow() - comment.created_at > timedelta(seconds=window):
        raise Forbidden(
            f"comments can be edited for {window} seconds after posting",
            reason="EDIT_WINDOW_CLOSED",
            editWindowSeconds=window,
        )
    if version != comment.version:
        raise Conflict(
            f"the comment changed since you saw it; it is now version {comment.version}",
            status=comment.status,
            version=comment.version,
        )
    return comment


def _as_before(facts: AuthorFacts, comment: Comment) -> AuthorFacts:
    """The author's facts as when the comment was new: without the comment itself."""
    return dataclasses.replace(
        facts,
        comment_count=max(facts.comment_count - 1, 0),
        approved_count=max(facts.approved_count - int(comment.status == APPROVED), 0),
    )


async def edit_comment(
    runtime: Runtime,
    author: Identity,
    comment_id: int | None,
    body: str,
    version: int,
    *,
    admit: Callable[[], Awaitable[object]] | None = None,
) -> Comment:
    """Replace the comment's text, judged again; the old text becomes a revision.
    `admit` (the rate limit) is awaited once every check that needs no scoring passed."""
    settings = runtime.settings
    validation.text_field("body", body, max_length=settings.max_comment_length)
    async with runtime.db.read() as session:
        comment = await _editable(session, runtime, author, comment_id, version)
        if body == comment.body:
            return comment  # nothing to judge again, nothing to keep
        facts = _as_before(
            await sanctions.author_facts(session, author.user_id, excluding=comment.id),
            comment,
        )
        found = await articles.article_with_settings(session, comment.article_id)
        assert found is not None  # comments reference their article
        article, site = found[0], found[1] if found[1] is not None else defaults()
        if not article.comments_open:
            raise CommentsClosed("comments are closed on this article")
    if admit is not None:
        await admit()
    decision = await judge(runtime, body, article, site, facts)
    async with runtime.db.write() as session:
        await sanctions.ensure_allowed(session, author.user_id)
        comment = await _editable(session, runtime, author, comment_id, version)
        assert comment.id is not None
        before = CommentState.of(comment)
        old = revisions.snapshot(comment)
        # Conditional on the version read just now: a moderator deciding meanwhile wins.
        if not await comments.change_status(
            session,
            comment,
            decision.status.value,
            clear_reports=False,
            body=body,
            edited_at=utcnow(),
            **scoring_columns(decision),
        ):
            raise Conflict("the comment changed while it was being judged; try again")
        await revisions.keep(session, old)
        history.record(session, comment.id, comment.status, reason="edited by its author")
        sent = await comment_notices.edited(session, comment, before.status)
        await outbox.comment_edited(session, comment, before.status)
        if comment.status != APPROVED:
            # The new text was held or refused by automated means: the author is owed why.
            await reasons.for_automated(session, comment, settings.appeal_window_days)
    events: list[Event] = comment_events(comment, before, settings.report_threshold)
    if before.status == APPROVED and comment.status == APPROVED:
        # Still published, with a new text: readers' threads (and cached reads) change.
        events.append(CommentChanged(article_id=comment.article_id, comment_id=comment.id))
    runtime.events.publish_all(events)
    notifications.publish(runtime.events, sent)
    return comment


async def delete_comment(runtime: Runtime, author: Identity, comment_id: int | None) -> Comment:
    """Mark the author's comment deleted: it leaves every queue and the counts, and
    readers see a placeholder (deletedAt, no body, no author) where it stood."""
    async with runtime.db.write() as session:
        comment = _own(author, await session.get(Comment, comment_id) if comment_id else None)
        assert comment.id is not None
        before = CommentState.of(comment)
        if not await comments.mark_deleted(session, comment):
            raise Conflict("the comment changed meanwhile; try again")
        await outbox.comment_deleted(session, comment, deleted_by=author.user_id)
    ids = {"article_id": comment.article_id, "comment_id": comment.id}
    events: list[Event] = [CommentChanged(**ids)]
    # It leaves whatever moderation queues listed it (the thread keeps the placeholder).
    left = queues(before, runtime.settings.report_threshold)
    events += [QueueChanged(QueueKind.LEFT, queue, **ids) for queue in sorted(left)]
    runtime.events.publish_all(events)
    return comment
