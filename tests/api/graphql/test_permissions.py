"""Who may read or call what, checked by walking the exported schema.

EXPECTED below is this test's own statement of the access each root field and each
moderator-only object field should have. A field in schema.graphql that is missing
here (or here but gone from the schema) fails the suite; so does a rule in
api/graphql/permissions.py that disagrees, and so does an HTTP request by any role
that is let through or refused against it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    build_schema,
    get_named_type,
)
from graphql.pyutils import Undefined

from api.graphql import permissions
from api.graphql.permissions import Access
from tests.support.client import Api

ROOT = Path(__file__).resolve().parents[3]
SDL: GraphQLSchema = build_schema((ROOT / "schema.graphql").read_text())

ANYONE, SIGNED_IN, MODERATOR, ADMIN = "anyone", "signed in", "moderator", "admin"
EXPECTED: dict[str, str] = {
    "Query.articles": ANYONE,
    "Query.article": ANYONE,
    "Query.comment": ANYONE,
    "Query.viewer": ANYONE,
    "Query.moderationQueue": MODERATOR,
    "Query.moderationQueueCounts": MODERATOR,
    "Query.moderationSettings": ADMIN,
    "Query.user": MODERATOR,
    "Mutation.addComment": SIGNED_IN,
    "Mutation.reportComment": SIGNED_IN,
    "Mutation.approveComment": MODERATOR,
    "Mutation.rejectComment": MODERATOR,
    "Mutation.setCommentsOpen": MODERATOR,
    "Mutation.updateArticleModeration": MODERATOR,
    "Mutation.claimComments": MODERATOR,
    # The link's own token is the credential: nobody has a session yet.
    "Mutation.exchangeConsoleLink": ANYONE,
    "Subscription.commentAdded": ANYONE,
    "Subscription.commentRemoved": ANYONE,
    "Subscription.moderationQueueChanged": MODERATOR,
    "Subscription.myCommentStatusChanged": SIGNED_IN,
    "Mutation.banUser": MODERATOR,
    "Mutation.suspendUser": MODERATOR,
    "Mutation.unbanUser": MODERATOR,
    "Mutation.setUserPremoderation": MODERATOR,
    "Mutation.upsertArticle": ADMIN,
    "Mutation.updateModerationSettings": ADMIN,
    "Mutation.editComment": SIGNED_IN,
    "Mutation.deleteComment": SIGNED_IN,
    "Mutation.markNotificationsRead": SIGNED_IN,
    "Mutation.messageUser": MODERATOR,
    "Subscription.notificationAdded": SIGNED_IN,
    "Subscription.commentChanged": ANYONE,
    # Issue 18: webhooks, and a user's data.
    "Query.webhookEndpoints": ADMIN,
    "Query.webhookDeliveries": ADMIN,
    "Mutation.registerWebhook": ADMIN,
    "Mutation.updateWebhook": ADMIN,
    "Mutation.retryWebhookDeliveries": ADMIN,
    "Query.exportMyData": SIGNED_IN,
    "Mutation.eraseUser": ADMIN,
    # Issue 19: trust and compliance.
    "Query.auditLog": ADMIN,
    "Query.siteRules": ANYONE,
    "Query.transparencyReport": ADMIN,
    "Query.myStatementsOfReasons": SIGNED_IN,
    "Query.appeals": MODERATOR,
    "Query.illegalContentNotices": MODERATOR,
    "Mutation.appealDecision": SIGNED_IN,
    "Mutation.decideAppeal": MODERATOR,
    # Anyone may notify illegal content, signed in or not (DSA Art. 16).
    "Mutation.reportIllegalContent": ANYONE,
    "Mutation.reviewIllegalContentNotice": MODERATOR,
    "Mutation.decideIllegalContentNotice": MODERATOR,
    "Query.externalModeration": ADMIN,
    "Mutation.updateExternalModeration": ADMIN,
}
# Object fields that answer null to everyone but moderators and admins.
MODERATOR_ONLY = {
    "Comment.moderation",
    "Article.moderation",
    "User.banned",
    "User.suspendedUntil",
    "User.premoderated",
    "User.sanctions",
    "User.approvedCommentCount",
    "User.rejectedCommentCount",
}
# Object fields that answer null to everyone but the user they belong to (and, where
# the value says so, moderators and admins).
OWNER_ONLY = {
    "Comment.revisions": "author or moderator",
    "Comment.editableUntil": "author",
    "User.notifications": "self",
}
ACCESS = {
    ANYONE: Access.PUBLIC,
    SIGNED_IN: Access.SIGNED_IN,
    MODERATOR: Access.MODERATOR,
    ADMIN: Access.ADMIN,
}
ROLES = ("anonymous", "commenter", "moderator", "admin")
# The refusal each role meets, by the access a field needs (None: let through).
DENIAL: dict[str, dict[str, str | None]] = {
    ANYONE: dict.fromkeys(ROLES),
    SIGNED_IN: {
        "anonymous": "UNAUTHENTICATED",
        "commenter": None,
        "moderator": None,
        "admin": None,
    },
    MODERATOR: {
        "anonymous": "UNAUTHENTICATED",
        "commenter": "FORBIDDEN",
        "moderator": None,
        "admin": None,
    },
    ADMIN: {
        "anonymous": "UNAUTHENTICATED",
        "commenter": "FORBIDDEN",
        "moderator": "FORBIDDEN",
        "admin": None,
    },
}


def root_fields() -> list[str]:
    return [
        f"{name}.{field}"
        for name in permissions.ROOT_TYPES
        if isinstance(root := SDL.type_map.get(name), GraphQLObjectType)
        for field in root.fields
    ]


def test_every_root_field_is_expected_and_its_rule_agrees() -> None:
    fields = root_fields()
    assert sorted(set(fields) - EXPECTED.keys()) == [], (
        "new root fields: say who may call them in EXPECTED"
    )
    assert sorted(EXPECTED.keys() - set(fields)) == [], "EXPECTED names fields the schema lacks"
    for path in fields:
        rule = permissions.RULES[path]
        assert (rule.access, rule.hidden) == (ACCESS[EXPECTED[path]], False), path


def test_moderator_only_object_fields_are_expected_and_hidden() -> None:
    hidden = {path for path, rule in permissions.RULES.items() if rule.hidden}
    assert hidden == MODERATOR_ONLY | OWNER_ONLY.keys()
    for path in MODERATOR_ONLY:
        assert permissions.RULES[path].access is Access.MODERATOR
    for path, who in OWNER_ONLY.items():
        rule = permissions.RULES[path]
        assert rule.owner is not None and rule.moderators == (who == "author or moderator")
    described = {
        f"{type_.name}.{name}"
        for type_ in SDL.type_map.values()
        if isinstance(type_, GraphQLObjectType) and not type_.name.startswith("__")
        for name, field in type_.fields.items()
        if (field.description or "").startswith("Moderators only")
    }
    # A field documented as moderator-only must have a rule that makes it so.
    assert sorted(described - MODERATOR_ONLY) == []


def sample(type_: GraphQLInputType) -> Any:
    """A value of the type that passes GraphQL's coercion (not necessarily the service's checks)."""
    if isinstance(type_, GraphQLNonNull):
        return sample(type_.of_type)
    if isinstance(type_, GraphQLList):
        return []
    if isinstance(type_, GraphQLEnumType):
        return next(iter(type_.values))
    if isinstance(type_, GraphQLInputObjectType):
        return {
            name: sample(field.type)
            for name, field in type_.fields.items()
            if isinstance(field.type, GraphQLNonNull) and field.default_value is Undefined
        }
    assert isinstance(type_, GraphQLScalarType)
    return {
        "ID": "eA",
        "String": "x",
        "Int": 1,
        "Float": 0.5,
        "Boolean": False,
        "DateTime": (datetime.now(UTC) + timedelta(days=1)).isoformat(),
    }[type_.name]


def operation(path: str) -> tuple[str, dict[str, Any]]:
    """A minimal valid operation calling one root field, with its required arguments."""
    type_name, field_name = path.split(".")
    root = SDL.type_map[type_name]
    assert isinstance(root, GraphQLObjectType)
    field: GraphQLField = root.fields[field_name]
    declared, passed, variables = [], [], {}
    for i, (name, arg) in enumerate(field.args.items()):
        if isinstance(arg.type, GraphQLNonNull) and arg.default_value is Undefined:
            declared.append(f"$v{i}: {arg.type}")
            passed.append(f"{name}: $v{i}")
            variables[f"v{i}"] = sample(arg.type)
    selection = (
        ""
        if isinstance(get_named_type(field.type), GraphQLScalarType | GraphQLEnumType)
        else "{ __typename }"
    )
    keyword = {"Query": "query", "Mutation": "mutation", "Subscription": "subscription"}[type_name]
    head = f"{keyword}({', '.join(declared)})" if declared else keyword
    call = f"{field_name}({', '.join(passed)})" if passed else field_name
    return f"{head} {{ {call} {selection} }}", variables


def token(api: Api, role: str) -> str | None:
    return None if role == "anonymous" else api.token(f"perm-{role}", role)


@pytest.mark.parametrize("path", [p for p in root_fields() if not p.startswith("Subscription.")])
async def test_each_role_is_let_through_or_refused_as_expected(api: Api, path: str) -> None:
    query, variables = operation(path)
    field_name = path.split(".")[1]
    for role in ROLES:
        body = await api.query(query, variables, as_=token(api, role))
        denials = [
            e["extensions"]["code"]
            for e in body.get("errors", [])
            if e.get("path", [None])[0] == field_name
            and e["extensions"]["code"] in ("UNAUTHENTICATED", "FORBIDDEN")
        ]
        expected = DENIAL[EXPECTED[path]][role]
        assert denials == ([expected] if expected else []), (path, role, body)
        # Validation passed: the operation reached the resolver for every role.
        assert all(
            e["extensions"]["code"] != "BAD_USER_INPUT" or e.get("path")
            for e in body.get("errors", [])
        ), body


REACH = {
    "Article": ("query($article: ID!) { article(id: $article) { %s } }", ("article",)),
    "Comment": ("query($comment: ID!) { comment(id: $comment) { %s } }", ("comment",)),
    "User": (
        "query($comment: ID!) { comment(id: $comment) { author { %s } } }",
        ("comment", "author"),
    ),
}


async def test_moderator_only_fields_are_null_for_everyone_else(api: Api) -> None:
    article = await api.create_article()
    comment = await api.comment(article["id"], "A reasonable view.", as_=api.token("sam"))
    mod = api.token("mo", "moderator")
    # Give every User field a non-null value for moderators to see.
    until = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    await api.data(
        "mutation($i: SuspendUserInput!) { suspendUser(input: $i) { user { id } } }",
        {"i": {"userId": "sam", "until": until, "reason": "test"}},
        as_=mod,
    )
    ids = {"article": article["id"], "comment": comment["id"]}
    for path in sorted(MODERATOR_ONLY):
        type_name, field_name = path.split(".")
        assert type_name in REACH, f"add a way to reach {type_name} to REACH"
        object_type = SDL.type_map[type_name]
        assert isinstance(object_type, GraphQLObjectType)
        named = get_named_type(object_type.fields[field_name].type)
        selection = (
            field_name
            if isinstance(named, GraphQLScalarType | GraphQLEnumType)
            else f"{field_name} {{ __typename }}"
        )
        template, route = REACH[type_name]
        for role in ROLES:
            data = await api.data(template % selection, ids, as_=token(api, role))
            for step in route:
                data = data[step]
            if role in ("moderator", "admin"):
                assert data[field_name] is not None, (path, role)
            else:
                assert data[field_name] is None, (path, role)


async def test_owner_only_fields_are_null_for_everyone_else(api: Api) -> None:
    article = await api.create_article()
    comment = await api.comment(article["id"], "A reasonable view.", as_=api.token("sam"))
    tokens = {
        "anonymous": None,
        "author": api.token("sam"),
        "commenter": api.token("tom"),
        "moderator": api.token("mo", "moderator"),
        "admin": api.token("ed", "admin"),
    }
    revisions = "query($c: ID!) { comment(id: $c) { revisions { number } editableUntil } }"
    notifications = "query($c: ID!) { comment(id: $c) { author { notifications { totalCount } } } }"
    for who, token_ in tokens.items():
        data = await api.data(revisions, {"c": comment["id"]}, as_=token_)
        assert (data["comment"]["revisions"] is not None) == (
            who in ("author", "moderator", "admin")
        ), who
        assert (data["comment"]["editableUntil"] is not None) == (who == "author"), who
        data = await api.data(notifications, {"c": comment["id"]}, as_=token_)
        assert (data["comment"]["author"]["notifications"] is not None) == (who == "author"), who
