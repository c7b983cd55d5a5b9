"""The signature on every webhook POST, and its check (for receivers and tests).

Headers: `Commentmod-Event-Id` (the event's id, also in the body: receivers deduplicate
by it), `Commentmod-Timestamp` (Unix seconds when this attempt was signed) and
`Commentmod-Signature: v1=<hex>`, the HMAC-SHA256 of `<timestamp>.<body>` under the
endpoint's secret. Signing the timestamp with the body lets a receiver refuse a
captured request replayed later: it checks the timestamp is recent.
"""

from __future__ import annotations

import hashlib
import hmac
import time

EVENT_ID_HEADER = "Commentmod-Event-Id"
TIMESTAMP_HEADER = "Commentmod-Timestamp"
SIGNATURE_HEADER = "Commentmod-Signature"
# How old a timestamp a receiver should accept, in seconds (the check's default).
TOLERANCE_SECONDS = 300


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The `Commentmod-Signature` header's value for `body` sent at `timestamp`."""
    message = str(timestamp).encode() + b"." + body
    return "v1=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def headers(secret: str, event_id: str, body: bytes, now: float | None = None) -> dict[str, str]:
    timestamp = int(time.time() if now is None else now)
    return {
        "Content-Type": "application/json",
        EVENT_ID_HEADER: event_id,
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: sign(secret, timestamp, body),
    }


def verify(
    secret: str,
    body: bytes,
    timestamp: str,
    signature: str,
    *,
    tolerance: float = TOLERANCE_SECONDS,
    now: float | None = None,
) -> bool:
    """True when `signature` is this body's at `timestamp`, and the timestamp is recent."""
    try:
        moment = int(timestamp)
    except ValueError:
        return False
    current = time.time() if now is None else now
    if abs(current - moment) > tolerance:
        return False
    return hmac.compare_digest(sign(secret, moment, body), signature)
