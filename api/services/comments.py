"""A comment's way through: checks, the moderation pipeline, one transaction.

Scoring happens before the write transaction opens, so a slow model never holds
a database lock; the cheap checks are repeated inside the transaction because
the article may have closed (or the parent been removed) in the meantime.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel.ext.asyncio.session import AsyncSession

from api.http.auth import Identity
from api.http.errors import BadUserInput, CommentsClosed, Conflict, NotFound
from api.live.changes import NEW, CommentState, comment_events
from api.observability import metrics, tracing
from api.runtime import Runtime
from api.services import (
    audit,
    comment_notices,
    feedback,
    notifications,
    outbox,
    reasons,
    sanctions,
    validation,
)
from api.services import external as external_service
from api.services.users import remember, remember_found
from api.services.visibility import can_see
from models.queries import articles, comments, history, reports
from models.queries.settings import defaults
from models.tables import APPROVED, Article, Comment, ModerationSettings, Report
from moderation.author import AuthorFacts
from moderation.decision import Decision, ReasonCode
from moderation.external import ExternalModerator
from moderation.pipeline import Context, decide

MAX_MUTATION_ID = 200
MAX_REASON = 2000


@dataclass(frozen=True)
class NewComment:
    article_id: int | None  # None: the client sent an ID that names no article
    body: str
    parent_id: int | None = None
    parent_given: bool = False
    client_mutation_id: str | None = None


async def _check_target(session: AsyncSession, new: NewComment) -> tuple[Article, Comment | None]:
    article = await session.get(Article, new.article_id) if new.article_id is not None else None
    if article is None:
        raise NotFound("no article with that id", field="articleId")
    if not article.comments_open:
        raise CommentsClosed("comments are closed on this article")
    parent = None
    if new.parent_given:
        parent = await session.get(Comment, new.parent_id) if new.parent_id is not None else None
        if parent is None or parent.status != APPROVED:
            raise BadUserInput(
                "the parent comment does not exist or is not visible", field="parentId"
            )
        if parent.article_id != article.id:
            raise BadUserInput("the parent comment belongs to another article", field="parentId")
    return article, parent


async def judge(
    runtime: Runtime,
    body: str,
    article: Article,
    site: ModerationSettings,
    author: AuthorFacts | None = None,
    external: ExternalModerator | None = None,
) -> Decision:
    """Run the moderation pipeline under the site's settings and the article's overrides."""
    settings = runtime.settings
    policy = await runtime.policies.policy(
        site, article, settings.hold_threshold, settings.new_commenter_hold
    )
    context = Context(
        scorer=runtime.scoring,
        policy=policy,
        timeout=settings.scorer_timeout,
        author=author or AuthorFacts(),
        external=external,
        article={"id": article.id, "slug": article.slug, "title": article.title},
    )
    with tracing.span("moderation.pipeline"):
        decision = await decide(body, context)
    if any(r.code is ReasonCode.SCORER_UNAVAILABLE for r in decision.reasons):
        runtime.counters["scorer_unavailable"] += 1
        scoring = runtime.scoring
        metrics.scorer_unavailable(scoring.name, scoring.version, "addComment")
    return decision


def scoring_columns(decision: Decision) -> dict[str, Any]:
    """What a decision stores on the comment besides its status."""
    return {
        "language": decision.language,
        "scores": decision.scores,
        "max_score": decision.max_score,
        "model": decision.model,
        "reasons": [reason.to_dict() for reason in decision.reasons],
    }


async def add_comment(
    runtime: Runtime,
    author: Identity,
    new: NewComment,
    *,
    admit: Callable[[], Awaitable[object]] | None = None,
) -> Comment:
    """Check, score and store a new comment. `admit` (the rate limit, for a request)
    is awaited once the comment has passed every check that needs no scoring, so that
    a refused comment (too long, blank, on a closed article) and a retried one
    (same clientMutationId) do not count: only work accepted for scoring does."""
    settings = runtime.settings
    validation.text_field("body", new.body, max_length=settings.max_comment_length)
    if new.client_mutation_id is not None:
        validation.text_field(
            "clientMutationId", new.client_mutation_id, max_length=MAX_MUTATION_ID
        )
    async with runtime.db.read() as session:
        # Refuses banned and suspended authors before anything else.
        facts = await sanctions.author_facts(session, author.user_id)
        if new.client_mutation_id is not None:
            existing = await comments.comment_by_mutation_id(
                session, author.user_id, new.client_mutation_id
            )
            if existing is not None:
                return existing
        # One statement for the article and the site's settings; _check_target then
        # finds the article in the session's identity map.
        found = None
        if new.article_id is not None:
            found = await articles.article_with_settings(session, new.article_id)
        article, _parent = await _check_target(session, new)
        assert found is not None  # else _check_target raised NOT_FOUND
        site = found[1] if found[1] is not None else defaults()
        asking = await external_service.moderator(session)
    if admit is not None:
        await admit()
    decision = await judge(runtime, new.body, article, site, facts, asking)
    metrics.decision_made(decision)
    try:
        async with runtime.db.write() as session:
            # Likewise the article and the author's row: one statement. Without the
            # article, _check_target below refuses the comment (and all rolls back).
            if new.article_id is not None:
                pair = await articles.article_with_user(session, new.article_id, author.user_id)
                if pair is not None:
                    await remember_found(session, author, pair[1])
            await sanctions.ensure_allowed(session, author.user_id)
            article, parent = await _check_target(session, new)
            assert article.id is not None
            comment = Comment(
                article_id=article.id,
                parent_id=parent.id if parent else None,
                root_id=(parent.root_id or parent.id) if parent else None,
                author_id=author.user_id,
                body=new.body,
                status=decision.status.value,
                client_mutation_id=new.client_mutation_id,
                **scoring_columns(decision),
            )
            await comments.insert_comment(session, comment)
            assert comment.id is not None
            history.record(session, comment.id, comment.status)
            sent = await comment_notices.posted(session, comment)
            await outbox.comment_created(session, comment)
            if comment.status != APPROVED:
                # Held or rejected by automated means: the author is owed the reasons.
                await reasons.for_automated(session, comment, settings.appeal_window_days)
        # Committed: only now may anyone hear of it.
        runtime.events.publish_all(comment_events(comment, NEW, settings.report_threshold))
        notifications.publish(runtime.events, sent)
        return comment
    except IntegrityError:
        # A concurrent retry with the same clientMutationId won the unique constraint.
        if new.client_mutation_id is None:
            raise
        async with runtime.db.read() as session:
            existing = await comments.comment_by_mutation_id(
                session, author.user_id, new.client_mutation_id
            )
        if existing is None:
            raise
        return existing


async def moderate(
    runtime: Runtime,
    moderator: Identity,
    comment_id: int | None,
    status: str,
    *,
    reason: str | None = None,
    version: int | None = None,
    show_reason: bool = False,
    ground: reasons.Ground | None = None,
) -> Comment:
    """Approve or reject, conditional on the version the moderator saw (when given).
    The author is told (a notification), with the reason when `show_reason`; a rejection
    stores a statement of reasons citing `ground` (a site rule or a law)."""
    if reason is not None:
        validation.text_field("reason", reason, max_length=MAX_REASON, required=False)
    async with runtime.db.write() as session:
        await remember(session, moderator)
        comment = await session.get(Comment, comment_id) if comment_id is not None else None
        if comment is None:
            raise NotFound("no comment with that id", field="commentId")
        before = CommentState.of(comment)
        stale = version is not None and version != comment.version
        # A decision also ends any claim on the comment.
        decided = not stale and await comments.change_status(
            session, comment, status, claimed_by=None, claimed_until=None
        )
        if not decided:
            await session.refresh(comment)
            if comment.deleted_at is not None:
                raise Conflict(
                    "the author deleted this comment",
                    reason="DELETED",
                    status=comment.status,
                    version=comment.version,
                )
            raise Conflict(
                f"the comment changed since you saw it; it is now {comment.status}",
                status=comment.status,
                version=comment.version,
            )
        await reports.resolve_reports(session, comment.id or 0)
        history.record(session, comment.id or 0, status, moderator.user_id, reason or None)
        feedback.record_decision(session, comment, status, moderator.user_id)
        sent = await comment_notices.decided(
            session,
            comment,
            before.status,
            moderator.user_id,
            (reason or None) if show_reason else None,
        )
        await outbox.comment_decided(
            session, comment, moderator_id=moderator.user_id, reason=reason or None
        )
        details: dict[str, Any] = {"from": before.status, "to": status}
        if status != APPROVED:
            statement = await reasons.for_moderator(
                session,
                comment,
                moderator.user_id,
                ground or reasons.Ground(explanation=reason or None),
                runtime.settings.appeal_window_days,
            )
            details |= reasons.summary(statement)
        await audit.record(
            session,
            actor_id=moderator.user_id,
            action="comment.approve" if status == APPROVED else "comment.reject",
            target=f"comment:{comment.id}",
            reason=reason or None,
            details=details,
        )
    runtime.events.publish_all(comment_events(comment, before, runtime.settings.report_threshold))
    notifications.publish(runtime.events, sent)
    return comment


async def report_comment(
    runtime: Runtime,
    reporter: Identity,
    comment_id: int | None,
    reason: str,
    details: str | None,
) -> Comment:
    if details is not None:
        validation.text_field("details", details, max_length=MAX_REASON, required=False)
    try:
        async with runtime.db.write() as session:
            await remember(session, reporter)
            await sanctions.ensure_allowed(session, reporter.user_id)
            comment = await session.get(Comment, comment_id) if comment_id is not None else None
            if comment is None or not can_see(reporter, comment):
                raise NotFound("no comment with that id", field="commentId")
            assert comment.id is not None
            if comment.author_id == reporter.user_id:
                raise BadUserInput("you cannot report your own comment", field="commentId")
            if comment.status != APPROVED:
                raise BadUserInput("only published comments can be reported", field="commentId")
            if await reports.find_report(session, comment.id, reporter.user_id) is not None:
                raise Conflict("you have already reported this comment")
            before = CommentState.of(comment)
            session.add(
                Report(
                    comment_id=comment.id,
                    reporter_id=reporter.user_id,
                    reason=reason,
                    details=details or None,
                )
            )
            await session.flush()
            await comments.add_open_report(session, comment.id)
            await session.refresh(comment)
            await outbox.enqueue(
                session,
                outbox.COMMENT_REPORTED,
                outbox.comment_payload(
                    comment, report={"reporterId": reporter.user_id, "reason": reason}
                ),
            )
    except IntegrityError:
        # Two reports by one user raced past the check; the constraint kept one.
        raise Conflict("you have already reported this comment") from None
    # Enough open reports put the comment in the REPORTED queue.
    runtime.events.publish_all(comment_events(comment, before, runtime.settings.report_threshold))
    return comment
