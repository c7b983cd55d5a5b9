"""schema.graphql is the published contract; it must match the running schema."""

from __future__ import annotations

from pathlib import Path

from graphql import GraphQLObjectType, build_schema

from api.graphql import permissions
from api.graphql.schema import schema

ROOT = Path(__file__).resolve().parents[3]


def test_exported_schema_matches_running_schema() -> None:
    published = (ROOT / "schema.graphql").read_text()
    assert published.strip() == schema.as_str().strip(), (
        "schema.graphql is out of date: run `commentmod export-schema > schema.graphql`"
    )


def test_every_root_field_has_a_permission_rule() -> None:
    sdl = build_schema((ROOT / "schema.graphql").read_text())
    for name in permissions.ROOT_TYPES:
        root = sdl.type_map.get(name)
        if isinstance(root, GraphQLObjectType):
            for field in root.fields:
                assert f"{name}.{field}" in permissions.RULES, f"{name}.{field} has no rule"


def test_contract_names_are_present() -> None:
    """The names frontends rely on (issue #2's contract) must not be renamed."""
    sdl = build_schema(schema.as_str())
    expected = {
        "Query": {
            "articles",
            "article",
            "comment",
            "viewer",
            "moderationQueue",
            "moderationQueueCounts",
        },
        "Mutation": {
            "addComment",
            "approveComment",
            "rejectComment",
            "reportComment",
            "upsertArticle",
            "setCommentsOpen",
        },
        "Article": {
            "id",
            "slug",
            "title",
            "body",
            "url",
            "language",
            "publishedAt",
            "commentsOpen",
            "commentCount",
            "comments",
        },
        "Comment": {
            "id",
            "article",
            "parent",
            "author",
            "body",
            "createdAt",
            "status",
            "replies",
            "replyCount",
            "moderation",
        },
        "User": {"id", "name", "role"},
        "CommentModeration": {"scores", "model", "reasons", "reports", "history"},
        "LabelScore": {"label", "score"},
        "ModerationReason": {"code", "detail"},
        "ModerationAction": {"status", "moderator", "reason", "createdAt"},
        "QueueCounts": {"pending", "reported", "rejected"},
        "PageInfo": {"hasNextPage", "endCursor"},
        "CommentConnection": {"edges", "pageInfo", "totalCount"},
    }
    for type_name, fields in expected.items():
        graphql_type = sdl.type_map[type_name]
        assert isinstance(graphql_type, GraphQLObjectType)
        assert fields <= set(graphql_type.fields), (type_name, fields - set(graphql_type.fields))
