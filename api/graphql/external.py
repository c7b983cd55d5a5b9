"""Admins' fields for the external moderation endpoint (docs/scoring.md#external-moderation)."""

from __future__ import annotations

import strawberry

from api.graphql.context import Info
from api.graphql.types.external import (
    ExternalModerationInput,
    ExternalModerationNode,
    ExternalModerationPayload,
)
from api.services import external as external_service


@strawberry.type
class ExternalQuery:
    @strawberry.field(description="The external moderation endpoint, if configured (admins).")
    async def external_moderation(self, info: Info) -> ExternalModerationNode | None:
        row = await external_service.current(info.context.runtime.db)
        return ExternalModerationNode(row=row) if row is not None else None


@strawberry.type
class ExternalMutation:
    @strawberry.mutation(
        description="Set the endpoint every new comment is sent to, signed (admins)."
    )
    async def update_external_moderation(
        self, info: Info, input: ExternalModerationInput
    ) -> ExternalModerationPayload:
        change = external_service.ExternalChange(
            url=input.url, secret=input.secret, timeout_ms=input.timeout_ms, enabled=input.enabled
        )
        row = await external_service.configure(
            info.context.runtime.db, info.context.signed_in(), change
        )
        return ExternalModerationPayload(settings=ExternalModerationNode(row=row))
