"""Relay connections over keyset pages."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

import strawberry

from api.graphql.cursor import decode_cursor, encode_cursor
from api.http.errors import BadUserInput
from models.queries.keyset import Key, Order, Page

N = TypeVar("N")
T = TypeVar("T")

MAX_PAGE = 100


@strawberry.type
class PageInfo:
    has_next_page: bool
    end_cursor: str | None


@strawberry.type
class Edge(Generic[N]):
    cursor: str
    node: N


@strawberry.type
class Connection(Generic[N]):
    edges: list[Edge[N]]
    page_info: PageInfo
    count: strawberry.Private[Callable[[], Awaitable[int]]]

    @strawberry.field(description="All items in the list, across pages.")
    async def total_count(self) -> int:
        return await self.count()


DEFAULT_PAGE = 20


def page_size(first: int | None) -> int:
    """Validate `first`; null means the default, larger requests are capped at MAX_PAGE."""
    if first is None:
        return DEFAULT_PAGE
    if first < 0:
        raise BadUserInput("first must not be negative", argument="first")
    return min(first, MAX_PAGE)


def page_args(
    name: str, order: Order, first: int | None, after: str | None
) -> tuple[int, Key | None]:
    return page_size(first), decode_cursor(name, order, after)


def build_connection(
    page: Page[T],
    name: str,
    order: Order,
    wrap: Callable[[T], N],
    count: Callable[[], Awaitable[int]],
) -> Connection[N]:
    edges = [Edge(cursor=encode_cursor(name, order.key(row)), node=wrap(row)) for row in page.rows]
    return Connection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=page.has_next, end_cursor=edges[-1].cursor if edges else None
        ),
        count=count,
    )


def known_count(value: int) -> Callable[[], Awaitable[int]]:
    async def count() -> int:
        return value

    return count
