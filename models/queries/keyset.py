"""Keyset (seek) pagination: pages cost the same however deep they are."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, UnaryExpression, tuple_

T = TypeVar("T")

Key = tuple[Any, ...]


@dataclass(frozen=True)
class Order:
    """An ordering over unique keys: the columns end with the primary key."""

    columns: tuple[Any, ...]
    descending: bool

    def key(self, row: Any) -> Key:
        return tuple(getattr(row, column.key) for column in self.columns)

    def order_by(self) -> list[UnaryExpression[Any]]:
        return [c.desc() if self.descending else c.asc() for c in self.columns]

    def after(self, key: Key) -> ColumnElement[bool]:
        left = tuple_(*self.columns)
        right = tuple_(*key)
        return left < right if self.descending else left > right


@dataclass(frozen=True)
class Page(Generic[T]):
    rows: list[T]
    has_next: bool

    @classmethod
    def from_overfetch(cls, rows: Sequence[T], first: int) -> Page[T]:
        """Build from a query that asked for first + 1 rows."""
        return cls(list(rows[:first]), len(rows) > first)
