"""DataLoaders, built per request, so that a thread costs a few queries, not one per comment.

For a live event they are built once per event and shared by every subscriber
that sends it, so a comment that reaches a thousand readers costs a few queries.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict, defaultdict
from collections.abc import Awaitable, Callable, Hashable, Sequence
from typing import Any, TypeVar

from strawberry.dataloader import DataLoader

from api.live.tags import article_tag, comment_tag
from models.database import Database
from models.queries import comments, history, reports, revisions, sanctions
from models.queries.articles import articles_by_id
from models.queries.keyset import Page
from models.queries.users import users_by_id
from models.tables import (
    Article,
    Comment,
    CommentRevision,
    ModerationAction,
    Report,
    Sanction,
    User,
)

K = TypeVar("K")
V = TypeVar("V")

# (scope, owner id): owner is an article for top-level pages, a comment for replies.
ThreadKey = tuple[comments.ThreadScope, int]


class SharedDataLoader(DataLoader[K, V]):
    """A loader whose futures many tasks await: one waiter that is cancelled (a
    subscriber who leaves) must not cancel the load for the others."""

    def load(self, key: K) -> Awaitable[V]:
        return asyncio.shield(super().load(key))


class Loaders:
    """`reads`, when given, collects what the loads depended on, as the response
    cache's tags (api/readcache/responsecache.py): every article looked up or read through one
    of its comments, and every comment id that was not found."""

    def __init__(
        self, db: Database, *, shared: bool = False, reads: set[str] | None = None
    ) -> None:
        self._db = db
        self.reads = reads
        make: Any = SharedDataLoader if shared else DataLoader
        # Every user this request has loaded: Comment.author answers from here without
        # an await once the page's authors were fetched (prefetch_authors), which spares
        # a task per comment in a long thread.
        self.known_users: dict[str, User] = {}
        self.user: DataLoader[str, User | None] = make(self._by_id(self._users_by_id))
        self.article: DataLoader[int, Article | None] = make(
            self._by_id(articles_by_id, self._read_articles)
        )
        self.comment: DataLoader[int, Comment | None] = make(
            self._by_id(comments.comments_by_id, self._read_comments)
        )
        self.reports: DataLoader[int, list[Report]] = make(self._grouped(reports.reports_for))
        self.history: DataLoader[int, list[ModerationAction]] = make(
            self._grouped(history.history_for)
        )
        self.thread: DataLoader[ThreadKey, Page[Comment]] = make(self._thread_pages)
        self.revisions: DataLoader[int, list[CommentRevision]] = make(
            self._grouped(revisions.revisions_for)
        )
        self.sanctions: DataLoader[str, list[Sanction]] = DataLoader(
            self._grouped(sanctions.sanctions_for)
        )
        self.status_counts: DataLoader[str, dict[str, int]] = DataLoader(
            self._grouped(sanctions.status_counts)
        )

    def _by_id(
        self,
        fetch: Callable[..., Awaitable[dict[K, V]]],
        record: Callable[[list[K], dict[K, V]], None] | None = None,
    ) -> Callable[[list[K]], Awaitable[list[V | None]]]:
        async def load(keys: list[K]) -> list[V | None]:
            async with self._db.read() as session:
                found = await fetch(session, keys)
            if record is not None and self.reads is not None:
                record(keys, found)
            return [found.get(key) for key in keys]

        return load

    async def _users_by_id(self, session: Any, ids: list[str]) -> dict[str, User]:
        found = await users_by_id(session, ids)
        self.known_users.update(found)
        return found

    async def prefetch_authors(self, rows: Sequence[Comment]) -> None:
        """Load the authors of a page of comments in one batch (with every other page's
        authors asked for in the same tick)."""
        missing = list({row.author_id for row in rows} - self.known_users.keys())
        if missing:
            await self.user.load_many(missing)

    def _read_articles(self, keys: list[int], _found: dict[int, Article]) -> None:
        assert self.reads is not None
        self.reads.update(article_tag(key) for key in keys)

    def _read_comments(self, keys: list[int], found: dict[int, Comment]) -> None:
        assert self.reads is not None
        for key in keys:
            row = found.get(key)
            # A missing comment may appear later; a found one changes with its article.
            self.reads.add(comment_tag(key) if row is None else article_tag(row.article_id))

    def _grouped(
        self, fetch: Callable[..., Awaitable[dict[K, V]]]
    ) -> Callable[[list[K]], Awaitable[list[V]]]:
        """For fetches that answer every key (with an empty group when it has nothing)."""

        async def load(keys: list[K]) -> list[V]:
            async with self._db.read() as session:
                found = await fetch(session, keys)
            return [found[key] for key in keys]

        return load

    async def _thread_pages(self, keys: Sequence[ThreadKey]) -> list[Page[Comment]]:
        # Keys that share a scope (same kind, size, cursor, order) are one windowed query.
        by_scope: dict[comments.ThreadScope, list[int]] = defaultdict(list)
        for scope, owner in keys:
            by_scope[scope].append(owner)
        pages: dict[ThreadKey, Page[Comment]] = {}
        async with self._db.read() as session:
            for scope, owners in by_scope.items():
                for owner, page in (await comments.thread_pages(session, scope, owners)).items():
                    pages[(scope, owner)] = page
                    if self.reads is not None:
                        if scope.kind == "article":
                            self.reads.add(article_tag(owner))
                        self.reads.update(article_tag(row.article_id) for row in page.rows)
        return [pages[key] for key in keys]


class PerEvent:
    """Shared Loaders for the most recent events, keyed by the event object itself
    (the bus hands one object to every subscriber in this process)."""

    def __init__(self, size: int = 256) -> None:
        self.size = size
        self._recent: OrderedDict[int, tuple[Hashable, Database, Loaders]] = OrderedDict()

    def loaders(self, event: Hashable, db: Database) -> Loaders:
        key = id(event)
        hit = self._recent.get(key)
        if hit is not None and hit[0] is event and hit[1] is db:
            return hit[2]
        loaders = Loaders(db, shared=True)
        self._recent[key] = (event, db, loaders)
        while len(self._recent) > self.size:
            self._recent.popitem(last=False)
        return loaders
