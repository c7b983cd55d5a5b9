"""Load the demo (api/services/demo_content.py) through the real services, so that
every decision in it is the pipeline's or a moderator's, exactly as if people had
posted and moderated.

Runs again on the same database without adding anything twice: articles come in by
slug, comments by their clientMutationId, and a comment's follow-ups (its moderator
decision, its report) happen only in the run that creates it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from api.http.errors import Conflict
from api.runtime import Runtime
from api.services import demo_content as demo
from api.services.articles import upsert_many
from api.services.comments import NewComment, add_comment, moderate, report_comment
from api.services.policy import SettingsChange, change_settings
from api.services.sanctions import set_premoderation
from api.services.users import ensure_user
from models.queries.articles import article_by_slug, count_articles
from models.queries.comments import comment_by_mutation_id
from models.queries.settings import load_settings
from models.tables import APPROVED

logger = logging.getLogger("commentmod")


@dataclass(frozen=True)
class Loaded:
    """What one run added (all zeros when the demo was already there)."""

    articles: int = 0
    comments: int = 0
    held: int = 0
    reports: int = 0


async def load_demo(runtime: Runtime) -> Loaded | None:
    """Load what is missing of the demo; None when the database holds other articles
    and no demo ones (a real site: the demo stays out of it)."""
    slugs = [article.slug for article in demo.ARTICLES]
    async with runtime.db.read() as session:
        found = {slug: await article_by_slug(session, slug) for slug in slugs}
        if await count_articles(session) > 0 and not any(found.values()):
            return None
    missing = [article for article in demo.ARTICLES if found[article.slug] is None]
    if missing:
        await upsert_many(runtime.db, missing, events=runtime.events)
    await _policy(runtime)
    created, held = await _comments(runtime)
    reports = await _reports(runtime, created)
    return Loaded(len(missing), len(created), held, reports)


async def _policy(runtime: Runtime) -> None:
    """Add the demo's words and link rule to the site's policy, removing nothing."""
    async with runtime.db.read() as session:
        site = await load_settings(session)
    banned = [w for w in demo.BANNED_WORDS if w not in site.banned_words]
    suspect = [w for w in demo.SUSPECT_WORDS if w not in site.suspect_words]
    if not (banned or suspect or site.premoderate_links != demo.PREMODERATE_LINKS):
        return
    change = SettingsChange(
        banned_words=[*site.banned_words, *banned],
        suspect_words=[*site.suspect_words, *suspect],
        premoderate_links=demo.PREMODERATE_LINKS,
    )
    await change_settings(runtime.db, demo.ADMIN, change, events=runtime.events)


async def _comments(runtime: Runtime) -> tuple[dict[str, int], int]:
    """Post the demo comments missing so far; returns {key: id} of those posted and how
    many of them the pipeline held or rejected (the ones meant for moderators)."""
    ids: dict[str, int] = {}
    created: dict[str, int] = {}
    held = 0
    for item in demo.COMMENTS:
        author = demo.PEOPLE[item.author]
        mutation_id = f"demo:{item.key}"
        async with runtime.db.read() as session:
            existing = await comment_by_mutation_id(session, author.user_id, mutation_id)
            article = await article_by_slug(session, item.article)
        if existing is not None and existing.id is not None:
            ids[item.key] = existing.id
            continue
        assert article is not None and article.id is not None
        if item.author == demo.PREMODERATED:
            user = await ensure_user(runtime.db, author)
            if not user.premoderated:
                await set_premoderation(
                    runtime, demo.MODERATOR, author.user_id, True, "demo: a new account"
                )
        parent = ids.get(item.parent) if item.parent else None
        comment = await add_comment(
            runtime,
            author,
            NewComment(
                article_id=article.id,
                body=item.body,
                parent_id=parent,
                parent_given=item.parent is not None,
                client_mutation_id=mutation_id,
            ),
        )
        assert comment.id is not None
        ids[item.key] = created[item.key] = comment.id
        if comment.status == APPROVED:
            if not item.publish:
                logger.warning("demo: %s was meant to be held, the policy let it pass", item.key)
            continue
        if item.publish:
            # Held by something the demo does not aim at (a scorer's judgement, a
            # language it does not cover): the demo moderator publishes it.
            await moderate(
                runtime,
                demo.MODERATOR,
                comment.id,
                APPROVED,
                reason="demo: published by the demo moderator",
            )
        else:
            held += 1
    return created, held


async def _reports(runtime: Runtime, created: dict[str, int]) -> int:
    count = 0
    for report in demo.REPORTS:
        if report.comment not in created:
            continue
        reporter = demo.PEOPLE[report.reporter]
        try:
            await report_comment(
                runtime, reporter, created[report.comment], report.reason, report.details
            )
        except Conflict:
            continue
        count += 1
    return count
