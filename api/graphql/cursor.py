"""Opaque keyset cursors that remember which ordering they belong to."""

from __future__ import annotations

import base64
import binascii
import json
import math
from datetime import datetime
from typing import Any

from api.http import jsonbody
from api.http.errors import BadUserInput
from models.queries.keyset import Key, Order


def encode_cursor(order: str, key: Key) -> str:
    values = [{"t": v.isoformat()} if isinstance(v, datetime) else v for v in key]
    raw = json.dumps([order, values], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(order: str, columns: Order, cursor: str | None) -> Key | None:
    if cursor is None:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        found, values = jsonbody.decode(raw)
        key: tuple[Any, ...] = tuple(
            datetime.fromisoformat(v["t"]) if isinstance(v, dict) else v for v in values
        )
    except (binascii.Error, ValueError, TypeError, KeyError):
        raise BadUserInput("invalid cursor", argument="after") from None
    if (
        found != order
        or len(key) != len(columns.columns)
        or not all(_fits(v, column) for v, column in zip(key, columns.columns, strict=True))
    ):
        raise BadUserInput("cursor belongs to another list or ordering", argument="after")
    return key


def _fits(value: object, column: Any) -> bool:
    """Whether a cursor value can stand where the column's values do: a hand-made
    cursor may carry a number where a time belongs, or one past the column's range,
    which the database would refuse in the middle of the query."""
    kind = getattr(column.type, "impl", column.type).python_type  # a TypeDecorator's base
    if kind is datetime:
        return isinstance(value, datetime)
    if isinstance(value, bool):
        return False
    if kind is int:
        return isinstance(value, int) and -(2**31) <= value < 2**31
    return isinstance(value, int | float) and math.isfinite(value) and abs(value) < 1e300
