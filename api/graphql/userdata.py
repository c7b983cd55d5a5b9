"""A user's data over GraphQL: exportMyData (the signed-in person) and eraseUser (admins)."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.scalars import JSON

from api.graphql.context import Info
from api.services import userdata
from api.services.users import ensure_user


@strawberry.type
class UserDataQuery:
    @strawberry.field(
        description="Everything stored about you, as one JSON document (GDPR Articles 15 "
        "and 20): your comments and their revisions and history, reports you made, "
        "notifications, sanctions."
    )
    async def export_my_data(self, info: Info) -> JSON:
        identity = info.context.signed_in()
        # As `viewer` does: a signed-in person is stored on first sight.
        await ensure_user(info.context.runtime.db, identity)
        document: dict[str, Any] = await userdata.export(info.context.runtime, identity.user_id)
        return document  # type: ignore[return-value]


@strawberry.input
class EraseUserInput:
    user_id: strawberry.ID


@strawberry.type
class EraseUserPayload:
    tombstone_id: strawberry.ID = strawberry.field(
        description="The id that now stands for the person in decisions, sanctions, history."
    )
    erased_comments: int = strawberry.field(description="Their comments, now without text.")


@strawberry.type
class UserDataMutation:
    @strawberry.mutation(
        description="Admins: erase a person (GDPR Article 17): names and texts gone, their "
        "id replaced by a tombstone everywhere; decisions, counts and history stay."
    )
    async def erase_user(self, info: Info, input: EraseUserInput) -> EraseUserPayload:
        done = await userdata.erase(
            info.context.runtime, str(input.user_id), actor_id=info.context.admin().user_id
        )
        return EraseUserPayload(
            tombstone_id=strawberry.ID(done.tombstone_id), erased_comments=done.comments
        )
