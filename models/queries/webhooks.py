"""Reads and the worker's claim on the webhook outbox (models/tables.py WebhookDelivery)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.tables import WEBHOOK_PENDING, WebhookDelivery, WebhookEndpoint, utcnow


def _due(now: datetime, skip: Sequence[int] = ()) -> tuple[object, ...]:
    enabled = select(WebhookEndpoint.id).where(col(WebhookEndpoint.enabled))
    if skip:
        enabled = enabled.where(col(WebhookEndpoint.id).not_in(skip))
    return (
        col(WebhookDelivery.status) == WEBHOOK_PENDING,
        col(WebhookDelivery.next_attempt_at) <= now,
        # A disabled endpoint's rows wait: they go out if it is enabled again.
        col(WebhookDelivery.endpoint_id).in_(enabled.scalar_subquery()),
    )


async def any_due(session: AsyncSession, skip: Sequence[int] = ()) -> bool:
    """A cheap read first, so that an idle worker never takes the write lock."""
    found = await session.exec(select(WebhookDelivery.id).where(*_due(utcnow(), skip)).limit(1))  # type: ignore[arg-type]
    return found.first() is not None


async def pending_count(session: AsyncSession) -> int:
    """Deliveries waiting (due or backing off): the outbox's depth."""
    found = await session.exec(
        select(func.count()).where(col(WebhookDelivery.status) == WEBHOOK_PENDING)
    )
    return int(found.one())


async def claim(
    session: AsyncSession, count: int, lease_until: datetime, skip: Sequence[int] = ()
) -> list[WebhookDelivery]:
    """Take up to `count` due deliveries (oldest first) by moving them past `lease_until`
    and counting the attempt. One statement on both dialects: PostgreSQL skips rows that
    another worker has locked (FOR UPDATE SKIP LOCKED), SQLite runs under its single
    writer lock; either way no two workers claim one row within a lease. Endpoints in
    `skip` (known to be down) are left alone."""
    pick = (
        select(WebhookDelivery.id)
        .where(*_due(utcnow(), skip))  # type: ignore[arg-type]
        .order_by(col(WebhookDelivery.next_attempt_at), col(WebhookDelivery.id))
        .limit(count)
        .with_for_update(skip_locked=True)
    )
    statement = (
        update(WebhookDelivery)
        .where(col(WebhookDelivery.id).in_(pick.scalar_subquery()))
        .values(next_attempt_at=lease_until, attempts=col(WebhookDelivery.attempts) + 1)
        .returning(WebhookDelivery)
        .execution_options(synchronize_session=False)
    )
    claimed = list((await session.exec(statement)).scalars())  # type: ignore[call-overload]
    return sorted(claimed, key=lambda d: (d.created_at, d.id or 0))


async def endpoints(
    session: AsyncSession, ids: Sequence[int] | None = None
) -> list[WebhookEndpoint]:
    statement = select(WebhookEndpoint).order_by(col(WebhookEndpoint.id))
    if ids is not None:
        statement = statement.where(col(WebhookEndpoint.id).in_(ids))
    return list((await session.exec(statement)).all())


async def deliveries(
    session: AsyncSession,
    *,
    endpoint_id: int | None = None,
    status: str | None = None,
    before_id: int | None = None,
    limit: int = 50,
) -> list[WebhookDelivery]:
    """Newest first, a page of `limit` below `before_id`."""
    statement = select(WebhookDelivery).order_by(col(WebhookDelivery.id).desc()).limit(limit)
    if endpoint_id is not None:
        statement = statement.where(col(WebhookDelivery.endpoint_id) == endpoint_id)
    if status is not None:
        statement = statement.where(col(WebhookDelivery.status) == status)
    if before_id is not None:
        statement = statement.where(col(WebhookDelivery.id) < before_id)
    return list((await session.exec(statement)).all())


async def counts(session: AsyncSession) -> dict[int, dict[str, int]]:
    statement = select(WebhookDelivery.endpoint_id, WebhookDelivery.status, func.count()).group_by(
        col(WebhookDelivery.endpoint_id), col(WebhookDelivery.status)
    )
    found: dict[int, dict[str, int]] = {}
    for endpoint_id, status, count in (await session.exec(statement)).all():
        found.setdefault(endpoint_id, {})[status] = count
    return found
