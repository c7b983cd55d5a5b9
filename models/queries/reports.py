"""Reader reports on comments."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.tables import Report, utcnow


async def find_report(session: AsyncSession, comment_id: int, reporter_id: str) -> Report | None:
    query = select(Report).where(Report.comment_id == comment_id, Report.reporter_id == reporter_id)
    return (await session.exec(query)).first()


async def resolve_reports(session: AsyncSession, comment_id: int) -> None:
    await session.exec(
        update(Report)
        .where(col(Report.comment_id) == comment_id, col(Report.resolved_at).is_(None))
        .values(resolved_at=utcnow())
    )


async def reports_for(session: AsyncSession, comment_ids: Iterable[int]) -> dict[int, list[Report]]:
    ids = list(set(comment_ids))
    query = (
        select(Report)
        .where(col(Report.comment_id).in_(ids))
        .order_by(col(Report.created_at), col(Report.id))
    )
    grouped: dict[int, list[Report]] = {i: [] for i in ids}
    for report in await session.exec(query):
        grouped[report.comment_id].append(report)
    return grouped
