"""Request JSON, decoded with bounds: every endpoint that reads JSON a client sent
(GraphQL over HTTP and WebSocket, the read cache, the Perspective protocol) decodes
it here, so that what no handler can use is refused once, with a clear message:
nesting deeper than `MAX_DEPTH` (Python's decoder and every recursive walk after it
would otherwise fail with RecursionError, an HTTP 500) and strings that are not
Unicode text (lone surrogates such as `"\\ud800"`, which JSON's escapes allow but
no database, encoder or hash of ours accepts).
"""

from __future__ import annotations

import json
from typing import Any

# Deeper than any document, variables or extensions a client of ours sends.
MAX_DEPTH = 64


class InvalidJSON(ValueError):
    """JSON this service refuses; the message says why, for the client."""


def decode(data: str | bytes | bytearray) -> Any:
    """json.loads, refusing deep nesting and lone surrogates (InvalidJSON); other
    malformed input raises json's own ValueError (or UnicodeDecodeError for bytes)."""
    try:
        value = json.loads(data)
    except RecursionError:
        raise InvalidJSON(f"JSON nested too deeply: at most {MAX_DEPTH} levels") from None
    check(value)
    return value


def check(value: Any) -> None:
    """Walk a decoded value without recursion; raise InvalidJSON for what decode refuses."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            _text(item)
        elif isinstance(item, dict | list):
            if depth > MAX_DEPTH:
                raise InvalidJSON(f"JSON nested too deeply: at most {MAX_DEPTH} levels")
            if isinstance(item, dict):
                for key, inner in item.items():
                    _text(key)
                    stack.append((inner, depth + 1))
            else:
                stack.extend((inner, depth + 1) for inner in item)


def _text(value: str) -> None:
    if value.isascii():
        return
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidJSON(
            "JSON strings must be Unicode text: no lone surrogates (such as \\ud800)"
        ) from None
