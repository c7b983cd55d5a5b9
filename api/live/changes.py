"""The live events that a change to a comment makes, worked out from before and after.

The services take a `before` snapshot inside their transaction, make the change,
and publish `comment_events(...)` once the transaction has committed.
"""

from __future__ import annotations

from dataclasses import dataclass

from api.live.events import (
    CommentRemoved,
    CommentStatusChanged,
    CommentVisible,
    Event,
    QueueChanged,
    QueueKind,
)
from models.tables import APPROVED, Comment

REPORTED = "REPORTED"


@dataclass(frozen=True)
class CommentState:
    """What decides visibility and queue membership; status None: not yet stored."""

    status: str | None
    open_reports: int = 0

    @classmethod
    def of(cls, comment: Comment) -> CommentState:
        return cls(comment.status, comment.open_reports)


NEW = CommentState(None)


def queues(state: CommentState, report_threshold: int) -> frozenset[str]:
    """The moderation queues a comment in this state is listed in (as Query.moderationQueue)."""
    if state.status is None:
        return frozenset()
    found = {state.status}
    if state.status == APPROVED and state.open_reports >= report_threshold:
        found.add(REPORTED)
    return frozenset(found)


def comment_events(comment: Comment, before: CommentState, report_threshold: int) -> list[Event]:
    assert comment.id is not None
    after = CommentState.of(comment)
    ids = {"article_id": comment.article_id, "comment_id": comment.id}
    events: list[Event] = []
    if after.status == APPROVED and before.status != APPROVED:
        events.append(CommentVisible(**ids))
    if before.status == APPROVED and after.status != APPROVED:
        events.append(CommentRemoved(**ids))
    old, new = queues(before, report_threshold), queues(after, report_threshold)
    events += [QueueChanged(QueueKind.LEFT, queue, **ids) for queue in sorted(old - new)]
    events += [QueueChanged(QueueKind.ENTERED, queue, **ids) for queue in sorted(new - old)]
    if before.status is not None and after.status != before.status:
        assert after.status is not None
        events.append(CommentStatusChanged(comment.author_id, status=after.status, **ids))
    return events
