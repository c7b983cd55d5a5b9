"""SQLModel tables. Statuses are stored as the shared vocabulary's strings."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Column, Index, UniqueConstraint, false
from sqlmodel import Field, SQLModel

# Stable constraint names, so migrations read the same on every dialect.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


APPROVED, PENDING, REJECTED = "APPROVED", "PENDING", "REJECTED"


def utcnow() -> datetime:
    return datetime.now(UTC)


# Default factories are plain functions, not the builtins `dict` and `list`: pydantic
# inspects a factory's signature on every instantiation, and for a builtin that
# lookup fails slowly (about 0.1 ms each, several times per new comment).
def empty_dict() -> dict[str, Any]:
    return {}


def empty_list() -> list[Any]:
    return []


class User(SQLModel, table=True):
    __tablename__ = "users"

    id: str = Field(primary_key=True, max_length=200)
    name: str = Field(max_length=200)
    role: str = Field(max_length=20)
    created_at: datetime = Field(default_factory=utcnow)
    # The user's standing; every change is also a row in `sanctions`.
    banned: bool = Field(default=False, sa_column_kwargs={"server_default": false()})
    suspended_until: datetime | None = None
    premoderated: bool = Field(default=False, sa_column_kwargs={"server_default": false()})


class Article(SQLModel, table=True):
    __tablename__ = "articles"

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=200, unique=True)
    title: str = Field(max_length=500)
    body: str
    url: str | None = Field(default=None, max_length=2000)
    language: str = Field(default="en", max_length=16)
    published_at: datetime | None = None
    # Sort key for article lists: published_at, or the time it was first stored.
    listed_at: datetime = Field(default_factory=utcnow)
    comments_open: bool = True
    # Per-article pre-moderation; None follows the site setting.
    premoderate_all: bool | None = None
    premoderate_links: bool | None = None
    # Denormalised, kept in step in the same transaction as every visibility change.
    comment_count: int = 0
    top_level_count: int = 0
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)

    __table_args__ = (Index("ix_article_listed", "listed_at", "id"),)


class Comment(SQLModel, table=True):
    __tablename__ = "comments"

    id: int | None = Field(default=None, primary_key=True)
    article_id: int = Field(foreign_key="articles.id")
    parent_id: int | None = Field(default=None, foreign_key="comments.id")
    # The top-level comment of the thread; None for a top-level comment itself.
    root_id: int | None = None
    author_id: str = Field(foreign_key="users.id", max_length=200)
    body: str
    status: str = Field(max_length=16)
    version: int = 1
    language: str | None = Field(default=None, max_length=16)
    scores: dict[str, float] = Field(
        default_factory=empty_dict, sa_column=Column(JSON, nullable=False)
    )
    max_score: float = 0.0
    model: str = Field(default="", max_length=200)
    reasons: list[dict[str, Any]] = Field(
        default_factory=empty_list, sa_column=Column(JSON, nullable=False)
    )
    # Visible direct replies, kept in step like Article.comment_count.
    reply_count: int = 0
    open_reports: int = 0
    client_mutation_id: str | None = Field(default=None, max_length=200)
    # A moderator's claim on the comment, so that a team doesn't review it twice.
    claimed_by: str | None = Field(default=None, foreign_key="users.id", max_length=200)
    claimed_until: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    # The author's last edit; the earlier texts are rows of `comment_revisions`.
    edited_at: datetime | None = None
    # Deleted by its author: readers see a placeholder, moderators still see the text.
    deleted_at: datetime | None = None

    __table_args__ = (
        CheckConstraint("status IN ('APPROVED', 'PENDING', 'REJECTED')", name="status"),
        UniqueConstraint("author_id", "client_mutation_id", name="uq_comment_author_mutation"),
        Index("ix_comment_thread", "article_id", "parent_id", "status", "created_at", "id"),
        Index("ix_comment_replies", "parent_id", "status", "created_at", "id"),
        Index("ix_comment_queue", "status", "created_at", "id"),
        Index("ix_comment_queue_toxic", "status", "max_score", "id"),
        Index("ix_comment_article_queue", "article_id", "status", "created_at", "id"),
        Index("ix_comment_author", "author_id", "created_at"),
        # The REPORTED queue and its count: approved comments with open reports.
        Index("ix_comment_reported", "status", "open_reports", "created_at", "id"),
    )


class ModerationAction(SQLModel, table=True):
    """One entry of a comment's history: the system's decision or a moderator's."""

    __tablename__ = "moderation_actions"

    id: int | None = Field(default=None, primary_key=True)
    comment_id: int = Field(foreign_key="comments.id", index=True)
    status: str = Field(max_length=16)
    # None means the system decided.
    moderator_id: str | None = Field(default=None, foreign_key="users.id", max_length=200)
    reason: str | None = Field(default=None, max_length=2000)
    created_at: datetime = Field(default_factory=utcnow)


