"""What the services publish on the bus, and when: after the commit, never for a rollback."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from api.live.events import (
    ArticleChanged,
    CommentRemoved,
    CommentStatusChanged,
    CommentVisible,
    Event,
    NotificationAdded,
    QueueChanged,
    QueueKind,
)
from api.runtime import Runtime
from tests.support.client import Api
from tests.support.constants import (
    APPROVE,
    CLEAN,
    POSTGRES,
    REJECT,
    REPORT,
    TOXIC,
)

# What the services publish, and when.


@pytest.fixture
def published(runtime: Runtime) -> Iterator[list[Event]]:
    """Every event the runtime's bus delivers, in order."""
    received: list[Event] = []
    original = runtime.events.deliver

    def record(event: Event) -> None:
        received.append(event)
        original(event)

    runtime.events.deliver = record  # type: ignore[method-assign]
    yield received


def told(published: list[Event], user_id: str) -> NotificationAdded:
    """The last event, which must tell `user_id` of a notification (published after
    the changes it is about)."""
    last = published[-1]
    assert isinstance(last, NotificationAdded) and last.user_id == user_id, published
    return last


def pk(global_id: str) -> int:
    from api.graphql.ids import decode_id

    value = decode_id("Comment", global_id) or decode_id("Article", global_id)
    assert value is not None
    return value


async def test_a_clean_comment_becomes_visible_and_enters_approved(
    api: Api, published: list[Event]
) -> None:
    article = await api.create_article()
    published.clear()
    comment = await api.comment(article["id"], CLEAN, as_=api.token("ann"))
    a, c = pk(article["id"]), pk(comment["id"])
    assert published == [CommentVisible(a, c), QueueChanged(QueueKind.ENTERED, "APPROVED", a, c)]


async def test_a_held_comment_enters_pending_and_its_approval_moves_it(
    api: Api, published: list[Event]
) -> None:
    article = await api.create_article()
    held = await api.comment(article["id"], TOXIC, as_=api.token("ann"))
    a, c = pk(article["id"]), pk(held["id"])
    told(published, "ann")  # HELD
    assert published[-2] == QueueChanged(QueueKind.ENTERED, "PENDING", a, c)
    assert not any(isinstance(e, CommentVisible) for e in published)
    published.clear()
    await api.data(APPROVE, {"i": {"commentId": held["id"]}}, as_=api.token("mo", "moderator"))
    assert published == [
        CommentVisible(a, c),
        QueueChanged(QueueKind.LEFT, "PENDING", a, c),
        QueueChanged(QueueKind.ENTERED, "APPROVED", a, c),
        CommentStatusChanged("ann", a, c, "APPROVED"),
        told(published, "ann"),
    ]


async def test_reports_fill_the_reported_queue_and_a_rejection_empties_it(
    api: Api, published: list[Event]
) -> None:
    api.runtime.settings.report_threshold = 2
    article = await api.create_article()
    comment = await api.comment(article["id"], CLEAN, as_=api.token("ann"))
    a, c = pk(article["id"]), pk(comment["id"])
    report = {"i": {"commentId": comment["id"], "reason": "SPAM"}}
    published.clear()
    await api.data(REPORT, report, as_=api.token("bob"))
    assert published == []  # one report of two
    await api.data(REPORT, report, as_=api.token("cy"))
    assert published == [QueueChanged(QueueKind.ENTERED, "REPORTED", a, c)]
    published.clear()
    await api.data(REJECT, {"i": {"commentId": comment["id"]}}, as_=api.token("mo", "moderator"))
    assert published == [
        CommentRemoved(a, c),
        QueueChanged(QueueKind.LEFT, "APPROVED", a, c),
        QueueChanged(QueueKind.LEFT, "REPORTED", a, c),
        QueueChanged(QueueKind.ENTERED, "REJECTED", a, c),
        CommentStatusChanged("ann", a, c, "REJECTED"),
        told(published, "ann"),
    ]


