"""Admins' webhook API: endpoints (register, enable/disable, change) and deliveries."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry

from api.graphql.context import Info
from api.graphql.ids import decode_id, encode_id
from api.http.errors import BadUserInput
from api.services import webhooks as webhook_service
from models.tables import WebhookDelivery, WebhookEndpoint

MAX_DELIVERIES = 100


@strawberry.enum(description="What happened: the `kind` of a webhook event.")
class WebhookEventKind(Enum):
    # The vocabulary of api/services/outbox.py EVENT_KINDS (a test keeps them equal).
    COMMENT_CREATED = "COMMENT_CREATED"
    COMMENT_HELD = "COMMENT_HELD"
    COMMENT_APPROVED = "COMMENT_APPROVED"
    COMMENT_REJECTED = "COMMENT_REJECTED"
    COMMENT_EDITED = "COMMENT_EDITED"
    COMMENT_DELETED = "COMMENT_DELETED"
    COMMENT_REPORTED = "COMMENT_REPORTED"
    USER_SANCTIONED = "USER_SANCTIONED"
    NOTICE_DECIDED = "NOTICE_DECIDED"


@strawberry.enum
class WebhookDeliveryStatus(Enum):
    PENDING = "PENDING"
    DELIVERED = "DELIVERED"
    FAILED = "FAILED"


@strawberry.type(name="WebhookEndpoint")
class WebhookEndpointNode:
    row: strawberry.Private[WebhookEndpoint]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(encode_id("WebhookEndpoint", self.row.id))

    @strawberry.field
    def url(self) -> str:
        return self.row.url

    @strawberry.field
    def kinds(self) -> list[WebhookEventKind]:
        return [WebhookEventKind(kind) for kind in self.row.kinds]

    @strawberry.field
    def enabled(self) -> bool:
        return self.row.enabled

    @strawberry.field
    def description(self) -> str | None:
        return self.row.description

    @strawberry.field
    def created_at(self) -> datetime:
        return self.row.created_at


@strawberry.type(name="WebhookDelivery")
class WebhookDeliveryNode:
    row: strawberry.Private[WebhookDelivery]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(encode_id("WebhookDelivery", self.row.id))

    @strawberry.field(description="The event's id, sent in the body and a header.")
    def event_id(self) -> str:
        return self.row.event_id

    @strawberry.field
    def endpoint_id(self) -> strawberry.ID:
        return strawberry.ID(encode_id("WebhookEndpoint", self.row.endpoint_id))

    @strawberry.field
    def kind(self) -> WebhookEventKind:
        return WebhookEventKind(self.row.kind)

    @strawberry.field
    def status(self) -> WebhookDeliveryStatus:
        return WebhookDeliveryStatus(self.row.status)

    @strawberry.field(description="POSTs tried so far.")
    def attempts(self) -> int:
        return self.row.attempts

    @strawberry.field(description="Why the last attempt failed: HTTP status or network error.")
    def last_error(self) -> str | None:
        return self.row.last_error

    @strawberry.field
    def last_status_code(self) -> int | None:
        return self.row.last_status_code

    @strawberry.field(description="When a PENDING delivery is tried next.")
    def next_attempt_at(self) -> datetime | None:
        return self.row.next_attempt_at if self.row.status == "PENDING" else None

    @strawberry.field
    def created_at(self) -> datetime:
        return self.row.created_at

    @strawberry.field
    def delivered_at(self) -> datetime | None:
        return self.row.delivered_at


@strawberry.type
class WebhookDeliveryList:
    nodes: list[WebhookDeliveryNode]
    end_cursor: str | None = strawberry.field(
        description="Pass as `after` for the next (older) page; null on the last page."
    )


def endpoint_pk(value: strawberry.ID) -> int:
    pk = decode_id("WebhookEndpoint", value)
    if pk is None:
        raise BadUserInput("not a webhook endpoint id", field="endpointId")
    return pk


@strawberry.type
class WebhooksQuery:
    @strawberry.field(description="Admins: the registered webhook endpoints.")
    async def webhook_endpoints(self, info: Info) -> list[WebhookEndpointNode]:
        rows = await webhook_service.list_endpoints(info.context.runtime)
        return [WebhookEndpointNode(row=row) for row in rows]

    @strawberry.field(description="Admins: webhook deliveries, newest first.")
    async def webhook_deliveries(
        self,
        info: Info,
        endpoint_id: strawberry.ID | None = None,
        status: WebhookDeliveryStatus | None = None,
        first: int = 20,
        after: str | None = None,
    ) -> WebhookDeliveryList:
        if not 0 <= first <= MAX_DELIVERIES:
            raise BadUserInput(f"first must be 0 to {MAX_DELIVERIES}", argument="first")
        before = decode_id("WebhookDelivery", after) if after is not None else None
        if after is not None and before is None:
            raise BadUserInput("not a cursor of this list", argument="after")
        rows = await webhook_service.list_deliveries(
            info.context.runtime,
            endpoint_id=endpoint_pk(endpoint_id) if endpoint_id is not None else None,
            status=status.value if status is not None else None,
            before_id=before,
            limit=first + 1,
        )
        page = rows[:first]
        more = len(rows) > first and bool(page)
        return WebhookDeliveryList(
            nodes=[WebhookDeliveryNode(row=row) for row in page],
            end_cursor=encode_id("WebhookDelivery", page[-1].id) if more else None,
        )


@strawberry.input
class RegisterWebhookInput:
    url: str
    kinds: list[WebhookEventKind]
    secret: str | None = strawberry.field(
        default=None, description="16-200 characters; generated when not given."
    )
    description: str | None = None


@strawberry.type
class RegisterWebhookPayload:
    endpoint: WebhookEndpointNode
    secret: str = strawberry.field(
        description="The signing secret. Shown here once: it cannot be read again."
    )


@strawberry.input
class UpdateWebhookInput:
    endpoint_id: strawberry.ID
    enabled: bool | None = None
    kinds: list[WebhookEventKind] | None = None
    url: str | None = None


@strawberry.type
class WebhookEndpointPayload:
    endpoint: WebhookEndpointNode


@strawberry.type
class RetryWebhookDeliveriesPayload:
    endpoint: WebhookEndpointNode
    requeued: int = strawberry.field(description="FAILED deliveries queued again.")


@strawberry.type
class WebhooksMutation:
    @strawberry.mutation(description="Admins: register an endpoint for the event kinds named.")
    async def register_webhook(
        self, info: Info, input: RegisterWebhookInput
    ) -> RegisterWebhookPayload:
        registered = await webhook_service.register(
            info.context.runtime,
            input.url,
            [kind.value for kind in input.kinds],
            secret=input.secret,
            description=input.description,
        )
        return RegisterWebhookPayload(
            endpoint=WebhookEndpointNode(row=registered.endpoint), secret=registered.secret
        )

    @strawberry.mutation(
        description="Admins: enable or disable an endpoint, or change its URL or kinds. "
        "A disabled endpoint receives nothing; its queued events wait."
    )
    async def update_webhook(self, info: Info, input: UpdateWebhookInput) -> WebhookEndpointPayload:
        endpoint = await webhook_service.update_endpoint(
            info.context.runtime,
            endpoint_pk(input.endpoint_id),
            enabled=input.enabled,
            kinds=[kind.value for kind in input.kinds] if input.kinds is not None else None,
            url=input.url,
        )
        return WebhookEndpointPayload(endpoint=WebhookEndpointNode(row=endpoint))

    @strawberry.mutation(description="Admins: send an endpoint's FAILED deliveries again.")
    async def retry_webhook_deliveries(
        self, info: Info, endpoint_id: strawberry.ID
    ) -> RetryWebhookDeliveriesPayload:
        endpoint, requeued = await webhook_service.retry_failed(
            info.context.runtime, endpoint_pk(endpoint_id)
        )
        return RetryWebhookDeliveriesPayload(
            endpoint=WebhookEndpointNode(row=endpoint), requeued=requeued
        )
