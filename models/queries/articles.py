"""Articles: upsert by slug, lookup, listing, and the denormalised counters."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import update
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.queries.keyset import Key, Order, Page
from models.queries.settings import SETTINGS_ID
from models.tables import Article, ModerationSettings, User, utcnow

T = TypeVar("T")

LISTING = Order((col(Article.listed_at), col(Article.id)), descending=True)


async def articles_by_id(session: AsyncSession, ids: Iterable[int]) -> dict[int, Article]:
    rows = await session.exec(select(Article).where(col(Article.id).in_(list(set(ids)))))
    return {a.id: a for a in rows if a.id is not None}


# A new comment's checks read the article beside one other row; each pair below is one
# statement, and leaves both rows in the session's identity map, so that the session.get()
# calls of the checks that follow cost no further round trip.


async def article_with_settings(
    session: AsyncSession, article_id: int
) -> tuple[Article, ModerationSettings | None] | None:
    """The article and the site's settings row (None until settings were first saved)."""
    return await _article_with(
        session, article_id, ModerationSettings, col(ModerationSettings.id) == SETTINGS_ID
    )


async def article_with_user(
    session: AsyncSession, article_id: int, user_id: str
) -> tuple[Article, User | None] | None:
    """The article and the user's row (None for a user not stored yet)."""
    return await _article_with(session, article_id, User, col(User.id) == user_id)


async def _article_with(
    session: AsyncSession, article_id: int, other: type[T], on: Any
) -> tuple[Article, T | None] | None:
    query: Any = select(Article, other).outerjoin(other, on).where(col(Article.id) == article_id)
    row = (await session.exec(query)).first()
    return None if row is None else (row[0], row[1])


async def article_by_slug(session: AsyncSession, slug: str) -> Article | None:
    return (await session.exec(select(Article).where(Article.slug == slug))).first()


async def list_articles(session: AsyncSession, first: int, after: Key | None) -> Page[Article]:
    query = select(Article).order_by(*LISTING.order_by()).limit(first + 1)
    if after is not None:
        query = query.where(LISTING.after(after))
    return Page.from_overfetch((await session.exec(query)).all(), first)


async def count_articles(session: AsyncSession) -> int:
    return (await session.exec(select(func.count()).select_from(Article))).one()


async def upsert_article(
    session: AsyncSession,
    *,
    slug: str,
    title: str,
    body: str,
    url: str | None = None,
    language: str = "en",
    published_at: datetime | None = None,
) -> tuple[Article, bool]:
    """Insert or update by slug; returns the article and whether it was created."""
    article = await article_by_slug(session, slug)
    created = article is None
    now = utcnow()
    if article is None:
        article = Article(slug=slug, title=title, body=body, created_at=now)
        session.add(article)
    article.title, article.body, article.url = title, body, url
    article.language, article.published_at = language, published_at
    article.listed_at = published_at or article.created_at
    article.updated_at = now
    await session.flush()
    return article, created


async def set_comments_open(session: AsyncSession, article_id: int, is_open: bool) -> None:
    await session.exec(
        update(Article)
        .where(col(Article.id) == article_id)
        .values(comments_open=is_open, updated_at=utcnow())
    )


async def adjust_counts(
    session: AsyncSession, article_id: int, *, delta: int, top_level: bool
) -> None:
    # Arithmetic in SQL, so that concurrent writers never lose an increment.
    await session.exec(
        update(Article)
        .where(col(Article.id) == article_id)
        .values(
            comment_count=Article.comment_count + delta,
            top_level_count=Article.top_level_count + (delta if top_level else 0),
        )
    )