async def test_article_changes_are_published(api: Api, published: list[Event]) -> None:
    article = await api.create_article()
    a = pk(article["id"])
    assert published == [ArticleChanged(a)]
    await api.data(
        "mutation($i: SetCommentsOpenInput!) { setCommentsOpen(input: $i) { article { id } } }",
        {"i": {"articleId": article["id"], "open": False}},
        as_=api.token("mo", "moderator"),
    )
    await api.data(
        "mutation($i: ArticleModerationInput!) { updateArticleModeration(input: $i) { article { id } } }",
        {"i": {"articleId": article["id"], "premoderateAll": True}},
        as_=api.token("mo", "moderator"),
    )
    assert published == [ArticleChanged(a)] * 3


async def test_a_rolled_back_write_publishes_nothing(
    api: Api, published: list[Event], monkeypatch: pytest.MonkeyPatch
) -> None:
    article = await api.create_article()
    held = await api.comment(article["id"], TOXIC, as_=api.token("ann"))
    mo = api.token("mo", "moderator")
    published.clear()

    # A decision on a stale version is refused inside the transaction: nothing happened.
    stale = await api.error(APPROVE, {"i": {"commentId": held["id"], "version": 99}}, as_=mo)
    assert stale["extensions"]["code"] == "CONFLICT"

    # A failure after the status changed, before the commit: the change rolls back.
    from api.services import comments as comment_service

    def fail(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(comment_service.history, "record", fail)
    failed = await api.error(APPROVE, {"i": {"commentId": held["id"]}}, as_=mo)
    assert failed["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    monkeypatch.undo()
    status = await api.data(
        "query($id: ID!) { comment(id: $id) { status } }", {"id": held["id"]}, as_=mo
    )
    assert status["comment"]["status"] == "PENDING"
    assert published == []

    # A comment whose insert fails publishes nothing either.
    monkeypatch.setattr(comment_service.history, "record", fail)
    await api.error(
        "mutation($i: AddCommentInput!) { addComment(input: $i) { comment { id } } }",
        {"i": {"articleId": article["id"], "body": CLEAN}},
        as_=api.token("bob"),
    )
    assert published == []


@pytest.mark.skipif(
    POSTGRES is not None, reason="reads the SQLite file directly; the SQLite pass covers it"
)
async def test_events_are_published_only_after_the_commit(
    api: Api, runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whoever hears an event and reads the database at once finds the change."""
    article = await api.create_article()
    held = await api.comment(article["id"], TOXIC, as_=api.token("ann"))
    seen: list[str] = []
    original = runtime.events.deliver

    def check(event: Event) -> None:
        if isinstance(event, CommentVisible):
            # A separate connection: it sees only what is committed.
            import sqlite3

            path = runtime.settings.database_url.split("///", 1)[1]
            with sqlite3.connect(path) as conn:
                row = conn.execute(
                    "SELECT status FROM comments WHERE id = ?", (event.comment_id,)
                ).fetchone()
            seen.append(row[0])
        original(event)

    monkeypatch.setattr(runtime.events, "deliver", check)
    await api.data(APPROVE, {"i": {"commentId": held["id"]}}, as_=api.token("mo", "moderator"))
    assert seen == ["APPROVED"]


async def test_a_rescore_publishes_what_it_moves(
    api: Api, runtime: Runtime, published: list[Event]
) -> None:
    from api.services.rescore import rescore

    article = await api.create_article()
    comment = await api.comment(article["id"], CLEAN, as_=api.token("ann"))
    assert comment["status"] == "APPROVED"
    a, c = pk(article["id"]), pk(comment["id"])
    published.clear()
    # Hold everything on this article from now on, then rescore: the comment is hidden.
    await api.data(
        "mutation($i: ArticleModerationInput!) { updateArticleModeration(input: $i) { article { id } } }",
        {"i": {"articleId": article["id"], "premoderateAll": True}},
        as_=api.token("mo", "moderator"),
    )
    published.clear()
    result = await rescore(runtime)
    assert result.moved == 1
    assert published == [
        CommentRemoved(a, c),
        QueueChanged(QueueKind.LEFT, "APPROVED", a, c),
        QueueChanged(QueueKind.ENTERED, "PENDING", a, c),
        CommentStatusChanged("ann", a, c, "PENDING"),
    ]
