"""Re-run the pipeline over stored comments, e.g. after switching scorers.

Only comments that no moderator has decided on are touched, and each update is
conditional on the version that was read, so a moderator deciding meanwhile wins.
A comment the scorer failed on (SCORER_UNAVAILABLE: a timeout, an outage) is
scored once more and, failing again, left as it was and counted: a rescore never
changes a status because the scorer could not answer.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from dataclasses import dataclass

from sqlmodel.ext.asyncio.session import AsyncSession

from api.http.errors import NotFound
from api.live.changes import CommentState, comment_events
from api.live.events import Event
from api.runtime import Runtime
from api.services import outbox, reasons
from api.services.comments import judge, scoring_columns
from models.queries import comments, history
from models.queries.articles import article_by_slug, articles_by_id
from models.queries.settings import load_settings
from models.tables import APPROVED, Article, Comment, ModerationSettings
from moderation.author import AuthorFacts, normalise
from moderation.decision import Decision, ReasonCode

BATCH = 100
# Passes over the comments the scorer failed on before they are left as they were.
RETRIES = 1


@dataclass
class RescoreResult:
    examined: int = 0
    moved: int = 0
    skipped_conflicts: int = 0
    # Left unchanged because the scorer failed on them (after RETRIES more tries).
    skipped_unscored: int = 0


async def count_candidates(runtime: Runtime, status: str | None, article_slug: str | None) -> int:
    async with runtime.db.read() as session:
        article_id = await _article_id(session, article_slug)
        return await comments.count_where(session, comments.undecided(status, article_id))


async def _article_id(session: AsyncSession, slug: str | None) -> int | None:
    if slug is None:
        return None
    article = await article_by_slug(session, slug)
    if article is None:
        raise NotFound(f"no article with slug {slug!r}")
    return article.id


def _facts_at_posting(comment: Comment) -> AuthorFacts:
    """Holds that judged the author when the comment came (their standing, their other
    posts then) cannot be re-derived later, so a rescore keeps the ones it had."""
    codes = {reason.get("code") for reason in comment.reasons}
    repeat = ReasonCode.REPEAT_POST in codes
    return AuthorFacts(
        premoderated=ReasonCode.USER_PREMODERATED in codes,
        recent_texts=frozenset({normalise(comment.body)}) if repeat else frozenset(),
        # Held as a new commenter: still one while the site holds new commenters.
        comment_count=0 if ReasonCode.NEW_COMMENTER in codes else sys.maxsize,
    )


async def rescore(
    runtime: Runtime,
    *,
    status: str | None = None,
    article_slug: str | None = None,
    batch_size: int = BATCH,
    progress: Callable[[int], None] = lambda _n: None,
) -> RescoreResult:
    result = RescoreResult()
    after = 0
    async with runtime.db.read() as session:
        conditions = comments.undecided(status, await _article_id(session, article_slug))
    while True:
        async with runtime.db.read() as session:
            batch = await comments.batch_after(session, conditions, after, batch_size)
            site = await load_settings(session)
            articles = await articles_by_id(session, {c.article_id for c in batch})
        if not batch:
            return result
        decisions = await _judge_all(runtime, batch, articles, site)
        events: list[Event] = []
        async with runtime.db.write() as session:
            for comment, decision in zip(batch, decisions, strict=True):
                if decision is None:
                    result.skipped_unscored += 1
                    continue
                new_status = decision.status.value
                moved = new_status != comment.status
                before = CommentState.of(comment)
                ok = await comments.change_status(
                    session,
                    comment,
                    new_status,
                    clear_reports=False,
                    **scoring_columns(decision),
                )
                if not ok:
                    result.skipped_conflicts += 1
                    continue
                if moved:
                    assert comment.id is not None
                    history.record(
                        session, comment.id, new_status, reason=f"rescored by {decision.model}"
                    )
                    await outbox.comment_decided(
                        session,
                        comment,
                        moderator_id=None,
                        reason=f"rescored by {decision.model}",
                    )
                    result.moved += 1
                    events += comment_events(comment, before, runtime.settings.report_threshold)
                    if new_status != APPROVED:
                        # A new automated restriction: its author is owed the reasons.
                        await reasons.for_automated(
                            session, comment, runtime.settings.appeal_window_days
                        )
        runtime.events.publish_all(events)
        result.examined += len(batch)
        after = batch[-1].id or after
        progress(len(batch))


async def _judge_all(
    runtime: Runtime,
    batch: list[Comment],
    articles: dict[int, Article],
    site: ModerationSettings,
) -> list[Decision | None]:
    """The decisions for a batch; None where the scorer failed every try."""
    decisions: list[Decision | None] = [None] * len(batch)
    todo = list(range(len(batch)))
    for _ in range(1 + RETRIES):
        # Concurrently, so that the micro-batcher scores the batch in few passes.
        found = await asyncio.gather(
            *(
                judge(
                    runtime,
                    batch[i].body,
                    articles[batch[i].article_id],
                    site,
                    _facts_at_posting(batch[i]),
                )
                for i in todo
            )
        )
        failed = []
        for i, decision in zip(todo, found, strict=True):
            if any(r.code is ReasonCode.SCORER_UNAVAILABLE for r in decision.reasons):
                failed.append(i)
            else:
                decisions[i] = decision
        todo = failed
        if not todo:
            break
    return decisions
