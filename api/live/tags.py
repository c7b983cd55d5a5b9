"""The names of what a response read and of what an event changed: cache tags.

A GraphQL execution records the tags of the rows it read (its loaders do); an
event names the tags it makes stale. The read cache drops the responses whose
tags an event names.
"""

from __future__ import annotations

from api.live.events import (
    ArticleChanged,
    CommentChanged,
    CommentRemoved,
    CommentVisible,
    DeliveryGap,
    Event,
    QueueChanged,
    SettingsChanged,
)

# Every entry carries this tag: invalidating it flushes everything.
ALL = "all"
# Entries that list articles, or looked one up by a slug that did not exist.
LISTING = "articles"


def article_tag(article_id: int) -> str:
    return f"article:{article_id}"


def comment_tag(comment_id: int) -> str:
    return f"comment:{comment_id}"


def tags_of(event: Event) -> frozenset[str] | None:
    """The tags an event makes stale; None when readers cannot see the difference."""
    if isinstance(event, CommentVisible | CommentRemoved | CommentChanged):
        return frozenset({article_tag(event.article_id), comment_tag(event.comment_id), LISTING})
    if isinstance(event, QueueChanged) and event.queue == "REPORTED":
        # A visible comment's reports resolved; nothing readers see, but cheap to be sure.
        return frozenset({article_tag(event.article_id)})
    if isinstance(event, ArticleChanged):
        return frozenset({article_tag(event.article_id), LISTING})
    if isinstance(event, SettingsChanged | DeliveryGap):
        return frozenset({ALL})
    return None
