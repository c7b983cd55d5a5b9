"""Creating, updating and closing articles."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from api.http.auth import Identity
from api.http.errors import NotFound
from api.live.bus import EventBus
from api.live.events import ArticleChanged
from api.services import audit, validation
from models.database import Database
from models.queries import articles
from models.tables import Article


@dataclass(frozen=True)
class ArticleData:
    slug: str
    title: str
    body: str
    url: str | None = None
    language: str = "en"
    published_at: datetime | None = None

    def validated(self) -> ArticleData:
        validation.slug(self.slug)
        validation.text_field("title", self.title, max_length=500)
        validation.text_field("body", self.body, max_length=1_000_000, required=False)
        validation.url(self.url)
        validation.language(self.language)
        published = self.published_at
        if published is not None and published.tzinfo is None:
            # A time without an offset is read as UTC rather than refused.
            published = published.replace(tzinfo=UTC)
        return ArticleData(
            self.slug, self.title.strip(), self.body, self.url, self.language, published
        )


async def upsert_many(
    db: Database,
    items: list[ArticleData],
    *,
    actor: Identity | None = None,
    events: EventBus | None = None,
) -> list[tuple[Article, bool]]:
    """Validate everything first, then write all in one transaction: all or nothing."""
    checked = [item.validated() for item in items]
    async with db.write() as session:
        written = [
            await articles.upsert_article(
                session,
                slug=item.slug,
                title=item.title,
                body=item.body,
                url=item.url,
                language=item.language,
                published_at=item.published_at,
            )
            for item in checked
        ]
        for article, created in written:
            await audit.record(
                session,
                actor_id=actor.user_id if actor else None,
                action="article.create" if created else "article.update",
                target=f"article:{article.id}",
                details={"slug": article.slug},
            )
    if events is not None:
        events.publish_all([ArticleChanged(article.id or 0) for article, _ in written])
    return written


async def set_comments_open(
    db: Database,
    article_id: int,
    is_open: bool,
    *,
    actor: Identity | None = None,
    events: EventBus | None = None,
) -> Article:
    async with db.write() as session:
        article = await session.get(Article, article_id)
        if article is None:
            raise NotFound("no article with that id")
        await articles.set_comments_open(session, article_id, is_open)
        await audit.record(
            session,
            actor_id=actor.user_id if actor else None,
            action="article.open_comments" if is_open else "article.close_comments",
            target=f"article:{article_id}",
        )
        await session.refresh(article)
    if events is not None:
        events.publish(ArticleChanged(article_id))
    return article
