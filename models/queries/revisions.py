"""Comment revisions: the texts a comment had before its author edited it."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.tables import Comment, CommentRevision, ModerationAction


def snapshot(comment: Comment) -> CommentRevision:
    """The comment's current text and decision, as a revision not yet stored: take it
    before replacing them, and `keep` it once the (conditional) update succeeded."""
    assert comment.id is not None
    return CommentRevision(
        comment_id=comment.id,
        number=0,
        body=comment.body,
        status=comment.status,
        reasons=comment.reasons,
        scores=comment.scores,
        max_score=comment.max_score,
        model=comment.model,
        language=comment.language,
        created_at=comment.edited_at or comment.created_at,
    )


async def keep(session: AsyncSession, revision: CommentRevision) -> CommentRevision:
    """Store a snapshot as the comment's latest past revision, numbered from 1 (the text
    as first posted). Call it after the comment's conditional update: that update is
    what orders concurrent edits, so two never race for one number."""
    count: Any = select(func.count()).where(col(CommentRevision.comment_id) == revision.comment_id)
    revision.number = int((await session.exec(count)).one()) + 1
    session.add(revision)
    return revision


async def revisions_for(
    session: AsyncSession, comment_ids: Iterable[int]
) -> dict[int, list[CommentRevision]]:
    """Past revisions per comment, oldest first (every key answered)."""
    ids = list(set(comment_ids))
    query = (
        select(CommentRevision)
        .where(col(CommentRevision.comment_id).in_(ids))
        .order_by(col(CommentRevision.comment_id), col(CommentRevision.number))
    )
    grouped: dict[int, list[CommentRevision]] = {i: [] for i in ids}
    for revision in await session.exec(query):
        grouped[revision.comment_id].append(revision)
    return grouped


async def moderator_decided(session: AsyncSession, comment_id: int) -> bool:
    """Whether a moderator (not only the system) has decided on the comment."""
    query = (
        select(ModerationAction.id)
        .where(
            col(ModerationAction.comment_id) == comment_id,
            col(ModerationAction.moderator_id).is_not(None),
        )
        .limit(1)
    )
    return (await session.exec(query)).first() is not None
