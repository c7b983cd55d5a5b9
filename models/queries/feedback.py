"""Labelled examples: moderator decisions and suggested scores."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.tables import FeedbackExample


def add_examples(session: AsyncSession, examples: Iterable[FeedbackExample]) -> None:
    session.add_all(list(examples))


async def stream_examples(
    session: AsyncSession, *, source: str | None = None, batch: int = 500
) -> AsyncIterator[FeedbackExample]:
    """Every example in insertion order, read in keyset pages to bound memory."""
    last = 0
    while True:
        query = select(FeedbackExample).where(col(FeedbackExample.id) > last)
        if source is not None:
            query = query.where(FeedbackExample.source == source)
        rows = (await session.exec(query.order_by(col(FeedbackExample.id)).limit(batch))).all()
        for row in rows:
            yield row
        if len(rows) < batch:
            return
        last = rows[-1].id or last