class Report(SQLModel, table=True):
    __tablename__ = "reports"

    id: int | None = Field(default=None, primary_key=True)
    comment_id: int = Field(foreign_key="comments.id", index=True)
    reporter_id: str = Field(foreign_key="users.id", max_length=200)
    reason: str = Field(max_length=16)
    details: str | None = Field(default=None, max_length=2000)
    created_at: datetime = Field(default_factory=utcnow)
    # Set when a moderator decides on the comment; the report then leaves the queue.
    resolved_at: datetime | None = None

    __table_args__ = (
        UniqueConstraint("comment_id", "reporter_id", name="uq_report_once_per_user"),
    )


class ModerationSettings(SQLModel, table=True):
    """Site-wide moderation policy: one row, edited through GraphQL by admins."""

    __tablename__ = "moderation_settings"

    id: int = Field(default=1, primary_key=True)
    banned_words: list[str] = Field(
        default_factory=empty_list, sa_column=Column(JSON, nullable=False)
    )
    suspect_words: list[str] = Field(
        default_factory=empty_list, sa_column=Column(JSON, nullable=False)
    )
    # Per-label hold thresholds overriding COMMENTMOD_HOLD_THRESHOLD.
    thresholds: dict[str, float] = Field(
        default_factory=empty_dict, sa_column=Column(JSON, nullable=False)
    )
    premoderate_all: bool = False
    premoderate_links: bool = False
    score_unsupported_languages: bool = False
    # The site's rules, [{"code", "title"}], the grounds moderators cite in statements of
    # reasons; empty: the defaults of api/services/reasons.py.
    rules: list[dict[str, str]] = Field(
        default_factory=empty_list, sa_column=Column(JSON, nullable=False, server_default="[]")
    )
    # Bumped on every change, so that each process knows when to rebuild its word lists.
    version: int = 0
    updated_at: datetime = Field(default_factory=utcnow)
    updated_by: str | None = Field(default=None, max_length=200)


BAN, SUSPEND, UNBAN, PREMODERATE, END_PREMODERATION = (
    "BAN",
    "SUSPEND",
    "UNBAN",
    "PREMODERATE",
    "END_PREMODERATION",
)


class Sanction(SQLModel, table=True):
    """One moderator action on a user: who did what, when and why."""

    __tablename__ = "sanctions"

    id: int | None = Field(default=None, primary_key=True)
    user_id: str = Field(foreign_key="users.id", max_length=200)
    kind: str = Field(max_length=20)
    # The end of a suspension.
    until: datetime | None = None
    reason: str | None = Field(default=None, max_length=2000)
    moderator_id: str = Field(foreign_key="users.id", max_length=200)
    created_at: datetime = Field(default_factory=utcnow)

    __table_args__ = (
        CheckConstraint(
            "kind IN ('BAN', 'SUSPEND', 'UNBAN', 'PREMODERATE', 'END_PREMODERATION')",
            name="kind",
        ),
        Index("ix_sanction_user", "user_id", "created_at", "id"),
    )


class ApiKey(SQLModel, table=True):
    """A key for the Perspective-protocol endpoint. Only its SHA-256 is kept: keys are
    32 random bytes, so a fast hash cannot be brute-forced and lookups stay one index probe."""

    __tablename__ = "api_keys"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200, unique=True)
    key_hash: str = Field(max_length=64, unique=True)
    # The key's first characters, shown by `apikey list` to tell keys apart.
    prefix: str = Field(max_length=16)
    # Requests per second; None follows COMMENTMOD_PERSPECTIVE_RATE_LIMIT.
    rate_limit: int | None = None
    created_at: datetime = Field(default_factory=utcnow)
    revoked_at: datetime | None = None
    last_used_at: datetime | None = None


FEEDBACK_SOURCES = ("moderator", "suggestscore")


