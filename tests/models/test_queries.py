"""models/queries on a migrated database, without the API: what each query promises."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from models.database import Database
from models.queries import articles, comments, settings, users
from models.queries.comments import ORDERS, ThreadScope
from models.tables import APPROVED, PENDING, REJECTED, Article, Comment, utcnow


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = Database(database_url)
    try:
        yield database
    finally:
        await database.dispose()


async def _article(db: Database, slug: str = "a-story") -> int:
    async with db.write() as session:
        article, _ = await articles.upsert_article(session, slug=slug, title="T", body="B")
        await users.upsert_user(session, "ann", "Ann", "commenter")
        assert article.id is not None
        return article.id


async def _comments(
    db: Database, article_id: int, statuses: list[str], parent_id: int | None = None
) -> list[int]:
    """Insert one comment per status, a second apart, oldest first; their ids."""
    start = utcnow() - timedelta(hours=1)
    ids = []
    async with db.write() as session:
        for i, status in enumerate(statuses):
            row = Comment(
                article_id=article_id,
                parent_id=parent_id,
                author_id="ann",
                body=f"comment {i}",
                status=status,
                max_score=i / 100,
                created_at=start + timedelta(seconds=i),
            )
            await comments.insert_comment(session, row)
            assert row.id is not None
            ids.append(row.id)
    return ids


async def test_upsert_article_creates_once_then_updates_by_slug(db: Database) -> None:
    async with db.write() as session:
        first, created = await articles.upsert_article(session, slug="s", title="One", body="b")
        again, created_again = await articles.upsert_article(
            session, slug="s", title="Two", body="b"
        )
        assert (created, created_again) == (True, False)
        assert first.id == again.id
    async with db.read() as session:
        assert await articles.count_articles(session) == 1
        stored = await articles.article_by_slug(session, "s")
        assert stored is not None and stored.title == "Two"
        assert await articles.article_by_slug(session, "missing") is None


async def test_article_listing_pages_cover_every_article_once(db: Database) -> None:
    for i in range(7):
        await _article(db, f"story-{i}")
    seen: list[int] = []
    after = None
    async with db.read() as session:
        while True:
            page = await articles.list_articles(session, 3, after)
            seen += [a.id for a in page.rows if a.id is not None]
            if not page.has_next:
                break
            after = articles.LISTING.key(page.rows[-1])
    assert len(seen) == len(set(seen)) == 7


async def test_visible_comments_are_counted_on_the_article_and_the_parent(db: Database) -> None:
    article_id = await _article(db)
    [top] = await _comments(db, article_id, [APPROVED])
    await _comments(db, article_id, [APPROVED, PENDING, APPROVED], parent_id=top)
    async with db.read() as session:
        article = await session.get(Article, article_id)
        parent = await session.get(Comment, top)
        assert article is not None and parent is not None
        assert (article.comment_count, article.top_level_count) == (3, 1)
        assert parent.reply_count == 2


async def test_a_status_change_applies_once_to_the_version_it_read(db: Database) -> None:
    article_id = await _article(db)
    [held] = await _comments(db, article_id, [PENDING])
    async with db.read() as session:
        stale_a = await session.get(Comment, held)
    async with db.read() as session:
        stale_b = await session.get(Comment, held)
    assert stale_a is not None and stale_b is not None
    async with db.write() as session:
        assert await comments.change_status(session, stale_a, APPROVED)
    async with db.write() as session:
        assert not await comments.change_status(session, stale_b, REJECTED)
    async with db.read() as session:
        stored = await session.get(Comment, held)
        article = await session.get(Article, article_id)
        assert stored is not None and article is not None
        assert (stored.status, stored.version) == (APPROVED, 2)
        assert article.comment_count == 1


async def test_thread_pages_hold_visible_children_in_order(db: Database) -> None:
    article_id = await _article(db)
    tops = await _comments(db, article_id, [APPROVED, PENDING, APPROVED, REJECTED, APPROVED])
    visible = [tops[0], tops[2], tops[4]]
    replies_a = await _comments(db, article_id, [APPROVED] * 3, parent_id=tops[0])
    replies_b = await _comments(db, article_id, [APPROVED, PENDING], parent_id=tops[2])
    async with db.read() as session:
        newest = ThreadScope("article", 2, None, "newest")
        page = (await comments.thread_pages(session, newest, [article_id]))[article_id]
        assert [c.id for c in page.rows] == visible[::-1][:2] and page.has_next
        oldest = ThreadScope("article", 10, None, "oldest")
        page = (await comments.thread_pages(session, oldest, [article_id]))[article_id]
        assert [c.id for c in page.rows] == visible and not page.has_next
        after = ThreadScope("article", 10, ORDERS["oldest"].key(page.rows[0]), "oldest")
        page = (await comments.thread_pages(session, after, [article_id]))[article_id]
        assert [c.id for c in page.rows] == visible[1:]
        # Several parents at once (one windowed query): each gets its own page.
        replies = ThreadScope("parent", 2, None, "oldest")
        pages = await comments.thread_pages(session, replies, [tops[0], tops[2], tops[4]])
        assert [c.id for c in pages[tops[0]].rows] == replies_a[:2] and pages[tops[0]].has_next
        assert [c.id for c in pages[tops[2]].rows] == replies_b[:1]
        assert pages[tops[4]].rows == [] and not pages[tops[4]].has_next


async def test_queues_select_by_status_or_by_open_reports(db: Database) -> None:
    article_id = await _article(db)
    ids = await _comments(db, article_id, [PENDING, APPROVED, APPROVED, PENDING])
    async with db.write() as session:
        for _ in range(2):
            await comments.add_open_report(session, ids[1])
        await comments.add_open_report(session, ids[2])
    async with db.read() as session:
        pending = comments.queue_filter("PENDING", 2, None)
        assert await comments.count_where(session, pending) == 2
        toxic_first = await comments.queue_page(session, pending, ORDERS["toxic"], 10, None)
        assert [c.id for c in toxic_first.rows] == [ids[3], ids[0]]
        reported = comments.queue_filter("REPORTED", 2, None)
        page = await comments.queue_page(session, reported, ORDERS["oldest"], 10, None)
        assert [c.id for c in page.rows] == [ids[1]]
        elsewhere = comments.queue_filter("PENDING", 2, article_id + 1)
        assert await comments.count_where(session, elsewhere) == 0


async def test_users_are_refreshed_not_duplicated(db: Database) -> None:
    async with db.write() as session:
        await users.upsert_user(session, "bob", "Bob", "commenter")
        await users.upsert_user(session, "bob", "Robert", "moderator")
    async with db.read() as session:
        found = await users.users_by_id(session, ["bob", "bob", "nobody"])
    assert list(found) == ["bob"]
    assert (found["bob"].name, found["bob"].role) == ("Robert", "moderator")


async def test_moderation_settings_start_at_defaults_and_count_versions(db: Database) -> None:
    async with db.read() as session:
        assert (await settings.load_settings(session)).version == 0
    async with db.write() as session:
        await settings.update_settings(session, {"banned_words": ["spam"]}, "admin")
        await settings.update_settings(session, {"premoderate_links": True}, "admin")
    async with db.read() as session:
        row = await settings.load_settings(session)
    assert (row.version, row.banned_words, row.premoderate_links) == (2, ["spam"], True)
    assert row.updated_by == "admin"
