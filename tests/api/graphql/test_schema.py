"""schema.graphql is the published contract; it must match the running schema."""

from __future__ import annotations

from pathlib import Path

from graphql import GraphQLObjectType, build_schema

from api.graphql import permissions
from api.graphql.schema import schema
from tests.support.client import Api

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


async def test_several_operations_without_an_operation_name_are_refused(api: Api) -> None:
    document = "query A { articles { totalCount } } query B { viewer { id } }"
    write = (
        'mutation W { upsertArticle(input: {slug: "w", title: "T", body: "B"}) { article { id } } }'
    )
    admin = api.token("admin", "admin")
    for query, as_ in ((document, None), (document, admin), (f"{document} {write}", admin)):
        body = await api.query(query, as_=as_)
        assert body.get("data") is None, body
        assert [e["extensions"]["code"] for e in body["errors"]] == ["BAD_USER_INPUT"], body
        assert "operationName" in body["errors"][0]["message"]
    response = await api.http.get("/graphql", params={"query": document})
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    # Nothing was written, and naming one runs that one.
    assert (await api.data('{ article(slug: "w") { id } }'))["article"] is None
    response = await api.http.post("/graphql", json={"query": document, "operationName": "A"})
    assert response.json() == {"data": {"articles": {"totalCount": 0}}}