class FeedbackExample(SQLModel, table=True):
    """A labelled example for retraining and for judging thresholds."""

    __tablename__ = "feedback_examples"

    id: int | None = Field(default=None, primary_key=True)
    # None when the sender asked for the text not to be stored (doNotStore).
    text: str | None = None
    label: str = Field(max_length=64)
    # The label's truth as the source sees it: 1.0 toxic, 0.0 not, or a suggested score.
    value: float
    source: str = Field(max_length=16)
    # What the model said at the time, when it had scored the text.
    model_score: float | None = None
    model: str = Field(default="", max_length=200)
    comment_id: int | None = Field(default=None, foreign_key="comments.id")
    moderator_id: str | None = Field(default=None, max_length=200)
    client_token: str | None = Field(default=None, max_length=200)
    community_id: str | None = Field(default=None, max_length=200)
    created_at: datetime = Field(default_factory=utcnow)

    __table_args__ = (
        CheckConstraint("source IN ('moderator', 'suggestscore')", name="source"),
        Index("ix_feedback_label_source", "label", "source", "created_at", "id"),
        Index("ix_feedback_comment", "comment_id"),
    )


class UsedConsoleLink(SQLModel, table=True):
    """A console sign-in link that was exchanged for a session: its token's jti, so that
    the link works once. Kept until the link would have expired anyway."""

    __tablename__ = "used_console_links"

    jti: str = Field(primary_key=True, max_length=64)
    user_id: str = Field(foreign_key="users.id", max_length=200)
    expires_at: datetime
    used_at: datetime = Field(default_factory=utcnow)

    __table_args__ = (Index("ix_used_console_link_expiry", "expires_at"),)


class Notification(SQLModel, table=True):
    """Something a user should hear about: a decision on their comment, a reply to it,
    a moderator's message. `kind` is an open vocabulary (api/services/notifications.py
    `Kind`): no CHECK constraint, so a new kind needs no migration."""

    __tablename__ = "notifications"

    id: int | None = Field(default=None, primary_key=True)
    user_id: str = Field(foreign_key="users.id", max_length=200)
    kind: str = Field(max_length=40)
    comment_id: int | None = Field(default=None, foreign_key="comments.id")
    # Who caused it (a moderator, a replier); None: the system.
    actor_id: str | None = Field(default=None, max_length=200)
    message: str | None = Field(default=None, max_length=2000)
    # Whatever else a kind carries (ids of a notice, an appeal, ...).
    details: dict[str, Any] = Field(
        default_factory=empty_dict, sa_column=Column(JSON, nullable=False)
    )
    created_at: datetime = Field(default_factory=utcnow)
    read_at: datetime | None = None

    __table_args__ = (
        Index("ix_notification_user", "user_id", "created_at", "id"),
        Index("ix_notification_unread", "user_id", "read_at"),
    )


class CommentRevision(SQLModel, table=True):
    """A comment's text as it was before an edit, with the decision that text got.
    The current text stays on the comment; number 1 is the text as first posted."""

    __tablename__ = "comment_revisions"

    id: int | None = Field(default=None, primary_key=True)
    comment_id: int = Field(foreign_key="comments.id")
    number: int
    body: str
    status: str = Field(max_length=16)
    reasons: list[dict[str, Any]] = Field(
        default_factory=empty_list, sa_column=Column(JSON, nullable=False)
    )
    scores: dict[str, float] = Field(
        default_factory=empty_dict, sa_column=Column(JSON, nullable=False)
    )
    max_score: float = 0.0
    model: str = Field(default="", max_length=200)
    language: str | None = Field(default=None, max_length=16)
    # When this text was posted (the comment's creation or an earlier edit).
    created_at: datetime
    # When an edit replaced it.
    replaced_at: datetime = Field(default_factory=utcnow)

    __table_args__ = (UniqueConstraint("comment_id", "number", name="uq_comment_revision"),)


# Webhooks (issue 18): endpoints the site's other systems registered, and the outbox.
WEBHOOK_PENDING, WEBHOOK_DELIVERED, WEBHOOK_FAILED = "PENDING", "DELIVERED", "FAILED"


