"""DataLoaders, built per request, so that a thread costs a few queries, not one per comment."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

from strawberry.dataloader import DataLoader

from models.database import Database
from models.queries import comments, history, reports, sanctions
from models.queries.articles import articles_by_id
from models.queries.keyset import Page
from models.queries.users import users_by_id
from models.tables import Article, Comment, ModerationAction, Report, Sanction, User

K = TypeVar("K")
V = TypeVar("V")

# (scope, owner id): owner is an article for top-level pages, a comment for replies.
ThreadKey = tuple[comments.ThreadScope, int]


class Loaders:
    def __init__(self, db: Database) -> None:
        self._db = db
        self.user: DataLoader[str, User | None] = DataLoader(self._by_id(users_by_id))
        self.article: DataLoader[int, Article | None] = DataLoader(self._by_id(articles_by_id))
        self.comment: DataLoader[int, Comment | None] = DataLoader(
            self._by_id(comments.comments_by_id)
        )
        self.reports: DataLoader[int, list[Report]] = DataLoader(self._grouped(reports.reports_for))
        self.history: DataLoader[int, list[ModerationAction]] = DataLoader(
            self._grouped(history.history_for)
        )
        self.thread: DataLoader[ThreadKey, Page[Comment]] = DataLoader(self._thread_pages)
        self.sanctions: DataLoader[str, list[Sanction]] = DataLoader(
            self._grouped(sanctions.sanctions_for)
        )
        self.status_counts: DataLoader[str, dict[str, int]] = DataLoader(
            self._grouped(sanctions.status_counts)
        )

    def _by_id(
        self, fetch: Callable[..., Awaitable[dict[K, V]]]
    ) -> Callable[[list[K]], Awaitable[list[V | None]]]:
        async def load(keys: list[K]) -> list[V | None]:
            async with self._db.read() as session:
                found = await fetch(session, keys)
            return [found.get(key) for key in keys]

        return load

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
        return [pages[key] for key in keys]
