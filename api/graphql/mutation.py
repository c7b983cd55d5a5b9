"""Write entry points: thin wrappers over the service functions."""

from __future__ import annotations

import functools
from datetime import datetime

import strawberry

from api.graphql.context import Info
from api.graphql.ids import decode_id
from api.graphql.query import article_pk
from api.graphql.types.article import ArticleNode
from api.graphql.types.comment import CommentNode
from api.graphql.types.moderation import ModerationQueue, ReportReason
from api.graphql.types.policy import ModerationSettingsNode
from api.graphql.types.sanction import SanctionNode
from api.graphql.types.user import UserNode
from api.http.errors import BadUserInput, NotFound
from api.services import articles as article_service
from api.services import claims as claim_service
from api.services import comments as comment_service
from api.services import console as console_service
from api.services import policy as policy_service
from api.services import reasons
from api.services import sanctions as sanction_service
from moderation.decision import Status


@strawberry.input
class AddCommentInput:
    article_id: strawberry.ID
    body: str
    parent_id: strawberry.ID | None = None
    client_mutation_id: str | None = strawberry.field(
        default=None, description="Retries with the same value return the same comment."
    )


@strawberry.type
class AddCommentPayload:
    comment: CommentNode
    client_mutation_id: str | None


@strawberry.input
class ModerateCommentInput:
    comment_id: strawberry.ID
    reason: str | None = strawberry.field(
        default=None, description="Why; a rejection's statement of reasons quotes it."
    )
    rule: str | None = strawberry.field(
        default=None, description="Rejections: the site rule broken (a code of siteRules)."
    )
    legal_ground: str | None = strawberry.field(
        default=None, description="Rejections: the law broken, instead of a rule."
    )
    version: int | None = strawberry.field(
        default=None,
        description="The version the moderator saw; a different current version is a CONFLICT.",
    )
    show_reason_to_author: bool = strawberry.field(
        default=False,
        description="Rejections: tell the author the `reason` in their notification.",
    )


@strawberry.type
class ModerateCommentPayload:
    comment: CommentNode


@strawberry.input
class ReportCommentInput:
    comment_id: strawberry.ID
    reason: ReportReason
    details: str | None = None


@strawberry.type
class ReportCommentPayload:
    comment: CommentNode


@strawberry.input
class ArticleInput:
    slug: str
    title: str
    body: str
    url: str | None = None
    language: str | None = None
    published_at: datetime | None = None


@strawberry.input
class SetCommentsOpenInput:
    article_id: strawberry.ID
    open: bool


@strawberry.type
class ArticlePayload:
    article: ArticleNode


async def _moderate(
    info: Info, data: ModerateCommentInput, status: Status
) -> ModerateCommentPayload:
    comment = await comment_service.moderate(
        info.context.runtime,
        info.context.signed_in(),
        decode_id("Comment", data.comment_id),
        status.value,
        reason=data.reason,
        version=data.version,
        show_reason=data.show_reason_to_author,
        ground=reasons.Ground(rule=data.rule, law=data.legal_ground, explanation=data.reason),
    )
    return ModerateCommentPayload(comment=CommentNode(row=comment))


@strawberry.input
class SiteRuleInput:
    code: str = strawberry.field(description="Lowercase letters, digits, - and _.")
    title: str


@strawberry.input
class LabelThresholdInput:
    label: str
    hold: float


@strawberry.input(description="Each field is optional; an omitted field is left as it is.")
class ModerationSettingsInput:
    banned_words: list[str] | None = None
    suspect_words: list[str] | None = None
    thresholds: list[LabelThresholdInput] | None = strawberry.field(
        default=None, description="Replaces every per-label threshold."
    )
    premoderate_all: bool | None = None
    premoderate_links: bool | None = None
    score_unsupported_languages: bool | None = None
    rules: list[SiteRuleInput] | None = strawberry.field(
        default=None, description="Replaces the site's rules (the grounds of decisions)."
    )


@strawberry.type
class ModerationSettingsPayload:
    settings: ModerationSettingsNode


@strawberry.input
class ArticleModerationInput:
    article_id: strawberry.ID
    premoderate_all: bool | None = strawberry.field(
        default=strawberry.UNSET, description="null follows the site setting; omitted: unchanged."
    )
    premoderate_links: bool | None = strawberry.field(
        default=strawberry.UNSET, description="null follows the site setting; omitted: unchanged."
    )


@strawberry.input
class ClaimCommentsInput:
    queue: ModerationQueue = ModerationQueue.PENDING
    count: int = 10
    article_id: strawberry.ID | None = None


