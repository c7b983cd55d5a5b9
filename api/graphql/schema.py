"""The schema object, with its permission rules applied."""

from __future__ import annotations

from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.types import ExecutionContext

from api.graphql import permissions
from api.graphql.documents import DocumentCache
from api.graphql.errors import ErrorCodes
from api.graphql.limits import RequestLimits
from api.graphql.mutation import Mutation
from api.graphql.query import Query
from api.graphql.subscription import Subscription


class Schema(strawberry.Schema):
    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        # ErrorCodes logs what is unexpected; expected errors are not server faults.
        return None


def build_schema(**kwargs: Any) -> Schema:
    schema = Schema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        extensions=[RequestLimits, DocumentCache, ErrorCodes],
        **kwargs,
    )
    permissions.apply(schema._schema)
    return schema


schema = build_schema()
