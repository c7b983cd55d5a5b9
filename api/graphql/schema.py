"""The schema object, with its permission rules applied."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.schema.schema import DEFAULT_ALLOWED_OPERATION_TYPES
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext, ExecutionResult
from strawberry.types.graphql import OperationType

from api.graphql import permissions
from api.graphql.documents import DocumentCache
from api.graphql.errors import ErrorCodes
from api.graphql.external import ExternalMutation, ExternalQuery
from api.graphql.limits import RequestLimits
from api.graphql.mutation import Mutation
from api.graphql.observing import Observing
from api.graphql.query import Query
from api.graphql.subscription import Subscription


class Schema(strawberry.Schema):
    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        # ErrorCodes logs what is unexpected; expected errors are not server faults.
        return None

    async def execute(
        self,
        query: str | None,
        variable_values: dict[str, Any] | None = None,
        context_value: Any | None = None,
        root_value: Any | None = None,
        operation_name: str | None = None,
        allowed_operation_types: Iterable[OperationType] | None = None,
        operation_extensions: dict[str, Any] | None = None,
    ) -> ExecutionResult:
        """Queries and mutations only: a subscription is served over a WebSocket
        (subscribe), and executing one as a query would fail half-way; over HTTP it
        is refused with a 400 (strawberry's InvalidOperationTypeError)."""
        allowed = set(allowed_operation_types or DEFAULT_ALLOWED_OPERATION_TYPES)
        allowed.discard(OperationType.SUBSCRIPTION)
        return await super().execute(
            query,
            variable_values,
            context_value,
            root_value,
            operation_name,
            allowed,
            operation_extensions,
        )


def build_schema(**kwargs: Any) -> Schema:
    schema = Schema(
        query=merge_types("Query", (Query, ExternalQuery)),
        mutation=merge_types("Mutation", (Mutation, ExternalMutation)),
        subscription=Subscription,
        extensions=[RequestLimits, DocumentCache, ErrorCodes, Observing],
        **kwargs,
    )
    permissions.apply(schema._schema)
    return schema


schema = build_schema()