@strawberry.type
class ClaimCommentsPayload:
    comments: list[CommentNode]
    expires_at: datetime


@strawberry.input
class ExchangeConsoleLinkInput:
    token: str = strawberry.field(description="The token of a `commentmod console-link` link.")


@strawberry.type
class ConsoleSessionPayload:
    token: str = strawberry.field(description="A session token: send it as a Bearer token.")
    expires_at: datetime
    viewer: UserNode


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Post a comment or a reply; it is scored before it is stored.")
    async def add_comment(self, info: Info, input: AddCommentInput) -> AddCommentPayload:
        author = info.context.signed_in()
        parent_id = decode_id("Comment", input.parent_id) if input.parent_id is not None else None
        comment = await comment_service.add_comment(
            info.context.runtime,
            author,
            comment_service.NewComment(
                article_id=decode_id("Article", input.article_id),
                body=input.body,
                parent_id=parent_id,
                parent_given=input.parent_id is not None,
                client_mutation_id=input.client_mutation_id,
            ),
            admit=functools.partial(info.context.rate_limit, "addComment"),
        )
        return AddCommentPayload(
            comment=CommentNode(row=comment), client_mutation_id=input.client_mutation_id
        )

    @strawberry.mutation
    async def approve_comment(
        self, info: Info, input: ModerateCommentInput
    ) -> ModerateCommentPayload:
        return await _moderate(info, input, Status.APPROVED)

    @strawberry.mutation
    async def reject_comment(
        self, info: Info, input: ModerateCommentInput
    ) -> ModerateCommentPayload:
        return await _moderate(info, input, Status.REJECTED)

    @strawberry.mutation(description="Flag a published comment for moderators; once per user.")
    async def report_comment(self, info: Info, input: ReportCommentInput) -> ReportCommentPayload:
        reporter = await info.context.rate_limit("reportComment")
        comment = await comment_service.report_comment(
            info.context.runtime,
            reporter,
            decode_id("Comment", input.comment_id),
            input.reason.value,
            input.details,
        )
        return ReportCommentPayload(comment=CommentNode(row=comment))

    @strawberry.mutation(description="Create or update an article by slug.")
    async def upsert_article(self, info: Info, input: ArticleInput) -> ArticlePayload:
        data = article_service.ArticleData(
            slug=input.slug,
            title=input.title,
            body=input.body,
            url=input.url,
            language=input.language or "en",
            published_at=input.published_at,
        )
        runtime = info.context.runtime
        ((article, _created),) = await article_service.upsert_many(
            runtime.db, [data], actor=info.context.signed_in(), events=runtime.events
        )
        return ArticlePayload(article=ArticleNode(row=article))

    @strawberry.mutation
    async def set_comments_open(self, info: Info, input: SetCommentsOpenInput) -> ArticlePayload:
        pk = decode_id("Article", input.article_id)
        if pk is None:
            raise NotFound("no article with that id", field="articleId")
        runtime = info.context.runtime
        article = await article_service.set_comments_open(
            runtime.db, pk, input.open, actor=info.context.signed_in(), events=runtime.events
        )
        return ArticlePayload(article=ArticleNode(row=article))

    @strawberry.mutation(description="Admins: change the site's moderation policy.")
    async def update_moderation_settings(
        self, info: Info, input: ModerationSettingsInput
    ) -> ModerationSettingsPayload:
        thresholds = None
        if input.thresholds is not None:
            thresholds = {t.label: t.hold for t in input.thresholds}
            if len(thresholds) != len(input.thresholds):
                raise BadUserInput("a label appears twice in thresholds", field="thresholds")
        change = policy_service.SettingsChange(
            banned_words=input.banned_words,
            suspect_words=input.suspect_words,
            thresholds=thresholds,
            premoderate_all=input.premoderate_all,
            premoderate_links=input.premoderate_links,
            score_unsupported_languages=input.score_unsupported_languages,
            rules=[(r.code, r.title) for r in input.rules] if input.rules is not None else None,
        )
        runtime = info.context.runtime
        row = await policy_service.change_settings(
            runtime.db, info.context.signed_in(), change, events=runtime.events
        )
        return ModerationSettingsPayload(settings=ModerationSettingsNode(row=row))

    @strawberry.mutation(description="Pre-moderation overrides for one article.")
    async def update_article_moderation(
        self, info: Info, input: ArticleModerationInput
    ) -> ArticlePayload:
        changes = {
            name: value
            for name, value in (
                ("premoderate_all", input.premoderate_all),
                ("premoderate_links", input.premoderate_links),
            )
            if value is not strawberry.UNSET
        }
        runtime = info.context.runtime
        article = await policy_service.change_article_moderation(
            runtime.db,
            decode_id("Article", input.article_id),
            changes,
            actor=info.context.signed_in(),
            events=runtime.events,
        )
        return ArticlePayload(article=ArticleNode(row=article))

    @strawberry.mutation(description="Moderators: stop a user commenting and reporting.")
    async def ban_user(self, info: Info, input: BanUserInput) -> SanctionPayload:
        return SanctionPayload.of(
            await sanction_service.ban(
                info.context.runtime,
                info.context.moderator(),
                str(input.user_id),
                input.reason,
                input.reject_existing_comments,
                reasons.Ground(rule=input.rule, law=input.legal_ground, explanation=input.reason),
            )
        )

    @strawberry.mutation(description="Moderators: stop a user commenting until a time.")
    async def suspend_user(self, info: Info, input: SuspendUserInput) -> SanctionPayload:
        return SanctionPayload.of(
            await sanction_service.suspend(
                info.context.runtime,
                info.context.moderator(),
                str(input.user_id),
                input.until,
                input.reason,
                reasons.Ground(rule=input.rule, law=input.legal_ground, explanation=input.reason),
            )
        )

    @strawberry.mutation(description="Moderators: lift a ban and any suspension.")
    async def unban_user(self, info: Info, input: UnbanUserInput) -> SanctionPayload:
        return SanctionPayload.of(
            await sanction_service.unban(
                info.context.runtime, info.context.moderator(), str(input.user_id), input.reason
            )
        )

    @strawberry.mutation(description="Moderators: hold every comment of a user, or stop.")
    async def set_user_premoderation(
        self, info: Info, input: SetUserPremoderationInput
    ) -> SanctionPayload:
        return SanctionPayload.of(
            await sanction_service.set_premoderation(
                info.context.runtime,
                info.context.moderator(),
                str(input.user_id),
                input.enabled,
                input.reason,
            )
        )

    @strawberry.mutation(
        description="Trade a moderator's one-time console sign-in link for a session token; "
        "a link works once (then CONFLICT, reason LINK_USED)."
    )
    async def exchange_console_link(
        self, info: Info, input: ExchangeConsoleLinkInput
    ) -> ConsoleSessionPayload:
        session = await console_service.exchange_link(info.context.runtime, input.token)
        return ConsoleSessionPayload(
            token=session.token, expires_at=session.expires_at, viewer=UserNode(row=session.user)
        )

    @strawberry.mutation(
        description="Take up to `count` unclaimed comments of a queue for a few minutes."
    )
    async def claim_comments(self, info: Info, input: ClaimCommentsInput) -> ClaimCommentsPayload:
        claimed, until = await claim_service.claim_comments(
            info.context.runtime,
            info.context.signed_in(),
            input.queue.value,
            input.count,
            article_pk(input.article_id),
        )
        return ClaimCommentsPayload(
            comments=[CommentNode(row=c) for c in claimed], expires_at=until
        )


