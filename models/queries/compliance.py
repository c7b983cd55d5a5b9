"""Reading statements of reasons, appeals and notices of illegal content."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.queries.keyset import Key, Order, Page
from models.tables import (
    NOTICE_RECEIVED,
    NOTICE_UNDER_REVIEW,
    Appeal,
    IllegalContentNotice,
    NoticeEvent,
    StatementOfReasons,
)

APPEALS_OLDEST_FIRST = Order((col(Appeal.created_at), col(Appeal.id)), descending=False)
NOTICES_OLDEST_FIRST = Order(
    (col(IllegalContentNotice.created_at), col(IllegalContentNotice.id)), descending=False
)
OPEN_NOTICE = (NOTICE_RECEIVED, NOTICE_UNDER_REVIEW)


async def latest_for_comment(session: AsyncSession, comment_id: int) -> StatementOfReasons | None:
    """The statement of the comment's latest restriction."""
    query = (
        select(StatementOfReasons)
        .where(col(StatementOfReasons.comment_id) == comment_id)
        .order_by(col(StatementOfReasons.id).desc())
        .limit(1)
    )
    return (await session.exec(query)).first()


async def for_sanction(session: AsyncSession, sanction_id: int) -> StatementOfReasons | None:
    query = select(StatementOfReasons).where(col(StatementOfReasons.sanction_id) == sanction_id)
    return (await session.exec(query)).first()


async def of_user(session: AsyncSession, user_id: str, limit: int) -> list[StatementOfReasons]:
    """A user's statements, newest first."""
    query = (
        select(StatementOfReasons)
        .where(col(StatementOfReasons.user_id) == user_id)
        .order_by(col(StatementOfReasons.created_at).desc(), col(StatementOfReasons.id).desc())
        .limit(limit)
    )
    return list(await session.exec(query))


async def appeal_of(session: AsyncSession, statement_id: int) -> Appeal | None:
    query = select(Appeal).where(col(Appeal.statement_id) == statement_id)
    return (await session.exec(query)).first()


async def page(
    session: AsyncSession,
    table: Any,
    conditions: Sequence[ColumnElement[bool]],
    order: Order,
    first: int,
    after: Key | None,
) -> Page[Any]:
    query = select(table).where(*conditions)
    if after is not None:
        query = query.where(order.after(after))
    query = query.order_by(*order.order_by()).limit(first + 1)
    return Page.from_overfetch(list(await session.exec(query)), first)


async def count(
    session: AsyncSession, table: Any, conditions: Sequence[ColumnElement[bool]]
) -> int:
    query = select(func.count()).select_from(table).where(*conditions)
    return int((await session.exec(query)).one())


async def notice_history(session: AsyncSession, notice_id: int) -> list[NoticeEvent]:
    query = (
        select(NoticeEvent)
        .where(col(NoticeEvent.notice_id) == notice_id)
        .order_by(col(NoticeEvent.id))
    )
    return list(await session.exec(query))


def open_notice_on(comment_id_column: Any) -> ColumnElement[bool]:
    """Whether a comment has a notice not yet decided (the ILLEGAL queue)."""
    return col(comment_id_column).in_(
        select(IllegalContentNotice.comment_id).where(
            col(IllegalContentNotice.status).in_(OPEN_NOTICE)
        )
    )
