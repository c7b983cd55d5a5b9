"""Opaque keyset cursors that remember which ordering they belong to."""

from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime
from typing import Any

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
        found, values = json.loads(raw)
        key: tuple[Any, ...] = tuple(
            datetime.fromisoformat(v["t"]) if isinstance(v, dict) else v for v in values
        )
    except (binascii.Error, ValueError, TypeError, KeyError):
        raise BadUserInput("invalid cursor", argument="after") from None
    if (
        found != order
        or len(key) != len(columns.columns)
        or not all(isinstance(v, int | float | datetime) for v in key)
    ):
        raise BadUserInput("cursor belongs to another list or ordering", argument="after")
    return key
