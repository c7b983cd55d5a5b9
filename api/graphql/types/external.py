"""The external moderation endpoint as admins see it (never its secret)."""

from __future__ import annotations

from datetime import datetime

import strawberry

from models.tables import ExternalModeration


@strawberry.type(
    name="ExternalModeration",
    description="The site's own moderation endpoint, asked about every new comment.",
)
class ExternalModerationNode:
    row: strawberry.Private[ExternalModeration]

    @strawberry.field
    def enabled(self) -> bool:
        return self.row.enabled

    @strawberry.field
    def url(self) -> str:
        return self.row.url

    @strawberry.field(description="Milliseconds the endpoint has to answer in full.")
    def timeout_ms(self) -> int:
        return self.row.timeout_ms

    @strawberry.field(description="Whether a signing secret is set (it is never shown).")
    def has_secret(self) -> bool:
        return bool(self.row.secret)

    @strawberry.field
    def updated_at(self) -> datetime:
        return self.row.updated_at


@strawberry.input
class ExternalModerationInput:
    url: str
    timeout_ms: int = 1500
    enabled: bool = True
    secret: str | None = strawberry.field(
        default=None,
        description="Signs each request (HMAC-SHA256); needed the first time, kept when null.",
    )


@strawberry.type
class ExternalModerationPayload:
    settings: ExternalModerationNode