class WebhookEndpoint(SQLModel, table=True):
    """A receiver of signed event POSTs, registered by an admin."""

    __tablename__ = "webhook_endpoints"

    id: int | None = Field(default=None, primary_key=True)
    url: str = Field(max_length=2000)
    # The event kinds it wants (COMMENT_CREATED, ...); empty means none.
    kinds: list[str] = Field(default_factory=empty_list, sa_column=Column(JSON, nullable=False))
    # The HMAC key. Kept in clear because signing needs it; shown once when created.
    secret: str = Field(max_length=200)
    description: str | None = Field(default=None, max_length=500)
    enabled: bool = True
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class WebhookDelivery(SQLModel, table=True):
    """The outbox: one row per event and subscribed endpoint, written in the transaction
    of the change it reports, so that an event exists exactly when its change does.

    The worker claims a row by moving `next_attempt_at` past a lease; a worker that dies
    holding it loses nothing, the row is simply due again when the lease runs out."""

    __tablename__ = "webhook_deliveries"

    id: int | None = Field(default=None, primary_key=True)
    # The event's id, the same for every endpoint it goes to: receivers deduplicate by it.
    event_id: str = Field(max_length=64)
    endpoint_id: int = Field(foreign_key="webhook_endpoints.id")
    kind: str = Field(max_length=40)
    payload: dict[str, Any] = Field(
        default_factory=empty_dict, sa_column=Column(JSON, nullable=False)
    )
    status: str = Field(default=WEBHOOK_PENDING, max_length=16)
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=utcnow)
    last_error: str | None = Field(default=None, max_length=2000)
    last_status_code: int | None = None
    created_at: datetime = Field(default_factory=utcnow)
    delivered_at: datetime | None = None

    __table_args__ = (
        CheckConstraint("status IN ('PENDING', 'DELIVERED', 'FAILED')", name="status"),
        UniqueConstraint("event_id", "endpoint_id", name="uq_webhook_delivery_event_endpoint"),
        # The worker's claim: due pending rows, oldest first.
        Index("ix_webhook_delivery_due", "status", "next_attempt_at", "id"),
        Index("ix_webhook_delivery_endpoint", "endpoint_id", "status", "id"),
    )


class AuditEntry(SQLModel, table=True):
    """One moderator's, admin's or operator's action, appended and never changed: who
    (None: the system or an operator at the command line), when, what, on what, and why.
    Nothing in the code updates or deletes a row; on PostgreSQL a trigger refuses it too."""

    __tablename__ = "audit_log"

    id: int | None = Field(default=None, primary_key=True)
    actor_id: str | None = Field(default=None, max_length=200)
    # A dotted verb, e.g. "comment.reject", "settings.update", "user.ban".
    action: str = Field(max_length=64)
    # What was acted on, as "<kind>:<id>", e.g. "comment:42", "user:alice", "settings".
    target: str = Field(max_length=300)
    reason: str | None = Field(default=None, max_length=2000)
    details: dict[str, Any] = Field(
        default_factory=empty_dict, sa_column=Column(JSON, nullable=False)
    )
    created_at: datetime = Field(default_factory=utcnow)

    __table_args__ = (
        Index("ix_audit_time", "created_at", "id"),
        Index("ix_audit_actor", "actor_id", "created_at", "id"),
        Index("ix_audit_action", "action", "created_at", "id"),
        Index("ix_audit_target", "target", "created_at", "id"),
    )


# Trust and compliance (the EU Digital Services Act): statements of reasons (Art. 17),
# appeals (Art. 20) and notices of illegal content (Art. 16). docs/compliance.md.

HOLD, REJECTION, BAN_RESTRICTION, SUSPENSION = "HOLD", "REJECTION", "BAN", "SUSPENSION"
TERMS_GROUND, LEGAL_GROUND = "TERMS", "LAW"


class StatementOfReasons(SQLModel, table=True):
    """Why a user's content or account was restricted, stored with the decision: the
    facts, the ground (a site rule or a law), whether automated means detected and/or
    decided it, and how to contest it."""

    __tablename__ = "statements_of_reasons"

    id: int | None = Field(default=None, primary_key=True)
    # The user whose content or account was restricted.
    user_id: str = Field(foreign_key="users.id", max_length=200)
    comment_id: int | None = Field(default=None, foreign_key="comments.id")
    sanction_id: int | None = Field(default=None, foreign_key="sanctions.id")
    restriction: str = Field(max_length=16)
    facts: str = Field(max_length=2000)
    ground_kind: str = Field(max_length=8)
    # A site rule's code (TERMS) or the law named (LAW).
    ground: str = Field(max_length=500)
    # The rule's wording when it was applied (rules may be edited later).
    ground_text: str = Field(default="", max_length=2000)
    explanation: str | None = Field(default=None, max_length=5000)
    automated_detection: bool = False
    automated_decision: bool = False
    # The scorer's model version, when automated means were used.
    model: str = Field(default="", max_length=200)
    # The moderation phases (reason codes) that fired.
    triggers: list[str] = Field(default_factory=empty_list, sa_column=Column(JSON, nullable=False))
    # None: decided by automated means alone.
    decided_by: str | None = Field(default=None, max_length=200)
    appeal_until: datetime
    created_at: datetime = Field(default_factory=utcnow)

    __table_args__ = (
        CheckConstraint("restriction IN ('HOLD', 'REJECTION', 'BAN', 'SUSPENSION')", name="kind"),
        CheckConstraint("ground_kind IN ('TERMS', 'LAW')", name="ground_kind"),
        Index("ix_statement_comment", "comment_id", "id"),
        Index("ix_statement_sanction", "sanction_id"),
        Index("ix_statement_user", "user_id", "created_at", "id"),
        Index("ix_statement_time", "created_at", "id"),
    )


