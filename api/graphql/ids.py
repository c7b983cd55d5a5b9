"""Opaque global IDs: base64url of 'Kind:pk'. Clients must not parse them."""

from __future__ import annotations

import base64
import binascii

# Primary keys are 32-bit signed integers on PostgreSQL; no row has a larger one.
MAX_PK = 2**31 - 1


def encode_id(kind: str, pk: int | None) -> str:
    raw = f"{kind}:{pk}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_id(kind: str, value: str) -> int | None:
    """The primary key, or None when the ID is malformed or names another kind."""
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    found, _, pk = raw.partition(":")
    # ASCII digits only: str.isdigit also accepts '²' and other scripts' digits.
    if found != kind or not (pk.isascii() and pk.isdigit()) or len(pk) > 10:
        return None
    number = int(pk)
    return number if number <= MAX_PK else None
