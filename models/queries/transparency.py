"""The figures of the transparency report (DSA Arts. 15 and 24), each one SQL aggregate
over the tables the product writes: statements of reasons (actions), notices, appeals
and the moderation history. A period is [since, until) on each row's own time: a
notice's receipt, a decision's statement, an appeal's filing or decision."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, case, exists, func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.tables import (
    APPEAL_REVERSED,
    APPEAL_UPHELD,
    APPROVED,
    HOLD,
    NOTICE_DECIDED,
    Appeal,
    IllegalContentNotice,
    ModerationAction,
    StatementOfReasons,
)


def _within(column: Any, since: datetime, until: datetime) -> ColumnElement[bool]:
    return and_(col(column) >= since, col(column) < until)


async def _rows(session: AsyncSession, query: Any) -> list[Any]:
    return list((await session.exec(query)).all())


async def notices_by_ground(
    session: AsyncSession, since: datetime, until: datetime
) -> list[dict[str, Any]]:
    """Notices received, by the law the notifier named, with how many were decided and
    how many led to removal."""
    n = IllegalContentNotice
    query = (
        select(
            n.law_broken,
            func.count(),
            func.sum(case((col(n.status) == NOTICE_DECIDED, 1), else_=0)),
            func.sum(case((col(n.outcome) == "REMOVED", 1), else_=0)),
        )
        .where(_within(n.created_at, since, until))
        .group_by(n.law_broken)
        .order_by(n.law_broken)
    )
    return [
        {"ground": g, "received": int(c), "decided": int(d or 0), "removed": int(r or 0)}
        for g, c, d, r in await _rows(session, query)
    ]


async def actions_by_kind_and_ground(
    session: AsyncSession, since: datetime, until: datetime
) -> list[dict[str, Any]]:
    s = StatementOfReasons
    query = (
        select(s.restriction, s.ground_kind, s.ground, func.count())
        .where(_within(s.created_at, since, until))
        .group_by(s.restriction, s.ground_kind, s.ground)
        .order_by(s.restriction, s.ground_kind, s.ground)
    )
    return [
        {"kind": k, "ground_kind": gk, "ground": g, "count": int(c)}
        for k, gk, g, c in await _rows(session, query)
    ]


async def automation_by_model(
    session: AsyncSession, since: datetime, until: datetime
) -> list[dict[str, Any]]:
    """Actions detected and/or decided by automated means, by the scorer's version."""
    s = StatementOfReasons
    automated = (col(s.automated_detection)) | (col(s.automated_decision))
    query = (
        select(
            s.model,
            func.sum(case((col(s.automated_detection), 1), else_=0)),
            func.sum(case((col(s.automated_decision), 1), else_=0)),
        )
        .where(_within(s.created_at, since, until), automated)
        .group_by(s.model)
        .order_by(s.model)
    )
    return [
        {"model": m, "detected": int(d or 0), "decided": int(x or 0)}
        for m, d, x in await _rows(session, query)
    ]


def _seconds(session: AsyncSession, start: Any, end: Any) -> Any:
    if session.get_bind().dialect.name == "sqlite":
        return (func.julianday(end) - func.julianday(start)) * 86400.0
    return func.extract("epoch", end - start)


async def notice_handling(
    session: AsyncSession, since: datetime, until: datetime
) -> dict[str, Any]:
    """Median and 90th percentile (nearest rank) of the time from a notice's receipt to
    its decision, in seconds, over the notices decided in the period."""
    n = IllegalContentNotice
    decided = [_within(n.decided_at, since, until), col(n.status) == NOTICE_DECIDED]
    count = int((await session.exec(select(func.count()).where(*decided))).one())
    figures: dict[str, Any] = {"decided": count, "median_seconds": None, "p90_seconds": None}
    if not count:
        return figures
    duration = _seconds(session, n.created_at, n.decided_at)
    for name, share in (("median_seconds", 0.5), ("p90_seconds", 0.9)):
        rank = max(1, math.ceil(share * count))
        query = select(duration).where(*decided).order_by(duration).offset(rank - 1).limit(1)
        value = (await session.exec(query)).one()
        figures[name] = round(float(value), 3)
    return figures


async def appeals(session: AsyncSession, since: datetime, until: datetime) -> dict[str, int]:
    """Appeals received in the period, and those decided in it by outcome."""
    a = Appeal
    received = (
        await session.exec(select(func.count()).where(_within(a.created_at, since, until)))
    ).one()
    query = (
        select(a.status, func.count()).where(_within(a.decided_at, since, until)).group_by(a.status)
    )
    decided = {status: int(c) for status, c in await _rows(session, query)}
    return {
        "received": int(received),
        "upheld": decided.get(APPEAL_UPHELD, 0),
        "reversed": decided.get(APPEAL_REVERSED, 0),
    }


async def automated_hold_accuracy(
    session: AsyncSession, since: datetime, until: datetime
) -> dict[str, Any]:
    """The accuracy indicator: of the comments held by automated means in the period,
    the share a moderator later published (by approving it, or reversing it on appeal)."""
    s, m = StatementOfReasons, ModerationAction
    published_by_human = exists().where(
        col(m.comment_id) == col(s.comment_id),
        col(m.status) == APPROVED,
        col(m.moderator_id).is_not(None),
        col(m.created_at) >= col(s.created_at),
    )
    query = select(func.count(), func.sum(case((published_by_human, 1), else_=0))).where(
        _within(s.created_at, since, until),
        col(s.restriction) == HOLD,
        col(s.automated_decision),
    )
    holds, reversed_ = (await session.exec(query)).one()
    holds, reversed_ = int(holds), int(reversed_ or 0)
    return {
        "automated_holds": holds,
        "reversed_by_moderators": reversed_,
        "reversal_rate": round(reversed_ / holds, 4) if holds else None,
    }