APPEAL_PENDING, APPEAL_UPHELD, APPEAL_REVERSED = "PENDING", "UPHELD", "REVERSED"


class Appeal(SQLModel, table=True):
    """A user's complaint against one decision (one statement of reasons): at most one
    per decision, decided by a moderator other than the one who took the decision."""

    __tablename__ = "appeals"

    id: int | None = Field(default=None, primary_key=True)
    statement_id: int = Field(foreign_key="statements_of_reasons.id", unique=True)
    appellant_id: str = Field(foreign_key="users.id", max_length=200)
    explanation: str = Field(max_length=5000)
    status: str = Field(default=APPEAL_PENDING, max_length=16)
    decided_by: str | None = Field(default=None, max_length=200)
    decision_reason: str | None = Field(default=None, max_length=5000)
    created_at: datetime = Field(default_factory=utcnow)
    decided_at: datetime | None = None

    __table_args__ = (
        CheckConstraint("status IN ('PENDING', 'UPHELD', 'REVERSED')", name="status"),
        Index("ix_appeal_queue", "status", "created_at", "id"),
        Index("ix_appeal_time", "created_at", "id"),
    )


NOTICE_RECEIVED, NOTICE_UNDER_REVIEW, NOTICE_DECIDED, NOTICE_VOID = (
    "RECEIVED",
    "UNDER_REVIEW",
    "DECIDED",
    "VOID",
)


class IllegalContentNotice(SQLModel, table=True):
    """A notice that a comment is illegal (anyone may send one, signed in or not)."""

    __tablename__ = "illegal_content_notices"

    id: int | None = Field(default=None, primary_key=True)
    comment_id: int = Field(foreign_key="comments.id")
    law_broken: str = Field(max_length=500)
    explanation: str = Field(max_length=5000)
    notifier_id: str | None = Field(default=None, max_length=200)
    notifier_name: str | None = Field(default=None, max_length=200)
    notifier_email: str | None = Field(default=None, max_length=320)
    good_faith: bool = True
    status: str = Field(default=NOTICE_RECEIVED, max_length=16)
    # The decision: REMOVED or NO_ACTION, on a ground (LAW or TERMS), explained.
    outcome: str | None = Field(default=None, max_length=16)
    ground_kind: str | None = Field(default=None, max_length=8)
    ground: str | None = Field(default=None, max_length=500)
    decision_explanation: str | None = Field(default=None, max_length=5000)
    decided_by: str | None = Field(default=None, max_length=200)
    decided_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)

    __table_args__ = (
        CheckConstraint("status IN ('RECEIVED', 'UNDER_REVIEW', 'DECIDED', 'VOID')", name="status"),
        Index("ix_notice_queue", "status", "created_at", "id"),
        Index("ix_notice_comment", "comment_id", "status"),
        Index("ix_notice_time", "created_at", "id"),
    )


class NoticeEvent(SQLModel, table=True):
    """One step of a notice's status workflow: who moved it where, when, and why."""

    __tablename__ = "notice_events"

    id: int | None = Field(default=None, primary_key=True)
    notice_id: int = Field(foreign_key="illegal_content_notices.id")
    status: str = Field(max_length=16)
    actor_id: str | None = Field(default=None, max_length=200)
    note: str | None = Field(default=None, max_length=5000)
    created_at: datetime = Field(default_factory=utcnow)

    __table_args__ = (Index("ix_notice_event_notice", "notice_id", "id"),)


class ExternalModeration(SQLModel, table=True):
    """The site's external moderation endpoint (moderation/external.py): one row, id 1,
    set by admins. The secret signs each request; it is never read back through the API."""

    __tablename__ = "external_moderation"

    id: int = Field(default=1, primary_key=True)
    enabled: bool = True
    url: str = Field(max_length=2000)
    secret: str = Field(max_length=200)
    timeout_ms: int = 1500
    updated_by: str | None = Field(default=None, max_length=200)
    updated_at: datetime = Field(default_factory=utcnow)
