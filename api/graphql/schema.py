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
from api.graphql.mutation import Mutation as CoreMutation
from api.graphql.mutations_authors import AuthorMutation
from api.graphql.mutations_compliance import ComplianceMutation
from api.graphql.observing import Observing
from api.graphql.query import Query as CoreQuery
from api.graphql.query_audit import AuditQuery
from api.graphql.query_compliance import ComplianceQuery
from api.graphql.subscription import Subscription as CoreSubscription
from api.graphql.subscriptions_authors import AuthorSubscription
from api.graphql.userdata import UserDataMutation, UserDataQuery
from api.graphql.webhooks import WebhooksMutation, WebhooksQuery

# Each area's root fields live in its own module; they are joined here (add a line,
# don't rewrite).
ROOT_QUERY = merge_types(
    "Query",
    (CoreQuery, WebhooksQuery, UserDataQuery, AuditQuery, ComplianceQuery, ExternalQuery),
)
ROOT_MUTATION = merge_types(
    "Mutation",
    (
        CoreMutation,
        AuthorMutation,
        WebhooksMutation,
        UserDataMutation,
        ComplianceMutation,
        ExternalMutation,
    ),
)
ROOT_SUBSCRIPTION = merge_types("Subscription", (CoreSubscription, AuthorSubscription))


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
        query=ROOT_QUERY,
        mutation=ROOT_MUTATION,
        subscription=ROOT_SUBSCRIPTION,
        extensions=[RequestLimits, DocumentCache, ErrorCodes, Observing],
        **kwargs,
    )
    permissions.apply(schema._schema)
    return schema


schema = build_schema()
