"""The webhook outbox: events written in the transaction of the change they report.

`enqueue` is called inside a service's write transaction. It writes one
`webhook_deliveries` row per enabled endpoint subscribed to the event's kind (fan-out
at write time: the worker then only claims rows, and an endpoint registered later does
not receive events from before it existed). All rows of one event share its `event_id`,
the id receivers deduplicate by. If the transaction rolls back, the event never existed;
if it commits, the rows survive any crash until the worker (api/webhooks/) delivers them.
"""

from __future__ import annotations

import base64
import uuid
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.tables import (
    APPROVED,
    PENDING,
    REJECTED,
    Comment,
    WebhookDelivery,
    WebhookEndpoint,
    utcnow,
)

COMMENT_CREATED = "COMMENT_CREATED"
COMMENT_HELD = "COMMENT_HELD"
COMMENT_APPROVED = "COMMENT_APPROVED"
COMMENT_REJECTED = "COMMENT_REJECTED"
COMMENT_EDITED = "COMMENT_EDITED"
COMMENT_DELETED = "COMMENT_DELETED"
COMMENT_REPORTED = "COMMENT_REPORTED"
USER_SANCTIONED = "USER_SANCTIONED"
# A notice of illegal content was decided: the site tells a notifier who left only an email.
NOTICE_DECIDED = "NOTICE_DECIDED"

EVENT_KINDS = (
    COMMENT_CREATED,
    COMMENT_HELD,
    COMMENT_APPROVED,
    COMMENT_REJECTED,
    COMMENT_EDITED,
    COMMENT_DELETED,
    COMMENT_REPORTED,
    USER_SANCTIONED,
    NOTICE_DECIDED,
)


async def enqueue(session: AsyncSession, kind: str, payload: dict[str, Any]) -> None:
    """Queue event `kind` with `payload` (JSON-serialisable) for every enabled endpoint
    that subscribed to it, in the caller's transaction. Costs one small query when no
    endpoint listens."""
    if kind not in EVENT_KINDS:
        raise ValueError(f"unknown webhook event kind {kind!r}")
    rows = await session.exec(
        select(WebhookEndpoint.id, WebhookEndpoint.kinds).where(col(WebhookEndpoint.enabled))
    )
    targets = [endpoint_id for endpoint_id, kinds in rows.all() if kind in kinds]
    if not targets:
        return
    event_id = uuid.uuid4().hex
    now = utcnow()
    for endpoint_id in targets:
        assert endpoint_id is not None
        session.add(
            WebhookDelivery(
                event_id=event_id,
                endpoint_id=endpoint_id,
                kind=kind,
                payload=payload,
                created_at=now,
                next_attempt_at=now,
            )
        )


def global_id(kind: str, pk: int | None) -> str | None:
    """The GraphQL API's opaque ID for a row (the same encoding as api/graphql/ids.py,
    which services may not import), so that receivers can query what an event names."""
    if pk is None:
        return None
    return base64.urlsafe_b64encode(f"{kind}:{pk}".encode()).decode().rstrip("=")


def comment_payload(comment: Comment, **extra: Any) -> dict[str, Any]:
    """An event's data about a comment: ids as the API shows them, author, status, text."""
    data: dict[str, Any] = {
        "comment": {
            "id": global_id("Comment", comment.id),
            "articleId": global_id("Article", comment.article_id),
            "parentId": global_id("Comment", comment.parent_id),
            "authorId": comment.author_id,
            "status": comment.status,
            "body": comment.body,
            "createdAt": comment.created_at.isoformat(),
        }
    }
    data.update(extra)
    return data


DECIDED = {APPROVED: COMMENT_APPROVED, REJECTED: COMMENT_REJECTED, PENDING: COMMENT_HELD}


async def _judged_by_the_system(session: AsyncSession, comment: Comment) -> None:
    """COMMENT_HELD or COMMENT_REJECTED for what the pipeline decided, no moderator."""
    await enqueue(session, DECIDED[comment.status], comment_payload(comment, moderatorId=None))


async def comment_created(session: AsyncSession, comment: Comment) -> None:
    """COMMENT_CREATED for every new comment, then COMMENT_HELD when the pipeline held it
    for a moderator, or COMMENT_REJECTED when it refused it outright."""
    await enqueue(session, COMMENT_CREATED, comment_payload(comment))
    if comment.status != APPROVED:
        await _judged_by_the_system(session, comment)


async def comment_decided(
    session: AsyncSession,
    comment: Comment,
    *,
    moderator_id: str | None,
    reason: str | None = None,
) -> None:
    """A comment's status was set after it was created (a moderator; None: the system, on
    a rescore): COMMENT_APPROVED, COMMENT_REJECTED, or COMMENT_HELD."""
    kind = DECIDED[comment.status]
    await enqueue(session, kind, comment_payload(comment, moderatorId=moderator_id, reason=reason))


async def comment_edited(session: AsyncSession, comment: Comment, before: str | None) -> None:
    """For editComment (api/services/edits.py), in its transaction, after the new
    revision is stored: COMMENT_EDITED, then COMMENT_HELD or COMMENT_REJECTED when the
    new text's judgement (by the system) changed the status it had (`before`)."""
    await enqueue(session, COMMENT_EDITED, comment_payload(comment))
    if comment.status != before and comment.status != APPROVED:
        await _judged_by_the_system(session, comment)


async def comment_deleted(session: AsyncSession, comment: Comment, *, deleted_by: str) -> None:
    """For deleteComment (api/services/edits.py), in its transaction. The body is not
    sent: the author took it back."""
    data = comment_payload(comment, deletedBy=deleted_by)
    data["comment"]["body"] = None
    await enqueue(session, COMMENT_DELETED, data)
