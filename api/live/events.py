"""Live events: what changed, named by ids, for whoever listens.

Service functions publish an event after their transaction commits (never
before, so a rolled-back write publishes nothing). Subscribers take events
through a filter into a bounded queue of their own; one that falls too far
behind is cut off (`SubscriberLagging`) instead of growing memory.

`EventBus` delivers within this process. `RedisEventBus` also forwards every
event through one Redis pub/sub channel, so that every `commentmod serve`
process behind a load balancer delivers it to its own subscribers. Events carry
ids only: each process loads what it sends under its own rules. A lost Redis
connection is re-established with backoff and subscriptions survive it; events
published while it was down may be missed, and subscribers are told so with a
local `DeliveryGap` event (which they may ignore).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass, fields
from enum import StrEnum
from typing import Any, ClassVar

logger = logging.getLogger("commentmod.events")


class Event:
    """Base of every event; subclasses are frozen dataclasses of ids and names."""

    # Local events are delivered in this process only, never forwarded.
    local: ClassVar[bool] = False


@dataclass(frozen=True)
class CommentVisible(Event):
    """A comment became visible to everyone: created APPROVED, or approved later."""

    article_id: int
    comment_id: int


@dataclass(frozen=True)
class CommentRemoved(Event):
    """A comment that was visible is not any more (rejected, or held by a rescore)."""

    article_id: int
    comment_id: int


class QueueKind(StrEnum):
    ENTERED = "ENTERED"
    LEFT = "LEFT"


@dataclass(frozen=True)
class QueueChanged(Event):
    """A comment entered or left a moderation queue (PENDING, REPORTED, REJECTED, APPROVED)."""

    kind: QueueKind
    queue: str
    article_id: int
    comment_id: int


@dataclass(frozen=True)
class CommentStatusChanged(Event):
    """A comment's status changed after it was created (a moderator's decision or a rescore)."""

    author_id: str
    article_id: int
    comment_id: int
    status: str


@dataclass(frozen=True)
class ArticleChanged(Event):
    """An article's own fields changed (created, edited, opened or closed, its moderation)."""

    article_id: int


@dataclass(frozen=True)
class SettingsChanged(Event):
    """The site's moderation settings changed (a new version was saved)."""

    version: int


@dataclass(frozen=True)
class CommentChanged(Event):
    """A comment's text or state changed without a change of status: edited or deleted
    by its author. (A change of status publishes the events above.)"""

    article_id: int
    comment_id: int


@dataclass(frozen=True)
class NotificationAdded(Event):
    """A notification was stored for a user (api/services/notifications.py)."""

    user_id: str
    notification_id: int


@dataclass(frozen=True)
class DeliveryGap(Event):
    """Events may have been missed (e.g. the Redis connection was down); local only."""

    local: ClassVar[bool] = True
    reason: str


EVENT_TYPES: dict[str, type[Event]] = {
    cls.__name__: cls
    for cls in (
        CommentVisible,
        CommentRemoved,
        QueueChanged,
        CommentStatusChanged,
        ArticleChanged,
        SettingsChanged,
        CommentChanged,
        NotificationAdded,
    )
}
_FIELD_TYPES: dict[str, Callable[[Any], Any]] = {"int": int, "str": str, "QueueKind": QueueKind}


def encode(event: Event, origin: str) -> str:
    assert isinstance(event, tuple(EVENT_TYPES.values())), event
    body = asdict(event)  # type: ignore[call-overload]
    return json.dumps({"origin": origin, "type": type(event).__name__, "event": body})


def decode(raw: str | bytes) -> tuple[str, Event]:
    """(origin, event) of a forwarded message; ValueError when it is not one."""
    try:
        message = json.loads(raw)
        cls = EVENT_TYPES[message["type"]]
        body = message["event"]
        values: dict[str, Any] = {}
        for f in fields(cls):  # type: ignore[arg-type]
            value = body[f.name]
            convert = _FIELD_TYPES[str(f.type)]
            if convert in (int, str) and not isinstance(value, convert):
                raise TypeError(f"{f.name} must be {f.type}")
            values[f.name] = convert(value)
        return str(message["origin"]), cls(**values)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ValueError(f"not an event: {exc}") from None


Filter = Callable[[Event], bool]
