"""A comment's texts over time, each with the decision it got (authors and moderators)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry

from api.graphql.types.moderation import ModerationReason
from moderation.decision import Reason, Status


@strawberry.type(name="CommentRevision")
class RevisionNode:
    number: int = strawberry.field(description="1 is the text as first posted.")
    body: str
    created_at: datetime = strawberry.field(description="When this text was posted.")
    status: Status = strawberry.field(
        description="The decision this text got (for the current one: the comment's status)."
    )
    raw_reasons: strawberry.Private[list[dict[str, Any]]]
    current: bool = strawberry.field(description="The comment's text now.")

    @strawberry.field(description="Why the system decided as it did on this text.")
    def reasons(self) -> list[ModerationReason]:
        return [ModerationReason.from_reason(Reason.from_dict(r)) for r in self.raw_reasons]
