"""Admins' management of webhook endpoints and a look at their deliveries.

Delivery itself is api/webhooks/worker.py; events are queued by api/services/outbox.py.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import update
from sqlmodel import col

from api.http.errors import BadUserInput, NotFound
from api.runtime import Runtime
from api.services import validation
from api.services.outbox import EVENT_KINDS
from models.queries import webhooks as queries
from models.tables import (
    WEBHOOK_FAILED,
    WEBHOOK_PENDING,
    WebhookDelivery,
    WebhookEndpoint,
    utcnow,
)

MAX_DESCRIPTION = 500
MIN_SECRET, MAX_SECRET = 16, 200
DELIVERY_STATUSES = ("PENDING", "DELIVERED", "FAILED")


@dataclass(frozen=True)
class Registered:
    endpoint: WebhookEndpoint
    # Shown once: it is never returned again.
    secret: str


def _kinds(kinds: Sequence[str]) -> list[str]:
    unknown = sorted(set(kinds) - set(EVENT_KINDS))
    if unknown:
        raise BadUserInput(
            f"unknown event kinds: {', '.join(unknown)}", field="kinds", known=list(EVENT_KINDS)
        )
    if not kinds:
        raise BadUserInput("name at least one event kind", field="kinds")
    # In the vocabulary's order, once each.
    return [kind for kind in EVENT_KINDS if kind in kinds]


def _secret(secret: str | None) -> str:
    if secret is None:
        return "whsec_" + secrets.token_urlsafe(32)
    validation.text_field("secret", secret, max_length=MAX_SECRET)
    if len(secret) < MIN_SECRET or not secret.isprintable():
        raise BadUserInput(
            f"secret must be {MIN_SECRET} to {MAX_SECRET} printable characters", field="secret"
        )
    return secret


async def register(
    runtime: Runtime,
    url: str,
    kinds: Sequence[str],
    *,
    secret: str | None = None,
    description: str | None = None,
) -> Registered:
    """A new, enabled endpoint; its secret generated unless given."""
    checked_url = validation.url(url)
    assert checked_url is not None
    if description is not None:
        validation.text_field(
            "description", description, max_length=MAX_DESCRIPTION, required=False
        )
    endpoint = WebhookEndpoint(
        url=checked_url,
        kinds=_kinds(kinds),
        secret=_secret(secret),
        description=description or None,
    )
    async with runtime.db.write() as session:
        session.add(endpoint)
        await session.flush()
    return Registered(endpoint, endpoint.secret)


async def update_endpoint(
    runtime: Runtime,
    endpoint_id: int | None,
    *,
    enabled: bool | None = None,
    kinds: Sequence[str] | None = None,
    url: str | None = None,
) -> WebhookEndpoint:
    """Enable or disable an endpoint, or change what it receives and where. A disabled
    endpoint gets no new events; those already queued wait until it is enabled again."""
    checked_kinds = _kinds(kinds) if kinds is not None else None
    checked_url = validation.url(url)
    async with runtime.db.write() as session:
        endpoint = await session.get(WebhookEndpoint, endpoint_id) if endpoint_id else None
        if endpoint is None:
            raise NotFound("no webhook endpoint with that id", field="endpointId")
        if enabled is not None:
            endpoint.enabled = enabled
        if checked_kinds is not None:
            endpoint.kinds = checked_kinds
        if checked_url is not None:
            endpoint.url = checked_url
        endpoint.updated_at = utcnow()
        session.add(endpoint)
    return endpoint


async def retry_failed(runtime: Runtime, endpoint_id: int | None) -> tuple[WebhookEndpoint, int]:
    """Put an endpoint's FAILED deliveries back in the queue, due now; how many."""
    async with runtime.db.write() as session:
        endpoint = await session.get(WebhookEndpoint, endpoint_id) if endpoint_id else None
        if endpoint is None:
            raise NotFound("no webhook endpoint with that id", field="endpointId")
        result = await session.exec(
            update(WebhookDelivery)  # type: ignore[call-overload]
            .where(col(WebhookDelivery.endpoint_id) == endpoint.id)
            .where(col(WebhookDelivery.status) == WEBHOOK_FAILED)
            .values(status=WEBHOOK_PENDING, attempts=0, next_attempt_at=utcnow())
        )
    return endpoint, int(result.rowcount or 0)


async def list_endpoints(runtime: Runtime) -> list[WebhookEndpoint]:
    async with runtime.db.read() as session:
        return await queries.endpoints(session)


async def list_deliveries(
    runtime: Runtime,
    *,
    endpoint_id: int | None = None,
    status: str | None = None,
    before_id: int | None = None,
    limit: int = 50,
) -> list[WebhookDelivery]:
    if status is not None and status not in DELIVERY_STATUSES:
        raise BadUserInput(f"status must be one of {', '.join(DELIVERY_STATUSES)}", field="status")
    async with runtime.db.read() as session:
        return await queries.deliveries(
            session, endpoint_id=endpoint_id, status=status, before_id=before_id, limit=limit
        )


async def endpoint_counts(runtime: Runtime) -> dict[int, dict[str, int]]:
    """Deliveries per endpoint and status."""
    async with runtime.db.read() as session:
        return await queries.counts(session)
