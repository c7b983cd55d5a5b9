"""Whether a query's answer can depend on who asks, decided from its validated document.

Conservative by construction: a document is cacheable only when every field it
selects is on the allow-list below, every directive is @include/@skip, and it
holds queries only. Anything else (mutations, subscriptions, introspection,
`viewer`, moderator-only fields, fields that change without an event) is not.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from enum import Enum

from graphql import (
    DirectiveNode,
    DocumentNode,
    FieldNode,
    GraphQLError,
    GraphQLSchema,
    OperationDefinitionNode,
    OperationType,
    TypeInfo,
    TypeInfoVisitor,
    Visitor,
    parse,
    print_ast,
    specified_rules,
    validate,
    visit,
)
from graphql.language.visitor import BREAK


class Audience(Enum):
    """Who may be answered from one shared, cached response."""

    # Identical for every viewer who is not a moderator (signed in or not).
    READERS = "readers"
    # Identical for every anonymous viewer; a signed-in author also sees their own
    # held comments through these fields, so they are executed for them.
    ANONYMOUS = "anonymous"


# Fields whose value is the same for every non-moderator, and whose every change
# publishes an event naming the article (api/readcache/responsecache.py). Not here on purpose:
# Comment.version (bumped by a moderator re-approving, without an event),
# Comment.language (a rescore may change it without moving the comment),
# every moderator-only field, and Query.viewer.
READER_FIELDS: dict[str, frozenset[str]] = {
    "Query": frozenset({"articles", "article"}),
    "Article": frozenset(
        {
            "id",
            "slug",
            "title",
            "body",
            "url",
            "language",
            "publishedAt",
            "commentsOpen",
            "commentCount",
        }
    ),
    "ArticleConnection": frozenset({"edges", "pageInfo", "totalCount"}),
    "CommentConnection": frozenset({"edges", "pageInfo", "totalCount"}),
    "ArticleEdge": frozenset({"cursor", "node"}),
    "CommentEdge": frozenset({"cursor", "node"}),
    "PageInfo": frozenset({"hasNextPage", "endCursor"}),
    # editedAt and deletedAt (and body, author) change with an author's edit or deletion,
    # which publishes CommentChanged naming the article.
    "Comment": frozenset(
        {
            "id",
            "article",
            "author",
            "body",
            "createdAt",
            "status",
            "replyCount",
            "editedAt",
            "deletedAt",
        }
    ),
    "User": frozenset({"id", "name", "role"}),
}
# Fields that answer a signed-in author's own held comments too (threads list them
# beside the approved ones), and only approved ones to anyone else.
ANONYMOUS_FIELDS: dict[str, frozenset[str]] = {
    "Query": frozenset({"comment"}),
    "Article": frozenset({"comments"}),
    "Comment": frozenset({"parent", "replies"}),
}
DIRECTIVES = frozenset({"include", "skip"})


@dataclass(frozen=True)
class Plan:
    """What one document text (with its operation name) is, worked out once."""

    # None: never answered from the cache.
    audience: Audience | None
    # The normalised document and operation: equal for texts that differ only in layout.
    key: str = ""
    # The operation's name (given, or the document's only operation's), for metrics.
    operation: str | None = None


NOT_CACHEABLE = Plan(None)


class _Walk(Visitor):
    def __init__(self, type_info: TypeInfo) -> None:
        super().__init__()
        self.type_info = type_info
        self.audience: Audience | None = Audience.READERS

    def enter_operation_definition(self, node: OperationDefinitionNode, *_args: object) -> object:
        if node.operation is not OperationType.QUERY:
            self.audience = None
            return BREAK
        return None

    def enter_directive(self, node: DirectiveNode, *_args: object) -> object:
        if node.name.value not in DIRECTIVES:
            self.audience = None
            return BREAK
        return None

    def enter_field(self, node: FieldNode, *_args: object) -> object:
        name = node.name.value
        if name == "__typename":
            return None
        parent = self.type_info.get_parent_type()
        type_name = parent.name if parent is not None else ""
        if name in READER_FIELDS.get(type_name, ()):
            return None
        if name in ANONYMOUS_FIELDS.get(type_name, ()):
            self.audience = Audience.ANONYMOUS
            return None
        self.audience = None
        return BREAK


def audience(schema: GraphQLSchema, document: DocumentNode) -> Audience | None:
    """The narrowest audience every field of the (validated) document allows."""
    type_info = TypeInfo(schema)
    walk = _Walk(type_info)
    visit(document, TypeInfoVisitor(type_info, walk))
    return walk.audience


def plan(
    schema: GraphQLSchema,
    query: str,
    operation_name: str | None,
    *,
    max_tokens: int | None = None,
    rules: tuple[type, ...] = (),
) -> Plan:
    """Parse and validate as execution would; a document that fails either is not
    cacheable (strawberry then answers it with its errors)."""
    try:
        document = parse(query, max_tokens=max_tokens)
    except GraphQLError:
        return NOT_CACHEABLE
    if validate(schema, document, (*specified_rules, *rules)):
        return NOT_CACHEABLE
    found = audience(schema, document)
    if found is None:
        return NOT_CACHEABLE
    normal = f"{operation_name or ''}\n{print_ast(document)}"
    named = [
        d.name.value
        for d in document.definitions
        if isinstance(d, OperationDefinitionNode) and d.name is not None
    ]
    operation = operation_name or (named[0] if len(named) == 1 else None)
    return Plan(found, hashlib.sha256(normal.encode()).hexdigest(), operation)
