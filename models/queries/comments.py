"""Comments: creation, visibility changes, thread pages and the moderation queue."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, union_all, update
from sqlalchemy.orm import aliased
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.queries.articles import adjust_counts
from models.queries.compliance import open_notice_on
from models.queries.keyset import Key, Order, Page
from models.tables import APPROVED, Comment, ModerationAction, utcnow

OLDEST = Order((col(Comment.created_at), col(Comment.id)), descending=False)
NEWEST = Order((col(Comment.created_at), col(Comment.id)), descending=True)
MOST_TOXIC = Order((col(Comment.max_score), col(Comment.id)), descending=True)
ORDERS = {"oldest": OLDEST, "newest": NEWEST, "toxic": MOST_TOXIC}


async def comments_by_id(session: AsyncSession, ids: Iterable[int]) -> dict[int, Comment]:
    rows = await session.exec(select(Comment).where(col(Comment.id).in_(list(set(ids)))))
    return {c.id: c for c in rows if c.id is not None}


async def comment_by_mutation_id(
    session: AsyncSession, author_id: str, client_mutation_id: str
) -> Comment | None:
    query = select(Comment).where(
        Comment.author_id == author_id, Comment.client_mutation_id == client_mutation_id
    )
    return (await session.exec(query)).first()


async def _apply_visibility(
    session: AsyncSession, comment: Comment, old: str | None, new: str
) -> None:
    """Keep the visible-comment counters in step with a status change."""
    delta = int(new == APPROVED) - int(old == APPROVED)
    if delta == 0:
        return
    await adjust_counts(
        session, comment.article_id, delta=delta, top_level=comment.parent_id is None
    )
    if comment.parent_id is not None:
        await session.exec(
            update(Comment)
            .where(col(Comment.id) == comment.parent_id)
            .values(reply_count=Comment.reply_count + delta)
        )


async def insert_comment(session: AsyncSession, comment: Comment) -> Comment:
    session.add(comment)
    await session.flush()
    await _apply_visibility(session, comment, None, comment.status)
    return comment


async def change_status(
    session: AsyncSession,
    comment: Comment,
    new_status: str,
    *,
    clear_reports: bool = True,
    **values: Any,
) -> bool:
    """Move a comment to new_status (and set other columns) if nobody changed it
    since it was read.

    The UPDATE is conditional on the version that was read, so of two concurrent
    decisions exactly one matches a row; the caller reports the other as a conflict.
    (An author's edit goes through here too, and bumps the version: a moderator's
    decision on the text they saw is refused once it was edited.) A deleted comment
    matches nothing: its status and counters stay as they were when it was deleted.
    """
    if clear_reports:
        values["open_reports"] = 0
    result = await session.exec(
        update(Comment)
        .where(
            col(Comment.id) == comment.id,
            col(Comment.version) == comment.version,
            col(Comment.deleted_at).is_(None),
        )
        .values(status=new_status, version=Comment.version + 1, updated_at=utcnow(), **values)
        .execution_options(synchronize_session=False)
    )
    if getattr(result, "rowcount", 0) != 1:
        return False
    old_status = comment.status
    # Mirror the UPDATE on the instance (attached or not) without marking it dirty.
    changed = {**values, "status": new_status, "version": comment.version + 1}
    for name, value in changed.items():
        set_committed_value(comment, name, value)
    await _apply_visibility(session, comment, old_status, new_status)
    return True


async def mark_deleted(session: AsyncSession, comment: Comment) -> bool:
    """The author deleted the comment: set deleted_at and bump the version (a moderator
    who saw it before is too late), conditional like change_status. A deleted approved
    comment stays in its thread as a placeholder (so top_level_count and reply_count,
    which count what threads list, keep it), but it no longer counts as a comment."""
    now = utcnow()
    result = await session.exec(
        update(Comment)
        .where(
            col(Comment.id) == comment.id,
            col(Comment.version) == comment.version,
            col(Comment.deleted_at).is_(None),
        )
        .values(deleted_at=now, version=Comment.version + 1, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if getattr(result, "rowcount", 0) != 1:
        return False
    for name, value in {"deleted_at": now, "version": comment.version + 1}.items():
        set_committed_value(comment, name, value)
    if comment.status == APPROVED:
        await adjust_counts(session, comment.article_id, delta=-1, top_level=False)
    return True


async def add_open_report(session: AsyncSession, comment_id: int) -> None:
    await session.exec(
        update(Comment)
        .where(col(Comment.id) == comment_id)
        .values(open_reports=Comment.open_reports + 1)
    )


def undecided(status: str | None, article_id: int | None) -> list[ColumnElement[bool]]:
    """Comments no moderator has decided on (only the system has), optionally filtered."""
    decided = (
        select(ModerationAction.id)
        .where(
            col(ModerationAction.comment_id) == col(Comment.id),
            col(ModerationAction.moderator_id).is_not(None),
        )
        .exists()
    )
    # A deleted comment is frozen as it was (change_status refuses it).
    conditions: list[ColumnElement[bool]] = [~decided, col(Comment.deleted_at).is_(None)]
    if status is not None:
        conditions.append(col(Comment.status) == status)
    if article_id is not None:
        conditions.append(col(Comment.article_id) == article_id)
    return conditions


async def batch_after(
    session: AsyncSession, conditions: list[ColumnElement[bool]], after_id: int, limit: int
) -> list[Comment]:
    query = (
        select(Comment)
        .where(col(Comment.id) > after_id, *conditions)
        .order_by(col(Comment.id))
        .limit(limit)
    )
    return list((await session.exec(query)).all())


@dataclass(frozen=True)
class ThreadScope:
    """Whose children a page lists: an article's top level or a comment's replies."""

    kind: str  # "article" | "parent"
    first: int
    after: Key | None
    order: str  # a name in ORDERS; kept as a name so that scopes hash
    # A signed-in viewer also sees their own comments that are not approved (held
    # ones stay visible to their author, marked as such); None: approved only.
    viewer: str | None = None


async def thread_pages(
    session: AsyncSession, scope: ThreadScope, owner_ids: Sequence[int]
) -> dict[int, Page[Comment]]:
    """One page of visible children for each owner, in a single query.

    Articles' top-level pages are one `ORDER BY ... LIMIT first + 1` per article, read
    straight off the thread index; one comment's replies likewise. Replies of several
    comments share one windowed query (row_number() per parent). A window numbers every
    visible child of its owner before keeping first + 1, which on a viral article is tens
    of thousands of rows; a comment's direct replies are far fewer.
    """
    owner = col(Comment.article_id) if scope.kind == "article" else col(Comment.parent_id)
    owners = list(dict.fromkeys(owner_ids))
    if not owners:
        return {}
    approved = col(Comment.status) == APPROVED
    own = (
        None
        if scope.viewer is None
        else and_(
            col(Comment.author_id) == scope.viewer,
            col(Comment.status) != APPROVED,
            # The author's own held comments, once deleted, are gone for them too; an
            # approved one stays in everyone's thread as a placeholder (replies keep it).
            col(Comment.deleted_at).is_(None),
        )
    )
    conditions: list[ColumnElement[bool]] = []
    if scope.kind == "article":
        conditions.append(col(Comment.parent_id).is_(None))
    order = ORDERS[scope.order]
    if scope.after is not None:
        conditions.append(order.after(scope.after))
    if scope.kind == "article":
        # The page's ids first, read off ix_comment_thread (an index-only scan), then the
        # rows. parent_id is NULL on every row here: naming it in the ORDER BY lets
        # PostgreSQL see that the index (article_id, parent_id, status, created_at, id) is
        # in page order (IS NULL is no equality to its planner). Otherwise it may take an
        # ordered scan of another index and filter on the article, which on a popular
        # article whose comments are all from one week reads most of the table. Several
        # articles: one such LIMIT per article (UNION ALL), never a window over all of
        # their comments.
        # The viewer's own held comments are one more such branch per article (read
        # off ix_comment_author's few rows), so the approved branch keeps its plan.
        parent = col(Comment.parent_id)
        branches = [
            select(col(Comment.id))
            .where(owner == owner_id, visible, *conditions)
            .order_by(parent.desc() if order.descending else parent.asc(), *order.order_by())
            .limit(scope.first + 1)
            .subquery()
            for owner_id in owners
            for visible in ([approved] if own is None else [approved, own])
        ]
        ids: Any = (
            select(branches[0].c.id)
            if len(branches) == 1
            else union_all(*(select(branch.c.id) for branch in branches))
        )
        query = select(Comment).where(col(Comment.id).in_(ids)).order_by(*order.order_by())
        pages: dict[int, list[Comment]] = {owner_id: [] for owner_id in owners}
        for comment in (await session.exec(query)).all():
            pages[comment.article_id].append(comment)
        return {k: Page.from_overfetch(v, scope.first) for k, v in pages.items()}
    conditions.append(approved if own is None else or_(approved, own))
    if len(owners) == 1:
        single = (
            select(Comment)
            .where(owner == owners[0], *conditions)
            .order_by(*order.order_by())
            .limit(scope.first + 1)
        )
        return {owners[0]: Page.from_overfetch((await session.exec(single)).all(), scope.first)}
    position = func.row_number().over(partition_by=owner, order_by=order.order_by())
    ranked = (
        select(Comment, position.label("position"))
        .where(owner.in_(owners), and_(*conditions))
        .subquery()
    )
    row = aliased(Comment, ranked)
    query = select(row).where(ranked.c.position <= scope.first + 1).order_by(ranked.c.position)
    grouped: dict[int, list[Comment]] = {owner_id: [] for owner_id in owners}
    for comment in (await session.exec(query)).all():
        key = comment.article_id if scope.kind == "article" else comment.parent_id
        if key is not None:
            grouped[key].append(comment)
    return {k: Page.from_overfetch(v, scope.first) for k, v in grouped.items()}


def queue_filter(
    queue: str, report_threshold: int, article_id: int | None
) -> list[ColumnElement[bool]]:
    if queue == "ILLEGAL":
        conditions = [open_notice_on(Comment.id)]
    elif queue == "REPORTED":
        conditions = [
            col(Comment.status) == APPROVED,
            col(Comment.open_reports) >= report_threshold,
        ]
    else:
        # The other queues are named after the status they hold.
        conditions = [col(Comment.status) == queue]
    # A comment its author deleted leaves every queue (moderators still find it by id).
    conditions.append(col(Comment.deleted_at).is_(None))
    if article_id is not None:
        conditions.append(col(Comment.article_id) == article_id)
    return conditions


async def queue_page(
    session: AsyncSession,
    conditions: list[ColumnElement[bool]],
    order: Order,
    first: int,
    after: Key | None,
) -> Page[Comment]:
    query = select(Comment).where(*conditions)
    if after is not None:
        query = query.where(order.after(after))
    query = query.order_by(*order.order_by()).limit(first + 1)
    return Page.from_overfetch((await session.exec(query)).all(), first)


async def count_where(session: AsyncSession, conditions: list[ColumnElement[bool]]) -> int:
    query: Any = select(func.count()).select_from(Comment).where(*conditions)
    return int((await session.exec(query)).one())


async def claim(
    session: AsyncSession,
    conditions: list[ColumnElement[bool]],
    moderator_id: str,
    count: int,
    until: datetime,
) -> list[Comment]:
    """Hand up to `count` unclaimed comments (oldest first) to one moderator.

    One statement on both dialects: PostgreSQL skips rows another claimer has locked
    (FOR UPDATE SKIP LOCKED), SQLite runs it under its single writer lock.
    """
    now = utcnow()
    free = or_(
        col(Comment.claimed_until).is_(None),
        col(Comment.claimed_until) < now,
        col(Comment.claimed_by) == moderator_id,
    )
    pick = (
        select(Comment.id)
        .where(*conditions, free)
        .order_by(*OLDEST.order_by())
        .limit(count)
        .with_for_update(skip_locked=True)
    )
    statement = (
        update(Comment)
        .where(col(Comment.id).in_(pick.scalar_subquery()))
        .values(claimed_by=moderator_id, claimed_until=until)
        .returning(Comment)
        .execution_options(synchronize_session=False)
    )
    claimed = list((await session.exec(statement)).scalars())  # type: ignore[call-overload]
    return sorted(claimed, key=OLDEST.key)