@strawberry.input
class BanUserInput:
    user_id: strawberry.ID
    reason: str
    reject_existing_comments: bool = strawberry.field(
        default=False, description="Also reject every comment of the user not yet rejected."
    )
    rule: str | None = strawberry.field(default=None, description="The site rule broken.")
    legal_ground: str | None = strawberry.field(
        default=None, description="The law broken, instead of a rule."
    )


@strawberry.input
class SuspendUserInput:
    user_id: strawberry.ID
    until: datetime = strawberry.field(description="When the suspension ends; in the future.")
    reason: str
    rule: str | None = strawberry.field(default=None, description="The site rule broken.")
    legal_ground: str | None = strawberry.field(
        default=None, description="The law broken, instead of a rule."
    )


@strawberry.input
class UnbanUserInput:
    user_id: strawberry.ID
    reason: str | None = None


@strawberry.input
class SetUserPremoderationInput:
    user_id: strawberry.ID
    enabled: bool
    reason: str | None = None


@strawberry.type
class SanctionPayload:
    user: UserNode
    sanction: SanctionNode
    rejected_comments: int = strawberry.field(
        description="Comments this action rejected (banUser with rejectExistingComments)."
    )

    @classmethod
    def of(cls, outcome: sanction_service.SanctionOutcome) -> SanctionPayload:
        return cls(
            user=UserNode(row=outcome.user),
            sanction=SanctionNode(row=outcome.sanction),
            rejected_comments=outcome.rejected_comments,
        )
