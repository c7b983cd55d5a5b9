"""Who may read or call what, declared in one table.

Every Query, Mutation and Subscription field must have a rule (the schema
refuses to build otherwise), and object fields that only moderators may read are
listed too. The rules wrap the resolvers of the built schema, so resolvers stay
free of checks; a subscription field's `subscribe` is wrapped as well, so that a
refused subscriber is refused before it receives anything (over
graphql-transport-ws: an `error` message for that subscription).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import Any

from graphql import GraphQLObjectType, GraphQLSchema, default_field_resolver

from api.http.auth import Identity
from api.http.errors import AppError, Forbidden, Unauthenticated


class Access(Enum):
    PUBLIC = "public"
    SIGNED_IN = "signed in"
    MODERATOR = "moderator"
    ADMIN = "admin"

    def denial(self, identity: Identity | None) -> AppError | None:
        if self is Access.PUBLIC:
            return None
        if identity is None:
            return Unauthenticated("sign in to do this")
        if self is Access.MODERATOR and not identity.is_moderator:
            return Forbidden("moderators only")
        if self is Access.ADMIN and not identity.is_admin:
            return Forbidden("admins only")
        return None


@dataclass(frozen=True)
class Rule:
    access: Access
    # Hidden fields answer null to those who may not read them instead of an error.
    hidden: bool = False
    # A field about one user's own things: who that is, from the parent object. Anyone
    # else is refused (moderators too, unless `moderators`).
    owner: Callable[[Any], str] | None = None
    moderators: bool = False

    def denial(self, identity: Identity | None, root: Any) -> AppError | None:
        denial = self.access.denial(identity)
        if denial is not None or self.owner is None:
            return denial
        assert identity is not None  # an owner rule is at least SIGNED_IN
        if self.moderators and identity.is_moderator:
            return None
        if identity.user_id != self.owner(root):
            return Forbidden("only its owner may read this")
        return None


PUBLIC = Rule(Access.PUBLIC)
SIGNED_IN = Rule(Access.SIGNED_IN)
MODERATOR = Rule(Access.MODERATOR)
ADMIN = Rule(Access.ADMIN)
MODERATOR_OR_NULL = Rule(Access.MODERATOR, hidden=True)
# The user themself only (a User field); null for everyone else.
SELF_OR_NULL = Rule(Access.SIGNED_IN, hidden=True, owner=lambda user: user.row.id)
# A comment's author only (a Comment field); null for everyone else.
AUTHOR_OR_NULL = Rule(Access.SIGNED_IN, hidden=True, owner=lambda comment: comment.row.author_id)
# A comment's author and moderators (a Comment field); null for everyone else.
AUTHOR_OR_MODERATOR_OR_NULL = Rule(
    Access.SIGNED_IN, hidden=True, owner=lambda comment: comment.row.author_id, moderators=True
)

RULES: dict[str, Rule] = {
    "Query.articles": PUBLIC,
    "Query.article": PUBLIC,
    "Query.comment": PUBLIC,
    "Query.viewer": PUBLIC,
    "Query.moderationQueue": MODERATOR,
    "Query.moderationQueueCounts": MODERATOR,
    "Mutation.addComment": SIGNED_IN,
    "Mutation.reportComment": SIGNED_IN,
    "Mutation.approveComment": MODERATOR,
    "Mutation.rejectComment": MODERATOR,
    "Mutation.setCommentsOpen": MODERATOR,
    "Mutation.upsertArticle": ADMIN,
    "Query.moderationSettings": ADMIN,
    "Mutation.updateModerationSettings": ADMIN,
    "Query.externalModeration": ADMIN,
    "Mutation.updateExternalModeration": ADMIN,
    "Mutation.updateArticleModeration": MODERATOR,
    "Mutation.claimComments": MODERATOR,
    # The caller has no session yet: the link's own token is the credential.
    "Mutation.exchangeConsoleLink": PUBLIC,
    "Comment.moderation": MODERATOR_OR_NULL,
    "Article.moderation": MODERATOR_OR_NULL,
    "Query.user": MODERATOR,
    "Mutation.banUser": MODERATOR,
    "Mutation.suspendUser": MODERATOR,
    "Mutation.unbanUser": MODERATOR,
    "Mutation.setUserPremoderation": MODERATOR,
    "User.banned": MODERATOR_OR_NULL,
    "User.suspendedUntil": MODERATOR_OR_NULL,
    "User.premoderated": MODERATOR_OR_NULL,
    "User.sanctions": MODERATOR_OR_NULL,
    "User.approvedCommentCount": MODERATOR_OR_NULL,
    "User.rejectedCommentCount": MODERATOR_OR_NULL,
    "Subscription.commentAdded": PUBLIC,
    "Subscription.commentRemoved": PUBLIC,
    "Subscription.moderationQueueChanged": MODERATOR,
    "Subscription.myCommentStatusChanged": SIGNED_IN,
    # Authors' own words (docs/authors.md).
    "Mutation.editComment": SIGNED_IN,
    "Mutation.deleteComment": SIGNED_IN,
    "Mutation.markNotificationsRead": SIGNED_IN,
    "Mutation.messageUser": MODERATOR,
    "Comment.revisions": AUTHOR_OR_MODERATOR_OR_NULL,
    "Comment.editableUntil": AUTHOR_OR_NULL,
    "User.notifications": SELF_OR_NULL,
    "Subscription.notificationAdded": SIGNED_IN,
    "Subscription.commentChanged": PUBLIC,
    # Webhooks (issue 18).
    "Query.webhookEndpoints": ADMIN,
    "Query.webhookDeliveries": ADMIN,
    "Mutation.registerWebhook": ADMIN,
    "Mutation.updateWebhook": ADMIN,
    "Mutation.retryWebhookDeliveries": ADMIN,
    # A user's data (issue 18): your own export; erasure by admins.
    "Query.exportMyData": SIGNED_IN,
    "Mutation.eraseUser": ADMIN,
    # Issue 19: trust and compliance.
    "Query.auditLog": ADMIN,
    "Query.siteRules": PUBLIC,
    "Query.transparencyReport": ADMIN,
    "Query.myStatementsOfReasons": SIGNED_IN,
    "Query.appeals": MODERATOR,
    "Query.illegalContentNotices": MODERATOR,
    "Mutation.appealDecision": SIGNED_IN,
    "Mutation.decideAppeal": MODERATOR,
    # Anyone may notify illegal content (DSA Art. 16); rate-limited by address.
    "Mutation.reportIllegalContent": PUBLIC,
    "Mutation.reviewIllegalContentNotice": MODERATOR,
    "Mutation.decideIllegalContentNotice": MODERATOR,
    # Comment.statementOfReasons is the author's and moderators': a rule here cannot name
    # the author, so its resolver answers null to everyone else. Sanctions and notices
    # are reached only through moderator-only fields (and a notice by its own sender).
}

ROOT_TYPES = ("Query", "Mutation", "Subscription")


def _guard(rule: Rule, resolve: Callable[..., Any]) -> Callable[..., Any]:
    def guarded(root: Any, info: Any, **args: Any) -> Any:
        denial = rule.denial(info.context.identity, root)
        if denial is not None:
            if rule.hidden:
                return None
            raise denial
        return resolve(root, info, **args)

    return guarded


def apply(schema: GraphQLSchema) -> None:
    root_fields = {
        f"{name}.{field}"
        for name in ROOT_TYPES
        if isinstance(root := schema.type_map.get(name), GraphQLObjectType)
        for field in root.fields
    }
    if missing := sorted(root_fields - RULES.keys()):
        raise RuntimeError(f"fields without a permission rule: {', '.join(missing)}")
    for path, rule in RULES.items():
        type_name, field_name = path.split(".")
        graphql_type = schema.type_map.get(type_name)
        if not isinstance(graphql_type, GraphQLObjectType) or field_name not in graphql_type.fields:
            raise RuntimeError(f"permission rule for a field that does not exist: {path}")
        field = graphql_type.fields[field_name]
        field.resolve = _guard(rule, field.resolve or default_field_resolver)
        if field.subscribe is not None:
            if rule.hidden:
                raise RuntimeError(f"a subscription cannot be hidden: {path}")
            field.subscribe = _guard(rule, field.subscribe)
